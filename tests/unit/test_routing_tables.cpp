// Routing tables: every key still reaches exactly its destination cores after default-route removal
// and Ordered Covering, compression merges what it may and nothing it may not, and the per-router
// limit is enforced.
#include <random>

#include <gtest/gtest.h>

#include <neuromesh/api.hpp>
#include <neuromesh/core/errors.hpp>
#include <neuromesh/core/routing/routes.hpp>

#include "test_routing_support.hpp"

using namespace neuromesh;
using namespace neuromesh::routing;
using test_support::local_sheet;
using test_support::tiny_hardware;
using test_support::tiny_hardware_json;

namespace {

// Multicast trees of every core of a placement (what build_routes builds for table presets).
std::vector<core_tree> trees_of(const connectivity& conn, const placement& p, const topology& topo,
                                std::uint32_t n_cores) {
  std::vector<std::vector<std::uint32_t>> dests(n_cores);
  for (gid_t s = 0; s < conn.n; ++s)
    for (gid_t t : conn.targets(s)) dests[p.core_of[s]].push_back(p.core_of[t]);
  std::vector<core_tree> trees;
  for (std::uint32_t c = 0; c < n_cores; ++c) {
    auto& d = dests[c];
    std::sort(d.begin(), d.end());
    d.erase(std::unique(d.begin(), d.end()), d.end());
    if (d.empty()) continue;
    core_tree t{c, {}, d};
    std::vector<std::uint32_t> path;
    for (auto x : d) {
      path.clear();
      topo.route(topo.router_of_core(c), topo.router_of_core(x), path);
      for (auto l : path)
        if (std::find(t.links.begin(), t.links.end(), l) == t.links.end()) t.links.push_back(l);
    }
    trees.push_back(std::move(t));
  }
  return trees;
}

}  // namespace

TEST(RoutingTables, EveryKeyReachesItsDestinationsBeforeAndAfterCompression) {
  // A locally connected sheet on an 8x8 hexagonal torus of 4-core chips: Mundy's setting, small.
  auto j = tiny_hardware_json(1, 1, 4, 16, "multicast", "hexagonal_torus", 8, 8);
  j["limits"]["router_entries"] = 1024;
  const hardware hw = tiny_hardware(j);
  const topology topo(hw);
  const network net = local_sheet(48, 3);
  const connectivity conn = build_connectivity(net);
  placement_options po;
  po.algorithm = placement_algorithm::random;  // scattered: long trees, many entries
  const placement p = place(net, conn, hw, topo, po);
  const auto trees = trees_of(conn, p, topo, hw.n_cores());
  const routing_tables plain = build_tables(trees, topo, hw, false);
  const routing_tables oc = build_tables(trees, topo, hw, true);
  EXPECT_GT(plain.default_removed, 0u);
  EXPECT_LT(oc.total_after, plain.total_after);
  EXPECT_LT(oc.max_entries, plain.max_entries);
  for (const auto& t : trees) {
    EXPECT_EQ(deliver_with_tables(plain, topo, t.core, hw.cores_per_router), t.dest_cores) << "core " << t.core;
    EXPECT_EQ(deliver_with_tables(oc, topo, t.core, hw.cores_per_router), t.dest_cores) << "core " << t.core;
  }
}

TEST(RoutingTables, OrderedCoveringByHand) {
  // Four keys with one route merge into one entry ...
  router_table t;
  for (std::uint32_t k = 0; k < 4; ++k) t.entries.push_back({k << 4, 0xfffffff0u, {0}});
  ordered_covering(t);
  ASSERT_EQ(t.entries.size(), 1u);
  EXPECT_EQ(t.entries[0].key, 0u);
  EXPECT_EQ(t.entries[0].mask, 0xffffffc0u);
  // ... but not over a default-routed key in their range, and not over a key with another route.
  router_table d;
  for (std::uint32_t k : {0u, 1u, 2u}) d.entries.push_back({k << 4, 0xfffffff0u, {0}});
  d.default_routed.push_back({3u << 4, 0xfffffff0u, -1});
  ordered_covering(d);
  EXPECT_EQ(d.entries.size(), 2u);  // {0,1} merge; 2 cannot join them without covering 3
  // A default-routed key may be covered by an entry that sends it on its own way (link 0 here), not
  // by one that sends it elsewhere.
  router_table s;
  for (std::uint32_t k : {0u, 1u, 2u}) s.entries.push_back({k << 4, 0xfffffff0u, {0}});
  s.default_routed.push_back({3u << 4, 0xfffffff0u, 0});
  ordered_covering(s);
  EXPECT_EQ(s.entries.size(), 1u);
  s.entries.clear();
  for (std::uint32_t k : {0u, 1u, 2u}) s.entries.push_back({k << 4, 0xfffffff0u, {0}});
  s.default_routed = {{3u << 4, 0xfffffff0u, 1}};
  ordered_covering(s);
  EXPECT_EQ(s.entries.size(), 2u);
  router_table o;
  o.entries = {{0u << 4, 0xfffffff0u, {0}}, {1u << 4, 0xfffffff0u, {1}}, {2u << 4, 0xfffffff0u, {0}}};
  ordered_covering(o);
  // 0 and 2 merge to X-bit 5 only if 1 stays above them: 1 differs in bit 4, outside the merged mask.
  ASSERT_EQ(o.entries.size(), 2u);
  for (std::uint32_t k : {0u, 1u, 2u}) {
    const table_entry* hit = nullptr;
    for (const auto& e : o.entries)
      if (((k << 4) & e.mask) == e.key) {
        hit = &e;
        break;
      }
    ASSERT_NE(hit, nullptr);
    EXPECT_EQ(hit->route, (std::vector<std::uint16_t>{static_cast<std::uint16_t>(k == 1 ? 1 : 0)})) << k;
  }
}

TEST(RoutingTables, CompressionKeepsEveryKeysRouteOnRandomTables) {
  // Random tables (64 of 256 key blocks in use, four routes, a quarter default-routed, some of them
  // in a direction no entry has): after compression every block still takes its route at its
  // first match, and a default-routed one either matches nothing or an entry sending it its way.
  std::mt19937 gen(12345);  // raw words only: the same sequence with every standard library
  const std::vector<std::vector<std::uint16_t>> routes = {{0}, {1}, {0, 6}, {2, 7}};
  std::size_t before = 0, after = 0;
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<std::uint32_t> keys(256);
    for (std::uint32_t k = 0; k < 256; ++k) keys[k] = k << 4;
    for (std::size_t i = 255; i > 0; --i) std::swap(keys[i], keys[gen() % (i + 1)]);
    router_table t;
    for (std::size_t i = 0; i < 64; ++i) {
      if (gen() % 4 == 0)
        t.default_routed.push_back({keys[i], 0xfffffff0u, static_cast<int>(gen() % 4) - 1});
      else
        t.entries.push_back({keys[i], 0xfffffff0u, routes[gen() % routes.size()]});
    }
    std::sort(t.entries.begin(), t.entries.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
    const router_table original = t;
    ordered_covering(t);
    before += original.entries.size(), after += t.entries.size();
    for (const auto& e : original.entries) {
      const table_entry* hit = first_match(t, e.key);
      ASSERT_NE(hit, nullptr) << "trial " << trial << " key " << e.key;
      EXPECT_EQ(hit->route, e.route) << "trial " << trial << " key " << e.key;
    }
    for (const auto& d : original.default_routed) {
      const table_entry* hit = first_match(t, d.key);
      if (hit)
        EXPECT_EQ(hit->route, (std::vector<std::uint16_t>{static_cast<std::uint16_t>(d.direction)}))
            << "trial " << trial << " default-routed key " << d.key << " direction " << d.direction;
    }
  }
  EXPECT_LT(after, before * 9 / 10);  // it compresses
}

TEST(RoutingTables, LimitIsEnforced) {
  auto j = tiny_hardware_json(1, 1, 4, 4, "multicast", "hexagonal_torus", 4, 4);
  j["limits"]["router_entries"] = 2;
  const hardware hw = tiny_hardware(j);
  const network net = local_sheet(16, 2);
  placement_options po;
  po.algorithm = placement_algorithm::random;
  try {
    map_network(net, hw, mapping_options{po});
    FAIL() << "a 2-entry table cannot hold these routes";
  } catch (const config_error& e) {
    EXPECT_NE(std::string(e.what()).find("over the limit of 2"), std::string::npos) << e.what();
  }
  j["limits"]["router_entries"] = 1024;
  const auto m = map_network(net, tiny_hardware(j), mapping_options{po});
  EXPECT_TRUE(m->routes.has_tables);
  EXPECT_LE(m->routes.tables.max_entries, 1024u);
}
