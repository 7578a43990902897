#pragma once
// What each source neuron's spike becomes on the hardware, precomputed once per placement so the
// accounting during the run is a few additions per spike: packets injected, hops per direction,
// routers and chip links crossed, local deliveries, synaptic events per destination core and the
// links it loads.
//   multicast          : one packet per spike along the union of X–Y paths to its destination cores
//                        (with routing tables: the tree of the source's whole core, as SpiNNaker
//                        routes a core's key range);
//   unicast            : one packet per destination core other than its own (Loihi);
//   single_destination : at most one destination core per neuron (TrueNorth); a neuron with more is
//                        an error unless splitters are allowed: then it fires into splitter neurons
//                        on its own core, one per destination core, each sending one packet.
#include <cstdint>
#include <vector>

#include <neuromesh/core/routing/connectivity.hpp>
#include <neuromesh/core/routing/placement.hpp>
#include <neuromesh/core/routing/tables.hpp>

namespace neuromesh::routing {

struct destination {
  std::uint32_t core = 0;
  std::uint32_t synapses = 0;  // synaptic events per spike on that core (0: reached by the table route only)
  std::uint32_t hops = 0;      // route length from the source's router
};

// Per source neuron: the counts one spike adds.
struct source_route {
  std::uint32_t packets = 0, hops_ew = 0, hops_ns = 0, hops_diag = 0, routers = 0, chip_crossings = 0;
  std::uint32_t local_deliveries = 0;  // destination cores on the source's own router
  std::uint32_t synapses = 0;
  std::uint32_t extra_spikes = 0;  // splitter neurons fired
  std::uint32_t plastic = 0;       // synaptic updates per spike (synapses whose weight learns)
  std::uint64_t link_begin = 0, link_end = 0, dest_begin = 0, dest_end = 0;
};

struct route_options {
  routing_mode mode = routing_mode::multicast;
  bool splitters = false;  // single_destination: allow splitter neurons
  bool compress = true;    // routing tables: Ordered Covering
};

struct route_plan {
  routing_mode mode = routing_mode::multicast;
  std::vector<source_route> sources;  // per gid
  std::vector<std::uint32_t> links;   // link indices (with multiplicity for unicast)
  std::vector<destination> dests;
  std::vector<std::uint32_t> dest_plastic;  // per dests entry: synaptic updates per spike (empty: none)
  bool has_tables = false;
  routing_tables tables;
  std::uint32_t splitter_neurons = 0;
  std::vector<std::uint64_t> tree_size_histogram;  // links per source's route (multicast-tree size)
};

// Routes of every neuron. Throws config_error for single_destination without splitters when a
// neuron reaches more than one core, and when a routing table exceeds its limit.
route_plan build_routes(const network& net, const connectivity& conn, const placement& p, const hardware& hw,
                        const topology& topo, const route_options& opt);

// Counts, per source and per destination core, the synapses of the projections flagged in
// `plastic` (one flag per projection: its weights change at run time, so every spike delivered
// through one is a synaptic update on a chip with a learning engine). Leaves the plan unchanged
// when no projection is flagged.
void count_plastic_updates(const network& net, const std::vector<bool>& plastic, const placement& p, route_plan& plan);

}  // namespace neuromesh::routing
