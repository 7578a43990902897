#pragma once
// static_synapse -- a fixed weight and delay (NEST's static_synapse). Delivering a spike adds the
// weight, in fixed point, to the target's ring-buffer slot of its receptor `delay` steps later:
//
//   input[target, receptor, t_spike_step + delay] += w          (w: pA, nS or mV by target model)
//
// Nothing changes at run time, so the store keeps only target and weight per synapse (delay and
// receptor per row segment), and a projection whose weight is one number keeps that number once
// (weight_storage::shared, 4 bytes per synapse). The contract: model.hpp.
#include <array>
#include <string>
#include <string_view>

#include <neuromesh/synapses/model.hpp>

namespace neuromesh {

struct static_synapse {
  static constexpr std::string_view name = "static";
  static constexpr std::string_view nest_name = "static_synapse";
  static constexpr bool plastic = false;
  static constexpr std::array<synapse_parameter_spec, 0> parameters{};
  static constexpr std::array<synapse_state_spec, 0> state{};
  static std::string check(const double*) { return ""; }
  // The fixed-point input one spike adds (weights are float32; see fixed_point.hpp).
  NEUROMESH_INLINE_HOST_DEVICE static fixed_t input(float weight) { return to_fixed(weight); }
};

}  // namespace neuromesh
