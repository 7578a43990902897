#pragma once
// In-project transcendental functions (determinism contract rule 4). libm and CUDA's libdevice
// implement exp/log/sin/cos differently and are only faithful to ~1-2 ulp, so the same call can
// round differently on CPU and GPU. These versions use only +, -, *, / (IEEE correctly rounded on
// both, given -ffp-contract=off / nvcc --fmad=false), exact bit manipulation and integer
// arithmetic, so they return bit-identical results everywhere. Max difference from glibc: 1 ulp
// for exp, log, sin, cos, 2 ulps for log1p (tests/unit/test_math.cpp); the values are not always
// correctly rounded (~90% of exp, ~96% of sin/cos), but they are the same on every backend.
//
// The algorithms and coefficients are those of fdlibm 5.3 (Sun Microsystems, 1993; e_exp.c,
// e_log.c, k_sin.c, k_cos.c, e_rem_pio2.c), whose error analyses carry over unchanged. Arguments
// beyond 2^19*pi/2 are reduced exactly with a Payne-Hanek reduction (Payne & Hanek 1983, SIGNUM
// Newsl. 18(1)) over 1216 bits of 2/pi, so sin(1e300) is as accurate as sin(1).
//
// Tables are local constexpr arrays, not namespace-scope ones, so that nvcc can use them in
// device code without __device__/__constant__ annotations.
#include <cmath>
#include <cstdint>
#include <cstring>

#include <neuromesh/core/macros.hpp>

namespace neuromesh::math {
namespace detail {

NEUROMESH_INLINE_HOST_DEVICE std::uint64_t to_bits(double x) {
#if defined(__CUDA_ARCH__)
  return static_cast<std::uint64_t>(__double_as_longlong(x));
#else
  std::uint64_t u;
  std::memcpy(&u, &x, sizeof u);
  return u;
#endif
}

NEUROMESH_INLINE_HOST_DEVICE double from_bits(std::uint64_t u) {
#if defined(__CUDA_ARCH__)
  return __longlong_as_double(static_cast<long long>(u));
#else
  double x;
  std::memcpy(&x, &u, sizeof x);
  return x;
#endif
}

// fdlibm's __HI(x): sign, exponent and top 20 mantissa bits, as a signed word.
NEUROMESH_INLINE_HOST_DEVICE std::int32_t high_word(double x) {
  return static_cast<std::int32_t>(static_cast<std::uint32_t>(to_bits(x) >> 32));
}

// 2^k for k in the normal range [-1022, 1023], built exactly from bits.
NEUROMESH_INLINE_HOST_DEVICE double pow2(int k) { return from_bits(static_cast<std::uint64_t>(k + 1023) << 52); }

// y * 2^k by adding k to y's exponent field; y must be normal and the result too.
NEUROMESH_INLINE_HOST_DEVICE double add_exponent(double y, int k) {
  return from_bits(to_bits(y) + (static_cast<std::uint64_t>(static_cast<std::int64_t>(k)) << 52));
}

inline constexpr double ln2_hi = 6.93147180369123816490e-01;  // 0x3fe62e42fee00000, 32 bits
inline constexpr double ln2_lo = 1.90821492927058770002e-10;  // 0x3dea39ef35793c76

NEUROMESH_INLINE_HOST_DEVICE double infinity() { return from_bits(0x7ff0000000000000ULL); }
NEUROMESH_INLINE_HOST_DEVICE double quiet_nan() { return from_bits(0x7ff8000000000000ULL); }

// fdlibm e_log.c's R(s^2) for 1+f with s = f/(2+f): log(1+f) = 2s + s R (log and log_simd).
NEUROMESH_INLINE_HOST_DEVICE double log_poly(double s) {
  constexpr double Lg1 = 6.666666666666735130e-01, Lg2 = 3.999999999940941908e-01, Lg3 = 2.857142874366239149e-01,
                   Lg4 = 2.222219843214978396e-01, Lg5 = 1.818357216161805012e-01, Lg6 = 1.531383769920937332e-01,
                   Lg7 = 1.479819860511658591e-01;
  const double z = s * s;
  const double w = z * z;
  const double t1 = w * (Lg2 + w * (Lg4 + w * Lg6));
  const double t2 = z * (Lg1 + w * (Lg3 + w * (Lg5 + w * Lg7)));
  return t2 + t1;
}

}  // namespace detail

// e^x. fdlibm e_exp.c: x = k ln2 + r, |r| <= ln2/2, with ln2 split so k*ln2_hi is exact; exp(r)
// from a degree-5 Remez fit R(r^2) = r - r^2 P(r^2), exp(r) = 1 + 2r/(R - r); then scale by 2^k.
NEUROMESH_INLINE_HOST_DEVICE double exp(double x) {
  constexpr double o_threshold = 7.09782712893383973096e+02;   // log(DBL_MAX)
  constexpr double u_threshold = -7.45133219101941108420e+02;  // log(smallest subnormal / 2)
  constexpr double invln2 = 1.44269504088896338700e+00;
  constexpr double P1 = 1.66666666666666019037e-01, P2 = -2.77777777770155933842e-03, P3 = 6.61375632143793436117e-05,
                   P4 = -1.65339022054652515390e-06, P5 = 4.13813679705723846039e-08;
  if (x != x) return x;
  if (x > o_threshold) return detail::infinity();
  if (x < u_threshold) return 0.0;
  const double ax = std::fabs(x);
  if (ax < 3.7252902984619141e-09) return 1.0 + x;  // |x| < 2^-28: exp(x) rounds to 1 + x
  int k = 0;
  double hi = x, lo = 0.0;
  if (ax > 0.34657359027997264) {  // |x| > ln2/2
    k = static_cast<int>(invln2 * x + (x < 0.0 ? -0.5 : 0.5));
    const double t = k;
    hi = x - t * detail::ln2_hi;  // exact: ln2_hi has 32 bits, |k| < 2^11
    lo = t * detail::ln2_lo;
  }
  const double r = hi - lo;
  const double t = r * r;
  const double c = r - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
  if (k == 0) return 1.0 - ((r * c) / (c - 2.0) - r);
  const double y = 1.0 - ((lo - (r * c) / (2.0 - c)) - hi);
  if (k >= -1021) return detail::add_exponent(y, k);
  return detail::add_exponent(y, k + 1000) * detail::pow2(-1000);  // subnormal result
}

NEUROMESH_INLINE_HOST_DEVICE float exp(float x) { return static_cast<float>(math::exp(static_cast<double>(x))); }

// e^x for SIMD lanes and GPU threads: the algorithm and coefficients of exp above, with every
// branch removed so that a loop over neurons vectorises. The argument is clamped to [-708, 709]
// (results stay normal: e^-708 instead of a subnormal or 0, DBL_MAX-ish instead of inf; NaN
// passes through); k = round(x / ln2) by the 1.5 * 2^52 shifter, exact in round-to-nearest
// without contraction; the result is y * 2^k, an exact product. Same accuracy as exp (<= 1 ulp
// from glibc, tests/unit/test_math.cpp), not always the same last bit as exp.
// exp_simd_in_range is exp_simd without the clamp, for arguments known to lie in [-708, 709]: no
// conditional at all (GCC does not if-convert the clamp in a loop whose lanes are float when the
// double result is narrowed: rkf45.hpp power_simd).
NEUROMESH_INLINE_HOST_DEVICE double exp_simd_in_range(double x) {
  constexpr double invln2 = 1.44269504088896338700e+00;
  constexpr double shifter = 6755399441055744.0;  // 1.5 * 2^52: x + shifter rounds x to an integer
  constexpr double P1 = 1.66666666666666019037e-01, P2 = -2.77777777770155933842e-03, P3 = 6.61375632143793436117e-05,
                   P4 = -1.65339022054652515390e-06, P5 = 4.13813679705723846039e-08;
  const double big = invln2 * x + shifter;
  const double kd = big - shifter;            // round(x / ln2), |kd| <= 1023
  const double hi = x - kd * detail::ln2_hi;  // exact: ln2_hi has 32 bits, |kd| < 2^11
  const double lo = kd * detail::ln2_lo;
  const double r = hi - lo;
  const double t = r * r;
  const double c = r - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
  const double y = 1.0 - ((lo - (r * c) / (2.0 - c)) - hi);
  // 2^kd: the low 12 bits of big's mantissa are kd mod 2^12, so (bits + 1023) << 52 is 2^kd's exponent field.
  return y * detail::from_bits((detail::to_bits(big) + 1023) << 52);
}

NEUROMESH_INLINE_HOST_DEVICE double exp_simd(double x) {
  x = x < -708.0 ? -708.0 : x;
  x = x > 709.0 ? 709.0 : x;
  return exp_simd_in_range(x);
}

// e^x in single precision for SIMD lanes (twice the lanes of double): Cody & Waite reduction
// x = k ln2 + r with ln2 split in two (k * ln2_hi exact), a degree-7 Taylor-like minimax
// polynomial of Cephes' expf (S. Moshier, cephes/single/expf.c) for e^r on |r| <= ln2/2, then
// y * 2^k exactly. x is clamped to [-86, 88] (normal results). <= 2 ulp from glibc's expf
// (tests/unit/test_math.cpp); bit-identical on every backend as exp_simd(double) is.
NEUROMESH_INLINE_HOST_DEVICE float exp_simd(float x) {
  constexpr float log2e = 1.44269504088896341f;
  constexpr float shifter = 12582912.0f;                            // 1.5 * 2^23
  constexpr float ln2_hi = 0.693359375f, ln2_lo = -2.12194440e-4f;  // ln2_hi has 9 bits
  x = x < -86.0f ? -86.0f : x;
  x = x > 88.0f ? 88.0f : x;
  const float big = log2e * x + shifter;
  const float kd = big - shifter;  // round(x / ln2), |kd| <= 127
  const float r = (x - kd * ln2_hi) - kd * ln2_lo;
  const float p = ((((((1.9875691500e-4f * r + 1.3981999507e-3f) * r + 8.3334519073e-3f) * r + 4.1665795894e-2f) * r +
                     1.6666665459e-1f) *
                        r +
                    5.0000001201e-1f) *
                   (r * r)) +
                  r;
  const float y = p + 1.0f;
  // 2^kd: the low 9 bits of big's mantissa are kd mod 2^9, so (bits + 127) << 23 is 2^kd's exponent field.
  std::uint32_t bits;
#if defined(__CUDA_ARCH__)
  bits = static_cast<std::uint32_t>(__float_as_uint(big));
  const float scale = __uint_as_float((bits + 127u) << 23);
#else
  std::memcpy(&bits, &big, sizeof bits);
  const std::uint32_t sb = (bits + 127u) << 23;
  float scale;
  std::memcpy(&scale, &sb, sizeof scale);
#endif
  return y * scale;
}

// Natural logarithm. fdlibm e_log.c: x = 2^k (1+f) with sqrt(2)/2 < 1+f < sqrt(2), then
// log(1+f) = 2s + s R(s^2) with s = f/(2+f) and a degree-14 Remez polynomial R.
NEUROMESH_INLINE_HOST_DEVICE double log(double x) {
  const std::uint64_t bits = detail::to_bits(x);
  std::int32_t hx = static_cast<std::int32_t>(static_cast<std::uint32_t>(bits >> 32));
  int k = 0;
  if (hx < 0x00100000) {  // x < 2^-1022, or negative
    if ((bits & 0x7fffffffffffffffULL) == 0) return -detail::infinity();
    if (hx < 0) return detail::quiet_nan();
    k -= 54;
    x *= 1.80143985094819840000e+16;  // 2^54: scale subnormals up
    hx = detail::high_word(x);
  }
  if (hx >= 0x7ff00000) return x + x;  // inf or NaN
  k += (hx >> 20) - 1023;
  hx &= 0x000fffff;
  const std::int32_t i = (hx + 0x95f64) & 0x100000;  // choose x or x/2 so 1+f is near 1
  x = detail::from_bits((static_cast<std::uint64_t>(static_cast<std::uint32_t>(hx | (i ^ 0x3ff00000))) << 32) |
                        (detail::to_bits(x) & 0xffffffffULL));
  k += i >> 20;
  const double f = x - 1.0;
  const double dk = k;
  if ((0x000fffff & (2 + hx)) < 3) {  // |f| < 2^-20: short series
    if (f == 0.0) return k == 0 ? 0.0 : dk * detail::ln2_hi + dk * detail::ln2_lo;
    const double R = f * f * (0.5 - 0.33333333333333333 * f);
    if (k == 0) return f - R;
    return dk * detail::ln2_hi - ((R - dk * detail::ln2_lo) - f);
  }
  const double s = f / (2.0 + f);
  const double R = detail::log_poly(s);
  if (((hx - 0x6147a) | (0x6b851 - hx)) > 0) {  // f far from 0: keep f^2/2 separate
    const double hfsq = 0.5 * f * f;
    if (k == 0) return f - (hfsq - s * (hfsq + R));
    return dk * detail::ln2_hi - ((hfsq - (s * (hfsq + R) + dk * detail::ln2_lo)) - f);
  }
  if (k == 0) return f - s * (f - R);
  return dk * detail::ln2_hi - ((s * (f - R) - dk * detail::ln2_lo) - f);
}

// log x for SIMD lanes and GPU threads: log's algorithm and coefficients above with every branch
// removed, for positive normal x (the short series near 1 is left out: the general formula is as
// accurate there). Other x give a finite, meaningless value, never a trap (0: -1023 ln 2). Within
// 1 ulp of glibc (tests/unit/test_math.cpp); not always the same last bit as log.
NEUROMESH_INLINE_HOST_DEVICE double log_simd(double x) {
  constexpr double shifter = 6755399441055744.0;  // 1.5 * 2^52: its low mantissa bits hold small integers
  const std::uint64_t bits = detail::to_bits(x);
  const std::uint64_t hx = (bits >> 32) & 0x000fffffULL;  // top 20 mantissa bits
  const std::uint64_t i = (hx + 0x95f64) & 0x100000;      // x or x/2, so 1+f is near 1
  const double m = detail::from_bits(((hx | (i ^ 0x3ff00000ULL)) << 32) | (bits & 0xffffffffULL));
  // k + 1023 in bits, then k exactly as a double: shifter + biased_k, less shifter + 1023.
  const std::uint64_t biased_k = (bits >> 52) + (i >> 20);
  const double dk = detail::from_bits(detail::to_bits(shifter) + biased_k) - (shifter + 1023.0);
  const double f = m - 1.0;
  const double s = f / (2.0 + f);
  const double R = detail::log_poly(s);
  // log's two forms; with k = 0 they are its k == 0 forms to the bit (0 - a = -a, a + 0 = a).
  const double hfsq = 0.5 * f * f;
  const double far = dk * detail::ln2_hi - ((hfsq - (s * (hfsq + R) + dk * detail::ln2_lo)) - f);
  const double near = dk * detail::ln2_hi - ((s * (f - R) - dk * detail::ln2_lo) - f);
  return ((hx >= 0x6147a) & (hx <= 0x6b851)) ? far : near;  // f far from 0: f^2/2 kept separate
}

namespace detail {
// c ? a : b through bit masks: both values are computed unconditionally, so GCC cannot sink
// their (possibly trapping, under -ftrapping-math) arithmetic into a branch it then refuses to
// if-convert, and a loop over lanes vectorises (exp_exact_simd, log_exact_simd).
NEUROMESH_INLINE_HOST_DEVICE double pick(bool c, double a, double b) {
#if defined(__CUDA_ARCH__)
  return c ? a : b;
#else
  const std::uint64_t m = std::uint64_t{0} - static_cast<std::uint64_t>(c);
  return from_bits((to_bits(a) & m) | (to_bits(b) & ~m));
#endif
}
}  // namespace detail

// exp and log for SIMD lanes that return exp's and log's bits for every input: their branches
// as selects over all the cases (NaN, overflow, underflow, |x| < 2^-28, k = 0, a subnormal
// result; log: 0, negative, subnormal, inf/NaN, the short series near 1), k rounded as exp
// rounds it (half away from zero, unlike exp_simd's shifter). Slower than exp_simd / log_simd;
// for code whose scalar form must keep exp's and log's exact results (aeif_integrator.hpp: the
// deferred neurons' tries in lanes, bit-identical to the scalar step; tests/unit/test_math.cpp).
NEUROMESH_INLINE_HOST_DEVICE double exp_exact_simd(double x) {
  constexpr double o_threshold = 7.09782712893383973096e+02;
  constexpr double u_threshold = -7.45133219101941108420e+02;
  constexpr double invln2 = 1.44269504088896338700e+00;
  constexpr double shifter = 6755399441055744.0;  // 1.5 * 2^52: kd + shifter holds kd in its low bits
  constexpr double P1 = 1.66666666666666019037e-01, P2 = -2.77777777770155933842e-03, P3 = 6.61375632143793436117e-05,
                   P4 = -1.65339022054652515390e-06, P5 = 4.13813679705723846039e-08;
  const double ax = std::fabs(x);
  double xc = detail::pick(x >= -746.0, x, -746.0);  // NaN -> -746: kd stays a small integer in every lane
  xc = detail::pick(xc <= 710.0, xc, 710.0);
  // exp's k = (int)(invln2 x +- 0.5) where |x| > ln2/2, else 0; as an exact double.
  // (int)q by the shifter (round to nearest), stepped back toward 0 where that rounded away from
  // it: std::trunc does not vectorise under -ftrapping-math.
  const double q = invln2 * xc + detail::pick(xc < 0.0, -0.5, 0.5);
  const double rq = (q + shifter) - shifter;
  const double tq = detail::pick(q >= 0.0, detail::pick(rq > q, rq - 1.0, rq), detail::pick(rq < q, rq + 1.0, rq));
  const double kd = detail::pick(ax > 0.34657359027997264, tq, 0.0);
  const double hi = xc - kd * detail::ln2_hi;  // k = 0: xc - 0 = xc, exp's hi
  const double lo = kd * detail::ln2_lo;       // k = 0: 0, exp's lo
  const double r = hi - lo;
  const double t = r * r;
  const double c = r - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
  const double y0 = 1.0 - ((r * c) / (c - 2.0) - r);
  const double y = 1.0 - ((lo - (r * c) / (2.0 - c)) - hi);
  // y * 2^k by adding k to the exponent field (exp's add_exponent), k from kd + shifter's low bits.
  const std::uint64_t kbits = detail::to_bits(kd + shifter) << 52;
  const double normal = detail::from_bits(detail::to_bits(y) + kbits);
  const double sub = detail::from_bits(detail::to_bits(y) + kbits + (std::uint64_t{1000} << 52)) * detail::pow2(-1000);
  double v = detail::pick(kd == 0.0, y0, detail::pick(kd >= -1021.0, normal, sub));
  v = detail::pick(ax < 3.7252902984619141e-09, 1.0 + x, v);
  v = detail::pick(x < u_threshold, 0.0, v);
  v = detail::pick(x > o_threshold, detail::infinity(), v);
  return detail::pick(x != x, x, v);
}

NEUROMESH_INLINE_HOST_DEVICE double log_exact_simd(double x) {
  constexpr double shifter = 6755399441055744.0;  // 1.5 * 2^52: its low mantissa bits hold small integers
  const std::uint64_t bits0 = detail::to_bits(x);
  const bool small = (bits0 >> 52) == 0;                                     // +0 or subnormal (negative: below)
  const double xs = detail::pick(small, x * 1.80143985094819840000e+16, x);  // 2^54: scale subnormals up
  const std::uint64_t bits = detail::to_bits(xs);
  const std::uint64_t hx = (bits >> 32) & 0x000fffffULL;  // top 20 mantissa bits
  const std::uint64_t i = (hx + 0x95f64) & 0x100000;      // x or x/2, so 1+f is near 1
  const double m = detail::from_bits(((hx | (i ^ 0x3ff00000ULL)) << 32) | (bits & 0xffffffffULL));
  const std::uint64_t biased_k = ((bits >> 52) & 0x7ff) + (i >> 20);
  const double dk =
      (detail::from_bits(detail::to_bits(shifter) + biased_k) - (shifter + 1023.0)) - detail::pick(small, 54.0, 0.0);
  const double f = m - 1.0;
  // |f| < 2^-20: log's short series (f = 0: k ln2 exactly as log sums it).
  const double R1 = f * f * (0.5 - 0.33333333333333333 * f);
  const double at_one = detail::pick(dk == 0.0, 0.0, dk * detail::ln2_hi + dk * detail::ln2_lo);
  const double series = detail::pick(dk == 0.0, f - R1, dk * detail::ln2_hi - ((R1 - dk * detail::ln2_lo) - f));
  const double s = f / (2.0 + f);
  const double R = detail::log_poly(s);
  const double hfsq = 0.5 * f * f;
  const double far = detail::pick(dk == 0.0, f - (hfsq - s * (hfsq + R)),
                                  dk * detail::ln2_hi - ((hfsq - (s * (hfsq + R) + dk * detail::ln2_lo)) - f));
  const double near =
      detail::pick(dk == 0.0, f - s * (f - R), dk * detail::ln2_hi - ((s * (f - R) - dk * detail::ln2_lo) - f));
  double v = detail::pick((hx >= 0x6147a) & (hx <= 0x6b851), far, near);
  v = detail::pick((0x000fffff & (2 + hx)) < 3, detail::pick(f == 0.0, at_one, series), v);
  v = detail::pick(((bits >> 52) & 0x7ff) == 0x7ff, xs + xs, v);  // inf or NaN
  v = detail::pick((bits0 >> 63) != 0, detail::quiet_nan(), v);   // negative
  return detail::pick((bits0 & 0x7fffffffffffffffULL) == 0, -detail::infinity(), v);
}

// log(1 + x), accurate for small x: u = fl(1 + x) is corrected by the exact rounding error
// c = (1 + x) - u, since log(1 + x) = log(u) + log(1 + c/u) ~ log(u) + c/u (Goldberg 1991, and
// fdlibm s_log1p.c's correction term).
NEUROMESH_INLINE_HOST_DEVICE double log1p(double x) {
  if (x != x) return x;
  if (x == detail::infinity()) return x;
  const double u = 1.0 + x;
  if (u == 1.0) return x;  // also keeps -0 and tiny x exact
  if (u <= 0.0) return u == 0.0 ? -detail::infinity() : detail::quiet_nan();
  const double c = (u > 2.0) ? 1.0 - (u - x) : x - (u - 1.0);  // both subtractions exact (Sterbenz)
  return math::log(u) + c / u;
}

// exp(x) - 1, accurate for small x: with u = fl(exp(x)), (u - 1) x / log(u) cancels the rounding
// error of u to first order (Kahan's expm1; Higham, "Accuracy and Stability of Numerical
// Algorithms", 2nd ed., sec. 1.14.1). A few ulps, like std::expm1, but in-project (the same bits
// on every backend).
NEUROMESH_INLINE_HOST_DEVICE double expm1(double x) {
  if (x != x) return x;
  const double u = math::exp(x);
  if (u == 1.0) return x;  // |x| below half an ulp of 1 (keeps -0 and tiny x exact)
  const double um1 = u - 1.0;
  if (um1 == -1.0) return -1.0;
  if (u == detail::infinity()) return u;
  return um1 * x / math::log(u);
}

namespace detail {

// sin on [-pi/4, pi/4] of x + y (y the tail of the reduced argument); iy == 0 means y == 0.
// fdlibm k_sin.c: degree-13 odd Remez polynomial, |error| < 2^-58.
NEUROMESH_INLINE_HOST_DEVICE double kernel_sin(double x, double y, int iy) {
  constexpr double S1 = -1.66666666666666324348e-01, S2 = 8.33333333332248946124e-03, S3 = -1.98412698298579493134e-04,
                   S4 = 2.75573137070700676789e-06, S5 = -2.50507602534068634195e-08, S6 = 1.58969099521155010221e-10;
  if (std::fabs(x) < 7.4505805969238281e-09) return x;  // |x| < 2^-27
  const double z = x * x;
  const double v = z * x;
  const double r = S2 + z * (S3 + z * (S4 + z * (S5 + z * S6)));
  if (iy == 0) return x + v * (S1 + z * r);
  return x - ((z * (0.5 * y - v * r) - y) - v * S1);
}

// cos on [-pi/4, pi/4] of x + y. fdlibm k_cos.c: 1 - x^2/2 + x^4 C(x^2), with 1 - x^2/2 split as
// (1 - qx) - (x^2/2 - qx) so the subtraction stays exact for |x| > 0.3.
NEUROMESH_INLINE_HOST_DEVICE double kernel_cos(double x, double y) {
  constexpr double C1 = 4.16666666666666019037e-02, C2 = -1.38888888888741095749e-03, C3 = 2.48015872894767294178e-05,
                   C4 = -2.75573143513906633035e-07, C5 = 2.08757232129817482790e-09, C6 = -1.13596475577881948265e-11;
  const std::int32_t ix = high_word(x) & 0x7fffffff;
  if (ix < 0x3e400000) return 1.0;  // |x| < 2^-27
  const double z = x * x;
  const double r = z * (C1 + z * (C2 + z * (C3 + z * (C4 + z * (C5 + z * C6)))));
  if (ix < 0x3fd33333) return 1.0 - (0.5 * z - (z * r - x * y));  // |x| < 0.3
  const double qx = ix > 0x3fe90000 ? 0.28125 : from_bits(static_cast<std::uint64_t>(ix - 0x00200000) << 32);
  const double hz = 0.5 * z - qx;
  const double a = 1.0 - qx;
  return a - (hz - (z * r - x * y));
}

// Payne-Hanek: for |x| > 2^19 pi/2, writes y0 + y1 = x - n pi/2 (|y0| <= pi/4) and returns n mod 4.
// x = m 2^e with m a 53-bit integer; x (2/pi) mod 4 needs only the 192 bits of 2/pi starting at
// weight 2^(1-e) -- lower bits would contribute multiples of 4 -- so the product m * window is an
// exact integer whose low 192 bits are x (2/pi) mod 4 in fixed point with 190 fraction bits.
NEUROMESH_INLINE_HOST_DEVICE int rem_pio2_large(double x, double& y0, double& y1) {
  // Bits of 2/pi after two zero words (so the window may start before the binary point).
  constexpr std::uint32_t two_over_pi[40] = {
      0x00000000, 0x00000000, 0xa2f9836e, 0x4e441529, 0xfc2757d1, 0xf534ddc0, 0xdb629599, 0x3c439041,
      0xfe5163ab, 0xdebbc561, 0xb7246e3a, 0x424dd2e0, 0x06492eea, 0x09d1921c, 0xfe1deb1c, 0xb129a73e,
      0xe88235f5, 0x2ebb4484, 0xe99c7026, 0xb45f7e41, 0x3991d639, 0x835339f4, 0x9c845f8b, 0xbdf9283b,
      0x1ff897ff, 0xde05980f, 0xef2f118b, 0x5a0a6d1f, 0x6d367ecf, 0x27cb09b7, 0x4f463f66, 0x9e5fea2d,
      0x7527bac7, 0xebe5f17b, 0x3d0739f7, 0x8a5292ea, 0x6bfb5fb1, 0x1f8d5d08, 0x56033046, 0xfc7b6bab};
  const std::uint64_t bits = to_bits(x);
  const int e = static_cast<int>((bits >> 52) & 0x7ff) - 1075;
  const std::uint64_t m = (bits & 0x000fffffffffffffULL) | 0x0010000000000000ULL;
  const int q0 = e - 1 + 63;  // padded index of the first window bit (weight 2^(1-e))
  const int w0 = q0 / 32, sh = q0 % 32;
  std::uint32_t win[6];  // little-endian limbs of the 192-bit window
  for (int k = 0; k < 6; ++k) {
    const std::uint64_t pair = (static_cast<std::uint64_t>(two_over_pi[w0 + k]) << 32) | two_over_pi[w0 + k + 1];
    win[5 - k] = static_cast<std::uint32_t>(pair >> (32 - sh));
  }
  // p = m * win mod 2^192, schoolbook over 32-bit limbs (each step fits in 64 bits).
  std::uint32_t p[6] = {0, 0, 0, 0, 0, 0};
  const std::uint32_t ml[2] = {static_cast<std::uint32_t>(m), static_cast<std::uint32_t>(m >> 32)};
  for (int a = 0; a < 2; ++a) {
    std::uint64_t carry = 0;
    for (int b = 0; a + b < 6; ++b) {
      const std::uint64_t t = static_cast<std::uint64_t>(ml[a]) * win[b] + p[a + b] + carry;
      p[a + b] = static_cast<std::uint32_t>(t);
      carry = t >> 32;
    }
  }
  int n = static_cast<int>(p[5] >> 30);
  p[5] &= 0x3fffffff;
  const bool negative = (p[5] & 0x20000000) != 0;  // fraction >= 1/2: round n up
  if (negative) {                                  // |fraction| = 2^190 - p
    ++n;
    std::uint64_t borrow = 1;
    for (int k = 0; k < 6; ++k) {
      const std::uint64_t t = static_cast<std::uint64_t>(static_cast<std::uint32_t>(~p[k])) + borrow;
      p[k] = static_cast<std::uint32_t>(t);
      borrow = t >> 32;
    }
    p[5] &= 0x3fffffff;
  }
  // Normalise so the leading bit is bit 191, then take 53 exact bits + 64 more as a double pair.
  std::uint64_t L[3] = {(static_cast<std::uint64_t>(p[1]) << 32) | p[0],
                        (static_cast<std::uint64_t>(p[3]) << 32) | p[2],
                        (static_cast<std::uint64_t>(p[5]) << 32) | p[4]};
  if ((L[0] | L[1] | L[2]) == 0) {
    y0 = y1 = 0.0;
    return n & 3;
  }
  int z = 0;
  while (L[2] == 0) {
    L[2] = L[1], L[1] = L[0], L[0] = 0, z += 64;
  }
  while ((L[2] >> 63) == 0) {
    L[2] = (L[2] << 1) | (L[1] >> 63), L[1] = (L[1] << 1) | (L[0] >> 63), L[0] <<= 1, ++z;
  }
  const double f_hi = static_cast<double>(L[2] >> 11) * pow2(-51 - z);
  const double f_lo = static_cast<double>(((L[2] & 0x7ff) << 53) | (L[1] >> 11)) * pow2(-115 - z);
  // r = (f_hi + f_lo) pi/2 with f_hi * pio2_hi exact by Dekker's product (no FMA needed).
  constexpr double pio2_hi = 1.5707963267948966, pio2_lo = 6.123233995736766e-17;
  constexpr double split = 134217729.0;  // 2^27 + 1
  const double ca = split * f_hi, a1 = ca - (ca - f_hi), a2 = f_hi - a1;
  const double cb = split * pio2_hi, b1 = cb - (cb - pio2_hi), b2 = pio2_hi - b1;
  const double hi = f_hi * pio2_hi;
  const double err = ((a1 * b1 - hi) + a1 * b2 + a2 * b1) + a2 * b2;
  const double lo = err + (f_hi * pio2_lo + f_lo * pio2_hi);
  y0 = hi + lo;
  y1 = (hi - y0) + lo;
  if (negative) y0 = -y0, y1 = -y1;
  if (x < 0.0) y0 = -y0, y1 = -y1, n = -n;
  return n & 3;
}

// y0 + y1 = x - n pi/2 with |y0| <= pi/4 (about), returns n mod 4. fdlibm e_rem_pio2.c: for
// |x| <= 2^19 pi/2 subtract n pi/2 in 33-bit pieces (each n * piece exact), adding pieces only
// while cancellation eats the leading bits; beyond that the Payne-Hanek path.
NEUROMESH_INLINE_HOST_DEVICE int rem_pio2(double x, double& y0, double& y1) {
  constexpr double invpio2 = 6.36619772367581382433e-01;
  constexpr double pio2_1 = 1.57079632673412561417e+00, pio2_1t = 6.07710050650619224932e-11;
  constexpr double pio2_2 = 6.07710050630396597660e-11, pio2_2t = 2.02226624879595063154e-21;
  constexpr double pio2_3 = 2.02226624871116645580e-21, pio2_3t = 8.47842766036889956997e-32;
  const std::int32_t ix = high_word(x) & 0x7fffffff;
  if (ix > 0x413921fb) return rem_pio2_large(x, y0, y1);
  const double t = std::fabs(x);
  const int n = static_cast<int>(t * invpio2 + 0.5);
  const double fn = n;
  double r = t - fn * pio2_1;
  double w = fn * pio2_1t;  // first round good to 85 bits
  y0 = r - w;
  const int j = ix >> 20;
  if (j - ((high_word(y0) >> 20) & 0x7ff) > 16) {  // cancellation: second round, 118 bits
    double u = r;
    w = fn * pio2_2;
    r = u - w;
    w = fn * pio2_2t - ((u - r) - w);
    y0 = r - w;
    if (j - ((high_word(y0) >> 20) & 0x7ff) > 49) {  // third round, 151 bits
      u = r;
      w = fn * pio2_3;
      r = u - w;
      w = fn * pio2_3t - ((u - r) - w);
      y0 = r - w;
    }
  }
  y1 = (r - y0) - w;
  if (x < 0.0) {
    y0 = -y0, y1 = -y1;
    return (-n) & 3;
  }
  return n & 3;
}

}  // namespace detail

NEUROMESH_INLINE_HOST_DEVICE double sin(double x) {
  if (std::fabs(x) <= 0.78539816339744828) return detail::kernel_sin(x, 0.0, 0);  // |x| <= pi/4
  if (x - x != 0.0) return detail::quiet_nan();                                   // inf or NaN
  double y0, y1;
  switch (detail::rem_pio2(x, y0, y1)) {
    case 0:
      return detail::kernel_sin(y0, y1, 1);
    case 1:
      return detail::kernel_cos(y0, y1);
    case 2:
      return -detail::kernel_sin(y0, y1, 1);
    default:
      return -detail::kernel_cos(y0, y1);
  }
}

NEUROMESH_INLINE_HOST_DEVICE double cos(double x) {
  if (std::fabs(x) <= 0.78539816339744828) return detail::kernel_cos(x, 0.0);
  if (x - x != 0.0) return detail::quiet_nan();
  double y0, y1;
  switch (detail::rem_pio2(x, y0, y1)) {
    case 0:
      return detail::kernel_cos(y0, y1);
    case 1:
      return -detail::kernel_sin(y0, y1, 1);
    case 2:
      return -detail::kernel_cos(y0, y1);
    default:
      return detail::kernel_sin(y0, y1, 1);
  }
}

inline constexpr double pi = 3.141592653589793;
inline constexpr double two_pi = 6.283185307179586;
inline constexpr double half_log_two_pi = 0.9189385332046728;  // log(2 pi) / 2

// Tail of Stirling's series for log(k!): log(k!) - [(k + 1/2) log(k + 1) - (k + 1) + log(2 pi)/2].
// Exact (correctly rounded) table for k <= 9 as in TensorFlow's binomial sampler; above, the
// asymptotic series in n = k + 1 through the n^-11 term (Abramowitz & Stegun 6.1.40), whose
// truncation error at n = 11 is 2e-16. Used by the BTRS binomial sampler.
NEUROMESH_INLINE_HOST_DEVICE double stirling_tail(double k) {
  constexpr double table[10] = {0.08106146679532726,  0.0413406959554093,   0.02767792568499834, 0.020790672103765093,
                                0.016644691189821193, 0.013876128823070748, 0.01189670994589177, 0.010411265261972096,
                                0.009255462182712733, 0.00833056343336287};
  if (!(k >= 0.0)) return detail::quiet_nan();
  if (k <= 9.0) return table[static_cast<int>(k)];
  const double n = k + 1.0;
  const double n2 = 1.0 / (n * n);
  return (1.0 / 12.0 -
          n2 * (1.0 / 360.0 -
                n2 * (1.0 / 1260.0 - n2 * (1.0 / 1680.0 - n2 * (1.0 / 1188.0 - n2 * (691.0 / 360360.0)))))) /
         n;
}

// log(k!) for integer-valued k >= 0 (as a double, since the samplers compute k in floating point):
// exact table for k <= 9, Stirling's series above. Relative error < 4e-16 (tested against lgamma).
NEUROMESH_INLINE_HOST_DEVICE double log_factorial(double k) {
  constexpr double table[10] = {0.0,
                                0.0,
                                0.6931471805599453,
                                1.791759469228055,
                                3.1780538303479458,
                                4.787491742782046,
                                6.579251212010101,
                                8.525161361065415,
                                10.60460290274525,
                                12.801827480081469};
  if (!(k >= 0.0)) return detail::quiet_nan();
  if (k <= 9.0) return table[static_cast<int>(k)];
  return (k + 0.5) * math::log(k + 1.0) - (k + 1.0) + half_log_two_pi + stirling_tail(k);
}

}  // namespace neuromesh::math
