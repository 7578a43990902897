// Philox4x32-10 against Random123's published known answers, and the keyed-stream layout on top.
#include <cstdint>
#include <set>
#include <type_traits>

#include <gtest/gtest.h>

#include <neuromesh/core/random/keyed_stream.hpp>
#include <neuromesh/core/random/philox.hpp>

namespace {

using neuromesh::keyed_stream;
using neuromesh::philox4x32_10;
using neuromesh::philox_counter;
using neuromesh::philox_key;
using neuromesh::rng_purpose;

// Random123 (github.com/DEShawResearch/random123) tests/kat_vectors, the "philox4x32 10" lines:
// counter (4 words), key (2 words), expected output (4 words).
struct kat {
  philox_counter ctr;
  philox_key key;
  std::uint32_t expected[4];
};

constexpr kat kat_vectors[] = {
    {{{0x00000000, 0x00000000, 0x00000000, 0x00000000}},
     {{0x00000000, 0x00000000}},
     {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
    {{{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}},
     {{0xffffffff, 0xffffffff}},
     {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
    {{{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}},
     {{0xa4093822, 0x299f31d0}},
     {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
};

TEST(philox, random123_known_answers) {
  for (const kat& k : kat_vectors) {
    const philox_counter out = philox4x32_10(k.ctr, k.key);
    for (int i = 0; i < 4; ++i) EXPECT_EQ(out.v[i], k.expected[i]) << "word " << i;
  }
}

TEST(philox, single_bit_change_alters_all_words) {
  const philox_counter a = philox4x32_10({{1, 2, 3, 4}}, {{5, 6}});
  const philox_counter b = philox4x32_10({{1, 2, 3, 5}}, {{5, 6}});
  const philox_counter c = philox4x32_10({{1, 2, 3, 4}}, {{5, 7}});
  for (int i = 0; i < 4; ++i) {
    EXPECT_NE(a.v[i], b.v[i]);
    EXPECT_NE(a.v[i], c.v[i]);
  }
}

TEST(keyed_stream, is_a_small_trivially_copyable_value) {
  static_assert(std::is_trivially_copyable_v<keyed_stream>);
  static_assert(std::is_standard_layout_v<keyed_stream>);
  EXPECT_LE(sizeof(keyed_stream), 48u);
}

TEST(keyed_stream, words_are_philox_blocks_of_the_documented_counter) {
  const std::uint64_t seed = 0x0123456789abcdefULL;
  keyed_stream s(seed, rng_purpose::weight, 77, 5);
  const philox_key key{{0x89abcdefu, 0x01234567u}};
  for (std::uint32_t block = 0; block < 3; ++block) {
    const philox_counter out = philox4x32_10({{block, 5, 77, 2}}, key);
    for (int i = 0; i < 4; ++i) EXPECT_EQ(s.next_u32(), out.v[i]) << "block " << block << " word " << i;
  }
}

TEST(keyed_stream, u64_takes_low_word_first) {
  keyed_stream a(1, 2, 3), b(1, 2, 3);
  const std::uint64_t lo = a.next_u32();
  const std::uint64_t hi = a.next_u32();
  EXPECT_EQ(b.next_u64(), (hi << 32) | lo);
}

TEST(keyed_stream, every_coordinate_selects_a_different_stream) {
  auto first = [](keyed_stream s) {
    std::uint64_t x = 0;
    for (int i = 0; i < 4; ++i) x = x * 0x9E3779B97F4A7C15ULL + s.next_u64();
    return x;
  };
  std::set<std::uint64_t> seen;
  seen.insert(first(keyed_stream(42, rng_purpose::connectivity, 10, 0)));
  seen.insert(first(keyed_stream(43, rng_purpose::connectivity, 10, 0)));
  seen.insert(first(keyed_stream(42ULL | (1ULL << 32), rng_purpose::connectivity, 10, 0)));  // seed high word
  seen.insert(first(keyed_stream(42, rng_purpose::weight, 10, 0)));
  seen.insert(first(keyed_stream(42, rng_purpose::connectivity, 11, 0)));
  seen.insert(first(keyed_stream(42, rng_purpose::connectivity, 10, 1)));
  EXPECT_EQ(seen.size(), 6u);
}

TEST(keyed_stream, enum_and_integer_purpose_agree) {
  keyed_stream a(9, rng_purpose::stimulus, 4, 2), b(9, 6u, 4, 2);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(a.next_u32(), b.next_u32());
}

TEST(keyed_stream, a_copy_continues_identically) {
  keyed_stream s(2024, rng_purpose::initial_state, 3);
  for (int i = 0; i < 5; ++i) s.next_u32();  // mid-block
  keyed_stream copy = s;
  for (int i = 0; i < 20; ++i) EXPECT_EQ(s.next_u64(), copy.next_u64());
}

TEST(keyed_stream, uniforms_are_in_range_and_53_bit) {
  keyed_stream s(7, rng_purpose::user, 0);
  double lo = 1.0, hi = 0.0, sum = 0.0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    const double u = s.uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    EXPECT_EQ(u * 0x1.0p53, static_cast<double>(static_cast<std::uint64_t>(u * 0x1.0p53)));
    const double v = s.uniform_open();
    ASSERT_GT(v, 0.0);
    ASSERT_LE(v, 1.0);
    lo = u < lo ? u : lo;
    hi = u > hi ? u : hi;
    sum += u;
  }
  EXPECT_LT(lo, 1e-4);
  EXPECT_GT(hi, 1.0 - 1e-4);
  // Mean 1/2, sd of the mean sqrt(1/12/n) = 6.5e-4; 5 standard errors.
  EXPECT_NEAR(sum / n, 0.5, 5 * 6.5e-4);
}

TEST(keyed_stream, open_uniform_is_closed_uniform_plus_one_ulp_step) {
  keyed_stream a(11, 1u, 2), b(11, 1u, 2);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(a.uniform() + 0x1.0p-53, b.uniform_open());
}

TEST(keyed_stream, bits_are_balanced) {
  keyed_stream s(123, rng_purpose::source, 9);
  int counts[32] = {};
  const int n = 100000;
  for (int i = 0; i < n; ++i) {
    const std::uint32_t w = s.next_u32();
    for (int b = 0; b < 32; ++b) counts[b] += (w >> b) & 1u;
  }
  // Each bit ~ Binomial(n, 1/2): sd = sqrt(n)/2 = 158; 5 sd.
  for (int b = 0; b < 32; ++b) EXPECT_NEAR(counts[b], n / 2, 5 * 158) << "bit " << b;
}

}  // namespace

// The lane form the cpu's Poisson drive uses (AVX-512 where the CPU has it) and the portable one
// give first_u64's bits for every entity, whatever the count of lanes filled (a partial last
// batch included) and the key's high words; their second halves are drive_u64's bits of the odd
// step of the pair (and the first halves those of the even step).
TEST(KeyedStream, FirstU64LanesEqualsFirstU64) {
  std::uint64_t out[keyed_stream::max_lanes], out_hi[keyed_stream::max_lanes];
  std::uint32_t n = 0;
  for (const std::uint64_t seed : {0ull, 1ull, 55ull, 0xffffffffffffffffull, 0x9e3779b97f4a7c15ull})
    for (const std::uint32_t sub : {0u, 1u, 12345u, 0xffffffffu})
      for (const std::uint32_t m : {1u, 7u, 16u, 63u, 64u}) {
        const std::uint32_t first = 0xfffffff0u - 977u * m;
        keyed_stream::first_u64_lanes(
            seed, 17u + m, sub, m, [&](std::uint32_t j) { return first + 31u * j; }, out, out_hi);
        std::uint32_t ids[keyed_stream::max_lanes];
        std::uint64_t portable[keyed_stream::max_lanes], portable_hi[keyed_stream::max_lanes];
        for (std::uint32_t j = 0; j < m; ++j) ids[j] = first + 31u * j;
        neuromesh::philox_lanes::portable(seed, 17u + m, sub, ids, m, portable, portable_hi);
        for (std::uint32_t j = 0; j < m; ++j, ++n) {
          ASSERT_EQ(out[j], keyed_stream::first_u64(seed, 17u + m, first + 31u * j, sub))
              << "seed " << seed << " sub " << sub << " lane " << j << " of " << m;
          ASSERT_EQ(portable[j], out[j]) << "the portable form, lane " << j << " of " << m;
          ASSERT_EQ(portable_hi[j], out_hi[j]) << "the portable form's second half, lane " << j << " of " << m;
          if (sub < 0x80000000u) {  // the pair of steps 2 sub, 2 sub + 1
            ASSERT_EQ(out[j], keyed_stream::drive_u64(seed, 17u + m, first + 31u * j, 2 * sub)) << "lane " << j;
            ASSERT_EQ(out_hi[j], keyed_stream::drive_u64(seed, 17u + m, first + 31u * j, 2 * sub + 1)) << "lane " << j;
          }
        }
      }
  EXPECT_EQ(n, 5u * 4u * (1u + 7u + 16u + 63u + 64u));
}
