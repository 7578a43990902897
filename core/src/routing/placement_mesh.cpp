// Placement of the parts (one per core) on the mesh: a quadratic assignment solved by pairwise
// swaps of core slots (an empty slot is a part without traffic), then swaps that relieve the
// busiest link (see placement_detail.hpp).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <numeric>

#include <neuromesh/core/random/keyed_stream.hpp>

#include "placement_detail.hpp"

namespace neuromesh::routing::detail {
namespace {

constexpr std::uint32_t npos = 0xffffffffu;

struct traffic_edge {
  std::uint32_t q;
  double out, in;  // packets/s from this part to q, and from q to this part
};

class mesh_placer {
 public:
  // Slots are the cores of the routers in `routers` (whole chips), slot i on router i / cpr.
  mesh_placer(std::uint32_t P, std::uint32_t S, const topology& topo, const hardware& hw,
              std::vector<std::uint32_t> routers)
      : P_(P), S_(S), topo_(topo), cpr_(hw.cores_per_router), slot_of_(P), at_(S, npos), nbr_(P) {
    router_ = std::move(routers);
    R_ = static_cast<std::uint32_t>(router_.size());
    link_w_ = link_weights(topo);
    dist_ = distances(topo, router_, link_w_);
    for (std::uint32_t p = 0; p < P; ++p) slot_of_[p] = p, at_[p] = p;
  }

  // Link weights: energy, or hop count where the preset has no hop energy.
  static std::vector<double> link_weights(const topology& topo) {
    bool any_energy = false;
    for (const auto& l : topo.links()) any_energy |= l.energy > 0;
    std::vector<double> w(topo.links().size());
    for (const auto& l : topo.links()) w[l.index] = any_energy ? l.energy : 1.0;
    return w;
  }

  // Route weight between every pair of the routers.
  static std::vector<double> distances(const topology& topo, const std::vector<std::uint32_t>& routers,
                                       const std::vector<double>& w) {
    const std::size_t R = routers.size();
    std::vector<double> d(R * R, 0.0);
    std::vector<std::uint32_t> path;
    for (std::size_t a = 0; a < R; ++a)
      for (std::size_t b = 0; b < R; ++b) {
        path.clear();
        topo.route(routers[a], routers[b], path);
        for (auto l : path) d[a * R + b] += w[l];
      }
    return d;
  }

  std::uint32_t core_of_slot(std::uint32_t slot) const { return router_[slot / cpr_] * cpr_ + slot % cpr_; }

  void set_traffic(const std::vector<std::uint32_t>& part_of, const connectivity& conn, const std::vector<double>& w) {
    std::vector<double> T(static_cast<std::size_t>(P_) * P_, 0.0);
    std::vector<std::uint32_t> stamp(P_, npos);
    for (gid_t s = 0; s < conn.n; ++s)
      for (gid_t t : conn.targets(s)) {
        const std::uint32_t q = part_of[t], p = part_of[s];
        if (q != p && stamp[q] != s) stamp[q] = s, T[static_cast<std::size_t>(p) * P_ + q] += w[s];
      }
    for (std::uint32_t p = 0; p < P_; ++p)
      for (std::uint32_t q = 0; q < P_; ++q) {
        const double o = T[static_cast<std::size_t>(p) * P_ + q], i = T[static_cast<std::size_t>(q) * P_ + p];
        if (p != q && (o > 0 || i > 0)) nbr_[p].push_back({q, o, i});
      }
  }

  double d(std::uint32_t slot_a, std::uint32_t slot_b) const {
    return dist_[static_cast<std::size_t>(slot_a / cpr_) * R_ + slot_b / cpr_];
  }

  // Change of sum(T x d) if the parts in slots i and j trade places.
  double swap_delta(std::uint32_t i, std::uint32_t j) const {
    if (i / cpr_ == j / cpr_) return 0;
    const std::uint32_t a = at_[i], b = at_[j];
    double delta = 0;
    auto part_terms = [&](std::uint32_t x, std::uint32_t from, std::uint32_t to, std::uint32_t other) {
      for (const auto& e : nbr_[x]) {
        const std::uint32_t sq = e.q == other ? from : slot_of_[e.q];  // the other part moves the other way
        delta += e.out * (d(to, sq) - d(from, e.q == other ? to : sq)) +
                 e.in * (d(sq, to) - d(e.q == other ? to : sq, from));
      }
    };
    if (a != npos) part_terms(a, i, j, b);
    if (b != npos) {  // pairs with a were counted above
      for (const auto& e : nbr_[b]) {
        if (e.q == a) continue;
        const std::uint32_t sq = slot_of_[e.q];
        delta += e.out * (d(i, sq) - d(j, sq)) + e.in * (d(sq, i) - d(sq, j));
      }
    }
    return delta;
  }

  void swap_slots(std::uint32_t i, std::uint32_t j) {
    std::swap(at_[i], at_[j]);
    if (at_[i] != npos) slot_of_[at_[i]] = i;
    if (at_[j] != npos) slot_of_[at_[j]] = j;
  }

  // Swap passes until no swap lowers the cost (or the time budget is spent).
  std::uint64_t swap_passes(std::uint64_t seed, double budget_s) {
    const auto t0 = std::chrono::steady_clock::now();
    keyed_stream rng(seed, static_cast<std::uint32_t>(rng_purpose::user) + 52, 0);
    std::uint64_t swaps = 0;
    for (int pass = 0; pass < 30; ++pass) {
      std::uint64_t n = 0;
      for (std::uint32_t i = 0; i < S_; ++i) {
        if (at_[i] == npos) continue;
        auto try_j = [&](std::uint32_t j) {
          if (j != i && swap_delta(i, j) < -1e-15) swap_slots(i, j), ++n;
        };
        if (S_ <= 512) {
          for (std::uint32_t j = 0; j < S_; ++j) try_j(j);
        } else {
          for (std::uint32_t k = 0; k < 64; ++k) try_j(static_cast<std::uint32_t>(rng.next_u64() % S_));
          for (std::uint32_t j = i > 48 ? i - 48 : 0; j < std::min(S_, i + 48); ++j) try_j(j);
        }
      }
      swaps += n;
      if (n == 0 || std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() > budget_s) break;
    }
    return swaps;
  }

  // Per-link load of the part traffic along its routes (+1) or removed (-1), for part x only.
  void add_part_load(std::vector<double>& load, std::uint32_t x, double sign, std::uint32_t skip) const {
    thread_local std::vector<std::uint32_t> path;
    for (const auto& e : nbr_[x]) {
      if (e.q == skip) continue;
      const std::uint32_t rx = router_[slot_of_[x] / cpr_], rq = router_[slot_of_[e.q] / cpr_];
      path.clear();
      topo_.route(rx, rq, path);
      for (auto l : path) load[l] += sign * e.out;
      path.clear();
      topo_.route(rq, rx, path);
      for (auto l : path) load[l] += sign * e.in;
    }
  }

  double penalty_objective(const std::vector<double>& load, double beta) const {
    double e = 0, mean_w = 0, mx = 0;
    for (std::size_t l = 0; l < load.size(); ++l)
      e += load[l] * link_w_[l], mean_w += link_w_[l], mx = std::max(mx, load[l]);
    mean_w = load.empty() ? 0 : mean_w / static_cast<double>(load.size());
    return e + beta * static_cast<double>(load.size()) * mx * mean_w;
  }

  // Swaps of the parts whose traffic crosses the busiest link, kept when J falls.
  std::uint64_t relieve_busiest_link(double beta, int rounds) {
    std::vector<double> load(topo_.links().size(), 0.0);
    for (std::uint32_t p = 0; p < P_; ++p)
      for (const auto& e : nbr_[p]) {  // each ordered pair once, from its source side
        thread_local std::vector<std::uint32_t> path;
        path.clear();
        topo_.route(router_[slot_of_[p] / cpr_], router_[slot_of_[e.q] / cpr_], path);
        for (auto l : path) load[l] += e.out;
      }
    double J = penalty_objective(load, beta);
    std::uint64_t accepted = 0;
    for (int round = 0; round < rounds; ++round) {
      const auto hot = static_cast<std::uint32_t>(std::max_element(load.begin(), load.end()) - load.begin());
      std::vector<std::pair<double, std::uint32_t>> users;  // parts at the ends of the hot link's routes
      for (std::uint32_t p = 0; p < P_; ++p) {
        double through = 0;
        for (const auto& e : nbr_[p]) {
          thread_local std::vector<std::uint32_t> path;
          path.clear();
          topo_.route(router_[slot_of_[p] / cpr_], router_[slot_of_[e.q] / cpr_], path);
          if (std::find(path.begin(), path.end(), hot) != path.end()) through += e.out;
        }
        if (through > 0) users.emplace_back(-through, p);
      }
      std::sort(users.begin(), users.end());
      if (users.size() > 8) users.resize(8);
      bool improved = false;
      for (const auto& [neg, a] : users)
        for (std::uint32_t j = 0; j < S_; ++j) {
          const std::uint32_t i = slot_of_[a], b = at_[j];
          if (i / cpr_ == j / cpr_) continue;
          move_loads(load, a, b, -1.0);
          swap_slots(i, j);
          move_loads(load, a, b, +1.0);
          const double Jn = penalty_objective(load, beta);
          if (Jn < J * (1 - 1e-12)) {
            J = Jn, ++accepted, improved = true;
            break;
          }
          move_loads(load, a, b, -1.0);
          swap_slots(i, j);
          move_loads(load, a, b, +1.0);
        }
      if (!improved) break;
    }
    return accepted;
  }

  const std::vector<std::uint32_t>& slots() const { return slot_of_; }

 private:
  void move_loads(std::vector<double>& load, std::uint32_t a, std::uint32_t b, double sign) const {
    add_part_load(load, a, sign, npos);
    if (b != npos) add_part_load(load, b, sign, a);
  }

  std::uint32_t P_, S_;
  const topology& topo_;
  std::uint32_t cpr_, R_ = 0;
  std::vector<std::uint32_t> slot_of_, at_, router_;
  std::vector<std::vector<traffic_edge>> nbr_;
  std::vector<double> dist_, link_w_;
};

// Routers of the chips the parts will use: the first chips in row-major or in column-major order,
// whichever has the lower mean route weight between its routers (two Loihi chips stacked N-S
// make an 8x8 mesh, side by side a 16x4 one with longer routes).
std::vector<std::uint32_t> compact_chips(const topology& topo, const hardware& hw, std::uint32_t n_routers) {
  const std::uint32_t rpc = hw.routers_per_chip(), k = (n_routers + rpc - 1) / rpc;
  const auto w = mesh_placer::link_weights(topo);
  std::vector<std::uint32_t> best;
  double best_cost = 0;
  for (bool column_major : {false, true}) {
    std::vector<std::uint32_t> routers;
    for (std::uint32_t i = 0; i < k; ++i) {
      const std::uint32_t chip = column_major ? (i % hw.chips_y) * hw.chips_x + i / hw.chips_y : i;
      for (std::uint32_t r = 0; r < rpc; ++r) routers.push_back(chip * rpc + r);
    }
    const auto d = mesh_placer::distances(topo, routers, w);
    const double cost = std::accumulate(d.begin(), d.end(), 0.0);
    if (best.empty() || cost < best_cost * (1 - 1e-12)) best = std::move(routers), best_cost = cost;
  }
  best.resize(n_routers);
  return best;
}

}  // namespace

std::vector<std::uint32_t> place_parts(const std::vector<std::uint32_t>& part_of, std::uint32_t P,
                                       const connectivity& conn, const hardware& hw, const topology& topo,
                                       const std::vector<double>& w, const placement_options& opt,
                                       std::vector<std::string>& notes) {
  const std::uint32_t cpc = hw.cores_per_chip();
  const std::uint32_t S = std::min(hw.n_cores(), (P + cpc - 1) / cpc * cpc);
  std::vector<std::uint32_t> identity(P);
  std::iota(identity.begin(), identity.end(), 0u);
  if (P > 4096 || S / hw.cores_per_router > 1024) {
    notes.push_back("mesh placement skipped: more than 4096 parts or 1024 routers; parts keep sequential slots");
    return identity;
  }
  const auto routers = compact_chips(topo, hw, S / hw.cores_per_router);
  mesh_placer mp(P, S, topo, hw, routers);
  mp.set_traffic(part_of, conn, w);
  const auto swaps = mp.swap_passes(opt.seed, 30.0);
  // The busiest-link phase trades hop energy for a lower peak: part of the energy objective's J;
  // the traffic objective counts network energy alone, so it stops after the hop-energy swaps.
  const bool relieve = opt.link_penalty > 0 && opt.objective == placement_objective::energy;
  const auto relief = relieve ? mp.relieve_busiest_link(opt.link_penalty, 20) : 0;
  char buf[160];
  std::snprintf(buf, sizeof buf, "mesh placement: %llu hop-energy swaps, %llu busiest-link swaps over %u slots",
                static_cast<unsigned long long>(swaps), static_cast<unsigned long long>(relief), S);
  notes.push_back(buf);
  std::vector<std::uint32_t> core_of_part(P);
  for (std::uint32_t p = 0; p < P; ++p) core_of_part[p] = mp.core_of_slot(mp.slots()[p]);
  return core_of_part;
}

}  // namespace neuromesh::routing::detail
