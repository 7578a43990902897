// Determinism contract for plastic synapses across backends: a recurrent network with a plastic
// projection E->E (heterogeneous delays, multapses) and a second plastic projection onto the same
// population from spike sources (two of them firing together, and spikes injected twice for one
// source in one step) gives the cpu backend's spikes AND weights, bit for bit, on cuda-omp with 1,
// 2 and 3 threads (every launch in parallel regions; Python's test runs the default launches), in float and double --
// for every plastic and short-term rule. On a machine with a GPU the cuda backend is held to the same.
#include <bit>

#include <gtest/gtest.h>

#include <neuromesh/core/config.hpp>
#include <neuromesh/core/errors.hpp>

#include "test_networks.hpp"

#if NEUROMESH_WITH_CUDA_ENABLED
#include <neuromesh/cuda/cuda_engine.hpp>

using namespace neuromesh;

namespace {

struct rule_case {
  std::string synapse;
  std::map<std::string, double> parameters;
};

const std::vector<rule_case>& rules() {
  static const std::vector<rule_case> r = {
      {"stdp_synapse", {{"lambda", 0.05}, {"alpha", 1.1}, {"mu_plus", 0.4}, {"mu_minus", 0.4}, {"Wmax", 80.0}}},
      {"stdp_synapse_hom", {{"lambda", 0.02}, {"mu_plus", 0.0}, {"mu_minus", 0.0}, {"Wmax", 60.0}, {"tau_minus", 30}}},
      {"stdp_pl_synapse_hom", {{"lambda", 0.05}, {"alpha", 0.1}, {"mu", 0.4}, {"tau_plus", 15.0}}},
      {"tsodyks2_synapse", {{"U", 0.2}, {"tau_rec", 150.0}, {"tau_fac", 40.0}}},
      {"stdp_nn_symm_synapse", {{"lambda", 0.05}, {"mu_plus", 0.4}, {"mu_minus", 1.0}, {"Wmax", 80.0}}},
      {"stdp_nn_restr_synapse", {{"lambda", 0.05}, {"alpha", 0.8}, {"Wmax", 80.0}}},
      {"stdp_triplet_synapse",
       {{"Aplus", 0.5},
        {"Aminus", 0.7},
        {"Aplus_triplet", 0.6},
        {"Aminus_triplet", 0.02},
        {"Wmax", 80.0},
        {"Kplus", 0.5},
        {"Kplus_triplet", 0.2}}},
      {"tsodyks_synapse", {{"U", 0.3}, {"tau_psc", 3.0}, {"tau_rec", 200.0}, {"tau_fac", 50.0}}},
  };
  return r;
}

network plastic_network(const rule_case& rule) {
  network net;
  net.dt = 0.1;
  std::vector<std::vector<double>> times(6);
  for (int i = 0; i < 6; ++i)
    for (double t = 2.0 + 3.0 * (i % 5); t < 300.0; t += 7.0 + (i % 5)) times[i].push_back(t);  // 0 and 5 alike
  net.populations.push_back({"S", 6, "spike_source_array", {}, {}, times});
  net.populations.push_back({"E", 240, "iaf_psc_exp", {}, {}, {}});
  net.populations.push_back({"I", 60, "iaf_psc_exp", {}, {}, {}});
  net.populations[1].initial["V_m"] = distribution{distribution::kind::uniform, -70.0, -56.0};
  net.stimuli.push_back({stimulus::kind::poisson_generator, "E", 9000.0, 20.0});
  net.stimuli.push_back({stimulus::kind::poisson_generator, "I", 9000.0, 20.0});
  auto connect = [&net](const std::string& pre, const std::string& post, connector::kind c, double n, value_spec w,
                        value_spec d) {
    projection p;
    p.pre = pre;
    p.post = post;
    p.conn.type = c;
    if (c == connector::kind::fixed_probability)
      p.conn.p = n;
    else
      p.conn.n = static_cast<std::uint64_t>(n);
    p.weight = std::move(w);
    p.delay = std::move(d);
    net.projections.push_back(p);
    return net.projections.size() - 1;
  };
  const std::size_t ee =
      connect("E", "E", connector::kind::fixed_indegree, 24, distribution{distribution::kind::normal, 30.0, 8.0, 0, 60},
              distribution{distribution::kind::uniform, 1.0, 2.5, 1.0, 2.5});
  const std::size_t se = connect("S", "E", connector::kind::fixed_probability, 0.5, 45.0, 1.0);
  connect("E", "I", connector::kind::fixed_indegree, 24, 30.0, 1.5);
  connect("I", "E", connector::kind::fixed_indegree, 15, -90.0, 1.0);
  connect("I", "I", connector::kind::fixed_indegree, 15, -90.0, 1.0);
  for (std::size_t k : {ee, se}) {
    net.projections[k].synapse = rule.synapse;
    net.projections[k].synapse_parameters = rule.parameters;
  }
  return net;
}

struct outcome {
  std::vector<spike> spikes;
  std::vector<synapse_record> ee, se;
  std::vector<double> v_m;
};

// Runs 250 ms with spikes injected twice for one source in one step (a repeated source in one
// delivery) and reads the plastic projections back.
outcome run(const network& net, const simulation_options& opt, const engine_factory& factory) {
  auto sim = factory ? std::make_unique<simulation>(resolve_receptors(net), opt, factory) : make_simulation(net, opt);
  sim->run(125.0);
  sim->inject_spikes("E", std::vector<index_t>{3, 3, 17});
  sim->run(125.0);
  std::vector<index_t> ids(240);
  for (index_t i = 0; i < 240; ++i) ids[i] = i;
  return {sim->spikes(), sim->synapses(0), sim->synapses(1), sim->state("E", "V_m", ids)};
}

void expect_identical(const outcome& cpu, const outcome& other, const std::string& what) {
  EXPECT_EQ(test_support::spike_hash(other.spikes), test_support::spike_hash(cpu.spikes)) << what;
  ASSERT_EQ(other.spikes.size(), cpu.spikes.size()) << what;
  using pair = std::pair<const std::vector<synapse_record>*, const std::vector<synapse_record>*>;
  for (const pair& p : {pair{&cpu.ee, &other.ee}, pair{&cpu.se, &other.se}}) {
    const auto& [a, b] = p;
    ASSERT_EQ(a->size(), b->size()) << what;
    std::size_t differ = 0;
    for (std::size_t k = 0; k < a->size(); ++k)
      differ += (*a)[k].pre != (*b)[k].pre || (*a)[k].post != (*b)[k].post || (*a)[k].delay != (*b)[k].delay ||
                std::bit_cast<std::uint64_t>((*a)[k].weight) != std::bit_cast<std::uint64_t>((*b)[k].weight);
    EXPECT_EQ(differ, 0u) << what << ": synapses differing of " << a->size();
  }
  ASSERT_EQ(cpu.v_m.size(), other.v_m.size());
  for (std::size_t i = 0; i < cpu.v_m.size(); ++i)
    ASSERT_EQ(std::bit_cast<std::uint64_t>(cpu.v_m[i]), std::bit_cast<std::uint64_t>(other.v_m[i])) << what << " " << i;
}

engine_factory omp_parallel() {
  return [](engine_config cfg) {
    gpu_preferences prefs;
    prefs.host_serial_below = 0;  // every launch in a parallel region (atomics, concurrent rows)
    return cuda_omp::make_engine(std::move(cfg), prefs);
  };
}

}  // namespace

class PlasticBackendEquivalence : public ::testing::TestWithParam<std::tuple<std::size_t, precision>> {};

TEST_P(PlasticBackendEquivalence, SpikesAndWeightsBitIdenticalToCpu) {
  const auto& [index, prec] = GetParam();
  const rule_case& rule = rules()[index];
  const network net = plastic_network(rule);
  simulation_options opt;
  opt.prec = prec;
  opt.threads = 2;
  const outcome cpu = run(net, opt, {});
  ASSERT_GT(cpu.spikes.size(), 800u) << "the network should be active";
  if (rule.synapse.rfind("tsodyks", 0) != 0) {  // the weights must have learnt, and differ between synapses
    std::size_t changed = 0;
    for (const synapse_record& s : cpu.ee) changed += s.weight != cpu.ee.front().weight;
    EXPECT_GT(changed, cpu.ee.size() / 2);
  }
  for (int threads : {1, 2, 3}) {  // 1: serial launches with plain adds; 2, 3: parallel, atomic adds
    opt.threads = threads;
    expect_identical(cpu, run(net, opt, omp_parallel()), rule.synapse + " cuda-omp " + std::to_string(threads));
  }
  opt.threads = 2;
  if (const std::string why = cuda::device_problem(0); why.empty()) {
    opt.backend = "cuda";
    expect_identical(cpu, run(net, opt, {}), rule.synapse + " cuda");
  }
}

INSTANTIATE_TEST_SUITE_P(Rules, PlasticBackendEquivalence,
                         ::testing::Combine(::testing::Range<std::size_t>(0, rules().size()),
                                            ::testing::Values(precision::single, precision::double_precision)),
                         [](const auto& info) {
                           return rules()[std::get<0>(info.param)].synapse +
                                  (std::get<1>(info.param) == precision::single ? "_float" : "_double");
                         });

// Plastic rows keep state per stored synapse: procedural connectivity is refused by name.
TEST(PlasticCuda, ProceduralConnectivityIsRefused) {
  network net = plastic_network(rules()[0]);
  simulation_options opt;
  opt.backend = "cuda-omp";
  opt.connectivity = "procedural_if_regenerable";
  EXPECT_NO_THROW(make_simulation(net, opt));
  net.projections[0].conn.type = connector::kind::fixed_outdegree;  // regenerable by source
  opt.connectivity = "procedural";
  try {
    make_simulation(net, opt);
    FAIL() << "procedural plastic rows accepted";
  } catch (const config_error& e) {
    EXPECT_NE(std::string(e.what()).find("projections[0]"), std::string::npos) << e.what();
  }
}

#else
TEST(PlasticBackendEquivalence, NotBuilt) {
  GTEST_SKIP() << "this build has no CUDA backend (NEUROMESH_WITH_CUDA off)";
}
#endif
