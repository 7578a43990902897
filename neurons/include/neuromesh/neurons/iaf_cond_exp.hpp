#pragma once
// iaf_cond_exp — leaky integrate-and-fire neuron with exponentially decaying synaptic
// conductances (NEST model of the same name; Kuhn, Aertsen & Rotter 2004, J. Neurosci. 24:2345;
// the COBA benchmark of Brette et al. 2007, J. Comput. Neurosci. 23:349).
//
//   C_m dV/dt = -g_L (V - E_L) - g_ex (V - E_ex) - g_in (V - E_in) + I_e + I_stim
//   dg_x/dt = -g_x / tau_syn_x,   spike of weight w [nS]: g_x += w
//
// Integration. NEST uses adaptive RKF45 (GSL); a fixed-step scheme is needed here for identical
// arithmetic on every backend. The conductances are propagated exactly, g_x <- exp(-h/tau_x) g_x.
// V is advanced by classical RK4 in `substeps` substeps of h/substeps, with the conductances at
// each RK4 stage time taken from their exact exponential decay (RK4 for the non-autonomous linear
// ODE in V alone). V, E_ex and E_in are stored relative to E_L, so with I_e = 0 and no input the
// resting state (V = 0, g = 0) is an exact fixed point.
// Measured accuracy at h = 0.1 ms, max |V - V_ref| against joint RK4 of (V, g_ex, g_in) at h/1000
// (substeps = 1, the setting used; substeps = 2 in brackets):
//   - relaxation from V0 with g = 0: relative error ~1e-13 per step;
//   - one 10 nS input at NEST defaults (tau_syn_ex = 0.2 ms, h/tau = 0.5; PSP 0.53 mV):
//     1e-5 mV [7e-7]; one 300 nS input (PSP 14 mV): 3e-4 mV [2e-5];
//   - COBA regime (C_m 200 pF, g_L 10 nS, tau_syn 5/10 ms, random input, g up to ~450 nS):
//     3e-5 mV [1.6e-6], a few float ulps of V.
// One substep halves the cost (COBA: 0.059 -> ~0.035 s per simulated second) and is still far
// more accurate than the first-order exponential Euler Brian2 uses for this model.
// NEST's update order: integrate over the step with the old conductances, then this step's
// spike input is added (it takes effect from the end of the step). Spike when V >= V_th; then
// V = V_reset for t_ref, while the conductances keep evolving.
#include <cmath>

#include <neuromesh/neurons/model.hpp>

namespace neuromesh {

struct iaf_cond_exp {
  static constexpr std::string_view name = "iaf_cond_exp";
  static constexpr receptor_kind input = receptor_kind::conductance;
  // RK4 substeps per time step for V (see the accuracy notes above).
  static constexpr int substeps = 1;

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
      {"tau_syn_ex", 0.2, "ms", "excitatory conductance decay time"},
      {"tau_syn_in", 2.0, "ms", "inhibitory conductance decay time"},
      {"I_e", 0.0, "pA", "constant external current"},
  }};

  enum var : int { V_m, g_ex, g_in, refr, n_state };
  static constexpr std::array<state_spec, n_state> state{{
      {"V_m", "mV", E_L},
      {"g_ex", "nS", -1},
      {"g_in", "nS", -1},
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
    Ph_ex,
    Ph_in,
    theta,
    v_reset,
    i_e,
    ref_steps,
    n_constants_
  };
  static constexpr std::size_t n_constants = n_constants_;

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
    k[Ph_ex] = std::exp(-0.5 * sub / p[tau_syn_ex]);  // conductance decay over half a substep
    k[Ph_in] = std::exp(-0.5 * sub / p[tau_syn_in]);
    k[theta] = p[V_th] - p[E_L];
    k[v_reset] = p[V_reset] - p[E_L];
    k[i_e] = p[I_e];
    k[ref_steps] = refractory_steps(p[t_ref], h);
  }

  static void initial_state(const double* /*p*/, double* x) { x[V_m] = x[g_ex] = x[g_in] = x[refr] = 0.0; }

  // The linear ODE V' = b - a V for V relative to E_L has a = (g_L + g_ex + g_in)/C and
  // b = (I + g_ex E_ex + g_in E_in)/C; RK4 needs (a, b) at the start, middle and end of a substep.
  template <class Real>
  NEUROMESH_INLINE_HOST_DEVICE static void rates(const Real* k, Real ge, Real gi, Real i, Real& a, Real& b) {
    a = (k[gl] + ge + gi) * k[inv_c];
    b = (i + ge * k[e_ex] + gi * k[e_in]) * k[inv_c];
  }

  template <class Real, bool DetectChange = true>
  NEUROMESH_INLINE_HOST_DEVICE static unsigned step(const Real* k, Real* x, Real in_ex, Real in_in, Real i_stim) {
    const Real v = x[V_m], ge = x[g_ex], gi = x[g_in], r = x[refr];
    const Real i = k[i_e] + i_stim;
    Real vs = v, ges = ge, gis = gi;
    for (int s = 0; s < substeps; ++s) {
      const Real geh = ges * k[Ph_ex], gih = gis * k[Ph_in];  // exact decay to mid and end
      const Real ge1 = geh * k[Ph_ex], gi1 = gih * k[Ph_in];
      Real a1, b1, a2, b2, a3, b3;
      rates(k, ges, gis, i, a1, b1);
      rates(k, geh, gih, i, a2, b2);
      rates(k, ge1, gi1, i, a3, b3);
      const Real k1 = b1 - a1 * vs;
      const Real k2 = b2 - a2 * (vs + k[half_dt] * k1);
      const Real k3 = b2 - a2 * (vs + k[half_dt] * k2);
      const Real k4 = b3 - a3 * (vs + k[dt] * k3);
      vs = vs + k[sixth_dt] * ((k1 + k4) + Real(2) * (k2 + k3));
      ges = ge1;
      gis = gi1;
    }
    const bool free = r <= Real(0);
    Real v_new = detail::select(free, vs, k[v_reset]);
    Real r_new = detail::select(free, Real(0), r - Real(1));
    const Real ge_new = ges + in_ex;  // decayed over the whole step, then this step's input
    const Real gi_new = gis + in_in;
    const bool fire = v_new >= k[theta];
    v_new = detail::select(fire, k[v_reset], v_new);
    r_new = detail::select(fire, k[ref_steps], r_new);
    const bool changed = (v_new != v) | (r_new != r) | (ge_new != ge) | (gi_new != gi);
    x[V_m] = v_new;
    x[g_ex] = ge_new;
    x[g_in] = gi_new;
    x[refr] = r_new;
    return step_result<DetectChange>(fire, changed);
  }
};

}  // namespace neuromesh
