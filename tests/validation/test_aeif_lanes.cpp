// The cpu backend runs the aeif models' deferred neurons (the upswing toward V_peak, the short
// internal steps around a spike) in lanes: one branch-free internal step per pass for many
// neurons at once, each in its own form (V or u), with its own step size and count
// (backends/cpu/src/deferred_lanes.hpp; aeif_integrator.hpp: evolve_*). Every
// neuron of a run must match the model's scalar `step` applied to it alone (lanes_vs_step.hpp).
#include <neuromesh/neurons/aeif_cond_alpha.hpp>
#include <neuromesh/neurons/aeif_cond_alpha_multisynapse.hpp>
#include <neuromesh/neurons/aeif_cond_beta_multisynapse.hpp>
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

// The multisynapse models (backends/cpu/src/port_group.cpp): the same lanes over 18 components,
// three ports given (port 3 idle), excitation on port 1 and inhibition on port 2.
TEST(AeifLanes, MultisynapsePortsInLanesAreStep) {
  lanes_test::setup alpha = aeif_setup();
  alpha.port_lists = {{"tau_syn", {0.5, 5.0, 2.0}}, {"E_rev", {0.0, -85.0, 0.0}}};
  expect_lanes_are_step<aeif_cond_alpha_multisynapse, float>(alpha, 2, 10.0);
  expect_lanes_are_step<aeif_cond_alpha_multisynapse, double>(alpha, 1, 10.0);
  lanes_test::setup beta = aeif_setup();
  beta.port_lists = {{"tau_rise", {0.2, 0.5, 3.0}}, {"tau_decay", {1.7, 8.0, 3.0}}, {"E_rev", {0.0, -85.0, 0.0}}};
  expect_lanes_are_step<aeif_cond_beta_multisynapse, float>(beta, 1, 10.0);
  expect_lanes_are_step<aeif_cond_beta_multisynapse, double>(beta, 2, 10.0);
}
