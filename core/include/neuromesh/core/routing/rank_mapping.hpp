#pragma once
// The hardware placement as the MPI decomposition, in two levels (shared/specs/hardware.md §6(c)
// item 5): ranks take whole chips when the placement uses at least as many chips as there are
// ranks, else whole cores; either way those units are grouped by spike traffic -- greedy growth
// along the strongest connections (from several starting units), then single moves that lower the
// spikes crossing ranks, within a neuron balance -- so what talks on the chip also stays on one
// rank. The plain split (routing::rank_of_gid: contiguous chips, or the (core, gid) order cut into
// equal blocks) is kept when it sends fewer messages or when units are too coarse to balance.
#include <cstdint>
#include <vector>

namespace neuromesh::routing {

struct hardware_mapping;  // energy.hpp

struct rank_map_options {
  double imbalance = 0.05;         // a rank may hold up to (1 + imbalance) x the mean neurons per rank
  double coarse_imbalance = 0.10;  // ... or one unit (core, chip) more, up to this, for coarse units
  int refinement_passes = 8;
  std::uint32_t starts = 8;  // greedy growths from different first units; the best is kept
};

// Owner rank of every gid for n_ranks (config_error if n_ranks < 1).
std::vector<std::uint32_t> two_level_rank_map(const hardware_mapping& m, int n_ranks, const rank_map_options& opt = {});

// Spike messages per second an owner vector makes under MPI's targeted exchange: each spike once
// per other rank holding one of its destination cores (rates of the mapping; 1 Hz without).
// Exact when no core is split between ranks; otherwise every rank holding part of a destination
// core counts (an upper bound).
double rank_messages_per_s(const hardware_mapping& m, const std::vector<std::uint32_t>& rank_of);

}  // namespace neuromesh::routing
