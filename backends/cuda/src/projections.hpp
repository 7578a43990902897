#pragma once
// One projection's synapses on the device, as compressed rows by source neuron (the layout of
// core/synapse_store.hpp: rows sorted by (delay, target) and cut into segments of equal delay;
// 32-bit targets, 32-bit weights -- or one shared weight when all are equal), and the two ways of
// delivering an epoch's spikes through them (docs/cuda.md).
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include <thrust/device_vector.h>

#include <neuromesh/core/engine.hpp>
#include <neuromesh/core/synapse_store.hpp>
#include <neuromesh/cuda/cuda_engine.hpp>

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

// A projection's rows as device code sees them.
struct rows_view {
  const std::uint32_t* row_ptr;  // n_pre + 1 offsets into segs
  const row_segment* segs;
  const std::uint32_t* targets;
  const float* weights;  // null: every synapse adds `shared`
  fixed_t shared;
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

class device_projection {
 public:
  // Builds projection k's synapses (targets are gids: the engine's local index) on the host from
  // the keyed generators, then copies them to the device.
  device_projection(const network& net, std::size_t k, delivery_strategy strategy);

  // The automatic or fixed strategy for an epoch of m spikes.
  delivery_strategy strategy_for(std::size_t m) const {
    return strategy_ == delivery_strategy::automatic ? choose_delivery(shape_, m, device_fill()) : strategy_;
  }
  rows_view view() const;

  std::uint64_t size() const { return n_synapses_; }
  std::uint64_t payload_bytes() const { return targets_.size() * 4 + weights_.size() * 4; }
  std::uint64_t index_bytes() const { return row_ptr_.size() * 4 + segments_.size() * sizeof(row_segment); }
  delay_t min_delay() const { return min_delay_; }
  delay_t max_delay() const { return max_delay_; }
  const row_shape& rows() const { return shape_; }

 private:
  void upload(const synapse_store& store, float shared_weight);

  gid_t pre_offset_;
  index_t n_pre_;
  delivery_strategy strategy_;
  std::uint64_t n_synapses_ = 0;
  row_shape shape_;
  delay_t min_delay_ = 0, max_delay_ = 0;
  bool shared_ = false;
  fixed_t shared_input_ = 0;
  thrust::device_vector<std::uint32_t> row_ptr_;  // n_pre + 1 offsets into segments_
  thrust::device_vector<row_segment> segments_;
  thrust::device_vector<std::uint32_t> targets_;
  thrust::device_vector<float> weights_;  // empty when shared_
};

// Delivers an epoch's spikes through all projections in at most three launches, whatever the
// number of projections: one for every presynaptic projection (a thread per (projection, spike)
// pair), and a scan plus one launch for every load-balanced one (a thread per synapse).
class delivery_plan {
 public:
  void deliver(const std::vector<std::unique_ptr<device_projection>>& projections, const spike* spikes, std::uint32_t m,
               const delivery_target& t);
  // How many projections the last deliver() sent each way (for tests and benchmarks).
  std::size_t presynaptic() const { return n_pre_; }
  std::size_t load_balanced() const { return n_lb_; }

 private:
  std::vector<delivery_strategy> chosen_;  // per projection, for the views uploaded last
  thrust::device_vector<rows_view> pre_, lb_;
  std::size_t n_pre_ = 0, n_lb_ = 0;
  thrust::device_vector<std::uint64_t> ends_;  // inclusive scan of the (projection, spike) row lengths
};

}  // namespace neuromesh::NEUROMESH_GPU_NS
