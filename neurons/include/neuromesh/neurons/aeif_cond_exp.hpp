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
// Integration, as NEST 3.10 (models/aeif_cond_exp.cpp with GSL's gsl_odeiv_evolve_apply,
// gsl_odeiv_step_rkf45 and gsl_odeiv_control_yp_new(gsl_error_tol, gsl_error_tol)), written here
// for every backend with the same arithmetic: the embedded Runge-Kutta-Fehlberg 4(5) pair
// (Fehlberg 1969, NASA TR R-315; the 5th-order solution is propagated, the 4(5) difference is
// the error estimate) on y = (V, w, g_ex, g_in), with adaptive internal steps inside each time
// step h:
//   * an internal step is accepted when every component's error |e_i| <= 1.1 D_i with
//     D_i = tol (1 + |s y'_i|) (tol = gsl_error_tol, absolute; s the internal step, y' the
//     derivative at its end); otherwise it is redone with s <- s max(0.2, 0.9 r^(-1/5)),
//     r = max_i |e_i| / D_i. After an accepted step with r < 0.5, s <- s min(5, max(1, 0.9 r^(-1/6))).
//   * The step that would pass the end of the time step is shortened to end on it; the
//     internal step size carries over to the next time step (state `integration_step`, NEST's
//     IntegrationStep, starting at min(0.01 ms, h)).
//   * After every accepted internal step, as NEST: a refractory neuron's V is set to V_reset;
//     otherwise V >= V_peak is a spike, handled at once (V <- V_reset, w <- w + b, refractory
//     from there when t_ref > 0). The spike is reported for this step, so it lands in the step in
//     which the trajectory crosses V_peak (the steps shrink as V runs away, so the crossing is
//     resolved far below h).
//   * In the right-hand side V is replaced by min(V, V_peak) (which also bounds the argument of
//     exp, so nothing overflows) and by V_reset while refractory, where dV/dt = 0 and w keeps
//     evolving.
// Spike input is added to g_x after the step, I_stim acts during it. With t_ref = 0 a neuron can
// cross V_peak more than once in a step (at > 1/h rates): every crossing resets and increments w,
// as in NEST, but at most one spike per step is reported (NEST emits each). At most
// max_internal_steps internal steps (tries included) per time step: the last one is taken over
// the rest of the step and accepted whatever its error (a safety bound for bounded loops on every
// backend; in the protocols of tests/unit/test_model_accuracy.cpp the most used was 157).
// Cost: a quiet step is usually one internal step, 7 right-hand sides (7 exp) against the 32 of
// the former 8 x RK4; each spike's upswing takes ~150 small internal steps, as in NEST; fast,
// strong conductance input keeps the steps short (g_ex is under the same error control).
// exp is neuromesh::math::exp and the step-size factors use math::log/exp (determinism rule 4).
// V, E_ex and E_in are stored relative to E_L (the error control does not depend on |y|).
// Measured against NEST 3.10 (h = 0.1 ms, 1000 ms, double; scripts/reference/
// nest_model_references.py): every spike in NEST's step for DC (800, 2000 pA; 1000 pA with
// t_ref = 2 ms) and excitatory+inhibitory input protocols, V_m within 5e-10 mV of NEST's at every
// step (1.3e-6 mV under strong input); see tests/unit/test_model_accuracy.cpp. In float, spikes
// stay within one step of NEST's.
// The resting state is not an exact fixed point (the exponential term is small but nonzero at
// V = E_L), so a resting neuron simply stays in the active set.
#include <cmath>
#include <limits>

#include <neuromesh/core/math.hpp>
#include <neuromesh/neurons/model.hpp>

namespace neuromesh {

struct aeif_cond_exp {
  static constexpr std::string_view name = "aeif_cond_exp";
  static constexpr receptor_kind input = receptor_kind::conductance;
  // Bound on internal steps (tries included) per time step; see the header comment.
  static constexpr int max_internal_steps = 10000;

  enum param : int {
    C_m,
    g_L,
    E_L,
    V_th,
    Delta_T,
    tau_w,
    a,
    b,
    V_peak,
    V_reset,
    t_ref,
    E_ex,
    E_in,
    tau_syn_ex,
    tau_syn_in,
    I_e,
    gsl_error_tol,
    n_params
  };
  static constexpr std::array<parameter_spec, n_params> parameters{{
      {"C_m", 281.0, "pF", "membrane capacitance"},
      {"g_L", 30.0, "nS", "leak conductance"},
      {"E_L", -70.6, "mV", "leak reversal (resting) potential"},
      {"V_th", -50.4, "mV", "threshold of the exponential term"},
      {"Delta_T", 2.0, "mV", "slope factor of the exponential term"},
      {"tau_w", 144.0, "ms", "adaptation time constant"},
      {"a", 4.0, "nS", "subthreshold adaptation"},
      {"b", 80.5, "pA", "spike-triggered adaptation"},
      {"V_peak", 0.0, "mV", "spike detection threshold"},
      {"V_reset", -60.0, "mV", "reset potential"},
      {"t_ref", 0.0, "ms", "refractory period"},
      {"E_ex", 0.0, "mV", "excitatory reversal potential"},
      {"E_in", -85.0, "mV", "inhibitory reversal potential"},
      {"tau_syn_ex", 0.2, "ms", "excitatory conductance decay time"},
      {"tau_syn_in", 2.0, "ms", "inhibitory conductance decay time"},
      {"I_e", 0.0, "pA", "constant external current"},
      {"gsl_error_tol", 1e-6, "", "absolute error tolerance of the adaptive integrator (NEST's name)"},
  }};

  enum var : int { V_m, w, g_ex, g_in, refr, h_int, n_state };
  static constexpr std::array<state_spec, n_state> state{{
      {"V_m", "mV", E_L},
      {"w", "pA", -1},
      {"g_ex", "nS", -1},
      {"g_in", "nS", -1},
      {"refractory_steps", "steps", -1},
      {"integration_step", "ms", -1},  // last internal step size; <= 0: start at min(0.01 ms, h)
  }};

  enum constant : int {
    dt,
    h_start,
    tol,
    inv_c,
    gl,
    gl_delta,
    inv_delta,
    vth,
    vclamp,
    vpeak,
    a_,
    inv_tau_w,
    b_,
    e_ex,
    e_in,
    inv_tau_ex,
    inv_tau_in,
    v_reset,
    has_ref,
    i_e,
    ref_steps,
    n_constants_
  };
  static constexpr std::size_t n_constants = n_constants_;

  static std::string check(const double* p, double /*h*/) {
    for (int j = 0; j < n_params; ++j)
      if (!std::isfinite(p[j])) return std::string(parameters[j].name) + ": must be a finite number";
    if (!(p[C_m] > 0)) return "C_m: must be > 0 pF";
    if (!(p[g_L] > 0)) return "g_L: must be > 0 nS";
    if (!(p[Delta_T] >= 0)) return "Delta_T: must be >= 0 mV";
    if (!(p[tau_w] > 0)) return "tau_w: must be > 0 ms";
    if (!(p[tau_syn_ex] > 0)) return "tau_syn_ex: must be > 0 ms";
    if (!(p[tau_syn_in] > 0)) return "tau_syn_in: must be > 0 ms";
    if (!(p[t_ref] >= 0)) return "t_ref: must be >= 0 ms";
    if (!(p[V_reset] < p[V_peak])) return "V_reset: must be below V_peak";
    if (!(p[V_peak] >= p[V_th])) return "V_peak: must be >= V_th";
    if (!(p[gsl_error_tol] > 0)) return "gsl_error_tol: must be > 0";
    // NEST's overflow guard: exp((V_peak - V_th)/Delta_T) must stay far from DBL_MAX.
    if (p[Delta_T] > 0 && (p[V_peak] - p[V_th]) / p[Delta_T] >= std::log(std::numeric_limits<double>::max() / 1e20))
      return "V_peak: (V_peak - V_th)/Delta_T too large, exp would overflow";
    return {};
  }

  static void derive(const double* p, double h, double* k) {
    const bool expo = p[Delta_T] > 0;
    k[dt] = h;
    k[h_start] = h < 0.01 ? h : 0.01;  // NEST: IntegrationStep = min(0.01, resolution)
    k[tol] = p[gsl_error_tol];
    k[inv_c] = 1.0 / p[C_m];
    k[gl] = p[g_L];
    k[gl_delta] = expo ? p[g_L] * p[Delta_T] : 0.0;  // no exponential term when Delta_T = 0
    k[inv_delta] = expo ? 1.0 / p[Delta_T] : 0.0;
    k[vth] = p[V_th] - p[E_L];
    k[vclamp] = p[V_peak] - p[E_L];                    // bound of V in the right-hand side
    k[vpeak] = (expo ? p[V_peak] : p[V_th]) - p[E_L];  // spike detection
    k[a_] = p[a];
    k[inv_tau_w] = 1.0 / p[tau_w];
    k[b_] = p[b];
    k[e_ex] = p[E_ex] - p[E_L];
    k[e_in] = p[E_in] - p[E_L];
    k[inv_tau_ex] = 1.0 / p[tau_syn_ex];
    k[inv_tau_in] = 1.0 / p[tau_syn_in];
    k[v_reset] = p[V_reset] - p[E_L];
    k[ref_steps] = refractory_steps(p[t_ref], h);
    k[has_ref] = k[ref_steps] > 0 ? 1.0 : 0.0;
    k[i_e] = p[I_e];
  }

  static void initial_state(const double* /*p*/, double* x) {
    x[V_m] = x[w] = x[g_ex] = x[g_in] = x[refr] = 0.0;
    x[h_int] = 0.0;  // first step: min(0.01 ms, h)
  }

  // dy/dt for y = (V - E_L, w, g_ex, g_in); `lock` while refractory.
  template <class Real>
  NEUROMESH_INLINE_HOST_DEVICE static void rhs(const Real* k, bool lock, Real i, const Real* y, Real* f) {
    const Real vc = detail::select(lock, k[v_reset], y[0] < k[vclamp] ? y[0] : k[vclamp]);
    const Real spike = k[gl_delta] * math::exp((vc - k[vth]) * k[inv_delta]);
    const Real dv = (i + spike - k[gl] * vc - y[2] * (vc - k[e_ex]) - y[3] * (vc - k[e_in]) - y[1]) * k[inv_c];
    f[0] = detail::select(lock, Real(0), dv);
    f[1] = (k[a_] * vc - y[1]) * k[inv_tau_w];
    f[2] = -y[2] * k[inv_tau_ex];
    f[3] = -y[3] * k[inv_tau_in];
  }

  // x^p for x > 0 by the in-project exp and log (identical on every backend).
  template <class Real>
  NEUROMESH_INLINE_HOST_DEVICE static Real power(Real x, double p) {
    return static_cast<Real>(math::exp(p * math::log(static_cast<double>(x))));
  }

  template <class Real, bool DetectChange = true>
  NEUROMESH_INLINE_HOST_DEVICE static unsigned step(const Real* k, Real* x, Real in_ex, Real in_in, Real i_stim) {
    constexpr int n = 4;
    // Fehlberg's 4(5) coefficients: stage times are not needed (autonomous system).
    constexpr double a21 = 1.0 / 4.0;
    constexpr double a31 = 3.0 / 32.0, a32 = 9.0 / 32.0;
    constexpr double a41 = 1932.0 / 2197.0, a42 = -7200.0 / 2197.0, a43 = 7296.0 / 2197.0;
    constexpr double a51 = 439.0 / 216.0, a52 = -8.0, a53 = 3680.0 / 513.0, a54 = -845.0 / 4104.0;
    constexpr double a61 = -8.0 / 27.0, a62 = 2.0, a63 = -3544.0 / 2565.0, a64 = 1859.0 / 4104.0, a65 = -11.0 / 40.0;
    constexpr double c1 = 16.0 / 135.0, c3 = 6656.0 / 12825.0, c4 = 28561.0 / 56430.0, c5 = -9.0 / 50.0,
                     c6 = 2.0 / 55.0;  // 5th order
    constexpr double e1 = 1.0 / 360.0, e3 = -128.0 / 4275.0, e4 = -2197.0 / 75240.0, e5 = 1.0 / 50.0,
                     e6 = 2.0 / 55.0;  // 5th minus 4th order

    const Real v0 = x[V_m], w0 = x[w], ge0 = x[g_ex], gi0 = x[g_in], r = x[refr], hs0 = x[h_int];
    const Real i = k[i_e] + i_stim;
    const Real h = k[dt];
    const bool refractory = r > Real(0);
    const bool has_refractory = k[has_ref] > Real(0);
    bool lock = refractory, fired = false, need_k1 = true;
    Real y[n] = {v0, w0, ge0, gi0};
    Real k1[n], k2[n], k3[n], k4[n], k5[n], k6[n], k7[n], yt[n], yn[n];
    Real hs = hs0 > Real(0) ? hs0 : k[h_start];
    Real t = 0;
    for (int it = 0; it < max_internal_steps && t < h; ++it) {
      if (need_k1) rhs(k, lock, i, y, k1);
      need_k1 = false;
      const Real rest = h - t;
      const bool last = it == max_internal_steps - 1;
      const bool final_step = last | (hs >= rest);
      const Real s = final_step ? rest : hs;
      for (int c = 0; c < n; ++c) yt[c] = y[c] + s * (Real(a21) * k1[c]);
      rhs(k, lock, i, yt, k2);
      for (int c = 0; c < n; ++c) yt[c] = y[c] + s * (Real(a31) * k1[c] + Real(a32) * k2[c]);
      rhs(k, lock, i, yt, k3);
      for (int c = 0; c < n; ++c) yt[c] = y[c] + s * (Real(a41) * k1[c] + Real(a42) * k2[c] + Real(a43) * k3[c]);
      rhs(k, lock, i, yt, k4);
      for (int c = 0; c < n; ++c)
        yt[c] = y[c] + s * (Real(a51) * k1[c] + Real(a52) * k2[c] + Real(a53) * k3[c] + Real(a54) * k4[c]);
      rhs(k, lock, i, yt, k5);
      for (int c = 0; c < n; ++c)
        yt[c] = y[c] +
                s * (Real(a61) * k1[c] + Real(a62) * k2[c] + Real(a63) * k3[c] + Real(a64) * k4[c] + Real(a65) * k5[c]);
      rhs(k, lock, i, yt, k6);
      for (int c = 0; c < n; ++c)
        yn[c] =
            y[c] + s * (Real(c1) * k1[c] + Real(c3) * k3[c] + Real(c4) * k4[c] + Real(c5) * k5[c] + Real(c6) * k6[c]);
      rhs(k, lock, i, yn, k7);
      // Error control (GSL's standard control with a_y = 0, a_dydt = 1, as NEST sets it up).
      Real ratio = Real(0);
      for (int c = 0; c < n; ++c) {
        const Real err =
            s * (Real(e1) * k1[c] + Real(e3) * k3[c] + Real(e4) * k4[c] + Real(e5) * k5[c] + Real(e6) * k6[c]);
        const Real sd = s * k7[c];
        const Real d = k[tol] + k[tol] * (sd < Real(0) ? -sd : sd);
        const Real q = (err < Real(0) ? -err : err) / d;
        ratio = q > ratio ? q : ratio;
      }
      const Real t_new = final_step ? h : t + s;
      Real s_next = s;
      bool reject = false;
      if (ratio > Real(1.1)) {
        // 0.9 ratio^(-1/5) <= 0.2 from ratio >= 4.5^5.
        const Real f = ratio >= Real(1845.28125) ? Real(0.2) : Real(0.9) * power(ratio, -1.0 / 5.0);
        s_next = s * (f > Real(0.2) ? f : Real(0.2));
        reject = !last && (t_new + s_next != t_new);
        s_next = reject ? s_next : s;
      } else if (ratio < Real(0.5)) {
        // 0.9 ratio^(-1/6) >= 5 below ratio = 0.18^6; <= 1 above 0.9^6.
        Real f = ratio <= Real(3.4012224e-05) ? Real(5) : Real(0.9) * power(ratio, -1.0 / 6.0);
        f = f > Real(5) ? Real(5) : f;
        s_next = s * (f < Real(1) ? Real(1) : f);
      }
      hs = s_next;
      if (reject) continue;
      t = t_new;
      for (int c = 0; c < n; ++c) {
        y[c] = yn[c];
        k1[c] = k7[c];
      }
      if (lock) {
        y[0] = k[v_reset];
      } else if (y[0] >= k[vpeak]) {
        y[0] = k[v_reset];
        y[1] = y[1] + k[b_];
        fired = true;
        lock = has_refractory;
        need_k1 = true;  // the state (and maybe the lock) changed: the end derivative is stale
      }
    }
    const Real r_new = detail::select(fired, k[ref_steps], detail::select(refractory, r - Real(1), Real(0)));
    const Real ge_new = y[2] + in_ex;
    const Real gi_new = y[3] + in_in;
    const bool changed = (y[0] != v0) | (y[1] != w0) | (r_new != r) | (ge_new != ge0) | (gi_new != gi0) | (hs != hs0);
    x[V_m] = y[0];
    x[w] = y[1];
    x[g_ex] = ge_new;
    x[g_in] = gi_new;
    x[refr] = r_new;
    x[h_int] = hs;
    return step_result<DetectChange>(fired, changed);
  }
};

}  // namespace neuromesh
