#pragma once
// iaf_cond_alpha — leaky integrate-and-fire neuron with alpha-function synaptic conductances (NEST
// model of the same name, models/iaf_cond_alpha.{h,cpp} in NEST 3.10; Kuhn, Aertsen & Rotter 2004,
// J. Neurosci. 24:2345). PyNN's IF_cond_alpha.
//
//   C_m dV/dt = -g_L (V - E_L) - g_ex (V - E_ex) - g_in (V - E_in) + I_e + I_stim
//   dg_x/dt = dg'_x - g_x / tau_syn_x,   d(dg'_x)/dt = -dg'_x / tau_syn_x          (x = ex, in)
//   spike of weight w [nS]: dg'_x += w e / tau_syn_x, so g_x(t) = w (t/tau) e^(1 - t/tau), peak w
//   V >= V_th: spike, V <- V_reset, V clamped for t_ref (the conductances keep evolving).
//
// Units: V_m, V_th, V_reset, E_x, E_L [mV]; C_m [pF]; g_L, g_x [nS]; dg'_x [nS/ms] (NEST's state
// dg_ex / dg_in); tau_syn_x, t_ref [ms]; I_e [pA]. Parameters, defaults and state names as NEST's.
//
// Integration, as iaf_cond_exp.hpp (whose accuracy notes apply): NEST integrates with GSL's
// adaptive RKF45 (absolute tolerance 1e-3 on every component); here, for identical arithmetic on
// every backend, the conductance pair is propagated exactly, with q = exp(-t/tau_syn_x):
//   dg'_x(t) = dg'_x(0) q,   g_x(t) = (g_x(0) + dg'_x(0) t) q,
// and V by classical RK4 in `substeps` = 2 substeps of h/2 (the linear ODE V' = b(t) - a(t) V, the
// conductances at the RK4 stage times taken from the exact solution). One 300 nS input at NEST's
// defaults (tau_syn_ex = 0.2 ms, PSP 31 mV), max |V - V_ref| against RK4 at h/1000: 1.2e-3 mV with
// one substep (as large as NEST's own tolerance), 9e-5 mV with two. V, E_ex and E_in are stored relative
// to E_L, so with I_e = 0 and no input the resting state (all zero) is an exact fixed point.
// NEST's update order: integrate over the step; refractory: count down and V <- V_reset, else
// V >= V_th is a spike (V <- V_reset, refractory for t_ref, NEST's ceil of the tics); then this
// step's spike input is added to dg'_x.
// Measured against NEST 3.10 (tests/crosscheck: h = 0.1 ms, 1000 ms, double): every spike in
// NEST's step; max |dV| 8.2e-5 mV with 300 nS inputs, 9e-12 mV under DC (tolerance 1e-3 mV, NEST's).
#include <cmath>
#include <limits>

#include <neuromesh/neurons/model.hpp>

namespace neuromesh {

struct iaf_cond_alpha {
  static constexpr std::string_view name = "iaf_cond_alpha";
  static constexpr receptor_kind input = receptor_kind::conductance;
  // RK4 substeps per time step (accuracy notes above).
  static constexpr int substeps = 2;

  enum param : int { V_th, V_reset, t_ref, g_L, C_m, E_ex, E_in, E_L, tau_syn_ex, tau_syn_in, I_e, n_params };
  static constexpr std::array<parameter_spec, n_params> parameters{{
      {"V_th", -55.0, "mV", "spike threshold"},
      {"V_reset", -60.0, "mV", "reset potential"},
      {"t_ref", 2.0, "ms", "refractory period"},
      {"g_L", 16.6667, "nS", "leak conductance"},
      {"C_m", 250.0, "pF", "membrane capacitance"},
      {"E_ex", 0.0, "mV", "excitatory reversal potential"},
      {"E_in", -85.0, "mV", "inhibitory reversal potential"},
      {"E_L", -70.0, "mV", "leak reversal (resting) potential"},
      {"tau_syn_ex", 0.2, "ms", "rise time of the excitatory alpha conductance"},
      {"tau_syn_in", 2.0, "ms", "rise time of the inhibitory alpha conductance"},
      {"I_e", 0.0, "pA", "constant external current"},
  }};

  enum var : int { V_m, g_ex, dg_ex, g_in, dg_in, refr, n_state };
  static constexpr std::array<state_spec, n_state> state{{
      {"V_m", "mV", E_L},
      {"g_ex", "nS", -1},
      {"dg_ex", "nS/ms", -1},
      {"g_in", "nS", -1},
      {"dg_in", "nS/ms", -1},
      {"refractory_steps", "steps", -1},
  }};

  enum constant : int {
    dt,
    half_dt,
    sixth_dt,
    inv_c,
    gl,
    e_ex,
    e_in,
    P_ex,  // exp(-sub / (2 tau_syn_ex)): the decay over half a substep
    P_in,
    theta,
    v_reset,
    i_e,
    ref_steps,
    jump_ex,  // e / tau_syn_x: dg'_x per nS of weight
    jump_in,
    n_constants_
  };
  static constexpr std::size_t n_constants = n_constants_;

  // Every parameter is a finite number here: the shared validation refuses NaN and +-inf in
  // scalars, arrays (core/src/network.cpp validate_value) and drawn values (initial_values.hpp).
  static std::string check(const double* p, double /*h*/) {
    if (!(p[C_m] > 0)) return "C_m: must be > 0 pF";
    if (!(p[g_L] > 0)) return "g_L: must be > 0 nS";
    if (!(p[tau_syn_ex] > 0)) return "tau_syn_ex: must be > 0 ms";
    if (!(p[tau_syn_in] > 0)) return "tau_syn_in: must be > 0 ms";
    if (!(p[t_ref] >= 0)) return "t_ref: must be >= 0 ms";
    if (!(p[V_reset] < p[V_th])) return "V_reset: must be below V_th";
    return {};
  }

  static void derive(const double* p, double h, double* k) {
    const double sub = h / substeps;
    k[dt] = sub;
    k[half_dt] = 0.5 * sub;
    k[sixth_dt] = sub / 6.0;
    k[inv_c] = 1.0 / p[C_m];
    k[gl] = p[g_L];
    k[e_ex] = p[E_ex] - p[E_L];
    k[e_in] = p[E_in] - p[E_L];
    k[P_ex] = std::exp(-0.5 * sub / p[tau_syn_ex]);
    k[P_in] = std::exp(-0.5 * sub / p[tau_syn_in]);
    k[theta] = p[V_th] - p[E_L];
    k[v_reset] = p[V_reset] - p[E_L];
    k[i_e] = p[I_e];
    k[ref_steps] = refractory_steps(p[t_ref], h);
    k[jump_ex] = 2.718281828459045 / p[tau_syn_ex];
    k[jump_in] = 2.718281828459045 / p[tau_syn_in];
  }

  static void initial_state(const double* /*p*/, double* x) {
    for (int j = 0; j < n_state; ++j) x[j] = 0.0;
  }

  // The exact alpha pair over half a step: (g, dg) at t -> at t + h/2.
  template <class Real>
  NEUROMESH_INLINE_HOST_DEVICE static void half_step(Real half, Real q, Real& g, Real& dg) {
    g = (g + dg * half) * q;
    dg = dg * q;
  }

  template <class Real, bool DetectChange = true>
  NEUROMESH_INLINE_HOST_DEVICE static unsigned step(const Real* k, Real* x, Real in_ex, Real in_in, Real i_stim) {
    const Real v = x[V_m], r = x[refr];
    const Real i = k[i_e] + i_stim;
    Real vs = v, ge = x[g_ex], dge = x[dg_ex], gi = x[g_in], dgi = x[dg_in];
    for (int s = 0; s < substeps; ++s) {
      // Conductances at the stage times 0, sub/2, sub of the substep.
      Real ge1 = ge, gi1 = gi;
      half_step(k[half_dt], k[P_ex], ge1, dge);
      half_step(k[half_dt], k[P_in], gi1, dgi);
      Real ge2 = ge1, gi2 = gi1;
      half_step(k[half_dt], k[P_ex], ge2, dge);
      half_step(k[half_dt], k[P_in], gi2, dgi);
      // RK4 for V' = b - a V with a = (g_L + g_ex + g_in)/C, b = (I + g_ex E_ex + g_in E_in)/C.
      const Real a0 = (k[gl] + ge + gi) * k[inv_c], b0 = (i + ge * k[e_ex] + gi * k[e_in]) * k[inv_c];
      const Real a1 = (k[gl] + ge1 + gi1) * k[inv_c], b1 = (i + ge1 * k[e_ex] + gi1 * k[e_in]) * k[inv_c];
      const Real a2 = (k[gl] + ge2 + gi2) * k[inv_c], b2 = (i + ge2 * k[e_ex] + gi2 * k[e_in]) * k[inv_c];
      const Real k1 = b0 - a0 * vs;
      const Real k2 = b1 - a1 * (vs + k[half_dt] * k1);
      const Real k3 = b1 - a1 * (vs + k[half_dt] * k2);
      const Real k4 = b2 - a2 * (vs + k[dt] * k3);
      vs = vs + k[sixth_dt] * ((k1 + k4) + Real(2) * (k2 + k3));
      ge = ge2;
      gi = gi2;
    }
    const bool free = r <= Real(0);
    Real v_new = detail::select(free, vs, k[v_reset]);
    Real r_new = detail::select(free, Real(0), r - Real(1));
    // Refractory neurons compare against +inf, so they cannot fire whatever V_reset and V_th are
    // in the run's precision. Not `free & (v_new >= theta)`: GCC 12 kept that `&` of two
    // comparisons as a branch and left the update over neurons scalar (bm_neuron_update: 77 M
    // updates/s in float and double; vectorised ~500 M float, ~250 M double).
    const Real threshold = detail::select(free, k[theta], std::numeric_limits<Real>::infinity());
    const bool fire = v_new >= threshold;
    v_new = detail::select(fire, k[v_reset], v_new);
    r_new = detail::select(fire, k[ref_steps], r_new);
    const Real dge_new = dge + in_ex * k[jump_ex];  // this step's input, after the integration
    const Real dgi_new = dgi + in_in * k[jump_in];
    const bool changed =
        (v_new != v) | (r_new != r) | (ge != x[g_ex]) | (gi != x[g_in]) | (dge_new != x[dg_ex]) | (dgi_new != x[dg_in]);
    x[V_m] = v_new;
    x[g_ex] = ge;
    x[dg_ex] = dge_new;
    x[g_in] = gi;
    x[dg_in] = dgi_new;
    x[refr] = r_new;
    return step_result<DetectChange>(fire, changed);
  }
};

}  // namespace neuromesh
