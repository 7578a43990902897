#pragma once
// One projection's synapses on the device, as compressed rows by source neuron (the layout of
// core/synapse_store.hpp: rows sorted by (delay, target) and cut into segments of equal delay;
// 32-bit targets, 32-bit weights -- or one shared weight, weight_storage::shared), and the ways of
// delivering an epoch's spikes through them (docs/cuda.md). Every way calls the synapse model's
// deliver_segment (synapses/model.hpp), as the cpu backend does.
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include <thrust/device_vector.h>

#include <neuromesh/core/engine.hpp>
#include <neuromesh/core/synapse_store.hpp>
#include <neuromesh/cuda/cuda_engine.hpp>
#include <neuromesh/synapses/model.hpp>

#include "construction.hpp"
#include "neuron_groups.hpp"
#include "runtime.hpp"

namespace neuromesh::NEUROMESH_GPU_NS {

// Where delivered input goes.
struct delivery_target {
  ring_view ring;
  step_t earliest;  // input for steps before this one arrives too late (error flag)
  unsigned* error;
  launch_policy launch;
  bool exclusive = false;  // one thread runs the launch (OMP build, small launch): plain adds
};

// Adds input w for step fired + delay to `target` (a gid) on `receptor`.
NEUROMESH_INLINE_HOST_DEVICE void add_input(const delivery_target& t, std::uint8_t receptor, delay_t delay,
                                            step_t fired, std::uint32_t target, fixed_t w) {
  const step_t when = fired + delay;
  if (when < t.earliest) {
    raise(t.error, late_input);
    return;
  }
  fixed_t* slot = t.ring.row(receptor, when) + target;
  if (t.exclusive)
    *slot = add_saturating(*slot, w);  // no other thread runs: an atomic would cost about 10x on x86
  else
    atomic_add(slot, w);
}

// A projection's rows as device code sees them.
struct rows_view {
  const std::uint32_t* row_ptr;  // n_pre + 1 offsets into segs
  const row_segment* segs;
  synapse_columns synapses;  // targets (gids) and weights
  gid_t pre_offset;
  index_t n_pre;

  NEUROMESH_INLINE_HOST_DEVICE bool has(gid_t g) const { return g >= pre_offset && g - pre_offset < n_pre; }
  NEUROMESH_INLINE_HOST_DEVICE std::uint32_t offset(std::uint32_t seg_index) const {
    return seg_index == 0 ? 0u : segs[seg_index - 1].end;
  }
  NEUROMESH_INLINE_HOST_DEVICE std::uint64_t length(gid_t g) const {
    if (!has(g)) return 0;
    const std::uint32_t src = g - pre_offset;
    return offset(row_ptr[src + 1]) - offset(row_ptr[src]);
  }
};

// A procedural projection as device code sees it: the generation parameters, from which the
// row of a spiking source is regenerated at delivery.
struct procedural_view {
  kernels::projection_params p;
  gid_t pre_gid;   // gid of view-local source 0
  gid_t post_gid;  // gid of view-local target 0
  std::uint8_t receptor;

  NEUROMESH_INLINE_HOST_DEVICE bool has(gid_t g) const { return g >= pre_gid && g - pre_gid < p.n_pre; }
};

class device_projection {
 public:
  // Builds projection k's synapses (targets are gids: the engine's local index): on the device
  // from the keyed generators (construction.hpp), or -- procedural -- only measures them there.
  // config_error when `mode` asks for procedural rows the connector cannot regenerate.
  device_projection(const network& net, std::size_t k, delivery_strategy strategy, connectivity_mode mode,
                    const launch_policy& launch);

  // The automatic or fixed strategy for an epoch of m spikes. Load-balanced delivery pays only
  // where its launch runs in parallel: on one thread (OMP build, small epochs) it walks the same
  // rows plus a binary search per synapse (it made 2-thread PD14 slower than 1 thread).
  delivery_strategy strategy_for(std::size_t m) const {
    if (strategy_ != delivery_strategy::automatic) return strategy_;
    const delivery_strategy s = choose_delivery(rows_.shape, m, device_fill());
    const auto synapses = static_cast<std::uint64_t>(rows_.shape.mean_length * static_cast<double>(m));
    return s == delivery_strategy::load_balanced && runs_serially(launch_, synapses) ? delivery_strategy::presynaptic
                                                                                     : s;
  }
  bool procedural() const { return params_ != nullptr; }
  // Plastic or short-term synapses (state changes at run time): delivered by plasticity.hpp, in
  // step order, not by delivery_plan.
  bool run_time_state() const { return run_time_state_; }
  rows_view view() const;
  procedural_view procedural_rows() const;
  // Frees the float weight column (a plastic projection keeps its weights elsewhere).
  void release_weights() { thrust::device_vector<float>().swap(rows_.weights); }
  // The stored rows, copied back (row order), for tests and read-back (weight 0 once released).
  std::vector<synapse_store::entry> download() const;

  std::uint64_t size() const { return rows_.size; }
  std::uint64_t payload_bytes() const { return rows_.targets.size() * 4 + rows_.weights.size() * 4; }
  std::uint64_t index_bytes() const { return rows_.row_ptr.size() * 4 + rows_.segments.size() * sizeof(row_segment); }
  delay_t min_delay() const { return rows_.min_delay; }
  delay_t max_delay() const { return rows_.max_delay; }
  const row_shape& rows() const { return rows_.shape; }

 private:
  void measure_procedural(const network& net, std::size_t k, const launch_policy& launch);

  gid_t pre_offset_;
  index_t n_pre_;
  delivery_strategy strategy_;
  launch_policy launch_;
  bool run_time_state_ = false;
  device_rows rows_;                           // procedural: size, shape and delays only
  std::unique_ptr<device_parameters> params_;  // procedural only
};

// OMP build: whether splitting work over threads pays right now. A parallel region's cost
// depends on the machine's load far more than on the work (µs when the cores are free, ms when a
// thread sleeps or is descheduled: 2-thread Brunel took 2.7 s with sliced delivery at load 4.5 on
// 2 cores against 0.9 s on one thread, and 0.73 s against 0.92 s at load 2), so the two ways are
// timed (moving average, ns per item) and the faster kept, the other retried after 16 calls,
// then after twice as many each time it loses again (up to 4096).
// A way is tried in bursts of `burst` calls whose first is not counted: the first parallel call
// after a serial stretch wakes a sleeping thread with cold caches (PD14 0.1, 2 threads: a lone
// parallel step took 73 µs, steady ones 21 µs, serial ones 36 µs -- single probes never chose
// the faster way).
// Either way gives the same result, so the choice changes speed only.
class timed_choice {
 public:
  bool choose();  // true: parallel
  void record(bool parallel, double ns_per_item);

 private:
  static constexpr std::uint32_t burst = 8;
  bool start_burst(bool parallel, bool probe);
  // Parallel unless clearly slower: a way measures itself best when it runs steadily (a thread
  // that has just been serial finds its caches cold: PD14 0.1 steps took 35 µs in parallel bursts
  // and 21 µs in a steady parallel run, 36 µs serially), so near-ties go to the parallel way.
  bool parallel_faster() const { return ns_[1] < 1.25 * ns_[0]; }

  double ns_[2] = {0, 0};  // serial, parallel
  std::uint64_t calls_ = 0, interval_ = 16, next_probe_ = 16;
  std::uint32_t burst_left_ = 0;  // calls of the current burst still to come
  bool burst_way_ = false, skip_ = false, probing_ = false;
};

// Delivers an epoch's spikes through all projections in at most four launches, whatever the
// number of projections: one for every presynaptic projection (a thread per (projection, spike)
// pair), a scan plus one launch for every load-balanced one (a thread per synapse), and one for
// every procedural one (a thread per (projection, spike) pair regenerating the row).
class delivery_plan {
 public:
  void deliver(const std::vector<std::unique_ptr<device_projection>>& projections, const spike* spikes, std::uint32_t m,
               const delivery_target& t);
  // Timing mode (engine::deliver_partial): spike i reaches only the targets t of the stored
  // projections with group_of[t] == groups[i] -- a row walk per (projection, delivery) pair;
  // fixed-point sums make it bit-identical to the cpu backend's single walk over all groups.
  void deliver_to_groups(const std::vector<std::unique_ptr<device_projection>>& projections, const spike* spikes,
                         const std::uint32_t* groups, const std::uint32_t* group_of, std::uint32_t m,
                         const delivery_target& t);
  // How many projections the last deliver() sent each way (for tests and benchmarks).
  std::size_t presynaptic() const { return n_pre_; }
  std::size_t load_balanced() const { return n_lb_; }

 private:
  void upload_views(const std::vector<std::unique_ptr<device_projection>>& projections,
                    std::vector<delivery_strategy>&& chosen);
  void deliver_presynaptic(const spike* spikes, std::uint32_t m, const delivery_target& t);

  std::vector<delivery_strategy> chosen_;  // per projection, for the views uploaded last
  thrust::device_vector<rows_view> pre_, lb_;
  thrust::device_vector<rows_view> stored_;  // every stored projection (deliver_to_groups), set once
  thrust::device_vector<procedural_view> proc_;
  std::size_t n_pre_ = 0, n_lb_ = 0, n_proc_ = 0;
  std::uint64_t pre_synapses_ = 0;             // synapses of the presynaptic projections
  timed_choice sliced_;                        // OMP build: sliced presynaptic delivery on all threads, or one thread
  thrust::device_vector<std::uint64_t> ends_;  // inclusive scan of the (projection, spike) row lengths
};

}  // namespace neuromesh::NEUROMESH_GPU_NS
