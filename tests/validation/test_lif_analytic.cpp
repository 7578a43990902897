// Validation against analytic solutions, in double precision.
#include <cmath>

#include <gtest/gtest.h>

#include "test_networks.hpp"

using namespace neuromesh;

// iaf_psc_exp under a DC current follows V(t) = E_L + I tau/C (1 - exp(-t/tau)) exactly.
TEST(LifAnalytic, IafPscExpDcTrajectoryMatchesTo1e9mV) {
  const double E_L = -70, C = 250, tau = 10, I = 300;  // R I = 12 mV, stays below threshold
  network net =
      test_support::single_neuron("iaf_psc_exp", {{"E_L", E_L}, {"C_m", C}, {"tau_m", tau}, {"I_e", I}, {"V_th", 0.0}});
  simulation_options opt;
  opt.prec = precision::double_precision;
  opt.threads = 1;
  auto sim = make_simulation(net, opt);
  const std::vector<index_t> ids{0};
  double worst = 0;
  for (int k = 1; k <= 1000; ++k) {
    sim->step();
    const double t = sim->time_ms();
    const double expected = E_L + I * tau / C * (1 - std::exp(-t / tau));
    worst = std::max(worst, std::fabs(sim->state("N", "V_m", ids)[0] - expected));
  }
  EXPECT_LT(worst, 1e-9);
}

// The f-I curve of iaf_psc_delta: rate = 1 / (t_ref + tau ln(RI / (RI - theta))), on the grid.
TEST(LifAnalytic, IafPscDeltaFiCurveMatchesLifFormula) {
  const double tau = 20, C = 250, t_ref = 2, theta = 15, h = 0.01;
  for (double I : {200.0, 250.0, 400.0, 800.0}) {
    network net = test_support::single_neuron(
        "iaf_psc_delta",
        {{"E_L", 0.0}, {"C_m", C}, {"tau_m", tau}, {"t_ref", t_ref}, {"V_th", theta}, {"V_reset", 0.0}, {"I_e", I}}, h);
    const auto spikes = test_support::run_spikes(net, 2000.0, 1, precision::double_precision);
    ASSERT_GT(spikes.size(), 3u);
    const double isi = (spikes.back().step - spikes.front().step) * h / (spikes.size() - 1);
    const double RI = I * tau / C;
    const double analytic = t_ref + tau * std::log(RI / (RI - theta));
    // Spike times sit on the grid: each interval is the analytic one rounded up to a step.
    EXPECT_NEAR(isi, analytic, h) << "I = " << I;
  }
}

// A spike with delay d reaches the target in step s + d: the target's V_m jumps at exactly
// t_spike + d, for every delay.
TEST(LifAnalytic, SpikeArrivesAtExactlyTheRightStepForEveryDelay) {
  for (double delay : {0.1, 0.2, 0.5, 1.0, 1.5, 2.3, 7.0}) {
    network net;
    net.dt = 0.1;
    population src{"S", 1, "spike_source_array", {}, {}, {{1.0}}};
    net.populations.push_back(src);
    net.populations.push_back({"T", 1, "iaf_psc_delta", {{"E_L", 0.0}, {"V_th", 100.0}, {"V_reset", 0.0}}, {}, {}});
    projection p;
    p.pre = "S";
    p.post = "T";
    p.conn.type = connector::kind::one_to_one;
    p.weight = 5.0;
    p.delay = delay;
    net.projections.push_back(p);
    simulation_options opt;
    opt.prec = precision::double_precision;
    opt.threads = 1;
    auto sim = make_simulation(net, opt);
    const std::vector<index_t> ids{0};
    const step_t arrival = std::llround((1.0 + delay) / 0.1);  // step count at t_spike + d
    while (sim->now() < arrival - 1) {
      sim->step();
      ASSERT_EQ(sim->state("T", "V_m", ids)[0], 0.0) << "too early, delay " << delay << " at step " << sim->now();
    }
    sim->step();
    EXPECT_NEAR(sim->state("T", "V_m", ids)[0], 5.0 * std::exp(-0.0 / 10.0), 1e-12) << "delay " << delay;
  }
}
