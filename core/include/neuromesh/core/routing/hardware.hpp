#pragma once
// A neuromorphic chip family as data: chips, the router mesh on each chip, cores per router,
// per-core limits and per-operation energy and latency constants, each with its published source
// and a status. Descriptions are JSON files (networks/hardware/*.json, schema in docs/routing.md);
// constants whose status is not verified are listed by unverified() and flagged in every report.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace neuromesh::routing {

// One constant as published: value converted to SI (J, W, s, packets/s), the unit it was written
// in, where it comes from and how sure we are (verified, secondary, derived: trusted; unverified,
// unpublished, assumption, ambiguous: flagged).
struct constant {
  double value = 0.0;
  std::string unit, source, status, voltage;
  bool flagged() const;
};

// How routers are joined: a 2-D mesh, a torus (wrap-around), or SpiNNaker's triangular
// (hexagonal) torus with six links per router (E, W, N, S, NE, SW).
enum class link_layout { mesh, torus, hexagonal_torus };

// How a spike becomes packets (hardware.md §6(c)3): one multicast tree (union of X–Y paths),
// one packet per destination core (Loihi's source-side unicast), or at most one destination core
// per neuron (TrueNorth).
enum class routing_mode { multicast, unicast, single_destination };

// Per-core limits; 0 means no limit. router_entries is per router (SpiNNaker: per chip).
struct core_limits {
  std::uint32_t neurons = 0;
  std::uint64_t fan_in_synapses = 0;  // synapses stored on the core
  std::uint32_t input_axons = 0;      // distinct source neurons sending to the core
  std::uint32_t fan_out_edges = 0;    // (source neuron, destination core) pairs leaving the core
  std::uint32_t router_entries = 0;   // routing-table entries per router; 0: no tables
};

struct hardware {
  std::string name, description, origin;  // origin: preset name or file path
  std::uint32_t chips_x = 1, chips_y = 1;
  link_layout chip_links = link_layout::mesh;
  std::uint32_t mesh_x = 1, mesh_y = 1;  // routers per chip
  std::uint32_t cores_per_router = 1;
  core_limits limits;
  routing_mode routing = routing_mode::multicast;
  bool real_time = false;  // static energy over the simulated time (ticked chips) or the modelled step time
  std::map<std::string, constant> constants;

  std::uint32_t routers_per_chip() const { return mesh_x * mesh_y; }
  std::uint32_t cores_per_chip() const { return routers_per_chip() * cores_per_router; }
  std::uint32_t n_chips() const { return chips_x * chips_y; }
  std::uint32_t n_cores() const { return n_chips() * cores_per_chip(); }
  // The SI value of a constant (internal_error if the loader let a required one through missing).
  double value(const std::string& name) const;
  // "name (status: source)" for every flagged constant, in name order.
  std::vector<std::string> unverified() const;
};

// Names of every constant a description must give (docs/routing.md lists their meaning).
const std::vector<std::string>& required_constants();

// Parses a description; config_error names the key path at fault (origin is used in messages).
hardware parse_hardware(const std::string& json_text, const std::string& origin);
// Reads a description file; io_error if unreadable.
hardware load_hardware_file(const std::string& path);
// Same chip family on a chips_x × chips_y board; config_error for 0.
hardware with_chips(hardware hw, std::uint32_t chips_x, std::uint32_t chips_y);

routing_mode routing_mode_from_name(const std::string& name, const std::string& where);
std::string to_string(routing_mode m);

}  // namespace neuromesh::routing
