// Routing tables: entries from multicast trees and default-route removal; the compression is in
// ordered_covering.cpp.
#include <neuromesh/core/routing/tables.hpp>

#include <algorithm>
#include <bit>
#include <chrono>
#include <map>

#include <neuromesh/core/errors.hpp>

namespace neuromesh::routing {
namespace {

// Keys in Mundy et al.'s (x, y, p) layout: fields for the router's grid position and the core's
// slot, each padded to a power of two, so that the cores of a chip, and chips in aligned 2^k
// blocks of the mesh, share key prefixes and their entries can merge under one mask.
std::vector<std::uint32_t> core_keys(const topology& topo, const hardware& hw, std::uint32_t neuron_bits) {
  auto bits = [](std::uint32_t n) { return static_cast<std::uint32_t>(std::bit_width(std::max(n, 2u) - 1)); };
  std::uint32_t w = 1, h = 1;
  for (std::uint32_t r = 0; r < topo.n_routers(); ++r)
    w = std::max(w, topo.router(r).x + 1), h = std::max(h, topo.router(r).y + 1);
  const std::uint32_t slot_bits = bits(hw.cores_per_router), x_bits = bits(w);
  if (bits(h) + x_bits + slot_bits + neuron_bits > 32)
    throw config_error("routing keys", "32-bit keys cannot hold a " + std::to_string(w) + "x" + std::to_string(h) +
                                           " grid of routers with " + std::to_string(hw.cores_per_router) +
                                           " cores of " + std::to_string(hw.limits.neurons) + " neurons");
  std::vector<std::uint32_t> key(topo.n_cores());
  for (std::uint32_t c = 0; c < topo.n_cores(); ++c) {
    const auto& r = topo.router(topo.router_of_core(c));
    key[c] = ((r.y << x_bits | r.x) << slot_bits | c % hw.cores_per_router) << neuron_bits;
  }
  return key;
}

}  // namespace

routing_tables build_tables(const std::vector<core_tree>& trees, const topology& topo, const hardware& hw,
                            bool compress, bool enforce_limit) {
  routing_tables rt;
  rt.limit = hw.limits.router_entries;
  rt.neuron_bits = static_cast<std::uint32_t>(std::bit_width(std::max<std::uint32_t>(hw.limits.neurons, 2) - 1));
  rt.core_key = core_keys(topo, hw, rt.neuron_bits);
  const std::uint32_t mask = ~((1u << rt.neuron_bits) - 1u);
  rt.routers.resize(topo.n_routers());
  std::vector<std::uint32_t> in_link(topo.n_routers());
  for (const auto& tr : trees) {
    const std::uint32_t r0 = topo.router_of_core(tr.core);
    std::map<std::uint32_t, std::vector<std::uint16_t>> route;  // router -> outputs
    route[r0];
    std::fill(in_link.begin(), in_link.end(), topology::npos);
    for (auto l : tr.links) {
      const auto& li = topo.links()[l];
      route[li.from].push_back(static_cast<std::uint16_t>(li.dir));
      route[li.to];
      in_link[li.to] = l;
    }
    for (auto c : tr.dest_cores)
      route[topo.router_of_core(c)].push_back(static_cast<std::uint16_t>(n_directions + c % hw.cores_per_router));
    const std::uint32_t key = rt.key_of(tr.core);
    for (auto& [r, out] : route) {
      std::sort(out.begin(), out.end());
      auto& table = rt.routers[r];
      ++table.before;
      const bool straight = r != r0 && out.size() == 1 && out[0] < n_directions && in_link[r] != topology::npos &&
                            out[0] == static_cast<std::uint16_t>(topo.links()[in_link[r]].dir);
      if (straight) {
        table.default_routed.push_back({key, mask, out[0]});
        ++rt.default_removed;
      } else {
        table.entries.push_back({key, mask, out});
      }
    }
  }
  const auto t0 = std::chrono::steady_clock::now();
  for (std::uint32_t r = 0; r < rt.routers.size(); ++r) {
    auto& t = rt.routers[r];
    t.after_default = static_cast<std::uint32_t>(t.entries.size());
    std::sort(t.entries.begin(), t.entries.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
    if (compress) ordered_covering(t);
    rt.total_before += t.before;
    rt.total_after += t.entries.size();
    rt.max_before = std::max(rt.max_before, t.before);
    rt.max_entries = std::max(rt.max_entries, static_cast<std::uint32_t>(t.entries.size()));
    if (enforce_limit && rt.limit && t.entries.size() > rt.limit) {
      const auto& ri = topo.router(r);
      throw config_error("routing tables", "router of chip " + std::to_string(ri.chip) + " (x=" + std::to_string(ri.x) +
                                               ", y=" + std::to_string(ri.y) + ") needs " +
                                               std::to_string(t.entries.size()) +
                                               " entries after compression, over "
                                               "the limit of " +
                                               std::to_string(rt.limit));
    }
  }
  rt.compression_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return rt;
}

std::vector<std::uint32_t> deliver_with_tables(const routing_tables& tables, const topology& topo,
                                               std::uint32_t src_core, std::uint32_t cores_per_router) {
  const std::uint32_t key = tables.key_of(src_core);
  std::vector<std::uint32_t> cores;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> todo = {{topo.router_of_core(src_core), topology::npos}};
  std::size_t steps = 0;
  while (!todo.empty()) {
    const auto [r, via] = todo.back();
    todo.pop_back();
    if (++steps > 4ull * topo.links().size() + 16) throw internal_error("routing tables: a packet loops");
    const table_entry* hit = first_match(tables.routers[r], key);
    if (!hit) {
      if (via == topology::npos) throw internal_error("routing tables: no entry at the source router");
      const std::uint32_t next = topo.link(r, topo.links()[via].dir);
      if (next == topology::npos) throw internal_error("routing tables: default route leaves the mesh");
      todo.emplace_back(topo.links()[next].to, next);
      continue;
    }
    for (auto o : hit->route) {
      if (o >= n_directions) {
        cores.push_back(r * cores_per_router + (o - n_directions));
      } else {
        const std::uint32_t l = topo.link(r, static_cast<direction>(o));
        todo.emplace_back(topo.links()[l].to, l);
      }
    }
  }
  std::sort(cores.begin(), cores.end());
  return cores;
}

}  // namespace neuromesh::routing
