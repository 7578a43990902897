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
// Integration. NEST uses adaptive RKF45 (GSL); here, for identical arithmetic on every backend,
// classical RK4 on (V, w) in `substeps` fixed substeps of h/substeps, with the conductances at each
// stage time taken from their exact exponential decay (g_x itself is propagated exactly). As in
// NEST's right-hand side, V is replaced by min(V, V_peak) (which also bounds the argument of exp,
// so nothing overflows) and by V_reset while refractory, where dV/dt = 0 and w keeps evolving.
// The threshold is checked after every substep, as NEST checks after every adaptive step: the
// spike resets V and increments w there, and with t_ref > 0 the rest of the step is refractory.
// With t_ref = 0, at most one spike per step is reported (NEST may emit several, at > 1/h rates).
// exp is neuromesh::math::exp (determinism rule 4). V, E_ex and E_in are stored relative to E_L.
// Measured accuracy (h = 0.1 ms, NEST defaults, against RK4 at h/2000 to h/10000): with
// substeps = 8 the first spike falls in the same step as the reference for 65 of 66 currents
// I_e in 560..3000 pA and one step late otherwise (substeps = 4: 60 of 66, 2: 55 of 66);
// subthreshold V within 1e-5 mV. Over 1 s, spike times stay within 3 steps (800 pA, 17 spikes)
// and 5 steps (2000 pA, 102 spikes): the remaining drift is first order in h/substeps, because
// the reset happens at the end of the substep in which V crosses V_peak.
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
  // RK4 substeps per time step (see the accuracy notes above).
  static constexpr int substeps = 8;

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
  }};

  enum var : int { V_m, w, g_ex, g_in, refr, n_state };
  static constexpr std::array<state_spec, n_state> state{{
      {"V_m", "mV", E_L},
      {"w", "pA", -1},
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
    gl_delta,
    inv_delta,
    vth,
    vpeak,
    a_,
    inv_tau_w,
    b_,
    e_ex,
    e_in,
    Ph_ex,
    Ph_in,
    P_ex,
    P_in,
    v_reset,
    has_ref,
    i_e,
    ref_steps,
    n_constants_
  };
  static constexpr std::size_t n_constants = n_constants_;

  static std::string check(const double* p, double /*h*/) {
    if (!(p[C_m] > 0)) return "C_m: must be > 0 pF";
    if (!(p[g_L] > 0)) return "g_L: must be > 0 nS";
    if (!(p[Delta_T] >= 0)) return "Delta_T: must be >= 0 mV";
    if (!(p[tau_w] > 0)) return "tau_w: must be > 0 ms";
    if (!(p[tau_syn_ex] > 0)) return "tau_syn_ex: must be > 0 ms";
    if (!(p[tau_syn_in] > 0)) return "tau_syn_in: must be > 0 ms";
    if (!(p[t_ref] >= 0)) return "t_ref: must be >= 0 ms";
    if (!(p[V_reset] < p[V_peak])) return "V_reset: must be below V_peak";
    if (!(p[V_peak] >= p[V_th])) return "V_peak: must be >= V_th";
    // NEST's overflow guard: exp((V_peak - V_th)/Delta_T) must stay far from DBL_MAX.
    if (p[Delta_T] > 0 && (p[V_peak] - p[V_th]) / p[Delta_T] >= std::log(std::numeric_limits<double>::max() / 1e20))
      return "V_peak: (V_peak - V_th)/Delta_T too large, exp would overflow";
    return {};
  }

  static void derive(const double* p, double h, double* k) {
    const double sub = h / substeps;
    const bool expo = p[Delta_T] > 0;
    k[dt] = sub;
    k[half_dt] = 0.5 * sub;
    k[sixth_dt] = sub / 6.0;
    k[inv_c] = 1.0 / p[C_m];
    k[gl] = p[g_L];
    k[gl_delta] = expo ? p[g_L] * p[Delta_T] : 0.0;  // no exponential term when Delta_T = 0
    k[inv_delta] = expo ? 1.0 / p[Delta_T] : 0.0;
    k[vth] = p[V_th] - p[E_L];
    k[vpeak] = (expo ? p[V_peak] : p[V_th]) - p[E_L];
    k[a_] = p[a];
    k[inv_tau_w] = 1.0 / p[tau_w];
    k[b_] = p[b];
    k[e_ex] = p[E_ex] - p[E_L];
    k[e_in] = p[E_in] - p[E_L];
    k[Ph_ex] = std::exp(-0.5 * sub / p[tau_syn_ex]);  // conductance decay over half a substep
    k[Ph_in] = std::exp(-0.5 * sub / p[tau_syn_in]);
    k[P_ex] = std::exp(-h / p[tau_syn_ex]);  // and over the whole step
    k[P_in] = std::exp(-h / p[tau_syn_in]);
    k[v_reset] = p[V_reset] - p[E_L];
    k[ref_steps] = refractory_steps(p[t_ref], h);
    k[has_ref] = k[ref_steps] > 0 ? 1.0 : 0.0;
    k[i_e] = p[I_e];
  }

  static void initial_state(const double* /*p*/, double* x) { x[V_m] = x[w] = x[g_ex] = x[g_in] = x[refr] = 0.0; }

  // Right-hand side for (V, w): V relative to E_L, `lock` while refractory.
  template <class Real>
  NEUROMESH_INLINE_HOST_DEVICE static void rhs(const Real* k, bool lock, Real v, Real ww, Real ge, Real gi, Real i,
                                               Real& fv, Real& fw) {
    const Real vc = detail::select(lock, k[v_reset], v < k[vpeak] ? v : k[vpeak]);
    const Real spike = k[gl_delta] * math::exp((vc - k[vth]) * k[inv_delta]);
    const Real dv = (i + spike - k[gl] * vc - ge * (vc - k[e_ex]) - gi * (vc - k[e_in]) - ww) * k[inv_c];
    fv = detail::select(lock, Real(0), dv);
    fw = (k[a_] * vc - ww) * k[inv_tau_w];
  }

  template <class Real, bool DetectChange = true>
  NEUROMESH_INLINE_HOST_DEVICE static unsigned step(const Real* k, Real* x, Real in_ex, Real in_in, Real i_stim) {
    const Real v0 = x[V_m], w0 = x[w], ge0 = x[g_ex], gi0 = x[g_in], r = x[refr];
    const Real i = k[i_e] + i_stim;
    const bool refractory = r > Real(0);
    const bool has_refractory = k[has_ref] > Real(0);
    bool fired = false;
    Real v = v0, ww = w0, ge = ge0, gi = gi0;
    for (int s = 0; s < substeps; ++s) {
      const bool lock = refractory | (fired & has_refractory);
      const Real geh = ge * k[Ph_ex], gih = gi * k[Ph_in];
      const Real ge1 = geh * k[Ph_ex], gi1 = gih * k[Ph_in];
      Real v1, w1, v2, w2, v3, w3, v4, w4;
      rhs(k, lock, v, ww, ge, gi, i, v1, w1);
      rhs(k, lock, v + k[half_dt] * v1, ww + k[half_dt] * w1, geh, gih, i, v2, w2);
      rhs(k, lock, v + k[half_dt] * v2, ww + k[half_dt] * w2, geh, gih, i, v3, w3);
      rhs(k, lock, v + k[dt] * v3, ww + k[dt] * w3, ge1, gi1, i, v4, w4);
      v = detail::select(lock, k[v_reset], v + k[sixth_dt] * (v1 + Real(2) * v2 + Real(2) * v3 + v4));
      ww = ww + k[sixth_dt] * (w1 + Real(2) * w2 + Real(2) * w3 + w4);
      const bool fire = !lock & (v >= k[vpeak]);
      v = detail::select(fire, k[v_reset], v);
      ww = detail::select(fire, ww + k[b_], ww);
      fired = fired | fire;
      ge = ge1;
      gi = gi1;
    }
    const Real r_new = detail::select(fired, k[ref_steps], detail::select(refractory, r - Real(1), Real(0)));
    const Real ge_new = k[P_ex] * ge0 + in_ex;
    const Real gi_new = k[P_in] * gi0 + in_in;
    const bool changed = (v != v0) | (ww != w0) | (r_new != r) | (ge_new != ge0) | (gi_new != gi0);
    x[V_m] = v;
    x[w] = ww;
    x[g_ex] = ge_new;
    x[g_in] = gi_new;
    x[refr] = r_new;
    return step_result<DetectChange>(fired, changed);
  }
};

}  // namespace neuromesh
