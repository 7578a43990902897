// aeif_cond_beta_multisynapse's synapses (neurons/aeif_cond_beta_multisynapse.hpp) called directly:
// NEST's checks of the three port lists, the beta normalisation (a port's conductance after one
// spike is the beta function of peak w), and tau_rise == tau_decay computing exactly what
// aeif_cond_alpha_multisynapse computes for tau_syn = tau_decay.
#include <array>
#include <cmath>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include <neuromesh/neurons/registry.hpp>

namespace neuromesh {
namespace {

using beta = aeif_cond_beta_multisynapse;
using alpha = aeif_cond_alpha_multisynapse;
using param_override = std::pair<std::string_view, double>;
constexpr int R = multisynapse::max_ports;

template <class M>
std::array<double, M::n_params> params(const std::vector<param_override>& overrides) {
  std::array<double, M::n_params> p{};
  for (std::size_t i = 0; i < M::n_params; ++i) p[i] = M::parameters[i].default_value;
  for (const auto& [name, value] : overrides) {
    const int i = parameter_index(M::parameters, name);
    EXPECT_GE(i, 0) << name;
    p[i] = value;
  }
  return p;
}

// One neuron of model M in precision Real, advanced with one input per port.
template <class M, class Real = double>
struct cell {
  std::array<Real, M::n_constants> k{};
  std::array<Real, M::n_state> x{};
  explicit cell(const std::vector<param_override>& overrides, double h = 0.1) {
    const auto p = params<M>(overrides);
    EXPECT_EQ(M::check(p.data(), h), "") << M::name;
    std::array<double, M::n_constants> kd{};
    std::array<double, M::n_state> xd{};
    M::derive(p.data(), h, kd.data());
    M::initial_state(p.data(), xd.data());
    for (std::size_t i = 0; i < kd.size(); ++i) k[i] = static_cast<Real>(kd[i]);
    for (std::size_t i = 0; i < xd.size(); ++i) x[i] = static_cast<Real>(xd[i]);
  }
  unsigned step(const std::array<Real, R>& in, Real stim = 0) {
    return M::template step_ports<Real>(k.data(), x.data(), in.data(), stim);
  }
};

// The message of M's check for the defaults with `overrides`.
std::string problem(const std::vector<param_override>& overrides) {
  const auto p = params<beta>(overrides);
  return beta::check(p.data(), 0.1);
}

TEST(AeifBetaMultisynapse, NestDefaultsAndChecks) {
  const auto p = params<beta>({});
  EXPECT_EQ(p[beta::tau_rise_1], 2.0);  // NEST 3.10: tau_rise [2.0], tau_decay [20.0], E_rev [0.0]
  EXPECT_EQ(p[beta::tau_decay_1], 20.0);
  EXPECT_EQ(p[beta::E_rev_1], 0.0);
  EXPECT_TRUE(std::isnan(p[beta::tau_decay_1 + 1]));
  EXPECT_EQ(problem({}), "");
  EXPECT_EQ(problem({{"tau_rise[1]", 20.0}}), "");  // tau_rise == tau_decay: allowed, as NEST
  auto starts = [](const std::string& msg, const std::string& name) { return msg.rfind(name + ":", 0) == 0; };
  EXPECT_TRUE(starts(problem({{"tau_rise[1]", 20.5}}), "tau_rise[1]")) << problem({{"tau_rise[1]", 20.5}});
  EXPECT_TRUE(starts(problem({{"tau_rise[1]", 0.0}}), "tau_rise[1]"));
  EXPECT_TRUE(starts(problem({{"tau_decay[1]", -1.0}}), "tau_decay[1]"));
  EXPECT_TRUE(starts(problem({{"tau_decay[1]", std::nan("")}}), "tau_decay[1]"));  // no port at all
  // The three lists have one length: a port of tau_decay needs tau_rise and E_rev, and neither may
  // name a port tau_decay lacks.
  const std::string two_decays = problem({{"tau_decay[2]", 5.0}});
  EXPECT_TRUE(starts(two_decays, "tau_rise[2]")) << two_decays;
  EXPECT_TRUE(starts(problem({{"tau_decay[2]", 5.0}, {"tau_rise[2]", 1.0}}), "E_rev[2]"));
  EXPECT_TRUE(starts(problem({{"E_rev[2]", -85.0}}), "E_rev[2]"));
  EXPECT_TRUE(starts(problem({{"tau_rise[2]", 1.0}}), "tau_rise[2]"));
  EXPECT_TRUE(starts(problem({{"tau_decay[3]", 5.0}, {"tau_rise[3]", 1.0}, {"E_rev[3]", 0.0}}), "tau_decay[3]"));
  EXPECT_EQ(problem({{"tau_decay[2]", 5.0}, {"tau_rise[2]", 5.0}, {"E_rev[2]", -85.0}}), "");
}

// NEST's normalisation: the beta function g0 (e^(-t/tau_d) - e^(-t/tau_r)) / (1/tau_r - 1/tau_d)
// peaks at 1; equal time constants (or a difference within the double epsilon) give e / tau_d.
TEST(AeifBetaMultisynapse, NormalisationMakesThePeakTheWeight) {
  for (const auto& [tr, td] : {std::pair{0.2, 1.7}, {0.5, 5.0}, {2.0, 20.0}, {4.9, 5.0}, {0.01, 100.0}}) {
    const double g0 = detail::beta_normalization(tr, td);
    const double t_peak = td * tr * std::log(td / tr) / (td - tr);
    EXPECT_NEAR(g0 * (std::exp(-t_peak / td) - std::exp(-t_peak / tr)) / (1 / tr - 1 / td), 1.0, 1e-12) << tr;
  }
  const double e = 2.718281828459045;
  EXPECT_EQ(detail::beta_normalization(5.0, 5.0), e / 5.0);
  const double close = std::nextafter(5.0, 6.0);  // differs by 2 ulp of 5: NEST's alpha branch
  EXPECT_EQ(detail::beta_normalization(5.0, close), e / close);
}

// One spike of weight w on port 1 (0.5 / 5 ms) and one on port 2 (rise = decay = 3 ms, the alpha
// function) of a neuron at rest: each port's g_r follows its kernel of peak w; port 3 stays 0.
TEST(AeifBetaMultisynapse, ConductanceAfterOneSpikeIsTheBetaFunction) {
  const double h = 0.1, w1 = 10.0, w2 = 4.0;
  cell<beta> n({{"tau_rise[1]", 0.5},
                {"tau_decay[1]", 5.0},
                {"tau_rise[2]", 3.0},
                {"tau_decay[2]", 3.0},
                {"E_rev[2]", -85.0},
                {"tau_rise[3]", 1.0},
                {"tau_decay[3]", 2.0},
                {"E_rev[3]", 0.0}},
               h);
  std::array<double, R> in{};
  in[0] = w1;
  in[1] = w2;
  n.step(in);  // the input is added at the end of this step: t = 0 there
  const std::array<double, R> none{};
  const double tr = 0.5, td = 5.0, g0 = detail::beta_normalization(tr, td);
  double peak1 = 0, err1 = 0, err2 = 0;
  for (int m = 1; m <= 300; ++m) {
    n.step(none);
    const double t = m * h;
    const double g1 = w1 * g0 * (std::exp(-t / td) - std::exp(-t / tr)) / (1 / tr - 1 / td);
    const double g2 = w2 * (t / 3.0) * std::exp(1.0 - t / 3.0);
    err1 = std::max(err1, std::abs(n.x[beta::g_1] - g1));
    err2 = std::max(err2, std::abs(n.x[beta::g_1 + 1] - g2));
    peak1 = std::max(peak1, n.x[beta::g_1]);
    ASSERT_EQ(n.x[beta::g_1 + 2], 0.0) << m;
  }
  EXPECT_LT(err1, 1e-5 * w1);  // RKF45 under NEST's control (gsl_error_tol 1e-6)
  EXPECT_LT(err2, 1e-5 * w2);
  EXPECT_NEAR(peak1, w1, 1e-3 * w1);  // the grid point nearest t_peak = 1.28 ms
}

// tau_rise == tau_decay: the same state as aeif_cond_alpha_multisynapse with tau_syn = tau_decay,
// bit for bit, at every step of a driven run with spikes (double and float).
template <class Real>
void expect_equal_taus_are_alpha() {
  cell<beta, Real> b({{"tau_rise[1]", 2.0},
                      {"tau_decay[1]", 2.0},
                      {"tau_rise[2]", 7.0},
                      {"tau_decay[2]", 7.0},
                      {"E_rev[2]", -85.0},
                      {"t_ref", 1.0}});
  cell<alpha, Real> a({{"tau_syn[1]", 2.0}, {"tau_syn[2]", 7.0}, {"E_rev[2]", -85.0}, {"t_ref", 1.0}});
  ASSERT_EQ(b.x.size(), a.x.size());
  std::uint32_t r = 777;
  auto uniform = [&r] {
    r = r * 1664525u + 1013904223u;
    return static_cast<double>(r >> 8) / 16777216.0;
  };
  int spikes = 0;
  for (int s = 0; s < 20000; ++s) {
    std::array<Real, R> in{};
    in[0] = Real(uniform() < 0.2 ? 10.0 * uniform() : 0.0);
    in[1] = Real(uniform() < 0.01 ? 10.0 * uniform() : 0.0);
    const Real stim = Real(s % 4000 < 2000 ? 900.0 : 0.0);
    const unsigned fb = b.step(in, stim), fa = a.step(in, stim);
    ASSERT_EQ(fb, fa) << s;
    ASSERT_EQ(b.x, a.x) << s;
    spikes += (fb & spiked) ? 1 : 0;
  }
  EXPECT_GT(spikes, 100);  // 286 (double and float)
}

TEST(AeifBetaMultisynapse, EqualTimeConstantsComputeTheAlphaModel) {
  expect_equal_taus_are_alpha<double>();
  expect_equal_taus_are_alpha<float>();
}

}  // namespace
}  // namespace neuromesh
