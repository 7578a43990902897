// stdp_synapse (synapses/stdp_synapse.hpp) against a direct transcription of NEST 3.10's algorithm
// (stdp_synapse::send and ArchivingNode: spike history, get_history, get_K_value), written here
// event by event from the recorded spike times -- independent of the engine's incremental state.
// NEST itself is the oracle in tests/crosscheck (test_crosscheck_stdp.py); this checks the rule
// in every configuration the engine has (delays, several targets, multapses, threads, precision).
#include <cmath>
#include <map>

#include <gtest/gtest.h>

#include <neuromesh/api.hpp>
#include <neuromesh/core/errors.hpp>

#include "plastic_networks.hpp"
#include "test_networks.hpp"

using namespace neuromesh;

namespace {

struct stdp_params {
  double tau_plus = 20, tau_minus = 20, lambda = 0.01, alpha = 1, mu_plus = 1, mu_minus = 1, Wmax = 100;
};

// NEST's stdp_synapse for one synapse: pre spike times t_pre (ms, sorted), post spike times
// (sorted), dendritic delay d. Returns the weight after each presynaptic spike; float_weights:
// each new weight rounded to float, as single-precision runs store it.
std::vector<double> nest_reference(const std::vector<double>& pre, const std::vector<double>& post, double d, double w,
                                   const stdp_params& q, bool float_weights = false) {
  auto facilitate = [&](double w0, double k) {
    const double n = w0 / q.Wmax + q.lambda * std::pow(1.0 - w0 / q.Wmax, q.mu_plus) * k;
    return n < 1.0 ? n * q.Wmax : q.Wmax;
  };
  auto depress = [&](double w0, double k) {
    const double n = w0 / q.Wmax - q.alpha * q.lambda * std::pow(w0 / q.Wmax, q.mu_minus) * k;
    return n > 0.0 ? n * q.Wmax : 0.0;
  };
  // K- just after each post spike.
  std::vector<double> k_minus(post.size());
  double km = 0, last = -1;
  for (std::size_t i = 0; i < post.size(); ++i) {
    km = km * std::exp((last - post[i]) / q.tau_minus) + 1.0;
    last = post[i];
    k_minus[i] = km;
  }
  const double eps = 1e-6;
  std::vector<double> out;
  double k_plus = 0, t_last = 0;
  for (double t : pre) {
    for (std::size_t i = 0; i < post.size(); ++i)  // (t_last - d, t - d]
      if (post[i] - eps >= t_last - d && post[i] - eps < t - d)
        w = facilitate(w, k_plus * std::exp((t_last - (post[i] + d)) / q.tau_plus));
    double kv = 0;  // K- at t - d: the last post spike strictly before
    for (std::size_t i = post.size(); i-- > 0;)
      if (t - d - post[i] > eps) {
        kv = k_minus[i] * std::exp((post[i] - (t - d)) / q.tau_minus);
        break;
      }
    w = depress(w, kv);
    if (float_weights) w = static_cast<float>(w);
    out.push_back(w);
    k_plus = k_plus * std::exp((t_last - t) / q.tau_plus) + 1.0;
    t_last = t;
  }
  return out;
}

// n_pre Poisson-like sources (fixed random trains) onto n_post iaf_psc_delta neurons that a
// driver makes fire at their own random times; STDP all-to-all from pre to post.
network stdp_network(double delay, const stdp_params& q, double w0, int n_pre = 3, int n_post = 4) {
  std::uint64_t seed = 88172645463325252ull;
  const auto pre_times = test_support::pseudo_random_trains(n_pre, 400.0, seed);
  const auto drive_times = test_support::pseudo_random_trains(n_post, 400.0, seed);
  return test_support::driven_network(pre_times, drive_times, "stdp_synapse",
                                      {{"tau_plus", q.tau_plus},
                                       {"tau_minus", q.tau_minus},
                                       {"lambda", q.lambda},
                                       {"alpha", q.alpha},
                                       {"mu_plus", q.mu_plus},
                                       {"mu_minus", q.mu_minus},
                                       {"Wmax", q.Wmax}},
                                      w0, delay);
}

struct stdp_run {
  std::vector<synapse_record> synapses;
  std::vector<spike> spikes;
};

stdp_run run(const network& net, double ms, int threads, precision prec = precision::double_precision) {
  simulation_options opt;
  opt.threads = threads;
  opt.prec = prec;
  auto sim = make_simulation(net, opt);
  sim->run(ms);
  return {sim->synapses(1), sim->spikes()};
}

using test_support::spike_times_of;

}  // namespace

class StdpAgainstNestAlgorithm : public ::testing::TestWithParam<std::tuple<double, double, double>> {};

// Every synapse's final weight equals NEST's algorithm replayed on the recorded spikes, for
// additive and multiplicative rules and delays 0.1 and 1.0 ms (double precision: 1e-12 relative).
TEST_P(StdpAgainstNestAlgorithm, FinalWeightsMatchTheReplayedRule) {
  const auto [delay, mu, w0] = GetParam();
  stdp_params q;
  q.mu_plus = q.mu_minus = mu;
  q.lambda = 0.05;
  const network net = stdp_network(delay, q, w0);
  const stdp_run r = run(net, 450.0, 1);
  ASSERT_EQ(r.synapses.size(), 12u);  // 3 x 4, all to all
  const std::vector<gid_t> off = net.offsets();
  int changed = 0;
  for (const synapse_record& s : r.synapses) {
    const auto pre = spike_times_of(r.spikes, off[0] + s.pre, net.dt);
    const auto post = spike_times_of(r.spikes, off[2] + s.post, net.dt);
    ASSERT_GT(pre.size(), 5u);
    ASSERT_GT(post.size(), 5u);
    const std::vector<double> expected = nest_reference(pre, post, delay, w0, q);
    EXPECT_NEAR(s.weight, expected.back(), 1e-12 * std::abs(expected.back()))
        << "synapse " << s.pre << " -> " << s.post << " delay " << delay << " mu " << mu;
    changed += s.weight != w0;
  }
  EXPECT_EQ(changed, 12) << "every weight must have learnt something";
}

INSTANTIATE_TEST_SUITE_P(DelaysAndRules, StdpAgainstNestAlgorithm,
                         ::testing::Values(std::tuple{1.0, 1.0, 50.0}, std::tuple{0.1, 1.0, 50.0},
                                           std::tuple{1.0, 0.0, 50.0}, std::tuple{0.1, 0.0, 99.0},
                                           std::tuple{2.5, 0.4, 20.0}));

// Single precision keeps the plastic weights in float (4 bytes per synapse less): every weight is
// a float, and it is the rule's double update of the previous float weight, rounded -- the replay
// with that rounding (to a float's resolution: the replay's std::exp may differ from the engine's
// in the last bit of a double, which can move a rounding by one float ulp).
TEST(StdpSinglePrecision, WeightsAreFloatsOfTheRoundedRule) {
  stdp_params q;
  q.mu_plus = q.mu_minus = 0.4;
  q.lambda = 0.05;
  const network net = stdp_network(1.0, q, 50.0);
  const stdp_run r = run(net, 450.0, 1, precision::single);
  ASSERT_EQ(r.synapses.size(), 12u);
  const std::vector<gid_t> off = net.offsets();
  for (const synapse_record& s : r.synapses) {
    EXPECT_EQ(s.weight, static_cast<double>(static_cast<float>(s.weight))) << "synapse " << s.pre << " -> " << s.post;
    const auto pre = spike_times_of(r.spikes, off[0] + s.pre, net.dt);
    const auto post = spike_times_of(r.spikes, off[2] + s.post, net.dt);
    const std::vector<double> expected = nest_reference(pre, post, 1.0, 50.0, q, true);
    EXPECT_NEAR(s.weight, expected.back(), 4e-7 * std::abs(expected.back()));
    EXPECT_NE(s.weight, 50.0);
  }
}

// The determinism contract for weights: the same weights, bit for bit, for 1, 2 and 3 threads,
// float and double state.
TEST(StdpDeterminism, WeightsBitIdenticalForOneTwoThreeThreads) {
  for (precision prec : {precision::single, precision::double_precision}) {
    const network net = stdp_network(1.0, stdp_params{}, 30.0, 7, 9);
    const stdp_run one = run(net, 450.0, 1, prec);
    for (int threads : {2, 3}) {
      const stdp_run other = run(net, 450.0, threads, prec);
      EXPECT_EQ(test_support::spike_hash(other.spikes), test_support::spike_hash(one.spikes));
      ASSERT_EQ(other.synapses.size(), one.synapses.size());
      for (std::size_t k = 0; k < one.synapses.size(); ++k) {
        EXPECT_EQ(other.synapses[k].pre, one.synapses[k].pre);
        EXPECT_EQ(other.synapses[k].post, one.synapses[k].post);
        EXPECT_EQ(std::bit_cast<std::uint64_t>(other.synapses[k].weight),
                  std::bit_cast<std::uint64_t>(one.synapses[k].weight))
            << "synapse " << k << " with " << threads << " threads";
      }
    }
  }
}

// Static synapses read back with their weights and delays in steps (sorted by pre, post).
TEST(SynapseReadback, StaticWeightsAndDelays) {
  network net = stdp_network(1.0, stdp_params{}, 30.0);
  auto sim = make_simulation(net, {.threads = 2});
  const auto drive = sim->synapses(0);
  ASSERT_EQ(drive.size(), 4u);
  for (std::size_t k = 0; k < drive.size(); ++k) {
    EXPECT_EQ(drive[k].pre, k);
    EXPECT_EQ(drive[k].post, k);
    EXPECT_EQ(drive[k].weight, 100.0);
    EXPECT_EQ(drive[k].delay, 1);
  }
  EXPECT_THROW(sim->synapses(2), config_error);
}

TEST(StdpValidation, ParametersAndSignsAreCheckedWithTheirKeyPath) {
  auto expect_error = [](network net, const std::string& key) {
    try {
      validate(net);
      FAIL() << "accepted " << key;
    } catch (const config_error& e) {
      EXPECT_NE(std::string(e.what()).find(key), std::string::npos) << e.what();
    }
  };
  network net = stdp_network(1.0, stdp_params{}, 30.0);
  net.projections[1].synapse_parameters["tau_plus"] = -1;
  expect_error(net, "projections[1] (pre->post).synapse.tau_plus");
  net = stdp_network(1.0, stdp_params{}, 30.0);
  net.projections[1].synapse_parameters["tau_pluss"] = 1;
  expect_error(net, "projections[1] (pre->post).synapse.tau_pluss");
  net = stdp_network(1.0, stdp_params{}, 30.0);
  net.projections[1].weight = -2.0;
  expect_error(net, "synapse.weight");
  net = stdp_network(1.0, stdp_params{}, 30.0);
  net.projections[1].target = receptor::inhibitory;
  expect_error(net, "projections[1] (pre->post).receptor");
  net = stdp_network(1.0, stdp_params{}, 30.0);
  net.projections[0].synapse_parameters["tau_plus"] = 20;  // static synapses have no parameters
  expect_error(net, "projections[0] (drive->post).synapse.tau_plus");
}

// JSON: the model's parameters sit beside weight and delay (NEST's syn_spec); validate() names
// an unknown one with its key path.
TEST(StdpJson, ParametersBesideWeightAndDelay) {
  const std::string text = R"({"populations": [{"label": "a", "size": 2, "model": "iaf_psc_exp"}],
    "projections": [{"pre": "a", "post": "a", "connector": {"type": "all_to_all"},
      "synapse": {"model": "stdp_synapse", "weight": 5.0, "delay": 1.0, "tau_plus": 15.0, "lambda": 0.02}}]})";
  network net = parse_network_json(text);
  ASSERT_EQ(net.projections[0].synapse, "stdp_synapse");
  EXPECT_EQ(net.projections[0].synapse_parameters.at("tau_plus"), 15.0);
  EXPECT_EQ(net.projections[0].synapse_parameters.at("lambda"), 0.02);
  EXPECT_NO_THROW(validate(net));
  network bad = parse_network_json(text.substr(0, text.find("\"lambda\"")) + "\"lamda\": 0.02}}]}");
  try {
    validate(bad);
    FAIL() << "accepted an unknown parameter";
  } catch (const config_error& e) {
    EXPECT_NE(std::string(e.what()).find("synapse.lamda"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("lambda"), std::string::npos) << e.what();
  }
}

// Checkpoints of plastic networks: tests/validation/test_checkpoint_plastic.cpp.

// tsodyks2_synapse: the state per source moves on in step order in every shard that holds the
// source's rows, so V_m is bit-identical for 1, 2 and 3 threads (NEST comparison: tests/crosscheck).
TEST(Tsodyks2Determinism, StateBitIdenticalForOneTwoThreeThreads) {
  network net = stdp_network(1.0, stdp_params{}, 30.0, 7, 9);
  net.projections[1].synapse = "tsodyks2_synapse";
  net.projections[1].synapse_parameters = {{"U", 0.2}, {"tau_rec", 150.0}, {"tau_fac", 40.0}};
  std::vector<double> reference;
  for (int threads : {1, 2, 3}) {
    simulation_options opt;
    opt.threads = threads;
    opt.prec = precision::double_precision;
    auto sim = make_simulation(net, opt);
    sim->run(450.0);
    const std::vector<double> v = sim->state("post", "V_m", std::vector<index_t>{0, 1, 2, 3, 4, 5, 6, 7, 8});
    if (reference.empty()) reference = v;
    for (std::size_t i = 0; i < v.size(); ++i)
      EXPECT_EQ(std::bit_cast<std::uint64_t>(v[i]), std::bit_cast<std::uint64_t>(reference[i])) << threads;
    EXPECT_EQ(sim->synapses(1).front().weight, 30.0);  // weights are never changed
  }
}
