// Synapse storage: rows sorted by (receptor, delay, target), 8 bytes of payload per synapse, and
// the whole store (payload + row index) within budget on a reference network.
#include <gtest/gtest.h>

#include <neuromesh/api.hpp>
#include <neuromesh/core/synapse_store.hpp>

using namespace neuromesh;

TEST(SynapseStore, RowsSortedAndSegmentedByReceptorAndDelay) {
  synapse_store st;
  std::vector<synapse_store::entry> e = {
      {2, 5, 1.f, 3, 0}, {2, 1, 2.f, 1, 0}, {2, 4, 3.f, 1, 1}, {0, 9, 4.f, 2, 0}, {2, 0, 5.f, 1, 0}};
  st.build(std::move(e), 4);
  EXPECT_EQ(st.size(), 5u);
  EXPECT_TRUE(st.segments(1).empty());
  ASSERT_EQ(st.segments(2).size(), 3u);  // (exc, d1), (exc, d3), (inh, d1)
  const auto segs = st.segments(2);
  std::uint32_t b = st.row_begin(2);
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

TEST(SynapseStore, SharedWeightsOnlyWhenEveryWeightOfAReceptorIsEqual) {
  synapse_store a, b;
  a.build({{0, 1, 2.f, 1, 0}, {1, 2, 2.f, 1, 0}, {1, 3, -5.f, 2, 1}}, 2);
  EXPECT_TRUE(a.shared_weights());
  EXPECT_EQ(a.shared_weight(0), 2.f);
  EXPECT_EQ(a.shared_weight(1), -5.f);
  b.build({{0, 1, 2.f, 1, 0}, {1, 2, 2.5f, 1, 0}}, 2);
  EXPECT_FALSE(b.shared_weights());
  EXPECT_EQ(b.weights()[1], 2.5f);
}

// Construction packs (receptor, delay, target) into one 32-bit key while it fits; a delay too long
// for the bits left switches to separate columns mid-way. Both give the same store as separate
// columns from the start (the order within a row, ties included, is the placing order).
TEST(SynapseStore, PackedConstructionEqualsSeparateColumnsAndSpillsOnLongDelays) {
  auto make = [](std::uint32_t n_targets, delay_t long_delay) {
    synapse_store::builder b(3, n_targets);
    std::vector<synapse_store::entry> e;
    for (std::uint32_t k = 0; k < 40; ++k)
      e.push_back({k % 3, (k * 7919u) % 50u, 0.25f * static_cast<float>(k), static_cast<delay_t>(1 + k % 5),
                   static_cast<std::uint8_t>(k % 2)});
    e.push_back({1, 3, 9.0f, 3, 0});  // a multapse: same (receptor, delay, target), other weight
    e.push_back({2, 4, 1.5f, long_delay, 1});
    for (const auto& x : e) b.count(x.source);
    b.allocate();
    for (const auto& x : e) b.place(x);
    synapse_store st;
    st.build(std::move(b));
    return st;
  };
  auto same = [](const synapse_store& a, const synapse_store& b) {
    ASSERT_EQ(a.size(), b.size());
    EXPECT_EQ(a.max_delay(), b.max_delay());
    for (gid_t s = 0; s < 3; ++s) {
      ASSERT_EQ(a.segments(s).size(), b.segments(s).size());
      for (std::size_t k = 0; k < a.segments(s).size(); ++k) {
        EXPECT_EQ(a.segments(s)[k].end, b.segments(s)[k].end);
        EXPECT_EQ(a.segments(s)[k].delay, b.segments(s)[k].delay);
        EXPECT_EQ(a.segments(s)[k].receptor, b.segments(s)[k].receptor);
      }
    }
    for (std::size_t k = 0; k < a.size(); ++k) {
      EXPECT_EQ(a.targets()[k], b.targets()[k]);
      EXPECT_EQ(a.weights()[k], b.weights()[k]);
    }
  };
  const synapse_store columns = make(0, 9);   // separate columns throughout
  same(make(50, 9), columns);                 // packed throughout (25 delay bits)
  const synapse_store wide = make(0, 40000);  // a delay that needs 16 bits
  same(make(1u << 26, 40000), wide);          // 5 delay bits: spills to columns mid-way
  EXPECT_EQ(make(1u << 26, 40000).max_delay(), 40000);
}
