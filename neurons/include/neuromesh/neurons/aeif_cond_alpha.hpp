#pragma once
// aeif_cond_alpha — adaptive exponential integrate-and-fire neuron (AdEx) with alpha-function
// synaptic conductances (NEST model of the same name, models/aeif_cond_alpha.{h,cpp} in NEST 3.10;
// Brette & Gerstner 2005, J. Neurophysiol. 94:3637). PyNN's EIF_cond_alpha_isfa_ista.
//
//   C_m dV/dt = -g_L (V - E_L) + g_L Delta_T exp((V - V_th)/Delta_T) - w
//               - g_ex (V - E_ex) - g_in (V - E_in) + I_e + I_stim
//   tau_w dw/dt = a (V - E_L) - w
//   dg_x/dt = dg'_x - g_x / tau_syn_x,   d(dg'_x)/dt = -dg'_x / tau_syn_x      (x = ex, in)
//   spike of weight w [nS]: dg'_x += w e / tau_syn_x, so g_x(t) = w (t/tau) e^(1 - t/tau), peak w
//   V >= V_peak (V_th when Delta_T = 0):  V <- V_reset,  w <- w + b,  V clamped for t_ref.
//
// Units: V, E_x, V_th, V_peak, V_reset, Delta_T [mV]; C_m [pF]; g_L, a, g_x [nS]; dg'_x [nS/ms];
// w, b, I_e [pA]; tau_w, tau_syn_x, t_ref [ms]. Parameters, defaults and state names as NEST's
// (NEST calls dg'_x dg_ex / dg_in).
// Integration: exactly as aeif_cond_exp (aeif_cond_exp.hpp: NEST's GSL RKF45 with its step-size
// control below V_th, the upswing in u = exp(-(V - V_th)/Delta_T), the branch-free lane path),
// on y = (V - E_L, w, g_ex, g_in, dg_ex, dg_in); the error control covers all six components,
// as NEST's does. Spike input is added to dg_x after the step.
#include <neuromesh/neurons/aeif_integrator.hpp>

namespace neuromesh {

struct aeif_cond_alpha : detail::aeif_integrator<detail::aeif_ex_in<true>> {
  static constexpr std::string_view name = "aeif_cond_alpha";
  static constexpr int dg_ex = 4, dg_in = 5;
  static constexpr std::array<state_spec, n_state> state{{
      {"V_m", "mV", E_L},
      {"w", "pA", -1},
      {"g_ex", "nS", -1},
      {"g_in", "nS", -1},
      {"dg_ex", "nS/ms", -1},
      {"dg_in", "nS/ms", -1},
      {"refractory_steps", "steps", -1},
      {"integration_step", "ms", -1},  // last internal step size; <= 0: start at min(0.01 ms, h)
  }};
};

}  // namespace neuromesh
