// The network description and its JSON reader: values, distributions, defaults, round trips of
// every connector and stimulus kind, and the model registry the validator relies on.
#include <chrono>
#include <cmath>
#include <thread>

#include <gtest/gtest.h>

#include <neuromesh/api.hpp>
#include <neuromesh/core/errors.hpp>
#include <neuromesh/core/random/keyed_stream.hpp>
#include <neuromesh/neurons/registry.hpp>

#include "../../backends/cpu/src/thread_pool.hpp"

using namespace neuromesh;

TEST(ValueSpec, ScalarArrayAndDistributionEvaluate) {
  EXPECT_EQ(evaluate(value_spec{2.5}, 7, 1, 4, 7, 0), 2.5);
  EXPECT_EQ(evaluate(value_spec{std::vector<double>{1, 2, 3}}, 2, 1, 4, 2, 0), 3.0);
  const distribution d{distribution::kind::normal, 10.0, 2.0, 9.0, 11.0};
  double sum = 0;
  for (std::uint32_t i = 0; i < 2000; ++i) {
    const double x = evaluate(d, i, 1, 4, i, 0);
    ASSERT_GE(x, 9.0);
    ASSERT_LE(x, 11.0);
    sum += x;
  }
  EXPECT_NEAR(sum / 2000, 10.0, 0.05);
  EXPECT_EQ(evaluate(d, 5, 1, 4, 5, 0), evaluate(d, 5, 1, 4, 5, 0)) << "keyed: same entity, same value";
  EXPECT_THROW(validate_value(value_spec{std::vector<double>{1, 2}}, 3, "x"), config_error);
  EXPECT_THROW(validate_value(distribution{distribution::kind::normal, 0, -1}, 3, "x"), config_error);
}

TEST(NetworkJson, ReadsEveryKindOfEntry) {
  const network net = parse_network_json(R"({
    "name": "all", "dt": 0.05, "seed": 9, "duration": 50,
    "populations": [
      {"label": "S", "size": 2, "model": "spike_source_array", "spike_times": [[1.0], [2.0, 3.0]]},
      {"label": "N", "size": 4, "model": "iaf_cond_exp",
       "params": {"g_L": {"distribution": "uniform", "low": 9, "high": 11}, "C_m": [200, 210, 220, 230]},
       "initial": {"V_m": {"distribution": "normal", "mean": -65, "std": 2, "min": -70, "max": -60}}}],
    "projections": [
      {"pre": "S", "post": "N", "connector": {"type": "explicit", "sources": [0, 1], "targets": [2, 3]},
       "synapse": {"weight": [1.5, 2.5], "delay": 0.5}, "receptor": "inhibitory"},
      {"pre": "N", "post": "N", "connector": {"type": "fixed_total_number", "n": 5, "autapses": false},
       "synapse": {"weight": {"distribution": "lognormal", "mu": 0, "sigma": 0.5}, "delay": {"distribution": "exponential", "mean": 1, "min": 0.05, "max": 4}}}],
    "stimuli": [{"type": "dc_source", "target": "N", "amplitude": 20, "start": 5}],
    "recorders": [{"population": "N", "variable": "g_in", "interval": 0.5, "ids": [1]}]})");
  EXPECT_EQ(net.name, "all");
  EXPECT_EQ(net.dt, 0.05);
  EXPECT_EQ(net.seed, 9u);
  ASSERT_EQ(net.populations.size(), 2u);
  EXPECT_EQ(net.populations[0].spike_times[1].size(), 2u);
  EXPECT_TRUE(std::holds_alternative<distribution>(net.populations[1].params.at("g_L")));
  EXPECT_EQ(net.projections[0].target, receptor::inhibitory);
  EXPECT_EQ(net.projections[1].conn.type, connector::kind::fixed_total_number);
  EXPECT_FALSE(net.projections[1].conn.autapses);
  EXPECT_TRUE(std::isinf(net.stimuli[0].stop));
  EXPECT_EQ(net.recorders[0].ids, std::vector<index_t>{1});
  EXPECT_NO_THROW(validate(net));
  auto sim = make_simulation(net, {.threads = 2});
  sim->run(10.0);
  EXPECT_EQ(sim->spikes().size(), 3u) << "the three source spikes";
}

TEST(Registry, KnowsEveryModelAndItsNames) {
  for (const char* name : {"iaf_psc_delta", "iaf_psc_exp", "iaf_psc_alpha", "iaf_cond_exp", "izhikevich",
                           "aeif_cond_exp", "spike_source_array"})
    EXPECT_NE(find_model(name), nullptr) << name;
  EXPECT_EQ(find_model("nope"), nullptr);
  const model_info* m = find_model("iaf_cond_exp");
  EXPECT_GE(m->parameter("tau_syn_ex"), 0);
  EXPECT_GE(m->state_variable("g_ex"), 0);
  EXPECT_EQ(m->input, receptor_kind::conductance);
  EXPECT_NE(model_names().find("aeif_cond_exp"), std::string::npos);
}

TEST(ThreadPool, RunsEveryShardAndPropagatesErrors) {
  cpu::thread_pool pool(3);
  std::vector<int> hits(3, 0);
  for (int round = 0; round < 100; ++round) pool.run([&](int k) { ++hits[k]; });
  EXPECT_EQ(hits, (std::vector<int>{100, 100, 100}));
  EXPECT_THROW(pool.run([](int k) {
    if (k == 2) throw config_error("x", "from a worker");
  }),
               config_error);
  pool.run([&](int k) { ++hits[k]; });  // still usable afterwards
  EXPECT_EQ(hits[2], 101);
}

TEST(ThreadPool, IdleWorkersThatFellAsleepWakeForTheNextRun) {
  cpu::thread_pool pool(3);
  std::vector<int> hits(3, 0);
  for (int round = 0; round < 5; ++round) {
    std::this_thread::sleep_for(std::chrono::milliseconds(round % 2 ? 1 : 20));  // 20 ms: past the 2 ms before sleeping
    pool.run([&](int k) { ++hits[k]; });
  }
  EXPECT_EQ(hits, (std::vector<int>{5, 5, 5}));
}

TEST(Features, ReportsTheCpuBackend) {
  const auto f = features();
  ASSERT_FALSE(f.backends.empty());
  EXPECT_EQ(f.backends.front(), "cpu");
  // With the CUDA backend built, its Thrust-OMP twin runs anywhere ("cuda" itself needs a GPU).
  EXPECT_EQ(std::count(f.backends.begin(), f.backends.end(), std::string("cuda-omp")), f.cuda ? 1 : 0);
  EXPECT_FALSE(f.version.empty());
}
