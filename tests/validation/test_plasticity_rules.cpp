// The determinism contract and parameter validation for the plasticity rules added after
// stdp_synapse (docs/plasticity.md): stdp_nn_symm_synapse, stdp_nn_restr_synapse,
// stdp_triplet_synapse, tsodyks_synapse. Spikes and weights (short-term rules: the membrane
// potentials their inputs make) are bit-identical for 1, 2 and 3 threads in float and double;
// every parameter is checked with its key path. NEST is the oracle in tests/crosscheck.
#include <bit>
#include <map>
#include <string>

#include <gtest/gtest.h>

#include <neuromesh/api.hpp>
#include <neuromesh/core/errors.hpp>
#include <neuromesh/synapses/registry.hpp>

#include "plastic_networks.hpp"
#include "test_networks.hpp"

using namespace neuromesh;

namespace {

struct rule_case {
  const char* model;
  std::map<std::string, double> params;
  double w0;
};

// Parameters that make every rule change its weights visibly within 450 ms.
const rule_case kRules[] = {
    {"stdp_nn_symm_synapse", {{"lambda", 0.05}, {"alpha", 1.1}, {"mu_plus", 0.4}, {"tau_minus", 25.0}}, 30.0},
    {"stdp_nn_restr_synapse", {{"lambda", 0.05}, {"alpha", 1.1}, {"mu_minus", 0.4}, {"tau_plus", 15.0}}, 30.0},
    {"stdp_triplet_synapse",
     {{"Aplus", 0.5}, {"Aminus", 0.7}, {"Aplus_triplet", 0.6}, {"Aminus_triplet", 0.2}, {"Kplus_triplet", 0.5}},
     30.0},
    {"tsodyks_synapse", {{"U", 0.3}, {"tau_psc", 5.0}, {"tau_rec", 150.0}, {"tau_fac", 40.0}}, 30.0},
};

network rule_network(const rule_case& c) {
  std::uint64_t seed = 0x9e3779b97f4a7c15ull;
  const auto pre = test_support::pseudo_random_trains(7, 400.0, seed);
  const auto post = test_support::pseudo_random_trains(9, 400.0, seed);
  return test_support::driven_network(pre, post, c.model, c.params, c.w0, 1.0);
}

struct outcome {
  std::vector<spike> spikes;
  std::vector<synapse_record> synapses;
  std::vector<double> v;
};

outcome run(const network& net, int threads, precision prec) {
  simulation_options opt;
  opt.threads = threads;
  opt.prec = prec;
  auto sim = make_simulation(net, opt);
  sim->run(450.0);
  std::vector<index_t> ids(9);
  for (index_t i = 0; i < 9; ++i) ids[i] = i;
  return {sim->spikes(), sim->synapses(1), sim->state("post", "V_m", ids)};
}

}  // namespace

class PlasticityRuleDeterminism : public ::testing::TestWithParam<rule_case> {};

TEST_P(PlasticityRuleDeterminism, SpikesAndWeightsBitIdenticalForOneTwoThreeThreads) {
  const rule_case& c = GetParam();
  const network net = rule_network(c);
  for (precision prec : {precision::single, precision::double_precision}) {
    const outcome one = run(net, 1, prec);
    ASSERT_EQ(one.synapses.size(), 63u);
    std::size_t changed = 0;
    for (const synapse_record& s : one.synapses) changed += s.weight != c.w0;
    if (find_synapse_model(c.model)->plastic)
      EXPECT_EQ(changed, one.synapses.size()) << c.model << ": every weight must have learnt";
    else
      EXPECT_EQ(changed, 0u) << c.model << ": short-term plasticity leaves the stored weights";
    for (int threads : {2, 3}) {
      const outcome other = run(net, threads, prec);
      EXPECT_EQ(test_support::spike_hash(other.spikes), test_support::spike_hash(one.spikes)) << threads;
      ASSERT_EQ(other.synapses.size(), one.synapses.size());
      for (std::size_t k = 0; k < one.synapses.size(); ++k) {
        EXPECT_EQ(other.synapses[k].pre, one.synapses[k].pre);
        EXPECT_EQ(other.synapses[k].post, one.synapses[k].post);
        EXPECT_EQ(std::bit_cast<std::uint64_t>(other.synapses[k].weight),
                  std::bit_cast<std::uint64_t>(one.synapses[k].weight))
            << c.model << " synapse " << k << " with " << threads << " threads";
      }
      for (std::size_t i = 0; i < one.v.size(); ++i)
        EXPECT_EQ(std::bit_cast<std::uint64_t>(other.v[i]), std::bit_cast<std::uint64_t>(one.v[i]))
            << c.model << " V_m of post " << i << " with " << threads << " threads";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Rules, PlasticityRuleDeterminism, ::testing::ValuesIn(kRules),
                         [](const auto& info) { return std::string(info.param.model); });

// Every parameter of every new rule: an out-of-range value is a config_error naming the
// projection and the parameter (-1 is out of range for each of them).
TEST(PlasticityRuleValidation, EveryParameterCheckedWithItsKeyPath) {
  for (const rule_case& c : kRules) {
    const synapse_info* model = find_synapse_model(c.model);
    ASSERT_NE(model, nullptr) << c.model;
    ASSERT_FALSE(model->parameters.empty());
    for (const synapse_parameter_spec& spec : model->parameters) {
      network net = rule_network(c);
      net.projections[1].synapse_parameters[std::string(spec.name)] = -1.0;
      const std::string key = "projections[1] (pre->post).synapse." + std::string(spec.name);
      try {
        validate(net);
        ADD_FAILURE() << c.model << " accepted " << spec.name << " = -1";
      } catch (const config_error& e) {
        EXPECT_NE(std::string(e.what()).find(key), std::string::npos) << e.what();
      }
    }
  }
}

TEST(PlasticityRuleValidation, TsodyksRefusesWhatNestCannotIntegrate) {
  auto expect_error = [](std::map<std::string, double> params, const std::string& key) {
    network net = rule_network(kRules[3]);
    net.projections[1].synapse_parameters = std::move(params);
    try {
      validate(net);
      ADD_FAILURE() << "accepted " << key;
    } catch (const config_error& e) {
      EXPECT_NE(std::string(e.what()).find("synapse." + key), std::string::npos) << e.what();
    }
  };
  expect_error({{"tau_psc", 100.0}, {"tau_rec", 100.0}}, "tau_psc");  // NEST divides by tau_psc - tau_rec
  expect_error({{"x", 0.7}, {"y", 0.4}}, "y");                        // x + y <= 1
  expect_error({{"U", 1.5}}, "U");
  // Plastic rules are excitatory for now: negative weights are refused, for the new rules too.
  for (const rule_case& c : kRules) {
    if (!find_synapse_model(c.model)->plastic) continue;
    network net = rule_network(c);
    net.projections[1].weight = -1.0;
    EXPECT_THROW(validate(net), config_error) << c.model;
  }
}

// The JSON reader takes every new model and its parameters beside weight and delay.
TEST(PlasticityRuleJson, NewModelsAndParameters) {
  for (const char* model : {"stdp_nn_symm_synapse", "stdp_nn_restr", "stdp_triplet_synapse", "tsodyks"}) {
    const std::string params = std::string(model).find("triplet") != std::string::npos   ? R"("tau_plus_triplet": 90.0)"
                               : std::string(model).find("tsodyks") != std::string::npos ? R"("tau_psc": 2.0)"
                                                                                         : R"("tau_plus": 15.0)";
    const std::string text = std::string(R"({"populations": [{"label": "a", "size": 2, "model": "iaf_psc_exp"}],
      "projections": [{"pre": "a", "post": "a", "connector": {"type": "all_to_all"},
        "synapse": {"model": ")") +
                             model + R"(", "weight": 5.0, "delay": 1.0, )" + params + "}}]}";
    const network net = parse_network_json(text);
    EXPECT_EQ(net.projections[0].synapse, model);
    EXPECT_EQ(net.projections[0].synapse_parameters.size(), 1u) << model;
    EXPECT_NO_THROW(validate(net)) << model;
  }
}
