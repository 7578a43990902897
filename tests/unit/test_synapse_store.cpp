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

TEST(SynapseStore, EightBytesPayloadPerStaticSynapse) {
  auto sim = make_simulation(builtin_network("vogels_abbott_cuba"), {.threads = 1});
  const auto s = sim->statistics();
  ASSERT_GT(s.synapses, 300000u);
  EXPECT_EQ(s.synapse_payload_bytes, 8 * s.synapses);
  // Row index (one offset per source + one segment per (row, receptor, delay)) stays small.
  EXPECT_LE(static_cast<double>(s.synapse_payload_bytes + s.synapse_index_bytes) / s.synapses, 8.5);
}
