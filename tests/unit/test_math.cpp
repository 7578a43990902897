// The in-project transcendental functions against glibc (correctly rounded in practice) on dense
// grids: max error in ulps, the share of bit-exact results, and IEEE special values.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <utility>

#include <gtest/gtest.h>

#include <neuromesh/core/math.hpp>

namespace {

namespace nm = neuromesh::math;

// Doubles mapped to integers that are monotonic in value, so |a - b| counts representable steps.
std::int64_t ordered(double x) {
  std::int64_t i;
  std::memcpy(&i, &x, sizeof i);
  return i < 0 ? std::numeric_limits<std::int64_t>::min() - i : i;
}

std::uint64_t ulps(double a, double b) {
  const std::int64_t d = ordered(a) - ordered(b);
  return static_cast<std::uint64_t>(d < 0 ? -d : d);
}

// Worst ulp distance and bit-exact share of f vs ref over x_i = lo + (hi - lo) i / (n - 1), or a
// geometric grid when `geometric` (lo, hi > 0).
struct grid_result {
  std::uint64_t max_ulps = 0;
  double worst_x = 0.0;
  double exact_share = 0.0;
};

template <class F, class G>
grid_result compare(F f, G ref, double lo, double hi, int n, bool geometric = false) {
  grid_result r;
  int exact = 0;
  const double ratio = geometric ? std::log(hi) - std::log(lo) : 0.0;
  for (int i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) / (n - 1);
    const double x = geometric ? lo * std::exp(ratio * t) : lo + (hi - lo) * t;
    const std::uint64_t u = ulps(f(x), ref(x));
    exact += u == 0;
    if (u > r.max_ulps) r.max_ulps = u, r.worst_x = x;
  }
  r.exact_share = static_cast<double>(exact) / n;
  return r;
}

constexpr double inf = std::numeric_limits<double>::infinity();
constexpr double nan = std::numeric_limits<double>::quiet_NaN();

TEST(math, exp_matches_libm_within_one_ulp) {
  auto f = [](double x) { return nm::exp(x); };
  auto g = [](double x) { return std::exp(x); };
  for (auto [lo, hi] : {std::pair{-700.0, 700.0}, {-1.0, 1.0}, {-1e-6, 1e-6}, {-745.0, -708.0}, {700.0, 709.78}}) {
    const grid_result r = compare(f, g, lo, hi, 200001);
    EXPECT_LE(r.max_ulps, 1u) << "[" << lo << ", " << hi << "] worst at " << r.worst_x;
    EXPECT_GT(r.exact_share, 0.88) << "[" << lo << ", " << hi << "]";  // fdlibm: ~90% correctly rounded
  }
}

TEST(math, exp_special_values) {
  EXPECT_EQ(nm::exp(0.0), 1.0);
  EXPECT_EQ(nm::exp(-0.0), 1.0);
  EXPECT_LE(ulps(nm::exp(1.0), std::exp(1.0)), 1u);  // fdlibm rounds e the other way
  EXPECT_EQ(nm::exp(inf), inf);
  EXPECT_EQ(nm::exp(-inf), 0.0);
  EXPECT_TRUE(std::isnan(nm::exp(nan)));
  EXPECT_EQ(nm::exp(710.0), inf);
  EXPECT_EQ(nm::exp(-746.0), 0.0);
  EXPECT_EQ(nm::exp(709.78), std::exp(709.78));
  EXPECT_EQ(nm::exp(-745.1), std::exp(-745.1));  // smallest subnormal
  EXPECT_EQ(nm::exp(1e-300), 1.0);
  EXPECT_EQ(nm::exp(-0.5f), std::exp(-0.5f));
}

// The branch-free exp of SIMD lanes (aeif models): the same accuracy on its clamped range, and
// the clamp itself (normal results at both ends, NaN kept).
TEST(math, exp_simd_matches_libm_within_one_ulp) {
  auto f = [](double x) { return nm::exp_simd(x); };
  auto g = [](double x) { return std::exp(x); };
  for (auto [lo, hi] : {std::pair{-708.0, 709.0}, {-1.0, 1.0}, {-1e-6, 1e-6}, {-30.0, 30.0}}) {
    const grid_result r = compare(f, g, lo, hi, 200001);
    EXPECT_LE(r.max_ulps, 1u) << "[" << lo << ", " << hi << "] worst at " << r.worst_x;
    EXPECT_GT(r.exact_share, 0.88) << "[" << lo << ", " << hi << "]";
  }
  EXPECT_EQ(nm::exp_simd(-1000.0), nm::exp_simd(-708.0));
  EXPECT_GT(nm::exp_simd(-1000.0), 0.0);
  EXPECT_EQ(nm::exp_simd(1000.0), nm::exp_simd(709.0));
  EXPECT_TRUE(std::isfinite(nm::exp_simd(inf)));
  EXPECT_TRUE(std::isnan(nm::exp_simd(nan)));
  EXPECT_EQ(nm::exp_simd(0.0), 1.0);
}

// Single precision: within 1 ulp of the correctly rounded float of the double result, on a grid
// of 2 * 10^6 points over the clamped range [-86, 88].
TEST(math, exp_simd_float_within_one_ulp) {
  constexpr int n = 2000001;
  int worst = 0, exact = 0;
  for (int i = 0; i < n; ++i) {
    const float x = static_cast<float>(-86.0 + 174.0 * i / (n - 1));
    const float a = nm::exp_simd(x), b = static_cast<float>(std::exp(static_cast<double>(x)));
    const int u = a == b ? 0 : (std::nextafter(a, b) == b ? 1 : 2);  // 2: two or more
    worst = u > worst ? u : worst;
    exact += a == b;
  }
  EXPECT_LE(worst, 1);
  EXPECT_GT(static_cast<double>(exact) / n, 0.88);  // measured: 90 % correctly rounded
  EXPECT_EQ(nm::exp_simd(-1000.0f), nm::exp_simd(-86.0f));
  EXPECT_GT(nm::exp_simd(-1000.0f), 0.0f);
  EXPECT_TRUE(std::isnan(nm::exp_simd(std::numeric_limits<float>::quiet_NaN())));
}

TEST(math, log_matches_libm_within_one_ulp) {
  auto f = [](double x) { return nm::log(x); };
  auto g = [](double x) { return std::log(x); };
  const grid_result wide = compare(f, g, 1e-300, 1e300, 500001, true);
  EXPECT_LE(wide.max_ulps, 1u) << "worst at " << wide.worst_x;
  EXPECT_GT(wide.exact_share, 0.97);
  for (auto [lo, hi] : {std::pair{0.5, 2.0}, {1.0 - 1e-5, 1.0 + 1e-5}, {1e-320, 1e-308}}) {
    const grid_result r = compare(f, g, lo, hi, 200001);
    EXPECT_LE(r.max_ulps, 1u) << "[" << lo << ", " << hi << "] worst at " << r.worst_x;
  }
}

TEST(math, log_special_values) {
  EXPECT_EQ(nm::log(1.0), 0.0);
  EXPECT_FALSE(std::signbit(nm::log(1.0)));
  EXPECT_EQ(nm::log(0.0), -inf);
  EXPECT_EQ(nm::log(-0.0), -inf);
  EXPECT_TRUE(std::isnan(nm::log(-1.0)));
  EXPECT_TRUE(std::isnan(nm::log(-inf)));
  EXPECT_TRUE(std::isnan(nm::log(nan)));
  EXPECT_EQ(nm::log(inf), inf);
  EXPECT_EQ(nm::log(2.0), std::log(2.0));
  EXPECT_EQ(nm::log(std::numeric_limits<double>::denorm_min()), std::log(std::numeric_limits<double>::denorm_min()));
  EXPECT_EQ(nm::log(std::numeric_limits<double>::max()), std::log(std::numeric_limits<double>::max()));
}

// The branch-free log (normal positive x): as accurate as log, mostly its very bits, and finite
// (never a trap) outside its domain.
TEST(math, log_simd_matches_libm_within_one_ulp) {
  auto f = [](double x) { return nm::log_simd(x); };
  auto g = [](double x) { return std::log(x); };
  for (auto [lo, hi] : {std::pair{1e-300, 1e-5}, {1e-5, 1e300}}) {  // the grid's ratio stays below exp's overflow
    const grid_result wide = compare(f, g, lo, hi, 500001, true);
    EXPECT_LE(wide.max_ulps, 1u) << "[" << lo << ", " << hi << "] worst at " << wide.worst_x;
    EXPECT_GT(wide.exact_share, 0.97) << "[" << lo << ", " << hi << "]";
  }
  for (auto [lo, hi] : {std::pair{0.5, 2.0}, {1.0 - 1e-5, 1.0 + 1e-5}, {1e-5, 2000.0}}) {
    const grid_result r = compare(f, g, lo, hi, 200001);
    EXPECT_LE(r.max_ulps, 1u) << "[" << lo << ", " << hi << "] worst at " << r.worst_x;
  }
  const grid_result same = compare(
      f, [](double x) { return nm::log(x); }, 1e-5, 2000.0, 200001, true);
  EXPECT_GT(same.exact_share, 0.99);
  EXPECT_EQ(nm::log_simd(1.0), 0.0);
  EXPECT_EQ(nm::log_simd(2.0), std::log(2.0));
  EXPECT_EQ(nm::log_simd(std::numeric_limits<double>::max()), std::log(std::numeric_limits<double>::max()));
  for (double x : {0.0, -1.0, inf, nan, std::numeric_limits<double>::denorm_min()})
    EXPECT_TRUE(std::isfinite(nm::log_simd(x))) << x;
}

TEST(math, log1p_matches_libm_within_two_ulps) {
  auto f = [](double x) { return nm::log1p(x); };
  auto g = [](double x) { return std::log1p(x); };
  for (auto [lo, hi] : {std::pair{-0.999, 10.0}, {-1e-8, 1e-8}, {-0.5, 0.5}, {10.0, 1e10}}) {
    const grid_result r = compare(f, g, lo, hi, 200001);
    EXPECT_LE(r.max_ulps, 2u) << "[" << lo << ", " << hi << "] worst at " << r.worst_x;
  }
  const grid_result tiny = compare(f, g, 1e-300, 1e-10, 100001, true);
  EXPECT_LE(tiny.max_ulps, 1u);
  EXPECT_EQ(nm::log1p(-1.0), -inf);
  EXPECT_TRUE(std::isnan(nm::log1p(-2.0)));
  EXPECT_EQ(nm::log1p(inf), inf);
  EXPECT_TRUE(std::signbit(nm::log1p(-0.0)));
}

// tsodyks_synapse's propagator (NEST uses std::expm1): small arguments are where exp(x) - 1 loses
// digits -- -h / tau_rec is about -1e-4 for one step.
TEST(math, expm1_matches_libm_within_three_ulps) {
  auto f = [](double x) { return nm::expm1(x); };
  auto g = [](double x) { return std::expm1(x); };
  for (auto [lo, hi] : {std::pair{-40.0, 700.0}, {-1e-8, 1e-8}, {-0.5, 0.5}, {-1e-3, -1e-6}}) {
    const grid_result r = compare(f, g, lo, hi, 200001);
    EXPECT_LE(r.max_ulps, 3u) << "[" << lo << ", " << hi << "] worst at " << r.worst_x;
  }
  const grid_result tiny = compare([](double x) { return nm::expm1(-x); }, [](double x) { return std::expm1(-x); },
                                   1e-300, 1e-10, 100001, true);
  EXPECT_LE(tiny.max_ulps, 2u);
  EXPECT_EQ(nm::expm1(-1000.0), -1.0);
  EXPECT_EQ(nm::expm1(1000.0), inf);
  EXPECT_TRUE(std::isnan(nm::expm1(nan)));
  EXPECT_TRUE(std::signbit(nm::expm1(-0.0)));
}

TEST(math, sin_cos_match_libm_within_one_ulp) {
  auto s = [](double x) { return nm::sin(x); };
  auto c = [](double x) { return nm::cos(x); };
  auto gs = [](double x) { return std::sin(x); };
  auto gc = [](double x) { return std::cos(x); };
  for (auto [lo, hi] : {std::pair{-100.0, 100.0}, {-1.0, 1.0}, {1e5, 2e6}, {-1e-3, 1e-3}}) {
    const grid_result rs = compare(s, gs, lo, hi, 400001);
    const grid_result rc = compare(c, gc, lo, hi, 400001);
    EXPECT_LE(rs.max_ulps, 1u) << "sin [" << lo << ", " << hi << "] worst at " << rs.worst_x;
    EXPECT_LE(rc.max_ulps, 1u) << "cos [" << lo << ", " << hi << "] worst at " << rc.worst_x;
    EXPECT_GT(rs.exact_share, 0.93);
    EXPECT_GT(rc.exact_share, 0.93);
  }
}

TEST(math, sin_cos_near_multiples_of_half_pi) {
  // x = fl(n pi/2): the reduced argument is tiny and every extra reduction round is exercised.
  for (int n = 1; n < 600000; n += 7) {
    const double x = n * (nm::pi / 2);
    ASSERT_LE(ulps(nm::sin(x), std::sin(x)), 1u) << n;
    ASSERT_LE(ulps(nm::cos(x), std::cos(x)), 1u) << n;
    ASSERT_LE(ulps(nm::sin(-x), std::sin(-x)), 1u) << n;
  }
}

TEST(math, sin_cos_huge_arguments_use_exact_reduction) {
  // Geometric grid up to 1e300 exercises the Payne-Hanek path at every exponent.
  auto s = [](double x) { return nm::sin(x); };
  auto c = [](double x) { return nm::cos(x); };
  auto gs = [](double x) { return std::sin(x); };
  auto gc = [](double x) { return std::cos(x); };
  EXPECT_LE(compare(s, gs, 1e6, 1e300, 200001, true).max_ulps, 1u);
  EXPECT_LE(compare(c, gc, 1e6, 1e300, 200001, true).max_ulps, 1u);
  // The double closest to a multiple of pi/2 (Muller, Elementary Functions, table 11.1):
  // 6381956970095103 * 2^797, about 5.3e255, where x mod pi/2 ~ 4.7e-19.
  // Reference: mpmath at 2000 bits, correctly rounded. (glibc 2.36's runtime cos is 8 ulps off
  // here; g++ folds std::cos of a constant with MPFR, clang++ calls libm, so do not use std::.)
  const double hard = std::ldexp(6381956970095103.0, 797);
  EXPECT_EQ(nm::cos(hard), -4.6871659242546277e-19);
  EXPECT_EQ(nm::sin(hard), 1.0);
  EXPECT_EQ(nm::cos(-hard), -4.6871659242546277e-19);
  EXPECT_EQ(nm::sin(-hard), -1.0);
  EXPECT_LE(ulps(nm::sin(std::numeric_limits<double>::max()), std::sin(std::numeric_limits<double>::max())), 1u);
}

TEST(math, sin_cos_special_values) {
  EXPECT_EQ(nm::sin(0.0), 0.0);
  EXPECT_TRUE(std::signbit(nm::sin(-0.0)));
  EXPECT_EQ(nm::cos(0.0), 1.0);
  EXPECT_EQ(nm::sin(1e-300), 1e-300);
  EXPECT_TRUE(std::isnan(nm::sin(inf)));
  EXPECT_TRUE(std::isnan(nm::cos(-inf)));
  EXPECT_TRUE(std::isnan(nm::sin(nan)));
  EXPECT_TRUE(std::isnan(nm::cos(nan)));
  EXPECT_EQ(nm::sin(nm::pi), std::sin(M_PI));  // 1.22e-16, not 0: pi is rounded
  EXPECT_EQ(nm::cos(nm::pi), -1.0);
}

TEST(math, log_factorial_matches_lgamma) {
  double fact = 1.0;
  for (int k = 0; k <= 20; ++k) {  // small k: against the exact factorial
    if (k > 0) fact *= k;
    EXPECT_NEAR(nm::log_factorial(k), std::log(fact), 4e-16 * std::log(fact) + 1e-300) << k;
  }
  for (double k = 10.0; k < 1e9; k *= 1.01) {
    const double kk = std::floor(k);
    const double ref = std::lgamma(kk + 1.0);
    EXPECT_NEAR(nm::log_factorial(kk), ref, 6e-16 * ref) << kk;
  }
  EXPECT_TRUE(std::isnan(nm::log_factorial(-1.0)));
}

TEST(math, stirling_tail_is_log_factorial_minus_stirling) {
  for (double k : {0.0, 1.0, 5.0, 9.0, 10.0, 11.0, 50.0, 1000.0}) {
    const double main = (k + 0.5) * std::log(k + 1.0) - (k + 1.0) + nm::half_log_two_pi;
    const double ref = std::lgamma(k + 1.0) - main;
    EXPECT_NEAR(nm::stirling_tail(k), ref, 1e-14 * (k + 1.0)) << k;  // ref itself loses digits
  }
}

}  // namespace

namespace {

// exp_exact_simd / log_exact_simd: exp's and log's bits for every input (the aeif lanes rely on it).
std::uint64_t bits_of(double x) {
  std::uint64_t u;
  std::memcpy(&u, &x, sizeof u);
  return u;
}

double from_bits(std::uint64_t u) {
  double x;
  std::memcpy(&x, &u, sizeof x);
  return x;
}

std::uint64_t splitmix(std::uint64_t& s) {
  std::uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Inputs that reach every branch: any bit pattern, uniform values in [lo, hi], floats, and the
// neighbours (+-8 ulps) of each given point.
template <class F, class G>
void expect_same_bits(F f, G ref, double lo, double hi, std::initializer_list<double> points) {
  std::uint64_t seed = 42;
  auto check = [&](double x) { ASSERT_EQ(bits_of(f(x)), bits_of(ref(x))) << x << " (bits " << bits_of(x) << ")"; };
  for (int i = 0; i < 1000000; ++i) {
    check(from_bits(splitmix(seed)));
    check(lo + (hi - lo) * static_cast<double>(splitmix(seed) >> 11) * 0x1.0p-53);
    float xf;
    const auto b = static_cast<std::uint32_t>(splitmix(seed));
    std::memcpy(&xf, &b, sizeof xf);
    check(static_cast<double>(xf));
  }
  for (double p : points)
    for (std::int64_t d = -8; d <= 8; ++d) {
      check(from_bits(bits_of(p) + static_cast<std::uint64_t>(d)));
      check(-from_bits(bits_of(p) + static_cast<std::uint64_t>(d)));
    }
}

TEST(math, exp_exact_simd_is_exp) {
  auto f = [](double x) { return nm::exp_exact_simd(x); };
  auto g = [](double x) { return nm::exp(x); };
  std::initializer_list<double> points = {0.0,
                                          3.7252902984619141e-09,
                                          0.34657359027997264,
                                          7.09782712893383973096e+02,
                                          7.45133219101941108420e+02,
                                          708.39641853226408,
                                          inf,
                                          nan};
  expect_same_bits(f, g, -750.0, 750.0, points);
  for (int m = -1080; m <= 1080; ++m) {  // x / ln2 at half-integers: k's rounding
    const double x = (m + 0.5) * 0.6931471805599453;
    for (std::int64_t d = -4; d <= 4; ++d) {
      const double y = from_bits(bits_of(x) + static_cast<std::uint64_t>(d));
      ASSERT_EQ(bits_of(f(y)), bits_of(g(y))) << y;
    }
  }
}

TEST(math, log_exact_simd_is_log) {
  auto f = [](double x) { return nm::log_exact_simd(x); };
  auto g = [](double x) { return nm::log(x); };
  std::initializer_list<double> points = {1.0,         2.0,    0.5,   4.0, 1024.0, 0x1.0p-1022,
                                          0x1.0p-1074, 1e-300, 1e300, inf, nan,    std::numeric_limits<double>::max()};
  expect_same_bits(f, g, 0.0, 4.0, points);
  std::uint64_t seed = 7;
  for (int i = 0; i < 1000000; ++i) {  // within 2^-20 of a power of two: log's short series
    const int e = static_cast<int>(splitmix(seed) % 2000) - 1000;
    const double d = (static_cast<double>(splitmix(seed) >> 11) * 0x1.0p-53 - 0.5) * 0x1.0p-19;
    const double x = std::ldexp(1.0 + d, e);
    ASSERT_EQ(bits_of(f(x)), bits_of(g(x))) << x;
  }
}

}  // namespace
