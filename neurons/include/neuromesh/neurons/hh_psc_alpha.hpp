#pragma once
// hh_psc_alpha — Hodgkin-Huxley neuron with alpha-function synaptic currents (NEST model of the
// same name, models/hh_psc_alpha.{h,cpp} in NEST 3.10; Hodgkin & Huxley 1952, J. Physiol. 117:500;
// rate functions as in Gerstner & Kistler 2002 and Dayan & Abbott 2001, V in mV, rates in 1/ms).
//
//   C_m dV/dt = -g_Na m^3 h (V - E_Na) - g_K n^4 (V - E_K) - g_L (V - E_L) + I_ex + I_in + I_e + I_stim
//   dx/dt = alpha_x(V) (1 - x) - beta_x(V) x                                  (x = m, h, n)
//     alpha_m = 0.1 (V + 40) / (1 - exp(-(V + 40)/10))     beta_m = 4 exp(-(V + 65)/18)
//     alpha_h = 0.07 exp(-(V + 65)/20)                      beta_h = 1 / (1 + exp(-(V + 35)/10))
//     alpha_n = 0.01 (V + 55) / (1 - exp(-(V + 55)/10))    beta_n = 0.125 exp(-(V + 65)/80)
//   dI_x/dt = dI'_x - I_x / tau_syn_x,   d(dI'_x)/dt = -dI'_x / tau_syn_x              (x = ex, in)
//   spike of weight w [pA]: dI'_x += w e / tau_syn_x, so I_x(t) = w (t/tau) e^(1 - t/tau), peak w
//   (inhibitory weights are negative currents, NEST's sign rule).
// Spike detection, as NEST: no threshold crossing resets anything; a spike is emitted at the end
// of a step in which V fell (V_start > V_end) while V_end >= 0 mV, unless the neuron is within
// t_ref of its last spike (pseudo-refractoriness: only the detection is suppressed).
//
// Units: V_m, E_x [mV]; C_m [pF]; g_x [nS]; I_x, I_e [pA]; dI'_x [pA/ms]; tau_syn_x, t_ref [ms];
// m, h, n dimensionless. Parameters, defaults and state names as NEST's (recordables Act_m,
// Inact_h, Act_n, I_syn_ex, I_syn_in; dI_syn_x are NEST's internal dI_ex / dI_in). Initial state
// as NEST's: V_m = -65 mV (not E_L), m, h, n at their steady state for -65 mV, no input.
//
// Integrated as NEST does, with GSL's adaptive RKF45 (absolute tolerance 1e-3 on every
// component, internal step carried over) in hh_common.hpp, which also adds the spike input after
// the integration and detects spikes. The singular rates at V = -40, -55 mV take their limits
// (1 and 0.1 per ms) instead of 0/0. tests/crosscheck compares it with NEST 3.10 (h = 0.1 ms,
// 1000 ms, double): every spike in NEST's step, V_m within the tolerance its row states.
#include <neuromesh/neurons/hh_common.hpp>

namespace neuromesh {

struct hh_psc_alpha : detail::hh_model<hh_psc_alpha> {
  static constexpr std::string_view name = "hh_psc_alpha";
  static constexpr receptor_kind input = receptor_kind::current;
  static constexpr int n = 8;  // ODE components

  enum param : int { t_ref, g_Na, g_K, g_L, C_m, E_Na, E_K, E_L, tau_syn_ex, tau_syn_in, I_e, n_params };
  static constexpr std::array<parameter_spec, n_params> parameters{{
      {"t_ref", 2.0, "ms", "refractory period of spike detection"},
      {"g_Na", 12000.0, "nS", "sodium peak conductance"},
      {"g_K", 3600.0, "nS", "potassium peak conductance"},
      {"g_L", 30.0, "nS", "leak conductance"},
      {"C_m", 100.0, "pF", "membrane capacitance"},
      {"E_Na", 50.0, "mV", "sodium reversal potential"},
      {"E_K", -77.0, "mV", "potassium reversal potential"},
      {"E_L", -54.402, "mV", "leak reversal potential"},
      {"tau_syn_ex", 0.2, "ms", "rise time of the excitatory alpha current"},
      {"tau_syn_in", 2.0, "ms", "rise time of the inhibitory alpha current"},
      {"I_e", 0.0, "pA", "constant external current"},
  }};

  enum var : int { V_m, Act_m, Inact_h, Act_n, dI_ex, I_ex, dI_in, I_in, refr, h_int, n_state };
  static constexpr std::array<state_spec, n_state> state{{
      {"V_m", "mV", -1},
      {"Act_m", "", -1},
      {"Inact_h", "", -1},
      {"Act_n", "", -1},
      {"dI_syn_ex", "pA/ms", -1},
      {"I_syn_ex", "pA", -1},
      {"dI_syn_in", "pA/ms", -1},
      {"I_syn_in", "pA", -1},
      {"refractory_steps", "steps", -1},
      {"integration_step", "ms", -1},  // last internal step size (<= h); <= 0: start at h
  }};

  enum constant : int { jump_ex = n_common, jump_in, n_constants_ };
  static constexpr std::size_t n_constants = n_constants_;

  static void derive(const double* p, double h, double* k) {
    derive_common(p, h, k);
    k[jump_ex] = 2.718281828459045 / p[tau_syn_ex];
    k[jump_in] = 2.718281828459045 / p[tau_syn_in];
  }

  // The rate functions at V = v: alpha_m, beta_m, alpha_h, beta_h, alpha_n, beta_n [1/ms]
  // (alpha_x = a x / (1 - exp(-x / b)) as hh_rate with z = -x).
  template <class Real>
  NEUROMESH_INLINE_HOST_DEVICE static void rates(Real v, Real* r) {
    r[0] = detail::hh_rate(Real(0.1), -(v + Real(40)), Real(10));
    r[1] = Real(4) * math::exp_simd(-(v + Real(65)) / Real(18));
    r[2] = Real(0.07) * math::exp_simd(-(v + Real(65)) / Real(20));
    r[3] = Real(1) / (Real(1) + math::exp_simd(-(v + Real(35)) / Real(10)));
    r[4] = detail::hh_rate(Real(0.01), -(v + Real(55)), Real(10));
    r[5] = Real(0.125) * math::exp_simd(-(v + Real(65)) / Real(80));
  }

  // NEST's initial state: V = -65 mV and the gates' steady state there (host, once).
  static void initial_state(const double* /*p*/, double* x) { resting_gates(-65.0, x); }

  template <class Real>
  struct rhs {
    const Real* k;
    Real i;  // I_e + I_stim
    NEUROMESH_INLINE_HOST_DEVICE void operator()(const Real* y, Real* f) const {
      const Real v = y[V_m], m = y[Act_m], h = y[Inact_h], nn = y[Act_n];
      Real r[6];
      rates(v, r);
      Real i_na, i_k, i_l;
      ionic(k, v, m, h, nn, i_na, i_k, i_l);
      f[V_m] = (-(i_na + i_k + i_l) + i + y[I_ex] + y[I_in]) * k[inv_c];
      f[Act_m] = r[0] * (Real(1) - m) - r[1] * m;
      f[Inact_h] = r[2] * (Real(1) - h) - r[3] * h;
      f[Act_n] = r[4] * (Real(1) - nn) - r[5] * nn;
      f[dI_ex] = -y[dI_ex] * k[inv_tau_ex];
      f[I_ex] = y[dI_ex] - y[I_ex] * k[inv_tau_ex];
      f[dI_in] = -y[dI_in] * k[inv_tau_in];
      f[I_in] = y[dI_in] - y[I_in] * k[inv_tau_in];
    }
  };

  // This step's spike input: dI'_x += w e / tau_syn_x.
  template <class Real>
  NEUROMESH_INLINE_HOST_DEVICE static void add_input(const Real* k, Real* y, Real in_ex, Real in_in) {
    y[dI_ex] = y[dI_ex] + in_ex * k[jump_ex];
    y[dI_in] = y[dI_in] + in_in * k[jump_in];
  }
  template <class Real>
  NEUROMESH_INLINE_HOST_DEVICE static Real threshold(const Real*) {
    return Real(0);  // mV
  }
};

}  // namespace neuromesh
