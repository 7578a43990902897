// Checkpoints of plastic networks (docs/reliability.md, "Checkpoint and restart";
// docs/plasticity.md): stdp_synapse weights, K+ and last spike per source, the postsynaptic spike
// history and K- per target, tsodyks2's u, x and last spike per source are saved by neuron id and
// synapse order, so a run resumed with any other thread count continues with the spikes, weights
// and weight-recorder events of the uninterrupted run, bit for bit.
#include <algorithm>
#include <bit>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "test_networks.hpp"

using namespace neuromesh;

namespace {

// Which rules a plastic_brunel uses: E->E learns, I->E is short-term plastic.
struct rules {
  std::string ee;
  std::map<std::string, double> ee_parameters;
  std::string ie;
  std::map<std::string, double> ie_parameters;
};

const rules pair_and_tsodyks2{"stdp_synapse",
                              {{"Wmax", 0.3}, {"lambda", 0.02}, {"alpha", 1.1}, {"mu_plus", 0.0}, {"mu_minus", 0.0}},
                              "tsodyks2_synapse",
                              {{"U", 0.3}, {"tau_rec", 200.0}, {"tau_fac", 50.0}}};
// The rules with the most state: the triplet rule's second traces per source, per target and per
// history entry; tsodyks_synapse's active resources y per source.
const rules triplet_and_tsodyks{
    "stdp_triplet_synapse",
    {{"Wmax", 0.3}, {"Aplus", 0.004}, {"Aminus", 0.005}, {"Aplus_triplet", 0.003}, {"Aminus_triplet", 0.001}},
    "tsodyks_synapse",
    {{"U", 0.3}, {"tau_rec", 200.0}, {"tau_fac", 50.0}, {"tau_psc", 3.0}}};
const rules nearest_neighbour{"stdp_nn_restr_synapse",
                              {{"Wmax", 0.3}, {"lambda", 0.02}, {"alpha", 1.1}, {"mu_plus", 0.0}, {"mu_minus", 0.0}},
                              "tsodyks2_synapse",
                              {{"U", 0.3}, {"tau_rec", 200.0}, {"tau_fac", 0.0}}};

// Brunel scaled down (delays 0.5-3 ms) with a learning rule on E->E, a short-term one on I->E and a
// weight recorder on some E->E synapses.
network plastic_brunel(const rules& r = pair_and_tsodyks2) {
  network net = test_support::brunel_with_delay_distribution();
  projection& ee = net.projections[0];
  ee.synapse = r.ee;
  ee.synapse_parameters = r.ee_parameters;
  projection& ie = net.projections[2];
  EXPECT_EQ(ie.pre, "I");
  EXPECT_EQ(ie.post, "E");
  ie.synapse = r.ie;
  ie.synapse_parameters = r.ie_parameters;
  net.weight_recorders.push_back({0, {0, 1, 2, 3, 4, 5, 6, 7}, {}, ""});
  return net;
}

struct outcome {
  std::vector<spike> spikes;
  std::vector<synapse_record> ee;
  std::vector<weight_event> recorded;
};

outcome run(const network& net, simulation_options opt, double ms, double k_ms, int threads_after,
            const std::string& path) {
  outcome o;
  if (k_ms > 0) {
    auto sim = make_simulation(net, opt);
    sim->run(k_ms);
    sim->save_checkpoint(path);
    o.spikes = sim->spikes();
    o.recorded = sim->recorded_weights(0);
    opt.resume = path;
    opt.threads = threads_after;
  }
  auto sim = make_simulation(net, opt);
  EXPECT_DOUBLE_EQ(sim->time_ms(), k_ms);
  sim->run(ms - k_ms);
  o.spikes.insert(o.spikes.end(), sim->spikes().begin(), sim->spikes().end());
  o.recorded.insert(o.recorded.end(), sim->recorded_weights(0).begin(), sim->recorded_weights(0).end());
  o.ee = sim->synapses(0);
  return o;
}

struct split {
  precision prec;
  int before, after;
  const rules* r = &pair_and_tsodyks2;
  const char* name = "pair";
};

}  // namespace

class PlasticCheckpoint : public ::testing::TestWithParam<split> {};

TEST_P(PlasticCheckpoint, ResumedRunHasTheWeightsAndSpikesOfTheUninterrupted) {
  const split c = GetParam();
  const std::string dir = test_support::unique_temp_dir();
  const network net = plastic_brunel(*c.r);
  simulation_options opt;
  opt.prec = c.prec;
  opt.threads = c.before;
  const outcome ref = run(net, opt, 80.0, 0.0, 0, "");
  ASSERT_GT(ref.spikes.size(), 500u);
  ASSERT_GT(ref.recorded.size(), 100u);
  // 37.3 ms: mid-epoch, input and presynaptic spikes pending, post histories not yet read.
  const outcome got = run(net, opt, 80.0, 37.3, c.after, dir + "/p.ckpt");
  EXPECT_EQ(got.spikes, ref.spikes);
  ASSERT_EQ(got.ee.size(), ref.ee.size());
  std::size_t changed = 0;
  for (std::size_t k = 0; k < ref.ee.size(); ++k) {
    ASSERT_EQ(got.ee[k].pre, ref.ee[k].pre) << k;
    ASSERT_EQ(got.ee[k].post, ref.ee[k].post) << k;
    ASSERT_EQ(std::bit_cast<std::uint64_t>(got.ee[k].weight), std::bit_cast<std::uint64_t>(ref.ee[k].weight))
        << "synapse " << k;
    changed += ref.ee[k].weight != 0.1;
  }
  EXPECT_GT(changed, ref.ee.size() / 2) << "the weights must have learnt";
  ASSERT_EQ(got.recorded.size(), ref.recorded.size());
  for (std::size_t k = 0; k < ref.recorded.size(); ++k) {
    EXPECT_EQ(got.recorded[k].step, ref.recorded[k].step) << k;
    EXPECT_EQ(got.recorded[k].pre, ref.recorded[k].pre) << k;
    EXPECT_EQ(got.recorded[k].post, ref.recorded[k].post) << k;
    EXPECT_EQ(std::bit_cast<std::uint64_t>(got.recorded[k].weight),
              std::bit_cast<std::uint64_t>(ref.recorded[k].weight))
        << k;
  }
  std::filesystem::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(ThreadsAndPrecision, PlasticCheckpoint,
                         ::testing::Values(split{precision::single, 1, 1}, split{precision::single, 2, 3},
                                           split{precision::single, 3, 1}, split{precision::double_precision, 2, 1},
                                           split{precision::double_precision, 2, 3, &triplet_and_tsodyks, "triplet"},
                                           split{precision::single, 3, 1, &triplet_and_tsodyks, "triplet"},
                                           split{precision::double_precision, 1, 2, &nearest_neighbour, "nn_restr"}),
                         [](const auto& info) {
                           std::ostringstream os;
                           os << info.param.name << "_" << (info.param.prec == precision::single ? "float" : "double")
                              << "_" << info.param.before << "_to_" << info.param.after;
                           return os.str();
                         });

// A checkpoint holds the learnt state of the projections it was written for: changing a plastic
// projection's parameters is another network.
TEST(PlasticCheckpointErrors, ChangedSynapseParametersAreRefused) {
  const std::string dir = test_support::unique_temp_dir();
  network net = plastic_brunel();
  simulation_options opt;
  opt.threads = 1;
  {
    auto sim = make_simulation(net, opt);
    sim->run(10.0);
    sim->save_checkpoint(dir + "/c.ckpt");
  }
  net.projections[0].synapse_parameters["lambda"] = 0.03;
  opt.resume = dir + "/c.ckpt";
  try {
    make_simulation(net, opt);
    FAIL() << "a changed lambda was resumed";
  } catch (const config_error& e) {
    EXPECT_NE(std::string(e.what()).find("projections"), std::string::npos) << e.what();
  }
  std::filesystem::remove_all(dir);
}

// The cuda backends (where built) save and restore the same synapse state in the same form
// (synapses/state_checkpoint.hpp): resumed on the backend itself and across backends (written on
// the device, resumed on cpu, and the other way), the run continues with the spikes, weights and
// weight-recorder events of the uninterrupted cpu run, bit for bit -- for the rules with the most
// state, float and double.
struct across {
  std::string backend;
  precision prec;
  const rules* r;
  const char* name;
};

class PlasticCheckpointBackend : public ::testing::TestWithParam<across> {};

TEST_P(PlasticCheckpointBackend, ResumesBitIdenticallyOnAndAcrossBackends) {
  const across c = GetParam();
  const auto& built = features().backends;
  if (std::find(built.begin(), built.end(), c.backend) == built.end())
    GTEST_SKIP() << "backend " << c.backend << " is not built";
  const std::string dir = test_support::unique_temp_dir();
  const network net = plastic_brunel(*c.r);
  simulation_options cpu;
  cpu.prec = c.prec;
  cpu.threads = 2;
  simulation_options dev = cpu;
  dev.backend = c.backend;
  try {
    make_simulation(net, dev);
  } catch (const backend_unavailable& e) {
    GTEST_SKIP() << "backend " << c.backend << " cannot run here: " << e.what();
  }
  const outcome ref = run(net, cpu, 80.0, 0.0, 0, "");
  ASSERT_GT(ref.recorded.size(), 100u);
  for (const auto& [before, after] : {std::pair{dev, dev}, std::pair{dev, cpu}, std::pair{cpu, dev}}) {
    outcome got;
    {
      auto sim = make_simulation(net, before);
      sim->run(37.3);
      sim->save_checkpoint(dir + "/b.ckpt");
      got.spikes = sim->spikes();
      got.recorded = sim->recorded_weights(0);
    }
    simulation_options second = after;
    second.resume = dir + "/b.ckpt";
    second.threads = 3;
    auto sim = make_simulation(net, second);
    sim->run(80.0 - 37.3);
    got.spikes.insert(got.spikes.end(), sim->spikes().begin(), sim->spikes().end());
    got.recorded.insert(got.recorded.end(), sim->recorded_weights(0).begin(), sim->recorded_weights(0).end());
    got.ee = sim->synapses(0);
    const std::string what = before.backend + " -> " + after.backend;
    EXPECT_EQ(got.spikes, ref.spikes) << what;
    ASSERT_EQ(got.ee.size(), ref.ee.size()) << what;
    std::size_t differ = 0;
    for (std::size_t k = 0; k < ref.ee.size(); ++k)
      differ += got.ee[k].pre != ref.ee[k].pre || got.ee[k].post != ref.ee[k].post ||
                std::bit_cast<std::uint64_t>(got.ee[k].weight) != std::bit_cast<std::uint64_t>(ref.ee[k].weight);
    EXPECT_EQ(differ, 0u) << what << ": synapses differing of " << ref.ee.size();
    ASSERT_EQ(got.recorded.size(), ref.recorded.size()) << what;
    differ = 0;
    for (std::size_t k = 0; k < ref.recorded.size(); ++k)
      differ +=
          got.recorded[k].step != ref.recorded[k].step || got.recorded[k].pre != ref.recorded[k].pre ||
          got.recorded[k].post != ref.recorded[k].post ||
          std::bit_cast<std::uint64_t>(got.recorded[k].weight) != std::bit_cast<std::uint64_t>(ref.recorded[k].weight);
    EXPECT_EQ(differ, 0u) << what << ": recorded events differing of " << ref.recorded.size();
  }
  std::filesystem::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Backends, PlasticCheckpointBackend,
                         ::testing::Values(across{"cuda-omp", precision::single, &pair_and_tsodyks2, "pair"},
                                           across{"cuda-omp", precision::double_precision, &triplet_and_tsodyks,
                                                  "triplet"},
                                           across{"cuda-omp", precision::single, &nearest_neighbour, "nn_restr"},
                                           across{"cuda", precision::double_precision, &pair_and_tsodyks2, "pair"},
                                           across{"cuda", precision::single, &triplet_and_tsodyks, "triplet"}),
                         [](const auto& info) {
                           return std::string(info.param.backend == "cuda" ? "cuda" : "cuda_omp") + "_" +
                                  info.param.name + "_" + (info.param.prec == precision::single ? "float" : "double");
                         });
