#pragma once
// One population's neurons on the device, in structure-of-arrays layout, advanced by the model's
// shared host/device `step` (neurons/). Every neuron is updated every step: the cpu backend's
// active set skips only neurons whose update is the identity, so dense updating gives the same
// spikes.
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include <cuda/atomic>
#include <cuda/std/atomic>

#include <neuromesh/core/engine.hpp>
#include <neuromesh/core/fixed_point.hpp>
#include <neuromesh/neurons/lowered_population.hpp>

#include "namespace.hpp"
#include "runtime.hpp"

namespace neuromesh::NEUROMESH_GPU_NS {

// Input ring buffers of all local neurons, [receptor][slot][neuron] in 64-bit fixed point.
struct ring_view {
  fixed_t* data;
  std::uint32_t n, slots;
  NEUROMESH_INLINE_HOST_DEVICE fixed_t* row(int receptor, step_t s) const { return at(receptor, slot(s)); }
  NEUROMESH_INLINE_HOST_DEVICE std::uint32_t slot(step_t s) const { return static_cast<std::uint32_t>(s % slots); }
  NEUROMESH_INLINE_HOST_DEVICE fixed_t* at(int receptor, std::uint32_t slot) const {
    return data + (static_cast<std::size_t>(receptor) * slots + slot) * n;
  }
  // The slot `delay` steps after `slot`, without the division of slot(): delays are shorter
  // than the ring (slots = longest delay + 1), so one wrap at most.
  NEUROMESH_INLINE_HOST_DEVICE std::uint32_t later(std::uint32_t slot, delay_t delay) const {
    const std::uint32_t k = slot + delay;
    return k >= slots ? k - slots : k;
  }
};

// Where fired spikes go: spike detection and compaction in one. A neuron that fires takes the
// next slot with one relaxed atomic increment; an entry packs the step within the chunk (high
// 32 bits) and the gid. The order of entries varies from run to run, which the engine interface
// allows (the communicator sorts); the set does not.
struct spike_sink {
  std::uint64_t* entries;  // capacity: neurons x chunk steps (every neuron firing every step)
  unsigned* count;
  std::uint32_t* multiplicity = nullptr;  // per entry, where a group's model has multiplicities
  NEUROMESH_INLINE_HOST_DEVICE void push(std::uint32_t step_in_chunk, gid_t gid, std::uint32_t m) const {
    const unsigned k = ::cuda::atomic_ref<unsigned, ::cuda::thread_scope_device>(*count).fetch_add(
        1u, ::cuda::std::memory_order_relaxed);
    entries[k] = (static_cast<std::uint64_t>(step_in_chunk) << 32) | gid;
    if (multiplicity) multiplicity[k] = m;
  }
};

// Step flags above this shift hold a spike's multiplicity (has_multiplicity models; 0 means 1).
constexpr unsigned multiplicity_shift = 8;

// What a group needs besides its own state in a step.
struct step_context {
  ring_view ring;
  const double* extra_current;  // closed-loop current [pA] per local neuron
  bool extra_set;               // false: extra_current is all zero (never set)
  std::uint32_t* flags;         // step flags per local neuron (spike detection reads them)
  launch_policy launch;
  // OMP build, inside a parallel region of `parts` threads: this thread updates only its part
  // of every group, serially (0 parts: whole launches).
  std::uint32_t part = 0, parts = 0;
};

class device_group {
 public:
  virtual ~device_group() = default;
  virtual void update(step_t s, const step_context& ctx) = 0;
  // State variable `var` (user units) of population-local neurons `ids`.
  virtual void read(int var, std::span<const index_t> ids, std::span<double> out) const = 0;
  // Checkpoints: the state as stored (bit-exact), `state_width()` columns of the group's size,
  // column-major ([variable][neuron]); and its restoration.
  virtual std::uint32_t state_width() const { return 0; }
  // Whether the model's spikes carry a multiplicity in the step flags (multiplicity_shift).
  virtual bool multiplicity() const { return false; }
  virtual void save_state(std::vector<double>& /*columns*/) const {}
  virtual void load_state(std::span<const double> /*columns*/) {}
};

// The group of a lowered (whole) neuron population whose neurons sit at local indices
// [offset, offset + size), in Real. Spike sources have none (lowered_population::spike_schedule).
template <class Real>
std::unique_ptr<device_group> make_device_group(const lowered_population& low, std::uint32_t offset);

}  // namespace neuromesh::NEUROMESH_GPU_NS
