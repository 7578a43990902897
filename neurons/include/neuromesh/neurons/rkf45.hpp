#pragma once
// The embedded Runge-Kutta-Fehlberg 4(5) pair (Fehlberg 1969, NASA TR R-315) as GSL implements it
// (gsl_odeiv_step_rkf45: the 5th-order solution is propagated, the 4(5) difference is the error
// estimate), and GSL's adaptive evolution with the standard step-size control
// (gsl_odeiv_evolve_apply + gsl_odeiv_control_standard), which NEST's GSL-integrated models call
// in a loop over each time step. Written once here for every backend: only +, -, *, / and the
// in-project exp/log (determinism contract rule 4), so the arithmetic is identical everywhere and
// the step choice is per neuron. Used by the aeif family (aeif_integrator.hpp, with its own
// evolution) and the Hodgkin-Huxley models (hh_psc_alpha.hpp, hh_cond_exp_traub.hpp: gsl_try).
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
  NEUROMESH_UNROLL
  for (int c = 0; c < N; ++c) yt[c] = y[c] + s * (Real(a21) * k1[c]);
  f(yt, k2);
  NEUROMESH_UNROLL
  for (int c = 0; c < N; ++c) yt[c] = y[c] + s * (Real(a31) * k1[c] + Real(a32) * k2[c]);
  f(yt, k3);
  NEUROMESH_UNROLL
  for (int c = 0; c < N; ++c) yt[c] = y[c] + s * (Real(a41) * k1[c] + Real(a42) * k2[c] + Real(a43) * k3[c]);
  f(yt, k4);
  NEUROMESH_UNROLL
  for (int c = 0; c < N; ++c)
    yt[c] = y[c] + s * (Real(a51) * k1[c] + Real(a52) * k2[c] + Real(a53) * k3[c] + Real(a54) * k4[c]);
  f(yt, k5);
  NEUROMESH_UNROLL
  for (int c = 0; c < N; ++c)
    yt[c] =
        y[c] + s * (Real(a61) * k1[c] + Real(a62) * k2[c] + Real(a63) * k3[c] + Real(a64) * k4[c] + Real(a65) * k5[c]);
  f(yt, k6);
  NEUROMESH_UNROLL
  for (int c = 0; c < N; ++c)
    yn[c] = y[c] + s * (Real(c1) * k1[c] + Real(c3) * k3[c] + Real(c4) * k4[c] + Real(c5) * k5[c] + Real(c6) * k6[c]);
  f(yn, k7);
  NEUROMESH_UNROLL
  for (int c = 0; c < N; ++c)
    err[c] = s * (Real(e1) * k1[c] + Real(e3) * k3[c] + Real(e4) * k4[c] + Real(e5) * k5[c] + Real(e6) * k6[c]);
}

// x^p (|p| <= 0.9) for the step-size control of gsl_try, without branches (SIMD lanes): the
// in-project exp_simd and log_simd in double, identical on every backend; for the ratios gsl_try
// uses it, the bits of `power` (measured on 10^7 ratios, float and double). For x >= 0, inf and
// NaN (gsl_try's ratio is never negative) log_simd is below 712 in magnitude: no clamp needed.
// Outside the positive normal range the value is meaningless, never a trap (selected away).
template <class Real>
NEUROMESH_INLINE_HOST_DEVICE Real power_simd(Real x, double p) {
  return static_cast<Real>(math::exp_simd_in_range(p * math::log_simd(static_cast<double>(x))));
}

// One try of NEST's `while (t < h) gsl_odeiv_evolve_apply(e, c, s, sys, &t, h, &IntegrationStep, y)`
// with rkf45 and gsl_odeiv_control_y_new(eps_abs, 0) (the Hodgkin-Huxley models), from time t
// within the step with y, k1 = f(y) and internal step size hs:
//   * the try's size s is hs, shortened to the rest of the time step when larger (the try is then
//     "final" and ends exactly at h). It is accepted when r = max_i |err_i| / eps_abs <= 1.1;
//     otherwise it is redone from the same state with s <- s max(0.2, 0.9 r^(-1/5)), unless that
//     no longer moves t (then it is accepted).
//   * After an accepted try with r < 0.5: s <- s min(5, max(1, 0.9 r^(-1/6))); the size carries
//     over to the next time step (`hs`).
// At most max_tries tries per time step (`tries` counts them); the last is accepted whatever its
// error (a safety bound for bounded loops on every backend).
// Without branches, so that a loop over neurons each at its own try vectorises (backends/cpu:
// the deferred neurons in lanes); the scalar step calls the same function in a loop
// (hh_common.hpp), so both compute the same bits. A rejected try leaves t, y and k1 and stores
// the shorter size in hs.
template <int N, class Real, class Rhs>
NEUROMESH_INLINE_HOST_DEVICE void gsl_try(const Rhs& f, Real* y, Real* k1, Real& t, Real& hs, Real& tries, Real h,
                                          Real eps_abs, Real max_tries) {
  Real yn[N], k7[N], err[N];
  tries = tries + Real(1);
  const Real rest = h - t;
  const bool final_step = hs > rest;  // shortened to end on h, which it then reaches exactly
  const Real s = final_step ? rest : hs;
  fehlberg_try<N>(f, y, k1, s, yn, k7, err);
  const Real t_new = final_step ? h : t + s;
  Real ratio = Real(0);
  NEUROMESH_UNROLL
  for (int c = 0; c < N; ++c) {
    const Real q = (err[c] < Real(0) ? -err[c] : err[c]) / eps_abs;
    ratio = q > ratio ? q : ratio;
  }
  const bool high = ratio > Real(1.1);
  const Real pw = power_simd(ratio, high ? -1.0 / 5.0 : -1.0 / 6.0);  // whichever of the two applies
  // Too large an error: 0.9 ratio^(-1/5) <= 0.2 from ratio >= 4.5^5.
  const Real shrink = ratio >= Real(1845.28125) ? Real(0.2) : Real(0.9) * pw;
  const Real s_shrunk = s * (shrink > Real(0.2) ? shrink : Real(0.2));
  // Small error: 0.9 ratio^(-1/6) >= 5 below ratio = 0.18^6.
  Real grow = ratio <= Real(3.4012224e-05) ? Real(5) : Real(0.9) * pw;
  grow = grow > Real(5) ? Real(5) : grow;
  const Real s_grown = s * (grow < Real(1) ? Real(1) : grow);
  const bool reject = high & (tries < max_tries) & (s_shrunk < s) & (t_new + s_shrunk != t_new);
  const Real s_accepted = (!high & (ratio < Real(0.5))) ? s_grown : s;
  hs = reject ? s_shrunk : s_accepted;
  t = reject ? t : (tries >= max_tries ? h : t_new);
  NEUROMESH_UNROLL
  for (int c = 0; c < N; ++c) {
    y[c] = reject ? y[c] : yn[c];
    k1[c] = reject ? k1[c] : k7[c];
  }
}

}  // namespace neuromesh::detail
