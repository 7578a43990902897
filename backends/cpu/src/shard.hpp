#pragma once
// Everything one thread owns: a slice of every population, the synapses onto those neurons (one
// store per projection), and their input ring buffers. Only the owning thread writes them, so
// nothing needs atomics.
#include <functional>
#include <memory>
#include <vector>

#include <neuromesh/core/engine.hpp>
#include <neuromesh/core/synapse_store.hpp>

#include "conv_delivery.hpp"
#include "population_group.hpp"
#include "stdp_rows.hpp"

#include <neuromesh/synapses/model.hpp>

namespace neuromesh::cpu {

// One projection's synapses onto a shard's neurons: rows by source index in the pre population,
// or -- a static conv2d projection onto a contiguous slice -- only the plan that generates them
// (conv_delivery.hpp; rows left empty).
struct projection_rows {
  synapse_store rows;
  std::unique_ptr<stdp_rows> stdp;  // plastic projections: weights and traces (the rows' weights are released)
  // Short-term plasticity (tsodyks2_synapse, tsodyks_synapse): parameters, and per source its state
  // and last spike.
  std::vector<double> stp_parameters;
  std::vector<short_term_state> stp_state;
  std::vector<step_t> stp_last;
  gid_t pre_first = 0;    // gid of the pre population's neuron 0
  std::size_t model = 0;  // synapse_models position of the projection's synapse model (with_synapse_model_at)
  index_t pre_size = 0;
  // conv2d, static, onto a contiguous slice: its synapses are this plan's, not stored (the rows
  // stay empty) unless the engine was asked to store every projection (cpu::engine_options)
  std::unique_ptr<conv_plan> conv;
  // Whether neuron g (a gid) has synapses in this projection.
  bool has_row(gid_t g) const {
    if (g - pre_first >= pre_size) return false;
    if (!conv) return !rows.row_empty(g - pre_first);
    const gid_t s = g - pre_first - conv->pre_begin;  // wraps below the pre view
    return s < conv->n_pre && conv->has_synapses(static_cast<index_t>(s));
  }
  std::uint64_t synapses() const { return conv ? conv->synapses : rows.size(); }
};

class shard {
 public:
  // stored_rows: every projection's synapses stored as rows, conv2d ones too (connectivity
  // "stored"); otherwise static conv2d projections onto a contiguous slice keep only their plan.
  shard(const engine_config& cfg, std::size_t index, bool double_precision, bool stored_rows = false);
  // Generates and stores this shard's synapses (every projection, targets it owns); `progress`
  // gets the fraction done (it may throw to abandon the build).
  void build_synapses(const std::function<void(double)>& progress);
  // Allocates ring buffers once the network's maximum delay is known.
  void allocate_input(delay_t max_delay);
  // Back to the initial state (engine::reset_state): groups lowered again from the description,
  // ring buffers and closed-loop currents cleared; the synapses stay.
  void reset_state();
  void advance(step_t t0, int n, std::vector<spike>& fired);
  void deliver(std::span<const spike> spikes);
  // Timing mode: each spike only to the targets of its group (engine::deliver_partial).
  void deliver_partial(std::span<const partial_delivery> deliveries, std::span<const std::uint32_t> group_of_gid);
  void set_current(std::size_t population, std::span<const index_t> ids, std::span<const double> pA);
  double read(std::size_t population, int var, index_t id) const;
  state_column column(std::size_t population, int var) const { return groups_[population]->column(var); }

  // Per projection of the network, its synapses onto this shard's neurons.
  std::span<const projection_rows> projections() const { return projections_; }
  // Projection k's synapses onto this shard (population-local ids, weights as the engine uses them).
  void read_synapses(std::size_t k, std::vector<synapse_record>& out) const;
  // Projection k's synapses by target (shard_synapses.cpp; engine.hpp: synapse_reader): the count
  // onto each of this shard's post neurons, and a walk over them target by target. The walk's
  // index (8 bytes per synapse of this shard and projection) lives only while it is read.
  struct target_walk {
    std::vector<std::uint32_t> start;    // per post neuron of the slice (+1): its first entry
    std::vector<std::uint32_t> synapse;  // entries: synapse index in the rows
    std::vector<index_t> source;         // ... and its source
    std::uint32_t target = 0;            // cursor: slice index of the next target, entry within it
    std::uint32_t entry = 0;
  };
  void count_by_target(std::size_t k, std::vector<std::uint32_t>& posts, std::vector<double>& n) const;
  target_walk walk_by_target(std::size_t k) const;
  // Appends the next synapses of `w` until out.size() >= max; false once the walk is done.
  bool read_by_target(std::size_t k, target_walk& w, std::size_t max, std::vector<synapse_record>& out) const;
  // Weight recorders (shard_synapses.cpp): which synapses of each projection they watch, and the
  // events since take_weight_events.
  void take_weight_events(std::vector<weight_event>& out);
  // Whether neuron g has a synapse onto this shard.
  bool has_targets(gid_t g) const;
  std::uint64_t updates() const;
  // Checkpoints (shard_checkpoint.cpp): this shard's neurons' state, by population-local id.
  void save_state(step_t now, std::vector<population_state>& out) const;
  void load_state(step_t now, const std::vector<population_state>& in);
  // ... and of its plastic and short-term synapses, by neuron id and synapse order
  // (shard_synapse_checkpoint.cpp): appends to / takes from one synapse_state per projection.
  void save_synapse_state(std::vector<synapse_state>& out) const;
  void load_synapse_state(const std::vector<synapse_state>& in);

 private:
  // The slice of `population` in this shard, if the neuron `id` lies in it.
  const shard_slice& slice_of(std::size_t population) const { return cfg_.part.shards[index_][population]; }
  // The population of neuron `gid` (network.hpp's population_of).
  std::size_t population_of(gid_t gid) const { return neuromesh::population_of(cfg_.part.population_offsets, gid); }
  void make_groups();
  void wake_woken();
  void bound_row_input();
  void record_post_spikes(std::span<const spike> fired);
  struct accept_all {  // ordinary delivery: every target (the timing mode's filter is another Accept)
    bool operator()(const spike&, std::uint32_t) const { return true; }
  };
  struct ignore_target {  // no group sleeps: deliveries need not wake anyone
    void operator()(std::uint32_t) const {}
  };
  template <class Item, class Accept>
  void deliver_items(std::span<const Item> items, Accept accept);
  template <class Item, class Accept, class OnTarget>
  void deliver_rows(std::span<const Item> items, Accept accept, OnTarget on_target);
  template <bool Saturate, class Item, class Accept, class OnTarget>
  void deliver_rows_as(std::span<const Item> items, Accept accept, OnTarget on_target);
  template <bool Saturate, class Synapse, class Item, class Accept, class OnTarget>
  void deliver_projection(const projection_rows& p, std::span<const Item> items, Accept accept, OnTarget on_target);
  template <bool Saturate, class Item, class Accept, class OnTarget>
  void deliver_packed_by_spike(std::span<const Item> items, Accept accept, OnTarget on_target);
  template <bool Saturate, class Synapse, class Item, class Accept, class OnTarget>
  void deliver_packed_row(const projection_rows& p, const Item& item, gid_t src, Accept accept, OnTarget on_target);
  void prefetch_packed_rows(std::size_t pre, gid_t gid) const;
  void order_packed_delivery();
  template <bool Saturate, class Item, class Accept, class OnTarget>
  void deliver_conv(const projection_rows& p, std::span<const Item> items, Accept accept, OnTarget on_target);
  template <bool Saturate, class Rule, class Item, class Accept, class OnTarget>
  void deliver_plastic(projection_rows& p, std::span<const Item> items, Accept accept, OnTarget on_target);
  template <bool Saturate, class Synapse, class Item, class Accept, class OnTarget>
  void deliver_short_term(projection_rows& p, std::span<const Item> items, Accept accept, OnTarget on_target);

  struct weight_probe {
    std::uint32_t recorder;
    std::vector<std::uint8_t> pre, post;  // masks by source and by slice index of the target; empty: any
  };
  void make_weight_probes();
  void record_weights(std::size_t k, index_t src, step_t s, std::uint32_t begin, std::uint32_t end);

  const engine_config& cfg_;
  std::vector<std::vector<weight_probe>> probes_;  // per projection (empty: no weight recorders)
  std::vector<weight_event> weight_events_;
  std::size_t index_;
  bool double_;
  bool stored_rows_;
  shard_arrays arrays_;
  std::vector<projection_rows> projections_;  // one per projection of the network
  // Static projections with packed rows, delivered spike by spike (deliver_packed_by_spike): per
  // pre population the projections from it, and per projection whether it is one of them.
  std::vector<std::vector<std::uint32_t>> packed_by_pre_;
  std::vector<std::uint8_t> delivered_by_spike_;
  bool any_packed_ = false;                             // any list of packed_by_pre_ non-empty
  std::vector<std::vector<std::size_t>> stdp_by_post_;  // per population: its plastic projections
  bool run_time_synapse_state_ = false;                 // any plastic or short-term projection
  // The fixed-point range (fixed_point.hpp): the largest input one spike can add to any cell of a
  // slot (bound_row_input), and per ring slot a bound on what deliveries have
  // added to it since it was last read. Deliveries use plain adds while no slot can pass 2^62
  // (every realistic network: Brunel's bound stays below 2^51), add_saturating otherwise.
  double max_row_input_ = 0;
  std::vector<double> slot_bound_;
  std::vector<std::unique_ptr<population_group>> groups_;  // one per population
  std::vector<std::uint16_t> group_of_;                    // shard-local index -> group
  std::vector<std::uint32_t> delivery_group_;              // shard-local index -> delivery_filter group
  const std::uint32_t* delivery_groups_of_ = nullptr;      // the filter's table delivery_group_ was made from
  std::vector<std::uint8_t> group_marked_;                 // groups the spike being delivered reaches
};

}  // namespace neuromesh::cpu
