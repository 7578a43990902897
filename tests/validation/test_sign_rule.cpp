// The sign rule (backends/api/src/sign_rule.cpp, docs/network-format.md "Sign rule") from C++:
// the same decisions as JSON and Python, since all three go through resolve_receptors.
#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <neuromesh/api.hpp>
#include <neuromesh/core/errors.hpp>

#include "test_networks.hpp"

using namespace neuromesh;

namespace {

// A spike at 1 ms onto one iaf_psc_exp neuron whose synaptic time constants differ, so the
// receptor shows in the trace; V_m after each of 60 steps.
std::vector<double> trace(value_spec weight, receptor r) {
  network net = test_support::single_neuron("iaf_psc_exp", {{"tau_syn_ex", 2.0}, {"tau_syn_in", 8.0}});
  net.populations.insert(net.populations.begin(), {"S", 1, "spike_source_array", {}, {}, {{1.0}}});
  projection p;
  p.pre = "S";
  p.post = "N";
  p.conn.type = connector::kind::one_to_one;
  p.weight = std::move(weight);
  p.delay = 1.0;
  p.target = r;
  net.projections.push_back(p);
  simulation_options opt;
  opt.prec = precision::double_precision;
  auto sim = make_simulation(net, opt);
  std::vector<double> v;
  const std::vector<index_t> id{0};
  for (int k = 0; k < 60; ++k) {
    sim->step();
    v.push_back(sim->state("N", "V_m", id)[0]);
  }
  return v;
}

}  // namespace

TEST(SignRule, DefaultReceptorFollowsTheSignAsInNest) {
  EXPECT_EQ(projection{}.target, receptor::by_sign);
  const auto neg = trace(-100.0, receptor::by_sign);
  EXPECT_EQ(neg, trace(100.0, receptor::inhibitory));   // PyNN's positive inhibitory weight
  EXPECT_EQ(neg, trace(-100.0, receptor::inhibitory));  // NEST's negative one
  EXPECT_LT(*std::min_element(neg.begin(), neg.end()), -70.5);
  EXPECT_EQ(trace(100.0, receptor::by_sign), trace(100.0, receptor::excitatory));
}

TEST(SignRule, DistributionsFollowTheSameRuleAsScalars) {
  distribution d;
  d.type = distribution::kind::normal;
  d.a = 100.0;
  d.b = 0.0;  // every draw is exactly 100: compares with the scalar bit for bit
  EXPECT_EQ(trace(d, receptor::inhibitory), trace(100.0, receptor::inhibitory));
  d.a = -100.0;
  EXPECT_EQ(trace(d, receptor::by_sign), trace(100.0, receptor::inhibitory));
}

TEST(SignRule, ContradictionsNameTheProjection) {
  const auto message = [](value_spec w, receptor r) {
    try {
      trace(std::move(w), r);
    } catch (const config_error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(message(-1.0, receptor::excitatory).find("projections[0] (S->N).synapse.weight: a negative weight"),
            std::string::npos);
  distribution wide;
  wide.type = distribution::kind::uniform;
  wide.a = -1.0;
  wide.b = 1.0;
  EXPECT_NE(message(wide, receptor::by_sign).find("both signs"), std::string::npos);
  EXPECT_NE(message(wide, receptor::inhibitory).find("both signs"), std::string::npos);
  EXPECT_EQ(message(std::vector<double>{1.0}, receptor::by_sign), "");  // a one-signed array runs
}

TEST(SignRule, ResolvedNetworksReachEnginesWithDefiniteReceptors) {
  network net = test_support::single_neuron("iaf_cond_exp", {});
  net.stimuli.push_back({.type = stimulus::kind::poisson_generator, .target = "N", .rate = 100.0, .weight = -2.0});
  const network r = resolve_receptors(net);
  EXPECT_EQ(r.stimuli[0].target_receptor, receptor::inhibitory);
  EXPECT_EQ(r.stimuli[0].weight, 2.0);  // conductances are stored positive
}
