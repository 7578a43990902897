#pragma once
// The embedded Runge-Kutta-Fehlberg 4(5) pair (Fehlberg 1969, NASA TR R-315) as GSL implements it
// (gsl_odeiv_step_rkf45: the 5th-order solution is propagated, the 4(5) difference is the error
// estimate), and GSL's adaptive evolution with the standard step-size control
// (gsl_odeiv_evolve_apply + gsl_odeiv_control_standard), which NEST's GSL-integrated models call
// in a loop over each time step. Written once here for every backend: only +, -, *, / and the
// in-project exp/log (determinism contract rule 4), so the arithmetic is identical everywhere and
// the step choice is per neuron. Used by the aeif family (aeif_integrator.hpp, with its own
// evolution) and the Hodgkin-Huxley models (hh_psc_alpha.hpp, hh_cond_exp_traub.hpp: gsl_evolve).
#include <neuromesh/core/macros.hpp>
#include <neuromesh/core/math.hpp>

namespace neuromesh::detail {

// x^p for x > 0 by the in-project exp and log (identical on every backend).
template <class Real>
NEUROMESH_INLINE_HOST_DEVICE Real power(Real x, double p) {
  return static_cast<Real>(math::exp(p * math::log(static_cast<double>(x))));
}

// One try of size s from y with k1 = f(y): the 5th-order solution in yn, f(yn) in k7 and the
// error estimate (5th minus 4th order) in err. f(y, dydt) is the autonomous right-hand side.
template <int N, class Real, class Rhs>
NEUROMESH_INLINE_HOST_DEVICE void fehlberg_try(const Rhs& f, const Real* y, const Real* k1, Real s, Real* yn, Real* k7,
                                               Real* err) {
  constexpr double a21 = 1.0 / 4.0;
  constexpr double a31 = 3.0 / 32.0, a32 = 9.0 / 32.0;
  constexpr double a41 = 1932.0 / 2197.0, a42 = -7200.0 / 2197.0, a43 = 7296.0 / 2197.0;
  constexpr double a51 = 439.0 / 216.0, a52 = -8.0, a53 = 3680.0 / 513.0, a54 = -845.0 / 4104.0;
  constexpr double a61 = -8.0 / 27.0, a62 = 2.0, a63 = -3544.0 / 2565.0, a64 = 1859.0 / 4104.0, a65 = -11.0 / 40.0;
  constexpr double c1 = 16.0 / 135.0, c3 = 6656.0 / 12825.0, c4 = 28561.0 / 56430.0, c5 = -9.0 / 50.0,
                   c6 = 2.0 / 55.0;  // 5th order
  constexpr double e1 = 1.0 / 360.0, e3 = -128.0 / 4275.0, e4 = -2197.0 / 75240.0, e5 = 1.0 / 50.0,
                   e6 = 2.0 / 55.0;  // 5th minus 4th order
  Real k2[N], k3[N], k4[N], k5[N], k6[N], yt[N];
  for (int c = 0; c < N; ++c) yt[c] = y[c] + s * (Real(a21) * k1[c]);
  f(yt, k2);
  for (int c = 0; c < N; ++c) yt[c] = y[c] + s * (Real(a31) * k1[c] + Real(a32) * k2[c]);
  f(yt, k3);
  for (int c = 0; c < N; ++c) yt[c] = y[c] + s * (Real(a41) * k1[c] + Real(a42) * k2[c] + Real(a43) * k3[c]);
  f(yt, k4);
  for (int c = 0; c < N; ++c)
    yt[c] = y[c] + s * (Real(a51) * k1[c] + Real(a52) * k2[c] + Real(a53) * k3[c] + Real(a54) * k4[c]);
  f(yt, k5);
  for (int c = 0; c < N; ++c)
    yt[c] =
        y[c] + s * (Real(a61) * k1[c] + Real(a62) * k2[c] + Real(a63) * k3[c] + Real(a64) * k4[c] + Real(a65) * k5[c]);
  f(yt, k6);
  for (int c = 0; c < N; ++c)
    yn[c] = y[c] + s * (Real(c1) * k1[c] + Real(c3) * k3[c] + Real(c4) * k4[c] + Real(c5) * k5[c] + Real(c6) * k6[c]);
  f(yn, k7);
  for (int c = 0; c < N; ++c)
    err[c] = s * (Real(e1) * k1[c] + Real(e3) * k3[c] + Real(e4) * k4[c] + Real(e5) * k5[c] + Real(e6) * k6[c]);
}

// NEST's `while (t < h) gsl_odeiv_evolve_apply(e, c, s, sys, &t, h, &IntegrationStep, y)` with
// rkf45 and gsl_odeiv_control_y_new(eps_abs, 0) (the Hodgkin-Huxley models, iaf_cond_alpha):
//   * a try of size s (the internal step size, shortened to the rest of the time step when it is
//     larger -- then the try is "final" and ends exactly at h) is accepted when
//     r = max_i |err_i| / eps_abs <= 1.1; otherwise it is redone from the same state with
//     s <- s max(0.2, 0.9 r^(-1/5)), unless that no longer moves t (then it is accepted).
//   * After an accepted try with r < 0.5: s <- s min(5, max(1, 0.9 r^(-1/6))); the size carries
//     over to the next time step (`hs`).
// At most max_tries tries per time step; the last is accepted whatever its error (a safety bound
// for bounded loops on every backend). Returns the internal step size for the next time step.
template <int N, class Real, class Rhs>
NEUROMESH_INLINE_HOST_DEVICE Real gsl_evolve(const Rhs& f, Real* y, Real hs, Real h, Real eps_abs, int max_tries) {
  Real k1[N], yn[N], k7[N], err[N];
  f(y, k1);
  Real t = 0;
  int tries = 0;
  while (t < h) {
    const Real rest = h - t;
    Real s = hs;
    for (;;) {  // tries from t until one is accepted
      ++tries;
      const bool final_step = s > rest;  // shortened to end on h, which it then reaches exactly
      s = final_step ? rest : s;
      fehlberg_try<N>(f, y, k1, s, yn, k7, err);
      const Real t_new = final_step ? h : t + s;
      Real ratio = Real(0);
      for (int c = 0; c < N; ++c) {
        const Real q = (err[c] < Real(0) ? -err[c] : err[c]) / eps_abs;
        ratio = q > ratio ? q : ratio;
      }
      Real s_next = s;
      if (ratio > Real(1.1)) {
        // 0.9 ratio^(-1/5) <= 0.2 from ratio >= 4.5^5.
        const Real r = ratio >= Real(1845.28125) ? Real(0.2) : Real(0.9) * power(ratio, -1.0 / 5.0);
        s_next = s * (r > Real(0.2) ? r : Real(0.2));
        if (tries < max_tries && s_next < s && t_new + s_next != t_new) {
          s = s_next;
          continue;
        }
        s_next = s;
      } else if (ratio < Real(0.5)) {
        // 0.9 ratio^(-1/6) >= 5 below ratio = 0.18^6.
        Real r = ratio <= Real(3.4012224e-05) ? Real(5) : Real(0.9) * power(ratio, -1.0 / 6.0);
        r = r > Real(5) ? Real(5) : r;
        s_next = s * (r < Real(1) ? Real(1) : r);
      }
      hs = s_next;
      t = tries >= max_tries ? h : t_new;
      for (int c = 0; c < N; ++c) {
        y[c] = yn[c];
        k1[c] = k7[c];
      }
      break;
    }
  }
  return hs;
}

}  // namespace neuromesh::detail
