#pragma once
// aeif_cond_exp — adaptive exponential integrate-and-fire neuron (AdEx) with exponentially
// decaying synaptic conductances (NEST model of the same name; Brette & Gerstner 2005,
// J. Neurophysiol. 94:3637).
//
//   C_m dV/dt = -g_L (V - E_L) + g_L Delta_T exp((V - V_th)/Delta_T) - w
//               - g_ex (V - E_ex) - g_in (V - E_in) + I_e + I_stim
//   tau_w dw/dt = a (V - E_L) - w,   dg_x/dt = -g_x / tau_syn_x,   spike of weight w [nS]: g_x += w
//   V >= V_peak (V_th when Delta_T = 0):  V <- V_reset,  w <- w + b,  V clamped for t_ref.
//
// Integration. Below V_th as NEST 3.10 (models/aeif_cond_exp.cpp with GSL's
// gsl_odeiv_evolve_apply, gsl_odeiv_step_rkf45 and gsl_odeiv_control_yp_new(gsl_error_tol,
// gsl_error_tol)), written here for every backend with the same arithmetic: the embedded
// Runge-Kutta-Fehlberg 4(5) pair (Fehlberg 1969, NASA TR R-315; the 5th-order solution is
// propagated, the 4(5) difference is the error estimate) on y = (V, w, g_ex, g_in), with adaptive
// internal steps inside each time step h:
//   * an internal step is accepted when every component's error |e_i| <= 1.1 D_i with
//     D_i = tol (1 + |s y'_i|) (tol = gsl_error_tol, absolute; s the internal step, y' the
//     derivative at its end); otherwise it is redone with s <- s max(0.2, 0.9 r^(-1/5)),
//     r = max_i |e_i| / D_i. After an accepted step with r < 0.5, s <- s min(5, max(1, 0.9 r^(-1/6))).
//   * The step that would pass the end of the time step is shortened to end on it; the
//     internal step size carries over to the next time step (state `integration_step`, NEST's
//     IntegrationStep, starting at min(0.01 ms, h)). It is kept <= h: any larger value acts as
//     h, since the step is cut at the end of the time step.
//   * After every accepted internal step, as NEST: a refractory neuron's V is set to V_reset;
//     otherwise V >= V_peak is a spike, handled at once (V <- V_reset, w <- w + b, refractory
//     from there when t_ref > 0), reported for this step.
//   * In the right-hand side V is replaced by min(V, V_peak) and by V_reset while refractory,
//     where dV/dt = 0 and w keeps evolving.
// The upswing, V_th + 3 Delta_T <= V < V_peak with Delta_T > 0, differs from NEST: there V runs
// away to V_peak in finite time and an error-controlled step in V must shrink with it (~150
// internal steps per spike in NEST). neuromesh integrates it in u = exp(-(V - V_th)/Delta_T),
// where the run-away is a smooth, almost linear descent to u_peak = exp(-(V_peak - V_th)/Delta_T)
// (du/dt -> -g_L/C_m; rhs_u below), with the same RKF45 and control (tolerance tol/100 on u,
// which sets the crossing time to ~1e-7 ms). An accepted try that passes u_peak by more than
// tol/100 is redone up to the secant estimate of u_peak - tol/200 (until the try is shorter than
// 1e-6 h); then the spike is handled as above, and the internal step size starts over at h (the
// short tries were for the crossing, not for the dynamics after the reset; the control shortens
// it again where needed). Two changes to the control in the upswing only: the step after an
// accepted try is kept from passing u_peak - tol/200 by more than its linear extrapolation, and
// it grows by at most 1.5 instead of 5 (w's right-hand side has log u, so the error grows far
// faster than s^5 near the peak and GSL's x5 made every other try a rejection).
// V = V_th - Delta_T log(u) after each accepted step, so the next step picks its form from V.
// The switch at V_th + 3 Delta_T (exponential term >= e^3 g_L Delta_T) rather than at V_th keeps
// neurons that hover just above V_th in the V form and on the lane path (AdEx network of
// docs/benchmarks.md: 0.3 % of neuron steps deferred, 6 % with the switch at V_th). Cost: ~23
// RKF45 tries per spike (40 before the three changes above) instead of ~150 in NEST, with every
// spike of tests/unit/test_model_accuracy.cpp's NEST protocols still in NEST's step (V_m there
// within 2e-4 mV of NEST's, from the crossing times).
// Spike input is added to g_x after the step, I_stim acts during it. With t_ref = 0 a neuron can
// cross V_peak more than once in a step (at > 1/h rates): every crossing resets and increments w,
// as in NEST, but at most one spike per step is reported (NEST emits each). At most
// max_internal_steps internal steps (tries included) per time step: the last one is taken over
// the rest of the step and accepted whatever its error (a safety bound for bounded loops on every
// backend).
// Lanes: `lane_step` takes the common case -- integration_step already h, V < V_th, one try over
// the whole step accepted -- without branches, exactly as `step` would, so the cpu backend runs
// it vectorised over all neurons (7 right-hand sides, i.e. 7 exp, per quiet neuron and step).
// The few it defers run in lanes too: `step` is evolve_begin, evolve_try until evolve_done,
// evolve_finish (aeif_integrator.hpp), one internal step per evolve_try, branch-free, so the cpu
// backend runs the deferred neurons' internal steps side by side with the same bits.
// exp is math::exp_simd (branch-free, identical on every backend); the step-size factors and the
// u <-> V conversions use math::log/exp (determinism rule 4). V, E_ex and E_in are stored
// relative to E_L (the error control does not depend on |y|).
// Measured against NEST 3.10 (h = 0.1 ms, 1000 ms, double; scripts/reference/
// nest_model_references.py and tests/crosscheck): every spike in NEST's step for DC (800, 2000 pA;
// 1000 pA with t_ref = 2 ms) and excitatory+inhibitory input protocols; see
// tests/unit/test_model_accuracy.cpp. In float, spikes stay within one step of NEST's.
// The resting state is not an exact fixed point (the exponential term is small but nonzero at
// V = E_L), so a resting neuron simply stays in the active set.
#include <neuromesh/neurons/aeif_integrator.hpp>

namespace neuromesh {

struct aeif_cond_exp : detail::aeif_integrator<detail::aeif_ex_in<false>> {
  static constexpr std::string_view name = "aeif_cond_exp";
  static constexpr std::array<state_spec, n_state> state{{
      {"V_m", "mV", E_L},
      {"w", "pA", -1},
      {"g_ex", "nS", -1},
      {"g_in", "nS", -1},
      {"refractory_steps", "steps", -1},
      {"integration_step", "ms", -1},  // last internal step size; <= 0: start at min(0.01 ms, h)
  }};
};

}  // namespace neuromesh
