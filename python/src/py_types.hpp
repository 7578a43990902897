#pragma once
// Types shared by the binding files: the simulation behind _core.Simulation (bind_simulation.cpp)
// and the hardware mapping behind _core.HardwareMapping (bind_routing.cpp).
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <pybind11/functional.h>
#include <pybind11/pybind11.h>

#include <neuromesh/api.hpp>

namespace neuromesh::python {

// A simulation plus the stop flag its run loop watches (stable address: held by pointer).
class py_simulation {
 public:
  // Builds one (Network.simulator, continued runs, tests).
  py_simulation(network net, const std::string& backend, int threads, const std::string& prec,
                const std::string& output, bool keep_spikes, bool active_set,
                const std::optional<pybind11::function>& build_progress, const std::string& exchange,
                const std::string& decomposition, std::vector<std::uint32_t> rank_of_gid, int device,
                const std::string& connectivity, double checkpoint_every, const std::string& checkpoint,
                const std::string& resume, const std::string& write_synapses);
  // Empty, to take the simulation a whole run made (bind_run.cpp): give stop_flag() to the run
  // first, then adopt() what it built.
  py_simulation() = default;
  std::atomic<bool>* stop_flag() { return &stop_; }
  void adopt(std::unique_ptr<simulation> sim) { sim_ = std::move(sim); }

  // Runs on for duration_ms with the GIL released; Ctrl-C -> KeyboardInterrupt, progress on rank 0.
  void run(double duration_ms, const std::optional<pybind11::function>& progress);

  simulation& sim() { return *sim_; }

 private:
  std::atomic<bool> stop_{false};
  std::unique_ptr<simulation> sim_;
};

// A mapping plus the network it was made for (for traffic questions asked later).
struct py_mapping {
  std::shared_ptr<const routing::hardware_mapping> m;
  network net;
};

// "float" | "double" (config_error naming precision otherwise).
precision precision_of(const std::string& name);

// An energy report as the dict neuromesh.hardware.EnergyReport reads.
pybind11::dict energy_report_dict(const routing::energy_report& r);

}  // namespace neuromesh::python
