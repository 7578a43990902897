// The plasticity rules against closed forms and published behaviour (docs/plasticity.md):
//  * the STDP window of stdp_synapse (additive): the weight change of one spike pair against
//    lambda Wmax exp(-dt / tau_plus) (dt > 0) and -alpha lambda Wmax exp(dt / tau_minus) (dt < 0),
//    dt measured at the synapse (t_post + d - t_pre);
//  * tsodyks2_synapse and tsodyks_synapse: what a spike transmits in the steady state of a regular
//    train, against the fixed point of each model's spike-to-spike map;
//  * stdp_triplet_synapse: Pfister & Gerstner's (2006) frequency dependence with their
//    visual-cortex fit (minimal all-to-all model) -- 60 pairings at +-10 ms, 1..50 Hz: post-pre
//    pairings depress at low frequency and potentiate at high, pre-post ones potentiate more the
//    higher the frequency -- and every weight equal to an event-driven transcription of their
//    equations (traces r1, r2, o1, o2) on the recorded spikes.
#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <neuromesh/api.hpp>

#include "plastic_networks.hpp"

using namespace neuromesh;
using test_support::spike_times_of;

namespace {

constexpr double kDelay = 1.0;  // ms, all dendritic

struct pairing_run {
  std::vector<synapse_record> synapses;
  std::vector<spike> spikes;
  std::vector<gid_t> offsets;
};

// One synapse per (pre train, post train), one_to_one; the drivers fire the post neurons 0.1 ms
// after the times given.
pairing_run run_pairs(const std::vector<std::vector<double>>& pre, const std::vector<std::vector<double>>& post,
                      const std::string& model, std::map<std::string, double> params, double w0, double ms) {
  std::vector<std::vector<double>> drive(post.size());
  for (std::size_t i = 0; i < post.size(); ++i)
    for (double t : post[i]) drive[i].push_back(std::round((t - 0.1) * 10) / 10);
  const network net =
      test_support::driven_network(pre, drive, model, std::move(params), w0, kDelay, connector::kind::one_to_one);
  simulation_options opt;
  opt.threads = 1;
  opt.prec = precision::double_precision;
  auto sim = make_simulation(net, opt);
  sim->run(ms);
  return {sim->synapses(1), sim->spikes(), net.offsets()};
}

}  // namespace

TEST(StdpWindow, AdditivePairsFollowTheExponentialWindow) {
  // w0 5 mV: the pair's own input must not make the post neuron fire again.
  const double lambda = 0.01, alpha = 1.2, Wmax = 10.0, w0 = 5.0, tau_plus = 16.8, tau_minus = 33.7;
  std::vector<std::vector<double>> pre, post;
  for (int dt = -100; dt <= 100; dt += 5) {
    if (dt == 0) continue;
    pre.push_back({200.0, 1200.0});  // the second spike applies the facilitation of the first pair
    post.push_back({200.0 + dt});
  }
  const pairing_run r = run_pairs(pre, post, "stdp_synapse",
                                  {{"lambda", lambda},
                                   {"alpha", alpha},
                                   {"Wmax", Wmax},
                                   {"mu_plus", 0.0},
                                   {"mu_minus", 0.0},
                                   {"tau_plus", tau_plus},
                                   {"tau_minus", tau_minus}},
                                  w0, 1300.0);
  ASSERT_EQ(r.synapses.size(), pre.size());
  int potentiated = 0, depressed = 0;
  for (const synapse_record& s : r.synapses) {
    const auto t_pre = spike_times_of(r.spikes, r.offsets[0] + s.pre, 0.1);
    const auto t_post = spike_times_of(r.spikes, r.offsets[2] + s.post, 0.1);
    ASSERT_EQ(t_pre.size(), 2u);
    ASSERT_EQ(t_post.size(), 1u);
    const double dt = t_post[0] + kDelay - t_pre[0];  // at the synapse
    const double dw =
        dt > 0 ? lambda * Wmax * std::exp(-dt / tau_plus) : -alpha * lambda * Wmax * std::exp(dt / tau_minus);
    EXPECT_NEAR(s.weight, w0 + dw, 1e-12 * w0) << "dt " << dt;
    (dt > 0 ? potentiated : depressed) += 1;
  }
  EXPECT_GT(potentiated, 15);
  EXPECT_GT(depressed, 15);
}

namespace {

// Regular train (period T ms, n spikes) through a short-term synapse onto an integrating neuron:
// the amplitude of the last spike (the change of V_m it makes).
double last_amplitude(const std::string& model, const std::map<std::string, double>& params, double T, int n) {
  network net;
  net.dt = 0.1;
  std::vector<double> train;
  for (int k = 0; k < n; ++k) train.push_back(10.0 + T * k);
  net.populations.push_back({"pre", 1, "spike_source_array", {}, {}, {train}});
  net.populations.push_back(
      {"cell",
       1,
       "iaf_psc_delta",
       {{"E_L", 0.0}, {"V_reset", 0.0}, {"V_th", 1e15}, {"tau_m", 1e12}, {"C_m", 1.0}, {"t_ref", 0.1}},
       {},
       {}});
  projection p;
  p.pre = "pre";
  p.post = "cell";
  p.conn.type = connector::kind::one_to_one;
  p.synapse = model;
  p.synapse_parameters = params;
  p.weight = 1.0;
  p.delay = 0.5;
  net.projections.push_back(p);
  simulation_options opt;
  opt.threads = 1;
  opt.prec = precision::double_precision;
  auto sim = make_simulation(net, opt);
  sim->run(train.back());  // the last spike is emitted, not delivered yet
  const double before = sim->state("cell", "V_m", std::vector<index_t>{0})[0];
  sim->run(5.0);
  return sim->state("cell", "V_m", std::vector<index_t>{0})[0] - before;
}

}  // namespace

// tsodyks2: x_n = 1 + (x_{n-1} (1 - u_{n-1}) - 1) E, u_n = U + u_{n-1} (1 - U) F with E = exp(-T/tau_rec),
// F = exp(-T/tau_fac): fixed point u* = U / (1 - (1 - U) F), x* = (1 - E) / (1 - (1 - u*) E).
TEST(ShortTermSteadyState, Tsodyks2MatchesTheFixedPointOfItsMap) {
  struct tc {
    double U, tau_rec, tau_fac, T;
  };
  for (const tc& c : {tc{0.5, 800.0, 0.0, 40.0}, tc{0.1, 100.0, 1000.0, 40.0}, tc{0.3, 120.0, 60.0, 25.0}}) {
    const double F = c.tau_fac > 0 ? std::exp(-c.T / c.tau_fac) : 0.0, E = std::exp(-c.T / c.tau_rec);
    const double u = c.U / (1.0 - (1.0 - c.U) * F);
    const double x = (1.0 - E) / (1.0 - (1.0 - u) * E);
    const double a = last_amplitude("tsodyks2_synapse",
                                    {{"U", c.U}, {"u", c.U}, {"tau_rec", c.tau_rec}, {"tau_fac", c.tau_fac}}, c.T, 300);
    EXPECT_NEAR(a, u * x, 1e-7 * u * x) << "U " << c.U << " tau_rec " << c.tau_rec << " tau_fac " << c.tau_fac;
    EXPECT_LT(u * x, c.tau_fac > 100 ? 1.0 : c.U) << "the train must depress (or facilitate) the response";
  }
}

// tsodyks (Tsodyks, Uziel & Markram 2000): with the exact propagators over one period,
// Pyy = exp(-T/tau_psc), Pzz = expm1(-T/tau_rec), Pxy = (Pzz tau_rec - (Pyy - 1) tau_psc) / (tau_psc - tau_rec),
// the state just before a spike (x-) and just after it (y+) satisfy in the steady state
//   y+ = Pyy y+ + u x-,   x- = (1 - u) x- + Pxy y+ - Pzz (1 - (1 - u) x- - y+)
// (u: the release probability after the jump, tsodyks2's u*), linear in x-: the amplitude is u x-.
TEST(ShortTermSteadyState, TsodyksMatchesTheFixedPointOfItsMap) {
  struct tc {
    double U, tau_psc, tau_rec, tau_fac, T;
  };
  for (const tc& c :
       {tc{0.5, 3.0, 800.0, 0.0, 40.0}, tc{0.1, 2.0, 100.0, 1000.0, 40.0}, tc{0.3, 10.0, 120.0, 60.0, 25.0}}) {
    const double F = c.tau_fac > 0 ? std::exp(-c.T / c.tau_fac) : 0.0;
    const double u = c.U / (1.0 - (1.0 - c.U) * F);
    const double Pyy = std::exp(-c.T / c.tau_psc), Pzz = std::expm1(-c.T / c.tau_rec);
    const double Pxy = (Pzz * c.tau_rec - (Pyy - 1.0) * c.tau_psc) / (c.tau_psc - c.tau_rec);
    const double g = u / (1.0 - Pyy);  // y+ = g x-
    const double x = -Pzz / (u - Pxy * g - Pzz * (1.0 - u) - Pzz * g);
    const double a =
        last_amplitude("tsodyks_synapse",
                       {{"U", c.U}, {"tau_psc", c.tau_psc}, {"tau_rec", c.tau_rec}, {"tau_fac", c.tau_fac}}, c.T, 300);
    EXPECT_NEAR(a, u * x, 1e-7 * u * x) << "U " << c.U << " tau_psc " << c.tau_psc << " tau_fac " << c.tau_fac;
  }
}

namespace {

// Pfister & Gerstner (2006), minimal all-to-all model, visual cortex fit (their table 4).
struct triplet_params {
  double tau_plus = 16.8, tau_minus = 33.7, tau_x = 101.0, tau_y = 125.0;
  double A2p = 5e-10, A3p = 6.2e-3, A2m = 7e-3, A3m = 2.3e-4, Wmax = 10.0;
};

// Their equations, event by event: presynaptic traces r1 (tau_plus), r2 (tau_x), postsynaptic o1
// (tau_minus), o2 (tau_y); post spikes reach the synapse d later. At a post spike
// w += r1 (A2+ + A3+ o2(t-)), at a pre spike w -= o1 (A2- + A3- r2(t-)); traces then + 1.
double triplet_reference(const std::vector<double>& pre, const std::vector<double>& post, double w,
                         const triplet_params& q) {
  double r1 = 0, r2 = 0, t_r = 0, o1 = 0, o2 = 0, t_o = -1e9;
  std::size_t i = 0, j = 0;
  while (i < pre.size() || j < post.size()) {
    const bool post_next = j < post.size() && (i == pre.size() || post[j] + kDelay <= pre[i]);
    if (post_next) {
      const double t = post[j++];
      const double o2_before = o2 * std::exp(-(t - t_o) / q.tau_y);
      w = std::min(q.Wmax, w + r1 * std::exp(-(t + kDelay - t_r) / q.tau_plus) * (q.A2p + q.A3p * o2_before));
      o1 = o1 * std::exp(-(t - t_o) / q.tau_minus) + 1.0;
      o2 = o2_before + 1.0;
      t_o = t;
    } else {
      const double t = pre[i++];
      const double r2_before = r2 * std::exp(-(t - t_r) / q.tau_x);
      w = std::max(0.0, w - o1 * std::exp(-(t - kDelay - t_o) / q.tau_minus) * (q.A2m + q.A3m * r2_before));
      r1 = r1 * std::exp(-(t - t_r) / q.tau_plus) + 1.0;
      r2 = r2_before + 1.0;
      t_r = t;
    }
  }
  return w;
}

}  // namespace

TEST(TripletRule, FrequencyDependenceOfPfisterGerstnersVisualCortexFit) {
  const triplet_params q;
  const std::vector<double> rates = {1.0, 5.0, 10.0, 20.0, 40.0, 50.0};  // Hz
  const double w0 = 1.0;
  std::vector<std::vector<double>> pre, post;
  for (double dt : {10.0, -10.0})
    for (double rate : rates) {
      std::vector<double> a, b;
      double t = 100.0;
      for (int k = 0; k < 60; ++k, t += 1000.0 / rate) {
        a.push_back(std::round(t * 10) / 10);
        b.push_back(std::round((t + dt) * 10) / 10);
      }
      a.push_back(std::round((t + 500.0) * 10) / 10);  // applies the last pairing's facilitation
      pre.push_back(a);
      post.push_back(b);
    }
  const pairing_run r = run_pairs(pre, post, "stdp_triplet_synapse",
                                  {{"tau_plus", q.tau_plus},
                                   {"tau_minus", q.tau_minus},
                                   {"tau_plus_triplet", q.tau_x},
                                   {"tau_minus_triplet", q.tau_y},
                                   {"Aplus", q.A2p},
                                   {"Aplus_triplet", q.A3p},
                                   {"Aminus", q.A2m},
                                   {"Aminus_triplet", q.A3m},
                                   {"Wmax", q.Wmax}},
                                  w0, 60'800.0);
  ASSERT_EQ(r.synapses.size(), 2 * rates.size());
  std::vector<double> dw(r.synapses.size());
  for (const synapse_record& s : r.synapses) {
    const auto t_pre = spike_times_of(r.spikes, r.offsets[0] + s.pre, 0.1);
    const auto t_post = spike_times_of(r.spikes, r.offsets[2] + s.post, 0.1);
    ASSERT_EQ(t_pre.size(), 61u);
    ASSERT_EQ(t_post.size(), 60u);
    const double expected = triplet_reference(t_pre, t_post, w0, q);
    EXPECT_NEAR(s.weight, expected, 1e-12 * w0) << "synapse " << s.pre;
    dw[s.pre] = s.weight - w0;
  }
  const std::size_t n = rates.size();  // dw[0..n): +10 ms; dw[n..2n): -10 ms
  for (std::size_t k = 1; k < n; ++k)
    EXPECT_GT(dw[k], dw[k - 1]) << "pre-post: more potentiation at " << rates[k] << " Hz";
  EXPECT_GT(dw[n - 1], 0.1) << "pre-post at 50 Hz potentiates";
  EXPECT_LT(std::abs(dw[0]), 0.01 * dw[n - 1]) << "pre-post at 1 Hz: almost nothing (A2+ ~ 0 in the fit)";
  EXPECT_LT(dw[n], -0.1) << "post-pre at 1 Hz depresses";
  EXPECT_LT(dw[n + 2], 0.0) << "post-pre at 10 Hz still depresses";
  EXPECT_GT(dw[2 * n - 1], 0.1) << "post-pre at 50 Hz potentiates (the sign change of Sjostrom et al. 2001)";
}
