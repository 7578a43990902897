#pragma once
// static_synapse — a fixed weight and delay (NEST's static_synapse). Delivering a spike adds the
// weight, in fixed point, to the target's ring-buffer slot of its receptor `delay` steps later:
//
//   input[target, receptor, t_spike_step + delay] += w          (w: pA, nS or mV by target model)
//
// The storage (core/synapse_store.hpp) keeps what a static synapse needs -- target and weight
// per synapse, delay and receptor per row segment. Plastic rules (STDP, short-term plasticity)
// follow the same pattern: a header here with their parameters and NEUROMESH_INLINE_HOST_DEVICE
// update functions, and their per-synapse state in arrays beside the store's weights.
#include <neuromesh/core/fixed_point.hpp>
#include <neuromesh/core/macros.hpp>

namespace neuromesh {

struct static_synapse {
  static constexpr const char* name = "static";
  // The fixed-point input one spike adds (weights are float32; see fixed_point.hpp).
  NEUROMESH_INLINE_HOST_DEVICE static fixed_t input(float weight) { return to_fixed(weight); }
};

}  // namespace neuromesh
