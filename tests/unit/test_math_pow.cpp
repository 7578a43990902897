// math::pow_positive (core/math_pow.hpp) against x86's long-double powl (64-bit significand,
// ~1 ulp of long double = 2^-11 ulp of double: a reference to well below our error), its generated
// tables against their definitions, and the cases the plastic synapses rely on.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>

#include <gtest/gtest.h>

#include <neuromesh/core/math.hpp>
#include <neuromesh/core/math_pow.hpp>

namespace {

namespace nm = neuromesh::math;

// Error of a double result against a long-double reference, in ulps of the reference's double.
double ulp_error(double got, long double ref) {
  const double r = static_cast<double>(ref);
  const double ulp = std::nextafter(std::fabs(r), std::numeric_limits<double>::infinity()) - std::fabs(r);
  return static_cast<double>(std::fabs(static_cast<long double>(got) - ref) / ulp);
}

bool long_double_is_x87() { return std::numeric_limits<long double>::digits == 64; }

// Worst error over n draws of x = 2^u (u uniform in [lo, hi]) and y uniform in [y_lo, y_hi], in
// ulps divided by 1 + |y log x|: any pow that rounds t = y log x to a double has an error of
// about |t| 2^-53 relative from that rounding alone; math.hpp's exp(y log(x)) measures 1.55 here.
double worst_scaled_ulps(double lo, double hi, double y_lo, double y_hi, int n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> ue(lo, hi), uy(y_lo, y_hi);
  double worst = 0;
  for (int i = 0; i < n; ++i) {
    const double x = std::exp2(ue(rng)), y = uy(rng);
    const double t = std::fabs(y * std::log(x));
    if (t > 700) continue;  // beyond the table path (the fallback: math.hpp's exp)
    const long double ref = std::pow(static_cast<long double>(x), static_cast<long double>(y));
    const double e = ulp_error(nm::pow_positive(x, y), ref) / (1.0 + t);
    if (e > worst) worst = e;
  }
  return worst;
}

TEST(MathPow, WithinTwoUlpsPerUnitOfYLogXOfPowl) {
  if (!long_double_is_x87()) GTEST_SKIP() << "needs x87 long double as the reference";
  // The STDP ranges: weights 1e-6 .. 1e4 (in units of pA or of Wmax), exponents 0 .. 1.
  EXPECT_LE(worst_scaled_ulps(-20, 14, 0.0, 1.0, 1'000'000, 1), 2.0);
  // Near 1, where log x cancels against the table's log c.
  EXPECT_LE(worst_scaled_ulps(-0.02, 0.02, -1.0, 1.0, 300'000, 2), 2.0);
  // Every normal x, exponents up to the results' range.
  EXPECT_LE(worst_scaled_ulps(-1000, 1000, -0.7, 0.7, 300'000, 3), 2.0);
}

TEST(MathPow, AsAccurateAsExpOfYLogX) {
  if (!long_double_is_x87()) GTEST_SKIP() << "needs x87 long double as the reference";
  // Not worse on average than math.hpp's exp(y log x), the formula it replaces (1.144 ulp mean there).
  std::mt19937_64 rng(4);
  std::uniform_real_distribution<double> ue(-20, 14), uy(0.0, 1.0);
  double sum_new = 0, sum_old = 0;
  for (int i = 0; i < 300'000; ++i) {
    const double x = std::exp2(ue(rng)), y = uy(rng);
    const long double ref = std::pow(static_cast<long double>(x), static_cast<long double>(y));
    sum_new += ulp_error(nm::pow_positive(x, y), ref);
    sum_old += ulp_error(nm::exp(y * nm::log(x)), ref);
  }
  EXPECT_LE(sum_new, 1.1 * sum_old);
}

TEST(MathPow, ExactAndSpecialCases) {
  for (double y : {0.0, 0.4, 1.0, -3.0, 1e300}) EXPECT_EQ(nm::pow_positive(1.0, y), 1.0) << y;
  for (double x : {1e-300, 0.5, 3.0, 1e300}) EXPECT_EQ(nm::pow_positive(x, 0.0), 1.0) << x;
  // Outside the table path: std::pow's answers for x >= 0.
  EXPECT_EQ(nm::pow_positive(0.0, 0.4), 0.0);
  EXPECT_EQ(nm::pow_positive(0.0, -1.0), std::numeric_limits<double>::infinity());
  EXPECT_EQ(nm::pow_positive(std::numeric_limits<double>::infinity(), 0.5), std::numeric_limits<double>::infinity());
  EXPECT_EQ(nm::pow_positive(1e300, 2.0), std::numeric_limits<double>::infinity());
  EXPECT_EQ(nm::pow_positive(1e-300, 2.0), 0.0);
  EXPECT_TRUE(std::isnan(nm::pow_positive(std::numeric_limits<double>::quiet_NaN(), 0.5)));
  EXPECT_TRUE(std::isnan(nm::pow_positive(2.0, std::numeric_limits<double>::quiet_NaN())));
  const double sub = 4.9406564584124654e-324 * 1024;  // subnormal x: the fallback's exp(y log x)
  EXPECT_NEAR(nm::pow_positive(sub, 0.5), std::sqrt(sub), 1e-13 * std::sqrt(sub));  // |t| = 370
}

TEST(MathPow, EveryTableRowAndItsNeighbours) {
  if (!long_double_is_x87()) GTEST_SKIP() << "needs x87 long double as the reference";
  // Both ends of every log row (z = 0.6875 + ... in two binades) and every exp row's n: x chosen
  // so that y log x lands on n ln2/128 +- ln2/256.
  constexpr std::uint64_t off = 0x3fe6000000000000ULL;
  for (std::uint64_t i = 0; i < 128; ++i)
    for (std::int64_t d : {0, 1, 2, -1, -2})
      for (std::uint64_t k : {0ULL, 3ULL << 52, 40ULL << 52}) {
        const std::uint64_t bits = off + (i << 45) + static_cast<std::uint64_t>(d) + k;
        double x;
        std::memcpy(&x, &bits, sizeof x);
        for (double y : {0.4, -0.7, 1.0}) {
          const long double ref = std::pow(static_cast<long double>(x), static_cast<long double>(y));
          const double t = std::fabs(y * std::log(x));
          EXPECT_LE(ulp_error(nm::pow_positive(x, y), ref), 2.0 * (1.0 + t)) << "row " << i << " x " << x << " y " << y;
        }
      }
  for (int n = -2000; n <= 2000; ++n)
    for (double s : {-0.49, 0.0, 0.49}) {
      const long double t = (n + s) * std::log(2.0L) / 128;
      const double x = static_cast<double>(std::exp(t / 0.4L));
      const long double ref = std::pow(static_cast<long double>(x), 0.4L);
      EXPECT_LE(ulp_error(nm::pow_positive(x, 0.4), ref), 2.0 * (1.0 + std::fabs(static_cast<double>(t))))
          << "n " << n << " x " << x;
    }
}

TEST(MathPow, TablesAreWhatTheGeneratorDocuments) {
  if (!long_double_is_x87()) GTEST_SKIP() << "needs x87 long double as the reference";
  for (unsigned j = 0; j < 128; ++j) {
    double t;
    const std::uint64_t b = nm::detail::pow_exp_row(j);
    std::memcpy(&t, &b, sizeof t);
    EXPECT_LE(ulp_error(t, std::exp2(static_cast<long double>(j) / 128)), 0.5 + 1e-3) << j;
  }
  for (unsigned i = 0; i < 128; ++i) {
    std::uint64_t ib, lb;
    nm::detail::pow_log_row(i, ib, lb);
    double invc, logc;
    std::memcpy(&invc, &ib, sizeof invc);
    std::memcpy(&logc, &lb, sizeof logc);
    EXPECT_EQ(ib & ((1ULL << 26) - 1), 0u) << "invc of row " << i << " has more than 27 bits";
    if (invc != 1.0)
      EXPECT_LE(ulp_error(logc, -std::log(static_cast<long double>(invc))), 0.5 + 1e-3) << i;
    else
      EXPECT_EQ(logc, 0.0);
  }
}

}  // namespace
