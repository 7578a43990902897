#pragma once
// Everything one thread owns: a slice of every population, the synapses onto those neurons, and
// their input ring buffers. Only the owning thread writes them, so nothing needs atomics.
#include <functional>
#include <memory>
#include <vector>

#include <neuromesh/core/engine.hpp>
#include <neuromesh/core/synapse_store.hpp>

#include "population_group.hpp"

namespace neuromesh::cpu {

class shard {
 public:
  shard(const engine_config& cfg, std::size_t index, bool double_precision);
  // Generates and stores this shard's synapses (every projection, targets it owns).
  void build_synapses(const std::function<void(double)>& progress);
  // Allocates ring buffers once the network's maximum delay is known.
  void allocate_input(delay_t max_delay);
  void advance(step_t t0, int n, std::vector<spike>& fired);
  void deliver(std::span<const spike> spikes);
  // Timing mode: each spike only to the targets of its group (engine::deliver_partial).
  void deliver_partial(std::span<const partial_delivery> deliveries, std::span<const std::uint32_t> group_of_gid);
  void set_current(std::size_t population, std::span<const index_t> ids, std::span<const double> pA);
  double read(std::size_t population, int var, index_t id) const;
  state_column column(std::size_t population, int var) const { return groups_[population]->column(var); }

  const synapse_store& synapses() const { return store_; }
  std::uint64_t updates() const;

 private:
  // The slice of `population` in this shard, if the neuron `id` lies in it.
  const shard_slice& slice_of(std::size_t population) const { return cfg_.part.shards[index_][population]; }
  void wake_woken();
  template <class Fn>
  // `done(x)` is called with the projections done so far (x = k after every ~2^20 synapses of
  // projection k, so a build can be abandoned between blocks; x = k + 1 at its end).
  void for_each_synapse(bool values, Fn&& fn, const std::function<void(double)>& done) const;
  template <class Item, class Accept>
  void deliver_items(std::span<const Item> items, Accept accept);
  template <class Item, class Accept, class OnTarget>
  void deliver_rows(std::span<const Item> items, Accept accept, OnTarget on_target);
  template <bool Saturate, class Item, class Accept, class OnTarget>
  void deliver_rows_as(std::span<const Item> items, Accept accept, OnTarget on_target);

  const engine_config& cfg_;
  std::size_t index_;
  bool double_;
  shard_arrays arrays_;
  synapse_store store_;
  // The fixed-point range (fixed_point.hpp): the largest input one spike can add to any slot (the
  // largest sum of |w| over a source's row), and per ring slot a bound on what deliveries have
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
