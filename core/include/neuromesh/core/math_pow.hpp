#pragma once
// x^y for x > 0 without a division: the power of stdp_pl_synapse_hom (NEST's hpc_benchmark) and
// stdp_synapse's weight dependence, where fdlibm's log and exp (math.hpp: one division each, on
// the weight's dependency chain from one pairing to the next) were half of the plastic update's time.
//
// pow_positive(x, y) = exp(y log x), both halves table-driven in the style of Tang (ACM TOMS 15(2)
// 1989 for exp; 16(4) 1990 for log) with our own tables (scripts/gen_pow_tables.py ->
// math_pow_tables.hpp):
//   log: x = 2^k z, z in [0.6875, 1.375), c the midpoint of z's 1/128-row (1 for the row that
//        starts at 1), invc = 1/c rounded to 27 bits; r = z invc - 1 formed exactly from z's top
//        26 bits (their product with invc is exact) plus the low bits' product, so |r| < 2^-7;
//        log x = k ln2 + logc + r + r^2 q(r), q the Taylor series of (log1p(r) - r) / r^2 to r^6
//        (truncation < 2^-59 |r|), summed with the leading additions' rounding errors kept;
//   exp: y log x = (128 e + j) ln2/128 + s with |s| <= ln2/256 (ln2/128 split so that the product
//        is exact), e^s - 1 by Taylor to s^5 (truncation < 2^-60), x^y = 2^e (T_j + T_j p) with
//        T_j = 2^(j/128) correctly rounded.
// Only +, -, * and bit operations, so the same bits on every backend (determinism contract rule
// 4, as math.hpp). Accuracy against long-double powl (tests/unit/test_math_pow.cpp): within
// 1.6 (1 + |y log x|) ulp, as math.hpp's exp(y log(x)) (1.55; glibc's pow carries y log x in
// extra precision and stays within 0.51 ulp); exact powers such as 4^0.5 need not come out
// exact, x = 1 gives exactly 1. Speed (one core, the STDP chain w += c w^0.4): 26 ns per call
// against 45 for exp(y log(x)) -- no division on the chain -- and 25 for glibc's pow. Arguments outside
// [DBL_MIN, DBL_MAX] or |y log x| > 708 (results beyond the normal range) take math.hpp's exp and
// log, which handle them as std::pow does for x >= 0.
#include <cstdint>

#include <neuromesh/core/macros.hpp>
#include <neuromesh/core/math.hpp>
#include <neuromesh/core/math_pow_tables.hpp>

namespace neuromesh::math {
namespace detail {

// log x for normal positive x (pow_positive's first half), to about an ulp.
NEUROMESH_INLINE_HOST_DEVICE double log_for_pow(double x) {
  constexpr std::uint64_t off = 0x3fe6000000000000ULL;  // 0.6875
  const std::uint64_t ix = to_bits(x);
  const std::uint64_t tmp = ix - off;
  const auto i = static_cast<unsigned>((tmp >> (52 - pow_log_bits)) & ((1u << pow_log_bits) - 1));
  const auto k = static_cast<std::int64_t>(tmp) >> 52;  // arithmetic shift: x = 2^k z
  const double z = from_bits(ix - (tmp & (std::uint64_t{0xfff} << 52)));
  std::uint64_t invc_bits, logc_bits;
  pow_log_row(i, invc_bits, logc_bits);
  const double invc = from_bits(invc_bits), logc = from_bits(logc_bits);
  // r = z invc - 1: z_hi (26 bits) times invc (27 bits) is exact, and so is its difference from 1
  // (|z_hi invc - 1| < 2^-6 with bits down to 2^-54); the low part adds one rounding.
  const double z_hi = from_bits(to_bits(z) & 0xfffffff800000000ULL), z_lo = z - z_hi;
  const double r = (z_hi * invc - 1.0) + z_lo * invc;
  // (log1p(r) - r) / r^2 = -1/2 + r/3 - r^2/4 + r^3/5 - r^4/6 + r^5/7 - r^6/8, in Estrin's order.
  const double r2 = r * r, r4 = r2 * r2;
  const double q01 = -0.5 + r * 0.33333333333333333;
  const double q23 = -0.25 + r * 0.2;
  const double q45 = -0.16666666666666667 + r * 0.14285714285714286;
  const double q = (q01 + r2 * q23) + r4 * (q45 + r2 * -0.125);
  // (k ln2_hi + logc) + r with both roundings' errors kept (Fast2Sum: |k ln2_hi| >= 0.69 > |logc|
  // or k = 0; TwoSum for + r, either may be larger), added back with the small terms: log x to
  // ~0.5 ulp (x near 1 loses relative accuracy, not absolute: what pow needs).
  const auto dk = static_cast<double>(k);
  const double a = dk * ln2_hi;  // exact: ln2_hi has 32 bits
  const double s = a + logc, s_err = (a - s) + logc;
  const double h = s + r, b = h - s, h_err = (s - (h - b)) + (r - b);
  return h + ((s_err + h_err) + (dk * ln2_lo + r2 * q));
}

// e^t for |t| <= 708 (pow_positive's second half), to about an ulp.
NEUROMESH_INLINE_HOST_DEVICE double exp_for_pow(double t) {
  constexpr double shifter = 6755399441055744.0;                      // 1.5 * 2^52
  constexpr double inv_ln2_n = 184.66496523378731;                    // 128 / ln 2 (any rounding: it picks n)
  constexpr double ln2_n_hi = ln2_hi / 128, ln2_n_lo = ln2_lo / 128;  // exact: powers of two
  const double big = t * inv_ln2_n + shifter;
  const double dn = big - shifter;  // n = round(128 t / ln 2), |n| < 2^17: dn * ln2_n_hi is exact
  const auto n = static_cast<std::int64_t>(to_bits(big) - to_bits(shifter));
  const double s = (t - dn * ln2_n_hi) - dn * ln2_n_lo;  // the first difference is exact (Sterbenz)
  // e^s - 1 = s + s^2 (1/2 + s/6 + s^2/24 + s^3/120)
  const double s2 = s * s;
  const double p = s + s2 * ((0.5 + s * 0.16666666666666667) + s2 * (0.041666666666666667 + s * 0.0083333333333333333));
  const double t_j = from_bits(pow_exp_row(static_cast<unsigned>(n & 127)));
  return add_exponent(t_j + t_j * p, static_cast<int>(n >> 7));  // n >> 7 rounds toward -inf: 2^(n/128) = 2^e 2^(j/128)
}

}  // namespace detail

// x^y for x >= 0 (see the top of this file); bit-identical on every backend.
NEUROMESH_INLINE_HOST_DEVICE double pow_positive(double x, double y) {
  constexpr double dbl_min = 2.2250738585072014e-308, dbl_max = 1.7976931348623157e308;
  if (!(x >= dbl_min && x <= dbl_max)) return math::exp(y * math::log(x));  // 0, subnormal, inf, NaN
  const double t = y * detail::log_for_pow(x);
  if (!(t >= -708.0 && t <= 708.0)) return math::exp(t);  // overflow, subnormal results, NaN y
  return detail::exp_for_pow(t);
}

}  // namespace neuromesh::math
