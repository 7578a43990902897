// Ordered Covering (Mundy, Heathcote & Garside 2016, "On the use of multicast routing tables for
// SpiNNaker", HPSR): entries with equal routes are merged into one key/mask entry placed below
// every less general entry. A merge is kept only if every key block in use at the router
// (including the default-routed ones, which may be covered only by an entry sending them straight
// on, the way they go anyway) still takes its own route at its first match; a merge that
// would misroute a block is refined, as the paper's down-check does, by fixing one of its
// don't-care bits to the value the misrouted key lacks, keeping the entries that agree (the bit
// that keeps the most). Groups are merged in passes until a pass merges nothing.
#include <algorithm>
#include <bit>
#include <map>
#include <optional>

#include <neuromesh/core/routing/tables.hpp>

namespace neuromesh::routing {
namespace {

int generality(std::uint32_t mask) { return std::popcount(~mask); }

// Whether two key/mask entries match a key in common.
bool overlap(const table_entry& a, std::uint32_t key, std::uint32_t mask) {
  return ((a.key ^ key) & a.mask & mask) == 0;
}

struct block {
  std::uint32_t key;
  int route;  // route id (a default-routed block: the id of the route to its one link), -1: none may cover it
};

struct merge {
  std::vector<std::size_t> members;  // entry indices, ascending
  std::uint32_t key = 0, mask = 0;
  std::size_t at = 0;  // insertion position in the current table (before removing members)
};

class covering {
 public:
  explicit covering(router_table& t) {
    std::map<std::vector<std::uint16_t>, int> ids;
    for (auto& e : t.entries) {
      const int id = ids.emplace(e.route, static_cast<int>(ids.size())).first->second;
      blocks_.push_back({e.key, id});
      route_id_.push_back(id);
      entries_.push_back(std::move(e));
    }
    // A default-routed block may be covered by an entry that sends it on the way it goes anyway.
    for (const auto& d : t.default_routed) {
      const std::vector<std::uint16_t> straight{static_cast<std::uint16_t>(d.direction)};
      blocks_.push_back(
          {d.key, d.direction < 0 ? -1 : ids.emplace(straight, static_cast<int>(ids.size())).first->second});
    }
  }

  // Merges until a whole pass over the route groups finds nothing to merge.
  // The entries a refinement left out of a merge are tried again among themselves (they may merge
  // under other bits), until every subset is merged or fails.
  std::vector<table_entry> run() {
    for (bool progress = true; progress;) {
      progress = false;
      for (int rid : routes_by_group_size()) {
        std::vector<std::vector<std::pair<std::uint32_t, std::uint32_t>>> todo{key_masks(group(rid))};
        while (!todo.empty()) {
          const auto subset = std::move(todo.back());
          todo.pop_back();
          const auto m = refined(find(rid, subset));
          if (!m) continue;
          std::vector<std::pair<std::uint32_t, std::uint32_t>> left;
          for (const auto& km : subset)
            if (!std::any_of(m->members.begin(), m->members.end(),
                             [&](auto i) { return entries_[i].key == km.first && entries_[i].mask == km.second; }))
              left.push_back(km);
          apply(*m), progress = true;
          todo.push_back(key_masks(group(rid)));  // the merged entry may grow further
          if (left.size() >= 2) todo.push_back(std::move(left));
        }
      }
      progress |= merge_pairs();
    }
    return std::move(entries_);
  }

 private:
  // The pair-style pass (hardware.md §6(c)4): two entries of one route that lie close in key order
  // (up to 8 apart) merge when nothing is misrouted; it finds what the group refinement, which
  // keeps the largest subset, passed over.
  bool merge_pairs() {
    bool any = false;
    for (int rid : routes_by_group_size()) {
      for (bool found = true; found;) {
        found = false;
        const auto g = group(rid);
        std::vector<std::size_t> by_key(g);
        std::sort(by_key.begin(), by_key.end(), [&](auto a, auto b) { return entries_[a].key < entries_[b].key; });
        for (std::size_t i = 0; i < by_key.size() && !found; ++i)
          for (std::size_t j = i + 1; j < by_key.size() && j <= i + 8 && !found; ++j) {
            merge m{{std::min(by_key[i], by_key[j]), std::max(by_key[i], by_key[j])}};
            fill(m);
            if (!misrouted(m, rid)) apply(m), found = any = true;
          }
      }
    }
    return any;
  }

  std::vector<int> routes_by_group_size() const {
    std::map<int, std::size_t> size;
    for (int r : route_id_) ++size[r];
    std::vector<std::pair<std::size_t, int>> v;
    for (auto [r, n] : size)
      if (n > 1) v.emplace_back(n, r);
    std::stable_sort(v.begin(), v.end(), [](auto a, auto b) { return a.first > b.first; });
    std::vector<int> out;
    for (auto [n, r] : v) out.push_back(r);
    return out;
  }

  std::vector<std::pair<std::uint32_t, std::uint32_t>> key_masks(const std::vector<std::size_t>& idx) const {
    std::vector<std::pair<std::uint32_t, std::uint32_t>> out;
    for (auto i : idx) out.emplace_back(entries_[i].key, entries_[i].mask);
    return out;
  }

  // Current indices of the entries of route rid with these keys and masks.
  std::vector<std::size_t> find(int rid, std::vector<std::pair<std::uint32_t, std::uint32_t>> km) const {
    std::sort(km.begin(), km.end());
    std::vector<std::size_t> g;
    for (std::size_t e = 0; e < entries_.size(); ++e)
      if (route_id_[e] == rid &&
          std::binary_search(km.begin(), km.end(), std::make_pair(entries_[e].key, entries_[e].mask)))
        g.push_back(e);
    return g;
  }

  std::vector<std::size_t> group(int rid) const {
    std::vector<std::size_t> g;
    for (std::size_t e = 0; e < entries_.size(); ++e)
      if (route_id_[e] == rid) g.push_back(e);
    return g;
  }

  void fill(merge& m) const {
    std::uint32_t mask = 0xffffffffu, diff = 0;
    const std::uint32_t k0 = entries_[m.members[0]].key;
    for (auto i : m.members) mask &= entries_[i].mask, diff |= entries_[i].key ^ k0;
    m.mask = mask & ~diff;
    m.key = k0 & m.mask;
    // The merge goes below every kept entry at most as general (so more specific ones win).
    const int gen = generality(m.mask);
    m.at = 0;
    for (std::size_t e = 0, k = 0; e < entries_.size(); ++e) {
      if (k < m.members.size() && m.members[k] == e) {
        ++k;
        continue;
      }
      if (generality(entries_[e].mask) <= gen) m.at = e + 1;
    }
  }

  // A key block that the merge would misroute, or nullptr. A block's first match after the merge
  // is the first kept entry above the merge that covers it, else the merge itself.
  const block* misrouted(const merge& m, int rid) const {
    std::vector<std::size_t> above;  // kept entries above the merge sharing keys with it
    for (std::size_t e = 0, k = 0; e < m.at; ++e) {
      if (k < m.members.size() && m.members[k] == e) {
        ++k;
        continue;
      }
      if (overlap(entries_[e], m.key, m.mask)) above.push_back(e);
    }
    for (const block& b : blocks_) {
      if (!covers(m.key, m.mask, b.key)) continue;
      int now = rid;
      for (auto e : above)
        if (covers(entries_[e].key, entries_[e].mask, b.key)) {
          now = route_id_[e];
          break;
        }
      if (now != b.route) return &b;
    }
    return nullptr;
  }

  // The largest subset of the group reached by fixing don't-care bits until nothing is misrouted.
  std::optional<merge> refined(std::vector<std::size_t> members) const {
    const int rid = members.empty() ? -1 : route_id_[members[0]];
    while (members.size() >= 2) {
      merge m{std::move(members)};
      fill(m);
      const block* bad = misrouted(m, rid);
      if (!bad) return m;
      std::vector<std::size_t> best;
      for (int bit = 0; bit < 32; ++bit) {
        const std::uint32_t b = 1u << bit;
        if (m.mask & b) continue;
        const std::uint32_t want = ~bad->key & b;  // the value that excludes the misrouted key
        std::vector<std::size_t> keep;
        for (auto i : m.members)
          if ((entries_[i].mask & b) && (entries_[i].key & b) == want) keep.push_back(i);
        if (keep.size() > best.size()) best = std::move(keep);
      }
      members = std::move(best);
    }
    return std::nullopt;
  }

  void apply(const merge& m) {
    table_entry merged{m.key, m.mask, entries_[m.members[0]].route};
    const int rid = route_id_[m.members[0]];
    std::vector<table_entry> e;
    std::vector<int> r;
    for (std::size_t i = 0, k = 0; i <= entries_.size(); ++i) {
      if (i == m.at) e.push_back(merged), r.push_back(rid);
      if (i == entries_.size()) break;
      if (k < m.members.size() && m.members[k] == i) {
        ++k;
        continue;
      }
      e.push_back(std::move(entries_[i])), r.push_back(route_id_[i]);
    }
    entries_ = std::move(e), route_id_ = std::move(r);
  }

  std::vector<table_entry> entries_;
  std::vector<int> route_id_;
  std::vector<block> blocks_;
};

}  // namespace

void ordered_covering(router_table& t) { t.entries = covering(t).run(); }

}  // namespace neuromesh::routing
