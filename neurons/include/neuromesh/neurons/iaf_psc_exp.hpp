#pragma once
// iaf_psc_exp — leaky integrate-and-fire neuron with exponentially decaying synaptic currents
// (NEST model of the same name; exact integration after Rotter & Diesmann 1999, Biol. Cybern.
// 81:381; propagators as in NEST's iaf_psc_exp and propagator_32).
//
//   C_m dV/dt = -(C_m/tau_m)(V - E_L) + I_ex + I_in + I_e + I_stim
//   dI_ex/dt = -I_ex / tau_syn_ex,   dI_in/dt = -I_in / tau_syn_in,   spike: I_x += w [pA]
//
// With V relative to E_L, over one step h (NEST's update order):
//   V   <- P22 V + P21ex I_ex + P21in I_in + P20 (I_e + I_stim)    (when not refractory)
//   I_x <- P11x I_x + (input of this step)
//   P22 = exp(-h/tau_m), P20 = tau_m/C_m (1 - P22), P11x = exp(-h/tau_syn_x),
//   P21x = tau_x tau_m / (C_m (tau_m - tau_x)) (exp(-h/tau_m) - exp(-h/tau_x))
//          [-> h/C_m exp(-h/tau_m) in the limit tau_x -> tau_m].
// Spike when V >= V_th; then V = V_reset, clamped for t_ref. Under constant current the
// membrane follows V(t) = E_L + I tau_m/C_m (1 - exp(-t/tau_m)) exactly (tests/validation).
#include <cmath>

#include <neuromesh/neurons/iaf_common.hpp>
#include <neuromesh/neurons/model.hpp>

namespace neuromesh {

namespace detail {
// Propagator from an exponential current to the membrane (NEST's propagator_32), stable when the
// two time constants are close.
inline double current_to_membrane(double tau_syn, double tau_m, double c_m, double h) {
  const double a = 1.0 / tau_syn - 1.0 / tau_m;  // the singular case is a -> 0
  if (std::fabs(a * h) < 1e-8) return h / c_m * std::exp(-h / tau_m);
  return std::exp(-h / tau_m) * (-std::expm1(-a * h)) / (a * c_m);
}
}  // namespace detail

struct iaf_psc_exp {
  static constexpr std::string_view name = "iaf_psc_exp";
  static constexpr receptor_kind input = receptor_kind::current;

  enum param : int { E_L, C_m, tau_m, tau_syn_ex, tau_syn_in, t_ref, V_th, V_reset, I_e, n_params };
  static constexpr std::array<parameter_spec, n_params> parameters =
      detail::concat(iaf::leak,
                     std::array<parameter_spec, 2>{{
                         {"tau_syn_ex", 2.0, "ms", "excitatory synaptic time constant"},
                         {"tau_syn_in", 2.0, "ms", "inhibitory synaptic time constant"},
                     }},
                     iaf::threshold);

  enum var : int { V_m, I_syn_ex, I_syn_in, refr, n_state };
  static constexpr std::array<state_spec, n_state> state{{
      {"V_m", "mV", E_L},
      {"I_syn_ex", "pA", -1},
      {"I_syn_in", "pA", -1},
      {"refractory_steps", "steps", -1},
  }};

  enum constant : int { P22, P20, P11ex, P11in, P21ex, P21in, theta, v_reset, i_e, ref_steps, n_constants_ };
  static constexpr std::size_t n_constants = n_constants_;

  static std::string check(const double* p, double /*h*/) {
    if (std::string e = iaf::check_leak(p, C_m, tau_m); !e.empty()) return e;
    if (!(p[tau_syn_ex] > 0)) return "tau_syn_ex: must be > 0 ms";
    if (!(p[tau_syn_in] > 0)) return "tau_syn_in: must be > 0 ms";
    return iaf::check_threshold(p, t_ref, V_th, V_reset);
  }

  static void derive(const double* p, double h, double* k) {
    k[P22] = std::exp(-h / p[tau_m]);
    k[P20] = -p[tau_m] / p[C_m] * std::expm1(-h / p[tau_m]);
    k[P11ex] = std::exp(-h / p[tau_syn_ex]);
    k[P11in] = std::exp(-h / p[tau_syn_in]);
    k[P21ex] = detail::current_to_membrane(p[tau_syn_ex], p[tau_m], p[C_m], h);
    k[P21in] = detail::current_to_membrane(p[tau_syn_in], p[tau_m], p[C_m], h);
    k[theta] = p[V_th] - p[E_L];
    k[v_reset] = p[V_reset] - p[E_L];
    k[i_e] = p[I_e];
    k[ref_steps] = refractory_steps(p[t_ref], h);
  }

  static void initial_state(const double* /*p*/, double* x) { x[V_m] = x[I_syn_ex] = x[I_syn_in] = x[refr] = 0.0; }

  template <class Real, bool DetectChange = true>
  NEUROMESH_INLINE_HOST_DEVICE static unsigned step(const Real* k, Real* x, Real in_ex, Real in_in, Real i_stim) {
    const Real v = x[V_m], ie = x[I_syn_ex], ii = x[I_syn_in], r = x[refr];
    const bool free = r <= Real(0);
    Real v_new = k[P22] * v + k[P21ex] * ie + k[P21in] * ii + k[P20] * (k[i_e] + i_stim);
    v_new = detail::select(free, v_new, v);
    Real r_new = detail::select(free, Real(0), r - Real(1));
    const Real ie_new = k[P11ex] * ie + in_ex;
    const Real ii_new = k[P11in] * ii + in_in;
    const bool fire = v_new >= k[theta];
    v_new = detail::select(fire, k[v_reset], v_new);
    r_new = detail::select(fire, k[ref_steps], r_new);
    const bool changed = (v_new != v) | (r_new != r) | (ie_new != ie) | (ii_new != ii);
    x[V_m] = v_new;
    x[I_syn_ex] = ie_new;
    x[I_syn_in] = ii_new;
    x[refr] = r_new;
    return step_result<DetectChange>(fire, changed);
  }
};

}  // namespace neuromesh
