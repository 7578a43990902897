// Routing tables: entries from multicast trees, default-route removal and Ordered Covering
// (Mundy, Heathcote & Garside 2016, "On the use of multicast routing tables for SpiNNaker").
#include <neuromesh/core/routing/tables.hpp>

#include <algorithm>
#include <bit>
#include <chrono>
#include <map>

#include <neuromesh/core/errors.hpp>

namespace neuromesh::routing {
namespace {

int generality(std::uint32_t mask) { return std::popcount(~mask); }

bool covers(std::uint32_t key, std::uint32_t mask, std::uint32_t block_key) { return (block_key & mask) == key; }

// A key block in use at a router and the route it must take (route id, or -1: default routing).
struct block {
  std::uint32_t key;
  int route;
};

struct oc_state {
  std::vector<table_entry> entries;
  std::vector<int> route_id;  // per entry
  std::vector<block> blocks;
};

// Key and mask covering all entries in idx.
std::pair<std::uint32_t, std::uint32_t> merged(const oc_state& st, const std::vector<std::size_t>& idx) {
  std::uint32_t mask = 0xffffffffu, diff = 0;
  const std::uint32_t k0 = st.entries[idx[0]].key;
  for (auto i : idx) mask &= st.entries[i].mask, diff |= st.entries[i].key ^ k0;
  mask &= ~diff;
  return {k0 & mask, mask};
}

// Where the merged entry would go (below every entry at most as general) and whether every key
// block it captures there keeps its route.
bool merge_valid(const oc_state& st, const std::vector<std::size_t>& idx, std::uint32_t key, std::uint32_t mask,
                 int route, std::size_t& insert_at) {
  const int gen = generality(mask);
  std::vector<bool> removed(st.entries.size(), false);
  for (auto i : idx) removed[i] = true;
  insert_at = 0;
  for (std::size_t e = 0; e < st.entries.size(); ++e)
    if (!removed[e] && generality(st.entries[e].mask) <= gen) insert_at = e + 1;
  for (const block& b : st.blocks) {
    if (!covers(key, mask, b.key)) continue;
    // Its new first match: a kept entry above the merged one, or the merged one. (A removed entry
    // may have been its first match before, so an entry above need not have routed it until now.)
    int now = route;
    for (std::size_t e = 0; e < insert_at; ++e)
      if (!removed[e] && covers(st.entries[e].key, st.entries[e].mask, b.key)) {
        now = st.route_id[e];
        break;
      }
    if (now != b.route) return false;
  }
  return true;
}

// Tries the whole group, then each half (by key) recursively; applies the first valid merge.
bool try_merge(oc_state& st, const std::vector<std::size_t>& group) {
  if (group.size() < 2) return false;
  const auto [key, mask] = merged(st, group);
  std::size_t at = 0;
  if (merge_valid(st, group, key, mask, st.route_id[group[0]], at)) {
    table_entry m{key, mask, st.entries[group[0]].route};
    const int rid = st.route_id[group[0]];
    std::vector<table_entry> entries;
    std::vector<int> ids;
    for (std::size_t e = 0; e <= st.entries.size(); ++e) {
      if (e == at) entries.push_back(m), ids.push_back(rid);
      if (e < st.entries.size() && std::find(group.begin(), group.end(), e) == group.end())
        entries.push_back(st.entries[e]), ids.push_back(st.route_id[e]);
    }
    st.entries = std::move(entries);
    st.route_id = std::move(ids);
    return true;
  }
  const std::size_t half = group.size() / 2;
  return try_merge(st, {group.begin(), group.begin() + half}) || try_merge(st, {group.begin() + half, group.end()});
}

}  // namespace

void ordered_covering(router_table& t) {
  oc_state st;
  std::map<std::vector<std::uint16_t>, int> ids;
  for (const auto& e : t.entries) {
    const int id = ids.emplace(e.route, static_cast<int>(ids.size())).first->second;
    st.entries.push_back(e);
    st.route_id.push_back(id);
    st.blocks.push_back({e.key, id});
  }
  for (const auto& [k, m] : t.default_routed) st.blocks.push_back({k, -1});
  for (bool progress = true; progress;) {
    progress = false;
    std::map<int, std::vector<std::size_t>> groups;  // by route, entries in key order
    for (std::size_t e = 0; e < st.entries.size(); ++e) groups[st.route_id[e]].push_back(e);
    std::vector<std::vector<std::size_t>> order;
    for (auto& [id, g] : groups) {
      std::sort(g.begin(), g.end(), [&](auto a, auto b) { return st.entries[a].key < st.entries[b].key; });
      order.push_back(std::move(g));
    }
    std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
    for (const auto& g : order) {
      progress = try_merge(st, g);
      // Fallback: neighbouring pairs by key (merged pairs then grow by later merges).
      for (std::size_t i = 0; !progress && i + 1 < g.size(); ++i) progress = try_merge(st, {g[i], g[i + 1]});
      if (progress) break;
    }
  }
  t.entries = std::move(st.entries);
}

routing_tables build_tables(const std::vector<core_tree>& trees, const topology& topo, const hardware& hw,
                            bool compress, bool enforce_limit) {
  routing_tables rt;
  rt.limit = hw.limits.router_entries;
  rt.neuron_bits = static_cast<std::uint32_t>(std::bit_width(std::max<std::uint32_t>(hw.limits.neurons, 2) - 1));
  if (std::bit_width(std::max<std::uint32_t>(hw.n_cores(), 1)) + rt.neuron_bits > 32)
    throw config_error("routing keys", "32-bit keys cannot hold " + std::to_string(hw.n_cores()) + " cores x " +
                                           std::to_string(hw.limits.neurons) + " neurons");
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
        table.default_routed.emplace_back(key, mask);
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
    const table_entry* hit = nullptr;
    for (const auto& e : tables.routers[r].entries)
      if (covers(e.key, e.mask, key)) {
        hit = &e;
        break;
      }
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
