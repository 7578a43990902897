#pragma once
// Building a projection's rows on the device from the keyed streams: the connectors' own
// generation functions (core/connector_kernels.hpp) run one thread per generating entity
// (target, or source for fixed_outdegree), first counting, then -- after a scan gives each
// entity its place -- filling (source, delay, target, weight) columns, which a stable sort
// orders into the row layout of core/synapse_store.hpp. Same synapses, same order, as the host
// builder: the sort keys are the host's (source, delay, target) and ties keep generation order,
// which is the host's placing order. No synapse passes through host memory.
#include <cstdint>
#include <vector>

#include <thrust/device_vector.h>

#include <neuromesh/core/connector_kernels.hpp>
#include <neuromesh/core/network.hpp>
#include <neuromesh/core/synapse_store.hpp>
#include <neuromesh/cuda/cuda_engine.hpp>

#include "runtime.hpp"

namespace neuromesh::NEUROMESH_GPU_NS {

// A projection's rows in device memory, by source index of the pre population.
struct device_rows {
  thrust::device_vector<std::uint32_t> row_ptr;  // n_pre + 1 offsets into segments
  thrust::device_vector<row_segment> segments;
  thrust::device_vector<std::uint32_t> targets;  // gids
  thrust::device_vector<float> weights;          // empty when shared
  bool shared = false;
  float shared_weight = 0.0f;
  std::uint64_t size = 0;
  row_shape shape;
  delay_t min_delay = 0, max_delay = 0;
};

// The generation parameters of projection k with its arrays (array-valued weights and delays,
// the fixed_total_number split) copied to the device; the copies live as long as this.
class device_parameters {
 public:
  device_parameters(const network& net, std::size_t k);
  const kernels::projection_params& params() const { return p_; }
  gid_t pre_gid() const { return pre_gid_; }    // gid of view-local source 0
  gid_t post_gid() const { return post_gid_; }  // gid of view-local target 0
  index_t pre_offset_in_population() const { return p_.pre_begin; }
  std::uint8_t receptor() const { return receptor_; }

 private:
  kernels::projection_params p_;
  thrust::device_vector<double> weights_, delays_;
  thrust::device_vector<std::uint64_t> split_;
  gid_t pre_gid_ = 0, post_gid_ = 0;
  std::uint8_t receptor_ = 0;
};

// Device code flagged a synapse of projection k it could not generate: throws the cpu backend's
// config_error for it (device code cannot say which synapse or why).
[[noreturn]] void throw_generation_error(const network& net, std::size_t k);

// Whether projection k is generated on the device (all but explicit lists).
bool builds_on_device(const projection& proj);

// Builds projection k's rows on the device (builds_on_device); n_pre: size of the pre population.
// A synapse that cannot be generated (a bound never met, a delay off the grid) throws the cpu
// backend's config_error.
device_rows build_rows_on_device(const network& net, std::size_t k, const device_parameters& dp, index_t n_pre,
                                 const launch_policy& launch);

// Builds projection k's rows on the host with the keyed generators and copies them (explicit
// lists: the user's data is on the host anyway).
device_rows build_rows_on_host(const network& net, std::size_t k, index_t n_pre);

}  // namespace neuromesh::NEUROMESH_GPU_NS
