#pragma once
// Philox4x32-10, the counter-based generator of Random123 (Salmon, Moraes, Dror & Shaw, "Parallel
// random numbers: as easy as 1, 2, 3", SC'11). It is a keyed bijection of a 128-bit counter: output
// block = philox(counter, key). There is no state to share, so any entity can draw its numbers
// independently of thread, rank or backend (determinism contract rule 1). Passes BigCrush with
// 10 rounds; bit-identical to Random123's philox4x32_R(10, ...) (known-answer test in
// tests/unit/test_philox.cpp).
#include <cstdint>

#include <neuromesh/core/macros.hpp>

namespace neuromesh {

// 128-bit counter, word 0 least significant (Random123's ctr.v[]).
struct philox_counter {
  std::uint32_t v[4];
};

// 64-bit key (Random123's key.v[]).
struct philox_key {
  std::uint32_t v[2];
};

namespace detail {

inline constexpr std::uint32_t philox_m0 = 0xD2511F53u;  // round multipliers (SC'11 table 2)
inline constexpr std::uint32_t philox_m1 = 0xCD9E8D57u;
inline constexpr std::uint32_t philox_w0 = 0x9E3779B9u;  // Weyl key increments: golden ratio,
inline constexpr std::uint32_t philox_w1 = 0xBB67AE85u;  // sqrt(3) - 1

// One round: two 32x32->64 multiplies, the high halves xored with the other words and the key.
NEUROMESH_INLINE_HOST_DEVICE philox_counter philox_round(philox_counter c, philox_key k) {
  const std::uint64_t p0 = static_cast<std::uint64_t>(philox_m0) * c.v[0];
  const std::uint64_t p1 = static_cast<std::uint64_t>(philox_m1) * c.v[2];
  philox_counter out;
  out.v[0] = static_cast<std::uint32_t>(p1 >> 32) ^ c.v[1] ^ k.v[0];
  out.v[1] = static_cast<std::uint32_t>(p1);
  out.v[2] = static_cast<std::uint32_t>(p0 >> 32) ^ c.v[3] ^ k.v[1];
  out.v[3] = static_cast<std::uint32_t>(p0);
  return out;
}

}  // namespace detail

// Philox4x32 with 10 rounds; the key is bumped by the Weyl constants between rounds.
NEUROMESH_INLINE_HOST_DEVICE philox_counter philox4x32_10(philox_counter ctr, philox_key key) {
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      key.v[0] += detail::philox_w0;
      key.v[1] += detail::philox_w1;
    }
    ctr = detail::philox_round(ctr, key);
  }
  return ctr;
}

}  // namespace neuromesh
