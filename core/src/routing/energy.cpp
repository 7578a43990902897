// Mapping a network onto hardware and accounting its run (see energy.hpp).
#include <neuromesh/core/routing/energy.hpp>

#include <algorithm>
#include <cmath>

#include <neuromesh/core/errors.hpp>
#include <neuromesh/core/simulation.hpp>

namespace neuromesh::routing {

std::shared_ptr<const hardware_mapping> map_network(const network& net, const hardware& hw,
                                                    const mapping_options& opt) {
  auto m =
      std::make_shared<hardware_mapping>(hardware_mapping{hw, topology(hw), {}, {}, opt.placement.rates, 0, 0, net.dt});
  const connectivity conn = build_connectivity(net);
  m->n_neurons = conn.n;
  m->n_synapses = conn.n_synapses();
  route_options ro;
  ro.mode = opt.mode_from_hardware ? hw.routing : opt.mode;
  placement_options po = opt.placement;
  po.mode = ro.mode;
  po.core_trees = hw.limits.router_entries > 0 && ro.mode == routing_mode::multicast;
  m->place = place(net, conn, hw, m->topo, po);
  ro.splitters = opt.splitters;
  ro.compress = opt.compress_tables;
  m->routes = build_routes(net, conn, m->place, hw, m->topo, ro);
  count_plastic_updates(net, opt.plastic_projections, m->place, m->routes);
  return m;
}

const std::vector<std::string>& energy_components() {
  static const std::vector<std::string> names = {
      "static",           "neuron_update_active", "neuron_update_idle",  "synaptic", "plasticity",
      "spike_generation", "message_injection",    "intra_core_delivery", "router",   "link_east_west",
      "link_north_south", "link_diagonal",        "inter_chip_link",     "barrier"};
  return names;
}

energy_accountant::energy_accountant(std::shared_ptr<const hardware_mapping> mapping, double bin_ms, bool detail)
    : m_(std::move(mapping)), detail_(detail) {
  if (!m_) throw config_error("hardware", "no mapping given to the energy accountant");
  if (!(bin_ms > 0)) throw config_error("energy bin", "must be > 0 ms");
  const auto& hw = m_->hw;
  const auto& rt = m_->routes;
  r_.bin_ms = bin_ms;
  const std::uint32_t nc = hw.n_cores();
  r_.core_packets_in.assign(nc, 0);
  r_.core_packets_out.assign(nc, 0);
  r_.core_synaptic_events.assign(nc, 0);
  r_.link_packets.assign(m_->topo.links().size(), 0);
  core_dynamic_.assign(nc, 0.0);
  spike_count_.assign(rt.sources.size(), 0);
  max_hops_.assign(rt.sources.size(), 0);
  for (std::size_t g = 0; g < rt.sources.size(); ++g)
    for (auto k = rt.sources[g].dest_begin; k < rt.sources[g].dest_end; ++k)
      max_hops_[g] = std::max(max_hops_[g], rt.dests[k].hops);
  step_core_syn_.assign(nc, 0);
  step_link_load_.assign(m_->topo.links().size(), 0);
  core_neurons_.assign(nc, 0);
  for (std::uint32_t c = 0; c < nc; ++c) core_neurons_[c] = m_->place.usage[c].neurons;
  // Dynamic energy of one spike of each neuron (everything but synapses, which go to their cores).
  spike_energy_.resize(rt.sources.size());
  const double e_gen = hw.value("e_spike_gen"), e_msg = hw.value("e_msg_out"), e_loc = hw.value("e_intra_core"),
               e_rt = hw.value("e_router"), e_ew = hw.value("e_hop_ew"), e_ns = hw.value("e_hop_ns"),
               e_dg = hw.value("e_hop_diag"), e_chip = hw.value("e_chip_link");
  for (std::size_t g = 0; g < rt.sources.size(); ++g) {
    const auto& s = rt.sources[g];
    spike_energy_[g] = (1.0 + s.extra_spikes) * e_gen + s.packets * e_msg + s.local_deliveries * e_loc +
                       s.routers * e_rt + s.hops_ew * e_ew + s.hops_ns * e_ns + s.hops_diag * e_dg +
                       s.chip_crossings * e_chip;
  }
  double max_compute = 0;
  for (std::uint32_t c = 0; c < nc; ++c) max_compute = std::max(max_compute, core_neurons_[c] * hw.value("t_nu"));
  t_hop_max_ = std::max(hw.value("t_hop_ew"), hw.value("t_hop_ns"));
  barrier_ = m_->place.chips_used > 1 ? hw.value("t_barrier_multichip") : hw.value("t_barrier");
  idle_step_seconds_ = max_compute + barrier_;
  e_synop_ = hw.value("e_synop");
  e_syn_update_ = hw.value("e_syn_update");
}

void energy_accountant::on_chunk(const simulation&, step_t t0, step_t t1, std::span<const spike> spikes) {
  add_spikes(t0, t1, spikes);
}

void energy_accountant::idle_steps(step_t n) {
  if (n <= 0) return;
  sum_step_seconds_ += static_cast<double>(n) * idle_step_seconds_;
  steps_seen_ += static_cast<std::uint64_t>(n);
}

// The modelled time of the step whose spikes were just counted: the slowest core's compute
// (all its neurons updated, plus the synaptic events it received), then the network critical
// path (longest route, and the busiest link's packets one after another), then the barrier.
void energy_accountant::close_step() {
  const auto& hw = m_->hw;
  double compute = idle_step_seconds_ - barrier_;
  for (auto c : touched_cores_) {
    compute = std::max(compute, core_neurons_[c] * hw.value("t_nu") + step_core_syn_[c] * hw.value("t_synop"));
    step_core_syn_[c] = 0;
  }
  std::uint32_t max_load = 0;
  for (auto l : touched_links_) max_load = std::max(max_load, step_link_load_[l]), step_link_load_[l] = 0;
  touched_cores_.clear();
  touched_links_.clear();
  const double cap = hw.value("link_capacity");
  const double t_link = cap > 0 ? 1.0 / cap : t_hop_max_;
  const double t = compute + step_max_hops_ * t_hop_max_ + max_load * t_link + barrier_;
  const double t_step = hw.real_time ? m_->dt_ms * 1e-3 : t;
  if (cap > 0 && max_load > cap * t_step) ++r_.steps_over_link_capacity;
  sum_step_seconds_ += t;
  max_step_seconds_ = std::max(max_step_seconds_, t);
  step_max_hops_ = 0;
  ++steps_seen_;
  next_step_ = open_step_ + 1;
  open_step_ = -1;
}

void energy_accountant::add_spikes(step_t t0, step_t t1, std::span<const spike> spikes) {
  const auto t_start = std::chrono::steady_clock::now();
  idle_steps(t0 - next_step_);
  next_step_ = std::max(next_step_, t0);
  for (const spike& sp : spikes) {
    if (sp.step != open_step_) {
      if (open_step_ >= 0) close_step();
      if (sp.step < next_step_ || sp.step >= t1) throw config_error("energy accounting", "spikes out of step order");
      idle_steps(sp.step - next_step_);
      open_step_ = sp.step;
    }
    count_spike(sp);
  }
  if (open_step_ >= 0) close_step();
  idle_steps(t1 - next_step_);
  next_step_ = std::max(next_step_, t1);
  r_.accounting_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
}

// Per spike only what cannot wait: its source's count (every total is count x the source's
// precomputed route at the end), the time bin's sums, and the step's per-core synaptic events for
// the step time. Per-link loads per step and per bin (detail mode) walk the route's links.
void energy_accountant::count_spike(const spike& sp) {
  const auto& rt = m_->routes;
  if (sp.gid >= rt.sources.size()) throw config_error("energy accounting", "spike of an unknown neuron");
  const std::size_t bin = static_cast<std::size_t>(static_cast<double>(sp.step) * m_->dt_ms / r_.bin_ms);
  if (r_.bin_joules.size() <= bin) grow_bins(bin + 1);
  const source_route& s = rt.sources[sp.gid];
  ++spike_count_[sp.gid];
  r_.bin_joules[bin] += spike_energy_[sp.gid] + s.synapses * e_synop_ + s.plastic * e_syn_update_;
  ++r_.bin_spikes[bin];
  r_.bin_packets[bin] += s.packets;
  step_max_hops_ = std::max(step_max_hops_, max_hops_[sp.gid]);
  if (m_->hw.real_time && !detail_) return;  // ticked chips: the step time is not needed for energy
  for (auto k = s.dest_begin; k < s.dest_end; ++k) {
    const destination& d = rt.dests[k];
    if (step_core_syn_[d.core] == 0 && d.synapses) touched_cores_.push_back(d.core);
    step_core_syn_[d.core] += d.synapses;
  }
  if (!detail_) return;
  const std::size_t n_links = r_.link_packets.size();
  for (auto k = s.link_begin; k < s.link_end; ++k) {
    const std::uint32_t l = rt.links[k];
    if (step_link_load_[l]++ == 0) touched_links_.push_back(l);
    if (link_bins_) ++r_.link_bin_packets[bin * n_links + l];
  }
}

// Totals from the spike count of every source and its precomputed route.
void energy_accountant::totals(energy_report& r) const {
  const auto& rt = m_->routes;
  const double e_syn = e_synop_;
  const bool multicast = rt.mode == routing_mode::multicast;
  for (std::size_t g = 0; g < spike_count_.size(); ++g) {
    const std::uint64_t n = spike_count_[g];
    if (!n) continue;
    const source_route& s = rt.sources[g];
    const std::uint32_t c0 = m_->place.core_of[g];
    r.spikes += n;
    r.splitter_spikes += n * s.extra_spikes;
    r.packets += n * s.packets;
    r.synaptic_events += n * s.synapses;
    r.synaptic_updates += n * s.plastic;
    r.hops_ew += n * s.hops_ew, r.hops_ns += n * s.hops_ns, r.hops_diag += n * s.hops_diag;
    r.router_traversals += n * s.routers;
    r.chip_crossings += n * s.chip_crossings;
    r.local_deliveries += n * s.local_deliveries;
    r.core_packets_out[c0] += n * s.packets;
    core_dynamic_[c0] += n * spike_energy_[g];
    for (auto k = s.link_begin; k < s.link_end; ++k) r.link_packets[rt.links[k]] += n;
    for (auto k = s.dest_begin; k < s.dest_end; ++k) {
      const destination& d = rt.dests[k];
      if (d.core != c0) r.core_packets_in[d.core] += n;
      r.core_synaptic_events[d.core] += n * d.synapses;
      core_dynamic_[d.core] += n * d.synapses * e_syn;
      if (!rt.dest_plastic.empty()) core_dynamic_[d.core] += n * rt.dest_plastic[k] * e_syn_update_;
      add(r.hops_per_delivery, d.hops, n);
      if (!multicast && d.core != c0) add(r.hops_per_packet, d.hops, n);
    }
    if (multicast && s.packets) add(r.hops_per_packet, s.link_end - s.link_begin, n);
  }
}

void energy_accountant::grow_bins(std::size_t n) {
  const std::size_t n_links = r_.link_packets.size();
  r_.bin_joules.resize(n, 0.0);
  r_.bin_spikes.resize(n, 0);
  r_.bin_packets.resize(n, 0);
  if (detail_ && link_bins_ && n * n_links <= 20'000'000)
    r_.link_bin_packets.resize(n * n_links, 0);
  else
    link_bins_ = false, r_.link_bin_packets.clear();
}

void energy_accountant::add(std::vector<std::uint64_t>& hist, std::uint64_t k, std::uint64_t n) {
  if (hist.size() <= k) hist.resize(k + 1, 0);
  hist[k] += n;
}

void energy_accountant::on_finish(const simulation& sim, const std::string& output_path) {
  // Under MPI, rank 0 sees every spike and the updates summed over ranks; the others stop here.
  if (sim.rank() != 0) return;
  const auto steps = static_cast<std::uint64_t>(sim.now());
  final_ = finish(steps, sim.ranks() > 1 ? sim.summary().neuron_updates : sim.statistics().neuron_updates);
  if (!output_path.empty()) final_.write_hdf5(output_path);
  const std::string json = !json_path_.empty() ? json_path_ : output_path.empty() ? "" : output_path + ".energy.json";
  if (!json.empty()) {
    std::FILE* f = std::fopen(json.c_str(), "w");
    if (!f) throw io_error(json, "cannot write the energy summary");
    const std::string text = final_.to_json();
    const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
    if (std::fclose(f) != 0 || !ok) throw io_error(json, "writing the energy summary failed");
  }
}

energy_report energy_accountant::finish(std::uint64_t steps, std::optional<std::uint64_t> neuron_updates) const {
  const auto& hw = m_->hw;
  const auto& p = m_->place;
  energy_report r = r_;
  std::fill(core_dynamic_.begin(), core_dynamic_.end(), 0.0);
  totals(r);
  if (!detail_) r.notes.push_back("step time without link serialisation and no per-link time series (detail mode off)");
  r.hardware = hw.name;
  r.placement = p.algorithm;
  r.routing = to_string(m_->routes.mode);
  r.seed = p.seed;
  r.unverified = hw.unverified();
  r.steps = steps;
  r.simulated_ms = static_cast<double>(steps) * m_->dt_ms;
  const std::uint64_t all_updates = static_cast<std::uint64_t>(m_->n_neurons) * steps;
  r.neuron_updates_active = std::min(neuron_updates.value_or(all_updates), all_updates);
  if (!neuron_updates) r.notes.push_back("neuron updates not measured (replay): every neuron-step counted as active");
  r.notes.push_back(
      "per-core neuron-update and static energy shared by neuron count; step time assumes every "
      "neuron of a core is updated");
  if (r.synaptic_updates)
    r.notes.push_back(
        "one synaptic update per spike through a plastic synapse (pre-synaptic, as the simulated rule); the "
        "learning engine's time is not in the step time (no published per-update time)");
  r.neuron_updates_idle = all_updates - r.neuron_updates_active;
  const double accounted = sum_step_seconds_ + (steps > steps_seen_ ? (steps - steps_seen_) * idle_step_seconds_ : 0);
  r.step_seconds_mean = steps ? accounted / static_cast<double>(steps) : 0;
  r.step_seconds_max = std::max(max_step_seconds_, steps ? idle_step_seconds_ : 0.0);
  r.hardware_seconds = hw.real_time ? r.simulated_ms * 1e-3 : accounted;
  const double T = r.hardware_seconds;
  r.components = {hw.value("p_static_chip") * p.chips_used * T,
                  r.neuron_updates_active * hw.value("e_nu_active"),
                  r.neuron_updates_idle * hw.value("e_nu_idle"),
                  r.synaptic_events * hw.value("e_synop"),
                  r.synaptic_updates * hw.value("e_syn_update"),
                  (r.spikes + r.splitter_spikes) * hw.value("e_spike_gen"),
                  r.packets * hw.value("e_msg_out"),
                  r.local_deliveries * hw.value("e_intra_core"),
                  r.router_traversals * hw.value("e_router"),
                  r.hops_ew * hw.value("e_hop_ew"),
                  r.hops_ns * hw.value("e_hop_ns"),
                  r.hops_diag * hw.value("e_hop_diag"),
                  r.chip_crossings * hw.value("e_chip_link"),
                  steps * hw.value("e_barrier")};
  r.total_j = 0;
  for (double c : r.components) r.total_j += c;
  r.power_w = T > 0 ? r.total_j / T : 0;
  // Per core: dynamic events, plus static and neuron updates shared by neuron count.
  const double update_j = r.components[1] + r.components[2];
  std::vector<std::uint32_t> cores_on_chip(hw.n_chips(), 0);
  for (std::uint32_t c = 0; c < hw.n_cores(); ++c) cores_on_chip[m_->topo.chip_of_core(c)] += p.usage[c].neurons > 0;
  r.chip_joules.assign(hw.n_chips(), 0.0);
  const double static_chip = hw.value("p_static_chip") * T;
  for (std::uint32_t c = 0; c < hw.n_cores(); ++c) {
    if (!p.usage[c].neurons) continue;
    const std::uint32_t chip = m_->topo.chip_of_core(c);
    const double e = core_dynamic_[c] + static_chip / cores_on_chip[chip] +
                     (m_->n_neurons ? update_j * p.usage[c].neurons / m_->n_neurons : 0);
    r.core_index.push_back(c);
    r.core_joules.push_back(e);
    r.chip_joules[chip] += e;
  }
  const auto& links = r.link_packets;
  if (!links.empty()) {
    r.busiest_link = static_cast<std::uint32_t>(std::max_element(links.begin(), links.end()) - links.begin());
    r.max_link_load = static_cast<double>(links[r.busiest_link]);
    double sum = 0;
    std::size_t used = 0;
    for (auto x : links) sum += static_cast<double>(x), used += x > 0;
    r.mean_link_load = used ? sum / static_cast<double>(used) : 0;
    const double cap = hw.value("link_capacity");
    r.max_link_utilisation = cap > 0 && T > 0 ? r.max_link_load / (cap * T) : 0;
  }
  double hop_sum = 0, n_packets = 0;
  for (std::size_t h = 0; h < r.hops_per_packet.size(); ++h)
    hop_sum += h * r.hops_per_packet[h], n_packets += r.hops_per_packet[h];
  r.mean_hops_per_packet = n_packets > 0 ? hop_sum / n_packets : 0;
  r.tree_size = m_->routes.tree_size_histogram;
  r.has_tables = m_->routes.has_tables;
  r.tables = m_->routes.tables;
  r.cut_packets = p.cut_packets;
  r.edge_cut = p.edge_cut;
  r.objective = p.objective;
  r.mapping_seconds = p.seconds;
  r.cores_used = p.cores_used;
  r.chips_used = p.chips_used;
  return r;
}

}  // namespace neuromesh::routing
