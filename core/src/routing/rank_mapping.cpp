// Two-level mapping of a hardware placement to MPI ranks (see rank_mapping.hpp).
#include <neuromesh/core/routing/rank_mapping.hpp>

#include <algorithm>
#include <unordered_map>

#include <neuromesh/core/errors.hpp>
#include <neuromesh/core/routing/energy.hpp>

namespace neuromesh::routing {
namespace {

constexpr std::uint32_t none = 0xffffffffu;

double rate_of(const hardware_mapping& m, std::size_t g) { return m.rates.empty() ? 1.0 : m.rates[g]; }

// The units ranks take (chips or cores in use), their neurons, and the spike traffic between
// them: w(u, v) = rate of every neuron of u with a destination core in v (and v's back to u).
struct unit_graph {
  std::vector<std::uint32_t> unit_of_gid;
  std::vector<std::uint64_t> neurons;
  std::vector<std::vector<std::pair<std::uint32_t, double>>> adj;
  std::uint32_t size() const { return static_cast<std::uint32_t>(neurons.size()); }
};

unit_graph build_units(const hardware_mapping& m, bool chips) {
  const auto& core_of = m.place.core_of;
  auto key_of_core = [&](std::uint32_t c) { return chips ? m.topo.chip_of_core(c) : c; };
  std::vector<std::uint32_t> index(chips ? m.topo.chip_of_core(m.topo.n_cores() - 1) + 1 : m.topo.n_cores(), none);
  unit_graph u;
  u.unit_of_gid.resize(core_of.size());
  for (std::uint32_t c = 0; c < m.topo.n_cores(); ++c)  // units in topology order: neighbours stay close
    if (m.place.usage[c].neurons > 0 && index[key_of_core(c)] == none) {
      index[key_of_core(c)] = u.size();
      u.neurons.push_back(0);
    }
  for (std::size_t g = 0; g < core_of.size(); ++g) {
    u.unit_of_gid[g] = index[key_of_core(core_of[g])];
    ++u.neurons[u.unit_of_gid[g]];
  }
  std::unordered_map<std::uint64_t, double> w;
  std::vector<std::uint32_t> stamp(u.size(), none);
  const auto& rt = m.routes;
  for (std::size_t g = 0; g < core_of.size(); ++g) {
    const std::uint32_t a = u.unit_of_gid[g];
    for (auto k = rt.sources[g].dest_begin; k < rt.sources[g].dest_end; ++k) {
      if (rt.dests[k].synapses == 0) continue;
      const std::uint32_t b = index[key_of_core(rt.dests[k].core)];
      if (b == a || b == none || stamp[b] == static_cast<std::uint32_t>(g)) continue;
      stamp[b] = static_cast<std::uint32_t>(g);
      const double r = rate_of(m, g);
      w[(std::uint64_t{std::min(a, b)} << 32) | std::max(a, b)] += r;
    }
  }
  u.adj.resize(u.size());
  for (const auto& [key, weight] : w) {
    const auto a = static_cast<std::uint32_t>(key >> 32), b = static_cast<std::uint32_t>(key);
    u.adj[a].emplace_back(b, weight);
    u.adj[b].emplace_back(a, weight);
  }
  for (auto& list : u.adj) std::sort(list.begin(), list.end());  // fixed order: deterministic sums
  return u;
}

// Greedy growth: the first part starts at unit `seed`, later ones at the first free unit; each
// takes, while under the mean, the free unit most strongly connected to it that keeps it under
// the upper bound.
std::vector<std::uint32_t> grow_parts(const unit_graph& u, std::uint32_t k, double upper_factor, std::uint32_t seed) {
  std::vector<std::uint32_t> part(u.size(), none);
  std::uint64_t left = 0;
  for (auto n : u.neurons) left += n;
  std::vector<double> link(u.size(), 0.0);
  for (std::uint32_t p = 0; p + 1 < k; ++p) {
    const double target = static_cast<double>(left) / (k - p), upper = target * upper_factor;
    std::fill(link.begin(), link.end(), 0.0);
    if (p == 0) link[seed] = 1.0;  // the first pick
    double size = 0;
    while (size < target) {
      std::uint32_t best = none;
      for (std::uint32_t v = 0; v < u.size(); ++v) {
        const bool fits = size == 0 || size + static_cast<double>(u.neurons[v]) <= upper;  // a part takes >= 1 unit
        if (part[v] == none && fits && (best == none || link[v] > link[best])) best = v;
      }
      if (best == none) break;
      part[best] = p;
      size += static_cast<double>(u.neurons[best]);
      left -= u.neurons[best];
      for (const auto& [v, w] : u.adj[best]) link[v] += w;
    }
  }
  for (auto& p : part)
    if (p == none) p = k - 1;
  return part;
}

// Traffic of every unit to every part (row v: k entries), kept up to date as units move.
struct part_links {
  std::uint32_t k;
  std::vector<double> to;
  part_links(const unit_graph& u, const std::vector<std::uint32_t>& part, std::uint32_t k_)
      : k(k_), to(std::size_t{u.size()} * k_, 0.0) {
    for (std::uint32_t v = 0; v < u.size(); ++v)
      for (const auto& [x, w] : u.adj[v]) to[std::size_t{v} * k + part[x]] += w;
  }
  double at(std::uint32_t v, std::uint32_t p) const { return to[std::size_t{v} * k + p]; }
  void move(const unit_graph& u, std::uint32_t v, std::uint32_t from, std::uint32_t into) {
    for (const auto& [x, w] : u.adj[v]) to[std::size_t{x} * k + from] -= w, to[std::size_t{x} * k + into] += w;
  }
};

double weight_between(const unit_graph& u, std::uint32_t a, std::uint32_t b) {
  const auto& list = u.adj[a];
  auto it = std::lower_bound(list.begin(), list.end(), std::make_pair(b, 0.0),
                             [](const auto& x, const auto& y) { return x.first < y.first; });
  return it != list.end() && it->first == b ? it->second : 0.0;
}

// Moves of single units to the part they talk to most, while that lowers the cut and keeps every
// part within [lower, upper] neurons; then swaps of two units between parts, which a tight
// balance with coarse units (whole cores) would otherwise block.
void refine(const unit_graph& u, std::vector<std::uint32_t>& part, std::uint32_t k, double lower, double upper,
            int passes) {
  std::vector<double> size(k, 0.0);
  for (std::uint32_t v = 0; v < u.size(); ++v) size[part[v]] += static_cast<double>(u.neurons[v]);
  part_links links(u, part, k);
  auto relocate = [&](std::uint32_t v, std::uint32_t into) {
    const auto n = static_cast<double>(u.neurons[v]);
    size[part[v]] -= n, size[into] += n;
    links.move(u, v, part[v], into);
    part[v] = into;
  };
  for (int pass = 0; pass < passes; ++pass) {
    bool moved = false;
    for (std::uint32_t v = 0; v < u.size(); ++v) {
      const std::uint32_t p = part[v];
      const auto n = static_cast<double>(u.neurons[v]);
      std::uint32_t best = p;
      for (std::uint32_t q = 0; q < k; ++q)
        if (q != p && links.at(v, q) > links.at(v, best) + 1e-12 && size[q] + n <= upper && size[p] - n >= lower)
          best = q;
      if (best != p) relocate(v, best), moved = true;
    }
    // A swap gains only if one of its units gains by moving (gain_v + gain_w > 2 w(v, w) >= 0),
    // so v is tried only towards parts it talks to more than to its own, and the other unit of
    // a swap where only w gains is found when w's turn comes: interior units cost O(k).
    for (std::uint32_t v = 0; v < u.size(); ++v) {
      const std::uint32_t p = part[v];
      const double own = links.at(v, p);
      bool movable = false;
      for (std::uint32_t q = 0; q < k && !movable; ++q) movable = q != p && links.at(v, q) > own;
      if (!movable) continue;
      const auto nv = static_cast<double>(u.neurons[v]);
      double best_gain = 1e-9 * (own + 1.0);  // relative: rounding of the running sums is no gain
      std::uint32_t partner = none;
      for (std::uint32_t w = 0; w < u.size(); ++w) {
        const std::uint32_t q = part[w];
        if (q == p || links.at(v, q) <= own) continue;
        const auto nw = static_cast<double>(u.neurons[w]);
        if (size[p] - nv + nw > upper || size[p] - nv + nw < lower || size[q] - nw + nv > upper ||
            size[q] - nw + nv < lower)
          continue;
        const double gain =
            links.at(v, q) - links.at(v, p) + links.at(w, p) - links.at(w, q) - 2 * weight_between(u, v, w);
        if (gain > best_gain) best_gain = gain, partner = w;
      }
      if (partner == none) continue;
      const std::uint32_t q = part[partner];
      relocate(v, q), relocate(partner, p);
      moved = true;
    }
    if (!moved) break;
  }
}

double max_share(const std::vector<std::uint32_t>& rank_of, int n_ranks) {
  std::vector<std::uint64_t> count(static_cast<std::size_t>(n_ranks), 0);
  for (auto r : rank_of) ++count[r];
  const double mean = static_cast<double>(rank_of.size()) / n_ranks;
  return mean > 0 ? static_cast<double>(*std::max_element(count.begin(), count.end())) / mean : 1.0;
}

bool every_rank_used(const std::vector<std::uint32_t>& rank_of, int n_ranks) {
  std::vector<bool> used(static_cast<std::size_t>(n_ranks), false);
  for (auto r : rank_of) used[r] = true;
  return std::all_of(used.begin(), used.end(), [](bool u) { return u; });
}

}  // namespace

double rank_messages_per_s(const hardware_mapping& m, const std::vector<std::uint32_t>& rank_of) {
  if (rank_of.size() != m.place.core_of.size())
    throw config_error("ranks", "owner vector does not match the network size");
  // Ranks holding neurons of each core (a core may be split by the plain block split).
  std::vector<std::vector<std::uint32_t>> ranks_of_core(m.topo.n_cores());
  for (std::size_t g = 0; g < rank_of.size(); ++g) {
    auto& r = ranks_of_core[m.place.core_of[g]];
    if (std::find(r.begin(), r.end(), rank_of[g]) == r.end()) r.push_back(rank_of[g]);
  }
  std::uint32_t n_ranks = 0;
  for (auto r : rank_of) n_ranks = std::max(n_ranks, r + 1);
  std::vector<std::size_t> stamp(n_ranks, static_cast<std::size_t>(-1));
  const auto& rt = m.routes;
  double messages = 0;
  for (std::size_t g = 0; g < rank_of.size(); ++g) {
    std::uint32_t remote = 0;
    for (auto k = rt.sources[g].dest_begin; k < rt.sources[g].dest_end; ++k) {
      if (rt.dests[k].synapses == 0) continue;
      for (auto r : ranks_of_core[rt.dests[k].core])
        if (r != rank_of[g] && stamp[r] != g) stamp[r] = g, ++remote;
    }
    messages += rate_of(m, g) * remote;
  }
  return messages;
}

std::vector<std::uint32_t> two_level_rank_map(const hardware_mapping& m, int n_ranks, const rank_map_options& opt) {
  if (n_ranks < 1) throw config_error("ranks", "must be at least 1");
  if (!(opt.imbalance >= 0)) throw config_error("rank imbalance", "must be >= 0");
  std::vector<std::uint32_t> plain = rank_of_gid(m.place, m.topo, n_ranks);
  const auto k = static_cast<std::uint32_t>(n_ranks);
  if (k == 1 || m.place.core_of.empty()) return plain;
  const double mean = static_cast<double>(m.place.core_of.size()) / k;
  // Growth from a few starting units spread over the topology order, each refined; the cheapest
  // balanced grouping is compared with the plain split (coarse units may not balance at all).
  // Units are whole chips when there are enough (chips first), and whole cores in any case: a
  // cut through a chip can follow the network's own structure where chip borders do not. Where
  // units are coarser than the imbalance allows, a rank may exceed the mean by one unit, up to
  // coarse_imbalance (else the plain split, which cuts cores, would always win).
  std::vector<std::uint32_t> best = plain, grouped(m.place.core_of.size());
  double best_messages = rank_messages_per_s(m, plain);
  for (const bool chips : {true, false}) {
    if (chips && m.place.chips_used < k) continue;
    const unit_graph u = build_units(m, chips);
    if (u.size() < k) continue;  // fewer cores than ranks: cores must be split (plain)
    const double largest = *std::max_element(u.neurons.begin(), u.neurons.end());
    const double imbalance = std::max(opt.imbalance, std::min(largest / mean, opt.coarse_imbalance));
    const double upper = mean * (1.0 + imbalance), lower = mean * (1.0 - imbalance);
    const double allowed = std::max(1.0 + imbalance, max_share(plain, n_ranks));
    for (std::uint32_t start = 0; start < std::min<std::uint32_t>(opt.starts, u.size()); ++start) {
      std::vector<std::uint32_t> part =
          grow_parts(u, k, 1.0 + imbalance, static_cast<std::uint32_t>(std::uint64_t{start} * u.size() / opt.starts));
      refine(u, part, k, lower, upper, opt.refinement_passes);
      for (std::size_t g = 0; g < grouped.size(); ++g) grouped[g] = part[u.unit_of_gid[g]];
      if (max_share(grouped, n_ranks) > allowed + 1e-9 || !every_rank_used(grouped, n_ranks)) continue;
      const double messages = rank_messages_per_s(m, grouped);
      if (messages < best_messages) best_messages = messages, best = grouped;
    }
  }
  return best;
}

}  // namespace neuromesh::routing
