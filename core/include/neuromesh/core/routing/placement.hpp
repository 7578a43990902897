#pragma once
// Placement of neurons onto the cores of a hardware description, within every per-core limit.
//   sequential   : population by population, each split into consecutive cores (PACMAN-style,
//                  the SpiNNaker default) -- the baseline;
//   random       : neurons shuffled (seeded), then packed;
//   energy_aware : activity-weighted partitioning that counts a spike once per destination core
//                  (the hypergraph connectivity-1 metric), from the better of the sequential
//                  packing and a greedy graph-growing packing, refined by gain-driven moves; then
//                  the parts are placed on the mesh by pairwise swaps minimising
//                  rate x direction-weighted hop energy plus a penalty on the busiest link.
// All three are deterministic for a given seed. A network that cannot fit throws config_error
// naming the limit, the core and the neuron.
#include <cstdint>
#include <string>
#include <vector>

#include <neuromesh/core/network.hpp>
#include <neuromesh/core/routing/connectivity.hpp>
#include <neuromesh/core/routing/hardware.hpp>
#include <neuromesh/core/routing/topology.hpp>

namespace neuromesh::routing {

enum class placement_algorithm { sequential, random, energy_aware };
placement_algorithm placement_algorithm_from_name(const std::string& name, const std::string& where);
std::string to_string(placement_algorithm a);

// What energy-aware placement minimises when it picks among its candidates (its own partition,
// the sequential one placed on the mesh, sequential itself):
//   energy  : estimated power: static power over the modelled step time + links + messages. On
//             step-time chips (Loihi) fuller cores make longer steps, so this keeps cores small;
//   traffic : network power only (links + message injection), ties by inter-core packets -- the
//             communication cost the mapping literature (SpiNeMap, SNEAP) minimises; fills cores,
//             and the mesh placement skips its busiest-link phase (which costs hop energy).
enum class placement_objective { energy, traffic };
placement_objective placement_objective_from_name(const std::string& name, const std::string& where);
std::string to_string(placement_objective o);

struct placement_options {
  placement_algorithm algorithm = placement_algorithm::sequential;
  std::uint64_t seed = 1;
  std::vector<double> rates;  // Hz per gid (a profiling run); empty: every neuron 1 Hz
  int refinement_passes = 6;  // gain-driven move passes over all neurons
  double link_penalty = 1.0;  // beta in J = hop energy + beta * n_links * max link load energy
  // How packets will travel (map_network sets these from the routing): energy-aware placement is
  // checked against the sequential one under this routing and falls back to it when not cheaper.
  routing_mode mode = routing_mode::unicast;
  bool core_trees = false;  // routing tables: a spike follows the tree of its whole core
  bool compare = true;      // energy-aware: keep the cheapest of itself and its fallbacks
  placement_objective objective = placement_objective::energy;  // what "cheapest" means
  // energy-aware: search a partition, or keep a fixed packing (sequential, or populations
  // interleaved) and only place its parts on the mesh -- the fallbacks: where the limits leave
  // no better partition, placement on the mesh still pays.
  enum class partition_source { search, sequential, interleaved };
  partition_source partition = partition_source::search;
};

// What a core holds, against the limits in hardware::limits.
struct core_usage {
  std::uint32_t neurons = 0;
  std::uint64_t fan_in_synapses = 0;
  std::uint32_t input_axons = 0;
  std::uint32_t fan_out_edges = 0;
};

struct placement {
  std::string algorithm;
  std::uint64_t seed = 0;
  std::vector<std::uint32_t> core_of;  // per gid: global core index (topology numbering)
  std::vector<core_usage> usage;       // per global core (all cores of the hardware)
  std::uint32_t cores_used = 0, chips_used = 0;
  double seconds = 0;            // mapping runtime
  double cut_packets = 0;        // sum over sources of rate x destination cores other than its own [packets/s]
  double edge_cut = 0;           // sum over synapses crossing cores of source rate [events/s] (plain edge cut)
  double hop_energy = 0;         // rate x route energy over (source, destination core) pairs [W]
  double max_link_load = 0;      // busiest link under unicast routes [packets/s]
  double objective = 0;          // J = hop_energy + beta * n_links * max link load energy [W]
  double routed_hop_energy = 0;  // link energy rate under the actual routing (trees, tables) [W]
  double estimated_power = 0;    // static over the modelled time + links + messages [W]
  double network_power = 0;      // links + messages only (the traffic objective) [W]
  placement_objective minimised = placement_objective::energy;  // energy-aware: how candidates were compared
  std::vector<std::string> notes;  // what the algorithm did (initial packing chosen, passes, skipped steps)
};

// Places `net` (its connectivity `conn`) on `hw`; throws config_error when it cannot fit.
placement place(const network& net, const connectivity& conn, const hardware& hw, const topology& topo,
                const placement_options& opt);

// Usage per core of an assignment (core_of per gid), and the checks of every limit: throws
// config_error naming the first core over a limit.
std::vector<core_usage> usage_of(const std::vector<std::uint32_t>& core_of, const connectivity& conn,
                                 std::uint32_t n_cores);
void check_limits(const std::vector<core_usage>& usage, const hardware& hw, const topology& topo);

// Fills the metrics of `p` (cut, edge cut, hop energy, link load, objective) for rates (Hz per gid).
void evaluate(placement& p, const connectivity& conn, const hardware& hw, const topology& topo,
              const std::vector<double>& rates, double link_penalty = 1.0);

// Link energy rate [W] of spikes at `rates` under a routing: unicast paths, per-neuron multicast
// trees, or (core_trees) the tree of each source's whole core.
double routed_hop_energy(const std::vector<std::uint32_t>& core_of, const connectivity& conn, const topology& topo,
                         const std::vector<double>& rates, routing_mode mode, bool core_trees);

// The MPI link: owner rank per gid for n_ranks. Chips are dealt to ranks in contiguous blocks
// balanced by neurons (chips first); with more ranks than chips in use, the neurons in (core, gid)
// order are split into equal contiguous blocks (then cores).
std::vector<std::uint32_t> rank_of_gid(const placement& p, const topology& topo, int n_ranks);

// Spike traffic between ranks for an owner vector: every spike counted once per distinct
// destination rank other than its own (what an MPI exchange of spike ids sends).
struct rank_traffic {
  double messages_per_s = 0;  // rate-weighted (source, remote rank) pairs
  double bytes_per_s = 0;     // 8 bytes (gid + step) per spike record sent
  double local_fraction = 0;  // fraction of (source, destination rank) pairs that stay on the rank
  std::vector<double> sent_per_rank;
};
rank_traffic inter_rank_traffic(const std::vector<std::uint32_t>& rank_of, const connectivity& conn,
                                const std::vector<double>& rates, int n_ranks);

}  // namespace neuromesh::routing
