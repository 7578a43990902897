#pragma once
// hh_cond_exp_traub — modified Hodgkin-Huxley neuron of the Brette et al. (2007) simulator review
// (benchmark 3, COBAHH; J. Comput. Neurosci. 23:349), after Traub & Miles (1991), with
// exponentially decaying synaptic conductances (NEST model of the same name,
// models/hh_cond_exp_traub.{h,cpp} in NEST 3.10). PyNN's HH_cond_exp.
//
//   C_m dV/dt = -g_Na m^3 h (V - E_Na) - g_K n^4 (V - E_K) - g_L (V - E_L)
//               - g_ex (V - E_ex) - g_in (V - E_in) + I_e + I_stim
//   dx/dt = alpha_x - (alpha_x + beta_x) x   (x = m, h, n), with u = V - V_T:
//     alpha_m = 0.32 (13 - u) / (exp((13 - u)/4) - 1)     beta_m = 0.28 (u - 40) / (exp((u - 40)/5) - 1)
//     alpha_h = 0.128 exp((17 - u)/18)                     beta_h = 4 / (1 + exp((40 - u)/5))
//     alpha_n = 0.032 (15 - u) / (exp((15 - u)/5) - 1)    beta_n = 0.5 exp((10 - u)/40)
//   dg_x/dt = -g_x / tau_syn_x,   spike of weight w [nS]: g_x += w
// Spike detection, as NEST: a spike is emitted at the end of a step in which V fell while
// V_end >= V_T + 30 mV, unless within t_ref of the last spike (only detection is suppressed).
//
// Units: V_m, V_T, E_x [mV]; C_m [pF]; g_x [nS]; I_e [pA]; tau_syn_x, t_ref [ms]; rates 1/ms.
// Parameters, defaults, state and recordable names as NEST's. Initial state: V_m = E_L and the
// gates at NEST's initial values, which evaluate the rate functions at u = E_L (not E_L - V_T:
// NEST's constructor does so; Act_m = 9.9e-9, Act_n = 2.6e-7, Inact_h = 1 - 8.9e-10 at defaults).
//
// Integration, spike input and detection: hh_common.hpp (NEST's GSL RKF45, tolerance 1e-3, with
// the in-project exp; vectorised lanes between action potentials). Singular rate functions at
// u = 13, 15, 40 mV take their limits (1.28, 0.16, 1.4 per ms). Against NEST 3.10: every spike
// in NEST's step (tests/crosscheck; its row states the V_m tolerance and what was measured).
#include <neuromesh/neurons/hh_common.hpp>

namespace neuromesh {

struct hh_cond_exp_traub : detail::hh_model<hh_cond_exp_traub> {
  static constexpr std::string_view name = "hh_cond_exp_traub";
  static constexpr receptor_kind input = receptor_kind::conductance;
  static constexpr int n = 6;  // ODE components

  enum param : int {
    g_Na,
    g_K,
    g_L,
    C_m,
    E_Na,
    E_K,
    E_L,
    V_T,
    E_ex,
    E_in,
    tau_syn_ex,
    tau_syn_in,
    t_ref,
    I_e,
    n_params
  };
  static constexpr std::array<parameter_spec, n_params> parameters{{
      {"g_Na", 20000.0, "nS", "sodium peak conductance"},
      {"g_K", 6000.0, "nS", "potassium peak conductance"},
      {"g_L", 10.0, "nS", "leak conductance"},
      {"C_m", 200.0, "pF", "membrane capacitance"},
      {"E_Na", 50.0, "mV", "sodium reversal potential"},
      {"E_K", -90.0, "mV", "potassium reversal potential"},
      {"E_L", -60.0, "mV", "leak reversal potential"},
      {"V_T", -63.0, "mV", "voltage offset of the rate functions (threshold near -50 mV)"},
      {"E_ex", 0.0, "mV", "excitatory reversal potential"},
      {"E_in", -80.0, "mV", "inhibitory reversal potential"},
      {"tau_syn_ex", 5.0, "ms", "excitatory conductance decay time"},
      {"tau_syn_in", 10.0, "ms", "inhibitory conductance decay time"},
      {"t_ref", 2.0, "ms", "refractory period of spike detection"},
      {"I_e", 0.0, "pA", "constant external current"},
  }};

  enum var : int { V_m, Act_m, Inact_h, Act_n, g_ex, g_in, refr, h_int, n_state };
  static constexpr std::array<state_spec, n_state> state{{
      {"V_m", "mV", -1},
      {"Act_m", "", -1},
      {"Inact_h", "", -1},
      {"Act_n", "", -1},
      {"g_ex", "nS", -1},
      {"g_in", "nS", -1},
      {"refractory_steps", "steps", -1},
      {"integration_step", "ms", -1},  // last internal step size (<= h); <= 0: start at h
  }};

  enum constant : int { vt = n_common, e_ex, e_in, v_spike, n_constants_ };
  static constexpr std::size_t n_constants = n_constants_;

  static void derive(const double* p, double h, double* k) {
    derive_common(p, h, k);
    k[vt] = p[V_T];
    k[e_ex] = p[E_ex];
    k[e_in] = p[E_in];
    k[v_spike] = p[V_T] + 30.0;
  }

  // The rate functions at u (= V - V_T in the dynamics): alpha_m, beta_m, alpha_h, beta_h,
  // alpha_n, beta_n [1/ms].
  template <class Real>
  NEUROMESH_INLINE_HOST_DEVICE static void rates(Real u, Real* r) {
    r[0] = detail::hh_rate(Real(0.32), Real(13) - u, Real(4));
    r[1] = detail::hh_rate(Real(0.28), u - Real(40), Real(5));
    r[2] = Real(0.128) * math::exp_simd((Real(17) - u) / Real(18));
    r[3] = Real(4) / (Real(1) + math::exp_simd((Real(40) - u) / Real(5)));
    r[4] = detail::hh_rate(Real(0.032), Real(15) - u, Real(5));
    r[5] = Real(0.5) * math::exp_simd((Real(10) - u) / Real(40));
  }

  // NEST's initial state: V = E_L, gates from the rate functions at u = E_L (host, once).
  static void initial_state(const double* p, double* x) { resting_gates(p[E_L], x); }

  template <class Real>
  struct rhs {
    const Real* k;
    Real i;  // I_e + I_stim
    NEUROMESH_INLINE_HOST_DEVICE void operator()(const Real* y, Real* f) const {
      const Real v = y[V_m], m = y[Act_m], h = y[Inact_h], nn = y[Act_n];
      Real i_na, i_k, i_l;
      ionic(k, v, m, h, nn, i_na, i_k, i_l);
      const Real i_ex = y[g_ex] * (v - k[e_ex]);
      const Real i_in = y[g_in] * (v - k[e_in]);
      f[V_m] = (-i_na - i_k - i_l - i_ex - i_in + i) * k[inv_c];
      Real r[6];
      rates(v - k[vt], r);
      f[Act_m] = r[0] - (r[0] + r[1]) * m;
      f[Inact_h] = r[2] - (r[2] + r[3]) * h;
      f[Act_n] = r[4] - (r[4] + r[5]) * nn;
      f[g_ex] = -y[g_ex] * k[inv_tau_ex];
      f[g_in] = -y[g_in] * k[inv_tau_in];
    }
  };

  // This step's spike input: g_x += w.
  template <class Real>
  NEUROMESH_INLINE_HOST_DEVICE static void add_input(const Real*, Real* y, Real in_ex, Real in_in) {
    y[g_ex] = y[g_ex] + in_ex;
    y[g_in] = y[g_in] + in_in;
  }
  template <class Real>
  NEUROMESH_INLINE_HOST_DEVICE static Real threshold(const Real* k) {
    return k[v_spike];  // V_T + 30 mV
  }
};

}  // namespace neuromesh
