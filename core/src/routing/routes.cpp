// Per-source routes (see routes.hpp).
#include <neuromesh/core/routing/routes.hpp>

#include <algorithm>

#include <neuromesh/core/connectors.hpp>
#include <neuromesh/core/errors.hpp>

namespace neuromesh::routing {
namespace {

constexpr std::uint32_t npos = 0xffffffffu;

// Distinct destination cores of s with their synapse counts, in core order.
void destinations_of(const connectivity& conn, const placement& p, gid_t s, std::vector<std::uint32_t>& count,
                     std::vector<std::uint32_t>& cores) {
  cores.clear();
  for (gid_t t : conn.targets(s)) {
    const std::uint32_t c = p.core_of[t];
    if (count[c]++ == 0) cores.push_back(c);
  }
  std::sort(cores.begin(), cores.end());
}

void add_link_counts(source_route& r, const link_info& l) {
  if (l.dir == direction::east || l.dir == direction::west)
    ++r.hops_ew;
  else if (l.dir == direction::north || l.dir == direction::south)
    ++r.hops_ns;
  else
    ++r.hops_diag;
  r.chip_crossings += l.inter_chip;
}

// The union of X–Y paths from router r0 to the routers of `cores`, appended to plan.links.
void add_tree(route_plan& plan, const topology& topo, std::uint32_t r0, const std::vector<std::uint32_t>& cores,
              std::vector<std::uint32_t>& link_stamp, std::uint32_t stamp, source_route& r) {
  std::vector<std::uint32_t> path;
  for (auto c : cores) {
    path.clear();
    topo.route(r0, topo.router_of_core(c), path);
    for (auto l : path)
      if (link_stamp[l] != stamp) {
        link_stamp[l] = stamp;
        plan.links.push_back(l);
        add_link_counts(r, topo.links()[l]);
      }
  }
}

}  // namespace

route_plan build_routes(const network& net, const connectivity& conn, const placement& p, const hardware& hw,
                        const topology& topo, const route_options& opt) {
  route_plan plan;
  plan.mode = opt.mode;
  plan.sources.resize(conn.n);
  plan.has_tables = hw.limits.router_entries > 0 && opt.mode == routing_mode::multicast;
  std::vector<std::uint32_t> count(hw.n_cores(), 0), cores, link_stamp(topo.links().size(), npos), path;
  // With tables a neuron's packets follow its core's tree: the union of its neurons' destinations.
  std::vector<std::vector<std::uint32_t>> core_dests;
  std::vector<std::uint64_t> tree_begin, tree_end;
  if (plan.has_tables) {
    core_dests.resize(hw.n_cores());
    for (gid_t s = 0; s < conn.n; ++s) {
      destinations_of(conn, p, s, count, cores);
      for (auto c : cores) count[c] = 0;
      auto& d = core_dests[p.core_of[s]];
      d.insert(d.end(), cores.begin(), cores.end());
    }
    std::vector<core_tree> trees;
    tree_begin.assign(hw.n_cores(), 0);
    tree_end.assign(hw.n_cores(), 0);
    for (std::uint32_t c = 0; c < hw.n_cores(); ++c) {
      auto& d = core_dests[c];
      std::sort(d.begin(), d.end());
      d.erase(std::unique(d.begin(), d.end()), d.end());
      if (d.empty()) continue;
      source_route scratch;
      tree_begin[c] = plan.links.size();
      add_tree(plan, topo, topo.router_of_core(c), d, link_stamp, c, scratch);
      tree_end[c] = plan.links.size();
      trees.push_back({c, {plan.links.begin() + tree_begin[c], plan.links.end()}, d});
    }
    plan.tables = build_tables(trees, topo, hw, opt.compress);
  }
  for (gid_t s = 0; s < conn.n; ++s) {
    source_route& r = plan.sources[s];
    const std::uint32_t c0 = p.core_of[s], r0 = topo.router_of_core(c0);
    destinations_of(conn, p, s, count, cores);
    r.synapses = static_cast<std::uint32_t>(conn.targets(s).size());
    if (plan.has_tables) {  // reach every core of the core's tree; synapses only where they are
      const auto& all = core_dests[c0];
      std::vector<std::uint32_t> syn(all.size());
      for (std::size_t i = 0; i < all.size(); ++i) syn[i] = count[all[i]];
      for (auto c : cores) count[c] = 0;
      cores = all;
      r.dest_begin = plan.dests.size();
      for (std::size_t i = 0; i < all.size(); ++i)
        plan.dests.push_back({all[i], syn[i], topo.hops(r0, topo.router_of_core(all[i]))});
    } else {
      r.dest_begin = plan.dests.size();
      for (auto c : cores) plan.dests.push_back({c, count[c], topo.hops(r0, topo.router_of_core(c))}), count[c] = 0;
    }
    r.dest_end = plan.dests.size();
    for (auto c : cores) r.local_deliveries += topo.router_of_core(c) == r0;
    const bool remote = std::any_of(cores.begin(), cores.end(), [&](auto c) { return c != c0; });
    if (opt.mode == routing_mode::single_destination && cores.size() > 1) {
      if (!opt.splitters) {
        const auto pop = conn.population_of[s];
        throw config_error("routing on '" + hw.name + "'",
                           "neuron " + std::to_string(s - net.offsets()[pop]) + " of population '" +
                               net.populations[pop].label + "' has targets on " + std::to_string(cores.size()) +
                               " cores, but each neuron may reach only one destination core; allow splitter "
                               "neurons or place its targets on one core");
      }
      r.extra_spikes = static_cast<std::uint32_t>(cores.size());
      plan.splitter_neurons += r.extra_spikes;
    }
    r.link_begin = plan.links.size();
    if (plan.has_tables) {
      r.link_begin = tree_begin[c0], r.link_end = tree_end[c0];
      for (auto i = r.link_begin; i < r.link_end; ++i) add_link_counts(r, topo.links()[plan.links[i]]);
      r.packets = remote ? 1 : 0;
    } else if (opt.mode == routing_mode::multicast) {
      add_tree(plan, topo, r0, cores, link_stamp, s, r);
      r.link_end = plan.links.size();
      r.packets = remote ? 1 : 0;
    } else {  // one packet per destination core other than the source's own
      for (auto c : cores) {
        if (c == c0) continue;
        ++r.packets;
        path.clear();
        topo.route(r0, topo.router_of_core(c), path);
        for (auto l : path) plan.links.push_back(l), add_link_counts(r, topo.links()[l]);
      }
      r.link_end = plan.links.size();
    }
    // Routers a packet passes: each link enters one more router, plus the source router.
    r.routers = r.packets ? static_cast<std::uint32_t>(r.link_end - r.link_begin) + r.packets : 0;
    const std::uint64_t size = r.link_end - r.link_begin;
    if (plan.tree_size_histogram.size() <= size) plan.tree_size_histogram.resize(size + 1, 0);
    ++plan.tree_size_histogram[size];
  }
  return plan;
}

void count_plastic_updates(const network& net, const std::vector<bool>& plastic, const placement& p, route_plan& plan) {
  if (std::none_of(plastic.begin(), plastic.end(), [](bool b) { return b; })) return;
  if (plastic.size() != net.projections.size())
    throw internal_error("count_plastic_updates: one flag per projection expected");
  plan.dest_plastic.assign(plan.dests.size(), 0);
  const std::vector<gid_t> offsets = net.offsets();
  for (std::size_t k = 0; k < net.projections.size(); ++k) {
    if (!plastic[k]) continue;
    const auto& pr = net.projections[k];
    const gid_t pre = offsets[net.population_index(pr.pre, "projections[" + std::to_string(k) + "].pre")];
    const std::size_t post = net.population_index(pr.post, "projections[" + std::to_string(k) + "].post");
    for_each_generated_synapse(net, k, 0, net.populations[post].size, false, [&](const generated_synapse& syn) {
      const gid_t s = pre + syn.source;
      const std::uint32_t core = p.core_of[offsets[post] + syn.target];
      source_route& r = plan.sources[s];
      // A source's destinations are sorted by core (build_routes), and every core holding one of
      // its synapses is among them.
      const auto first = plan.dests.begin() + static_cast<std::ptrdiff_t>(r.dest_begin);
      const auto last = plan.dests.begin() + static_cast<std::ptrdiff_t>(r.dest_end);
      const auto d =
          std::lower_bound(first, last, core, [](const destination& x, std::uint32_t c) { return x.core < c; });
      if (d == last || d->core != core) throw internal_error("count_plastic_updates: a synapse's core is not routed");
      ++plan.dest_plastic[static_cast<std::size_t>(d - plan.dests.begin())];
      ++r.plastic;
    });
  }
}

}  // namespace neuromesh::routing
