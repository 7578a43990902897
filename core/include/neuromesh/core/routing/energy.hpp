#pragma once
// Energy, traffic and timing accounting of a run on modelled hardware (shared/specs/hardware.md
// §6(a), metrics named as in §6(b)). map_network places and routes a network once; an
// energy_accountant, added to a simulation as an observer, adds for every emitted spike its
// precomputed packets, hops and link loads, for every delivered synapse a synaptic operation,
// and at the end the neuron updates (active and idle) and static energy. The report is written
// to /energy of the run's HDF5 file and as a JSON summary.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <neuromesh/core/observer.hpp>
#include <neuromesh/core/routing/routes.hpp>

namespace neuromesh::routing {

struct mapping_options {
  placement_options placement;
  routing_mode mode = routing_mode::multicast;
  bool mode_from_hardware = true;  // use hw.routing (the chip's own behaviour) unless told otherwise
  bool splitters = false;
  bool compress_tables = true;
  // Per projection: its weights learn (plastic synapse models). Set by the api layer, which knows
  // the synapse registry; each spike through such a synapse costs e_syn_update.
  std::vector<bool> plastic_projections;
};

// A network placed and routed on a hardware description: everything accounting needs.
struct hardware_mapping {
  hardware hw;
  topology topo;
  placement place;
  route_plan routes;
  std::vector<double> rates;  // Hz per gid used for placement (empty: 1 Hz estimate)
  std::uint32_t n_neurons = 0;
  std::uint64_t n_synapses = 0;
  double dt_ms = 0.1;
};

// Builds the connectivity, places, routes (and builds tables); the connectivity is freed after.
std::shared_ptr<const hardware_mapping> map_network(const network& net, const hardware& hw, const mapping_options& opt);

// A printable summary of a mapping (cores, chips, cut, hop energy, busiest link, tables, usage
// against limits, flagged constants), and the same as JSON.
std::string describe(const hardware_mapping& m);
std::string mapping_json(const hardware_mapping& m);

// The energy components of §6(b), in report order.
const std::vector<std::string>& energy_components();

struct energy_report {
  std::string hardware, placement, routing;
  std::uint64_t seed = 0;
  std::vector<std::string> unverified;  // flagged constants used by this report
  std::vector<std::string> notes;       // approximations this report made
  std::vector<double> components;       // J, in energy_components() order
  double total_j = 0, hardware_seconds = 0, power_w = 0, simulated_ms = 0;
  std::uint64_t steps = 0;
  // Traffic
  std::uint64_t spikes = 0, splitter_spikes = 0, packets = 0, synaptic_events = 0, hops_ew = 0, hops_ns = 0,
                hops_diag = 0, router_traversals = 0, chip_crossings = 0, local_deliveries = 0;
  std::uint64_t synaptic_updates = 0;  // learning-engine weight updates (spikes through plastic synapses)
  std::uint64_t neuron_updates_active = 0, neuron_updates_idle = 0;
  std::vector<double> core_joules, chip_joules;  // used cores / chips in topology order
  std::vector<std::uint32_t> core_index;         // global core of each core_joules entry
  std::vector<std::uint64_t> core_packets_in, core_packets_out, core_synaptic_events;
  std::vector<std::uint64_t> link_packets;  // per link of the topology
  std::uint32_t busiest_link = 0;
  double max_link_load = 0, mean_link_load = 0, max_link_utilisation = 0;
  std::vector<std::uint64_t> hops_per_delivery, hops_per_packet, tree_size;  // histograms
  double mean_hops_per_packet = 0;
  // Time bins
  double bin_ms = 10;
  std::vector<double> bin_joules;  // dynamic energy (events) per bin
  std::vector<std::uint64_t> bin_spikes, bin_packets;
  std::vector<std::uint32_t> link_bin_packets;  // n_bins x n_links, row-major (empty if too large)
  // Timing model: per-step time = max core compute + network critical path + barrier
  double step_seconds_mean = 0, step_seconds_max = 0;
  std::uint64_t steps_over_link_capacity = 0;  // steps whose busiest link exceeds its capacity in t_step
  // Routing tables (SpiNNaker-style presets)
  bool has_tables = false;
  table_stats tables;
  // Mapping
  double cut_packets = 0, edge_cut = 0, objective = 0, mapping_seconds = 0;
  std::uint32_t cores_used = 0, chips_used = 0;
  // Cost of accounting on the simulation
  double accounting_seconds = 0;

  std::string to_json() const;
  // A printable table: energy by component with shares, traffic, flags.
  std::string table() const;
  // Adds /energy to an existing HDF5 file (io_error if it cannot).
  void write_hdf5(const std::string& path) const;
};

// Counts the spikes of a run. Use through simulation::add_observer, or feed spikes directly
// (replay of a recorded run) with add_spikes and finish.
class energy_accountant : public epoch_observer {
 public:
  // detail: per-step link loads in the step time (link serialisation) and per-link packets per
  // time bin; costs a walk over every link of each spike's route.
  explicit energy_accountant(std::shared_ptr<const hardware_mapping> mapping, double bin_ms = 10.0,
                             bool detail = false);

  void on_chunk(const simulation& sim, step_t t0, step_t t1, std::span<const spike> spikes) override;
  // Completes the report (neuron updates from the engine) and, if path is not empty, writes
  // /energy to it and the JSON summary to path + ".energy.json" unless json_path_ was set.
  void on_finish(const simulation& sim, const std::string& output_path) override;

  // Spikes of steps [t0, t1), sorted by step.
  void add_spikes(step_t t0, step_t t1, std::span<const spike> spikes);
  // Final report after `steps` steps with `neuron_updates` updates (the rest idle). Without a
  // count from the engine (a replay), every neuron-step counts as an active update, and the
  // report notes it.
  energy_report finish(std::uint64_t steps, std::optional<std::uint64_t> neuron_updates) const;
  const energy_report& report() const { return final_; }
  void set_json_path(std::string p) { json_path_ = std::move(p); }

 private:
  void close_step();
  void idle_steps(step_t n);
  void count_spike(const spike& sp);
  void grow_bins(std::size_t n);
  void totals(energy_report& r) const;
  static void add(std::vector<std::uint64_t>& hist, std::uint64_t k, std::uint64_t n);

  std::shared_ptr<const hardware_mapping> m_;
  energy_report r_, final_;
  std::vector<double> spike_energy_;  // dynamic J per spike of each gid
  std::vector<std::uint32_t> core_neurons_, used_cores_;
  mutable std::vector<double> core_dynamic_;  // filled by finish()
  std::vector<std::uint64_t> spike_count_;    // per source neuron
  std::vector<std::uint32_t> max_hops_;       // longest route of each source
  std::vector<std::uint32_t> step_core_syn_, step_link_load_, touched_cores_, touched_links_;
  std::uint32_t step_max_hops_ = 0;
  step_t open_step_ = -1, next_step_ = 0;  // step whose spikes are being counted; first step not yet timed
  double idle_step_seconds_ = 0, sum_step_seconds_ = 0, max_step_seconds_ = 0, t_hop_max_ = 0, barrier_ = 0;
  double e_synop_ = 0, e_syn_update_ = 0;
  std::uint64_t steps_seen_ = 0;
  std::string json_path_;
  bool detail_ = false, link_bins_ = true;
};

}  // namespace neuromesh::routing
