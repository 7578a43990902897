#pragma once
// What the Hodgkin-Huxley models (hh_psc_alpha.hpp, hh_cond_exp_traub.hpp) share: the parameter
// checks and derived constants of their common parameters, the rate-function form, the ionic
// currents, and the time step, as NEST's update of both: the ODE over the step by GSL's RKF45
// evolution (rkf45.hpp: gsl_try, absolute tolerance 1e-3, the internal step size carried in
// state `integration_step`, starting at h), then this step's spike input (M::add_input), then
// spike detection: outside the refractory count, a spike when V fell during the step and ended at
// or above M::threshold(k). A spike sets the count to t_ref's steps; it only suppresses detection
// (the dynamics go on).
//
// The internal step size is stored at most h: at the start of a time step a size >= h is cut to
// h (the try is the final one) whatever its value, so min(hs, h) integrates exactly as hs does;
// NEST's IntegrationStep may exceed h, ours stops at h. That makes the common case cheap:
//
// Lanes (`lane_step`, backends/cpu neuron_group): when the internal step size is already h and
// one RKF45 try over the whole step passes the error control -- between action potentials --
// the step is that try, with no branch and no power for the step-size control (the next size is
// h again), so a loop over neurons vectorises. It computes exactly what `step` computes (the same
// operations in the same order); otherwise it leaves the state untouched and returns
// step_flags::deferred, and the caller runs `step` (tests/unit: LaneStepIsStepOrDefers).
//
// Deferred neurons in lanes too (`evolve_*`, backends/cpu neuron_group): `step` is written as
// evolve_begin, evolve_try until evolve_done, evolve_finish, on a record of the adaptive loop's
// state between tries; a caller may run the tries of many neurons side by side, one branch-free
// try per neuron per pass, each neuron with its own step size and number of tries, and gets the
// same bits as `step` (tests/validation/test_hh_lanes.cpp). The power of the step-size control
// is branch-free too (rkf45.hpp power_simd: for these ratios the bits of `power`, used before).
#include <string>

#include <neuromesh/core/math.hpp>
#include <neuromesh/neurons/model.hpp>
#include <neuromesh/neurons/rkf45.hpp>

namespace neuromesh::detail {

// a z / (exp(z / b) - 1), with its limit a b at the removable singularity z = 0. Both models'
// singular rate functions have this form (hh_psc_alpha's a x / (1 - exp(-x / b)) is it with
// z = -x: the same value to the last bit, as IEEE negation and sign-symmetric rounding make it).
template <class Real>
NEUROMESH_INLINE_HOST_DEVICE Real hh_rate(Real a, Real z, Real b) {
  const Real d = math::exp_simd(z / b) - Real(1);
  return select(z == Real(0), a * b, a * z / d);
}

// M: the model, deriving from hh_model<M>; it names its parameters g_Na, g_K, g_L, C_m, E_Na,
// E_K, E_L, tau_syn_ex, tau_syn_in, t_ref, I_e, its state V_m, Act_m, Inact_h, Act_n first and
// refr, h_int after its n ODE components, and provides rates(), rhs, add_input and threshold.
template <class M>
struct hh_model {
  static constexpr int max_tries = 10000;  // bound on RKF45 tries per time step (rkf45.hpp)

  // Derived constants: these first, the model's own from n_common on.
  enum common_constant : int { dt, gna, gk, gl, ena, ek, el, inv_c, inv_tau_ex, inv_tau_in, i_e, ref_steps, n_common };

  // Parameter checks (NEST's). Non-finite values never get here: the shared validation refuses
  // them (core/src/network.cpp check_number, neurons/initial_values.hpp for drawn values).
  static std::string check(const double* p, double /*h*/) {
    if (!(p[M::C_m] > 0)) return "C_m: must be > 0 pF";
    if (!(p[M::t_ref] >= 0)) return "t_ref: must be >= 0 ms";
    if (!(p[M::tau_syn_ex] > 0)) return "tau_syn_ex: must be > 0 ms";
    if (!(p[M::tau_syn_in] > 0)) return "tau_syn_in: must be > 0 ms";
    if (!(p[M::g_Na] >= 0)) return "g_Na: must be >= 0 nS";
    if (!(p[M::g_K] >= 0)) return "g_K: must be >= 0 nS";
    if (!(p[M::g_L] >= 0)) return "g_L: must be >= 0 nS";
    return {};
  }

  static void derive_common(const double* p, double h, double* k) {
    k[dt] = h;
    k[gna] = p[M::g_Na];
    k[gk] = p[M::g_K];
    k[gl] = p[M::g_L];
    k[ena] = p[M::E_Na];
    k[ek] = p[M::E_K];
    k[el] = p[M::E_L];
    k[inv_c] = 1.0 / p[M::C_m];
    k[inv_tau_ex] = 1.0 / p[M::tau_syn_ex];
    k[inv_tau_in] = 1.0 / p[M::tau_syn_in];
    k[i_e] = p[M::I_e];
    k[ref_steps] = refractory_steps(p[M::t_ref], h);
  }

  // Zeroed state, V_m = v and the gates at their steady state for v (host, once).
  static void resting_gates(double v, double* x) {
    for (int j = 0; j < M::n_state; ++j) x[j] = 0.0;
    double r[6];  // alpha_m, beta_m, alpha_h, beta_h, alpha_n, beta_n
    M::rates(v, r);
    x[M::V_m] = v;
    x[M::Act_m] = r[0] / (r[0] + r[1]);
    x[M::Inact_h] = r[2] / (r[2] + r[3]);
    x[M::Act_n] = r[4] / (r[4] + r[5]);
  }

  // Sodium, potassium and leak currents [pA] at V = v with gates m, h, n.
  template <class Real>
  NEUROMESH_INLINE_HOST_DEVICE static void ionic(const Real* k, Real v, Real m, Real h, Real n, Real& i_na, Real& i_k,
                                                 Real& i_l) {
    i_na = k[gna] * m * m * m * h * (v - k[ena]);
    i_k = k[gk] * n * n * n * n * (v - k[ek]);
    i_l = k[gl] * (v - k[el]);
  }

  // The end of a time step, shared by both paths: spike input, detection, refractory count, flags.
  template <class Real, bool DetectChange>
  NEUROMESH_INLINE_HOST_DEVICE static unsigned finish(const Real* k, Real* x, Real* y, Real hs, Real in_ex,
                                                      Real in_in) {
    M::add_input(k, y, in_ex, in_in);
    const Real r = x[M::refr];
    const bool fire = !(r > Real(0)) & (y[M::V_m] >= M::threshold(k)) & (x[M::V_m] > y[M::V_m]);
    const Real r_new = select(fire, k[ref_steps], select(r > Real(0), r - Real(1), Real(0)));
    bool changed = (r_new != r) | (hs != x[M::h_int]);
    for (int c = 0; c < M::n; ++c) changed |= y[c] != x[c];
    for (int c = 0; c < M::n; ++c) x[c] = y[c];
    x[M::refr] = r_new;
    x[M::h_int] = hs;
    return step_result<DetectChange>(fire, changed);
  }

  // The record of one neuron's time step between tries (n_evolve values): y (from 0), k1 = f(y),
  // t, the internal step size, the tries so far and I_e + I_stim (the right-hand side's current).
  static constexpr int ev_k1() { return M::n; }
  static constexpr int ev_t() { return 2 * M::n; }
  static constexpr int ev_hs() { return 2 * M::n + 1; }
  static constexpr int ev_tries() { return 2 * M::n + 2; }
  static constexpr int ev_i() { return 2 * M::n + 3; }
  static constexpr int n_evolve() { return 2 * M::n + 4; }

  // The record at the start of the step, from state x.
  template <class Real>
  NEUROMESH_INLINE_HOST_DEVICE static void evolve_begin(const Real* k, const Real* x, Real i_stim, Real* e) {
    for (int c = 0; c < M::n; ++c) e[c] = x[c];
    e[ev_i()] = k[i_e] + i_stim;
    typename M::template rhs<Real>{k, e[ev_i()]}(e, e + ev_k1());
    e[ev_t()] = Real(0);
    e[ev_hs()] = x[M::h_int] > Real(0) ? x[M::h_int] : k[dt];
    e[ev_tries()] = Real(0);
  }
  // One try (rkf45.hpp gsl_try, absolute tolerance 1e-3); no branches.
  template <class Real>
  NEUROMESH_INLINE_HOST_DEVICE static void evolve_try(const Real* k, Real* e) {
    gsl_try<M::n>(typename M::template rhs<Real>{k, e[ev_i()]}, e, e + ev_k1(), e[ev_t()], e[ev_hs()], e[ev_tries()],
                  k[dt], Real(1e-3), Real(max_tries));
  }
  template <class Real>
  NEUROMESH_INLINE_HOST_DEVICE static bool evolve_done(const Real* k, const Real* e) {
    return !(e[ev_t()] < k[dt]);
  }
  // The end of the step once evolve_done: finish (spike input, detection) into x; e's y changes.
  template <class Real, bool DetectChange = true>
  NEUROMESH_INLINE_HOST_DEVICE static unsigned evolve_finish(const Real* k, Real* x, Real* e, Real in_ex, Real in_in) {
    const Real hs = e[ev_hs()], h = k[dt];
    return finish<Real, DetectChange>(k, x, e, hs < h ? hs : h, in_ex, in_in);
  }

  template <class Real, bool DetectChange = true>
  NEUROMESH_INLINE_HOST_DEVICE static unsigned step(const Real* k, Real* x, Real in_ex, Real in_in, Real i_stim) {
    Real e[n_evolve()];
    evolve_begin(k, x, i_stim, e);
    while (!evolve_done(k, e)) evolve_try(k, e);
    return evolve_finish<Real, DetectChange>(k, x, e, in_ex, in_in);
  }

  // The common case without branches (see the header comment): internal step size h, one try
  // over the step within tolerance. `step` then makes exactly this try (s = h, k1 = f(y))
  // and accepts it, and the stored size is h.
  template <class Real, bool DetectChange = true>
  NEUROMESH_INLINE_HOST_DEVICE static unsigned lane_step(const Real* k, Real* x, Real in_ex, Real in_in, Real i_stim) {
    constexpr int n = M::n;
    const Real h = k[dt];
    const typename M::template rhs<Real> f{k, k[i_e] + i_stim};
    Real y0[n], k1[n], y[n], k7[n], err[n];
    for (int c = 0; c < n; ++c) y0[c] = x[c];
    f(y0, k1);
    fehlberg_try<n>(f, y0, k1, h, y, k7, err);
    Real ratio = Real(0);  // as gsl_try's
    for (int c = 0; c < n; ++c) {
      const Real q = (err[c] < Real(0) ? -err[c] : err[c]) / Real(1e-3);
      ratio = q > ratio ? q : ratio;
    }
    const Real hs0 = x[M::h_int] > Real(0) ? x[M::h_int] : h;
    const bool take = (hs0 >= h) & !(ratio > Real(1.1));
    Real xn[M::n_state];
    for (int j = 0; j < M::n_state; ++j) xn[j] = x[j];
    const unsigned fl = finish<Real, DetectChange>(k, xn, y, h, in_ex, in_in);
    for (int j = 0; j < M::n_state; ++j) x[j] = select(take, xn[j], x[j]);
    return take ? fl : unsigned(step_flags::deferred);
  }
};

}  // namespace neuromesh::detail
