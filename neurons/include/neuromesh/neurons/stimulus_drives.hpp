#pragma once
// Stimulus devices lowered for one population (network.hpp: stimulus), in the form every engine
// runs: host/device structs a backend copies to wherever its neurons live. The numbers they
// produce are part of the determinism contract: each neuron's Poisson count per step comes from
// its own keyed stream (seed, generator, gid, step), so any backend that draws it gets the same.
#include <cstdint>
#include <vector>

#include <neuromesh/core/fixed_point.hpp>
#include <neuromesh/core/macros.hpp>
#include <neuromesh/core/network.hpp>
#include <neuromesh/core/random/distributions.hpp>
#include <neuromesh/core/random/keyed_stream.hpp>
#include <neuromesh/core/time.hpp>

namespace neuromesh {

// A poisson_generator driving a population: an independent Poisson train per neuron.
struct poisson_drive {
  random::poisson_table counts;  // Poisson(rate * h), tabulated once (same draws as poisson())
  fixed_t weight;                // per spike, fixed point (fixed_point.hpp)
  std::uint32_t receptor;        // 0 excitatory, 1 inhibitory
  std::uint32_t purpose;         // keyed-stream purpose unique to this generator
  std::uint64_t max_count;       // max_count_for(weight): larger counts saturate

  // The input of neuron `gid` in step `step`, drawn from its stream one neuron at a time (also
  // for means the table does not cover: PTRS rejection); count x weight saturates.
  NEUROMESH_INLINE_HOST_DEVICE fixed_t input(std::uint64_t seed, gid_t gid, std::uint32_t step) const {
    keyed_stream s(seed, purpose, gid, step);
    return scaled_saturating(counts.sample(s), weight, max_count);
  }
  // The count for the first 64 bits of that stream (keyed_stream::first_u64), when tabulated():
  // batches compute the bits of many neurons in one vectorised loop first.
  NEUROMESH_INLINE_HOST_DEVICE std::uint64_t count_from(std::uint64_t first_bits) const {
    return counts.from_uniform(keyed_stream::to_uniform(first_bits));
  }
};

// A dc_source: amplitude [pA] during steps [start, stop).
struct dc_drive {
  double amplitude;
  step_t start, stop;
};

// The summed amplitude [pA] of dc drives in step s, in their (network) order.
inline double dc_amplitude(const std::vector<dc_drive>& dc, step_t s) {
  double amp = 0.0;
  for (const dc_drive& d : dc)
    if (s >= d.start && s < d.stop) amp += d.amplitude;
  return amp;
}

// All stimulus devices of one population, in network order (the order the dc sum is formed in).
struct stimulus_drives {
  std::vector<poisson_drive> poisson;
  std::vector<dc_drive> dc;

  bool any() const { return !poisson.empty() || !dc.empty(); }
};

}  // namespace neuromesh
