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
// Integration as NEST: GSL's RKF45 with gsl_odeiv_control_y_new(1e-3, 0) -- absolute tolerance
// 1e-3 on every component, adaptive internal steps carried over from step to step, starting at h
// (rkf45.hpp: gsl_evolve, with GSL's own quirks), with the in-project exp (identical on every
// backend). The rate functions' removable singularities (V = -40, -55 mV) take their limits
// (1 and 0.1 per ms) instead of 0/0. This step's spike input is added after the integration.
// Measured against NEST 3.10 (tests/crosscheck, h = 0.1 ms, 1000 ms, double): every spike in
// NEST's step; the table's row states the V_m tolerance and what was measured.
#include <cmath>

#include <neuromesh/neurons/hh_step.hpp>
#include <neuromesh/neurons/model.hpp>

namespace neuromesh {

struct hh_psc_alpha {
  static constexpr std::string_view name = "hh_psc_alpha";
  static constexpr receptor_kind input = receptor_kind::current;
  static constexpr int max_tries = 10000;  // bound on RKF45 tries per time step (rkf45.hpp)
  static constexpr int n = 8;              // ODE components

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
      {"integration_step", "ms", -1},  // last internal step size; <= 0: start at h
  }};

  enum constant : int {
    dt,
    gna,
    gk,
    gl,
    ena,
    ek,
    el,
    inv_c,
    inv_tau_ex,
    inv_tau_in,
    i_e,
    ref_steps,
    jump_ex,
    jump_in,
    n_constants_
  };
  static constexpr std::size_t n_constants = n_constants_;

  static std::string check(const double* p, double /*h*/) {
    for (int j = 0; j < n_params; ++j)
      if (!std::isfinite(p[j])) return std::string(parameters[j].name) + ": must be a finite number";
    if (!(p[C_m] > 0)) return "C_m: must be > 0 pF";
    if (!(p[t_ref] >= 0)) return "t_ref: must be >= 0 ms";
    if (!(p[tau_syn_ex] > 0)) return "tau_syn_ex: must be > 0 ms";
    if (!(p[tau_syn_in] > 0)) return "tau_syn_in: must be > 0 ms";
    if (!(p[g_Na] >= 0)) return "g_Na: must be >= 0 nS";
    if (!(p[g_K] >= 0)) return "g_K: must be >= 0 nS";
    if (!(p[g_L] >= 0)) return "g_L: must be >= 0 nS";
    return {};
  }

  static void derive(const double* p, double h, double* k) {
    k[dt] = h;
    k[gna] = p[g_Na];
    k[gk] = p[g_K];
    k[gl] = p[g_L];
    k[ena] = p[E_Na];
    k[ek] = p[E_K];
    k[el] = p[E_L];
    k[inv_c] = 1.0 / p[C_m];
    k[inv_tau_ex] = 1.0 / p[tau_syn_ex];
    k[inv_tau_in] = 1.0 / p[tau_syn_in];
    k[i_e] = p[I_e];
    k[ref_steps] = refractory_steps(p[t_ref], h);
    k[jump_ex] = 2.718281828459045 / p[tau_syn_ex];
    k[jump_in] = 2.718281828459045 / p[tau_syn_in];
  }

  // NEST's initial state: V = -65 mV and the gates' steady state there (host, once).
  static void initial_state(const double* /*p*/, double* x) {
    for (int j = 0; j < n_state; ++j) x[j] = 0.0;
    const double v = -65.0;
    const double an = 0.01 * (v + 55.0) / (1.0 - std::exp(-(v + 55.0) / 10.0));
    const double bn = 0.125 * std::exp(-(v + 65.0) / 80.0);
    const double am = 0.1 * (v + 40.0) / (1.0 - std::exp(-(v + 40.0) / 10.0));
    const double bm = 4.0 * std::exp(-(v + 65.0) / 18.0);
    const double ah = 0.07 * std::exp(-(v + 65.0) / 20.0);
    const double bh = 1.0 / (1.0 + std::exp(-(v + 35.0) / 10.0));
    x[V_m] = v;
    x[Act_m] = am / (am + bm);
    x[Inact_h] = ah / (ah + bh);
    x[Act_n] = an / (an + bn);
  }

  // a x / (1 - exp(-x / b)), with its limit a b at x = 0.
  template <class Real>
  NEUROMESH_INLINE_HOST_DEVICE static Real rate(Real a, Real x, Real b) {
    const Real d = Real(1) - math::exp_simd(-x / b);
    return detail::select(x == Real(0), a * b, a * x / d);
  }

  template <class Real>
  struct rhs {
    const Real* k;
    Real i;  // I_e + I_stim
    NEUROMESH_INLINE_HOST_DEVICE void operator()(const Real* y, Real* f) const {
      const Real v = y[V_m], m = y[Act_m], h = y[Inact_h], nn = y[Act_n];
      const Real alpha_n = rate(Real(0.01), v + Real(55), Real(10));
      const Real beta_n = Real(0.125) * math::exp_simd(-(v + Real(65)) / Real(80));
      const Real alpha_m = rate(Real(0.1), v + Real(40), Real(10));
      const Real beta_m = Real(4) * math::exp_simd(-(v + Real(65)) / Real(18));
      const Real alpha_h = Real(0.07) * math::exp_simd(-(v + Real(65)) / Real(20));
      const Real beta_h = Real(1) / (Real(1) + math::exp_simd(-(v + Real(35)) / Real(10)));
      const Real i_na = k[gna] * m * m * m * h * (v - k[ena]);
      const Real i_k = k[gk] * nn * nn * nn * nn * (v - k[ek]);
      const Real i_l = k[gl] * (v - k[el]);
      f[V_m] = (-(i_na + i_k + i_l) + i + y[I_ex] + y[I_in]) * k[inv_c];
      f[Act_m] = alpha_m * (Real(1) - m) - beta_m * m;
      f[Inact_h] = alpha_h * (Real(1) - h) - beta_h * h;
      f[Act_n] = alpha_n * (Real(1) - nn) - beta_n * nn;
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

  template <class Real, bool DetectChange = true>
  NEUROMESH_INLINE_HOST_DEVICE static unsigned step(const Real* k, Real* x, Real in_ex, Real in_in, Real i_stim) {
    return detail::hh_step<hh_psc_alpha, Real, DetectChange>(k, x, in_ex, in_in, i_stim);
  }
};

}  // namespace neuromesh
