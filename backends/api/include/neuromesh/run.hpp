#pragma once
// One run of a network, start to end: the orchestration the CLI (`neuromesh run`) and Python
// (`Network.run`) share (backends/api/src/run.cpp). The callers only turn their arguments into a
// `run_options` (argv, or Python keywords of the same names) and present the `run_result`.
//
//   neuromesh::run_options o;
//   o.duration_ms = 1000;
//   o.output = "run.h5";
//   o.hardware = neuromesh::hardware_options{.hardware = "loihi"};
//   o.timing = "delay";
//   auto r = neuromesh::run(neuromesh::builtin_network("brunel"), o);
//   std::puts(r.energy->report().table().c_str());
//
// What run() does, in order: checks the options against each other (config_error naming the
// option in the caller's spelling, `option_names`), applies the dt/seed overrides and weight
// recorders, maps the network onto the hardware, makes the ideal reference run of the timing
// mode, builds the simulation, attaches the energy accountant and the timing filter, runs on to
// `duration_ms` (a resumed run from the checkpoint's time: duration is the whole run's length),
// compares with the reference, and finishes (or, with keep_open, suspends the output so that
// the caller can continue the run).
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <neuromesh/api.hpp>

namespace neuromesh {

// How errors name options: "--link-capacity" (cli) or "link_capacity" (python).
enum class option_names { cli, python };

struct run_options {
  std::optional<double> duration_ms;  // the whole run's length [ms]; default: the network's duration
  std::optional<double> dt;           // overrides the network's time step [ms]
  std::optional<std::uint64_t> seed;  // overrides the network's seed
  std::string backend = "cpu";        // cpu | cuda | cuda-omp (features().backends)
  int threads = 0;                    // 0: all cores
  precision prec = precision::single;
  int device = 0;  // backend cuda: which GPU (>= 0)
  // cuda backends: stored | procedural | procedural_if_regenerable ("": stored); cpu: stored |
  // procedural_if_regenerable ("": procedural_if_regenerable: conv2d projections not stored)
  std::string connectivity;
  std::string exchange;       // under mpirun: targeted | allgather ("": targeted; timing mode: allgather)
  std::string decomposition;  // under mpirun: block | round-robin ("": block, or the hardware placement's ranks)
  std::string output;         // SONATA HDF5 file ("": none)
  bool keep_spikes_in_memory = false;         // simulation::spikes() after the run
  std::string write_synapses = "plastic";     // plastic | all | none (docs/plasticity.md)
  std::vector<std::size_t> record_weights;    // a weight recorder on every synapse of these projections
  std::optional<double> checkpoint_every_ms;  // > 0, on the dt grid (docs/reliability.md)
  std::string checkpoint;                     // default output + ".ckpt", else neuromesh.ckpt
  std::string resume;                         // a checkpoint to continue from ("": start at t = 0)
  // The hardware model (docs/routing.md): options to map the network with, or a mapping made
  // already (Python's nm.hardware.map_network); placement seed default: the network's seed.
  std::optional<hardware_options> hardware;
  std::optional<std::uint64_t> placement_seed;
  std::shared_ptr<const routing::hardware_mapping> mapping;
  bool energy_detail = false;  // link serialisation in the step time, per-link packets per bin
  std::string energy_json;     // default output + ".energy.json"
  // Timing mode (needs hardware): "delay" | "drop" ("": off); link capacity [packets per step,
  // > 0] and step time [us, > 0] default to the preset's link rate x the step time.
  std::string timing;
  std::optional<double> link_capacity;
  std::optional<double> step_time_us;
  bool timing_reference = true;  // the ideal run the timed one is compared with
  // Leave the simulation open (suspend_output instead of finish) so the caller can continue it;
  // only for a run without hardware or timing (their reports cover one run).
  bool keep_open = false;
  const std::atomic<bool>* stop = nullptr;  // set (SIGINT, Ctrl-C) to end the run early, cleanly
  option_names names = option_names::cli;
};

// The stages of a run, for progress displays.
enum class run_stage { reference, build, simulate };

// Called on every rank (the caller chooses which one shows anything): begin(stage, ms) with the
// simulated time the stage covers (build: 1), progress(stage, fraction done), end(stage).
struct run_callbacks {
  std::function<void(run_stage, double)> begin;
  std::function<void(run_stage, double)> progress;
  std::function<void(run_stage)> end;
};

struct run_result {
  std::unique_ptr<simulation> sim;                           // finished, or suspended with keep_open
  std::shared_ptr<const routing::hardware_mapping> mapping;  // with hardware
  std::shared_ptr<routing::energy_accountant> energy;        // with hardware: report() is complete
  std::shared_ptr<routing::link_timing_filter> timing;       // with timing: report(), vs the reference
};

// Checks the options alone and against each other; config_error names the option. run() calls it.
void check_run_options(const run_options& opt);

// Performs a whole run of `net` (see the top of this file).
run_result run(network net, run_options opt, const run_callbacks& callbacks = {});

// This process's rank as the MPI launcher numbered it (0 without a launcher): before a simulation
// exists every rank sees the same input, so only rank 0 reports.
int launcher_rank();

}  // namespace neuromesh
