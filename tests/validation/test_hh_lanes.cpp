// The cpu backend runs the Hodgkin-Huxley models' deferred neurons (those inside an action
// potential) in lanes: one branch-free RKF45 try per pass for many neurons at once, each with
// its own step size and number of tries (backends/cpu/src/neuron_group.hpp: evolve_deferred).
// Every neuron of a run must match the model's scalar `step` applied to it alone
// (lanes_vs_step.hpp).
#include <neuromesh/neurons/hh_cond_exp_traub.hpp>
#include <neuromesh/neurons/hh_psc_alpha.hpp>

#include "lanes_vs_step.hpp"

using namespace neuromesh;
using lanes_test::expect_lanes_are_step;

namespace {

// Driven to fire throughout (>= 10 spikes per neuron in 300 ms), excitatory input only.
lanes_test::setup hh_setup(double i_lo, double i_hi, double w) {
  lanes_test::setup c;
  c.i_lo = i_lo;
  c.i_hi = i_hi;
  c.w_ex = w;
  return c;
}

}  // namespace

TEST(HodgkinHuxleyLanes, EvolveInLanesIsStep) {
  expect_lanes_are_step<hh_cond_exp_traub, float>(hh_setup(150.0, 600.0, 30.0), 1, 10.0);
  expect_lanes_are_step<hh_cond_exp_traub, double>(hh_setup(150.0, 600.0, 30.0), 2, 10.0);
  expect_lanes_are_step<hh_psc_alpha, float>(hh_setup(500.0, 1500.0, 800.0), 2, 10.0);
  expect_lanes_are_step<hh_psc_alpha, double>(hh_setup(500.0, 1500.0, 800.0), 1, 10.0);
}
