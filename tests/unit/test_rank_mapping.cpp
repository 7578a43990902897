// The hardware placement as MPI decomposition, two levels: units (chips, else cores) grouped by
// the spikes between them. A network whose populations talk across the plain split is regrouped
// so that nothing crosses ranks; counts agree with the exact per-synapse count; balance is kept;
// the plain split stays where it is as good or units cannot balance.
#include <gtest/gtest.h>

#include <neuromesh/api.hpp>
#include <neuromesh/core/errors.hpp>
#include <neuromesh/core/routing/rank_mapping.hpp>

#include "test_routing_support.hpp"

using namespace neuromesh;
using namespace neuromesh::routing;

namespace {

// Populations A, B, C, D of 16 neurons; A <-> C and B <-> D all-to-all, nothing else. With 16
// neurons per core, sequential placement puts A, B, C, D on cores 0..3: the plain split into two
// ranks ({A, B} | {C, D}) cuts every synapse, grouping {A, C} | {B, D} none.
network paired_populations() {
  return test_support::populations_network("paired", {{"A", 16}, {"B", 16}, {"C", 16}, {"D", 16}},
                                           {{"A", "C"}, {"C", "A"}, {"B", "D"}, {"D", "B"}}, 1.0);
}

std::shared_ptr<const hardware_mapping> mapped(const network& net, unsigned chips_x, unsigned mx) {
  return map_network(
      net, test_support::tiny_hardware(test_support::tiny_hardware_json(mx, 2, 1, 16, "multicast", "mesh", chips_x, 1)),
      {});
}

}  // namespace

TEST(RankMapping, GroupsTalkingCoresOnOneRank) {
  const network net = paired_populations();
  // One chip of 4 cores; two chips of 2 cores, {A, B} and {C, D}: whole chips on ranks would cut
  // A-C and B-D, so the cores are the units there too (A and C cross the chip border together).
  for (unsigned chips_x : {1u, 2u}) {
    SCOPED_TRACE(chips_x);
    const auto m = mapped(net, chips_x, chips_x == 1 ? 2 : 1);
    const auto plain = rank_of_gid(m->place, m->topo, 2);
    const auto grouped = two_level_rank_map(*m, 2);
    EXPECT_GT(rank_messages_per_s(*m, plain), 0.0);
    EXPECT_EQ(rank_messages_per_s(*m, grouped), 0.0);
    EXPECT_EQ(grouped[0], grouped[32]);   // A with C
    EXPECT_EQ(grouped[16], grouped[48]);  // B with D
    EXPECT_NE(grouped[0], grouped[16]);
  }
}

TEST(RankMapping, MessagesEqualTheExactCountWhenCoresAreWhole) {
  const network net = paired_populations();
  const auto m = mapped(net, 1, 2);
  const connectivity conn = build_connectivity(net);
  for (int ranks : {1, 2, 4}) {
    const auto owner = two_level_rank_map(*m, ranks);
    EXPECT_DOUBLE_EQ(rank_messages_per_s(*m, owner), inter_rank_traffic(owner, conn, {}, ranks).messages_per_s);
  }
}

TEST(RankMapping, BalancedAndEveryRankUsed) {
  const network net = test_support::local_sheet(16, 2);  // 256 neurons on 16 cores of a 4x4 mesh
  const auto m = map_network(net, test_support::tiny_hardware(test_support::tiny_hardware_json(4, 4, 1, 16)), {});
  for (int ranks : {2, 3, 4, 5, 16}) {
    SCOPED_TRACE(ranks);
    const auto owner = two_level_rank_map(*m, ranks);
    std::vector<int> count(ranks, 0);
    for (auto r : owner) ++count[r];
    const double mean = 256.0 / ranks;
    for (int r = 0; r < ranks; ++r) {
      EXPECT_GT(count[r], 0);
      // within 5 %, or one core of 16 neurons over the mean up to 10 %, or the plain split's cores
      EXPECT_LE(count[r], std::max(mean * 1.10, std::ceil(mean / 16) * 16)) << "rank " << r;
    }
    EXPECT_LE(rank_messages_per_s(*m, owner), rank_messages_per_s(*m, rank_of_gid(m->place, m->topo, ranks)));
  }
  // More ranks than cores: cores must be split, the plain split is used.
  EXPECT_EQ(two_level_rank_map(*m, 32), rank_of_gid(m->place, m->topo, 32));
  EXPECT_EQ(two_level_rank_map(*m, 1), std::vector<std::uint32_t>(256, 0));
  EXPECT_THROW(two_level_rank_map(*m, 0), config_error);
}
