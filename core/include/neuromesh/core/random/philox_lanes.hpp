#pragma once
// Philox4x32-10 for many counters at once (host only): the first 64 bits of the blocks
// philox4x32_10({0, sub, entity[j], purpose}, seed) for j < m -- what keyed_stream::first_u64
// returns for each entity -- and, where out_hi is given, their second 64 bits: the draws the
// cpu's Poisson drive makes for every neuron and pair of steps (keyed_stream::drive_u64).
//
// Two forms, the same bits (integer arithmetic only; tests/unit/test_philox.cpp):
// - `avx512`: each 32-bit word in a 64-bit lane, 16 counters in flight in registers, each round's
//   32x32->64 multiplies as vpmuludq and its three-way xors as one vpternlogq. Written with
//   intrinsics because GCC 12 vectorises the plain loop with vpmullq, the full 64x64 multiply
//   (three micro-ops where one does): 2.8 -> 1.4 ns per draw measured (docs/benchmarks.md).
//   Compiled and chosen as core/avx512.hpp describes.
// - `portable`: philox4x32_10 per counter, for other CPUs and compilers.
#include <cstdint>

#include <neuromesh/core/avx512.hpp>
#include <neuromesh/core/random/philox.hpp>

namespace neuromesh::philox_lanes {

inline constexpr std::uint32_t max_lanes = 64;  // m <= max_lanes per call

namespace detail {
// The key of each round: the seed's words bumped by the Weyl constants (mod 2^32).
struct round_keys {
  std::uint64_t k0[10], k1[10];
  explicit round_keys(std::uint64_t seed) {
    std::uint32_t a = static_cast<std::uint32_t>(seed), b = static_cast<std::uint32_t>(seed >> 32);
    for (int r = 0; r < 10; ++r) {
      k0[r] = a;
      k1[r] = b;
      a += neuromesh::detail::philox_w0;
      b += neuromesh::detail::philox_w1;
    }
  }
};
}  // namespace detail

inline void portable(std::uint64_t seed, std::uint32_t purpose, std::uint32_t sub, const std::uint32_t* entity,
                     std::uint32_t m, std::uint64_t* out, std::uint64_t* out_hi = nullptr) {
  const philox_key key{{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)}};
  for (std::uint32_t j = 0; j < m; ++j) {
    const philox_counter block = philox4x32_10({{0u, sub, entity[j], purpose}}, key);
    out[j] = (static_cast<std::uint64_t>(block.v[1]) << 32) | block.v[0];
    if (out_hi != nullptr) out_hi[j] = (static_cast<std::uint64_t>(block.v[3]) << 32) | block.v[2];
  }
}

#ifdef NEUROMESH_AVX512_KERNELS
// out[j, j + 16) = the two groups of eight; a partial last group (j + 16 > m) writes only the
// lanes asked for, through `scratch`.
NEUROMESH_AVX512_TARGET inline void store_group(std::uint64_t* out, std::uint32_t j, std::uint32_t m, __m512i first,
                                                __m512i second, std::uint64_t* scratch) {
  if (j + 16 <= m) {
    _mm512_storeu_si512(out + j, first);
    _mm512_storeu_si512(out + j + 8, second);
  } else {
    _mm512_storeu_si512(scratch, first);
    _mm512_storeu_si512(scratch + 8, second);
    for (std::uint32_t l = 0; l < m - j; ++l) out[j + l] = scratch[l];
  }
}

// Lanes hold garbage above bit 31 between rounds: vpmuludq reads only the low 32 bits of each
// lane and xor keeps bits apart, so only the output needs masking.
NEUROMESH_AVX512_TARGET inline void avx512(std::uint64_t seed, std::uint32_t purpose, std::uint32_t sub,
                                           const std::uint32_t* entity, std::uint32_t m, std::uint64_t* out,
                                           std::uint64_t* out_hi = nullptr) {
  const detail::round_keys keys(seed);
  const __m512i m0 = _mm512_set1_epi64(neuromesh::detail::philox_m0);
  const __m512i m1 = _mm512_set1_epi64(neuromesh::detail::philox_m1);
  const __m512i low = _mm512_set1_epi64(0xffffffffll);
  const __m512i sub_v = _mm512_set1_epi64(sub), purpose_v = _mm512_set1_epi64(purpose);
  std::uint32_t rest[16] = {};  // a partial last group's entities, padded
  std::uint64_t block[16];
  for (std::uint32_t j = 0; j < m; j += 16) {  // two independent groups of 8 hide the multiply latency
    const std::uint32_t* ids = entity + j;
    if (j + 16 > m) {
      for (std::uint32_t l = 0; l < m - j; ++l) rest[l] = ids[l];
      ids = rest;
    }
    __m512i a0 = _mm512_setzero_si512(), a1 = sub_v, a3 = purpose_v;
    __m512i a2 = _mm512_cvtepu32_epi64(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(ids)));
    __m512i b0 = a0, b1 = sub_v, b3 = purpose_v;
    __m512i b2 = _mm512_cvtepu32_epi64(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(ids + 8)));
    for (int r = 0; r < 10; ++r) {
      const __m512i k0 = _mm512_set1_epi64(static_cast<long long>(keys.k0[r]));
      const __m512i k1 = _mm512_set1_epi64(static_cast<long long>(keys.k1[r]));
      const __m512i p0 = _mm512_mul_epu32(a0, m0), p1 = _mm512_mul_epu32(a2, m1);
      const __m512i q0 = _mm512_mul_epu32(b0, m0), q1 = _mm512_mul_epu32(b2, m1);
      a0 = _mm512_ternarylogic_epi64(_mm512_srli_epi64(p1, 32), a1, k0, 0x96);  // 0x96: x ^ y ^ z
      a1 = p1;
      a2 = _mm512_ternarylogic_epi64(_mm512_srli_epi64(p0, 32), a3, k1, 0x96);
      a3 = p0;
      b0 = _mm512_ternarylogic_epi64(_mm512_srli_epi64(q1, 32), b1, k0, 0x96);
      b1 = q1;
      b2 = _mm512_ternarylogic_epi64(_mm512_srli_epi64(q0, 32), b3, k1, 0x96);
      b3 = q0;
    }
    // Words 0, 1 (a0, a1 / b0, b1) are the first 64 bits of each block, words 2, 3 the second.
    store_group(out, j, m, _mm512_or_si512(_mm512_slli_epi64(a1, 32), _mm512_and_si512(a0, low)),
                _mm512_or_si512(_mm512_slli_epi64(b1, 32), _mm512_and_si512(b0, low)), block);
    if (out_hi != nullptr)
      store_group(out_hi, j, m, _mm512_or_si512(_mm512_slli_epi64(a3, 32), _mm512_and_si512(a2, low)),
                  _mm512_or_si512(_mm512_slli_epi64(b3, 32), _mm512_and_si512(b2, low)), block);
  }
}
#endif

// The fastest form this CPU runs.
inline void first_u64(std::uint64_t seed, std::uint32_t purpose, std::uint32_t sub, const std::uint32_t* entity,
                      std::uint32_t m, std::uint64_t* out, std::uint64_t* out_hi = nullptr) {
#ifdef NEUROMESH_AVX512_KERNELS
  if (cpu_has_avx512()) return avx512(seed, purpose, sub, entity, m, out, out_hi);
#endif
  portable(seed, purpose, sub, entity, m, out, out_hi);
}

}  // namespace neuromesh::philox_lanes
