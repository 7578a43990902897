// The determinism contract for learnt weights across processes: a Brunel network with
// stdp_synapse on E->E, on R ranks x T threads (under mpirun), gives the spikes and the weights --
// bit for bit -- of one process with one thread, for both exchanges and decompositions.
#include <bit>
#include <map>
#include <string>

#include <gtest/gtest.h>

#include <neuromesh/synapses/registry.hpp>

#include "distributed_support.hpp"
#include "test_networks.hpp"

using namespace neuromesh;
using test_support::threads_per_rank;

namespace {

struct outcome {
  std::vector<spike> spikes;
  std::vector<synapse_record> ee;
  int rank = 0;
};

outcome run(const network& net, simulation_options opt) {
  auto sim = make_simulation(net, opt);
  sim->run(150.0);
  outcome out{sim->spikes(), sim->synapses(0), sim->rank()};
  sim->finish();
  return out;
}

// Runs `net` distributed (this process's ranks x threads) and in one process with one thread;
// rank 0 compares spikes and every E->E weight bit for bit.
void expect_identical_to_one_process(const network& net, const char* exchange, const char* decomposition) {
  simulation_options opt;
  opt.threads = threads_per_rank();
  opt.exchange = exchange;
  opt.decomposition = decomposition;
  const outcome distributed = run(net, opt);
  if (distributed.rank != 0) return;  // every rank holds the weights; rank 0 also has every spike
  simulation_options ref;
  ref.communicator = "local";
  ref.threads = 1;
  const outcome single = run(net, ref);
  EXPECT_EQ(distributed.spikes, single.spikes);
  ASSERT_EQ(distributed.ee.size(), single.ee.size());
  std::size_t changed = 0;
  for (std::size_t k = 0; k < single.ee.size(); ++k) {
    ASSERT_EQ(distributed.ee[k].pre, single.ee[k].pre) << k;
    ASSERT_EQ(distributed.ee[k].post, single.ee[k].post) << k;
    ASSERT_EQ(std::bit_cast<std::uint64_t>(distributed.ee[k].weight), std::bit_cast<std::uint64_t>(single.ee[k].weight))
        << net.projections[0].synapse << " synapse " << k;
    changed += single.ee[k].weight != 0.1;
  }
  if (find_synapse_model(net.projections[0].synapse)->plastic)
    EXPECT_GT(changed, single.ee.size() / 2) << "most E->E weights must have learnt";
}

}  // namespace

// Every rule (docs/plasticity.md), stdp_synapse under both exchanges and decompositions, the
// others one each (alternating). tsodyks_synapse leaves the weights as stored; its spikes must
// still match.
struct rule_case {
  const char* model;
  std::map<std::string, double> params;
  const char* exchange;
  const char* decomposition;
};

class DistributedPlasticityRules : public ::testing::TestWithParam<rule_case> {};

TEST_P(DistributedPlasticityRules, WeightsAndSpikesIdenticalToOneProcess) {
  network net = test_support::brunel_with_delay_distribution();
  EXPECT_EQ(net.projections[0].pre, "E");
  EXPECT_EQ(net.projections[0].post, "E");
  net.projections[0].synapse = GetParam().model;
  net.projections[0].synapse_parameters = GetParam().params;
  expect_identical_to_one_process(net, GetParam().exchange, GetParam().decomposition);
}

INSTANTIATE_TEST_SUITE_P(
    Rules, DistributedPlasticityRules,
    ::testing::Values(
        rule_case{"stdp_synapse",
                  {{"Wmax", 0.3}, {"lambda", 0.02}, {"alpha", 1.1}, {"mu_plus", 0.0}, {"mu_minus", 0.0}},
                  "targeted",
                  "block"},
        rule_case{"stdp_synapse",
                  {{"Wmax", 0.3}, {"lambda", 0.02}, {"alpha", 1.1}, {"mu_plus", 0.0}, {"mu_minus", 0.0}},
                  "allgather",
                  "round-robin"},
        rule_case{"stdp_nn_symm_synapse", {{"Wmax", 0.3}, {"lambda", 0.02}, {"alpha", 1.1}}, "targeted", "block"},
        rule_case{
            "stdp_nn_restr_synapse", {{"Wmax", 0.3}, {"lambda", 0.02}, {"alpha", 1.1}}, "allgather", "round-robin"},
        rule_case{"stdp_triplet_synapse",
                  {{"Wmax", 0.3}, {"Aplus", 0.002}, {"Aminus", 0.003}, {"Aplus_triplet", 0.002}},
                  "targeted",
                  "block"},
        rule_case{"tsodyks_synapse", {{"U", 0.3}, {"tau_psc", 2.0}, {"tau_rec", 200.0}}, "allgather", "round-robin"}),
    [](const auto& info) {
      return std::string(info.param.model) + "_" + (info.param.exchange[0] == 't' ? "targeted" : "allgather");
    });
