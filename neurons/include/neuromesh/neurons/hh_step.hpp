#pragma once
// The time step shared by the Hodgkin-Huxley models (hh_psc_alpha.hpp, hh_cond_exp_traub.hpp), as
// NEST's update of both: the ODE over the step by GSL's RKF45 evolution (rkf45.hpp, absolute
// tolerance 1e-3, the internal step size carried in state `integration_step`, starting at h),
// then this step's spike input (M::add_input), then spike detection: outside the refractory
// count, a spike when V fell during the step and ended at or above M::threshold(k). A spike sets
// the count to t_ref's steps; it only suppresses detection (the dynamics go on).
#include <neuromesh/neurons/model.hpp>
#include <neuromesh/neurons/rkf45.hpp>

namespace neuromesh::detail {

template <class M, class Real, bool DetectChange>
NEUROMESH_INLINE_HOST_DEVICE unsigned hh_step(const Real* k, Real* x, Real in_ex, Real in_in, Real i_stim) {
  constexpr int n = M::n;
  Real y[n];
  for (int c = 0; c < n; ++c) y[c] = x[c];
  const Real h = k[M::dt];
  const Real hs0 = x[M::h_int] > Real(0) ? x[M::h_int] : h;
  const Real hs =
      gsl_evolve<n>(typename M::template rhs<Real>{k, k[M::i_e] + i_stim}, y, hs0, h, Real(1e-3), M::max_tries);
  M::add_input(k, y, in_ex, in_in);
  const Real r = x[M::refr];
  const bool fire = !(r > Real(0)) & (y[M::V_m] >= M::threshold(k)) & (x[M::V_m] > y[M::V_m]);
  const Real r_new = select(fire, k[M::ref_steps], select(r > Real(0), r - Real(1), Real(0)));
  bool changed = (r_new != r) | (hs != x[M::h_int]);
  for (int c = 0; c < n; ++c) changed |= y[c] != x[c];
  for (int c = 0; c < n; ++c) x[c] = y[c];
  x[M::refr] = r_new;
  x[M::h_int] = hs;
  return step_result<DetectChange>(fire, changed);
}

}  // namespace neuromesh::detail
