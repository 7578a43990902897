// The multisynapse models' receptor ports (neurons/multisynapse.hpp) through the shared layers:
// tau_syn lists, receptor_type on projections as NEST (1..n; 0 and n + 1 refused, naming the
// projection), weights of either sign on a port, and each port's own time constant in the trace.
#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <neuromesh/api.hpp>
#include <neuromesh/core/errors.hpp>
#include <neuromesh/neurons/registry.hpp>

#include "test_networks.hpp"

using namespace neuromesh;

namespace {

// One neuron with ports tau_syn = {2, 8, 0.5} ms and one spike at 1 ms on each projection given
// as (receptor_type, weight).
network ports_net(const std::string& model, const std::vector<std::pair<int, double>>& inputs) {
  return test_support::single_neuron_with_ports(model, {{"tau_syn", std::vector<double>{2.0, 8.0, 0.5}}}, inputs);
}

std::vector<double> trace(const network& net, precision prec = precision::double_precision, int threads = 1) {
  simulation_options opt;
  opt.prec = prec;
  opt.threads = threads;
  auto sim = make_simulation(net, opt);
  std::vector<double> v;
  const std::vector<index_t> id{0};
  for (int k = 0; k < 100; ++k) {
    sim->step();
    v.push_back(sim->state("N", "V_m", id)[0]);
  }
  return v;
}

std::string error_of(const network& net) {
  try {
    make_simulation(net, {});
  } catch (const config_error& e) {
    return e.what();
  }
  return "";
}

const char* const models[] = {"iaf_psc_exp_multisynapse", "iaf_psc_alpha_multisynapse"};

}  // namespace

TEST(Multisynapse, PortsComeFromTheTauSynList) {
  for (const char* m : models) {
    EXPECT_EQ(receptor_ports(ports_net(m, {}).populations[1]), 3) << m;
    network one = test_support::single_neuron(m, {});  // NEST's default tau_syn = [2.0]
    EXPECT_EQ(receptor_ports(one.populations[0]), 1) << m;
    EXPECT_EQ(receptor_rows(ports_net(m, {})), 3) << m;
  }
  EXPECT_EQ(receptor_rows(test_support::single_neuron("iaf_psc_exp", {})), n_receptors);
}

TEST(Multisynapse, EachPortHasItsOwnTimeConstantAndTakesEitherSign) {
  for (const char* m : models) {
    const auto p1 = trace(ports_net(m, {{1, 100.0}})), p2 = trace(ports_net(m, {{2, 100.0}}));
    const auto p3 = trace(ports_net(m, {{3, 100.0}}));
    EXPECT_GT(p1[30], -70.0) << m;
    EXPECT_NE(p1, p2) << m;  // 2 ms against 8 ms
    EXPECT_NE(p1, p3) << m;
    EXPECT_GT(p2[99], p1[99]) << m;  // the slow port still depolarises at 10 ms
    // A negative weight on the same port mirrors the trace about E_L (linear, no threshold reached).
    const auto n2 = trace(ports_net(m, {{2, -100.0}}));
    for (std::size_t k = 0; k < p2.size(); ++k) EXPECT_NEAR(n2[k] + 70.0, -(p2[k] + 70.0), 1e-9) << m;
    // Inputs on several ports add up (superposition), and one projection may mix signs on a port.
    const auto sum = trace(ports_net(m, {{1, 100.0}, {2, 100.0}, {3, 100.0}}));
    for (std::size_t k = 0; k < sum.size(); ++k)
      EXPECT_NEAR(sum[k] + 70.0, (p1[k] + 70.0) + (p2[k] + 70.0) + (p3[k] + 70.0), 1e-9) << m;
    EXPECT_EQ(trace(ports_net(m, {{1, 100.0}, {2, 100.0}, {3, 100.0}}), precision::double_precision, 2), sum);
  }
}

TEST(Multisynapse, ReceptorTypeOutsideThePortsIsRefusedNamingTheProjection) {
  for (const char* m : models) {
    for (int bad : {0, 4, -1}) {
      const std::string e = error_of(ports_net(m, {{1, 10.0}, {bad, 10.0}}));
      EXPECT_NE(e.find("projections[1] (S->N).receptor_type"), std::string::npos) << m << " " << bad << ": " << e;
      EXPECT_NE(e.find("1..3"), std::string::npos) << e;
    }
    network with_receptor = ports_net(m, {{1, 10.0}});
    with_receptor.projections[0].target = receptor::inhibitory;
    EXPECT_NE(error_of(with_receptor).find("projections[0] (S->N).receptor"), std::string::npos);
  }
  network plain = ports_net("iaf_psc_exp", {{2, 10.0}});
  plain.populations[1].params.clear();
  EXPECT_NE(error_of(plain).find("has no receptor ports"), std::string::npos) << error_of(plain);
}

TEST(Multisynapse, TauSynIsValidatedNamingPopulationAndEntry) {
  for (const char* m : models) {
    network net = ports_net(m, {});
    net.populations[1].params["tau_syn"] = std::vector<double>{2.0, -1.0};
    std::string e = error_of(net);
    EXPECT_NE(e.find("tau_syn[2]"), std::string::npos) << e;
    EXPECT_NE(e.find("N"), std::string::npos) << e;
    net.populations[1].params["tau_syn"] = std::vector<double>{2.0, 10.0};  // tau_m: NEST refuses it for exp only
    EXPECT_EQ(error_of(net).find("must differ from tau_m") != std::string::npos,
              std::string(m) == "iaf_psc_exp_multisynapse")
        << error_of(net);
    net.populations[1].params["tau_syn"] = 3.0;  // NEST's tau_syn is a list
    EXPECT_NE(error_of(net).find("params.tau_syn"), std::string::npos) << error_of(net);
    net.populations[1].params["tau_syn"] = std::vector<double>(9, 1.0);  // more than max_ports
    EXPECT_NE(error_of(net).find("1 to 8"), std::string::npos) << error_of(net);
    net.populations[1].params["tau_syn"] = std::vector<double>{1.0, 2.0};
    net.populations[1].params["tau_syn[2]"] = 4.0;
    EXPECT_NE(error_of(net).find("not both"), std::string::npos) << error_of(net);
    net.populations[1].params.erase("tau_syn");
    net.populations[1].params.erase("tau_syn[2]");
    net.populations[1].params["tau_syn[3]"] = 4.0;  // port 3 without port 2
    EXPECT_NE(error_of(net).find("tau_syn[3]"), std::string::npos) << error_of(net);
  }
}

TEST(Multisynapse, SpikeSendingGeneratorsAreRefused) {
  network net = ports_net("iaf_psc_exp_multisynapse", {{1, 10.0}});
  net.stimuli.push_back({stimulus::kind::poisson_generator, "N", 100.0, 10.0});
  EXPECT_NE(error_of(net).find("stimuli[0].target"), std::string::npos) << error_of(net);
}

// Every per-port state variable names its port (state_spec::port, from multisynapse::port_states),
// so validate() finds it without reading the name; a non-zero initial value is refused for a port
// beyond the population's count -- the engines' count (receptor_ports), whether the ports come
// from the list or slot by slot (a per-neuron array makes a port as a scalar does).
TEST(Multisynapse, PortStateIsRefusedBeyondThePopulationsPorts) {
  for (const char* model : {"iaf_psc_exp_multisynapse", "iaf_psc_alpha_multisynapse", "aeif_cond_alpha_multisynapse"}) {
    const model_info& m = *find_model(model);
    int per_port = 0;
    for (const state_spec& s : m.state) {
      if (s.port == 0) continue;
      ++per_port;
      EXPECT_TRUE(s.name.ends_with("_" + std::to_string(s.port))) << s.name;
    }
    EXPECT_EQ(per_port % m.max_ports, 0) << model;
    EXPECT_GE(per_port, m.max_ports) << model;
  }
  for (const state_spec& s : find_model("iaf_psc_exp")->state) EXPECT_EQ(s.port, 0) << s.name;

  network net = test_support::single_neuron("iaf_psc_exp_multisynapse", {{"tau_syn[2]", std::vector<double>{3.0}}});
  net.populations[0].initial["I_syn_2"] = 5.0;
  EXPECT_EQ(error_of(net), "");  // tau_syn[1] (default) and tau_syn[2]: two ports
  net.populations[0].initial["I_syn_3"] = 5.0;
  EXPECT_NE(error_of(net).find("initial.I_syn_3: port 3 does not exist: this population has 2 port(s)"),
            std::string::npos)
      << error_of(net);
}
