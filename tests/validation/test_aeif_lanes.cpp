// The cpu backend runs the aeif models' deferred neurons (the upswing toward V_peak, the short
// internal steps around a spike) in lanes: one branch-free internal step per pass for many
// neurons at once, each in its own form (V or u), with its own step size and count
// (backends/cpu/src/neuron_group.hpp: evolve_deferred; aeif_integrator.hpp: evolve_*). Every
// neuron of a run must match the model's scalar `step` applied to it alone (lanes_vs_step.hpp).
#include <neuromesh/neurons/aeif_cond_alpha.hpp>
#include <neuromesh/neurons/aeif_cond_exp.hpp>

#include "lanes_vs_step.hpp"

using namespace neuromesh;
using lanes_test::expect_lanes_are_step;

namespace {

// 2 x 320 neurons firing at ~55 Hz (~20 deferred per step), excitatory and inhibitory input; U
// refractory for 2 ms after a spike (the lock), H not.
lanes_test::setup aeif_setup() {
  lanes_test::setup c;
  c.n = 320;
  c.i_lo = 500.0;
  c.i_hi = 2000.0;
  c.w_ex = 6.0;
  c.w_in = 3.0;
  c.v_span = 30.0;
  c.period_ms = 4.0;
  c.u_params["t_ref"] = 2.0;
  return c;
}

}  // namespace

TEST(AeifLanes, EvolveInLanesIsStep) {
  expect_lanes_are_step<aeif_cond_exp, float>(aeif_setup(), 1, 10.0);
  expect_lanes_are_step<aeif_cond_exp, double>(aeif_setup(), 2, 10.0);
  expect_lanes_are_step<aeif_cond_alpha, float>(aeif_setup(), 2, 10.0);
  expect_lanes_are_step<aeif_cond_alpha, double>(aeif_setup(), 1, 10.0);
}
