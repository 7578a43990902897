#pragma once
// The backend interface. An engine owns the state of the neurons of its partition (neuron state,
// synapses, input ring buffers) and does the per-step work; the simulation driver (simulation.hpp)
// owns time, exchange and recording, and calls the engine in named phases:
//   advance (deliver ring-buffer input, update, detect)  ->  exchange  ->  deliver  ->  record.
// Kept deliberately small (STYLE anti-pattern 3): memory, kernels and exchange stay separate.
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <neuromesh/core/delivery_filter.hpp>
#include <neuromesh/core/network.hpp>
#include <neuromesh/core/partition.hpp>
#include <neuromesh/core/spike.hpp>

namespace neuromesh {

struct population_state;  // checkpoint.hpp
struct synapse_state;     // checkpoint.hpp

// Numeric type of neuron state. Float halves memory traffic (the default, for speed); double is
// for validation. Each is bit-identical across threads, ranks and backends.
enum class precision { single, double_precision };

// What every engine is built from.
struct engine_config {
  const network* net = nullptr;
  partition part;
  precision prec = precision::single;
  bool active_set = true;  // skip neurons at their fixed point (exact; off only for testing)
  // Called on the constructing thread with the fraction of the synapses built (may be empty).
  std::function<void(double)> build_progress;
};

// A state variable of a whole population in the engine's own memory (zero-copy), valid while the
// engine lives and updated in place as it advances. data == nullptr: no such view (several
// shards, device memory, or a variable stored relative to a parameter).
struct state_column {
  const void* data = nullptr;
  std::size_t size = 0;
  bool single = true;  // float; false: double
};

// Sizes an engine reports after construction.
struct engine_statistics {
  std::uint64_t neurons = 0, synapses = 0;
  std::uint64_t synapse_payload_bytes = 0, synapse_index_bytes = 0;
  delay_t min_delay = 1, max_delay = 1;  // over all synapses (1 when there are none)
  std::uint64_t neuron_updates = 0;      // updates performed so far (the active set saves the rest)
};

// One synapse as read back from an engine (a projection's weights, e.g. after learning):
// population-local ids of its pre and post neuron, its weight (engine convention: inhibitory
// currents negative) and delay in steps.
struct synapse_record {
  index_t pre, post;
  double weight;
  delay_t delay;
};

// What a weight recorder saw (network::weight_recorders): synapse (pre, post) of the recorder's
// projection has `weight` (engine convention) just after the spike `pre` fired in step `step`
// updated it.
struct weight_event {
  step_t step;
  std::uint32_t recorder;  // index in network::weight_recorders
  index_t pre, post;       // population-local ids
  double weight;
};

// One projection's synapses onto an engine's neurons, read a piece at a time (the synapses in the
// output file, simulation_edges.cpp), so nothing holds a whole projection at once.
class synapse_reader {
 public:
  virtual ~synapse_reader() = default;
  // Whether the projection's weights change at run time (a plastic synapse model).
  virtual bool plastic() const = 0;
  // Every post neuron this engine owns (population-local ids, ascending) and its number of synapses.
  virtual void counts(std::vector<std::uint32_t>& posts, std::vector<double>& n) const = 0;
  // Appends the next synapses until `out` holds at least `max` or none are left (then returns
  // false). Each target's synapses come together, ordered by (pre, delay, the order the connector
  // made them) -- the same for any split of the targets into shards.
  virtual bool next(std::size_t max, std::vector<synapse_record>& out) = 0;
};

class engine {
 public:
  virtual ~engine() = default;
  virtual std::string name() const = 0;
  // Phases deliver + update + detect for steps [t0, t0 + n): first delivers `deliver_first`
  // (the previous chunk's exchanged spikes; they act at step >= t0 because every delay is at
  // least the chunk length), then applies the input due in each step, advances every neuron and
  // appends the spikes fired to `fired` (any order). One call = one synchronisation of the
  // engine's threads. n may be any number of steps not exceeding the minimum delay.
  virtual void advance(step_t t0, int n, std::span<const spike> deliver_first, std::vector<spike>& fired) = 0;
  // Phase deliver on its own (closed-loop spike injection).
  virtual void deliver(std::span<const spike> spikes) = 0;
  // Closed loop: a persistent extra current [pA] on neurons of a population, until changed.
  virtual void set_current(std::size_t population, std::span<const index_t> ids, std::span<const double> pA) = 0;
  // Reads a state variable (user-visible units) of neurons of a population into `out`.
  virtual void read_state(std::size_t population, int variable, std::span<const index_t> ids,
                          std::span<double> out) const = 0;
  // Index and unit of a state variable of a population's model, or {-1, ""} if it has none.
  virtual std::pair<int, std::string> find_state(std::size_t population, const std::string& variable) const = 0;
  virtual engine_statistics statistics() const = 0;
  // Sorted gids of the sources with at least one synapse onto this engine's neurons (for the
  // MPI backend's targeted exchange). An engine that cannot tell returns false: every spike is
  // then sent to this process.
  virtual bool sources_with_targets(std::vector<gid_t>& /*out*/) const { return false; }
  // Zero-copy view of state variable `variable` of a population, where the engine allows it.
  virtual state_column view_state(std::size_t /*population*/, int /*variable*/) const { return {}; }
  // Phase deliver for spikes that reach only some targets (delivery_filter.hpp): each delivery
  // goes to the targets t with group_of_gid[t] == its group; deliveries of one spike are adjacent. Engines that cannot
  // do this say so with supports_partial_delivery() == false; the simulation refuses a filter for them.
  virtual bool supports_partial_delivery() const { return false; }
  // Appends projection k's synapses onto this engine's neurons to `out` (any order). Engines that
  // cannot read them back return false.
  virtual bool read_synapses(std::size_t /*projection*/, std::vector<synapse_record>& /*out*/) const { return false; }
  // Moves the weight recorders' events since the last call to `out` (any order); false where the
  // engine has no weight recorders (validate() refuses them where plastic synapses do not run).
  virtual bool take_weight_events(std::vector<weight_event>& /*out*/) { return false; }
  // Whether this engine runs weight recorders (take_weight_events) and saves/restores synapses'
  // run-time state (save_synapse_state/load_synapse_state). The simulation refuses weight recorders
  // and checkpoints of plastic or short-term synapses on engines that do not, naming the backend:
  // never a run whose recorder stays empty or whose learnt weights restart from their initial values.
  virtual bool records_weights() const { return false; }
  virtual bool keeps_synapse_state() const { return false; }
  // Projection k's synapses onto this engine's neurons, by target; null where the engine cannot.
  virtual std::unique_ptr<synapse_reader> synapses_by_target(std::size_t /*projection*/) const { return nullptr; }
  virtual void deliver_partial(std::span<const partial_delivery> /*deliveries*/,
                               std::span<const std::uint32_t> /*group_of_gid*/) {}
  // Checkpoints (checkpoint.hpp): appends the state of this engine's neurons, one piece per
  // population (ids explicit), with ring-buffer input relative to step `now`. false: this engine
  // cannot (the simulation then refuses to checkpoint, naming the backend).
  virtual bool save_state(step_t /*now*/, std::vector<population_state>& /*out*/) const { return false; }
  // Restores this engine's neurons from whole populations (row = id) at step `now`, before the
  // first advance. Only called on engines whose save_state works.
  virtual void load_state(step_t /*now*/, const std::vector<population_state>& /*in*/) {}
  // Checkpoints of synapses with run-time state (plastic, short-term): per projection, this
  // engine's piece (checkpoint.hpp: synapse_state; empty for static projections). false: this
  // engine cannot (validate() keeps plastic synapses off such engines).
  virtual bool save_synapse_state(std::vector<synapse_state>& /*out*/) const { return false; }
  // Takes the merged state (row = id) back, after load_state.
  virtual void load_synapse_state(const std::vector<synapse_state>& /*in*/) {}
  // Back to the state before the first step without rebuilding the synapses (batches of samples,
  // simulation::reset): every neuron's state, stimulus drives and spike-source schedule lowered
  // again from the description (so changed spike_times take effect), ring buffers and closed-loop
  // currents cleared. Synapses and their weights are kept. false: this engine cannot (the
  // simulation then refuses, naming the backend). Only called on networks of static synapses.
  virtual bool reset_state() { return false; }
};

}  // namespace neuromesh
