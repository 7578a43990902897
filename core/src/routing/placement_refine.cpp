// Energy-aware placement internals: move refinement of the partition and swap placement of the
// parts on the mesh (see placement_detail.hpp).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <numeric>

#include <neuromesh/core/random/keyed_stream.hpp>

#include "placement_detail.hpp"

namespace neuromesh::routing::detail {
namespace {

constexpr std::uint32_t npos = 0xffffffffu;

std::string fmt(const char* f, double a, double b = 0, double c = 0) {
  char buf[200];
  std::snprintf(buf, sizeof buf, f, a, b, c);
  return buf;
}

std::vector<gid_t> seeded_order(std::uint32_t n, std::uint64_t seed, std::uint32_t purpose) {
  std::vector<gid_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  keyed_stream rng(seed, static_cast<std::uint32_t>(rng_purpose::user) + purpose, 0);
  for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng.next_u64() % i]);
  return order;
}

// Calls f(source, multiplicity) for each distinct source of v (sources are sorted).
template <class F>
void for_distinct_sources(const connectivity& conn, gid_t v, F&& f) {
  const auto src = conn.sources(v);
  for (std::size_t i = 0; i < src.size();) {
    std::size_t j = i + 1;
    while (j < src.size() && src[j] == src[i]) ++j;
    f(src[i], static_cast<std::uint32_t>(j - i));
    i = j;
  }
}

// Partition state for move refinement: synapse counts per (source, part) and part usage.
struct move_state {
  std::uint32_t P;
  std::vector<std::uint32_t> pin;  // n x P
  std::vector<std::uint32_t> neurons, axons;
  std::vector<std::uint64_t> syn;
  std::uint32_t& at(gid_t s, std::uint32_t p) { return pin[static_cast<std::size_t>(s) * P + p]; }
};

move_state init_state(const std::vector<std::uint32_t>& part_of, std::uint32_t P, const connectivity& conn) {
  move_state st{P, std::vector<std::uint32_t>(static_cast<std::size_t>(conn.n) * P, 0), {}, {}, {}};
  st.neurons.assign(P, 0);
  st.axons.assign(P, 0);
  st.syn.assign(P, 0);
  for (gid_t s = 0; s < conn.n; ++s)
    for (gid_t t : conn.targets(s))
      if (st.at(s, part_of[t])++ == 0) ++st.axons[part_of[t]];
  for (gid_t v = 0; v < conn.n; ++v) ++st.neurons[part_of[v]], st.syn[part_of[v]] += conn.sources(v).size();
  return st;
}

// Gains of moving v from a to each part of `to` (positive: fewer packets) and the input axons each
// would gain, in one pass over v's sources: a source's counts for all parts share one row of the
// table, so this costs one cache miss per source whatever the number of candidates.
void move_gains(move_state& st, const std::vector<std::uint32_t>& part_of, const connectivity& conn,
                const std::vector<double>& w, gid_t v, std::uint32_t a, const std::vector<std::uint32_t>& to,
                std::vector<double>& gain, std::vector<std::uint32_t>& new_axons) {
  gain.assign(to.size(), 0.0);
  new_axons.assign(to.size(), 0);
  for_distinct_sources(conn, v, [&](gid_t s, std::uint32_t m) {
    const std::uint32_t* row = &st.at(s, 0);
    const std::uint32_t cs = part_of[s];
    const double lost = (s != v && row[a] == m && a != cs) ? w[s] : 0.0;
    for (std::size_t i = 0; i < to.size(); ++i) {
      const bool first = row[to[i]] == 0;
      new_axons[i] += first;
      gain[i] += lost - ((s != v && first && to[i] != cs) ? w[s] : 0.0);
    }
  });
  const double here = static_cast<double>(st.at(v, a) > 0);
  for (std::size_t i = 0; i < to.size(); ++i) gain[i] += w[v] * (static_cast<double>(st.at(v, to[i]) > 0) - here);
}

double move_gain(move_state& st, const std::vector<std::uint32_t>& part_of, const connectivity& conn,
                 const std::vector<double>& w, gid_t v, std::uint32_t a, std::uint32_t b) {
  thread_local std::vector<double> g;
  thread_local std::vector<std::uint32_t> axons;
  move_gains(st, part_of, conn, w, v, a, {b}, g, axons);
  return g[0];
}

void apply_move(move_state& st, std::vector<std::uint32_t>& part_of, const connectivity& conn, gid_t v,
                std::uint32_t b) {
  const std::uint32_t a = part_of[v];
  for_distinct_sources(conn, v, [&](gid_t s, std::uint32_t m) {
    if ((st.at(s, a) -= m) == 0) --st.axons[a];
    if (st.at(s, b) == 0) ++st.axons[b];
    st.at(s, b) += m;
  });
  --st.neurons[a], ++st.neurons[b];
  st.syn[a] -= conn.sources(v).size(), st.syn[b] += conn.sources(v).size();
  part_of[v] = b;
}

bool within_limits(const move_state& st, const hardware& hw, std::uint32_t p) {
  const auto& l = hw.limits;
  return st.neurons[p] <= l.neurons && (!l.fan_in_synapses || st.syn[p] <= l.fan_in_synapses) &&
         (!l.input_axons || st.axons[p] <= l.input_axons);
}

// v (in part a) would gain g_v by moving to the full part b: move it, then look among v's
// neighbours in b for one whose move back to a makes the pair's total gain positive within limits.
bool try_swap(move_state& st, std::vector<std::uint32_t>& part_of, const connectivity& conn, const hardware& hw,
              const std::vector<double>& w, gid_t v, std::uint32_t b, double g_v) {
  const std::uint32_t a = part_of[v];
  apply_move(st, part_of, conn, v, b);
  int tried = 0;
  auto consider = [&](gid_t u) {
    if (u == v || part_of[u] != b || tried >= 16) return false;
    ++tried;
    if (g_v + move_gain(st, part_of, conn, w, u, b, a) <= 1e-12) return false;
    apply_move(st, part_of, conn, u, a);
    if (within_limits(st, hw, a) && within_limits(st, hw, b)) return true;
    apply_move(st, part_of, conn, u, b);
    return false;
  };
  for (gid_t u : conn.targets(v))
    if (consider(u)) return true;
  for (gid_t u : conn.sources(v))
    if (consider(u)) return true;
  apply_move(st, part_of, conn, v, a);
  return false;
}

}  // namespace

std::vector<double> placement_weights(const std::vector<double>& rates) {
  const double mean = rates.empty() ? 0 : std::accumulate(rates.begin(), rates.end(), 0.0) / rates.size();
  std::vector<double> w(rates);
  for (double& x : w) x += 0.01 * (mean > 0 ? mean : 1.0);
  return w;
}

double part_cut(const std::vector<std::uint32_t>& part_of, const connectivity& conn, const std::vector<double>& w,
                std::uint32_t n_parts) {
  std::vector<std::uint32_t> stamp(n_parts, npos);
  double cut = 0;
  for (gid_t s = 0; s < conn.n; ++s)
    for (gid_t t : conn.targets(s)) {
      const std::uint32_t q = part_of[t];
      if (q != part_of[s] && stamp[q] != s) stamp[q] = s, cut += w[s];
    }
  return cut;
}

void refine_moves(std::vector<std::uint32_t>& part_of, std::uint32_t P, const connectivity& conn, const hardware& hw,
                  const std::vector<double>& w, const placement_options& opt, std::vector<std::string>& notes) {
  if (static_cast<std::uint64_t>(conn.n) * P > 60'000'000ull) {
    notes.push_back(fmt("move refinement skipped: %.0f neurons x %.0f cores is too large", conn.n, P));
    return;
  }
  // Dense networks: single moves barely change the cut (PD14 at full scale: -0.5 % for 440 s of
  // a 515 s mapping).
  if (dense_network(conn)) {
    notes.push_back("move refinement skipped (mean fan-out > 1000)");
    return;
  }
  const double before = part_cut(part_of, conn, w, P);
  move_state st = init_state(part_of, P, conn);
  const auto& lim = hw.limits;
  const auto order = seeded_order(conn.n, opt.seed, 51);
  std::vector<double> score(P, 0.0);
  std::vector<std::uint32_t> touched, cand, new_axons;
  std::vector<double> gains;
  std::uint64_t moves = 0;
  int pass = 0;
  for (; pass < opt.refinement_passes; ++pass) {
    std::uint64_t moved = 0;
    double gained = 0;
    for (gid_t v : order) {
      const std::uint32_t a = part_of[v];
      auto touch = [&](std::uint32_t p, double x) {
        if (score[p] == 0) touched.push_back(p);
        score[p] += x;
      };
      for_distinct_sources(conn, v, [&](gid_t s, std::uint32_t) { touch(part_of[s], w[s]); });
      for (gid_t t : conn.targets(v)) touch(part_of[t], w[v]);
      cand.clear();
      for (auto p : touched)
        if (p != a) cand.push_back(p);
      std::sort(cand.begin(), cand.end(),
                [&](auto x, auto y) { return score[x] != score[y] ? score[x] > score[y] : x < y; });
      if (cand.size() > 6) cand.resize(6);
      for (auto p : touched) score[p] = 0;
      touched.clear();
      double best = 1e-12, best_full = 1e-12;
      std::uint32_t best_b = npos, full_b = npos;
      const std::uint64_t indeg = conn.sources(v).size();
      move_gains(st, part_of, conn, w, v, a, cand, gains, new_axons);
      for (std::size_t i = 0; i < cand.size(); ++i) {
        const std::uint32_t b = cand[i];
        const double g = gains[i];
        const bool fits = st.neurons[b] + 1 <= lim.neurons &&
                          (!lim.fan_in_synapses || st.syn[b] + indeg <= lim.fan_in_synapses) &&
                          (!lim.input_axons || st.axons[b] + new_axons[i] <= lim.input_axons);
        if (fits && g > best) best = g, best_b = b;
        if (!fits && g > best_full) best_full = g, full_b = b;
      }
      if (best_b != npos)
        apply_move(st, part_of, conn, v, best_b), ++moved, gained += best;
      else if (full_b != npos && try_swap(st, part_of, conn, hw, w, v, full_b, best_full))
        ++moved, gained += best_full;
    }
    moves += moved;
    // Stop when a pass no longer pays: under 0.1 % of the starting cut (random graphs keep finding
    // tiny gains for many passes, each a full sweep over all synapses).
    if (moved == 0 || gained < 1e-3 * before) break;
  }
  notes.push_back(fmt("move refinement: %.0f moves in %.0f passes", static_cast<double>(moves), pass) +
                  fmt(", cut %.6g -> %.6g", before, part_cut(part_of, conn, w, P)));
}

}  // namespace neuromesh::routing::detail
