#pragma once
// stdp_triplet_synapse -- the triplet STDP rule (Pfister & Gerstner 2006, J Neurosci 26:9673), all
// pairs and triplets ("all-to-all" interaction), as NEST 3.10's stdp_triplet_synapse. Four traces:
// presynaptic r1 = K+ (tau_plus) and r2 = K+_triplet (tau_plus_triplet), postsynaptic o1 = K-
// (tau_minus) and o2 = K-_triplet (tau_minus_triplet); each decays exponentially and grows by 1
// at a spike of its side. Delays are dendritic as in stdp_synapse (stdp_synapse.hpp). On a
// presynaptic spike at t_pre (previous one at t_last; 0 before the first):
//   for every postsynaptic spike t_post with t_last - d < t_post <= t_pre - d, in time order:
//     w <- min(Wmax, w + K+(t_post + d) (Aplus + Aplus_triplet (K-_triplet(t_post) - 1)))
//         K+(t_post + d) = K+(t_last) exp((t_last - (t_post + d)) / tau_plus);
//         K-_triplet(t_post) - 1: the triplet trace just before that postsynaptic spike
//   w <- max(0, w - K-(t_pre - d) (Aminus + Aminus_triplet K+_triplet(t_pre-)))
//         K-(t_pre - d): K- of the last postsynaptic spike strictly before, decayed;
//         K+_triplet(t_pre-) = K+_triplet(t_last) exp((t_last - t_pre) / tau_plus_triplet)
//   then K+ and K+_triplet move on (decay to t_pre, + 1); the spike carries the new w.
// Kplus and Kplus_triplet are the presynaptic traces' values at t = 0 (NEST's state).
//
// Differences from NEST, on purpose (as stdp_synapse): tau_minus and tau_minus_triplet are
// parameters of the projection (NEST keeps them on the postsynaptic neuron); weights and Wmax must
// be >= 0 (NEST's copysign form for negative Wmax -- inhibitory STDP -- is refused by validate()).
// Pfister & Gerstner's visual-cortex fit (all-to-all, their table 4, minimal model): tau_plus
// 16.8 ms, tau_minus 33.7 ms, tau_plus_triplet 101 ms, tau_minus_triplet 125 ms, Aplus 5e-10,
// Aminus 7e-3, Aplus_triplet 6.2e-3, Aminus_triplet 2.3e-4 (NEST's defaults for the synapse).
#include <array>
#include <string>
#include <string_view>

#include <neuromesh/synapses/stdp_synapse.hpp>

namespace neuromesh {

struct stdp_triplet_synapse {
  static constexpr std::string_view name = "stdp_triplet";
  static constexpr std::string_view nest_name = "stdp_triplet_synapse";
  static constexpr bool plastic = true;
  static constexpr bool triplet = true;  // stdp_rows keeps K+_triplet per source and K-_triplet per post spike
  enum : int {
    tau_plus,
    tau_minus,
    tau_plus_triplet,
    tau_minus_triplet,
    Aplus,
    Aminus,
    Aplus_triplet,
    Aminus_triplet,
    Wmax,
    Kplus,
    Kplus_triplet,
    n_parameters
  };
  static constexpr std::array<synapse_parameter_spec, n_parameters> parameters{{
      {"tau_plus", 16.8, "ms", "time constant of the presynaptic pair trace K+"},
      {"tau_minus", 20.0, "ms", "time constant of the postsynaptic pair trace K- (NEST: on the neuron)"},
      {"tau_plus_triplet", 101.0, "ms", "time constant of the presynaptic triplet trace"},
      {"tau_minus_triplet", 110.0, "ms", "time constant of the postsynaptic triplet trace (NEST: on the neuron)"},
      {"Aplus", 5e-10, "weight unit", "pair facilitation"},
      {"Aminus", 7e-3, "weight unit", "pair depression"},
      {"Aplus_triplet", 6.2e-3, "weight unit", "triplet facilitation"},
      {"Aminus_triplet", 2.3e-4, "weight unit", "triplet depression"},
      {"Wmax", 100.0, "weight unit", "largest weight"},
      {"Kplus", 0.0, "1", "presynaptic pair trace at t = 0"},
      {"Kplus_triplet", 0.0, "1", "presynaptic triplet trace at t = 0"},
  }};
  static constexpr std::array<synapse_state_spec, 0> state{};  // the weight column only

  static std::string check(const double* p) {
    if (!(p[tau_plus] > 0)) return "tau_plus: must be > 0 ms";
    if (!(p[tau_minus] > 0)) return "tau_minus: must be > 0 ms";
    if (!(p[tau_plus_triplet] > 0)) return "tau_plus_triplet: must be > 0 ms";
    if (!(p[tau_minus_triplet] > 0)) return "tau_minus_triplet: must be > 0 ms";
    if (!(p[Aplus] >= 0)) return "Aplus: must be >= 0";
    if (!(p[Aminus] >= 0)) return "Aminus: must be >= 0";
    if (!(p[Aplus_triplet] >= 0)) return "Aplus_triplet: must be >= 0";
    if (!(p[Aminus_triplet] >= 0)) return "Aminus_triplet: must be >= 0";
    if (!(p[Wmax] > 0)) return "Wmax: must be > 0 (inhibitory STDP with negative weights is not implemented)";
    if (!(p[Kplus] >= 0)) return "Kplus: must be >= 0";
    if (!(p[Kplus_triplet] >= 0)) return "Kplus_triplet: must be >= 0";
    return "";
  }
  // k_plus: K+ at the synapse's view of the postsynaptic spike; ky: K-_triplet just before it.
  NEUROMESH_INLINE_HOST_DEVICE static double facilitate(const double* p, double w, double k_plus, double ky) {
    const double v = w + k_plus * (p[Aplus] + p[Aplus_triplet] * ky);
    return v < p[Wmax] ? v : p[Wmax];
  }
  // k_minus: K- at t_pre - d; k_triplet: K+_triplet just before this presynaptic spike.
  NEUROMESH_INLINE_HOST_DEVICE static double depress(const double* p, double w, double k_minus, double k_triplet) {
    const double v = w - k_minus * (p[Aminus] + p[Aminus_triplet] * k_triplet);
    return v > 0.0 ? v : 0.0;
  }
  static double max_weight(const double* p, double w0) { return w0 > p[Wmax] ? w0 : p[Wmax]; }
  static double initial_k_plus(const double* p) { return p[Kplus]; }
  static double initial_k_plus_triplet(const double* p) { return p[Kplus_triplet]; }
  NEUROMESH_INLINE_HOST_DEVICE static fixed_t input(double w) { return to_fixed(w); }
};

}  // namespace neuromesh
