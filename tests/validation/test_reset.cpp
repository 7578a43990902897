// Batches of samples (simulation::reset, issue 14): a simulation reset to time 0 -- from the
// middle of a run, with input pending in its ring buffers, sleeping neurons and a closed-loop
// current -- and given new spike trains runs bit-identically to a fresh simulation of the
// description with those trains, on every backend this build can run (cpu with 1-3 threads,
// cuda-omp, cuda); what reset cannot restore is refused with an error naming it.
#include <bit>
#include <cstdint>
#include <filesystem>
#include <ostream>

#include <gtest/gtest.h>

#include <neuromesh/api.hpp>
#include <neuromesh/core/errors.hpp>

#include "test_networks.hpp"

using namespace neuromesh;

namespace {

std::vector<std::vector<double>> trains(double first, double second) {
  std::vector<std::vector<double>> t(10, {first});
  for (std::size_t i = 0; i < t.size(); i += 2) t[i].push_back(second);  // two waves, some sources twice
  return t;
}

// Brunel with delays of 0.5-3 ms and Poisson drive (keyed by step, so it repeats after a reset),
// and a mostly silent synfire chain (the active set puts it to sleep) started by spike sources.
std::vector<network> networks() {
  network brunel = test_support::brunel_with_delay_distribution();
  brunel.recorders.push_back({"E", "spikes", 1.0, {}});
  brunel.recorders.push_back({"I", "spikes", 1.0, {}});
  return {brunel, test_support::synfire_chain(trains(5.0, 31.0), 6, 50)};
}

struct outcome {
  std::vector<spike> spikes;
  std::vector<double> v;
};

outcome observe(simulation& sim, double ms) {
  sim.run(ms);
  const network& net = sim.description();
  const std::string last = net.populations.back().label;
  std::vector<index_t> ids(net.populations.back().size);
  for (index_t i = 0; i < ids.size(); ++i) ids[i] = i;
  return {sim.spikes(), sim.state(last, "V_m", ids)};
}

void expect_same(const outcome& got, const outcome& ref, const std::string& what) {
  ASSERT_GT(ref.spikes.size(), 50u) << what << ": the network should be active";
  EXPECT_TRUE(got.spikes == ref.spikes) << what << ": " << got.spikes.size() << " vs " << ref.spikes.size()
                                        << " spikes";
  ASSERT_EQ(got.v.size(), ref.v.size());
  for (std::size_t i = 0; i < ref.v.size(); ++i)
    ASSERT_EQ(std::bit_cast<std::uint64_t>(got.v[i]), std::bit_cast<std::uint64_t>(ref.v[i]))
        << what << ": V_m of neuron " << i;
}

struct where_t {
  std::string backend;
  int threads;
};
void PrintTo(const where_t& w, std::ostream* os) { *os << w.backend << " with " << w.threads << " threads"; }

bool runnable(const std::string& backend) {
  for (const auto& b : features().backends)
    if (b == backend) return true;
  return false;
}

}  // namespace

class Reset : public ::testing::TestWithParam<where_t> {};

TEST_P(Reset, SampleAfterResetIsBitIdenticalToAFreshSimulation) {
  const auto& [backend, threads] = GetParam();
  if (!runnable(backend)) GTEST_SKIP() << "this build cannot run the " << backend << " backend here";
  const simulation_options opt{.backend = backend, .threads = threads, .prec = precision::double_precision};
  for (network net : networks()) {
    const std::string what = net.populations.size() == 2 ? "brunel" : "chain";
    auto fresh = make_simulation(net, opt);
    const outcome ref = observe(*fresh, 40.0);
    auto sim = make_simulation(net, opt);
    sim->run(23.7);  // mid-epoch: input pending several steps ahead, part of the chain asleep
    const std::vector<index_t> ids{1, 2, 3};
    sim->set_current(net.populations.back().label, ids, std::vector<double>{150.0, -80.0, 400.0});
    sim->reset();
    EXPECT_EQ(sim->now(), 0);
    EXPECT_TRUE(sim->spikes().empty());
    expect_same(observe(*sim, 40.0), ref, what + " after reset");
    if (net.populations[0].model != "spike_source_array") continue;
    // New trains for the sources: as a fresh simulation built with them.
    net.populations[0].spike_times = trains(2.0, 17.0);
    auto fresh_b = make_simulation(net, opt);
    const outcome ref_b = observe(*fresh_b, 40.0);
    sim->reset({{"S", trains(2.0, 17.0)}});
    expect_same(observe(*sim, 40.0), ref_b, what + " with new trains");
    EXPECT_FALSE(ref_b.spikes == ref.spikes) << "the second sample should differ from the first";
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, Reset,
                         ::testing::Values(where_t{"cpu", 1}, where_t{"cpu", 2}, where_t{"cpu", 3},
                                           where_t{"cuda-omp", 2}, where_t{"cuda", 1}),
                         [](const auto& info) {
                           std::string b = info.param.backend;
                           std::replace(b.begin(), b.end(), '-', '_');
                           return b + "_" + std::to_string(info.param.threads) + "threads";
                         });

TEST(ResetRefusals, NamesWhatItCannotRestoreAndLeavesTheSimulationAsItWas) {
  network net = test_support::synfire_chain(trains(5.0, 31.0), 2, 30);
  auto sim = make_simulation(net, {.threads = 1});
  sim->run(10.0);
  const auto refused = [&](std::vector<std::pair<std::string, simulation::spike_trains>> t, const std::string& word) {
    try {
      sim->reset(std::move(t));
      ADD_FAILURE() << "expected config_error mentioning " << word;
    } catch (const config_error& e) {
      EXPECT_NE(std::string(e.what()).find(word), std::string::npos) << e.what();
    }
  };
  refused({{"G0", {{1.0}}}}, "not a spike_source_array");
  refused({{"S", {{-1.0}}}}, "spike_times");
  refused({{"S", simulation::spike_trains(11)}}, "more spike trains than neurons");
  refused({{"nope", {}}}, "nope");
  EXPECT_DOUBLE_EQ(sim->time_ms(), 10.0);  // nothing changed
  EXPECT_EQ(sim->description().populations[0].spike_times, trains(5.0, 31.0));

  // Run-time synapse state (plastic weights and traces) and an output file: refused by name.
  network plastic = net;
  plastic.projections[1].synapse = "stdp_synapse";
  auto p = make_simulation(plastic, {.threads = 1});
  try {
    p->reset();
    ADD_FAILURE() << "expected config_error for the plastic projection";
  } catch (const config_error& e) {
    EXPECT_NE(std::string(e.what()).find("G0 -> G1"), std::string::npos) << e.what();
  }
  const std::string dir = test_support::unique_temp_dir();
  auto written = make_simulation(net, {.threads = 1, .output = dir + "/out.h5"});
  EXPECT_THROW(written->reset(), config_error);
  written->finish();
  std::filesystem::remove_all(dir);
}
