// The ziggurat normal sampler (distributions.hpp, ziggurat_tables.hpp): the generated tables
// against their defining equations, the whole distribution and its tail against the normal CDF
// (Kolmogorov-Smirnov), and the words each variate takes. Seeds are fixed, so each check either
// always passes or always fails; the KS critical values are those at significance 1e-3.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

#include <neuromesh/core/random/distributions.hpp>
#include <neuromesh/core/random/keyed_stream.hpp>

namespace {

namespace rnd = neuromesh::random;
namespace zig = neuromesh::random::detail;
using neuromesh::keyed_stream;
using neuromesh::rng_purpose;

double f(double x) { return std::exp(-0.5 * x * x); }
double x_of(unsigned i) { return zig::ziggurat_layer_of(i).w * 0x1.0p52; }   // w = x_i / 2^52 exactly
double upper_tail(double x) { return 0.5 * std::erfc(x / std::sqrt(2.0)); }  // P(Z > x)

// Largest distance between the empirical CDF of x and cdf (the KS statistic D_n).
template <class Cdf>
double ks_distance(std::vector<double> x, Cdf cdf) {
  std::sort(x.begin(), x.end());
  const double n = static_cast<double>(x.size());
  double d = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double c = cdf(x[i]);
    d = std::max({d, c - static_cast<double>(i) / n, static_cast<double>(i + 1) / n - c});
  }
  return d;
}

// sqrt(-ln(alpha / 2) / 2) / sqrt(n): the asymptotic KS critical value, 1.9495 / sqrt(n) at 1e-3.
double ks_critical(std::size_t n) { return 1.9495 / std::sqrt(static_cast<double>(n)); }

TEST(normal_ziggurat, tables_satisfy_their_equations) {
  const double r = zig::ziggurat_r, v = zig::ziggurat_v;
  EXPECT_EQ(x_of(1), r);
  EXPECT_EQ(zig::ziggurat_f(256), 1.0);
  // The base strip: rectangle [0, r] x [0, f(r)] plus the tail, drawn as [0, x_0] x [0, f(r)].
  EXPECT_NEAR(r * f(r) + std::sqrt(2.0 * std::acos(-1.0)) * upper_tail(r), v, 1e-15);
  EXPECT_NEAR(x_of(0) * f(r), v, 1e-15);
  for (unsigned i = 0; i < 256; ++i) {
    const double x = x_of(i), x_next = i < 255 ? x_of(i + 1) : 0.0;
    EXPECT_NEAR(zig::ziggurat_f(i), f(x), 1e-15) << "layer " << i;
    if (i > 0) EXPECT_NEAR(x * (zig::ziggurat_f(i + 1) - zig::ziggurat_f(i)), v, 1e-14) << "area of layer " << i;
    // k_i = floor(2^52 x_i+1 / x_i), up to the rounding of the stored x.
    EXPECT_NEAR(static_cast<double>(zig::ziggurat_layer_of(i).k), std::floor(0x1.0p52 * x_next / x), 8.0) << i;
    if (i > 0) EXPECT_LT(x_next, x) << "layers shrink upwards, layer " << i;
  }
}

TEST(normal_ziggurat, matches_the_normal_cdf) {
  constexpr std::size_t n = 1000000;
  keyed_stream s(20261206, rng_purpose::user, 1);
  std::vector<double> x(n);
  for (double& z : x) z = rnd::standard_normal(s);
  EXPECT_LT(ks_distance(x, [](double z) { return 1.0 - upper_tail(z); }), ks_critical(n));
  // Moments within 5 standard errors: mean (sd 1/sqrt(n)), variance (sd sqrt(2/n)), and the
  // symmetry of the layers' sign bit: skewness (sd sqrt(6/n)) and kurtosis 3 (sd sqrt(24/n)).
  double m1 = 0.0, m2 = 0.0, m3 = 0.0, m4 = 0.0;
  for (double z : x) m1 += z, m2 += z * z, m3 += z * z * z, m4 += z * z * z * z;
  const double dn = static_cast<double>(n);
  EXPECT_NEAR(m1 / dn, 0.0, 5.0 / std::sqrt(dn));
  EXPECT_NEAR(m2 / dn, 1.0, 5.0 * std::sqrt(2.0 / dn));
  EXPECT_NEAR(m3 / dn, 0.0, 5.0 * std::sqrt(15.0 / dn));
  EXPECT_NEAR(m4 / dn, 3.0, 5.0 * std::sqrt(96.0 / dn));
  // Pearson chi-square of |z| over 64 equiprobable bins (df 63, critical value 103.4 at 1e-3):
  // finer than KS at the layers' edges (accepting every wedge candidate unchecked gives 112).
  constexpr int bins = 64;
  std::vector<double> counts(bins, 0.0);
  for (double z : x) counts[std::min(bins - 1, static_cast<int>(2.0 * upper_tail(std::fabs(z)) * bins))] += 1.0;
  double chi2 = 0.0;
  for (double c : counts) chi2 += (c - dn / bins) * (c - dn / bins) / (dn / bins);
  EXPECT_LT(chi2, 103.4);
  // Beyond r the tail sampler answers: P(|Z| > r) = 5.16e-4 (516 of 10^6 expected, sd 22.7).
  const auto beyond = std::count_if(x.begin(), x.end(), [](double z) { return std::fabs(z) > zig::ziggurat_r; });
  EXPECT_NEAR(static_cast<double>(beyond), 2.0 * dn * upper_tail(zig::ziggurat_r), 5.0 * 22.7);
}

// The tail alone, conditional on Z > r: P(Z <= x | Z > r) = 1 - P(Z > x) / P(Z > r).
TEST(normal_ziggurat, tail_matches_the_conditional_cdf) {
  constexpr std::size_t n = 200000;
  keyed_stream s(20261206, rng_purpose::user, 2);
  std::vector<double> x(n);
  for (double& z : x) z = zig::normal_tail(s);
  EXPECT_GE(*std::min_element(x.begin(), x.end()), zig::ziggurat_r);
  const double tail_r = upper_tail(zig::ziggurat_r);
  EXPECT_LT(ks_distance(x, [&](double z) { return 1.0 - upper_tail(z) / tail_r; }), ks_critical(n));
}

// A stream that counts the words it hands out.
struct counting_stream {
  keyed_stream s;
  std::uint64_t words = 0;
  std::uint32_t next_u32() { return ++words, s.next_u32(); }
  std::uint64_t next_u64() { return words += 2, s.next_u64(); }
  double uniform() { return words += 2, s.uniform(); }
  double uniform_open() { return words += 2, s.uniform_open(); }
};

// Box-Muller took 4 words and a log and a cos per variate; the ziggurat takes one 64-bit word
// 99 % of the time: 2.04 words per variate on average (2.044 over 10^7).
TEST(normal_ziggurat, about_two_words_per_variate) {
  counting_stream c{keyed_stream(20261206, rng_purpose::user, 3)};
  constexpr int n = 100000;
  for (int i = 0; i < n; ++i) rnd::standard_normal(c);
  EXPECT_GT(static_cast<double>(c.words) / n, 2.0);
  EXPECT_LT(static_cast<double>(c.words) / n, 2.06);
}

}  // namespace
