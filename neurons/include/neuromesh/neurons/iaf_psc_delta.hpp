#pragma once
// iaf_psc_delta — leaky integrate-and-fire neuron with delta-shaped synaptic input (NEST model of
// the same name; Rotter & Diesmann 1999, Biol. Cybern. 81:381, exact integration).
//
//   C_m dV/dt = -(C_m/tau_m) (V - E_L) + I_e + I_stim,   each input spike: V += w [mV]
//
// With V stored relative to E_L and I constant over a step of width h:
//   V(t+h) = P33 V(t) + P30 (I_e + I_stim) + sum of input jumps,
//   P33 = exp(-h/tau_m),  P30 = (tau_m / C_m)(1 - P33).
// Spike when V >= V_th (checked after integration), then V = V_reset and the neuron is clamped
// for t_ref (input arriving then is discarded, as NEST's default). V is bounded below by V_min.
#include <cmath>
#include <limits>

#include <neuromesh/neurons/iaf_common.hpp>
#include <neuromesh/neurons/model.hpp>

namespace neuromesh {

struct iaf_psc_delta {
  static constexpr std::string_view name = "iaf_psc_delta";
  static constexpr receptor_kind input = receptor_kind::voltage;

  enum param : int { E_L, C_m, tau_m, t_ref, V_th, V_reset, I_e, V_min, n_params };
  static constexpr std::array<parameter_spec, n_params> parameters =
      detail::concat(iaf::leak, iaf::threshold, iaf::v_min);

  enum var : int { V_m, refr, n_state };
  static constexpr std::array<state_spec, n_state> state{{
      {"V_m", "mV", E_L},
      {"refractory_steps", "steps", -1},
  }};

  enum constant : int { P33, P30, theta, v_reset, i_e, ref_steps, v_min, n_constants_ };
  static constexpr std::size_t n_constants = n_constants_;

  static std::string check(const double* p, double h) {
    (void)h;
    if (std::string e = iaf::check_leak(p, C_m, tau_m); !e.empty()) return e;
    if (std::string e = iaf::check_threshold(p, t_ref, V_th, V_reset); !e.empty()) return e;
    return iaf::check_v_min(p, V_min, V_reset);
  }

  static void derive(const double* p, double h, double* k) {
    k[P33] = std::exp(-h / p[tau_m]);
    k[P30] = -p[tau_m] / p[C_m] * std::expm1(-h / p[tau_m]);
    k[theta] = p[V_th] - p[E_L];
    k[v_reset] = p[V_reset] - p[E_L];
    k[i_e] = p[I_e];
    k[ref_steps] = refractory_steps(p[t_ref], h);
    k[v_min] = p[V_min] - p[E_L];
  }

  static void initial_state(const double* /*p*/, double* x) {
    x[V_m] = 0.0;  // at E_L
    x[refr] = 0.0;
  }

  template <class Real, bool DetectChange = true>
  NEUROMESH_INLINE_HOST_DEVICE static unsigned step(const Real* k, Real* x, Real in_ex, Real in_in, Real i_stim) {
    const Real v = x[V_m], r = x[refr];
    const bool free = r <= Real(0);
    Real v_new = k[P30] * (k[i_e] + i_stim) + k[P33] * v + (in_ex + in_in);
    v_new = detail::max(v_new, k[v_min]);
    v_new = detail::select(free, v_new, v);
    Real r_new = detail::select(free, Real(0), r - Real(1));
    // While refractory V stays at V_reset < V_th (check() enforces it), so no `free &` is needed
    // here -- and leaving it out keeps the loop vectorisable (GCC 12 gives up on it).
    const bool fire = v_new >= k[theta];
    v_new = detail::select(fire, k[v_reset], v_new);
    r_new = detail::select(fire, k[ref_steps], r_new);
    const bool changed = (v_new != v) | (r_new != r);
    x[V_m] = v_new;
    x[refr] = r_new;
    return step_result<DetectChange>(fire, changed);
  }
};

}  // namespace neuromesh
