// Placement algorithms (see placement.hpp). Neurons are first packed into parts (one part = one
// core) within the per-core limits; parts are then given core slots on the mesh.
#include <neuromesh/core/routing/placement.hpp>

#include <algorithm>
#include <chrono>
#include <numeric>
#include <queue>

#include <neuromesh/core/errors.hpp>
#include <neuromesh/core/random/keyed_stream.hpp>

#include "placement_detail.hpp"

namespace neuromesh::routing {
namespace {

constexpr std::uint32_t npos = 0xffffffffu;

std::string where_of(const hardware& hw) { return "placement on '" + hw.name + "'"; }

// Packs neurons into parts in the order they are offered, opening a new part when a limit would
// be exceeded. Tracks distinct input axons with a per-source stamp.
class packer {
 public:
  packer(const connectivity& conn, const hardware& hw, const network& net)
      : conn_(conn), hw_(hw), net_(net), stamp_(conn.n, npos), part_of_(conn.n, npos) {}

  bool assigned(gid_t v) const { return part_of_[v] != npos; }
  bool empty_part() const { return cur_.neurons == 0; }
  bool full() const { return cur_.neurons >= hw_.limits.neurons; }

  bool fits(gid_t v) const {
    const auto& l = hw_.limits;
    if (cur_.neurons + 1 > l.neurons) return false;
    const auto src = conn_.sources(v);
    if (l.fan_in_synapses && cur_.fan_in_synapses + src.size() > l.fan_in_synapses) return false;
    if (l.input_axons && cur_.input_axons + new_axons(v) > l.input_axons) return false;
    return true;
  }

  // Adds v to the current part, opening a new one if it does not fit; throws if v fits nowhere.
  void add(gid_t v) {
    if (!fits(v)) {
      if (empty_part()) throw_alone(v);
      next_part();
      if (!fits(v)) throw_alone(v);
    }
    cur_.input_axons += new_axons(v);
    for (gid_t s : conn_.sources(v)) stamp_[s] = part_;
    cur_.neurons += 1;
    cur_.fan_in_synapses += conn_.sources(v).size();
    part_of_[v] = part_;
  }

  void next_part() {
    if (empty_part()) return;
    ++part_;
    cur_ = {};
  }

  std::vector<std::uint32_t> finish() {
    if (!empty_part()) ++part_;
    return std::move(part_of_);
  }

 private:
  std::uint32_t new_axons(gid_t v) const {
    std::uint32_t n = 0;
    gid_t last = npos;
    for (gid_t s : conn_.sources(v)) {
      if (s != last && stamp_[s] != part_) ++n;
      last = s;
    }
    return n;
  }

  [[noreturn]] void throw_alone(gid_t v) const {
    const auto pop = conn_.population_of[v];
    const gid_t first = net_.offsets()[pop];
    const auto src = conn_.sources(v);
    std::uint32_t axons = 0;
    for (std::size_t i = 0; i < src.size(); ++i) axons += (i == 0 || src[i] != src[i - 1]);
    throw config_error(where_of(hw_), "neuron " + std::to_string(v - first) + " of population '" +
                                          net_.populations[pop].label + "' alone exceeds a core's limits (" +
                                          std::to_string(src.size()) + " fan-in synapses, limit " +
                                          std::to_string(hw_.limits.fan_in_synapses) + "; " + std::to_string(axons) +
                                          " input axons, limit " + std::to_string(hw_.limits.input_axons) +
                                          "): the network cannot fit on this hardware");
  }

  const connectivity& conn_;
  const hardware& hw_;
  const network& net_;
  std::vector<std::uint32_t> stamp_, part_of_;
  std::uint32_t part_ = 0;
  core_usage cur_;
};

// by_population: PACMAN's rule that a core holds one population; without it neurons are packed in
// gid order across population boundaries (fewer cores, same locality).
std::vector<std::uint32_t> pack_sequential(const network& net, const connectivity& conn, const hardware& hw,
                                           bool by_population = true) {
  packer pk(conn, hw, net);
  std::uint32_t last_pop = npos;
  for (gid_t v = 0; v < conn.n; ++v) {
    if (by_population && conn.population_of[v] != last_pop) pk.next_part();
    last_pop = conn.population_of[v];
    pk.add(v);
  }
  return pk.finish();
}

// Populations interleaved in proportion to their sizes (neuron i of a population of n goes at
// position (i + 0.5) / n): every core holds the same mix, so cores of low in-degree populations do
// not fill up with neurons that each reach every other core (fan-out edges) while cores of high
// in-degree populations close early on fan-in. For randomly connected populations, where no
// grouping saves packets, this packs the fewest cores.
std::vector<std::uint32_t> pack_interleaved(const network& net, const connectivity& conn, const hardware& hw) {
  const auto& off = net.offsets();
  std::vector<std::pair<double, gid_t>> order(conn.n);
  for (gid_t v = 0; v < conn.n; ++v) {
    const auto pop = conn.population_of[v];
    order[v] = {(v - off[pop] + 0.5) / static_cast<double>(off[pop + 1] - off[pop]), v};
  }
  std::sort(order.begin(), order.end());
  packer pk(conn, hw, net);
  for (const auto& [position, v] : order) pk.add(v);
  return pk.finish();
}

std::vector<std::uint32_t> pack_random(const network& net, const connectivity& conn, const hardware& hw,
                                       std::uint64_t seed) {
  std::vector<gid_t> order(conn.n);
  std::iota(order.begin(), order.end(), 0u);
  keyed_stream rng(seed, static_cast<std::uint32_t>(rng_purpose::user) + 50, 0);
  for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng.next_u64() % i]);
  packer pk(conn, hw, net);
  for (gid_t v : order) pk.add(v);
  return pk.finish();
}

// Greedy graph growing: a part grows from the lowest unassigned neuron by repeatedly adding the
// neighbour with the largest rate-weighted connection to it (what it saves in packets).
std::vector<std::uint32_t> pack_growing(const network& net, const connectivity& conn, const hardware& hw,
                                        const std::vector<double>& r) {
  packer pk(conn, hw, net);
  std::vector<double> gain(conn.n, 0.0);
  std::vector<std::uint32_t> placed_nbrs(conn.n, 0);  // assigned neighbours of each neuron
  std::vector<gid_t> touched;
  std::priority_queue<std::pair<double, gid_t>> heap;
  gid_t next_seed = 0;
  bool seed_failed = false;
  auto reset = [&] {
    for (gid_t t : touched) gain[t] = 0;
    touched.clear();
    heap = {};
  };
  auto bump = [&](gid_t u, double w) {
    if (pk.assigned(u)) return;
    if (gain[u] == 0) touched.push_back(u);
    gain[u] += w;
    heap.emplace(gain[u], ~u);  // ~u: ties go to the lower gid
  };
  for (gid_t done = 0; done < conn.n;) {
    if (heap.empty()) {
      // The part keeps growing from a new seed beside the parts already made (so parts stay full
      // and no fragments are stranded); it closes when even the seed does not fit.
      if (seed_failed && !pk.empty_part()) pk.next_part(), reset();
      while (pk.assigned(next_seed)) ++next_seed;
      gid_t seed = next_seed;
      for (gid_t u = next_seed; u < conn.n; ++u)
        if (!pk.assigned(u) && placed_nbrs[u] > placed_nbrs[seed]) seed = u;
      heap.emplace(-1.0, ~seed);
      seed_failed = false;
    }
    const auto [g, nv] = heap.top();
    heap.pop();
    const gid_t v = ~nv;
    if (pk.assigned(v) || (g != gain[v] && g != -1.0)) continue;
    if (!pk.fits(v) && !pk.empty_part()) {  // tried again by a later part
      seed_failed |= g == -1.0;
      continue;
    }
    pk.add(v);
    ++done;
    for (gid_t t : conn.targets(v)) bump(t, r[v]), ++placed_nbrs[t];
    for (gid_t s : conn.sources(v)) bump(s, r[s]), ++placed_nbrs[s];
    if (pk.full()) pk.next_part(), reset();
  }
  return pk.finish();
}

std::uint32_t count_parts(const std::vector<std::uint32_t>& part_of) {
  std::uint32_t n = 0;
  for (auto p : part_of) n = std::max(n, p + 1);
  return n;
}

}  // namespace

placement_algorithm placement_algorithm_from_name(const std::string& name, const std::string& where) {
  if (name == "sequential") return placement_algorithm::sequential;
  if (name == "random") return placement_algorithm::random;
  if (name == "energy-aware" || name == "energy_aware") return placement_algorithm::energy_aware;
  throw config_error(where, "'" + name + "' is not one of sequential, random, energy-aware");
}

placement_objective placement_objective_from_name(const std::string& name, const std::string& where) {
  if (name == "energy") return placement_objective::energy;
  if (name == "traffic") return placement_objective::traffic;
  throw config_error(where, "'" + name + "' is not one of energy, traffic");
}

std::string to_string(placement_objective o) { return o == placement_objective::energy ? "energy" : "traffic"; }

std::string to_string(placement_algorithm a) {
  switch (a) {
    case placement_algorithm::sequential:
      return "sequential";
    case placement_algorithm::random:
      return "random";
    case placement_algorithm::energy_aware:
      return "energy-aware";
  }
  return "?";
}

std::vector<core_usage> usage_of(const std::vector<std::uint32_t>& core_of, const connectivity& conn,
                                 std::uint32_t n_cores) {
  std::vector<core_usage> u(n_cores);
  std::vector<std::uint32_t> core_stamp(n_cores, npos);
  std::vector<gid_t> by_core(conn.n);
  std::iota(by_core.begin(), by_core.end(), 0u);
  std::stable_sort(by_core.begin(), by_core.end(), [&](gid_t a, gid_t b) { return core_of[a] < core_of[b]; });
  std::vector<std::uint32_t> src_stamp(conn.n, npos);
  for (gid_t v : by_core) {
    const std::uint32_t c = core_of[v];
    auto& cu = u.at(c);
    cu.neurons += 1;
    cu.fan_in_synapses += conn.sources(v).size();
    for (gid_t s : conn.sources(v))
      if (src_stamp[s] != c) src_stamp[s] = c, ++cu.input_axons;
    for (gid_t t : conn.targets(v))
      if (core_stamp[core_of[t]] != v) core_stamp[core_of[t]] = v, ++cu.fan_out_edges;
  }
  return u;
}

void check_limits(const std::vector<core_usage>& usage, const hardware& hw, const topology& topo) {
  const auto& l = hw.limits;
  for (std::uint32_t c = 0; c < usage.size(); ++c) {
    const auto& u = usage[c];
    auto fail = [&](const std::string& what, std::uint64_t have, std::uint64_t limit) {
      const auto& r = topo.router(topo.router_of_core(c));
      throw config_error(where_of(hw), "core " + std::to_string(c) + " (chip " + std::to_string(r.chip) +
                                           ", router at x=" + std::to_string(r.x) + " y=" + std::to_string(r.y) +
                                           ") has " + std::to_string(have) + " " + what + ", over the limit of " +
                                           std::to_string(limit));
    };
    if (u.neurons > l.neurons) fail("neurons", u.neurons, l.neurons);
    if (l.fan_in_synapses && u.fan_in_synapses > l.fan_in_synapses)
      fail("fan-in synapses", u.fan_in_synapses, l.fan_in_synapses);
    if (l.input_axons && u.input_axons > l.input_axons) fail("input axons", u.input_axons, l.input_axons);
    if (l.fan_out_edges && u.fan_out_edges > l.fan_out_edges) fail("fan-out edges", u.fan_out_edges, l.fan_out_edges);
  }
}

namespace {

// One placement with the limits of `hw` (its neuron limit may be lowered by place()).
placement place_once(const network& net, const connectivity& conn, const hardware& hw, const topology& topo,
                     const placement_options& opt, const std::vector<double>& rates) {
  placement p;
  p.algorithm = to_string(opt.algorithm);
  p.seed = opt.seed;
  p.minimised = opt.objective;
  std::vector<std::uint32_t> part_of, slot_of;
  switch (opt.algorithm) {
    case placement_algorithm::sequential:
      part_of = pack_sequential(net, conn, hw);
      break;
    case placement_algorithm::random:
      part_of = pack_random(net, conn, hw, opt.seed);
      break;
    case placement_algorithm::energy_aware: {
      const auto w = detail::placement_weights(rates);
      auto seq = pack_sequential(net, conn, hw);
      const std::uint32_t n_parts = count_parts(seq);
      part_of = std::move(seq);
      double best = detail::part_cut(part_of, conn, w, n_parts);
      p.notes.push_back("initial packing: sequential cut " + std::to_string(best));
      if (opt.partition == placement_options::partition_source::sequential) break;
      if (opt.partition == placement_options::partition_source::interleaved) {
        part_of = pack_interleaved(net, conn, hw);
        break;
      }
      auto compact = pack_sequential(net, conn, hw, false);
      const double compact_cut = detail::part_cut(compact, conn, w, count_parts(compact));
      p.notes.push_back("initial packing: gid order across populations cut " + std::to_string(compact_cut) + " on " +
                        std::to_string(count_parts(compact)) + " cores");
      if (compact_cut <= best && count_parts(compact) <= hw.n_cores()) part_of = std::move(compact), best = compact_cut;
      auto mixed = pack_interleaved(net, conn, hw);
      const double mixed_cut = detail::part_cut(mixed, conn, w, count_parts(mixed));
      p.notes.push_back("initial packing: populations interleaved cut " + std::to_string(mixed_cut) + " on " +
                        std::to_string(count_parts(mixed)) + " cores");
      if (mixed_cut < best && count_parts(mixed) <= hw.n_cores()) part_of = std::move(mixed), best = mixed_cut;
      if (!detail::dense_network(conn)) {
        auto grown = pack_growing(net, conn, hw, w);
        const double cut = detail::part_cut(grown, conn, w, count_parts(grown));
        p.notes.push_back("initial packing: graph growing cut " + std::to_string(cut));
        if (cut < best && count_parts(grown) <= hw.n_cores()) part_of = std::move(grown), best = cut;
      } else {
        p.notes.push_back("graph growing skipped (mean fan-out > 1000)");
      }
      detail::refine_moves(part_of, std::max(n_parts, count_parts(part_of)), conn, hw, w, opt, p.notes);
      break;
    }
  }
  const std::uint32_t n_parts = count_parts(part_of);
  if (n_parts > hw.n_cores())
    throw config_error(where_of(hw), "the network needs " + std::to_string(n_parts) + " cores but '" + hw.name +
                                         "' has " + std::to_string(hw.n_cores()) + " (" + std::to_string(hw.chips_x) +
                                         "x" + std::to_string(hw.chips_y) + " chips); give more chips");
  if (opt.algorithm == placement_algorithm::energy_aware)
    slot_of = detail::place_parts(part_of, n_parts, conn, hw, topo, detail::placement_weights(rates), opt, p.notes);
  else {
    slot_of.resize(n_parts);
    std::iota(slot_of.begin(), slot_of.end(), 0u);
  }
  p.core_of.resize(conn.n);
  for (gid_t v = 0; v < conn.n; ++v) p.core_of[v] = slot_of[part_of[v]];
  p.usage = usage_of(p.core_of, conn, hw.n_cores());
  return p;
}

// Cores and chips used, metrics, and the estimated power of a placement: static power over the
// modelled step time (step-time chips: slowest core's updates and expected synaptic events plus
// the barrier, per step of dt), link energy under the actual routing, and (unicast) message
// injection. Synaptic and neuron-update energy do not depend on placement and are left out.
void finalize(placement& p, const network& net, const connectivity& conn, const hardware& hw, const topology& topo,
              const std::vector<double>& rates, const placement_options& opt) {
  std::vector<bool> chip_used(hw.n_chips(), false);
  p.cores_used = 0;
  for (std::uint32_t c = 0; c < p.usage.size(); ++c)
    if (p.usage[c].neurons) ++p.cores_used, chip_used[topo.chip_of_core(c)] = true;
  p.chips_used = static_cast<std::uint32_t>(std::count(chip_used.begin(), chip_used.end(), true));
  evaluate(p, conn, hw, topo, rates, opt.link_penalty);
  p.routed_hop_energy = routed_hop_energy(p.core_of, conn, topo, rates, opt.mode, opt.core_trees);
  double step_ratio = 1.0;  // hardware time per simulated time
  if (!hw.real_time) {
    const double dt = net.dt * 1e-3;
    std::vector<double> syn_rate(hw.n_cores(), 0.0);
    for (gid_t s = 0; s < conn.n; ++s)
      for (gid_t t : conn.targets(s)) syn_rate[p.core_of[t]] += rates[s];
    double slowest = 0;
    for (std::uint32_t c = 0; c < hw.n_cores(); ++c)
      slowest = std::max(slowest, p.usage[c].neurons * hw.value("t_nu") + syn_rate[c] * dt * hw.value("t_synop"));
    const double barrier = p.chips_used > 1 ? hw.value("t_barrier_multichip") : hw.value("t_barrier");
    step_ratio = (slowest + barrier) / dt;
  }
  const double messages = opt.mode == routing_mode::multicast ? 0.0 : p.cut_packets * hw.value("e_msg_out");
  p.network_power = p.routed_hop_energy + messages;
  p.estimated_power = hw.value("p_static_chip") * p.chips_used * step_ratio + p.network_power;
}

bool fan_out_over(const std::vector<core_usage>& usage, const hardware& hw) {
  return hw.limits.fan_out_edges && std::any_of(usage.begin(), usage.end(), [&](const auto& u) {
           return u.fan_out_edges > hw.limits.fan_out_edges;
         });
}

}  // namespace

placement place(const network& net, const connectivity& conn, const hardware& hw, const topology& topo,
                const placement_options& opt) {
  const auto t0 = std::chrono::steady_clock::now();
  if (!opt.rates.empty() && opt.rates.size() != conn.n)
    throw config_error(
        "rates", "has " + std::to_string(opt.rates.size()) + " entries for " + std::to_string(conn.n) + " neurons");
  for (double r : opt.rates)
    if (!(r >= 0)) throw config_error("rates", "must be finite and >= 0 Hz");
  const std::vector<double> rates = opt.rates.empty() ? std::vector<double>(conn.n, 1.0) : opt.rates;
  // Fan-out edges depend on where the targets go, so they cannot be checked while packing: as
  // PACMAN does, fewer neurons per core are tried until every core is within the limit.
  hardware packing = hw;
  placement p = place_once(net, conn, packing, topo, opt, rates);
  for (int attempt = 0; attempt < 40 && fan_out_over(p.usage, hw) && packing.limits.neurons > 1; ++attempt) {
    // A core's fan-out edges grow about in proportion to its neurons: scale the fullest core by
    // the worst core's excess (at least one neuron less, at most halved), so the cap lands near
    // the largest that fits instead of stepping past it.
    std::uint32_t most = 0;
    double ratio = 1.0;
    for (const auto& u : p.usage) {
      most = std::max(most, u.neurons);
      if (u.fan_out_edges > hw.limits.fan_out_edges)
        ratio = std::min(ratio, static_cast<double>(hw.limits.fan_out_edges) / u.fan_out_edges);
    }
    const auto scaled = static_cast<std::uint32_t>(most * std::max(ratio, 0.5));
    packing.limits.neurons = std::max<std::uint32_t>(1, std::min(scaled, most - 1));
    p = place_once(net, conn, packing, topo, opt, rates);
    p.notes.push_back("fan-out edges over the limit: at most " + std::to_string(packing.limits.neurons) +
                      " neurons per core");
  }
  check_limits(p.usage, hw, topo);
  finalize(p, net, conn, hw, topo, rates, opt);
  if (opt.algorithm != placement_algorithm::energy_aware || !opt.compare) {
    p.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return p;
  }
  // The energy-aware answer is the cheapest (by the objective) of: the placement above, the same
  // algorithm with no more neurons per core than sequential packing used (shorter steps on
  // step-time chips), the sequential placement itself, and the sequential and the
  // populations-interleaved partitions with their parts placed on the mesh (where the per-core
  // limits leave no better partition; the refinement's moves can unbalance cores' fan-out).
  placement_options inner = opt;
  inner.compare = false;
  std::vector<std::pair<placement, const char*>> candidates;
  // A fallback that cannot fit (a fixed partition may need more cores than the chips have) is
  // skipped with a note, not an error: the placement above already fits.
  const auto try_candidate = [&](const hardware& h, const placement_options& o, const char* name) {
    try {
      candidates.emplace_back(place(net, conn, h, topo, o), name);
    } catch (const config_error& e) {
      p.notes.push_back(std::string(name) + " skipped: " + e.what());
    }
  };
  const char* const sequential_name = "sequential placement";
  inner.algorithm = placement_algorithm::sequential;
  try_candidate(hw, inner, sequential_name);
  inner.algorithm = placement_algorithm::energy_aware;
  inner.partition = placement_options::partition_source::sequential;
  try_candidate(hw, inner, "sequential partition placed on the mesh");
  inner.partition = placement_options::partition_source::interleaved;
  try_candidate(hw, inner, "populations-interleaved partition placed on the mesh");
  inner.partition = placement_options::partition_source::search;
  std::uint32_t seq_most = 0;
  if (!candidates.empty() && candidates[0].second == sequential_name)
    for (const auto& u : candidates[0].first.usage) seq_most = std::max(seq_most, u.neurons);
  if (seq_most > 0 && seq_most < hw.limits.neurons) {
    hardware capped = hw;
    capped.limits.neurons = seq_most;
    try_candidate(capped, inner, "energy-aware placement with sequential's neurons per core");
  }
  // energy: estimated power; traffic: network power, then inter-core packets.
  const auto cheaper = [&](const placement& a, const placement& b) {
    if (opt.objective == placement_objective::energy) return a.estimated_power < b.estimated_power;
    return a.network_power < b.network_power || (a.network_power == b.network_power && a.cut_packets < b.cut_packets);
  };
  const auto cost = [&](const placement& a) {
    return opt.objective == placement_objective::energy ? a.estimated_power : a.network_power;
  };
  placement* best = &p;
  std::string why;
  for (auto& [c, name] : candidates)
    if (cheaper(c, *best)) best = &c, why = name;
  if (best != &p) {
    best->notes.insert(best->notes.begin(), p.notes.begin(), p.notes.end());
    best->notes.push_back("kept the " + why + " (objective " + to_string(opt.objective) + "): estimated " +
                          std::to_string(cost(*best)) + " W against " + std::to_string(cost(p)) + " W");
    best->algorithm = p.algorithm;
    best->seed = p.seed;
    p = std::move(*best);
  }
  p.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return p;
}

void evaluate(placement& p, const connectivity& conn, const hardware& hw, const topology& topo,
              const std::vector<double>& rates, double link_penalty) {
  std::vector<std::uint32_t> stamp(hw.n_cores(), npos);
  std::vector<double> load(topo.links().size(), 0.0);
  std::vector<std::uint32_t> path;
  p.cut_packets = p.edge_cut = p.hop_energy = 0;
  for (gid_t s = 0; s < conn.n; ++s) {
    const std::uint32_t cs = p.core_of[s];
    const double r = rates[s];
    for (gid_t t : conn.targets(s)) {
      const std::uint32_t ct = p.core_of[t];
      if (ct == cs) continue;
      p.edge_cut += r;
      if (stamp[ct] == s) continue;
      stamp[ct] = s;
      p.cut_packets += r;
      path.clear();
      topo.route(topo.router_of_core(cs), topo.router_of_core(ct), path);
      for (auto l : path) load[l] += r, p.hop_energy += r * topo.links()[l].energy;
    }
  }
  p.max_link_load = load.empty() ? 0.0 : *std::max_element(load.begin(), load.end());
  double mean_e = 0;
  for (const auto& l : topo.links()) mean_e += l.energy;
  mean_e = topo.links().empty() ? 0 : mean_e / static_cast<double>(topo.links().size());
  p.objective = p.hop_energy + link_penalty * static_cast<double>(topo.links().size()) * p.max_link_load * mean_e;
}

double routed_hop_energy(const std::vector<std::uint32_t>& core_of, const connectivity& conn, const topology& topo,
                         const std::vector<double>& rates, routing_mode mode, bool core_trees) {
  const std::uint32_t n_cores = topo.n_cores();
  std::vector<std::uint32_t> stamp(n_cores, npos), link_stamp(topo.links().size(), npos), path;
  std::vector<double> core_rate(n_cores, 0.0);
  std::vector<std::vector<std::uint32_t>> core_dests(core_trees ? n_cores : 0);
  double e = 0;
  auto send = [&](std::uint32_t from, std::uint32_t to, double r, std::uint32_t tree) {
    path.clear();
    topo.route(topo.router_of_core(from), topo.router_of_core(to), path);
    for (auto l : path)
      if (tree == npos || link_stamp[l] != tree) {
        if (tree != npos) link_stamp[l] = tree;
        e += r * topo.links()[l].energy;
      }
  };
  for (gid_t s = 0; s < conn.n; ++s) {
    const std::uint32_t cs = core_of[s];
    if (core_trees) core_rate[cs] += rates[s];
    for (gid_t t : conn.targets(s)) {
      const std::uint32_t ct = core_of[t];
      if (stamp[ct] == s) continue;
      stamp[ct] = s;
      if (core_trees)
        core_dests[cs].push_back(ct);
      else if (ct != cs)
        send(cs, ct, rates[s], mode == routing_mode::multicast ? s : npos);
    }
  }
  for (std::uint32_t c = 0; c < core_dests.size(); ++c) {
    auto& d = core_dests[c];
    std::sort(d.begin(), d.end());
    d.erase(std::unique(d.begin(), d.end()), d.end());
    for (auto x : d) send(c, x, core_rate[c], conn.n + c);
  }
  return e;
}

std::vector<std::uint32_t> rank_of_gid(const placement& p, const topology& topo, int n_ranks) {
  if (n_ranks < 1) throw config_error("ranks", "must be at least 1");
  // Neurons in (chip, core, gid) order; cores are numbered chip by chip, so core order is enough.
  std::vector<gid_t> order(p.core_of.size());
  std::iota(order.begin(), order.end(), 0u);
  std::stable_sort(order.begin(), order.end(), [&](gid_t a, gid_t b) { return p.core_of[a] < p.core_of[b]; });
  const std::uint64_t total = order.size();
  std::vector<std::uint32_t> out(total, 0);
  if (static_cast<std::uint32_t>(n_ranks) <= p.chips_used) {
    // Whole chips to ranks: contiguous blocks of chips, balanced by neuron count (a chip goes to
    // the rank its middle neuron falls in).
    std::vector<std::uint64_t> first(topo.n_routers() ? topo.chip_of_router(topo.n_routers() - 1) + 2 : 1, 0);
    std::vector<std::uint64_t> count(first.size(), 0);
    for (gid_t g : order) ++count[topo.chip_of_core(p.core_of[g])];
    std::uint64_t before = 0;
    std::vector<std::uint32_t> rank_of_chip(count.size(), 0);
    for (std::size_t c = 0; c < count.size(); ++c) {
      const std::uint64_t mid = before + count[c] / 2;
      rank_of_chip[c] =
          total ? static_cast<std::uint32_t>(std::min<std::uint64_t>(n_ranks - 1, mid * n_ranks / total)) : 0;
      before += count[c];
    }
    for (gid_t g : order) out[g] = rank_of_chip[topo.chip_of_core(p.core_of[g])];
    return out;
  }
  // More ranks than chips: equal contiguous blocks of the (core, gid) order, so a rank holds whole
  // cores where it can and cores are split only at block edges.
  for (std::uint64_t k = 0; k < total; ++k) out[order[k]] = static_cast<std::uint32_t>(k * n_ranks / total);
  return out;
}

rank_traffic inter_rank_traffic(const std::vector<std::uint32_t>& rank_of, const connectivity& conn,
                                const std::vector<double>& rates, int n_ranks) {
  if (rank_of.size() != conn.n) throw config_error("ranks", "owner vector does not match the network size");
  rank_traffic t;
  t.sent_per_rank.assign(static_cast<std::size_t>(std::max(n_ranks, 1)), 0.0);
  std::vector<std::uint32_t> stamp(t.sent_per_rank.size(), npos);
  double pairs = 0, local = 0;
  for (gid_t s = 0; s < conn.n; ++s) {
    const double r = rates.empty() ? 1.0 : rates[s];
    for (gid_t v : conn.targets(s)) {
      const std::uint32_t rk = rank_of[v];
      if (stamp[rk] == s) continue;
      stamp[rk] = s;
      pairs += r;
      if (rk == rank_of[s]) {
        local += r;
      } else {
        t.messages_per_s += r;
        t.sent_per_rank[rank_of[s]] += r;
      }
    }
  }
  t.bytes_per_s = 8.0 * t.messages_per_s;
  t.local_fraction = pairs > 0 ? local / pairs : 1.0;
  return t;
}

}  // namespace neuromesh::routing
