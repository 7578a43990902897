// Determinism contract across backends: every backend this build can run (features().backends)
// gives spike trains bit-identical to the cpu backend -- Brunel, Vogels-Abbott COBA and CUBA, a
// network with heterogeneous delays, one population of every model, every stimulus device
// (stimulus_zoo), in float and double. Backend "cuda" needs a GPU: without one its tests skip
// with the reason.
#include <gtest/gtest.h>

#include <map>
#include <utility>

#include <neuromesh/core/errors.hpp>

#include "test_networks.hpp"

using namespace neuromesh;

namespace {

// Full size (12,500 neurons), a tenth of the in-degree to keep construction short.
network brunel_short() {
  network net = builtin_network("brunel");
  for (auto& p : net.projections) p.conn.n /= 10;
  return net;
}

network heterogeneous_delays() {
  network net = builtin_network("brunel");
  net.populations[0].size = 800;
  net.populations[1].size = 200;
  for (auto& p : net.projections) {
    p.conn.n /= 10;
    p.delay = distribution{distribution::kind::uniform, 0.1, 4.0, 0.1, 4.0};  // 1..40 steps
  }
  return net;
}

// One population of every neuron model (random parameters and initial state), spike sources,
// Poisson drive on both receptors, dc windows, fixed-probability and one-to-one projections with
// random weights.
network model_zoo() {
  network net;
  net.populations.push_back({"S", 20, "spike_source_array", {}, {}, {}});
  for (int i = 0; i < 20; ++i) net.populations[0].spike_times.push_back({1.0 + i, 7.3 + 2 * i, 30.0});
  const std::vector<std::string> models = {"iaf_psc_delta", "iaf_psc_exp", "iaf_psc_alpha",  "iaf_cond_exp",
                                           "aeif_cond_exp", "izhikevich",  "aeif_cond_alpha"};
  for (const std::string& m : models) {
    population pop{m, 150, m, {}, {}, {}};
    pop.initial["V_m"] = distribution{distribution::kind::uniform, -70.0, -55.0};
    net.populations.push_back(pop);
    const bool conductance = m == "iaf_cond_exp" || m == "aeif_cond_exp" || m == "aeif_cond_alpha";
    const bool izh = m == "izhikevich";
    const double w = conductance ? 2.0 : izh ? 3.0 : 60.0;
    net.stimuli.push_back({stimulus::kind::poisson_generator, m, 4000.0, w});
    net.stimuli.push_back({stimulus::kind::poisson_generator, m, 1500.0, conductance ? w : -w, receptor::inhibitory});
    net.stimuli.push_back(
        {.type = stimulus::kind::dc_source, .target = m, .amplitude = 40.0, .start = 20.0, .stop = 60.0});
    projection from_sources;
    from_sources.pre = "S";
    from_sources.post = m;
    from_sources.conn.type = connector::kind::fixed_probability;
    from_sources.conn.p = 0.3;
    from_sources.weight = distribution{distribution::kind::normal, w, w / 4, 0.0, 10 * w};
    from_sources.delay = distribution{distribution::kind::uniform, 0.5, 2.0, 0.5, 2.0};
    net.projections.push_back(from_sources);
  }
  for (std::size_t k = 1; k < models.size(); ++k) {
    projection chain;
    chain.pre = models[k - 1];
    chain.post = models[k];
    chain.conn.type = connector::kind::one_to_one;
    const bool conductance = models[k] == "iaf_cond_exp" || models[k] == "aeif_cond_exp";
    chain.weight = conductance ? 3.0 : 80.0;
    chain.delay = 1.5;
    net.projections.push_back(chain);
  }
  return net;
}

// The models of issue 16 (iaf_cond_alpha, the Hodgkin-Huxley pair, parrot_neuron), as model_zoo
// does it, plus parrots under Poisson drive at a rate where steps carry several events
// (multiplicity) driving the others one to one.
network more_models() {
  network net;
  net.populations.push_back({"S", 20, "spike_source_array", {}, {}, {}});
  for (int i = 0; i < 20; ++i) net.populations[0].spike_times.push_back({1.0 + i, 7.3 + 2 * i, 30.0, 30.0});
  net.populations.push_back({"parrot", 100, "parrot_neuron", {}, {}, {}});
  net.stimuli.push_back({stimulus::kind::poisson_generator, "parrot", 3000.0, -2.0});
  const std::vector<std::string> models = {"iaf_cond_alpha", "hh_psc_alpha", "hh_cond_exp_traub"};
  for (const std::string& m : models) {
    const bool conductance = m != "hh_psc_alpha";
    const double w = conductance ? 2.0 : 150.0;
    population pop{m, 100, m, {}, {}, {}};
    pop.initial["V_m"] = distribution{distribution::kind::uniform, -70.0, -55.0};
    net.populations.push_back(pop);
    net.stimuli.push_back({stimulus::kind::poisson_generator, m, 4000.0, w});
    net.stimuli.push_back({stimulus::kind::poisson_generator, m, 1500.0, conductance ? w : -w, receptor::inhibitory});
    net.stimuli.push_back(
        {.type = stimulus::kind::dc_source, .target = m, .amplitude = 40.0, .start = 20.0, .stop = 60.0});
    for (const char* pre : {"S", "parrot"}) {
      projection in;
      in.pre = pre;
      in.post = m;
      in.conn.type = connector::kind::fixed_probability;
      in.conn.p = 0.2;
      in.weight = distribution{distribution::kind::normal, w, w / 4, 0.0, 10 * w};
      in.delay = distribution{distribution::kind::uniform, 0.5, 2.0, 0.5, 2.0};
      net.projections.push_back(in);
    }
  }
  projection to_parrots;  // sources' repeated times: multiplicity 2 through the parrots too
  to_parrots.pre = "S";
  to_parrots.post = "parrot";
  to_parrots.conn.type = connector::kind::fixed_probability;
  to_parrots.conn.p = 0.5;
  to_parrots.weight = 0.0;  // ignored
  to_parrots.delay = 1.0;
  net.projections.push_back(to_parrots);
  return net;
}

// The NIR neuron models (docs/nir.md) of every kind -- LIF, IF, Threshold, LI, CubaLIF, CubaLI,
// exact and Euler -- driven by spike sources through weights of both signs, chained one to one.
network nir_models() {
  network net;
  net.populations.push_back({"S", 40, "spike_source_array", {}, {}, {}});
  for (int i = 0; i < 40; ++i) net.populations[0].spike_times.push_back({1.0 + i % 7, 4.5 + i, 20.0 + 0.5 * i, 60.0});
  struct variant {
    const char* label;
    const char* model;
    std::map<std::string, double> p;
  };
  const std::vector<variant> vs = {
      {"lif", "nir_lif", {{"tau", 8.0}, {"r", 20.0}, {"v_threshold", 0.6}, {"v_reset", -0.1}, {"bias", 0.01}}},
      {"lif_euler", "nir_lif", {{"tau", 8.0}, {"r", 20.0}, {"v_threshold", 0.6}, {"euler", 1.0}}},
      {"if", "nir_lif", {{"kind", 1.0}, {"r", 0.5}, {"v_threshold", 0.8}}},
      {"threshold", "nir_lif", {{"kind", 2.0}, {"v_threshold", 0.4}}},
      {"li", "nir_lif", {{"tau", 5.0}, {"r", 3.0}, {"spiking", 0.0}, {"v_leak", 0.2}}},
      {"cuba", "nir_cuba_lif", {{"tau_syn", 3.0}, {"tau_mem", 9.0}, {"r", 30.0}, {"v_threshold", 0.5}}},
      {"cuba_li", "nir_cuba_lif", {{"spiking", 0.0}, {"r", 10.0}}},
  };
  for (const variant& v : vs) {
    population pop{v.label, 60, v.model, {}, {}, {}};
    for (const auto& [k, x] : v.p) pop.params[k] = x;
    net.populations.push_back(pop);
    for (const auto [lo, hi] : {std::pair{0.05, 0.9}, std::pair{-0.4, -0.05}}) {
      projection from_sources;
      from_sources.pre = "S";
      from_sources.post = v.label;
      from_sources.conn.type = connector::kind::fixed_probability;
      from_sources.conn.p = 0.3;
      from_sources.weight = distribution{distribution::kind::uniform, lo, hi, lo, hi};
      from_sources.delay = 1.0;
      net.projections.push_back(from_sources);
    }
  }
  for (const char* pre : {"lif", "if", "threshold", "cuba"}) {
    projection chain;
    chain.pre = pre;
    chain.post = "lif_euler";
    chain.conn.type = connector::kind::one_to_one;
    chain.weight = 0.3;
    chain.delay = 1.5;
    net.projections.push_back(chain);
  }
  return net;
}

// The multisynapse models (neurons/multisynapse.hpp): three ports of different tau_syn, weights of
// both signs on every port (mixed in one projection), random delays, a dc drive, and one
// population of each current model driving the other one to one on port 2; and the conductance
// models aeif_cond_alpha_multisynapse and aeif_cond_beta_multisynapse on three ports (the beta
// model's port 2 with tau_rise == tau_decay, NEST's alpha case).
network multisynapse_models() {
  network net;
  net.populations.push_back({"S", 40, "spike_source_array", {}, {}, {}});
  for (int i = 0; i < 40; ++i) net.populations[0].spike_times.push_back({1.0 + i % 9, 5.5 + i, 20.0 + 0.7 * i, 61.0});
  for (const char* m : {"iaf_psc_exp_multisynapse", "iaf_psc_alpha_multisynapse"}) {
    population pop{m, 80, m, {}, {}, {}};
    pop.params["tau_syn"] = std::vector<double>{2.0, 6.0, 0.7};
    pop.params["I_e"] = distribution{distribution::kind::uniform, 300.0, 380.0};
    pop.initial["V_m"] = distribution{distribution::kind::uniform, -70.0, -56.0};
    net.populations.push_back(pop);
    net.stimuli.push_back(
        {.type = stimulus::kind::dc_source, .target = m, .amplitude = 30.0, .start = 20.0, .stop = 60.0});
    for (int port = 1; port <= 3; ++port) {
      projection in;
      in.pre = "S";
      in.post = m;
      in.receptor_type = port;
      in.conn.type = connector::kind::fixed_probability;
      in.conn.p = 0.25;
      in.weight = distribution{distribution::kind::uniform, -200.0, 400.0, -200.0, 400.0};
      in.delay = distribution{distribution::kind::uniform, 0.5, 2.0, 0.5, 2.0};
      net.projections.push_back(in);
    }
  }
  // aeif_cond_alpha_multisynapse: conductance ports (weights >= 0 nS), an inhibitory E_rev on port 3,
  // driven near threshold so that the adaptive integrator's upswing and resets occur.
  for (const char* const aeif : {"aeif_cond_alpha_multisynapse", "aeif_cond_beta_multisynapse"}) {
    population pop{aeif, 60, aeif, {}, {}, {}};
    if (std::string(aeif) == "aeif_cond_alpha_multisynapse") {
      pop.params["tau_syn"] = std::vector<double>{0.5, 5.0, 2.0};
    } else {
      pop.params["tau_rise"] = std::vector<double>{0.2, 3.0, 0.5};
      pop.params["tau_decay"] = std::vector<double>{1.7, 3.0, 8.0};
    }
    pop.params["E_rev"] = std::vector<double>{0.0, 0.0, -85.0};
    pop.params["I_e"] = distribution{distribution::kind::uniform, 380.0, 520.0};
    pop.initial["V_m"] = distribution{distribution::kind::uniform, -70.0, -55.0};
    net.populations.push_back(pop);
    for (int port = 1; port <= 3; ++port) {
      projection in;
      in.pre = "S";
      in.post = aeif;
      in.receptor_type = port;
      in.conn.type = connector::kind::fixed_probability;
      in.conn.p = 0.25;
      in.weight = distribution{distribution::kind::uniform, 0.0, 8.0, 0.0, 8.0};
      in.delay = distribution{distribution::kind::uniform, 0.5, 2.0, 0.5, 2.0};
      net.projections.push_back(in);
    }
  }
  projection chain;
  chain.pre = "iaf_psc_exp_multisynapse";
  chain.post = "iaf_psc_alpha_multisynapse";
  chain.receptor_type = 2;
  chain.conn.type = connector::kind::one_to_one;
  chain.weight = 120.0;
  chain.delay = 1.5;
  net.projections.push_back(chain);
  return net;
}

struct case_t {
  std::string name;
  network (*make)();
  double ms;
};

const std::vector<case_t>& cases() {
  static const std::vector<case_t> c = {
      {"brunel", brunel_short, 40.0},
      {"vogels_abbott_coba", [] { return builtin_network("vogels_abbott_coba"); }, 150.0},
      {"vogels_abbott_cuba", [] { return builtin_network("vogels_abbott_cuba"); }, 150.0},
      {"heterogeneous_delays", heterogeneous_delays, 150.0},
      {"model_zoo", model_zoo, 100.0},
      {"nir_models", nir_models, 100.0},
      {"more_models", more_models, 100.0},
      {"multisynapse_models", multisynapse_models, 100.0},
      {"adex_coba", [] { return builtin_network("adex_coba"); }, 100.0},
      {"stimulus_zoo", test_support::stimulus_zoo, 100.0},
  };
  return c;
}

std::vector<std::string> other_backends() {
  std::vector<std::string> b = {"cuda", "cuda-omp"};  // listed even when not runnable: they skip
  return b;
}

bool runnable(const std::string& backend, std::string& why) {
  for (const auto& b : features().backends)
    if (b == backend) return true;
  why = backend == "cuda" ? (features().cuda ? "no CUDA GPU or driver on this machine"
                                             : "this build has no CUDA backend (NEUROMESH_WITH_CUDA off)")
                          : "this build has no " + backend + " backend";
  return false;
}

std::vector<spike> run_on(const std::string& backend, const network& net, double ms, precision prec) {
  simulation_options opt;
  opt.backend = backend;
  opt.threads = 2;
  opt.prec = prec;
  auto sim = make_simulation(net, opt);
  sim->run(ms);
  return sim->spikes();
}

}  // namespace

class BackendEquivalence : public ::testing::TestWithParam<std::tuple<std::string, std::size_t, precision>> {};

TEST_P(BackendEquivalence, SpikesBitIdenticalToCpu) {
  const auto& [backend, index, prec] = GetParam();
  std::string why;
  if (!runnable(backend, why)) GTEST_SKIP() << why;
  const case_t& c = cases()[index];
  const network net = c.make();
  const std::vector<spike> cpu = run_on("cpu", net, c.ms, prec);
  ASSERT_GT(cpu.size(), 200u) << "the network should be active";
  const std::vector<spike> other = run_on(backend, net, c.ms, prec);
  ASSERT_EQ(other.size(), cpu.size());
  EXPECT_TRUE(other == cpu) << "first difference at spike "
                            << (std::mismatch(cpu.begin(), cpu.end(), other.begin()).first - cpu.begin());
}

INSTANTIATE_TEST_SUITE_P(Backends, BackendEquivalence,
                         ::testing::Combine(::testing::ValuesIn(other_backends()),
                                            ::testing::Range<std::size_t>(0, cases().size()),
                                            ::testing::Values(precision::single, precision::double_precision)),
                         [](const auto& info) {
                           std::string b = std::get<0>(info.param);
                           std::replace(b.begin(), b.end(), '-', '_');
                           return b + "_" + cases()[std::get<1>(info.param)].name +
                                  (std::get<2>(info.param) == precision::single ? "_float" : "_double");
                         });

class BackendState : public ::testing::TestWithParam<std::string> {};

// State reads, closed-loop current and injected spikes agree with the cpu backend bit-for-bit.
TEST_P(BackendState, ClosedLoopAndStateReadsMatchCpu) {
  std::string why;
  if (!runnable(GetParam(), why)) GTEST_SKIP() << why;
  const network net = model_zoo();
  auto run = [&](const std::string& backend) {
    auto sim = make_simulation(net, {.backend = backend, .threads = 2});
    std::vector<index_t> ids(150);
    for (index_t i = 0; i < 150; ++i) ids[i] = i;
    std::vector<double> values;
    const std::vector<index_t> some = {0, 3, 7};
    for (int k = 0; k < 20; ++k) {
      sim->run(1.0);
      if (k == 5) sim->set_current("iaf_psc_exp", some, std::vector<double>{300.0, -50.0, 900.0});
      if (k == 8) sim->inject_spikes("S", some);
      for (const char* m : {"iaf_psc_exp", "iaf_cond_exp", "aeif_cond_exp"})
        for (double v : sim->state(m, "V_m", ids)) values.push_back(v);
    }
    return std::make_pair(sim->spikes(), values);
  };
  const auto cpu = run("cpu");
  const auto other = run(GetParam());
  EXPECT_TRUE(cpu.first == other.first);
  ASSERT_EQ(cpu.second.size(), other.second.size());
  EXPECT_TRUE(cpu.second == other.second);
}

INSTANTIATE_TEST_SUITE_P(Backends, BackendState, ::testing::ValuesIn(other_backends()), [](const auto& info) {
  std::string b = info.param;
  std::replace(b.begin(), b.end(), '-', '_');
  return b;
});

// Without a GPU, asking for "cuda" fails clearly: the driver problem and what to use instead.
TEST(CudaBackend, ClearErrorWithoutGpu) {
  if (!features().cuda) GTEST_SKIP() << "this build has no CUDA backend";
  std::string why;
  if (runnable("cuda", why)) GTEST_SKIP() << "a GPU is present: nothing to report";
  try {
    make_simulation(builtin_network("vogels_abbott_coba"), {.backend = "cuda"});
    FAIL() << "expected backend_unavailable";
  } catch (const backend_unavailable& e) {
    EXPECT_NE(std::string(e.what()).find("backend=\"cpu\""), std::string::npos) << e.what();
  }
}
