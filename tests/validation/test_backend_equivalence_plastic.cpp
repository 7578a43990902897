// Determinism contract for plastic synapses across backends: a recurrent network with a plastic
// projection E->E (heterogeneous delays, multapses) and a second plastic projection onto the same
// population from spike sources (two of them firing together, and spikes injected twice for one
// source in one step) gives the cpu backend's spikes AND weights, bit for bit, on cuda-omp with 1,
// 2 and 3 threads (every launch in parallel regions; Python's test runs the default launches), in float and double --
// for every plastic and short-term rule. On a machine with a GPU the cuda backend is held to the same.
// The plastic rules' weight recorders (one on some E->E synapses, one on every S->E synapse) record
// the same events, in memory and in the output file's /weights, byte for byte.
#include <bit>
#include <filesystem>

#include <gtest/gtest.h>
#include <hdf5.h>

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
  if (rule.synapse.rfind("tsodyks", 0) != 0) {  // weight recorders need weights that change
    std::vector<index_t> pre, post;
    for (index_t i = 0; i < 240; i += 3) pre.push_back(i);
    for (index_t i = 0; i < 240; i += 2) post.push_back(i);
    net.weight_recorders.push_back({ee, pre, post, "ee"});
    net.weight_recorders.push_back({se, {}, {}, "se"});
  }
  return net;
}

// The raw bytes of every dataset of /weights/<name> (times, pre, post, weight).
std::vector<std::vector<char>> weight_datasets(const std::string& path, const network& net) {
  std::vector<std::vector<char>> out;
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  EXPECT_GE(file, 0) << path;
  for (const weight_recorder& r : net.weight_recorders)
    for (const char* column : {"times", "pre", "post", "weight"}) {
      const hid_t d = H5Dopen2(file, ("/weights/" + r.label + "/" + column).c_str(), H5P_DEFAULT);
      EXPECT_GE(d, 0) << r.label << "/" << column;
      const hid_t space = H5Dget_space(d), type = H5Dget_type(d);
      std::vector<char> bytes(static_cast<std::size_t>(H5Sget_simple_extent_npoints(space)) * H5Tget_size(type));
      if (!bytes.empty()) H5Dread(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data());
      out.push_back(std::move(bytes));
      H5Tclose(type);
      H5Sclose(space);
      H5Dclose(d);
    }
  H5Fclose(file);
  return out;
}

struct outcome {
  std::vector<spike> spikes;
  std::vector<synapse_record> ee, se;
  std::vector<double> v_m;
  std::vector<std::vector<weight_event>> recorded;  // per weight recorder
  std::vector<std::vector<char>> weights_file;      // /weights/<name>/* as written
};

// Runs 250 ms with spikes injected twice for one source in one step (a repeated source in one
// delivery) and reads the plastic projections and the weight recorders back.
outcome run(const network& net, simulation_options opt, const engine_factory& factory) {
  const std::string dir = test_support::unique_temp_dir();
  opt.output = dir + "/out.h5";
  outcome o;
  {
    auto sim = factory ? std::make_unique<simulation>(resolve_receptors(net), opt, factory) : make_simulation(net, opt);
    sim->run(125.0);
    sim->inject_spikes("E", std::vector<index_t>{3, 3, 17});
    sim->run(125.0);
    std::vector<index_t> ids(240);
    for (index_t i = 0; i < 240; ++i) ids[i] = i;
    o = {sim->spikes(), sim->synapses(0), sim->synapses(1), sim->state("E", "V_m", ids), {}, {}};
    for (std::size_t r = 0; r < net.weight_recorders.size(); ++r) o.recorded.push_back(sim->recorded_weights(r));
  }
  o.weights_file = weight_datasets(opt.output, net);
  std::filesystem::remove_all(dir);
  return o;
}

void expect_identical(const outcome& cpu, const outcome& other, const std::string& what) {
  EXPECT_EQ(test_support::spike_hash(other.spikes), test_support::spike_hash(cpu.spikes)) << what;
  ASSERT_EQ(other.spikes.size(), cpu.spikes.size()) << what;
  ASSERT_EQ(other.recorded.size(), cpu.recorded.size()) << what;
  for (std::size_t r = 0; r < cpu.recorded.size(); ++r) {
    ASSERT_EQ(other.recorded[r].size(), cpu.recorded[r].size()) << what << " weight recorder " << r;
    std::size_t differ = 0;
    for (std::size_t i = 0; i < cpu.recorded[r].size(); ++i) {
      const weight_event &a = cpu.recorded[r][i], &b = other.recorded[r][i];
      differ += a.step != b.step || a.pre != b.pre || a.post != b.post ||
                std::bit_cast<std::uint64_t>(a.weight) != std::bit_cast<std::uint64_t>(b.weight);
    }
    EXPECT_EQ(differ, 0u) << what << ": events of weight recorder " << r << " differing of " << cpu.recorded[r].size();
  }
  EXPECT_TRUE(other.weights_file == cpu.weights_file) << what << ": /weights differs";
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
    ASSERT_EQ(cpu.recorded.size(), 2u);
    EXPECT_GT(cpu.recorded[0].size(), 500u) << "the E->E recorder should see many updates";
    EXPECT_GT(cpu.recorded[1].size(), 500u) << "the S->E recorder should see many updates";
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
