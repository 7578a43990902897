#pragma once
// Timing mode of the hardware model (shared/specs/hardware.md §6(b) item 5): every link forwards
// at most a fixed number of packets per simulation step. Packets beyond it are either delayed
// (lossless, as Loihi's mesh back-pressures) and reach the cores behind the link in a later step,
// or dropped (as a SpiNNaker router drops a packet it cannot forward) and never reach them. The
// network then receives what the hardware would deliver: late spikes act as if fired in the step
// they arrive, dropped spikes not at all. Used as the simulation's delivery_filter.
//
// Link model: packets are served in emission order (step, then source gid), each taking the
// first step at or after its arrival at a link with a free slot there -- first-come first-served
// link queues with the oldest packet first. A multicast packet is forwarded once per link of its
// tree (branches that share a link share the slot); a unicast packet per destination core
// travels alone. Hop latencies (nanoseconds) are far below a step and are not added.
#include <cstdint>
#include <deque>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <neuromesh/core/delivery_filter.hpp>
#include <neuromesh/core/routing/energy.hpp>

namespace neuromesh::routing {

enum class timing_mode { delay, drop };
timing_mode timing_mode_from_name(const std::string& name, const std::string& where);
std::string to_string(timing_mode m);

struct timing_options {
  timing_mode mode = timing_mode::delay;
  // Packets a link forwards per simulation step; 0: the preset's link_capacity x step_seconds.
  double packets_per_step = 0;
  // Hardware time per simulation step; 0: the step itself (the chip runs in biological real
  // time, as SpiNNaker does; a Loihi-like chip can run faster or slower than that).
  double step_seconds = 0;
};

// Run-to-run comparison of the timed network against the ideal (zero-latency) run of the same
// network: how much the hardware's congestion changed what the network did.
struct spike_train_comparison {
  std::uint64_t spikes_ideal = 0, spikes_timed = 0;
  std::uint64_t spikes_identical = 0;  // (gid, step) in both runs
  double mean_isi_ideal_ms = 0, mean_isi_timed_ms = 0;
  double cv_isi_ideal = 0, cv_isi_timed = 0;  // mean over neurons with >= 3 spikes
  double isi_ks_distance = 0;                 // Kolmogorov-Smirnov distance of the pooled ISI distributions
  double mean_abs_rate_change_hz = 0;         // mean over neurons of |rate_timed - rate_ideal|
};
spike_train_comparison compare_spike_trains(std::span<const spike> ideal, std::span<const spike> timed,
                                            std::uint32_t n_neurons, double dt_ms, double duration_ms);

struct timing_report {
  std::string hardware, mode;
  std::uint32_t packets_per_step = 0;  // per link
  double dt_ms = 0;
  // Traffic through links (packets that left their source router)
  std::uint64_t packets = 0, link_traversals = 0;
  // Spike deliveries to destination cores that hold targets (all cores, local ones included)
  std::uint64_t deliveries = 0, on_time = 0, late = 0, dropped = 0;
  std::uint64_t packets_dropped = 0;  // drop events at a full link (a tree loses a branch each)
  // What dropped packets did not use, which the energy report (counting every emitted spike's
  // whole route and synapses) includes: links from the full one on, and the synaptic events of
  // the cores they did not reach; energy_not_spent_j prices them (link energy + router per hop
  // + e_synop per event).
  std::uint64_t links_not_crossed = 0, synaptic_events_not_delivered = 0;
  double energy_not_spent_j = 0;
  std::vector<std::uint64_t> lateness_steps;  // histogram of late deliveries by steps late
  std::uint64_t max_late_steps = 0;
  std::uint64_t max_link_backlog = 0;  // most packets waiting for one link at once
  std::uint64_t congested_steps = 0;   // steps in which a packet found a link full on arriving
  std::uint64_t spike_disorder = 0;    // deliveries overtaken by a spike emitted later, per core
  // Received spike trains (per source and destination core) against the emitted ones
  double isi_distortion_ms = 0;  // mean |received ISI - emitted ISI| over consecutive deliveries
  double isi_distortion_max_ms = 0;
  std::uint64_t isi_pairs = 0;
  double filter_seconds = 0;  // cost of the timing model during the run
  bool has_reference = false;
  spike_train_comparison reference;  // against the ideal run, when one was made

  double mean_late_ms() const;
  std::string to_json(bool with_histogram = true) const;
  std::string table() const;
  // Adds /timing to an existing HDF5 file (io_error if it cannot).
  void write_hdf5(const std::string& path) const;
};

// A delivery_filter, and an observer that adds /timing to the output file at finish().
class link_timing_filter : public delivery_filter, public epoch_observer {
 public:
  // Throws config_error when the capacity is unknown (preset publishes none and no
  // packets_per_step given) or below one packet per step.
  link_timing_filter(std::shared_ptr<const hardware_mapping> mapping, const timing_options& opt);

  std::span<const std::uint32_t> group_of_gid() const override { return m_->place.core_of; }
  void filter(step_t t0, step_t t1, std::span<const spike> spikes, std::vector<spike>& whole,
              std::vector<partial_delivery>& partial) override;

  void on_chunk(const simulation&, step_t, step_t, std::span<const spike>) override {}
  void on_finish(const simulation& sim, const std::string& output_path) override;

  const timing_report& report() const { return r_; }
  void set_reference(const spike_train_comparison& c) {
    r_.reference = c;
    r_.has_reference = true;
  }

 private:
  // Step in which the packet entering `link` at step `t` crosses it, or -1 when it is dropped.
  step_t cross(std::uint32_t link, step_t t, step_t emitted);
  void trim(std::uint32_t link, step_t emitted);
  std::uint32_t& slot(std::uint32_t link, step_t t);
  void fill(std::uint32_t link, step_t t);
  bool route_on_time(const spike& sp, const source_route& src);
  void route_spike(const spike& sp, std::vector<spike>& whole, std::vector<partial_delivery>& partial);
  void mark_congested(step_t step);
  void note_delivery(std::uint64_t dest, step_t emitted, step_t late);
  void note_links_lost(std::size_t from, bool fresh_drop);

  std::shared_ptr<const hardware_mapping> m_;
  timing_mode mode_;
  std::uint32_t cap_ = 1;
  timing_report r_;
  // Slots used per link and step, from base_[link] on (earlier steps can take no more packets).
  std::vector<std::deque<std::uint32_t>> used_;
  std::vector<step_t> base_, full_until_;
  std::vector<std::uint64_t> link_stamp_;  // packet that last crossed each link, and when
  std::vector<step_t> link_arrival_;
  std::uint64_t packet_id_ = 0;
  double e_router_ = 0, e_synop_ = 0;
  std::vector<std::uint8_t> congested_;  // per step
  std::vector<std::uint32_t> path_;
  std::vector<step_t> arrival_of_dest_;  // scratch: arrival per destination of one spike
  static constexpr std::int32_t never = std::numeric_limits<std::int32_t>::min();
  std::vector<std::int32_t> late_before_;    // per (source, destination core): lateness of its last delivery
  std::vector<std::uint8_t> fired_, dirty_;  // per source: has fired; some destination is not "all on time"
  std::vector<std::uint32_t> syn_dests_;     // per source: destination cores with synapses
  step_t latest_late_arrival_ =
      -1;  // Per core, for disorder: latest arrival of spikes emitted before the current emission step.
  std::vector<step_t> core_emit_, core_max_before_, core_max_now_;
  std::vector<partial_delivery> pending_;  // late packets, at their arrival step, not yet due
  double distortion_sum_steps_ = 0;
};

}  // namespace neuromesh::routing
