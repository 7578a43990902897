#pragma once
// iaf_psc_alpha — leaky integrate-and-fire neuron with alpha-shaped synaptic currents (NEST model
// of the same name; exact integration after Rotter & Diesmann 1999, Biol. Cybern. 81:381).
//
//   C_m dV/dt = -(C_m/tau_m)(V - E_L) + I_ex + I_in + I_e + I_stim
//   d(dI_x)/dt = -dI_x / tau_syn_x,   d(I_x)/dt = dI_x - I_x / tau_syn_x   (x = ex, in)
//   spike of weight w [pA]: dI_x += (e / tau_syn_x) w, so I_x(t) = w (t/tau) e^(1 - t/tau) peaks
//   at w when t = tau_syn_x.
//
// With V relative to E_L, over one step h (NEST's update order: V from the old currents, then the
// currents propagate, then this step's input is added):
//   V    <- P33 V + P31x dI_x + P32x I_x + P30 (I_e + I_stim)          (when not refractory)
//   I_x  <- P21x dI_x + P22x I_x,   dI_x <- P11x dI_x + (e/tau_x) in_x
//   P33 = exp(-h/tau_m), P30 = tau_m/C_m (1 - P33), P11x = P22x = exp(-h/tau_x), P21x = h P11x,
//   with a = 1/tau_x - 1/tau_m:
//   P32x = (exp(-h/tau_m) - exp(-h/tau_x)) / (a C_m)                     [-> h e^(-h/tau)/C_m]
//   P31x = (exp(-h/tau_m) - exp(-h/tau_x) - a h exp(-h/tau_x)) / (a² C_m) [-> h² e^(-h/tau)/(2C_m)]
// Both are evaluated in a cancellation-free form (expm1 / power series in a h), so tau_x close
// to tau_m is handled continuously. Spike when V >= V_th; then V = V_reset, clamped for t_ref.
// V is bounded below by V_min; its default is -inf (no bound), as in NEST 3.10, and -inf is
// accepted from every front end that can express it (C++, Python float("-inf"); see
// validate_value in core/src/network.cpp).
#include <cmath>
#include <limits>
#include <numbers>

#include <neuromesh/neurons/iaf_psc_exp.hpp>
#include <neuromesh/neurons/model.hpp>

namespace neuromesh {

namespace detail {
// Propagator from the alpha-current derivative dI to the membrane (P31 above):
// exp(-h/tau_m) h² f(a h) / C_m with f(x) = (1 - e^-x (1 + x)) / x², summed as a power series
// for small |x| where the closed form cancels.
inline double alpha_derivative_to_membrane(double tau_syn, double tau_m, double c_m, double h) {
  const double a = 1.0 / tau_syn - 1.0 / tau_m;
  const double x = a * h;
  double f = 0.0;
  if (std::fabs(x) < 0.5) {
    // f(x) = sum_n (-1)^n (n+1) x^n / (n+2)!; 30 terms reach double precision for |x| < 0.5.
    double term = 0.5;  // n = 0: 1/2!
    for (int n = 0; n < 30; ++n) {
      f += term * (n + 1);
      term *= -x / (n + 3);
    }
  } else {
    f = (-std::expm1(-x) - x * std::exp(-x)) / (x * x);
  }
  return std::exp(-h / tau_m) * h * h * f / c_m;
}
}  // namespace detail

struct iaf_psc_alpha {
  static constexpr std::string_view name = "iaf_psc_alpha";
  static constexpr receptor_kind input = receptor_kind::current;

  enum param : int { E_L, C_m, tau_m, tau_syn_ex, tau_syn_in, t_ref, V_th, V_reset, I_e, V_min, n_params };
  static constexpr std::array<parameter_spec, n_params> parameters =
      detail::concat(iaf::leak,
                     std::array<parameter_spec, 2>{{
                         {"tau_syn_ex", 2.0, "ms", "rise time of the excitatory alpha current"},
                         {"tau_syn_in", 2.0, "ms", "rise time of the inhibitory alpha current"},
                     }},
                     iaf::threshold, iaf::v_min);

  enum var : int { V_m, dI_syn_ex, I_syn_ex, dI_syn_in, I_syn_in, refr, n_state };
  static constexpr std::array<state_spec, n_state> state{{
      {"V_m", "mV", E_L},
      {"dI_syn_ex", "pA/ms", -1},
      {"I_syn_ex", "pA", -1},
      {"dI_syn_in", "pA/ms", -1},
      {"I_syn_in", "pA", -1},
      {"refractory_steps", "steps", -1},
  }};

  enum constant : int {
    P33,
    P30,
    P11ex,
    P31ex,
    P32ex,
    P11in,
    P31in,
    P32in,
    h_,
    psc_ex,
    psc_in,
    theta,
    v_reset,
    i_e,
    ref_steps,
    v_min,
    n_constants_
  };
  static constexpr std::size_t n_constants = n_constants_;

  // Every parameter is a finite number here except V_min, which may be -inf (no bound; NEST's
  // default): the shared validation refuses NaN and +-inf in scalars, arrays (core/src/network.cpp
  // validate_value) and drawn values (initial_values.hpp).
  static std::string check(const double* p, double /*h*/) {
    if (std::string e = iaf::check_leak(p, C_m, tau_m); !e.empty()) return e;
    if (!(p[tau_syn_ex] > 0)) return "tau_syn_ex: must be > 0 ms";
    if (!(p[tau_syn_in] > 0)) return "tau_syn_in: must be > 0 ms";
    if (std::string e = iaf::check_threshold(p, t_ref, V_th, V_reset); !e.empty()) return e;
    return iaf::check_v_min(p, V_min, V_reset);
  }

  static void derive(const double* p, double h, double* k) {
    k[P33] = std::exp(-h / p[tau_m]);
    k[P30] = -p[tau_m] / p[C_m] * std::expm1(-h / p[tau_m]);
    k[P11ex] = std::exp(-h / p[tau_syn_ex]);
    k[P31ex] = detail::alpha_derivative_to_membrane(p[tau_syn_ex], p[tau_m], p[C_m], h);
    k[P32ex] = detail::current_to_membrane(p[tau_syn_ex], p[tau_m], p[C_m], h);
    k[P11in] = std::exp(-h / p[tau_syn_in]);
    k[P31in] = detail::alpha_derivative_to_membrane(p[tau_syn_in], p[tau_m], p[C_m], h);
    k[P32in] = detail::current_to_membrane(p[tau_syn_in], p[tau_m], p[C_m], h);
    // P21x = h P11x is formed in step rather than stored: with at most 16 constants GCC fully
    // unrolls the engine's per-neuron copy loops, which the vectoriser needs.
    k[h_] = h;
    k[psc_ex] = std::numbers::e / p[tau_syn_ex];
    k[psc_in] = std::numbers::e / p[tau_syn_in];
    k[theta] = p[V_th] - p[E_L];
    k[v_reset] = p[V_reset] - p[E_L];
    k[i_e] = p[I_e];
    k[ref_steps] = refractory_steps(p[t_ref], h);
    k[v_min] = p[V_min] - p[E_L];
  }

  static void initial_state(const double* /*p*/, double* x) {
    for (int i = 0; i < n_state; ++i) x[i] = 0.0;
  }

  template <class Real, bool DetectChange = true>
  NEUROMESH_INLINE_HOST_DEVICE static unsigned step(const Real* k, Real* x, Real in_ex, Real in_in, Real i_stim) {
    const Real v = x[V_m], r = x[refr];
    const Real die = x[dI_syn_ex], ie = x[I_syn_ex], dii = x[dI_syn_in], ii = x[I_syn_in];
    const bool free = r <= Real(0);
    Real v_new =
        k[P30] * (k[i_e] + i_stim) + k[P31ex] * die + k[P32ex] * ie + k[P31in] * dii + k[P32in] * ii + k[P33] * v;
    v_new = detail::max(v_new, k[v_min]);
    v_new = detail::select(free, v_new, v);
    Real r_new = detail::select(free, Real(0), r - Real(1));
    const Real ie_new = k[h_] * k[P11ex] * die + k[P11ex] * ie;  // P21x = h P11x, as NEST
    const Real ii_new = k[h_] * k[P11in] * dii + k[P11in] * ii;
    const Real die_new = k[P11ex] * die + k[psc_ex] * in_ex;
    const Real dii_new = k[P11in] * dii + k[psc_in] * in_in;
    const bool fire = v_new >= k[theta];
    v_new = detail::select(fire, k[v_reset], v_new);
    r_new = detail::select(fire, k[ref_steps], r_new);
    // Bitwise | rather than ||: no short-circuit branches, so GCC if-converts and vectorises.
    const bool changed =
        (v_new != v) | (r_new != r) | (ie_new != ie) | (ii_new != ii) | (die_new != die) | (dii_new != dii);
    x[V_m] = v_new;
    x[dI_syn_ex] = die_new;
    x[I_syn_ex] = ie_new;
    x[dI_syn_in] = dii_new;
    x[I_syn_in] = ii_new;
    x[refr] = r_new;
    return step_result<DetectChange>(fire, changed);
  }
};

}  // namespace neuromesh
