// Hardware descriptions and the router graph: presets load with a source and status on every
// constant, user files fail with the key path at fault, X–Y routes and hop counts on small meshes.
#include <gtest/gtest.h>

#include "test_networks.hpp"

#include <cstdio>
#include <fstream>

#include <neuromesh/api.hpp>
#include <neuromesh/core/errors.hpp>
#include <neuromesh/core/routing/topology.hpp>

#include "test_routing_support.hpp"

using namespace neuromesh;
using namespace neuromesh::routing;
using test_support::tiny_hardware;
using test_support::tiny_hardware_json;

TEST(RoutingHardware, EveryPresetLoadsWithSourcesAndStatuses) {
  const auto names = hardware_preset_names();
  for (const char* n : {"loihi", "loihi-measured", "spinnaker", "spinnaker2", "truenorth"})
    EXPECT_NE(std::find(names.begin(), names.end(), n), names.end()) << n;
  for (const auto& n : names) {
    const hardware hw = load_hardware(n);
    EXPECT_EQ(hw.name, n);
    for (const auto& req : required_constants()) EXPECT_TRUE(hw.constants.count(req)) << n << " " << req;
    for (const auto& [name, c] : hw.constants) {
      EXPECT_FALSE(c.source.empty()) << n << " " << name;
      EXPECT_FALSE(c.status.empty()) << n << " " << name;
    }
    EXPECT_TRUE(topology(hw).connected()) << n;
  }
}

TEST(RoutingHardware, PublishedValuesAndAnisotropyAreKept) {
  const hardware loihi = load_hardware("loihi");
  EXPECT_DOUBLE_EQ(loihi.value("e_synop"), 23.6e-12);
  EXPECT_DOUBLE_EQ(loihi.value("e_hop_ew"), 3.0e-12);
  EXPECT_DOUBLE_EQ(loihi.value("e_hop_ns"), 4.0e-12);
  EXPECT_EQ(loihi.cores_per_chip(), 128u);
  EXPECT_EQ(loihi.routing, routing_mode::unicast);
  EXPECT_DOUBLE_EQ(load_hardware("loihi-measured").value("e_msg_out"), 111e-12);
  const hardware spin = load_hardware("spinnaker");
  EXPECT_EQ(spin.limits.router_entries, 1024u);
  EXPECT_EQ(load_hardware("spinnaker2").limits.router_entries, 16384u);
  EXPECT_EQ(load_hardware("truenorth").routing, routing_mode::single_destination);
}

TEST(RoutingHardware, UnverifiedConstantsAreFlagged) {
  const auto flags = load_hardware("truenorth").unverified();
  bool hop = false;
  for (const auto& f : flags) hop |= f.rfind("e_hop_ew", 0) == 0;
  EXPECT_TRUE(hop) << "TrueNorth's placeholder hop energy must be flagged";
  for (const auto& f : load_hardware("loihi").unverified()) EXPECT_NE(f.rfind("e_synop", 0), 0u) << f;
}

TEST(RoutingHardware, UserFilesFailNamingTheKey) {
  auto expect_error = [](nlohmann::json j, const std::string& key) {
    try {
      tiny_hardware(j);
      FAIL() << "no error for " << key;
    } catch (const config_error& e) {
      EXPECT_NE(std::string(e.what()).find(key), std::string::npos) << e.what();
    }
  };
  auto j = tiny_hardware_json(2, 2, 1, 4);
  j["constants"].erase("e_synop");
  expect_error(j, "constants.e_synop");
  j = tiny_hardware_json(2, 2, 1, 4);
  j["constants"]["e_hop_ew"]["unit"] = "ns";
  expect_error(j, "constants.e_hop_ew.unit");
  j = tiny_hardware_json(2, 2, 1, 4);
  j["constants"]["t_nu"]["status"] = "probably";
  expect_error(j, "constants.t_nu.status");
  j = tiny_hardware_json(2, 2, 1, 4);
  j["mesh"]["x"] = 0;
  expect_error(j, "mesh.x");
  j = tiny_hardware_json(2, 2, 1, 4, "broadcast");
  expect_error(j, "routing");
  j = tiny_hardware_json(2, 2, 1, 4);
  j["constants"]["e_magic"] = j["constants"]["e_synop"];
  expect_error(j, "constants.e_magic");
  EXPECT_THROW(load_hardware("no-such-chip"), config_error);
}

TEST(RoutingHardware, UserFileLoadsFromAPath) {
  const std::string path = neuromesh::test_support::unique_temp_dir() + "/tiny_hw.json";
  std::ofstream(path) << tiny_hardware_json(3, 2, 2, 8).dump();
  const hardware hw = load_hardware(path);
  EXPECT_EQ(hw.n_cores(), 12u);
  EXPECT_DOUBLE_EQ(hw.value("p_static_chip"), 1e-3);
  std::remove(path.c_str());
}

TEST(RoutingTopology, MeshLinksAndXYRoutesByHand) {
  const topology t(tiny_hardware(tiny_hardware_json(3, 2, 1, 1)));
  // 3x2 mesh: 2 x 2 east-west pairs and 3 north-south pairs, two directed links each.
  EXPECT_EQ(t.links().size(), 14u);
  EXPECT_EQ(t.n_routers(), 6u);
  std::vector<std::uint32_t> path;
  t.route(0, 5, path);  // (0,0) -> (2,1): east, east, then north
  ASSERT_EQ(path.size(), 3u);
  EXPECT_EQ(t.links()[path[0]].dir, direction::east);
  EXPECT_EQ(t.links()[path[1]].dir, direction::east);
  EXPECT_EQ(t.links()[path[2]].dir, direction::north);
  EXPECT_EQ(t.links()[path[2]].to, 5u);
  EXPECT_DOUBLE_EQ(t.route_energy(0, 5), 2 * 10000e-12 + 100000e-12);
  EXPECT_DOUBLE_EQ(t.route_energy(5, 0), 2 * 10000e-12 + 100000e-12);
  EXPECT_EQ(t.hops(3, 2), 3u);  // (0,1) -> (2,0)
}

TEST(RoutingTopology, TorusWrapsAndMultiChipLinksAreInterChip) {
  const topology torus(tiny_hardware(tiny_hardware_json(4, 1, 1, 1, "multicast", "torus")));
  std::vector<std::uint32_t> path;
  torus.route(0, 3, path);
  ASSERT_EQ(path.size(), 1u);
  EXPECT_EQ(torus.links()[path[0]].dir, direction::west);
  const topology two(tiny_hardware(tiny_hardware_json(2, 1, 1, 1, "multicast", "mesh", 2, 1)));
  path.clear();
  two.route(0, 3, path);  // chip 0 router (0,0) -> chip 1 router (3,0): the middle link crosses chips
  ASSERT_EQ(path.size(), 3u);
  EXPECT_FALSE(two.links()[path[0]].inter_chip);
  EXPECT_TRUE(two.links()[path[1]].inter_chip);
  EXPECT_DOUBLE_EQ(two.links()[path[1]].energy, 10000e-12 + 500000e-12);
  EXPECT_EQ(two.chip_of_core(3), 1u);
}

TEST(RoutingTopology, DimensionOrderRoutesAreShortestPaths) {
  for (const char* layout : {"mesh", "torus"}) {
    const topology t(tiny_hardware(tiny_hardware_json(5, 3, 1, 1, "multicast", layout)));
    for (std::uint32_t a = 0; a < t.n_routers(); ++a) {
      const auto bfs = t.bfs_hops(a);
      for (std::uint32_t b = 0; b < t.n_routers(); ++b) EXPECT_EQ(t.hops(a, b), bfs[b]) << layout << a << "->" << b;
    }
  }
  const topology hex(tiny_hardware(tiny_hardware_json(1, 1, 4, 1, "multicast", "hexagonal_torus", 6, 6)));
  EXPECT_EQ(hex.links().size(), 6u * 36u);
  for (std::uint32_t a = 0; a < hex.n_routers(); ++a) {
    const auto bfs = hex.bfs_hops(a);
    for (std::uint32_t b = 0; b < hex.n_routers(); ++b) EXPECT_EQ(hex.hops(a, b), bfs[b]) << a << "->" << b;
  }
}
