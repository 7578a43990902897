#pragma once
// A keyed random stream (determinism contract rule 1): the numbers an entity draws are a pure
// function of (seed, purpose, entity, sub) and of how many it has drawn, never of which thread,
// rank or backend draws them. Words are Philox4x32-10 blocks with
//   key     = {seed low 32 bits, seed high 32 bits}
//   counter = {block index, sub, entity, purpose}
// so streams with any differing coordinate are disjoint by construction (Philox is a bijection of
// the counter for a fixed key). `sub` is a free coordinate, e.g. the time step for per-step noise
// or a connector's index. One stream yields 2^32 blocks (2^34 words) before its block index wraps.
#include <cstdint>

#include <neuromesh/core/macros.hpp>
#include <neuromesh/core/random/philox.hpp>
#include <neuromesh/core/random/philox_lanes.hpp>

namespace neuromesh {

// What a random number is for; a coordinate of the key so that, e.g., drawing one more weight
// never shifts the delays or the connectivity. Values are part of the file-format contract.
enum class rng_purpose : std::uint32_t {
  connectivity = 1,
  weight = 2,
  delay = 3,
  parameter = 4,
  initial_state = 5,
  stimulus = 6,
  source = 7,
  user = 100,
};

// A small copyable stream over Philox blocks: a copy continues identically to the original.
class keyed_stream {
 public:
  NEUROMESH_INLINE_HOST_DEVICE keyed_stream(std::uint64_t seed, std::uint32_t purpose, std::uint32_t entity,
                                            std::uint32_t sub = 0)
      : key_{{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)}},
        counter_{{0u, sub, entity, purpose}},
        block_{{0u, 0u, 0u, 0u}},
        used_(4) {}

  NEUROMESH_INLINE_HOST_DEVICE keyed_stream(std::uint64_t seed, rng_purpose purpose, std::uint32_t entity,
                                            std::uint32_t sub = 0)
      : keyed_stream(seed, static_cast<std::uint32_t>(purpose), entity, sub) {}

  // Next 32 random bits; a new block is generated every 4 words.
  NEUROMESH_INLINE_HOST_DEVICE std::uint32_t next_u32() {
    if (used_ == 4) {
      block_ = philox4x32_10(counter_, key_);
      ++counter_.v[0];
      used_ = 0;
    }
    return block_.v[used_++];
  }

  // Next 64 random bits: the first word drawn is the low half.
  NEUROMESH_INLINE_HOST_DEVICE std::uint64_t next_u64() {
    const std::uint64_t lo = next_u32();
    const std::uint64_t hi = next_u32();
    return (hi << 32) | lo;
  }

  // Uniform on [0, 1): 53 random bits times 2^-53 (exact, every value a multiple of 2^-53).
  NEUROMESH_INLINE_HOST_DEVICE double uniform() { return to_uniform(next_u64()); }
  NEUROMESH_INLINE_HOST_DEVICE static double to_uniform(std::uint64_t bits) {
    return static_cast<double>(bits >> 11) * 0x1.0p-53;
  }

  // The first next_u64() of keyed_stream(seed, purpose, entity, sub), as a plain function of its
  // arguments: a loop of it over many entities has no stream state to carry and vectorises.
  NEUROMESH_INLINE_HOST_DEVICE static std::uint64_t first_u64(std::uint64_t seed, std::uint32_t purpose,
                                                              std::uint32_t entity, std::uint32_t sub) {
    const philox_counter block = philox4x32_10(
        {{0u, sub, entity, purpose}}, {{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)}});
    return (static_cast<std::uint64_t>(block.v[1]) << 32) | block.v[0];
  }

  // The 64 random bits of a Poisson drive's count for `entity` in step `step`: one Philox block
  // serves a pair of steps, {0, step / 2, entity, purpose}; even steps take its first 64 bits
  // (= first_u64 with sub = step / 2), odd steps its second 64. A backend that runs both steps of
  // a pair computes the block once (the cpu keeps the second half; half the Philox work).
  NEUROMESH_INLINE_HOST_DEVICE static std::uint64_t drive_u64(std::uint64_t seed, std::uint32_t purpose,
                                                              std::uint32_t entity, std::uint32_t step) {
    const philox_counter block =
        philox4x32_10({{0u, step >> 1, entity, purpose}},
                      {{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)}});
    return (step & 1u) != 0 ? (static_cast<std::uint64_t>(block.v[3]) << 32) | block.v[2]
                            : (static_cast<std::uint64_t>(block.v[1]) << 32) | block.v[0];
  }

  // first_u64 for entities entity(j), j < m <= max_lanes (host only): Philox over lanes
  // (philox_lanes.hpp, AVX-512 where the CPU has it), the loop the cpu's Poisson drive runs for
  // every neuron and pair of steps; out_hi (if given) gets the blocks' second 64 bits. The same
  // bits as first_u64 / drive_u64 (tests/unit/test_philox.cpp).
  static constexpr std::uint32_t max_lanes = philox_lanes::max_lanes;
  template <class EntityOf>
  static void first_u64_lanes(std::uint64_t seed, std::uint32_t purpose, std::uint32_t sub, std::uint32_t m,
                              EntityOf entity, std::uint64_t* out, std::uint64_t* out_hi = nullptr) {
    std::uint32_t ids[max_lanes];
    for (std::uint32_t j = 0; j < m; ++j) ids[j] = static_cast<std::uint32_t>(entity(j));
    philox_lanes::first_u64(seed, purpose, sub, ids, m, out, out_hi);
  }

  // Uniform on (0, 1]: safe to take the logarithm of.
  NEUROMESH_INLINE_HOST_DEVICE double uniform_open() { return static_cast<double>((next_u64() >> 11) + 1) * 0x1.0p-53; }

 private:
  philox_key key_;
  philox_counter counter_;  // v[0] is the index of the next block to generate
  philox_counter block_;    // current output block
  std::uint32_t used_;      // words of block_ already returned (4: none left)
};

}  // namespace neuromesh
