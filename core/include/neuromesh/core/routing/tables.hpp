#pragma once
// SpiNNaker-style multicast routing tables: every source core gets a contiguous key range
// (key = (y, x, core slot, neuron) bit fields, so all neurons of a core share one key/mask entry,
// as PACMAN's zoned allocator arranges, and neighbouring cores and chips share prefixes), every
// router on the core's multicast tree an entry routing that key to
// links and local cores. Entries a router would forward straight on anyway are removed (default
// routing), then Ordered Covering (Mundy et al. 2016) merges entries with equal routes into
// key/mask entries that cover them, checking that no key in use at that router changes its route.
// Lookup is first match in table order; a key with no match continues in its direction of travel.
#include <cstdint>
#include <vector>

#include <neuromesh/core/routing/topology.hpp>

namespace neuromesh::routing {

// The multicast tree of one source core: its links and the cores it delivers to.
struct core_tree {
  std::uint32_t core = 0;
  std::vector<std::uint32_t> links;       // link indices (a tree rooted at the core's router)
  std::vector<std::uint32_t> dest_cores;  // every core the packets must reach (may include own core)
};

// One key/mask entry; route holds directions (0..5) and local core slots (6 + slot on the router).
struct table_entry {
  std::uint32_t key = 0, mask = 0;
  std::vector<std::uint16_t> route;
};

// A key block that reaches a router and relies on default routing: it leaves in `direction`, the
// way it came in (so an entry routing it to exactly that link would do the same; -1: unknown, no
// entry may cover it).
struct default_block {
  std::uint32_t key = 0, mask = 0;
  int direction = -1;
};

struct router_table {
  std::vector<table_entry> entries;  // in lookup order
  std::vector<default_block> default_routed;
  std::uint32_t before = 0, after_default = 0;  // entries before / after default-route removal
};

// Whether an entry's key/mask matches key `k`, and a router's lookup: its first matching entry
// (null: default routing).
inline bool covers(std::uint32_t key, std::uint32_t mask, std::uint32_t k) { return (k & mask) == key; }
inline const table_entry* first_match(const router_table& t, std::uint32_t k) {
  for (const auto& e : t.entries)
    if (covers(e.key, e.mask, k)) return &e;
  return nullptr;
}

// Table sizes for reports (hardware.md §6(b)4): per-router maximum and totals before and after
// compression, entries removed by default routing, and the compression time.
struct table_stats {
  std::uint32_t limit = 0, max_entries = 0, max_before = 0, default_removed = 0;
  std::uint64_t total_before = 0, total_after = 0;
  double compression_seconds = 0;
};

struct routing_tables : table_stats {
  std::uint32_t neuron_bits = 0;
  std::vector<std::uint32_t> core_key;  // per core: its key (neuron 0); its neurons add 0 .. 2^neuron_bits - 1
  std::vector<router_table> routers;    // per router of the topology
  std::uint32_t key_of(std::uint32_t core) const { return core_key[core]; }
};

// Builds the tables of all trees; compress = false keeps the uncompressed (default-removed) tables.
// Throws config_error naming the router when a table exceeds hw.limits.router_entries after compression.
routing_tables build_tables(const std::vector<core_tree>& trees, const topology& topo, const hardware& hw,
                            bool compress = true, bool enforce_limit = true);

// Compresses one table in place by Ordered Covering (exposed for tests).
void ordered_covering(router_table& t);

// Follows the packets of `src_core` through the tables: the cores they reach (sorted). Throws
// internal_error if a packet has no route at its source router or loops.
std::vector<std::uint32_t> deliver_with_tables(const routing_tables& tables, const topology& topo,
                                               std::uint32_t src_core, std::uint32_t cores_per_router);

}  // namespace neuromesh::routing
