#pragma once
// stdp_synapse -- pair-based spike-timing dependent plasticity, all-to-all pairing, as NEST 3.10's
// stdp_synapse (Guetig et al. 2003; van Rossum et al. 2000; Song et al. 2000). Weights change when
// a presynaptic spike is delivered, from the postsynaptic spikes in the window since the last one;
// the whole delay counts as dendritic (NEST's convention), so a postsynaptic spike at t_post is
// seen by the synapse at t_post + d.
//
// Traces: K+ of the presynaptic neuron (tau_plus), K- of the postsynaptic neuron (tau_minus):
//   K+ <- K+ exp((t_last - t_pre) / tau_plus) + 1              after each presynaptic spike
//   K- <- K- exp((t_last_post - t_post) / tau_minus) + 1        after each postsynaptic spike
// On a presynaptic spike at t_pre (previous one at t_last; 0 before the first, K+ = 0):
//   for every postsynaptic spike t_post with t_last - d < t_post <= t_pre - d, in time order:
//     w <- facilitate(w, K+(t_last) exp((t_last - (t_post + d)) / tau_plus))
//   w <- depress(w, K-(t_pre - d))   (K- of the last postsynaptic spike strictly before t_pre - d)
//   the spike is delivered with the new w
// with, in units of Wmax (w~ = w / Wmax):
//   facilitate(w, k) = Wmax min(1, w~ + lambda (1 - w~)^mu_plus k)
//   depress(w, k)    = Wmax max(0, w~ - alpha lambda w~^mu_minus k)
// mu = 0: additive STDP, mu = 1: multiplicative; in between: Guetig et al.
//
// Differences from NEST, on purpose: tau_minus is a parameter of the projection here (NEST keeps it
// on the postsynaptic neuron, shared by all its STDP synapses); each projection keeps its own
// postsynaptic trace, so two projections onto one population may use different tau_minus.
// Weights and Wmax must be >= 0 and the projection excitatory (by_sign or excitatory) -- inhibitory
// STDP (NEST's negative weights and Wmax) is not implemented yet and is refused by validate().
#include <array>
#include <string>
#include <string_view>

#include <neuromesh/core/math.hpp>
#include <neuromesh/core/math_pow.hpp>
#include <neuromesh/synapses/model.hpp>

namespace neuromesh {

// How a pair-based rule pairs pre- and postsynaptic spikes (NEST's STDP family; Morrison, Diesmann
// & Gerstner 2008, Biol Cybern 98:459, fig. 7): every pair (all_to_all: stdp_synapse), or the
// nearest neighbours only (stdp_nn_synapse.hpp: nearest_symmetric, nearest_restricted).
enum class stdp_pairing { all_to_all, nearest_symmetric, nearest_restricted };

struct stdp_synapse {
  static constexpr std::string_view name = "stdp";
  static constexpr std::string_view nest_name = "stdp_synapse";
  static constexpr bool plastic = true;
  enum : int { tau_plus, tau_minus, lambda, alpha, mu_plus, mu_minus, Wmax, n_parameters };
  static constexpr std::array<synapse_parameter_spec, n_parameters> parameters{{
      {"tau_plus", 20.0, "ms", "time constant of the presynaptic trace K+"},
      {"tau_minus", 20.0, "ms", "time constant of the postsynaptic trace K- (NEST: on the neuron)"},
      {"lambda", 0.01, "1", "step size of a weight change"},
      {"alpha", 1.0, "1", "depression relative to facilitation"},
      {"mu_plus", 1.0, "1", "weight dependence exponent of facilitation (0: additive)"},
      {"mu_minus", 1.0, "1", "weight dependence exponent of depression (0: additive)"},
      {"Wmax", 100.0, "weight unit", "largest weight"},
  }};
  static constexpr std::array<synapse_state_spec, 0> state{};  // the weight column only
  static constexpr stdp_pairing pairing = stdp_pairing::all_to_all;

  // "" or "<parameter>: problem" for parameters p[n_parameters].
  static std::string check(const double* p) {
    if (!(p[tau_plus] > 0)) return "tau_plus: must be > 0 ms";
    if (!(p[tau_minus] > 0)) return "tau_minus: must be > 0 ms";
    if (!(p[lambda] >= 0)) return "lambda: must be >= 0";
    if (!(p[alpha] >= 0)) return "alpha: must be >= 0";
    if (!(p[mu_plus] >= 0)) return "mu_plus: must be >= 0";
    if (!(p[mu_minus] >= 0)) return "mu_minus: must be >= 0";
    if (!(p[Wmax] > 0)) return "Wmax: must be > 0 (inhibitory STDP with negative weights is not implemented)";
    return "";
  }

  // x^mu for x >= 0 with in-project math (math_pow.hpp: no division, the same bits on every
  // backend); the exponents 0 and 1 (additive, multiplicative) exact, as std::pow gives them.
  NEUROMESH_INLINE_HOST_DEVICE static double power(double x, double mu) {
    if (mu == 0.0) return 1.0;
    if (mu == 1.0) return x;
    if (x <= 0.0) return 0.0;
    return math::pow_positive(x, mu);
  }
  // facilitate and depress work on the weight in units of Wmax (w~ = w / weight_scale), from the
  // presynaptic spike's first change to its last (stdp_update.hpp): one division per spike, not
  // one per pairing -- NEST divides and multiplies back in each call; the results differ from its
  // by rounding only (far below the crosscheck's 1e-12), and a spike that only depresses gives
  // NEST's very operations.
  NEUROMESH_INLINE_HOST_DEVICE static double weight_scale(const double* p) { return p[Wmax]; }
  NEUROMESH_INLINE_HOST_DEVICE static double facilitate(const double* p, double x, double k_plus) {
    const double norm = x + p[lambda] * power(1.0 - x, p[mu_plus]) * k_plus;
    return norm < 1.0 ? norm : 1.0;
  }
  NEUROMESH_INLINE_HOST_DEVICE static double depress(const double* p, double x, double k_minus) {
    const double norm = x - p[alpha] * p[lambda] * power(x, p[mu_minus]) * k_minus;
    return norm > 0.0 ? norm : 0.0;
  }
  // The largest weight the rule can reach from weights <= w0 (the fixed-point range check).
  static double max_weight(const double* p, double w0) { return w0 > p[Wmax] ? w0 : p[Wmax]; }
  // The input of a spike with weight w (what static_synapse::input is for a fixed weight).
  NEUROMESH_INLINE_HOST_DEVICE static fixed_t input(double w) { return to_fixed(w); }
};

// The pairing of a rule (all_to_all unless it says otherwise), and whether it is the triplet rule
// (stdp_triplet_synapse.hpp: a second presynaptic trace, and facilitate/depress take the triplet
// traces as a third argument).
template <class Rule>
constexpr stdp_pairing pairing_of() {
  if constexpr (requires { Rule::pairing; })
    return Rule::pairing;
  else
    return stdp_pairing::all_to_all;
}
template <class Rule>
constexpr bool is_triplet_rule() {
  if constexpr (requires { Rule::triplet; })
    return Rule::triplet;
  else
    return false;
}

// stdp_synapse_hom -- the same rule with parameters common to all its synapses (NEST sets them
// with CopyModel/SetDefaults); here parameters belong to the projection anyway.
struct stdp_synapse_hom : stdp_synapse {
  static constexpr std::string_view name = "stdp_hom";
  static constexpr std::string_view nest_name = "stdp_synapse_hom";
};

}  // namespace neuromesh
