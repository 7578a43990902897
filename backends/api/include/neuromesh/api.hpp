#pragma once
// The C++ facade of neuromesh: what C++ programs and the Python bindings use. Build a `network`
// (network.hpp), check it, make a simulation on a backend, run or step it, read its spikes.
//
//   neuromesh::network net = neuromesh::builtin_network("brunel");
//   auto sim = neuromesh::make_simulation(net, {.threads = 2, .output = "run.h5"});
//   sim->run(1000.0);
//   sim->finish();
#include <memory>
#include <string>
#include <vector>

#include <neuromesh/core/network.hpp>
#include <neuromesh/core/network_json.hpp>
#include <neuromesh/core/routing/energy.hpp>
#include <neuromesh/core/routing/timing.hpp>
#include <neuromesh/core/simulation.hpp>

namespace neuromesh {

// Checks a network against the model registry and the rules of every connector; throws
// config_error / parameter_error naming the population, parameter or key path at fault.
void validate(const network& net);

// The sign rule (network.hpp `receptor`; backends/api/src/sign_rule.cpp): check_sign_rule throws
// config_error naming the projection or stimulus whose weights contradict their receptor;
// resolve_receptors returns the network with every receptor excitatory or inhibitory and every
// weight in the engines' convention (inhibitory currents negative, conductances positive).
// make_simulation applies it; C++ code that builds engines directly must too.
void check_sign_rule(const network& net);
network resolve_receptors(network net);

// Memory a network needs per process, estimated before building from the connectors' expected
// synapse counts (backends/api/src/memory_estimate.cpp), and the memory this process may use (the
// smallest of the cgroup limit, RLIMIT_AS and MemAvailable; bytes < 0: unknown). check_memory
// throws config_error with the estimate and advice when the estimate exceeds what is available
// (make_simulation calls it for the backends that build in host memory). conv2d_plans: the engine
// keeps static conv2d projections as plans (the cpu backend unless connectivity is "stored", where
// every rank's slices are contiguous), counted as their bytes per shard instead of per synapse.
struct memory_estimate {
  double synapses = 0;        // expected, all ranks
  double synapse_bytes = 0;   // all ranks
  double neuron_bytes = 0;    // per rank: state, ring buffers, row index
  double per_rank_bytes = 0;  // synapse_bytes / ranks + neuron_bytes
};
struct memory_limit {
  double bytes = -1;
  std::string source;
};
memory_estimate estimate_memory(const network& net, int ranks = 1, int threads = 1, bool conv2d_plans = false);
memory_limit available_memory();
void check_memory(const network& net, int ranks = 1, int threads = 1, bool conv2d_plans = false);

// Validates `net` and builds a simulation on opt.backend ("cpu"); backend_unavailable names the
// backends this build has when another is requested.
std::unique_ptr<simulation> make_simulation(network net, simulation_options opt = {});

// Processes started by an MPI launcher (mpirun/mpiexec), from its environment; 0 when none.
// make_simulation uses MPI exactly when this is > 0 (and refuses when > 1 in a build without MPI).
int launcher_process_count();

// What this build contains: backends and optional features.
struct build_features {
  std::vector<std::string> backends;
  bool cuda = false, mpi = false, python = false;
  std::string version;
};
build_features features();

// Built-in reference networks (networks/*.json, embedded at build time).
std::vector<std::string> builtin_network_names();
network builtin_network(const std::string& name);
// A built-in name or a path to a JSON network file.
network load_network(const std::string& name_or_path);

// The neuromorphic hardware model (docs/routing.md; hardware_api.cpp).
// Preset names (networks/hardware/*.json, embedded) and loading a preset or a user JSON file.
std::vector<std::string> hardware_preset_names();
routing::hardware load_hardware(const std::string& name_or_path);
// Firing rate [Hz] of every neuron in a run of duration_ms without output (for placement).
std::vector<double> profile_rates(const network& net, double duration_ms, int threads = 0);

struct hardware_options {
  std::string hardware = "loihi";        // preset name or JSON file
  std::string placement = "sequential";  // sequential | random | energy-aware
  std::string objective = "energy";      // energy-aware: energy (total estimate) | traffic (network only)
  std::uint64_t seed = 1;
  double profile_ms = 200;                 // energy-aware: rates from a run this long (0: 1 Hz estimate for all)
  std::string routing;                     // empty: the chip's own; multicast | unicast | single_destination
  bool splitters = false;                  // single_destination: allow splitter neurons
  std::uint32_t chips_x = 0, chips_y = 0;  // 0: the preset's board
  int threads = 0;                         // for the profiling run
};
// Places and routes `net` on the hardware (validating the options; config_error names the bad one).
std::shared_ptr<const routing::hardware_mapping> map_to_hardware(const network& net, const hardware_options& opt);
// Adds energy accounting to a simulation; its report is complete after sim.finish(). detail:
// link serialisation in the step time and per-link packets per bin (walks every route's links).
std::shared_ptr<routing::energy_accountant> attach_hardware(simulation& sim,
                                                            std::shared_ptr<const routing::hardware_mapping> mapping,
                                                            double bin_ms = 10.0, bool detail = false);
// Timing mode (docs/routing.md): links forward a limited number of packets per step, and late or
// dropped packets change what the network receives. Install before running; the filter's
// report() counts as the run goes, and finish() adds /timing to the output file. For the
// comparison with the ideal run, run the network without it and give compare_spike_trains's
// result to set_reference() before finish().
std::shared_ptr<routing::link_timing_filter> attach_timing(simulation& sim,
                                                           std::shared_ptr<const routing::hardware_mapping> mapping,
                                                           const routing::timing_options& opt);

}  // namespace neuromesh
