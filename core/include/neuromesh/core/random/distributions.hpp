#pragma once
// In-project random distributions (determinism contract rule 1): <random>'s distributions are
// implementation-defined and differ between libstdc++, libc++ and MSVC, and CUDA has none, so
// every variate is computed here from a stream's uniform bits with +, -, *, /, sqrt, floor and
// the project's own math::exp/log/log1p/cos. The same stream then yields the same variates on
// every compiler and backend.
//
// Each function consumes a parameter-dependent but deterministic number of words from the stream
// and keeps no cached state (the normal sampler returns one value per call), so a stream can be
// copied, split by `sub` or restarted anywhere without hidden carry-over.
#include <cmath>
#include <concepts>
#include <cstdint>

#include <neuromesh/core/avx512.hpp>
#include <neuromesh/core/macros.hpp>
#include <neuromesh/core/math.hpp>
#include <neuromesh/core/random/ziggurat_tables.hpp>

namespace neuromesh::random {

// What the distributions need from a stream (keyed_stream models it; tests may use fakes).
template <class S>
concept uniform_stream = requires(S& s) {
  { s.next_u32() } -> std::same_as<std::uint32_t>;
  { s.next_u64() } -> std::same_as<std::uint64_t>;  // two words, the first the low half
  { s.uniform() } -> std::same_as<double>;          // [0, 1), multiples of 2^-53
  { s.uniform_open() } -> std::same_as<double>;     // (0, 1]
};

namespace detail {

// floor'ed non-negative double -> count, saturating instead of overflowing (UB) for huge values.
NEUROMESH_INLINE_HOST_DEVICE std::uint64_t to_count(double k) {
  if (!(k < 18446744073709551616.0)) return UINT64_MAX;  // 2^64, also catches NaN
  return k > 0.0 ? static_cast<std::uint64_t>(k) : 0;
}

}  // namespace detail

// Uniform on [lo, hi) (hi itself only through rounding of lo + (hi - lo) u).
template <uniform_stream S>
NEUROMESH_INLINE_HOST_DEVICE double uniform(S& s, double lo, double hi) {
  return lo + (hi - lo) * s.uniform();
}

namespace detail {

// The normal tail beyond r (Marsaglia 1964, Technometrics 6:101): x = -log(u1) / r and
// y = -log(u2) until 2 y > x^2; then r + x. Two uniforms per try, acceptance above 0.9.
template <uniform_stream S>
NEUROMESH_INLINE_HOST_DEVICE double normal_tail(S& s) {
  while (true) {
    const double x = (0.0 - math::log(s.uniform_open())) * ziggurat_inv_r;  // u == 1 gives +0
    const double y = 0.0 - math::log(s.uniform_open());
    if (y + y > x * x) return ziggurat_r + x;
  }
}

}  // namespace detail

// Standard normal by the ziggurat method (Marsaglia & Tsang 2000, "The Ziggurat Method for
// Generating Random Variables", J. Stat. Softw. 5(8)), 256 layers of equal area
// (ziggurat_tables.hpp). Each try takes one 64-bit word: bits 0-7 pick the layer i, bit 8 the
// sign, bits 12-63 a position j in [0, 2^52); x = j x_i / 2^52. Inside the layer's rectangle
// (j < k_i: 99 % of tries) x is returned at once. Else layer 0 returns a tail sample, and the
// other layers draw one more uniform for the wedge test f(x_i) + u (f(x_i+1) - f(x_i)) < f(x)
// with the in-project exp; a rejected try starts over with a new word. Exact: every x >= 0 is
// returned with density proportional to f. About 2.04 words per variate (Box-Muller: 4, plus a
// log and a cos).
template <uniform_stream S>
NEUROMESH_INLINE_HOST_DEVICE double standard_normal(S& s) {
  while (true) {
    const std::uint64_t bits = s.next_u64();
    const auto i = static_cast<unsigned>(bits & 0xffu);
    const bool negative = ((bits >> 8) & 1u) != 0;
    const std::uint64_t j = bits >> 12;
    const detail::ziggurat_layer layer = detail::ziggurat_layer_of(i);
    double x = static_cast<double>(j) * layer.w;  // j converts exactly; the product rounds once
    if (j >= layer.k) {
      if (i == 0) {
        x = detail::normal_tail(s);
      } else {
        const double f_lo = detail::ziggurat_f(i), f_hi = detail::ziggurat_f(i + 1);
        if (!(f_lo + s.uniform() * (f_hi - f_lo) < math::exp(-0.5 * x * x))) continue;
      }
    }
    return negative ? -x : x;
  }
}

// Normal(mean, sd): mean + sd z with z from standard_normal.
template <uniform_stream S>
NEUROMESH_INLINE_HOST_DEVICE double normal(S& s, double mean, double sd) {
  return mean + sd * random::standard_normal(s);
}

// Exponential with the given mean (1 / rate), by inversion: -mean log(u), u in (0, 1].
template <uniform_stream S>
NEUROMESH_INLINE_HOST_DEVICE double exponential(S& s, double mean) {
  return mean * (0.0 - math::log(s.uniform_open()));  // 0 - x, not -x: u == 1 gives +0
}

// exp(Normal(mu, sigma)); mu and sigma are those of the underlying normal, as in numpy.
template <uniform_stream S>
NEUROMESH_INLINE_HOST_DEVICE double lognormal(S& s, double mu, double sigma) {
  return math::exp(random::normal(s, mu, sigma));
}

// True with probability p (p <= 0: never; p >= 1: always).
template <uniform_stream S>
NEUROMESH_INLINE_HOST_DEVICE bool bernoulli(S& s, double p) {
  return s.uniform() < p;
}

// Failures before the first success in Bernoulli(p) trials, P(k) = (1-p)^k p, by inversion:
// floor(log u / log(1-p)) (Devroye 1986, Non-Uniform Random Variate Generation, X.2). One uniform
// per call, so a fixed-probability connector can skip straight to its next source.
// p >= 1 returns 0 without drawing; p <= 0 (never succeeds) returns UINT64_MAX.
template <uniform_stream S>
NEUROMESH_INLINE_HOST_DEVICE std::uint64_t geometric_failures(S& s, double p) {
  if (p >= 1.0) return 0;
  if (!(p > 0.0)) return UINT64_MAX;
  return detail::to_count(std::floor(math::log(s.uniform_open()) / math::log1p(-p)));
}

namespace detail {

// Poisson by inversion with sequential search (Devroye 1986, X.3.3): walk the CDF from 0 until it
// exceeds one uniform. Expected mean + 1 steps; stops if the pmf underflows (CDF rounding).
template <uniform_stream S>
NEUROMESH_INLINE_HOST_DEVICE std::uint64_t poisson_inversion(S& s, double mean, double exp_neg_mean) {
  const double u = s.uniform();
  double pk = exp_neg_mean;
  double cdf = pk;
  std::uint64_t k = 0;
  while (u > cdf && pk > 0.0) {
    ++k;
    pk *= mean / static_cast<double>(k);
    cdf += pk;
  }
  return k;
}

// PTRS, transformed rejection with squeeze (Hormann 1993, "The transformed rejection method for
// generating Poisson random variables", Insurance: Math. Econ. 12:39-45), constants as in numpy's
// random_poisson_ptrs. Valid for mean >= 10; acceptance rate about 0.9.
template <uniform_stream S>
NEUROMESH_INLINE_HOST_DEVICE std::uint64_t poisson_ptrs(S& s, double mean) {
  const double slam = std::sqrt(mean);
  const double loglam = math::log(mean);
  const double b = 0.931 + 2.53 * slam;
  const double a = -0.059 + 0.02483 * b;
  const double log_invalpha = math::log(1.1239 + 1.1328 / (b - 3.4));
  const double vr = 0.9277 - 3.6224 / (b - 2.0);
  while (true) {
    const double u = s.uniform() - 0.5;
    const double v = s.uniform();
    const double us = 0.5 - std::fabs(u);
    const double k = std::floor((2.0 * a / us + b) * u + mean + 0.43);  // us == 0 gives -inf
    // numpy tests the squeeze first; k >= 0 always holds inside it, so checking k first only
    // keeps the conversion below defined.
    if (k < 0.0) continue;
    if (us >= 0.07 && v <= vr) return to_count(k);
    if (us < 0.013 && v > us) continue;
    if (math::log(v) + log_invalpha - math::log(a / (us * us) + b) <= -mean + k * loglam - math::log_factorial(k)) {
      return to_count(k);
    }
  }
}

// Binomial(n, p), p <= 1/2, n p < 10, by geometric waiting times (Devroye 1986, X.4.3; as in
// TensorFlow's binomial_inversion): count successes while the trial index stays <= n. Each gap is
// 1 + geometric_failures. Expected n p + 1 uniforms.
template <uniform_stream S>
NEUROMESH_INLINE_HOST_DEVICE std::uint64_t binomial_inversion(S& s, double n, double p) {
  const double log_q = math::log1p(-p);
  double trials = 0.0;
  std::uint64_t successes = 0;
  while (true) {
    trials += std::floor(math::log(s.uniform_open()) / log_q) + 1.0;
    if (trials > n) return successes;
    ++successes;
  }
}

// BTRS, transformed rejection with squeeze (Hormann 1993, "The generation of binomial random
// variates", J. Stat. Comput. Simul. 46:101-110), p <= 1/2 and n p >= 10, following TensorFlow's
// random_binomial_op.cc (which adds the log of the paper's step 3.3). Acceptance about 0.8-0.9.
template <uniform_stream S>
NEUROMESH_INLINE_HOST_DEVICE std::uint64_t binomial_btrs(S& s, double n, double p) {
  const double spq = std::sqrt(n * p * (1.0 - p));
  const double b = 1.15 + 2.53 * spq;
  const double a = -0.0873 + 0.0248 * b + 0.01 * p;
  const double c = n * p + 0.5;
  const double v_r = 0.92 - 4.2 / b;
  const double r = p / (1.0 - p);
  const double alpha = (2.83 + 5.1 / b) * spq;
  const double m = std::floor((n + 1.0) * p);  // mode
  // Parts of log f(k)/f(m) that do not depend on k, hoisted out of the loop.
  const double bound_m =
      (m + 0.5) * math::log((m + 1.0) / (r * (n - m + 1.0))) + math::stirling_tail(m) + math::stirling_tail(n - m);
  while (true) {
    const double u = s.uniform() - 0.5;
    double v = s.uniform();
    const double us = 0.5 - std::fabs(u);
    const double k = std::floor((2.0 * a / us + b) * u + c);
    if (k < 0.0 || k > n) continue;  // inside the squeeze this never triggers (Hormann, lemma)
    if (us >= 0.07 && v <= v_r) return to_count(k);
    v = math::log(v * alpha / (a / (us * us) + b));
    const double bound = bound_m + (n + 1.0) * math::log((n - m + 1.0) / (n - k + 1.0)) +
                         (k + 0.5) * math::log(r * (n - k + 1.0) / (k + 1.0)) - math::stirling_tail(k) -
                         math::stirling_tail(n - k);
    if (v <= bound) return to_count(k);
  }
}

template <uniform_stream S>
NEUROMESH_INLINE_HOST_DEVICE std::uint64_t binomial_half(S& s, std::uint64_t n, double p) {
  const double dn = static_cast<double>(n);
  return dn * p < 10.0 ? binomial_inversion(s, dn, p) : binomial_btrs(s, dn, p);
}

}  // namespace detail

// Poisson(mean): sequential-search inversion for mean < 10, Hormann's PTRS above (the split
// numpy uses). mean <= 0 or NaN gives 0 without drawing.
template <uniform_stream S>
NEUROMESH_INLINE_HOST_DEVICE std::uint64_t poisson(S& s, double mean) {
  if (!(mean > 0.0)) return 0;
  return mean < 10.0 ? detail::poisson_inversion(s, mean, math::exp(-mean)) : detail::poisson_ptrs(s, mean);
}

// Binomial(n, p): successes in n Bernoulli(p) trials. p > 1/2 uses n - Binomial(n, 1-p) (1 - p is
// exact there); then waiting times when n min(p, 1-p) < 10, else BTRS (TensorFlow's split).
// n == 0 or p <= 0 gives 0 and p >= 1 gives n, without drawing.
template <uniform_stream S>
NEUROMESH_INLINE_HOST_DEVICE std::uint64_t binomial(S& s, std::uint64_t n, double p) {
  if (n == 0 || !(p > 0.0)) return 0;
  if (p >= 1.0) return n;
  if (p > 0.5) return n - detail::binomial_half(s, n, 1.0 - p);
  return detail::binomial_half(s, n, p);
}

// Poisson(mean) for a fixed mean < 10, drawn many times (Poisson drive: every neuron, every
// step): the cumulative sums of the sequential search are tabulated once, in exactly the order
// detail::poisson_inversion forms them, so sample() returns bit-for-bit what poisson(s, mean)
// returns for the same stream -- without the divisions in the loop.
class poisson_table {
 public:
  static constexpr int max_terms = 256;
  NEUROMESH_INLINE_HOST_DEVICE explicit poisson_table(double mean) : mean_(mean) {
    if (!(mean > 0.0) || !(mean < 10.0)) return;  // sample() falls back to poisson()
    double pk = math::exp(-mean), cdf = pk;
    cdf_[0] = cdf;
    n_ = 1;
    while (pk > 0.0 && n_ < max_terms) {
      pk *= mean / static_cast<double>(n_);
      cdf += pk;
      cdf_[n_++] = cdf;
    }
    complete_ = pk == 0.0;  // the search would stop here even if u exceeded every cdf value
    // Guide table (Chen & Asau 1974): where the search for u in [b/G, (b+1)/G) may start.
    for (int b = 0, k = 0; b < guide_size; ++b) {
      const double lo = static_cast<double>(b) / guide_size;  // exact: G is a power of two
      while (k < n_ - 1 && cdf_[k] < lo) ++k;
      guide_[b] = static_cast<std::uint8_t>(k);
    }
    tabulate_counting();
  }
  template <uniform_stream S>
  NEUROMESH_INLINE_HOST_DEVICE std::uint64_t sample(S& s) const {
    if (!complete_) return poisson(s, mean_);
    return from_uniform(s.uniform());
  }
  // Whether the table covers this mean (else sample() falls back to poisson()).
  NEUROMESH_INLINE_HOST_DEVICE bool tabulated() const { return complete_; }
  // The count for the stream's first uniform u (only when tabulated()).
  // Smallest k with u <= cdf[k] (the last term if none); starting at the guide entry of u's
  // bucket skips only terms whose cdf lies below the bucket, so the answer is the plain search's.
  NEUROMESH_INLINE_HOST_DEVICE std::uint64_t from_uniform(double u) const {
    const int b = static_cast<int>(u * guide_size);
    int k = guide_[b < guide_size ? b : guide_size - 1];
    while (k < n_ - 1 && u > cdf_[k]) ++k;
    return static_cast<std::uint64_t>(k);
  }

  // from_uniform(keyed_stream::to_uniform(bits[j])) for j < m (host only; tabulated() tables):
  // the cpu's Poisson drive, a count for every neuron and step. The search's answer is a count:
  // as the cdf never decreases, the smallest k with u <= cdf[k] (capped at n - 1) is the number
  // of k < n - 1 with cdf[k] < u, and with u = x 2^-53 (x = bits >> 11, an integer) cdf[k] < u
  // exactly when floor(cdf[k] 2^53) < x. The cdf's last terms repeat one value, the plateau
  // (pk below half an ulp of the sum), counted by one comparison. So the count is a sum of
  // integer comparisons with no data-dependent branch per neuron: eight lanes at a time with
  // AVX-512 (the comparisons past the eighth only when a lane gets that far), the same counts
  // as the search (tests/unit/test_distributions.cpp: PoissonTable).
  void counts_from_bits(const std::uint64_t* bits, std::uint32_t m, std::uint64_t* out) const {
#ifdef NEUROMESH_AVX512_KERNELS
    if (head_ >= 0 && cpu_has_avx512()) return counts_avx512(bits, m, out);
#endif
    for (std::uint32_t j = 0; j < m; ++j) out[j] = counts_portable(bits[j]);
  }
  // The same count for one neuron, by the comparisons (equal to from_uniform's search).
  std::uint64_t counts_portable(std::uint64_t bits) const {
    if (head_ < 0) return from_uniform(static_cast<double>(bits >> 11) * 0x1.0p-53);
    const auto x = static_cast<std::int64_t>(bits >> 11);
    std::uint64_t count = x > plateau_ ? static_cast<std::uint64_t>(tail_) : 0u;
    for (int k = 0; k < head_ && x > below_[k]; ++k) ++count;
    return count;
  }

 private:
  // below_, head_, plateau_, tail_ from the cdf (see counts_from_bits); head_ = -1 where the
  // head is longer than head_max (means near 10: counts_from_bits then searches).
  NEUROMESH_INLINE_HOST_DEVICE void tabulate_counting() {
    if (!complete_) return;
    if (n_ < 2) {  // the search always answers 0
      head_ = 0;
      return;
    }
    const double plateau = cdf_[n_ - 2];  // the largest cdf value the search compares with
    int head = 0;
    while (cdf_[head] != plateau) ++head;
    if (head > head_max) return;
    for (int k = 0; k < head; ++k)
      below_[k] = static_cast<std::int64_t>(cdf_[k] * 0x1.0p53);  // cdf >= 0: truncation is floor
    plateau_ = static_cast<std::int64_t>(plateau * 0x1.0p53);
    tail_ = n_ - 1 - head;
    head_ = head;
  }
#ifdef NEUROMESH_AVX512_KERNELS
  NEUROMESH_AVX512_TARGET void counts_avx512(const std::uint64_t* bits, std::uint32_t m, std::uint64_t* out) const {
    const int first = head_ < 8 ? head_ : 8;  // comparisons every lane makes
    const __m512i one = _mm512_set1_epi64(1), plateau = _mm512_set1_epi64(plateau_);
    const __m512i tail = _mm512_set1_epi64(tail_);
    std::uint64_t in[8] = {}, counted[8];
    for (std::uint32_t j = 0; j < m; j += 8) {
      const bool whole = j + 8 <= m;
      if (!whole)
        for (std::uint32_t l = 0; l < m - j; ++l) in[l] = bits[j + l];
      const __m512i x = _mm512_srli_epi64(_mm512_loadu_si512(whole ? bits + j : in), 11);
      __m512i count = _mm512_maskz_mov_epi64(_mm512_cmpgt_epi64_mask(x, plateau), tail);
      for (int k = 0; k < first; ++k)
        count = _mm512_mask_add_epi64(count, _mm512_cmpgt_epi64_mask(x, _mm512_set1_epi64(below_[k])), count, one);
      for (int k = first; k < head_; ++k) {  // rare: a lane with a count of eight or more
        const __mmask8 above = _mm512_cmpgt_epi64_mask(x, _mm512_set1_epi64(below_[k]));
        if (above == 0) break;  // the thresholds never decrease
        count = _mm512_mask_add_epi64(count, above, count, one);
      }
      if (whole) {
        _mm512_storeu_si512(out + j, count);
      } else {
        _mm512_storeu_si512(counted, count);
        for (std::uint32_t l = 0; l < m - j; ++l) out[j + l] = counted[l];
      }
    }
  }
#endif

  static constexpr int guide_size = 64;
  static constexpr int head_max = 64;
  std::int64_t below_[head_max] = {};  // floor(cdf[k] 2^53), k < head_
  std::int64_t plateau_ = 0;           // floor(plateau 2^53)
  int head_ = -1;                      // cdf terms below the plateau
  int tail_ = 0;                       // the search's steps through the plateau: n - 1 - head
  std::uint8_t guide_[guide_size] = {};
  double mean_;
  double cdf_[max_terms] = {};
  int n_ = 0;
  bool complete_ = false;
};

}  // namespace neuromesh::random
