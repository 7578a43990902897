#pragma once
// The simulation driver: owns time, the engine, exchange and recording, and runs the epoch loop
// as named phases (advance = deliver ring-buffer input + update + detect, exchange, deliver,
// record). A simulation is a value: two can live in one process.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <neuromesh/core/communicator.hpp>
#include <neuromesh/core/delivery_filter.hpp>
#include <neuromesh/core/engine.hpp>
#include <neuromesh/core/network.hpp>
#include <neuromesh/core/observer.hpp>

namespace neuromesh {

class recording;  // recording.hpp

struct simulation_options {
  std::string backend = "cpu";
  int threads = 0;  // 0: all cores
  int device = 0;   // GPU index for backend "cuda"
  // CUDA backends: synapse rows "stored" in device memory or regenerated per spike ("procedural",
  // "procedural_if_regenerable"; docs/cuda.md); empty: stored (or NEUROMESH_CUDA_CONNECTIVITY).
  // cpu backend: empty or "procedural_if_regenerable": conv2d projections are generated from their
  // kernel, not stored (docs/nir.md, "Memory and speed"); "stored": every projection stored.
  std::string connectivity;
  precision prec = precision::single;
  std::string output;  // SONATA HDF5 file; empty: no file
  // Synapses written to the output file as SONATA edges (/edges/<pre>_to_<post>) when a run ends,
  // is interrupted or the output is suspended between runs (simulation_edges.cpp): "plastic" (the
  // projections whose weights change; the default), "all" (static ones too), "none".
  std::string write_synapses = "plastic";
  bool keep_spikes_in_memory = true;  // for spikes() after the run (12 bytes per spike)
  bool active_set = true;
  const std::atomic<bool>* stop = nullptr;  // set (e.g. by SIGINT) to end a run early, cleanly
  // Distribution over processes (MPI; see docs/mpi.md). `communicator`: "auto" uses MPI when the
  // program was started by mpirun/mpiexec, "local" runs this process alone.
  std::string communicator = "auto";
  std::string exchange = "targeted";           // "targeted" (only to ranks with targets) or "allgather"
  std::string decomposition = "block";         // neuron -> rank: "block" or "round-robin"
  std::vector<std::uint32_t> rank_of_gid;      // any neuron -> rank map (overrides decomposition)
  std::function<void(double)> build_progress;  // construction progress, fraction in [0, 1]
  // Checkpoints (docs/reliability.md, "Checkpoint and restart"). `checkpoint_every_ms` > 0 (on
  // the dt grid): run() saves the state to `checkpoint` whenever the time reaches a multiple of it,
  // and where it stops on `stop` (SIGTERM, Ctrl-C) (0: never). `checkpoint` defaults to the
  // output path + ".ckpt", else "neuromesh.ckpt".
  double checkpoint_every_ms = 0;
  std::string checkpoint;
  // A checkpoint to start from (same network, dt, seed and precision, else config_error); the
  // output file of the run that wrote it is continued (see simulation::simulation).
  std::string resume;
};

// What a run did, for summaries and provenance. spikes counts every spike fired; the per-population
// numbers are over the neurons whose spikes are recorded (recording.hpp: all of them unless a spike
// recorder names ids, none in a population without a spike recorder when others have one).
struct run_summary {
  std::uint64_t neurons = 0, synapses = 0, spikes = 0;
  std::vector<std::uint64_t> spikes_per_population;  // spikes of the recorded neurons
  std::vector<std::uint64_t> recorded_neurons;       // per population: neurons whose spikes are recorded
  // per population: the [start, stop) ms window of its spike recorders (stop infinite: to the end)
  std::vector<std::pair<double, double>> recorded_window;
  double build_seconds = 0, simulate_seconds = 0, simulated_ms = 0;
  double bytes_per_synapse = 0;
  std::uint64_t neuron_updates = 0;  // over all ranks, at the end of the last run()
  std::uint64_t exchange_bytes = 0;  // spike-exchange payload sent by all ranks together (MPI)
  double exchange_seconds = 0;       // this rank's wall time in exchange and gathers (MPI)
  double real_time_factor() const { return simulated_ms > 0 ? simulate_seconds / (simulated_ms * 1e-3) : 0; }
  // Mean rate [Hz] of population p's recorded neurons over the part of its recording window run
  // so far (NaN when none is recorded, or the run has not reached the window; 0 before a run):
  // the number `neuromesh info` and neuromesh.analysis give for the output file.
  double rate_hz(std::size_t p) const {
    if (recorded_neurons[p] == 0) return std::numeric_limits<double>::quiet_NaN();
    if (simulated_ms <= 0) return 0.0;
    const auto [start, stop] = p < recorded_window.size() ? recorded_window[p] : std::pair{0.0, simulated_ms};
    const double span = std::min(stop, simulated_ms) - start;
    if (!(span > 0)) return std::numeric_limits<double>::quiet_NaN();
    return spikes_per_population[p] / (recorded_neurons[p] * span * 1e-3);
  }
};

using engine_factory = std::function<std::unique_ptr<engine>(engine_config)>;
using progress_callback = std::function<void(double fraction_done)>;

class simulation {
 public:
  // With opt.resume, the simulation starts at the checkpoint's time from its saved state, and an
  // output file (opt.output) continues the one the checkpointed run wrote at that path: its
  // records up to the checkpoint's time are kept, later ones dropped (io_error if it is missing).
  simulation(network net, simulation_options opt, const engine_factory& make_engine,
             std::unique_ptr<communicator> comm = nullptr);
  ~simulation();
  simulation(const simulation&) = delete;
  simulation& operator=(const simulation&) = delete;

  // Advances by `duration_ms`, a multiple of dt (config_error otherwise, naming the nearest grid
  // times, as NEST's Simulate), recording as configured. A further run() continues from now.
  // After finish() every advance is a config_error.
  void run(double duration_ms, const progress_callback& progress = {});
  // Closed loop: advance exactly one step, or one epoch (min_delay steps).
  void step() { advance_steps(1); }
  void step_epoch() { advance_steps(min_delay_); }
  void advance_steps(step_t n);

  // Spikes fired now by neurons `ids` of a population (as if they fired in the last step); they
  // reach their targets after the synaptic delays and are recorded.
  void inject_spikes(const std::string& population, std::span<const index_t> ids);
  // A persistent extra current [pA] into neurons of a population, until changed.
  void set_current(const std::string& population, std::span<const index_t> ids, std::span<const double> pA);
  // Spikes of the last advance of one population, as population-local ids; a view valid until
  // the next advance (no copy, no allocation per step once warmed up).
  std::span<const index_t> last_spikes(const std::string& population) const;
  std::span<const spike> last_spikes() const { return epoch_spikes_; }

  // The recorded neurons' spikes so far (sorted by step, then gid): what the output file holds
  // (spike recorders with ids record those neurons only, within their window; recording::records).
  const std::vector<spike>& spikes() const { return all_spikes_; }
  // Zero-copy view of a state variable of a whole population (user units), updated in place as
  // the simulation advances; data == nullptr where the engine cannot give one (several threads or
  // ranks, device memory, V_m which is stored relative to E_L). `why` then says which.
  state_column state_view(const std::string& population, const std::string& variable, std::string* why = nullptr) const;
  // Projection k's synapses on every rank (collective under MPI), sorted by (pre, post, delay):
  // population-local ids, weights in NEST's convention (negative = inhibitory, for currents and
  // conductances alike), delays in steps -- e.g. the weights a plastic projection has learnt.
  // simulation_synapses.cpp.
  std::vector<synapse_record> synapses(std::size_t projection) const;
  // Weight recorder i's events so far (network::weight_recorders; rank 0 under MPI; empty without
  // keep_spikes_in_memory), sorted by (step, pre, post): the weight each recorded synapse had just
  // after each presynaptic spike updated it, in NEST's sign convention. simulation_weights.cpp.
  const std::vector<weight_event>& recorded_weights(std::size_t recorder) const;
  // Current value of a state variable of neurons of a population (user units).
  std::vector<double> state(const std::string& population, const std::string& variable,
                            std::span<const index_t> ids) const;

  // Adds an observer called after every chunk and at finish() (observer.hpp), e.g. the hardware
  // model's energy accounting. The simulation shares ownership.
  void add_observer(std::shared_ptr<epoch_observer> obs) { observers_.push_back(std::move(obs)); }
  // Puts a filter between exchange and delivery (delivery_filter.hpp; the hardware model's timing
  // mode). Throws config_error when the engine cannot deliver to part of a spike's targets, or
  // when, under MPI, ranks do not see every spike (the filter must run alike everywhere: use
  // exchange "allgather"). Spikes given to inject_spikes() bypass the filter (external input).
  void set_delivery_filter(std::shared_ptr<delivery_filter> f);

  // Writes the provenance of the time simulated so far (status "complete", runs, duration) and
  // closes the output file, which is then complete and readable by any reader; the next run() or
  // advance reopens it and appends (a continued run: NEST's Simulate called again).
  void suspend_output();
  // Closes the output file (also done by the destructor), then lets observers add to it.
  void finish();
  // Saves the state reached to `path` (HDF5, written atomically: temp file + rename), by neuron,
  // so any thread and rank count can resume it (simulation_options::resume) and continue with
  // bit-identical spikes. Flushes the output file first. Collective under MPI (rank 0 writes).
  // config_error with the hardware model attached; backend_unavailable for engines that cannot.
  void save_checkpoint(const std::string& path);
  // Where run() writes periodic checkpoints (simulation_options::checkpoint and its default).
  std::string checkpoint_path() const;

  // Batches of samples (simulation_reset.cpp): back to time 0 without rebuilding the network --
  // every neuron to its initial state, spike sources to the start of their trains, ring buffers,
  // closed-loop currents, the spikes in memory (spikes(), last_spikes()), weight-recorder events
  // and the run counters cleared; synapses kept. `spike_times` gives spike_source_array
  // populations (by label) new trains (ms, one list per neuron, as population::spike_times),
  // checked as validate() checks them. A later run gives bit-identical spikes to a fresh
  // simulation of the description with those trains. Collective under MPI (every rank passes the
  // same). config_error when the simulation writes an output file, has observers or a delivery
  // filter (the hardware model), or has projections with run-time synapse state (plastic,
  // short-term: not restored yet); backend_unavailable for an engine that cannot (engine::reset_state).
  using spike_trains = std::vector<std::vector<double>>;
  void reset(std::vector<std::pair<std::string, spike_trains>> spike_times = {});

  const network& description() const { return net_; }
  step_t now() const { return now_; }
  double time_ms() const { return static_cast<double>(now_) * net_.dt; }
  step_t min_delay() const { return min_delay_; }
  const run_summary& summary() const { return summary_; }
  const engine_statistics statistics() const { return engine_->statistics(); }
  // MPI: this process's rank and the number of ranks (0 and 1 in one process). Under MPI the
  // rank-0 process holds all spikes (spikes(), last_spikes(), summary) and writes the output file;
  // the others hold the spikes of their own neurons.
  int rank() const { return comm_->rank(); }
  int ranks() const { return comm_->size(); }
  const rank_map& decomposition() const { return ranks_; }
  neuromesh::exchange_statistics communication() const { return comm_->statistics(); }
  std::string communication_strategy() const { return comm_->strategy(); }
  // Population (index) and population-local id of a global id.
  std::pair<std::size_t, index_t> locate(gid_t gid) const;

 private:
  void run_steps(double duration_ms, const progress_callback& progress);
  void begin_advance();          // a new advance: last_spikes() starts empty
  void advance_chunk(step_t n);  // phases of one chunk (<= one epoch)
  void exchange_and_record(step_t t0);
  void deliver_partial();  // the filter's partial deliveries, before the next advance
  void record_state_if_due();
  step_t next_stop(step_t target) const;
  void check_interrupt(bool collective);
  void close_output();
  void write_run_provenance();
  void write_synapses_to_output();  // simulation_edges.cpp; collective
  void collect_weight_events();     // simulation_weights.cpp; collective
  void resume_output();
  void check_not_finished() const;
  void construct(const engine_factory& make_engine);
  void fail_everywhere(const std::exception& e);
  // Checkpoints (simulation_checkpoint.cpp).
  void check_synapse_state_kept(const char* what) const;
  void check_checkpointable() const;
  void set_aside_resumed_output();
  void restore(const std::string& path);
  void continue_resumed_output(const std::string& path);
  std::string resumed_output_path() const { return opt_.output + ".before-resume"; }
  void gather_run_totals();
  // Reads a state variable of any neurons (collective under MPI: each rank reads its own).
  void read_state_everywhere(std::size_t population, int var, std::span<const index_t> ids,
                             std::span<double> out) const;

  network net_;
  simulation_options opt_;
  std::unique_ptr<communicator> comm_;
  rank_map ranks_;
  partition part_;  // this rank's neurons (kept for ownership queries)
  std::unique_ptr<engine> engine_;
  std::unique_ptr<recording> rec_;
  std::vector<gid_t> offsets_;
  step_t now_ = 0;
  step_t min_delay_ = 1;
  std::vector<spike> fired_, epoch_spikes_, undelivered_, all_spikes_;
  std::vector<std::vector<index_t>> last_by_pop_;
  run_summary summary_;
  std::vector<std::shared_ptr<epoch_observer>> observers_;
  std::shared_ptr<delivery_filter> filter_;
  std::vector<spike> whole_;               // the filter's spikes for every target
  std::vector<partial_delivery> partial_;  // ... and for some, delivered before the next advance
  bool finished_ = false;
  bool synapses_written_ = false;
  std::vector<std::vector<weight_event>> weights_;  // per weight recorder (rank 0, in memory)
  std::vector<std::uint64_t> weight_counts_;        // per weight recorder: events recorded so far
  std::vector<weight_event> weight_buf_;            // the output file holds the synapses as they are now
  std::uint64_t runs_ = 0;                          // run() calls, for provenance (a continued run has several)
  step_t checkpoint_steps_ = 0;                     // periodic checkpoints (0: none)
};

}  // namespace neuromesh
