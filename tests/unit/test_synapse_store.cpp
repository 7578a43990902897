// Synapse storage: rows sorted by (receptor, delay, target), 8 bytes of payload per synapse, and
// the whole store (payload + row index) within budget on a reference network.
#include <algorithm>
#include <tuple>

#include <gtest/gtest.h>

#include <neuromesh/api.hpp>
#include <neuromesh/core/synapse_store.hpp>
#include <neuromesh/synapses/registry.hpp>

using namespace neuromesh;

namespace {
struct segment {
  std::uint32_t begin, end;
  delay_t delay;
  std::uint8_t receptor;
};
// A store built from `e` the two-pass way (count, allocate, place), as construction builds it.
synapse_store build_store(const std::vector<synapse_store::entry>& e, gid_t n_sources, std::uint32_t n_targets,
                          row_layout layout = row_layout::segments) {
  synapse_store::builder b(n_sources, n_targets, weight_storage::per_synapse, layout);
  for (const auto& x : e) b.count(x.source);
  b.allocate();
  for (const auto& x : e) b.place(x);
  synapse_store st;
  st.build(std::move(b));
  return st;
}
// The segments of one row, as for_each_segment hands them out.
std::vector<segment> segments(const synapse_store& st, gid_t source) {
  std::vector<segment> out;
  st.for_each_segment(source, [&](std::uint32_t b, std::uint32_t e, delay_t d, std::uint8_t r) {
    out.push_back({b, e, d, r});
  });
  return out;
}
// The same rows: segments (bounds, delay, receptor), targets and weights, whatever the layout.
void expect_same_rows(const synapse_store& a, const synapse_store& b, gid_t n_sources) {
  ASSERT_EQ(a.size(), b.size());
  EXPECT_EQ(a.max_delay(), b.max_delay());
  for (gid_t s = 0; s < n_sources; ++s) {
    const auto sa = segments(a, s), sb = segments(b, s);
    ASSERT_EQ(sa.size(), sb.size());
    for (std::size_t k = 0; k < sa.size(); ++k) {
      EXPECT_EQ(sa[k].begin, sb[k].begin);
      EXPECT_EQ(sa[k].end, sb[k].end);
      EXPECT_EQ(sa[k].delay, sb[k].delay);
      EXPECT_EQ(sa[k].receptor, sb[k].receptor);
    }
  }
  for (std::size_t k = 0; k < a.size(); ++k) {
    EXPECT_EQ(a.target(k), b.target(k));
    EXPECT_EQ(a.weight(k), b.weight(k));
  }
}
}  // namespace

TEST(SynapseStore, RowsSortedAndSegmentedByReceptorAndDelay) {
  synapse_store st;
  std::vector<synapse_store::entry> e = {
      {2, 5, 1.f, 3, 0}, {2, 1, 2.f, 1, 0}, {2, 4, 3.f, 1, 1}, {0, 9, 4.f, 2, 0}, {2, 0, 5.f, 1, 0}};
  st.build(std::move(e), 4);
  EXPECT_EQ(st.size(), 5u);
  EXPECT_TRUE(segments(st, 1).empty());
  EXPECT_TRUE(st.row_empty(1));
  ASSERT_EQ(segments(st, 2).size(), 3u);  // (exc, d1), (exc, d3), (inh, d1)
  const auto segs = segments(st, 2);
  std::uint32_t b = segs[0].begin;
  EXPECT_EQ(segs[0].delay, 1);
  EXPECT_EQ(st.targets()[b], 0u);  // sorted by target within the segment
  EXPECT_EQ(st.targets()[b + 1], 1u);
  EXPECT_EQ(segs[1].delay, 3);
  EXPECT_EQ(segs[2].receptor, 1);
  EXPECT_EQ(st.min_delay(), 1);
  EXPECT_EQ(st.max_delay(), 3);
}

TEST(SynapseStore, EightBytesPerSynapseOrFourWithSharedWeights) {
  // Vogels-Abbott: one weight per receptor, so the weight array is dropped.
  network net = builtin_network("vogels_abbott_cuba");
  auto shared = make_simulation(net, {.threads = 1})->statistics();
  ASSERT_GT(shared.synapses, 300000u);
  EXPECT_EQ(shared.synapse_payload_bytes, 4 * shared.synapses);
  // Distributed weights: target + weight, 8 bytes.
  for (auto& p : net.projections) p.weight = distribution{distribution::kind::normal, 16.2, 1.0};
  auto own = make_simulation(net, {.threads = 1})->statistics();
  EXPECT_EQ(own.synapse_payload_bytes, 8 * own.synapses);
  // The row index (one offset per source + one segment per (row, receptor, delay)) stays small.
  EXPECT_LE(static_cast<double>(own.synapse_payload_bytes + own.synapse_index_bytes) / own.synapses, 8.5);
}

// One delay and receptor throughout (Brunel, Vogels-Abbott): rows are single segments, so the index
// is one offset per source and no segments -- the same rows as the general layout.
TEST(SynapseStore, OneDelayThroughoutStoresNoSegments) {
  synapse_store st;
  st.build({{2, 5, 1.f, 3, 1}, {0, 1, 2.f, 3, 1}, {2, 0, 5.f, 3, 1}}, 4);
  EXPECT_EQ(st.index_bytes(), 5 * sizeof(std::uint32_t));
  EXPECT_TRUE(segments(st, 1).empty());
  const auto row = segments(st, 2);
  ASSERT_EQ(row.size(), 1u);
  EXPECT_EQ(row[0].end - row[0].begin, 2u);
  EXPECT_EQ(row[0].delay, 3);
  EXPECT_EQ(row[0].receptor, 1);
  EXPECT_EQ(st.targets()[row[0].begin], 0u);
  EXPECT_EQ(st.weight(row[0].begin + 1), 1.f);
  EXPECT_EQ(segments(st, 0)[0].begin, 0u);
}

// The weight storage is the description's choice (synapses/registry.hpp), not a guess from the data.
TEST(SynapseStore, SharedWeightsAreChosenFromTheDescription) {
  synapse_store a, b;
  a.build({{0, 1, 2.f, 1, 0}, {1, 2, 2.f, 1, 0}, {1, 3, 2.f, 2, 0}}, 2, weight_storage::shared);
  EXPECT_TRUE(a.shared_weights());
  EXPECT_EQ(a.weights(), nullptr);
  EXPECT_EQ(a.shared_weight(), 2.f);
  EXPECT_EQ(a.payload_bytes(), 3 * 4u);
  // Equal weights in a per-synapse projection keep their column (a distribution, a list).
  b.build({{0, 1, 2.f, 1, 0}, {1, 2, 2.f, 1, 0}}, 2, weight_storage::per_synapse);
  EXPECT_FALSE(b.shared_weights());
  EXPECT_EQ(b.weights()[1], 2.f);
  EXPECT_EQ(b.payload_bytes(), 2 * 8u);
  // A shared projection that generates two different weights is a bug, never silently one weight.
  synapse_store c;
  EXPECT_THROW(c.build({{0, 1, 2.f, 1, 0}, {1, 2, 2.5f, 1, 0}}, 2, weight_storage::shared), internal_error);
}

TEST(SynapseStore, WeightStorageFollowsTheProjection) {
  projection p;
  p.weight = 0.5;
  EXPECT_EQ(weight_storage_of(p), weight_storage::shared);
  p.weight = distribution{distribution::kind::normal, 1.0, 0.1};
  EXPECT_EQ(weight_storage_of(p), weight_storage::per_synapse);
  p.weight = std::vector<double>{1.0, 1.0};
  EXPECT_EQ(weight_storage_of(p), weight_storage::per_synapse);
  p.weight = 0.5;
  p.synapse = "static_synapse";  // NEST's name of the same model
  EXPECT_EQ(weight_storage_of(p), weight_storage::shared);
  p.synapse = "stdp_typo";
  EXPECT_THROW(weight_storage_of(p), config_error);
}

TEST(SynapseStore, UnknownSynapseModelIsAConfigErrorListingTheKnownOnes) {
  network net = builtin_network("vogels_abbott_cuba");
  net.projections[1].synapse = "stdp_typo";
  try {
    validate(net);
    FAIL() << "accepted an unknown synapse model";
  } catch (const config_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("projections[1]"), std::string::npos) << what;
    EXPECT_NE(what.find(".synapse.model"), std::string::npos) << what;
    EXPECT_NE(what.find("static_synapse"), std::string::npos) << what;
  }
}

// Construction packs (receptor, delay, target) into one 32-bit key while it fits; a delay too long
// for the bits left switches to separate columns mid-way. Both give the same store as separate
// columns from the start (the order within a row, ties included, is the placing order).
TEST(SynapseStore, PackedConstructionEqualsSeparateColumnsAndSpillsOnLongDelays) {
  auto make = [](std::uint32_t n_targets, delay_t long_delay) {
    std::vector<synapse_store::entry> e;
    for (std::uint32_t k = 0; k < 40; ++k)
      e.push_back({k % 3, (k * 7919u) % 50u, 0.25f * static_cast<float>(k), static_cast<delay_t>(1 + k % 5),
                   static_cast<std::uint8_t>(k % 2)});
    e.push_back({1, 3, 9.0f, 3, 0});  // a multapse: same (receptor, delay, target), other weight
    e.push_back({2, 4, 1.5f, long_delay, 1});
    return build_store(e, 3, n_targets);
  };
  const synapse_store columns = make(0, 9);          // separate columns throughout
  expect_same_rows(make(50, 9), columns, 3);         // packed throughout (25 delay bits)
  const synapse_store wide = make(0, 40000);         // a delay that needs 16 bits
  expect_same_rows(make(1u << 26, 40000), wide, 3);  // 5 delay bits: spills to columns mid-way
  EXPECT_EQ(make(1u << 26, 40000).max_delay(), 40000);
}

// Every path of the row sort (counting sort when targets arrive in order, the 64-bit key sort when
// they do not or the delays spread too wide, separate columns) gives the reference order: a stable
// sort of each row's placed synapses by (receptor, delay, target), multapses in placing order.
TEST(SynapseStore, RowSortPathsEqualAStableSortOfThePlacedSynapses) {
  constexpr gid_t n_sources = 20;
  auto entries = [](std::uint32_t max_delay, bool targets_in_order) {
    std::vector<synapse_store::entry> e;
    std::uint64_t x = 12345;  // a fixed LCG: test input only
    auto next = [&x](std::uint32_t n) {
      x = x * 6364136223846793005ull + 1442695040888963407ull;
      return static_cast<std::uint32_t>((x >> 33) % n);
    };
    for (std::uint32_t k = 0; k < 4000; ++k) {
      const std::uint32_t target = targets_in_order ? k / 2 : next(2000);  // k / 2: multapses
      e.push_back({next(n_sources), target, static_cast<float>(k), static_cast<delay_t>(1 + next(max_delay)),
                   static_cast<std::uint8_t>(next(2))});
    }
    return e;
  };
  auto check = [](std::vector<synapse_store::entry> e, std::uint32_t n_targets, const char* what,
                  row_layout layout = row_layout::segments) {
    const synapse_store st = build_store(e, n_sources, n_targets, layout);
    std::stable_sort(e.begin(), e.end(), [](const auto& a, const auto& b) {
      return std::tie(a.source, a.receptor, a.delay, a.target) < std::tie(b.source, b.receptor, b.delay, b.target);
    });
    ASSERT_EQ(st.size(), e.size()) << what;
    std::size_t k = 0;
    for (gid_t s = 0; s < n_sources; ++s)
      st.for_each_segment(s, [&](std::uint32_t begin, std::uint32_t end, delay_t d, std::uint8_t r) {
        for (std::uint32_t i = begin; i < end; ++i, ++k) {
          ASSERT_EQ(e[k].source, s) << what;
          ASSERT_EQ(e[k].receptor, r) << what;
          ASSERT_EQ(e[k].delay, d) << what;
          ASSERT_EQ(e[k].target, st.target(i)) << what;
          ASSERT_EQ(e[k].weight, st.weight(i)) << what << " synapse " << i;
        }
      });
    EXPECT_EQ(k, e.size()) << what;
  };
  check(entries(60, true), 2000, "packed, targets in order: counting sort");
  check(entries(60, false), 2000, "packed, targets out of order: key sort");
  check(entries(50000, true), 2000, "packed, delays too spread for counting: key sort");
  check(entries(60, true), 0, "separate columns");
  check(entries(60, true), 2000, "packed layout, counting sort", row_layout::packed);
  check(entries(60, false), 2000, "packed layout, key sort", row_layout::packed);
  check(entries(50000, true), 2000, "packed layout asked, delays too long: segments", row_layout::packed);
}

// The stride's division by multiplication is exact for every 31-bit cell (packed words' readers).
TEST(SynapseStore, StrideDivisionIsExact) {
  std::uint64_t state = 0x9e3779b97f4a7c15ull;
  auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  for (const std::uint32_t n : {1u, 2u, 3u, 7u, 1000u, 38543u, 77169u, (1u << 24) + 1u, (1u << 30) + 3u, 0x7fffffffu}) {
    const synapse_store::divider d(n);
    for (const std::uint32_t x : {0u, n - 1, n, 0x7fffffffu - 1u, 0x7fffffffu}) ASSERT_EQ(d.quotient(x), x / n) << n;
    for (int i = 0; i < 200000; ++i) {
      const auto x = static_cast<std::uint32_t>(next() & 0x7fffffffu);
      ASSERT_EQ(d.quotient(x), x / n) << "n " << n << " x " << x;
    }
  }
}

// The packed layout keeps receptor and delay in each word (receptor << 31 | delay * stride +
// target) and no segments (4 bytes per source of index); its segments, read back, are the segmented layout's. One delay
// and receptor throughout gives plain targets (nothing to decode), a delay too long for the bits gives segments.
TEST(SynapseStore, PackedLayoutStoresNoSegmentsAndReadsLikeSegments) {
  auto make = [](row_layout layout, delay_t last_delay, std::uint32_t n_targets = 1000) {
    std::vector<synapse_store::entry> e;
    for (std::uint32_t k = 0; k < 300; ++k)
      e.push_back({k % 3, (k * 7919u) % 1000u, static_cast<float>(k), static_cast<delay_t>(1 + k % 7),
                   static_cast<std::uint8_t>(k % 2)});
    e.push_back({2, 7, 1.5f, last_delay, 1});
    return build_store(e, 3, n_targets, layout);
  };
  const synapse_store packed = make(row_layout::packed, 3), segmented = make(row_layout::segments, 3);
  EXPECT_TRUE(packed.packed());
  EXPECT_FALSE(segmented.packed());
  EXPECT_EQ(packed.index_bytes(), 4 * sizeof(std::uint32_t));
  EXPECT_GT(segmented.index_bytes(), packed.index_bytes());
  EXPECT_EQ(packed.min_delay(), 1);
  EXPECT_EQ(packed.max_delay(), 7);
  expect_same_rows(packed, segmented, 3);
  for (gid_t s = 0; s < 3; ++s)
    for (const segment& seg : segments(packed, s))
      for (std::uint32_t i = seg.begin; i < seg.end; ++i) {
        EXPECT_EQ(synapse_store::cell_of_word(packed.targets()[i]), seg.delay * packed.stride() + packed.target(i));
        EXPECT_EQ(packed.delay_of_word(packed.targets()[i]), seg.delay);
        EXPECT_EQ(synapse_store::receptor_of_word(packed.targets()[i]), seg.receptor);
      }
  EXPECT_EQ(packed.stride(), 1000u);                      // the ring's row length: the word is the cell's offset
  EXPECT_TRUE(make(row_layout::packed, 40000).packed());  // 21 delay bits
  // A stride that is no power of two, with the longest delay its bits allow: the words stay below 2^31.
  const std::uint32_t odd = 3u << 24 | 1u;  // 26 target bits, 5 delay bits
  const synapse_store wide = make(row_layout::packed, 31, odd);
  ASSERT_TRUE(wide.packed());
  expect_same_rows(wide, make(row_layout::segments, 31, odd), 3);
  EXPECT_EQ(wide.max_delay(), 31);
  EXPECT_FALSE(make(row_layout::packed, 40000, 1u << 26).packed());  // 5 delay bits: segments

  const synapse_store uniform =
      build_store({{1, 9, 1.f, 4, 1}, {0, 3, 2.f, 4, 1}, {1, 2, 3.f, 4, 1}}, 2, 1000, row_layout::packed);
  EXPECT_FALSE(uniform.packed());
  EXPECT_EQ(uniform.targets()[1], 2u);  // row 1 sorted, plain targets
  const auto row = segments(uniform, 1);
  ASSERT_EQ(row.size(), 1u);
  EXPECT_EQ(row[0].delay, 4);
  EXPECT_EQ(row[0].receptor, 1);
}
