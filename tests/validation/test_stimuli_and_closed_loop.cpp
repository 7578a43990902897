// Stimulus devices, spike sources, state recording and the closed-loop API.
#include <cmath>

#include <gtest/gtest.h>

#include <neuromesh/core/io/sonata_reader.hpp>

#include "test_networks.hpp"

using namespace neuromesh;

// poisson_generator: each target gets an independent train; with a huge threshold the summed
// input is visible in I_syn_ex, whose mean must match rate * weight * tau_syn.
TEST(Stimuli, PoissonGeneratorDeliversTheRequestedRate) {
  network net;
  net.populations.push_back({"N", 200, "iaf_psc_exp", {{"V_th", 1e6}, {"tau_syn_ex", 2.0}}, {}, {}});
  net.stimuli.push_back({stimulus::kind::poisson_generator, "N", 5000.0, 1.0});
  auto sim = make_simulation(net, {.threads = 2});
  sim->run(50.0);
  std::vector<index_t> ids(200);
  for (index_t i = 0; i < 200; ++i) ids[i] = i;
  double sum = 0;
  for (int k = 0; k < 100; ++k) {
    sim->run(1.0);
    for (double v : sim->state("N", "I_syn_ex", ids)) sum += v;
  }
  // Sampled right after input is added: E[I] = (rate h) w / (1 - exp(-h/tau)) = 10.25 pA
  // (~ rate w tau = 10 pA); the standard error of this estimate is ~0.03 pA.
  EXPECT_NEAR(sum / (200 * 100), 0.5 / (1 - std::exp(-0.05)), 0.15);
  // Independent trains: two neurons do not see the same input.
  const auto v = sim->state("N", "I_syn_ex", ids);
  EXPECT_NE(v[0], v[1]);
}

TEST(Stimuli, DcSourceActsOnlyInItsWindow) {
  network net = test_support::single_neuron("iaf_psc_exp", {{"V_th", 1e6}});
  net.stimuli.push_back(
      {.type = stimulus::kind::dc_source, .target = "N", .amplitude = 250.0, .start = 10.0, .stop = 20.0});
  simulation_options opt;
  opt.prec = precision::double_precision;
  auto sim = make_simulation(net, opt);
  const std::vector<index_t> id{0};
  sim->run(10.0);
  EXPECT_EQ(sim->state("N", "V_m", id)[0], -70.0);
  sim->run(10.0);
  const double peak = sim->state("N", "V_m", id)[0];
  EXPECT_NEAR(peak, -70.0 + 250.0 * 10.0 / 250.0 * (1 - std::exp(-1.0)), 1e-9);
  sim->run(10.0);
  EXPECT_NEAR(sim->state("N", "V_m", id)[0], -70.0 + (peak + 70.0) * std::exp(-1.0), 1e-9);
}

TEST(Sources, SpikeSourceArrayEmitsAtTheGivenTimes) {
  network net;
  net.populations.push_back({"S", 2, "spike_source_array", {}, {}, {{1.0, 2.5, 2.5}, {0.3}}});
  auto sim = make_simulation(net, {});
  sim->run(5.0);
  ASSERT_EQ(sim->spikes().size(), 4u);       // two spikes at 2.5 ms are two spikes (NEST multiplicity)
  EXPECT_EQ(sim->spikes()[0].step + 1, 3);   // 0.3 ms
  EXPECT_EQ(sim->spikes()[1].step + 1, 10);  // 1.0 ms
  EXPECT_EQ(sim->spikes()[2].step + 1, 25);  // 2.5 ms
  EXPECT_EQ(sim->spikes()[3].step + 1, 25);
}

TEST(ClosedLoop, InjectSetCurrentAndLastSpikes) {
  network net;
  net.populations.push_back({"sensor", 5, "iaf_psc_delta", {}, {}, {}});
  net.populations.push_back({"motor", 5, "iaf_psc_delta", {}, {}, {}});
  projection p;
  p.pre = "sensor";
  p.post = "motor";
  p.conn.type = connector::kind::one_to_one;
  p.weight = 20.0;  // one spike makes the motor neuron fire
  p.delay = 1.0;
  net.projections.push_back(p);
  auto sim = make_simulation(net, {});
  EXPECT_EQ(sim->min_delay(), 10);
  sim->step();
  const std::vector<index_t> which{3};
  sim->inject_spikes("sensor", which);
  sim->step_epoch();  // 10 steps: the injected spike arrives in the last one
  ASSERT_EQ(sim->last_spikes("motor").size(), 1u);
  EXPECT_EQ(sim->last_spikes("motor")[0], 3u);
  sim->advance_steps(10);
  EXPECT_TRUE(sim->last_spikes("motor").empty());
  // A current makes the sensors fire on their own.
  const std::vector<index_t> all{0, 1, 2, 3, 4};
  sim->set_current("sensor", all, std::vector<double>(5, 1000.0));
  sim->advance_steps(300);
  EXPECT_EQ(sim->last_spikes("sensor").size() % 5, 0u);
  EXPECT_GT(sim->last_spikes("sensor").size(), 5u);
  EXPECT_THROW(sim->inject_spikes("sensor", std::vector<index_t>{7}), config_error);
  EXPECT_THROW(sim->set_current("nope", all, std::vector<double>(5, 1.0)), config_error);
}

TEST(Recording, StateReportRoundTripThroughSonata) {
  network net = test_support::single_neuron("iaf_psc_exp", {{"I_e", 300.0}, {"V_th", 1e6}});
  net.recorders.push_back({"N", "V_m", 0.5, {}});
  net.recorders.push_back({"N", "I_syn_ex", 1.0, {}});
  const std::string path = neuromesh::test_support::unique_temp_dir() + "report.h5";
  simulation_options opt;
  opt.output = path;
  opt.prec = precision::double_precision;
  {
    auto sim = make_simulation(net, opt);
    sim->run(20.0);
    sim->finish();
  }
  const auto reports = io::read_reports(path);
  ASSERT_EQ(reports.count("N"), 1u);
  const auto& r = reports.at("N");
  EXPECT_EQ(r.frames, 40u);  // t = 0, 0.5, ..., 19.5
  EXPECT_DOUBLE_EQ(r.dt, 0.5);
  EXPECT_EQ(r.units, "mV");
  EXPECT_FLOAT_EQ(r.data[0], -70.0f);
  const double t = 19.5;
  EXPECT_NEAR(r.data.back(), -70.0 + 300.0 * 10.0 / 250.0 * (1 - std::exp(-t / 10.0)), 1e-4);
  ASSERT_EQ(reports.count("N_I_syn_ex"), 1u);
  EXPECT_EQ(reports.at("N_I_syn_ex").frames, 20u);
}
