#pragma once
// The integrator of NEST's aeif family (aeif_cond_exp, aeif_cond_alpha,
// aeif_cond_alpha_multisynapse, aeif_cond_beta_multisynapse): validation, derived constants and
// the shared step, templated on the synapses (`Syn`: their parameters, ODE components,
// conductance current and spike input).
// Equations, integrator and sources: aeif_cond_exp.hpp, which documents the whole family.
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>

#include <neuromesh/core/math.hpp>
#include <neuromesh/neurons/model.hpp>
#include <neuromesh/neurons/multisynapse.hpp>
#include <neuromesh/neurons/rkf45.hpp>

namespace neuromesh::detail {

// The parameters every aeif model has, first in its table: NEST's names, units and defaults.
struct aeif_core_params {
  enum core_param : int { C_m, g_L, E_L, V_th, Delta_T, tau_w, a, b, V_peak, V_reset, t_ref, n_core_params };
  static constexpr std::array<parameter_spec, n_core_params> core_parameters{{
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
  }};
  static constexpr parameter_spec I_e_spec{"I_e", 0.0, "pA", "constant external current"};
  static constexpr parameter_spec gsl_error_tol_spec{
      "gsl_error_tol", 1e-6, "", "absolute error tolerance of the adaptive integrator (NEST's name)"};
};

// The synapses of aeif_cond_exp / aeif_cond_alpha: an excitatory and an inhibitory conductance,
// exponential or (Alpha) alpha functions with two variables each (g_x, dg_x).
template <bool Alpha>
struct aeif_ex_in : aeif_core_params {
  enum param : int { E_ex = n_core_params, E_in, tau_syn_ex, tau_syn_in, I_e, gsl_error_tol, n_params };
  static constexpr std::array<parameter_spec, n_params> parameters =
      concat(core_parameters, std::array<parameter_spec, static_cast<std::size_t>(n_params) - n_core_params>{{
                                  {"E_ex", 0.0, "mV", "excitatory reversal potential"},
                                  {"E_in", -85.0, "mV", "inhibitory reversal potential"},
                                  {"tau_syn_ex", 0.2, "ms", "excitatory conductance decay time"},
                                  {"tau_syn_in", 2.0, "ms", "inhibitory conductance decay time"},
                                  I_e_spec,
                                  gsl_error_tol_spec,
                              }});
  // ODE components after V - E_L and w: g_ex, g_in and, for alpha kernels, dg_ex, dg_in.
  static constexpr int n_syn = Alpha ? 4 : 2;
  static constexpr int n_inputs = 2;  // excitatory, inhibitory
  static constexpr int g_ex = 2, g_in = 3;
  enum syn_constant : int { e_ex, e_in, inv_tau_ex, inv_tau_in, jump_ex, jump_in, n_syn_constants };

  static std::string check_synapses(const double* p) {
    if (!(p[tau_syn_ex] > 0)) return "tau_syn_ex: must be > 0 ms";
    if (!(p[tau_syn_in] > 0)) return "tau_syn_in: must be > 0 ms";
    return {};
  }

  static void derive_synapses(const double* p, double* s) {
    s[e_ex] = p[E_ex] - p[E_L];
    s[e_in] = p[E_in] - p[E_L];
    s[inv_tau_ex] = 1.0 / p[tau_syn_ex];
    s[inv_tau_in] = 1.0 / p[tau_syn_in];
    // A spike of weight w adds w to g_x (exp) or w e / tau_syn_x to dg_x (alpha: g_x peaks at w).
    s[jump_ex] = Alpha ? 2.718281828459045 / p[tau_syn_ex] : 1.0;
    s[jump_in] = Alpha ? 2.718281828459045 / p[tau_syn_in] : 1.0;
  }

  // The conductances' part of dy/dt (s: these constants): exponential decay, or the alpha
  // function's pair dg_x/dt = dg'_x - g_x / tau_syn_x, d(dg'_x)/dt = -dg'_x / tau_syn_x (y[4], y[5]).
  template <class Real>
  NEUROMESH_INLINE_HOST_DEVICE static void synapses(const Real* s, const Real* y, Real* f) {
    if constexpr (Alpha) {
      f[2] = y[4] - y[2] * s[inv_tau_ex];
      f[3] = y[5] - y[3] * s[inv_tau_in];
      f[4] = -y[4] * s[inv_tau_ex];
      f[5] = -y[5] * s[inv_tau_in];
    } else {
      f[2] = -y[2] * s[inv_tau_ex];
      f[3] = -y[3] * s[inv_tau_in];
    }
  }

  // acc minus the synaptic currents g_x (v - E_x) at v (relative to E_L), in this order.
  template <class Real>
  NEUROMESH_INLINE_HOST_DEVICE static Real minus_currents(const Real* s, const Real* y, Real v, Real acc) {
    return acc - y[2] * (v - s[e_ex]) - y[3] * (v - s[e_in]);
  }

  // This step's spike input (after the step): w to g_x (exp) or w e / tau_syn_x to dg_x (alpha).
  template <class Real>
  NEUROMESH_INLINE_HOST_DEVICE static void add_input(const Real* s, Real* y, const Real* in) {
    constexpr int jx = Alpha ? 4 : 2;  // the variable a spike jumps: dg_x (alpha) or g_x (exp)
    y[jx] = y[jx] + (Alpha ? in[0] * s[jump_ex] : in[0]);
    y[jx + 1] = y[jx + 1] + (Alpha ? in[1] * s[jump_in] : in[1]);
  }
};

// The receptor ports' dynamics, shared by the alpha and the beta ports (all max_ports slots; an
// absent port's constants are 0: it stays at 0 and adds nothing). Port r has g_r = y[g_1 + r] and
// dg_r = y[dg_1 + r]; the constants are per port, from s_e (E_rev - E_L), s_rise (1 / tau_rise),
// s_decay (1 / tau_decay) and s_jump (the spike's jump of dg_r per nS of weight). The alpha ports
// pass their 1 / tau_syn as both time constants, so a beta port with tau_rise == tau_decay computes
// exactly what an alpha port of that tau_syn computes (as in NEST).
struct aeif_port_kernels {
  static constexpr int max_ports = multisynapse::max_ports;
  static constexpr int g_1 = 2, dg_1 = 2 + max_ports;

  // NEST's dg_r/dt = dg'_r - g_r / tau_decay[r], d(dg'_r)/dt = -dg'_r / tau_rise[r].
  template <class Real>
  NEUROMESH_INLINE_HOST_DEVICE static void port_synapses(const Real* s_rise, const Real* s_decay, const Real* y,
                                                         Real* f) {
    NEUROMESH_UNROLL
    for (int r = 0; r < max_ports; ++r) {
      f[g_1 + r] = y[dg_1 + r] - y[g_1 + r] * s_decay[r];
      f[dg_1 + r] = -y[dg_1 + r] * s_rise[r];
    }
  }

  // acc minus the ports' currents g_r (v - E_rev[r]), in port order.
  template <class Real>
  NEUROMESH_INLINE_HOST_DEVICE static Real port_currents(const Real* s_e, const Real* y, Real v, Real acc) {
    NEUROMESH_UNROLL
    for (int r = 0; r < max_ports; ++r) acc = acc - y[g_1 + r] * (v - s_e[r]);
    return acc;
  }

  template <class Real>
  NEUROMESH_INLINE_HOST_DEVICE static void port_input(const Real* s_jump, Real* y, const Real* in) {
    NEUROMESH_UNROLL
    for (int r = 0; r < max_ports; ++r) y[dg_1 + r] = y[dg_1 + r] + in[r] * s_jump[r];
  }
};

// The synapses of aeif_cond_alpha_multisynapse: receptor ports 1..n (multisynapse.hpp), each an
// alpha-function conductance with its own tau_syn[r] and E_rev[r]; g_r and dg_r for all
// max_ports slots.
struct aeif_alpha_ports : aeif_core_params, aeif_port_kernels {
  enum param : int {
    I_e = n_core_params,
    gsl_error_tol,
    E_rev_1,
    tau_syn_1 = E_rev_1 + max_ports,
    n_params = tau_syn_1 + max_ports
  };
  static constexpr std::array<parameter_spec, n_params> parameters =
      concat(core_parameters, std::array<parameter_spec, 2>{{I_e_spec, gsl_error_tol_spec}},
             multisynapse::port_slots(multisynapse::E_rev_name, 0.0, "mV",
                                      "reversal potential of port r (E_rev[r - 1] in NEST's list; NaN: no port)"),
             multisynapse::port_slots(multisynapse::tau_syn_name, 2.0, "ms",
                                      "time constant of port r (tau_syn[r - 1] in NEST's list; NaN: no port)"));
  // ODE components after V - E_L and w: g_1 .. g_max_ports, then dg_1 .. dg_max_ports.
  static constexpr int n_syn = 2 * max_ports;
  static constexpr int n_inputs = max_ports;
  enum syn_constant : int {
    e_rev_1,
    inv_tau_1 = e_rev_1 + max_ports,
    jump_1 = inv_tau_1 + max_ports,
    n_syn_constants = jump_1 + max_ports
  };

  static std::string check_synapses(const double* p) {
    if (std::string problem = multisynapse::check_ports(p, tau_syn_1); !problem.empty()) return problem;
    for (int r = 0; r < max_ports; ++r)
      if (std::isinf(p[E_rev_1 + r])) return std::string(multisynapse::E_rev_name[r]) + ": must be finite";
    return multisynapse::check_same_ports(p, E_rev_1, multisynapse::E_rev_name, "E_rev", tau_syn_1, "tau_syn");
  }

  static void derive_synapses(const double* p, double* s) {
    for (int r = 0; r < max_ports; ++r) {
      const double tau = p[tau_syn_1 + r];
      const bool present = !std::isnan(tau);  // an absent port: all constants 0
      s[e_rev_1 + r] = present ? p[E_rev_1 + r] - p[E_L] : 0.0;
      s[inv_tau_1 + r] = present ? 1.0 / tau : 0.0;
      s[jump_1 + r] = present ? 2.718281828459045 / tau : 0.0;  // NEST's g0 = e / tau_syn: g_r peaks at w
    }
  }

  template <class Real>
  NEUROMESH_INLINE_HOST_DEVICE static void synapses(const Real* s, const Real* y, Real* f) {
    port_synapses(s + inv_tau_1, s + inv_tau_1, y, f);
  }
  template <class Real>
  NEUROMESH_INLINE_HOST_DEVICE static Real minus_currents(const Real* s, const Real* y, Real v, Real acc) {
    return port_currents(s + e_rev_1, y, v, acc);
  }
  template <class Real>
  NEUROMESH_INLINE_HOST_DEVICE static void add_input(const Real* s, Real* y, const Real* in) {
    port_input(s + jump_1, y, in);
  }
};

// NEST's beta_normalization_factor (libnestutil/beta_normalization_factor.h, NEST 3.10): the jump
// of dg per nS of weight that makes the beta conductance peak at the weight,
// (1/tau_rise - 1/tau_decay) / (e^(-t_p/tau_decay) - e^(-t_p/tau_rise)) at the peak time
// t_p = tau_decay tau_rise ln(tau_decay/tau_rise) / (tau_decay - tau_rise); where the two time
// constants are equal (or so close that the difference or the denominator is below the double
// epsilon) the alpha function's e / tau_decay. The same operations as NEST's, in double.
inline double beta_normalization(double tau_rise, double tau_decay) {
  const double eps = std::numeric_limits<double>::epsilon();
  const double tau_difference = tau_decay - tau_rise;
  double peak_value = 0;
  if (std::abs(tau_difference) > eps) {
    const double t_peak = tau_decay * tau_rise * std::log(tau_decay / tau_rise) / tau_difference;
    peak_value = std::exp(-t_peak / tau_decay) - std::exp(-t_peak / tau_rise);
  }
  if (std::abs(peak_value) < eps) return 2.718281828459045 / tau_decay;
  return (1. / tau_rise - 1. / tau_decay) / peak_value;
}

// The synapses of aeif_cond_beta_multisynapse: receptor ports 1..n, each a beta-function
// conductance with its own tau_rise[r] <= tau_decay[r] and E_rev[r]; the ports are tau_decay's
// entries, E_rev and tau_rise must have as many (NEST: the three lists have the same length).
struct aeif_beta_ports : aeif_core_params, aeif_port_kernels {
  static constexpr std::string_view port_list = "tau_decay";
  enum param : int {
    I_e = n_core_params,
    gsl_error_tol,
    E_rev_1,
    tau_rise_1 = E_rev_1 + max_ports,
    tau_decay_1 = tau_rise_1 + max_ports,
    n_params = tau_decay_1 + max_ports
  };
  static constexpr std::array<parameter_spec, n_params> parameters = concat(
      concat(concat(core_parameters, std::array<parameter_spec, 2>{{I_e_spec, gsl_error_tol_spec}}),
             multisynapse::port_slots(multisynapse::E_rev_name, 0.0, "mV",
                                      "reversal potential of port r (E_rev[r - 1] in NEST's list; NaN: no port)")),
      concat(multisynapse::port_slots(multisynapse::tau_rise_name, 2.0, "ms",
                                      "rise time of port r (tau_rise[r - 1] in NEST's list; NaN: no port)"),
             multisynapse::port_slots(multisynapse::tau_decay_name, 20.0, "ms",
                                      "decay time of port r (tau_decay[r - 1] in NEST's list; NaN: no port)")));
  static constexpr int n_syn = 2 * max_ports;
  static constexpr int n_inputs = max_ports;
  enum syn_constant : int {
    e_rev_1,
    inv_rise_1 = e_rev_1 + max_ports,
    inv_decay_1 = inv_rise_1 + max_ports,
    jump_1 = inv_decay_1 + max_ports,
    n_syn_constants = jump_1 + max_ports
  };

  // NEST 3.10's checks: "All synaptic time constants must be strictly positive", "Synaptic rise
  // time must be smaller than or equal to decay time", the three lists of one length.
  static std::string check_synapses(const double* p) {
    using namespace multisynapse;
    if (std::string problem = check_ports(p, tau_decay_1, tau_decay_name, port_list); !problem.empty()) return problem;
    if (std::string problem = check_same_ports(p, tau_rise_1, tau_rise_name, "tau_rise", tau_decay_1, port_list);
        !problem.empty())
      return problem;
    for (int r = 0; r < max_ports; ++r) {
      if (std::isinf(p[E_rev_1 + r])) return std::string(E_rev_name[r]) + ": must be finite";
      const double rise = p[tau_rise_1 + r];
      if (std::isnan(rise)) continue;
      if (!(rise > 0) || !std::isfinite(rise)) return std::string(tau_rise_name[r]) + ": must be > 0 ms and finite";
      if (!(rise <= p[tau_decay_1 + r]))
        return std::string(tau_rise_name[r]) + ": must be <= tau_decay[" + std::to_string(r + 1) +
               "] (NEST: the rise time is at most the decay time)";
    }
    return check_same_ports(p, E_rev_1, E_rev_name, "E_rev", tau_decay_1, port_list);
  }

  static void derive_synapses(const double* p, double* s) {
    for (int r = 0; r < max_ports; ++r) {
      const double rise = p[tau_rise_1 + r], decay = p[tau_decay_1 + r];
      const bool present = !std::isnan(decay);  // an absent port: all constants 0
      s[e_rev_1 + r] = present ? p[E_rev_1 + r] - p[E_L] : 0.0;
      s[inv_rise_1 + r] = present ? 1.0 / rise : 0.0;
      s[inv_decay_1 + r] = present ? 1.0 / decay : 0.0;
      s[jump_1 + r] = present ? beta_normalization(rise, decay) : 0.0;  // NEST's g0: g_r peaks at w
    }
  }

  template <class Real>
  NEUROMESH_INLINE_HOST_DEVICE static void synapses(const Real* s, const Real* y, Real* f) {
    port_synapses(s + inv_rise_1, s + inv_decay_1, y, f);
  }
  template <class Real>
  NEUROMESH_INLINE_HOST_DEVICE static Real minus_currents(const Real* s, const Real* y, Real v, Real acc) {
    return port_currents(s + e_rev_1, y, v, acc);
  }
  template <class Real>
  NEUROMESH_INLINE_HOST_DEVICE static void add_input(const Real* s, Real* y, const Real* in) {
    port_input(s + jump_1, y, in);
  }
};

// c ? a : b through bit masks, for the lanes' record updates: no conditional that GCC could turn
// back into control flow (GCC 12 threaded the try's selects on shared conditions into joins it
// could no longer if-convert, and the loop over lanes stayed scalar). The same value as c ? a : b.
template <class Real>
NEUROMESH_INLINE_HOST_DEVICE Real blend(bool c, Real a, Real b) {
#if defined(__CUDA_ARCH__)
  return c ? a : b;
#else
  using U = std::conditional_t<sizeof(Real) == 4, std::uint32_t, std::uint64_t>;
  static_assert(sizeof(U) == sizeof(Real));
  U ua, ub;
  std::memcpy(&ua, &a, sizeof ua);
  std::memcpy(&ub, &b, sizeof ub);
  const U m = U(0) - static_cast<U>(c);
  const U r = (ua & m) | (ub & ~m);
  Real out;
  std::memcpy(&out, &r, sizeof out);
  return out;
#endif
}

template <class Syn>
struct aeif_integrator : Syn {
  using P = Syn;  // parameter indices
  static constexpr receptor_kind input = receptor_kind::conductance;
  // Bound on internal steps (tries included) per time step; see aeif_cond_exp.hpp.
  static constexpr int max_internal_steps = 10000;
  // ODE components: V - E_L, w, then the synapses' (Syn::n_syn).
  static constexpr int n = 2 + Syn::n_syn;

  // State: the n ODE components, then the refractory count and the internal step size.
  static constexpr int V_m = 0, w = 1, refr = n, h_int = n + 1, n_state = n + 2;

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
    v_reset,
    has_ref,
    i_e,
    ref_steps,
    delta,
    u_peak,
    v_up,
    tol_u,
    t_eps,
    syn,  // the synapses' constants (Syn::syn_constant) from here
    n_constants_ = syn + Syn::n_syn_constants
  };
  static constexpr std::size_t n_constants = n_constants_;

  // Every parameter is a finite number here: the shared validation refuses NaN and +-inf in
  // scalars, arrays (core/src/network.cpp validate_value) and drawn values (initial_values.hpp).
  static std::string check(const double* p, double /*h*/) {
    if (!(p[P::C_m] > 0)) return "C_m: must be > 0 pF";
    if (!(p[P::g_L] > 0)) return "g_L: must be > 0 nS";
    if (!(p[P::Delta_T] >= 0)) return "Delta_T: must be >= 0 mV";
    if (!(p[P::tau_w] > 0)) return "tau_w: must be > 0 ms";
    if (std::string problem = Syn::check_synapses(p); !problem.empty()) return problem;
    if (!(p[P::t_ref] >= 0)) return "t_ref: must be >= 0 ms";
    if (!(p[P::V_reset] < p[P::V_peak])) return "V_reset: must be below V_peak";
    if (!(p[P::V_peak] >= p[P::V_th])) return "V_peak: must be >= V_th";
    if (!(p[P::gsl_error_tol] > 0)) return "gsl_error_tol: must be > 0";
    // NEST's overflow guard: exp((V_peak - V_th)/Delta_T) must stay far from DBL_MAX.
    if (p[P::Delta_T] > 0 &&
        (p[P::V_peak] - p[P::V_th]) / p[P::Delta_T] >= std::log(std::numeric_limits<double>::max() / 1e20))
      return "V_peak: (V_peak - V_th)/Delta_T too large, exp would overflow";
    return {};
  }

  static void derive(const double* p, double h, double* k) {
    const bool expo = p[P::Delta_T] > 0;
    k[dt] = h;
    k[h_start] = h < 0.01 ? h : 0.01;  // NEST: IntegrationStep = min(0.01, resolution)
    k[tol] = p[P::gsl_error_tol];
    k[inv_c] = 1.0 / p[P::C_m];
    k[gl] = p[P::g_L];
    k[gl_delta] = expo ? p[P::g_L] * p[P::Delta_T] : 0.0;  // no exponential term when Delta_T = 0
    k[inv_delta] = expo ? 1.0 / p[P::Delta_T] : 0.0;
    k[vth] = p[P::V_th] - p[P::E_L];
    k[vclamp] = p[P::V_peak] - p[P::E_L];                       // bound of V in the right-hand side
    k[vpeak] = (expo ? p[P::V_peak] : p[P::V_th]) - p[P::E_L];  // spike detection
    k[a_] = p[P::a];
    k[inv_tau_w] = 1.0 / p[P::tau_w];
    k[b_] = p[P::b];
    k[v_reset] = p[P::V_reset] - p[P::E_L];
    k[ref_steps] = refractory_steps(p[P::t_ref], h);
    k[has_ref] = k[ref_steps] > 0 ? 1.0 : 0.0;
    k[i_e] = p[P::I_e];
    k[delta] = p[P::Delta_T];
    k[u_peak] = expo ? std::exp(-(p[P::V_peak] - p[P::V_th]) / p[P::Delta_T]) : 0.0;  // u at V = V_peak
    k[v_up] = p[P::V_th] + 3.0 * p[P::Delta_T] - p[P::E_L];  // the u form from here (see aeif_cond_exp.hpp)
    k[tol_u] = 1e-2 * p[P::gsl_error_tol];                   // tolerance on u (see the header comment)
    k[t_eps] = 1e-6 * h;  // crossing-time resolution of the upswing (see the header comment)
    Syn::derive_synapses(p, k + syn);
  }

  static void initial_state(const double* /*p*/, double* x) {
    for (int j = 0; j < n_state; ++j) x[j] = 0.0;  // h_int = 0: the first step uses min(0.01 ms, h)
  }

  // dy/dt for y = (V - E_L, w, synapses); `lock` while refractory.
  template <class Real>
  NEUROMESH_INLINE_HOST_DEVICE static void rhs(const Real* k, bool lock, Real i, const Real* y, Real* f) {
    const Real vc = detail::select(lock, k[v_reset], y[0] < k[vclamp] ? y[0] : k[vclamp]);
    const Real spike = k[gl_delta] * math::exp_simd((vc - k[vth]) * k[inv_delta]);
    const Real dv = (Syn::minus_currents(k + syn, y, vc, i + spike - k[gl] * vc) - y[1]) * k[inv_c];
    f[0] = detail::select(lock, Real(0), dv);
    f[1] = (k[a_] * vc - y[1]) * k[inv_tau_w];
    Syn::synapses(k + syn, y, f);
  }

  // The upswing (V >= V_th, Delta_T > 0) in u = exp(-(V - V_th)/Delta_T) instead of V, for
  // z = (u, w, synapses): du/dt = -(g_L + u X / Delta_T) / C_m with X = I - g_L (V - E_L)
  // - sum_x g_x (V - E_x) - w. V runs away to V_peak in finite time, u goes to
  // u_peak almost linearly (du/dt -> -g_L/C_m), so a few steps resolve what takes ~150 in V.
  template <class Real>
  NEUROMESH_INLINE_HOST_DEVICE static void rhs_u(const Real* k, Real i, const Real* z, Real* f) {
    const Real uc = z[0] > k[u_peak] ? z[0] : k[u_peak];
    const Real v = k[vth] - k[delta] * static_cast<Real>(math::log(static_cast<double>(uc)));
    const Real x = Syn::minus_currents(k + syn, z, v, i - k[gl] * v) - z[1];
    f[0] = -(k[gl] + z[0] * x * k[inv_delta]) * k[inv_c];
    f[1] = (k[a_] * v - z[1]) * k[inv_tau_w];
    Syn::synapses(k + syn, z, f);
  }

  template <bool U, class Real>
  NEUROMESH_INLINE_HOST_DEVICE static void rhs_any(const Real* k, bool lock, Real i, const Real* y, Real* f) {
    if constexpr (U)
      rhs_u(k, i, y, f);
    else
      rhs(k, lock, i, y, f);
  }

  // The right-hand side as the shared RKF45 try (rkf45.hpp) calls it.
  template <bool U, class Real>
  struct rhs_fn {
    const Real* k;
    bool lock;
    Real i;
    NEUROMESH_INLINE_HOST_DEVICE void operator()(const Real* y, Real* f) const { rhs_any<U>(k, lock, i, y, f); }
  };

  // One Runge-Kutta-Fehlberg 4(5) try of size s from y with k1 = f(y): the 5th-order solution in
  // yn, f(yn) in k7, and the error ratio max_i |e_i| / D_i of GSL's standard control (a_y = 0,
  // a_dydt = 1, as NEST sets it up). Branch-free: shared by the scalar step and the lane path.
  template <bool U, class Real>
  NEUROMESH_INLINE_HOST_DEVICE static Real rkf45_try(const Real* k, bool lock, Real i, const Real* y, const Real* k1,
                                                     Real s, Real* yn, Real* k7) {
    Real err[n];
    fehlberg_try<n>(rhs_fn<U, Real>{k, lock, i}, y, k1, s, yn, k7, err);
    Real ratio = Real(0);
    NEUROMESH_UNROLL
    for (int c = 0; c < n; ++c) {
      const Real sd = s * k7[c];
      const Real tl = (U && c == 0) ? k[tol_u] : k[tol];
      const Real d = tl + tl * (sd < Real(0) ? -sd : sd);
      const Real q = (err[c] < Real(0) ? -err[c] : err[c]) / d;
      ratio = q > ratio ? q : ratio;
    }
    return ratio;
  }

  // The end of a time step shared by both paths: synaptic input, refractory count, flags.
  template <class Real, bool DetectChange>
  NEUROMESH_INLINE_HOST_DEVICE static unsigned finish(const Real* k, Real* x, Real* y, Real hs, bool fired,
                                                      const Real* in) {
    Syn::add_input(k + syn, y, in);
    const Real r = x[refr];
    const Real r_new = detail::select(fired, k[ref_steps], detail::select(r > Real(0), r - Real(1), Real(0)));
    bool changed = (r_new != r) | (hs != x[h_int]);
    NEUROMESH_UNROLL
    for (int c = 0; c < n; ++c) changed |= y[c] != x[c];
    NEUROMESH_UNROLL
    for (int c = 0; c < n; ++c) x[c] = y[c];
    x[refr] = r_new;
    x[h_int] = hs;
    return step_result<DetectChange>(fired, changed);
  }

  // The common case without branches, for SIMD lanes (backends/cpu neuron_group): the internal
  // step size is already >= h and one RKF45 try over the whole step passes the error control.
  // Then this is exactly what `step` computes (same operations in the same order); otherwise x
  // is left untouched and step_flags::deferred returned, and the caller runs `step`.
  template <class Real, bool DetectChange = true>
  NEUROMESH_INLINE_HOST_DEVICE static unsigned lane_step_inputs(const Real* k, Real* x, const Real* in, Real i_stim) {
    const Real i = k[i_e] + i_stim;
    const Real h = k[dt];
    const bool lock = x[refr] > Real(0);
    Real y0[n], k1[n], y[n], k7[n];
    NEUROMESH_UNROLL
    for (int c = 0; c < n; ++c) y0[c] = x[c];
    rhs(k, lock, i, y0, k1);
    const Real ratio = rkf45_try<false>(k, lock, i, y0, k1, h, y, k7);
    const bool upswing = !lock & (k[inv_delta] > Real(0)) & (y0[0] >= k[v_up]) & (y0[0] < k[vpeak]);
    const bool take = (x[h_int] >= h) & !(ratio > Real(1.1)) & !upswing;
    const bool fired = !lock & (y[0] >= k[vpeak]);
    y[0] = detail::select(lock | fired, k[v_reset], y[0]);
    y[1] = detail::select(fired, y[1] + k[b_], y[1]);
    Real xn[n_state];
    NEUROMESH_UNROLL
    for (int j = 0; j < n_state; ++j) xn[j] = x[j];
    const unsigned f = finish<Real, DetectChange>(k, xn, y, h, fired, in);
    NEUROMESH_UNROLL
    for (int j = 0; j < n_state; ++j) x[j] = detail::select(take, xn[j], x[j]);
    return take ? f : unsigned(step_flags::deferred);
  }

  // The right-hand side of an internal step's form, chosen per neuron: the u form (`u`, rhs_u)
  // or the V form (rhs). Lanes: both computed without branches and the form's values selected,
  // the same operations as rhs / rhs_u on the selected values, so the same bits (log_exact_simd
  // is math::log to the bit); otherwise a branch to the one that applies.
  template <bool Lanes, class Real>
  NEUROMESH_INLINE_HOST_DEVICE static void rhs_of_form(const Real* k, bool u, bool lock, Real i, const Real* y,
                                                       Real* f) {
    if constexpr (!Lanes) {
      if (u)
        rhs_u(k, i, y, f);
      else
        rhs(k, lock, i, y, f);
    } else {
      const Real vc = blend(lock, k[v_reset], y[0] < k[vclamp] ? y[0] : k[vclamp]);
      const Real spike = k[gl_delta] * math::exp_simd((vc - k[vth]) * k[inv_delta]);
      const Real uc = y[0] > k[u_peak] ? y[0] : k[u_peak];
      const Real vu = k[vth] - k[delta] * static_cast<Real>(math::log_exact_simd(static_cast<double>(uc)));
      const Real v = blend(u, vu, vc);
      const Real x = Syn::minus_currents(k + syn, y, v, blend(u, i, i + spike) - k[gl] * v) - y[1];
      f[0] = blend(u, -(k[gl] + y[0] * x * k[inv_delta]) * k[inv_c], blend(lock, Real(0), x * k[inv_c]));
      f[1] = (k[a_] * v - y[1]) * k[inv_tau_w];
      Syn::synapses(k + syn, y, f);
    }
  }

  template <bool Lanes, class Real>
  struct form_rhs_fn {
    const Real* k;
    bool u, lock;
    Real i;
    NEUROMESH_INLINE_HOST_DEVICE void operator()(const Real* y, Real* f) const {
      rhs_of_form<Lanes>(k, u, lock, i, y, f);
    }
  };

  // x^p as `power` computes it, without branches (math::exp_exact_simd / log_exact_simd).
  template <class Real>
  NEUROMESH_INLINE_HOST_DEVICE static Real power_exact(Real x, double p) {
    return static_cast<Real>(math::exp_exact_simd(p * math::log_exact_simd(static_cast<double>(x))));
  }

  // The time step as an adaptive loop over a record of its state between internal steps
  // (n_evolve() values): y (from 0), k1 = f(y) in the V form, t, the internal step size, the
  // internal steps so far, I_e + I_stim, and the flags lock (refractory), fired and need_k1 (k1
  // is stale) as 0 / 1. `step` is evolve_begin, evolve_try until evolve_done, evolve_finish;
  // evolve_try is one pass of the loop, branch-free (Lanes) so that the cpu backend runs the
  // deferred neurons' internal steps side by side in SIMD lanes (neuron_group.hpp
  // evolve_deferred; hh_common.hpp does the same for the Hodgkin-Huxley models), each with its
  // own form, step size and count, with the same bits as the scalar loop
  // (tests/validation/test_aeif_lanes.cpp).
  static constexpr int ev_k1() { return n; }
  static constexpr int ev_t() { return 2 * n; }
  static constexpr int ev_hs() { return 2 * n + 1; }
  static constexpr int ev_it() { return 2 * n + 2; }
  static constexpr int ev_i() { return 2 * n + 3; }
  static constexpr int ev_lock() { return 2 * n + 4; }
  static constexpr int ev_fired() { return 2 * n + 5; }
  static constexpr int ev_need() { return 2 * n + 6; }
  static constexpr int n_evolve() { return 2 * n + 7; }

  template <class Real>
  NEUROMESH_INLINE_HOST_DEVICE static void evolve_begin(const Real* k, const Real* x, Real i_stim, Real* e) {
    NEUROMESH_UNROLL
    for (int c = 0; c < n; ++c) {
      e[c] = x[c];
      e[ev_k1() + c] = Real(0);
    }
    e[ev_t()] = Real(0);
    e[ev_hs()] = x[h_int] > Real(0) ? x[h_int] : k[h_start];
    e[ev_it()] = Real(0);
    e[ev_i()] = k[i_e] + i_stim;
    e[ev_lock()] = x[refr] > Real(0) ? Real(1) : Real(0);
    e[ev_fired()] = Real(0);
    e[ev_need()] = Real(1);
  }

  template <class Real>
  NEUROMESH_INLINE_HOST_DEVICE static bool evolve_done(const Real* k, const Real* e) {
    return !(e[ev_t()] < k[dt]);
  }

  // One internal step (try), from time t within the step:
  //   * the form: in the upswing (not refractory, Delta_T > 0, V_th + 3 Delta_T <= V < V_peak)
  //     the try runs on z = (u, w, synapses) from u = exp(-(V - V_th)/Delta_T) with k1 = du/dt
  //     etc.; otherwise on y, with k1 recomputed only when stale (FSAL: f(yn) from the last try).
  //   * RKF45 of size s = hs, or the rest of the step (and then "final"); the last of
  //     max_internal_steps is final and accepted whatever its error.
  //   * GSL's control (aeif_cond_exp.hpp): r > 1.1 rejects with s <- s max(0.2, 0.9 r^(-1/5))
  //     unless that no longer moves t; r < 0.5 grows s by min(5, max(1, 0.9 r^(-1/6))), at most
  //     1.5 in the upswing, the result at most h.
  //   * the upswing's crossing of u_peak: by more than tol_u, the try is redone up to the secant
  //     estimate of u_peak - tol_u / 2 (down to t_eps); within it, the spike (V_reset, w + b,
  //     refractory lock, step size h). An accepted try that does not cross keeps the next one
  //     from passing u_peak - tol_u / 2 by more than its linear extrapolation; V = V_th -
  //     Delta_T log(u) after it.
  //   * an accepted V-form try: V_reset while refractory, else V >= V_peak is the spike.
  template <class Real, bool Lanes = true>
  NEUROMESH_INLINE_HOST_DEVICE static void evolve_try(const Real* k, Real* e) {
    Real* y = e;
    Real* k1 = e + ev_k1();
    const Real h = k[dt], t = e[ev_t()], hs = e[ev_hs()], i = e[ev_i()];
    const bool lock = e[ev_lock()] > Real(0), need = e[ev_need()] > Real(0);
    const bool upswing = !lock & (k[inv_delta] > Real(0)) & (y[0] >= k[v_up]) & (y[0] < k[vpeak]);
    Real w[n];  // the try's start: z in the upswing, else y
    NEUROMESH_UNROLL
    for (int c = 0; c < n; ++c) w[c] = y[c];
    if (Lanes || upswing)
      w[0] = blend(upswing,
                   static_cast<Real>(math::exp_exact_simd(static_cast<double>(-(y[0] - k[vth]) * k[inv_delta]))), y[0]);
    if (Lanes || upswing || need) {
      Real kn[n];
      rhs_of_form<Lanes>(k, upswing, lock, i, w, kn);
      NEUROMESH_UNROLL
      for (int c = 0; c < n; ++c) k1[c] = blend(upswing | need, kn[c], k1[c]);
    }
    const bool last = e[ev_it()] == Real(max_internal_steps - 1);
    const Real rest = h - t;
    const bool final_step = last | (hs >= rest);
    const Real s = final_step ? rest : hs;
    Real yn[n], k7[n], err[n];
    fehlberg_try<n>(form_rhs_fn<Lanes, Real>{k, upswing, lock, i}, w, k1, s, yn, k7, err);
    Real ratio = Real(0);  // as rkf45_try's
    NEUROMESH_UNROLL
    for (int c = 0; c < n; ++c) {
      const Real sd = s * k7[c];
      const Real tl = ((c == 0) & upswing) ? k[tol_u] : k[tol];
      const Real d = tl + tl * (sd < Real(0) ? -sd : sd);
      const Real q = (err[c] < Real(0) ? -err[c] : err[c]) / d;
      ratio = q > ratio ? q : ratio;
    }
    const Real t_new = final_step ? h : t + s;
    // The control's factors: 0.9 ratio^(-1/5) <= 0.2 from ratio >= 4.5^5; 0.9 ratio^(-1/6) >= 5
    // below ratio = 0.18^6 (the power is that of whichever applies).
    const bool high = ratio > Real(1.1), low = ratio < Real(0.5);
    const Real pw = power_exact(ratio, high ? -1.0 / 5.0 : -1.0 / 6.0);
    const Real f_shrink = ratio >= Real(1845.28125) ? Real(0.2) : Real(0.9) * pw;
    const Real s_shrunk = s * (f_shrink > Real(0.2) ? f_shrink : Real(0.2));
    const bool reject = high & !last & (t_new + s_shrunk != t_new);
    Real f_grow = ratio <= Real(3.4012224e-05) ? Real(5) : Real(0.9) * pw;
    const Real f_max = upswing ? Real(1.5) : Real(5);
    f_grow = f_grow > f_max ? f_max : f_grow;
    Real s_grown = s * (f_grow < Real(1) ? Real(1) : f_grow);
    s_grown = s_grown > h ? h : s_grown;
    Real s_next = reject ? s_shrunk : (low ? s_grown : s);
    // The upswing's crossing.
    const Real u_aim = k[u_peak] - Real(0.5) * k[tol_u];
    const bool crossed = upswing & !reject & (yn[0] <= k[u_peak]);
    const bool redo = crossed & (yn[0] < k[u_peak] - k[tol_u]) & !last & (s > k[t_eps]);
    const Real frac = (w[0] - u_aim) / (w[0] - yn[0]);
    const Real s_cross = s * (frac > Real(0) ? frac : Real(0));
    const Real s_aim = (yn[0] - u_aim) / -k7[0];
    const bool aim = upswing & !reject & !crossed & (k7[0] < Real(0));
    s_next = aim ? (s_next < s_aim ? s_next : s_aim) : s_next;
    const bool accept = !reject & !redo;
    const bool hit = accept & upswing & crossed;  // the spike in the upswing: the control starts over at h
    const Real hs_redo = s_cross > k[t_eps] ? s_cross : k[t_eps];
    e[ev_hs()] = blend(redo, hs_redo, blend(hit, h, s_next));
    e[ev_t()] = blend(accept, t_new, t);
    // The accepted state: V from u (upswing), the reset at a spike, V_reset while refractory.
    const bool v_fire = !upswing & !lock & (yn[0] >= k[vpeak]);
    const bool reset = (upswing & crossed) | v_fire;  // a spike, if accepted
    Real v_new = blend(lock | v_fire, k[v_reset], yn[0]);
    if (Lanes || upswing) {
      const Real v_of_u = k[vth] - k[delta] * static_cast<Real>(math::log_exact_simd(static_cast<double>(yn[0])));
      v_new = blend(upswing, blend(crossed, k[v_reset], v_of_u), v_new);
    }
    const Real w_new = blend(reset, yn[1] + k[b_], yn[1]);
    y[0] = blend(accept, v_new, y[0]);
    y[1] = blend(accept, w_new, y[1]);
    NEUROMESH_UNROLL
    for (int c = 2; c < n; ++c) y[c] = blend(accept, yn[c], y[c]);
    const bool fsal = accept & !upswing;
    NEUROMESH_UNROLL
    for (int c = 0; c < n; ++c) k1[c] = blend(fsal, k7[c], k1[c]);
    // The 0 / 1 flags by exact arithmetic: fired |= fire; lock = has_ref where fire.
    const Real fire = static_cast<Real>(accept & reset);
    const Real fired = e[ev_fired()], was_locked = e[ev_lock()];
    e[ev_fired()] = fired + fire - fired * fire;
    e[ev_lock()] = was_locked + fire * (static_cast<Real>(k[has_ref] > Real(0)) - was_locked);
    e[ev_need()] = static_cast<Real>(upswing | (accept & v_fire));
    e[ev_it()] = e[ev_it()] + Real(1);
  }

  // The end of the step once evolve_done: synaptic input (one sum per input), refractory count, flags.
  template <class Real, bool DetectChange = true>
  NEUROMESH_INLINE_HOST_DEVICE static unsigned evolve_finish_inputs(const Real* k, Real* x, Real* e, const Real* in) {
    return finish<Real, DetectChange>(k, x, e, e[ev_hs()], e[ev_fired()] > Real(0), in);
  }
  template <class Real, bool DetectChange = true>
  NEUROMESH_INLINE_HOST_DEVICE static unsigned evolve_finish(const Real* k, Real* x, Real* e, Real in_ex, Real in_in) {
    Real in[Syn::n_inputs] = {in_ex, in_in};
    return evolve_finish_inputs<Real, DetectChange>(k, x, e, in);
  }

  // The step with one summed spike input per synaptic input (Syn::n_inputs).
  template <class Real, bool DetectChange = true>
  NEUROMESH_INLINE_HOST_DEVICE static unsigned step_inputs(const Real* k, Real* x, const Real* in, Real i_stim) {
    Real e[n_evolve()];
    evolve_begin(k, x, i_stim, e);
    while (!evolve_done(k, e)) evolve_try<Real, false>(k, e);
    return evolve_finish_inputs<Real, DetectChange>(k, x, e, in);
  }

  // The model interface (model.hpp): inputs 1 and 2 from in_ex and in_in (for a ports model: ports
  // 1 and 2, for generic tools; the engines call step_ports / lane_step_ports).
  template <class Real, bool DetectChange = true>
  NEUROMESH_INLINE_HOST_DEVICE static unsigned step(const Real* k, Real* x, Real in_ex, Real in_in, Real i_stim) {
    Real in[Syn::n_inputs] = {in_ex, in_in};
    return step_inputs<Real, DetectChange>(k, x, in, i_stim);
  }
  template <class Real, bool DetectChange = true>
  NEUROMESH_INLINE_HOST_DEVICE static unsigned lane_step(const Real* k, Real* x, Real in_ex, Real in_in, Real i_stim) {
    Real in[Syn::n_inputs] = {in_ex, in_in};
    return lane_step_inputs<Real, DetectChange>(k, x, in, i_stim);
  }
};

}  // namespace neuromesh::detail
