// Placement within limits (clear errors when a network cannot fit), determinism for a seed,
// packet and hop counts of multicast, unicast and single-destination routes on hand-checked
// meshes, and the MPI link (owner rank per neuron, inter-rank traffic).
#include <gtest/gtest.h>

#include <set>

#include <neuromesh/api.hpp>
#include <neuromesh/core/errors.hpp>
#include <neuromesh/core/routing/routes.hpp>

#include "test_routing_support.hpp"

using namespace neuromesh;
using namespace neuromesh::routing;
using test_support::explicit_network;
using test_support::local_sheet;
using test_support::tiny_hardware;
using test_support::tiny_hardware_json;

namespace {

placement place_with(const network& net, const hardware& hw, placement_algorithm a, std::uint64_t seed = 1) {
  const connectivity conn = build_connectivity(net);
  placement_options o;
  o.algorithm = a;
  o.seed = seed;
  return place(net, conn, hw, topology(hw), o);
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const config_error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(RoutingPlacement, ConnectivityMatchesTheExplicitList) {
  const network net = explicit_network(2, 3, {0, 0, 1, 1}, {0, 2, 2, 2});
  const connectivity c = build_connectivity(net);
  EXPECT_EQ(c.n, 5u);
  EXPECT_EQ(c.n_synapses(), 4u);
  EXPECT_EQ(std::vector<gid_t>(c.targets(1).begin(), c.targets(1).end()), (std::vector<gid_t>{4, 4}));
  EXPECT_EQ(std::vector<gid_t>(c.sources(4).begin(), c.sources(4).end()), (std::vector<gid_t>{0, 1, 1}));
}

TEST(RoutingPlacement, SequentialKeepsPopulationsApartAndWithinLimits) {
  const network net = explicit_network(3, 5, {0, 1, 2}, {0, 1, 2});
  const hardware hw = tiny_hardware(tiny_hardware_json(2, 2, 2, 2));
  const placement p = place_with(net, hw, placement_algorithm::sequential);
  // src: 3 neurons -> cores 0 (2) and 1 (1); dst starts a new core: 2 (2), 3 (2), 4 (1).
  EXPECT_EQ(p.core_of, (std::vector<std::uint32_t>{0, 0, 1, 2, 2, 3, 3, 4}));
  EXPECT_EQ(p.cores_used, 5u);
  for (const auto& u : p.usage) EXPECT_LE(u.neurons, 2u);
}

TEST(RoutingPlacement, ClearErrorsWhenTheNetworkCannotFit) {
  const network net = explicit_network(3, 5, {0, 1, 2}, {0, 1, 2});
  const hardware small = tiny_hardware(tiny_hardware_json(2, 1, 1, 2));  // 2 cores of 2 neurons
  const std::string msg = error_of([&] { place_with(net, small, placement_algorithm::sequential); });
  EXPECT_NE(msg.find("needs 5 cores"), std::string::npos) << msg;
  EXPECT_NE(msg.find("give more chips"), std::string::npos) << msg;
  auto j = tiny_hardware_json(4, 4, 1, 4);
  j["limits"]["fan_in_synapses"] = 2;  // dst neuron 0 receives 3 synapses
  const network fan_in = explicit_network(3, 2, {0, 1, 2}, {0, 0, 0});
  const std::string alone = error_of([&] { place_with(fan_in, tiny_hardware(j), placement_algorithm::energy_aware); });
  EXPECT_NE(alone.find("neuron 0 of population 'dst' alone exceeds"), std::string::npos) << alone;
  j["limits"]["fan_in_synapses"] = 0;
  j["limits"]["fan_out_edges"] = 1;  // src neuron 0 reaches two cores
  const network fan_out = explicit_network(1, 8, {0, 0}, {0, 7});
  const std::string edges = error_of([&] { place_with(fan_out, tiny_hardware(j), placement_algorithm::sequential); });
  EXPECT_NE(edges.find("fan-out edges, over the limit of 1"), std::string::npos) << edges;
}

TEST(RoutingPlacement, InputAxonLimitSplitsCores) {
  auto j = tiny_hardware_json(4, 4, 1, 8);
  j["limits"]["input_axons"] = 2;
  // dst neurons 0..3 each hear a different source: at most two distinct sources per core.
  const network net = explicit_network(4, 4, {0, 1, 2, 3}, {0, 1, 2, 3});
  const hardware hw = tiny_hardware(j);
  for (auto a : {placement_algorithm::sequential, placement_algorithm::random, placement_algorithm::energy_aware}) {
    const placement p = place_with(net, hw, a);
    for (const auto& u : p.usage) EXPECT_LE(u.input_axons, 2u) << to_string(a);
  }
}

TEST(RoutingPlacement, DeterministicForASeed) {
  const network net = local_sheet(16, 2);
  const hardware hw = tiny_hardware(tiny_hardware_json(4, 4, 1, 16));
  for (auto a : {placement_algorithm::random, placement_algorithm::energy_aware}) {
    const placement p1 = place_with(net, hw, a, 7), p2 = place_with(net, hw, a, 7);
    EXPECT_EQ(p1.core_of, p2.core_of) << to_string(a);
  }
  EXPECT_NE(place_with(net, hw, placement_algorithm::random, 7).core_of,
            place_with(net, hw, placement_algorithm::random, 8).core_of);
}

TEST(RoutingPlacement, EnergyAwareCutsInterCorePacketsOnALocalSheet) {
  auto j = tiny_hardware_json(4, 4, 1, 16);
  j["constants"]["e_hop_ns"] = j["constants"]["e_hop_ew"];  // isotropic: strips gain nothing from E-W
  const hardware hw = tiny_hardware(j);
  const network net = local_sheet(16, 1);  // 256 neurons on 16 cores of 16
  const placement seq = place_with(net, hw, placement_algorithm::sequential);
  const placement rnd = place_with(net, hw, placement_algorithm::random);
  // The partition and mesh placement alone (no comparison with the fallbacks) cut packets ...
  const connectivity conn = build_connectivity(net);
  placement_options o;
  o.algorithm = placement_algorithm::energy_aware;
  o.compare = false;
  const placement own = place(net, conn, hw, topology(hw), o);
  EXPECT_LT(own.cut_packets, seq.cut_packets);
  EXPECT_LT(seq.cut_packets, rnd.cut_packets);
  EXPECT_LT(own.hop_energy, seq.hop_energy);
  EXPECT_LT(own.objective, seq.objective);
  for (const auto& u : own.usage) EXPECT_LE(u.neurons, 16u);
  // ... and the final answer is the cheapest by estimated power: never above either of them.
  const placement ea = place_with(net, hw, placement_algorithm::energy_aware);
  EXPECT_LE(ea.estimated_power, own.estimated_power);
  EXPECT_LE(ea.estimated_power, seq.estimated_power);
  EXPECT_LT(ea.hop_energy, seq.hop_energy);
  for (const auto& u : ea.usage) EXPECT_LE(u.neurons, 16u);
}

// Four populations of 3 neurons, every neuron connected to every other: PACMAN's sequential
// packing gives each population a core of its own (3 inter-core packets per spike); filling cores
// of 8 needs 2 cores (1 packet) but makes the slowest core's update 8 long steps instead of 3.
namespace {
network four_small_populations() {
  std::vector<std::pair<std::string, std::string>> pairs;
  for (int a = 0; a < 4; ++a)
    for (int b = 0; b < 4; ++b) pairs.emplace_back("p" + std::to_string(a), "p" + std::to_string(b));
  return test_support::populations_network("four_small", {{"p0", 3}, {"p1", 3}, {"p2", 3}, {"p3", 3}}, pairs);
}
}  // namespace

TEST(RoutingPlacement, TrafficObjectiveFillsCoresWhereTheEnergyObjectiveKeepsStepsShort) {
  auto j = tiny_hardware_json(2, 2, 1, 8);
  j["time"] = "step_time";
  j["constants"]["t_nu"]["value"] = 1e6;  // 1 ms per neuron update: the fullest core sets the step
  j["constants"]["p_static_chip"]["value"] = 1e3;
  const hardware hw = tiny_hardware(j);
  const network net = four_small_populations();
  const connectivity conn = build_connectivity(net);
  const placement seq = place_with(net, hw, placement_algorithm::sequential);
  ASSERT_EQ(seq.cores_used, 4u);
  placement_options o;
  o.algorithm = placement_algorithm::energy_aware;
  const placement by_energy = place(net, conn, hw, topology(hw), o);
  o.objective = placement_objective::traffic;
  const placement by_traffic = place(net, conn, hw, topology(hw), o);
  // 12 neurons at 1 Hz: sequential sends 3 packets per spike, two full cores 1 (4-neuron core: 1).
  EXPECT_DOUBLE_EQ(seq.cut_packets, 36.0);
  EXPECT_DOUBLE_EQ(by_traffic.cut_packets, 12.0);
  EXPECT_EQ(by_traffic.cores_used, 2u);
  EXPECT_LT(by_traffic.network_power, seq.network_power);
  EXPECT_EQ(by_traffic.minimised, placement_objective::traffic);
  // The energy objective pays for the longer steps: no core above sequential's 3 neurons.
  for (const auto& u : by_energy.usage) EXPECT_LE(u.neurons, 3u);
  EXPECT_LE(by_energy.estimated_power, seq.estimated_power);
  EXPECT_LT(by_energy.estimated_power, by_traffic.estimated_power);
  EXPECT_EQ(placement_objective_from_name("traffic", "objective"), placement_objective::traffic);
  EXPECT_NE(error_of([] { placement_objective_from_name("packets", "objective"); }).find("energy, traffic"),
            std::string::npos);
}

// Fallback candidates that cannot fit are skipped, not fatal: with 100 input axons per core, a
// and b (each fed by its own 100 sources) cannot share a core, so the populations-interleaved
// packing needs far more cores than the chip's 16; sequential's 4 fit.
TEST(RoutingPlacement, EnergyAwareSkipsFallbacksThatDoNotFit) {
  const network net = test_support::populations_network("two_feeds", {{"s1", 100}, {"s2", 100}, {"a", 100}, {"b", 100}},
                                                        {{"s1", "a"}, {"s2", "b"}});
  auto j = tiny_hardware_json(2, 2, 4, 100);
  j["limits"]["input_axons"] = 100;
  const hardware hw = tiny_hardware(j);
  EXPECT_EQ(place_with(net, hw, placement_algorithm::sequential).cores_used, 4u);
  for (placement_objective objective : {placement_objective::energy, placement_objective::traffic}) {
    placement_options o;
    o.algorithm = placement_algorithm::energy_aware;
    o.objective = objective;
    const placement ea = place(net, build_connectivity(net), hw, topology(hw), o);
    EXPECT_LE(ea.cores_used, 16u);
    for (const auto& u : ea.usage) EXPECT_LE(u.input_axons, 100u);
  }
}

TEST(RoutingPlacement, SequentialPartitionPlacedOnTheMeshKeepsItsCores) {
  // The fallback that keeps the sequential packing moves whole cores only: the same neurons share
  // a core, and no more link energy than in sequential slots.
  const hardware hw = tiny_hardware(tiny_hardware_json(4, 4, 1, 16));
  const network net = local_sheet(16, 1);
  const connectivity conn = build_connectivity(net);
  placement_options o;
  o.algorithm = placement_algorithm::energy_aware;
  o.compare = false;
  o.partition = placement_options::partition_source::sequential;
  const placement mesh = place(net, conn, hw, topology(hw), o);
  const placement seq = place_with(net, hw, placement_algorithm::sequential);
  EXPECT_EQ(mesh.cut_packets, seq.cut_packets);
  for (gid_t a = 0; a < conn.n; ++a)
    for (gid_t b = a + 1; b < conn.n && b < a + 20; ++b)
      EXPECT_EQ(mesh.core_of[a] == mesh.core_of[b], seq.core_of[a] == seq.core_of[b]) << a << " " << b;
  EXPECT_LE(mesh.hop_energy, seq.hop_energy);
}

TEST(RoutingRoutes, MulticastUnicastAndSingleDestinationByHand) {
  // One source on core 0 at (0,0); targets on cores 1 (1,0), 2 (0,1), 3 (1,1) of a 2x2 mesh.
  const network net = explicit_network(1, 3, {0, 0, 0, 0}, {0, 1, 2, 2});
  const hardware hw = tiny_hardware(tiny_hardware_json(2, 2, 1, 1));
  const topology topo(hw);
  const connectivity conn = build_connectivity(net);
  const placement p = place(net, conn, hw, topo, {});
  auto routes = [&](routing_mode m, bool split = false) {
    route_options o;
    o.mode = m;
    o.splitters = split;
    return build_routes(net, conn, p, hw, topo, o);
  };
  const route_plan mc = routes(routing_mode::multicast);
  const source_route& m0 = mc.sources[0];
  EXPECT_EQ(m0.packets, 1u);
  EXPECT_EQ(m0.hops_ew, 1u);  // tree: E (0->1), N (0->2), N (1->3)
  EXPECT_EQ(m0.hops_ns, 2u);
  EXPECT_EQ(m0.link_end - m0.link_begin, 3u);
  EXPECT_EQ(m0.routers, 4u);
  EXPECT_EQ(m0.synapses, 4u);
  const route_plan uc = routes(routing_mode::unicast);
  const source_route& u0 = uc.sources[0];
  EXPECT_EQ(u0.packets, 3u);
  EXPECT_EQ(u0.hops_ew, 2u);  // E; N; E then N
  EXPECT_EQ(u0.hops_ns, 2u);
  EXPECT_EQ(u0.routers, 7u);
  EXPECT_EQ(uc.sources[1].packets, 0u);  // targets have no targets
  const std::string msg = [&] {
    try {
      routes(routing_mode::single_destination);
    } catch (const config_error& e) {
      return std::string(e.what());
    }
    return std::string();
  }();
  EXPECT_NE(msg.find("neuron 0 of population 'src' has targets on 3 cores"), std::string::npos) << msg;
  const route_plan sd = routes(routing_mode::single_destination, true);
  EXPECT_EQ(sd.splitter_neurons, 3u);
  EXPECT_EQ(sd.sources[0].packets, 3u);
}

TEST(RoutingRoutes, MulticastNeverSendsMoreThanUnicast) {
  const network net = local_sheet(12, 2);
  const hardware hw = tiny_hardware(tiny_hardware_json(4, 4, 1, 9));
  const topology topo(hw);
  const connectivity conn = build_connectivity(net);
  placement_options po;
  po.algorithm = placement_algorithm::random;
  const placement p = place(net, conn, hw, topo, po);
  route_options mo, uo;
  mo.mode = routing_mode::multicast;
  uo.mode = routing_mode::unicast;
  const route_plan mc = build_routes(net, conn, p, hw, topo, mo), uc = build_routes(net, conn, p, hw, topo, uo);
  std::uint64_t mp = 0, up = 0, ml = 0, ul = 0;
  for (gid_t s = 0; s < conn.n; ++s) {
    EXPECT_LE(mc.sources[s].link_end - mc.sources[s].link_begin, uc.sources[s].link_end - uc.sources[s].link_begin);
    mp += mc.sources[s].packets, up += uc.sources[s].packets;
    ml += mc.sources[s].link_end - mc.sources[s].link_begin, ul += uc.sources[s].link_end - uc.sources[s].link_begin;
  }
  EXPECT_LT(mp, up);
  EXPECT_LT(ml, ul);
}

TEST(RoutingMpi, ChipsGoToRanksFirstThenCores) {
  const network net = explicit_network(4, 4, {0, 1, 2, 3}, {0, 1, 2, 3});
  const hardware hw = tiny_hardware(tiny_hardware_json(1, 1, 2, 2, "multicast", "mesh", 2, 2));  // 4 chips, 2 cores
  const placement p = place_with(net, hw, placement_algorithm::sequential);
  // cores 0,1 (chip 0): src; cores 2,3 (chip 1): dst.
  EXPECT_EQ(p.chips_used, 2u);
  const topology topo(hw);
  EXPECT_EQ(rank_of_gid(p, topo, 2), (std::vector<std::uint32_t>{0, 0, 0, 0, 1, 1, 1, 1}));
  EXPECT_EQ(rank_of_gid(p, topo, 4), (std::vector<std::uint32_t>{0, 0, 1, 1, 2, 2, 3, 3}));
  EXPECT_EQ(rank_of_gid(p, topo, 1), std::vector<std::uint32_t>(8, 0));
  // More ranks than cores: the (core, gid) order is split into equal blocks.
  const hardware big = tiny_hardware(tiny_hardware_json(1, 1, 1, 8));
  const placement one = place_with(net, big, placement_algorithm::random);
  ASSERT_EQ(one.cores_used, 1u);
  const auto r3 = rank_of_gid(one, topology(big), 3);
  EXPECT_EQ(std::count(r3.begin(), r3.end(), 0u), 3);
  EXPECT_EQ(std::count(r3.begin(), r3.end(), 1u), 3);
  EXPECT_EQ(std::count(r3.begin(), r3.end(), 2u), 2);
  EXPECT_THROW(rank_of_gid(p, topo, 0), config_error);
  const connectivity conn = build_connectivity(net);
  const auto t2 = inter_rank_traffic(rank_of_gid(p, topo, 2), conn, {}, 2);
  EXPECT_DOUBLE_EQ(t2.messages_per_s, 4.0);  // every source's one target is on the other rank
  EXPECT_DOUBLE_EQ(t2.bytes_per_s, 32.0);
  EXPECT_DOUBLE_EQ(inter_rank_traffic(rank_of_gid(p, topo, 1), conn, {}, 1).messages_per_s, 0.0);
}
