// aeif_cond_beta_multisynapse's three port lists (NEST 3.10: tau_rise, tau_decay, E_rev, one
// length) through the shared layers: the ports are tau_decay's entries, receptor_type 1..n,
// every list refused naming the population and the slot where NEST refuses it, and a port's
// trace follows its own rise and decay times.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <neuromesh/api.hpp>
#include <neuromesh/core/errors.hpp>
#include <neuromesh/neurons/registry.hpp>

#include "test_networks.hpp"

using namespace neuromesh;

namespace {

const char* const model = "aeif_cond_beta_multisynapse";

// One neuron with ports (tau_rise, tau_decay, E_rev) = (0.2, 1.7, 0), (3, 3, 0), (0.5, 8, -85) and
// one spike at 1 ms on each given (receptor_type, weight [nS]).
network ports_net(const std::vector<std::pair<int, double>>& inputs) {
  return test_support::single_neuron_with_ports(model,
                                                {{"tau_rise", std::vector<double>{0.2, 3.0, 0.5}},
                                                 {"tau_decay", std::vector<double>{1.7, 3.0, 8.0}},
                                                 {"E_rev", std::vector<double>{0.0, 0.0, -85.0}}},
                                                inputs);
}

std::string error_of(const network& net) {
  try {
    make_simulation(net, {});
  } catch (const config_error& e) {
    return e.what();
  }
  return "";
}

// g_1 .. g_3 over 30 ms.
std::vector<std::vector<double>> conductances(const network& net) {
  auto sim = make_simulation(net, {});
  std::vector<std::vector<double>> g(3);
  const std::vector<index_t> id{0};
  for (int k = 0; k < 300; ++k) {
    sim->step();
    for (int r = 0; r < 3; ++r) g[r].push_back(sim->state("N", "g_" + std::to_string(r + 1), id)[0]);
  }
  return g;
}

}  // namespace

TEST(BetaMultisynapse, PortsComeFromTheTauDecayList) {
  EXPECT_EQ(receptor_ports(ports_net({}).populations[1]), 3);
  EXPECT_EQ(receptor_rows(ports_net({})), 3);
  EXPECT_EQ(receptor_ports(test_support::single_neuron(model, {}).populations[0]), 1);  // NEST's defaults
  const std::string e = error_of(ports_net({{1, 5.0}, {4, 5.0}}));
  EXPECT_NE(e.find("projections[1] (S->N).receptor_type"), std::string::npos) << e;
  EXPECT_NE(e.find("3 ports from tau_decay"), std::string::npos) << e;
  EXPECT_EQ(error_of(ports_net({{1, 5.0}, {2, 5.0}, {3, 5.0}})), "");
}

TEST(BetaMultisynapse, EachPortFollowsItsOwnTimes) {
  const auto g = conductances(ports_net({{1, 6.0}, {3, 2.0}}));
  auto peak = [](const std::vector<double>& v) {
    std::size_t k = 0;
    for (std::size_t i = 1; i < v.size(); ++i)
      if (v[i] > v[k]) k = i;
    return k;
  };
  EXPECT_NEAR(g[0][peak(g[0])], 6.0, 0.1);  // peak w (NEST's normalisation), near t_p = 0.47 ms
  EXPECT_NEAR(g[2][peak(g[2])], 2.0, 0.01);
  EXPECT_LT(peak(g[0]), peak(g[2]));        // the slow port peaks later (t_p = 1.48 ms)
  for (double x : g[1]) EXPECT_EQ(x, 0.0);  // no input on port 2
}

TEST(BetaMultisynapse, ListsAreValidatedAsNest) {
  auto with = [](const char* list, std::vector<double> values) {
    network net = ports_net({});
    net.populations[1].params[list] = std::move(values);
    return error_of(net);
  };
  // "Synaptic rise time must be smaller than or equal to decay time."
  std::string e = with("tau_rise", {0.2, 3.5, 0.5});
  EXPECT_NE(e.find("tau_rise[2]"), std::string::npos) << e;
  EXPECT_NE(e.find("'N'"), std::string::npos) << e;
  EXPECT_EQ(with("tau_rise", {1.7, 3.0, 8.0}), "");  // equal: NEST's alpha case
  // "All synaptic time constants must be strictly positive"
  e = with("tau_decay", {1.7, 0.0, 8.0});
  EXPECT_NE(e.find("tau_decay[2]"), std::string::npos) << e;
  e = with("tau_rise", {0.2, 3.0, -0.5});
  EXPECT_NE(e.find("tau_rise[3]"), std::string::npos) << e;
  // "The reversal potential, synaptic rise time and synaptic decay time arrays must have the same size."
  e = with("tau_rise", {0.2, 3.0});
  EXPECT_NE(e.find("tau_rise[3]"), std::string::npos) << e;
  e = with("E_rev", {0.0, 0.0, -85.0, 0.0});
  EXPECT_NE(e.find("E_rev[4]"), std::string::npos) << e;
  e = with("tau_decay", {1.7, 3.0, 8.0, 9.0});
  EXPECT_NE(e.find("tau_rise[4]"), std::string::npos) << e;
  // NEST's lists are lists.
  network net = ports_net({});
  net.populations[1].params["tau_decay"] = 5.0;
  EXPECT_NE(error_of(net).find("params.tau_decay"), std::string::npos) << error_of(net);
  // A port the population lacks takes no initial conductance (nothing would decay it).
  net = ports_net({});
  net.populations[1].initial["g_4"] = 1.0;
  e = error_of(net);
  EXPECT_NE(e.find("port 4 does not exist"), std::string::npos) << e;
  EXPECT_NE(e.find("tau_decay"), std::string::npos) << e;
}
