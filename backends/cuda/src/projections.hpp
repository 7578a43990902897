#pragma once
// One projection's synapses on the device, as compressed rows by source neuron (the layout of
// core/synapse_store.hpp: rows sorted by (delay, target) and cut into segments of equal delay;
// 32-bit targets, 32-bit weights -- or one shared weight when all are equal), and the two ways of
// delivering an epoch's spikes through them (docs/cuda.md).
#include <cstdint>
#include <functional>

#include <thrust/device_vector.h>

#include <neuromesh/core/engine.hpp>
#include <neuromesh/core/synapse_store.hpp>
#include <neuromesh/cuda/cuda_engine.hpp>

#include "neuron_groups.hpp"

namespace neuromesh::NEUROMESH_GPU_NS {

// Where delivered input goes.
struct delivery_target {
  ring_view ring;
  step_t earliest;  // input for steps before this one arrives too late (error flag)
  unsigned* error;
};

class device_projection {
 public:
  // Builds projection k's synapses (targets are gids: the engine's local index) on the host from
  // the keyed generators, then copies them to the device.
  device_projection(const network& net, std::size_t k, delivery_strategy strategy);

  // Adds the input of spikes[0, m) (of any source; other populations' spikes are skipped).
  void deliver(const spike* spikes, std::uint32_t m, const delivery_target& t);

  std::uint64_t size() const { return n_synapses_; }
  std::uint64_t payload_bytes() const { return targets_.size() * 4 + weights_.size() * 4; }
  std::uint64_t index_bytes() const { return row_ptr_.size() * 4 + segments_.size() * sizeof(row_segment); }
  delay_t min_delay() const { return min_delay_; }
  delay_t max_delay() const { return max_delay_; }
  const row_shape& rows() const { return shape_; }
  // The strategy the last deliver() used (for tests and benchmarks).
  delivery_strategy last_strategy() const { return last_; }

 private:
  void upload(const synapse_store& store, float shared_weight);
  void deliver_presynaptic(const spike* spikes, std::uint32_t m, const delivery_target& t);
  void deliver_load_balanced(const spike* spikes, std::uint32_t m, const delivery_target& t);

  gid_t pre_offset_;
  index_t n_pre_;
  delivery_strategy strategy_, last_ = delivery_strategy::automatic;
  std::uint64_t n_synapses_ = 0;
  row_shape shape_;
  delay_t min_delay_ = 0, max_delay_ = 0;
  bool shared_ = false;
  fixed_t shared_input_ = 0;
  thrust::device_vector<std::uint32_t> row_ptr_;  // n_pre + 1 offsets into segments_
  thrust::device_vector<row_segment> segments_;
  thrust::device_vector<std::uint32_t> targets_;
  thrust::device_vector<float> weights_;       // empty when shared_
  thrust::device_vector<std::uint64_t> ends_;  // load-balanced scratch: inclusive scan of row lengths
};

}  // namespace neuromesh::NEUROMESH_GPU_NS
