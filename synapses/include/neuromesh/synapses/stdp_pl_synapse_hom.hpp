#pragma once
// stdp_pl_synapse_hom -- power-law STDP (Morrison et al. 2007), as NEST 3.10's stdp_pl_synapse_hom,
// the plastic synapse of NEST's hpc_benchmark. The pairing, traces and delays are stdp_synapse's
// (stdp_synapse.hpp: all-to-all pairs, K+ with tau_plus, K- with tau_minus, the whole delay
// dendritic); only the weight dependence differs:
//   facilitate(w, k) = w + lambda w^mu k
//   depress(w, k)    = max(0, w - alpha lambda w k)
// Weights have no upper bound (the fixed-point range is then kept by saturating adds).
#include <array>
#include <limits>
#include <string>
#include <string_view>

#include <neuromesh/synapses/stdp_synapse.hpp>

namespace neuromesh {

struct stdp_pl_synapse_hom {
  static constexpr std::string_view name = "stdp_pl_hom";
  static constexpr std::string_view nest_name = "stdp_pl_synapse_hom";
  static constexpr bool plastic = true;
  enum : int { tau_plus, tau_minus, lambda, alpha, mu, n_parameters };
  static constexpr std::array<synapse_parameter_spec, n_parameters> parameters{{
      {"tau_plus", 20.0, "ms", "time constant of the presynaptic trace K+"},
      {"tau_minus", 20.0, "ms", "time constant of the postsynaptic trace K- (NEST: on the neuron)"},
      {"lambda", 0.1, "1", "step size"},
      {"alpha", 1.0, "1", "depression relative to facilitation"},
      {"mu", 0.4, "1", "weight dependence exponent of facilitation"},
  }};
  static constexpr std::array<synapse_state_spec, 0> state{};

  static std::string check(const double* p) {
    if (!(p[tau_plus] > 0)) return "tau_plus: must be > 0 ms";
    if (!(p[tau_minus] > 0)) return "tau_minus: must be > 0 ms";
    if (!(p[lambda] >= 0)) return "lambda: must be >= 0";
    if (!(p[alpha] >= 0)) return "alpha: must be >= 0";
    if (!(p[mu] >= 0)) return "mu: must be >= 0";
    return "";
  }
  NEUROMESH_INLINE_HOST_DEVICE static double facilitate(const double* p, double w, double k_plus) {
    return w + p[lambda] * stdp_synapse::power(w, p[mu]) * k_plus;
  }
  NEUROMESH_INLINE_HOST_DEVICE static double depress(const double* p, double w, double k_minus) {
    const double v = w - p[alpha] * p[lambda] * w * k_minus;
    return v > 0.0 ? v : 0.0;
  }
  static double max_weight(const double*, double) { return std::numeric_limits<double>::infinity(); }
  NEUROMESH_INLINE_HOST_DEVICE static fixed_t input(double w) { return to_fixed(w); }
};

}  // namespace neuromesh
