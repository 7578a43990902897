// Timing mode: link capacity per step, late and dropped packets (see timing.hpp).
#include <neuromesh/core/routing/timing.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include <neuromesh/core/errors.hpp>

namespace neuromesh::routing {

timing_mode timing_mode_from_name(const std::string& name, const std::string& where) {
  if (name == "delay") return timing_mode::delay;
  if (name == "drop") return timing_mode::drop;
  throw config_error(where, "'" + name + "' is not a timing mode (delay: lossless, late packets; drop: lossy)");
}

std::string to_string(timing_mode m) { return m == timing_mode::delay ? "delay" : "drop"; }

link_timing_filter::link_timing_filter(std::shared_ptr<const hardware_mapping> mapping, const timing_options& opt)
    : m_(std::move(mapping)), mode_(opt.mode) {
  if (!m_) throw config_error("timing", "no hardware mapping given");
  if (!(opt.packets_per_step >= 0))
    throw config_error("timing: link capacity", "must be >= 0 packets per step (0: from the preset)");
  if (!(opt.step_seconds >= 0)) throw config_error("timing: step time", "must be >= 0 s (0: the simulation step)");
  double per_step = opt.packets_per_step;
  if (per_step == 0) {
    const double rate = m_->hw.value("link_capacity");  // packets/s
    if (!(rate > 0))
      throw config_error("timing", "'" + m_->hw.name +
                                       "' publishes no link capacity; give the packets a link forwards per step "
                                       "(--link-capacity N, or link_capacity=N in Python)");
    per_step = rate * (opt.step_seconds > 0 ? opt.step_seconds : m_->dt_ms * 1e-3);
  }
  if (per_step < 1)
    throw config_error("timing: link capacity", "a link would forward " + std::to_string(per_step) +
                                                    " packets per step; at least 1 is needed (longer "
                                                    "step time or larger capacity)");
  cap_ = static_cast<std::uint32_t>(std::min(per_step, 4.0e9));
  const auto& rt = m_->routes;
  const std::size_t n_links = m_->topo.links().size();
  used_.resize(n_links);
  base_.assign(n_links, 0);
  full_until_.assign(n_links, 0);
  link_stamp_.assign(n_links, 0);
  link_arrival_.assign(n_links, 0);
  e_router_ = m_->hw.value("e_router");
  e_synop_ = m_->hw.value("e_synop");
  late_before_.assign(rt.dests.size(), never);
  const std::size_t n = rt.sources.size();
  fired_.assign(n, 0);
  dirty_.assign(n, 0);
  syn_dests_.assign(n, 0);
  for (std::size_t g = 0; g < n; ++g) {
    const source_route& src = rt.sources[g];
    for (auto k = src.dest_begin; k < src.dest_end; ++k) syn_dests_[g] += rt.dests[k].synapses > 0;
  }
  const std::uint32_t nc = m_->hw.n_cores();
  core_emit_.assign(nc, -1);
  core_max_before_.assign(nc, -1);
  core_max_now_.assign(nc, -1);
  r_.hardware = m_->hw.name;
  r_.mode = to_string(mode_);
  r_.packets_per_step = cap_;
  r_.dt_ms = m_->dt_ms;
}

// The packet entering `link` in step t takes the first step >= t with a free slot (delay) or
// must find one in t itself (drop). Slots of steps before the current emission step are never
// asked for again (packets come in emission order and enter links no earlier than emitted).
// Slots of link `link` from the current emission step on: older ones are dropped.
void link_timing_filter::trim(std::uint32_t link, step_t emitted) {
  auto& used = used_[link];
  step_t& base = base_[link];
  while (base < emitted && !used.empty()) used.pop_front(), ++base;
  if (used.empty()) base = full_until_[link] = emitted;
  full_until_[link] = std::max(full_until_[link], base);
}

std::uint32_t& link_timing_filter::slot(std::uint32_t link, step_t t) {
  auto& used = used_[link];
  const auto i = static_cast<std::size_t>(t - base_[link]);
  if (used.size() <= i) used.resize(i + 1, 0);
  return used[i];
}

// One packet crosses `link` in step t (a free slot): keeps full_until_ at the first slot not full.
void link_timing_filter::fill(std::uint32_t link, step_t t) {
  auto& used = used_[link];
  step_t& full_until = full_until_[link];
  const step_t base = base_[link];
  if (++slot(link, t) >= cap_ && t == full_until)
    while (static_cast<std::size_t>(full_until - base) < used.size() && used[full_until - base] >= cap_) ++full_until;
  ++r_.link_traversals;
}

// The packet entering `link` in step t takes the first step >= t with a free slot (delay) or
// must find one in t itself (drop). Slots of steps before the current emission step are never
// asked for again (packets come in emission order and enter links no earlier than emitted).
step_t link_timing_filter::cross(std::uint32_t link, step_t t, step_t emitted) {
  trim(link, emitted);
  std::uint64_t ahead = 0;  // packets queued before this one at the link
  const step_t arrival = t;
  if (t < full_until_[link]) {
    mark_congested(arrival);
    if (mode_ == timing_mode::drop) return -1;
    ahead = static_cast<std::uint64_t>(full_until_[link] - t) * cap_;
    t = full_until_[link];  // skip the run of full slots in one go (a long backlog is not walked per packet)
  }
  while (slot(link, t) >= cap_) {
    mark_congested(arrival);
    if (mode_ == timing_mode::drop) return -1;
    ahead += slot(link, t++);
  }
  r_.max_link_backlog = std::max(r_.max_link_backlog, ahead + slot(link, t));
  fill(link, t);
  return t;
}

void link_timing_filter::mark_congested(step_t step) {
  const auto s = static_cast<std::size_t>(step);
  if (congested_.size() <= s) congested_.resize(s + 1, 0);
  if (!congested_[s]) congested_[s] = 1, ++r_.congested_steps;
}

// A delivery of a spike emitted in `emitted` to destination `dest`, `late` steps late.
// Received-ISI distortion: |received ISI - emitted ISI| = |late - late of the previous delivery|.
void link_timing_filter::note_delivery(std::uint64_t dest, step_t emitted, step_t late) {
  if (late_before_[dest] != never) {
    const step_t d = std::abs(late - late_before_[dest]);
    distortion_sum_steps_ += static_cast<double>(d);
    r_.isi_distortion_max_ms = std::max(r_.isi_distortion_max_ms, static_cast<double>(d) * r_.dt_ms);
    ++r_.isi_pairs;
  }
  if (late > std::numeric_limits<std::int32_t>::max() / 2)
    throw config_error("timing", "a packet is over 2^30 steps late: the link model's limit");
  late_before_[dest] = static_cast<std::int32_t>(late);
  // Disorder: arriving before a spike emitted in an earlier step, at the same core. Only late
  // arrivals can be overtaken (an on-time one arrives before anything emitted after it).
  const std::uint32_t c = m_->routes.dests[dest].core;
  const step_t arrival = emitted + late;
  const step_t before = core_emit_[c] < emitted ? std::max(core_max_before_[c], core_max_now_[c]) : core_max_before_[c];
  if (arrival < before) ++r_.spike_disorder;
  if (late == 0) return;
  if (core_emit_[c] < emitted) {
    core_max_before_[c] = before;
    core_max_now_[c] = -1;
    core_emit_[c] = emitted;
  }
  core_max_now_[c] = std::max(core_max_now_[c], arrival);
  latest_late_arrival_ = std::max(latest_late_arrival_, arrival);
}

// The common case in one pass over the source's route: every link has room for the whole route
// in the emission step, the source's earlier deliveries were all on time and no late packet is
// still to arrive anywhere -- then every destination gets the spike now and nothing changes.
bool link_timing_filter::route_on_time(const spike& sp, const source_route& src) {
  if (dirty_[sp.gid] || sp.step < latest_late_arrival_) return false;
  const auto& links = m_->routes.links;
  const auto n = static_cast<std::uint32_t>(src.link_end - src.link_begin);
  if (n > cap_) return false;
  std::uint32_t ahead = 0;
  for (auto k = src.link_begin; k < src.link_end; ++k) {
    trim(links[k], sp.step);
    const std::uint32_t used = slot(links[k], sp.step);
    if (used + n > cap_) return false;
    ahead = std::max(ahead, used);
  }
  for (auto k = src.link_begin; k < src.link_end; ++k) fill(links[k], sp.step);
  r_.max_link_backlog = std::max<std::uint64_t>(r_.max_link_backlog, ahead);
  r_.packets += src.packets;
  r_.deliveries += syn_dests_[sp.gid];
  r_.on_time += syn_dests_[sp.gid];
  if (fired_[sp.gid]) r_.isi_pairs += syn_dests_[sp.gid];  // each with distortion 0
  fired_[sp.gid] = 1;
  return true;
}

void link_timing_filter::route_spike(const spike& sp, std::vector<spike>& whole,
                                     std::vector<partial_delivery>& partial) {
  const auto& rt = m_->routes;
  const auto& topo = m_->topo;
  const source_route& src = rt.sources[sp.gid];
  if (route_on_time(sp, src)) {
    whole.push_back(sp);
    return;
  }
  if (!dirty_[sp.gid])  // its destinations' state, left implicit while all was on time
    for (auto k = src.dest_begin; k < src.dest_end; ++k) late_before_[k] = fired_[sp.gid] ? 0 : never;
  fired_[sp.gid] = 1;
  const std::uint32_t c0 = m_->place.core_of[sp.gid], r0 = topo.router_of_core(c0);
  // Unicast (and splitter neurons) send one packet per destination core, multicast one in all.
  const bool packet_per_core =
      rt.mode == routing_mode::unicast || (rt.mode == routing_mode::single_destination && src.extra_spikes > 0);
  const std::size_t n_dest = src.dest_end - src.dest_begin;
  arrival_of_dest_.assign(n_dest, sp.step);
  ++packet_id_;
  bool remote = false, all_on_time = true;
  for (std::size_t k = 0; k < n_dest; ++k) {
    const destination& d = rt.dests[src.dest_begin + k];
    if (d.core == c0) continue;  // on the source's own core: no packet
    if (packet_per_core) ++packet_id_, ++r_.packets;
    remote = true;
    path_.clear();
    topo.route(r0, topo.router_of_core(d.core), path_);
    step_t a = sp.step;
    for (std::size_t i = 0; i < path_.size(); ++i) {
      const std::uint32_t l = path_[i];
      bool dropped_here = false;
      if (link_stamp_[l] == packet_id_) {  // a branch of this multicast packet already crossed it
        a = link_arrival_[l];
      } else {
        a = cross(l, a, sp.step);
        link_stamp_[l] = packet_id_;
        link_arrival_[l] = a;
        if (a < 0) ++r_.packets_dropped, dropped_here = true;
      }
      if (a < 0) {
        note_links_lost(i, dropped_here);
        break;
      }
    }
    arrival_of_dest_[k] = a;
    if (d.synapses > 0 && a != sp.step) all_on_time = false;
  }
  if (remote && !packet_per_core) ++r_.packets;
  bool clean = true;  // every destination has had every spike, on time
  for (std::size_t k = 0; k < n_dest; ++k) {
    const destination& d = rt.dests[src.dest_begin + k];
    if (d.synapses == 0) continue;  // a router on the table route only: nobody to deliver to
    const step_t a = arrival_of_dest_[k];
    ++r_.deliveries;
    if (a < 0) {
      ++r_.dropped;
      r_.synaptic_events_not_delivered += d.synapses;
      r_.energy_not_spent_j += d.synapses * e_synop_;
      clean = false;
      continue;
    }
    note_delivery(src.dest_begin + k, sp.step, a - sp.step);
    clean = clean && a == sp.step && late_before_[src.dest_begin + k] == 0;
    if (a == sp.step) {
      ++r_.on_time;
      if (!all_on_time) partial.push_back({sp, d.core});
      continue;
    }
    ++r_.late;
    const auto late = static_cast<std::uint64_t>(a - sp.step);
    if (r_.lateness_steps.size() <= late) r_.lateness_steps.resize(late + 1, 0);
    ++r_.lateness_steps[late];
    r_.max_late_steps = std::max(r_.max_late_steps, late);
    pending_.push_back({{a, sp.gid}, d.core});  // acts from its arrival step
  }
  if (all_on_time) whole.push_back(sp);
  dirty_[sp.gid] = !clean;
}

// A packet lost at path_[from] crosses neither that link (when it was dropped there, not on an
// earlier branch of the same tree) nor any after it; links of the tree downstream of the drop are
// marked lost so that later branches neither cross nor count them again.
void link_timing_filter::note_links_lost(std::size_t from, bool dropped_here) {
  const auto& links = m_->topo.links();
  for (std::size_t j = from; j < path_.size(); ++j) {
    const std::uint32_t l = path_[j];
    if (j == from) {
      if (!dropped_here) continue;  // counted by the branch that lost it
    } else {
      if (link_stamp_[l] == packet_id_) continue;
      link_stamp_[l] = packet_id_;
      link_arrival_[l] = -1;
    }
    ++r_.links_not_crossed;
    r_.energy_not_spent_j += links[l].energy + e_router_;
  }
}

void link_timing_filter::filter(step_t /*t0*/, step_t t1, std::span<const spike> spikes, std::vector<spike>& whole,
                                std::vector<partial_delivery>& partial) {
  const auto start = std::chrono::steady_clock::now();
  for (const spike& sp : spikes) route_spike(sp, whole, partial);
  // Late packets arriving in this chunk act from their arrival step on; the rest wait.
  std::size_t kept = 0;
  for (const partial_delivery& p : pending_) {
    if (p.s.step < t1)
      partial.push_back(p);
    else
      pending_[kept++] = p;
  }
  pending_.resize(kept);
  r_.isi_distortion_ms = r_.isi_pairs ? distortion_sum_steps_ * r_.dt_ms / static_cast<double>(r_.isi_pairs) : 0.0;
  r_.filter_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void link_timing_filter::on_finish(const simulation&, const std::string& output_path) {
  if (!output_path.empty()) r_.write_hdf5(output_path);
}

}  // namespace neuromesh::routing
