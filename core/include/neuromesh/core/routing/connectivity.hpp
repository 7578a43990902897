#pragma once
// The whole network's synapses as compressed rows in both directions (targets per source, sources
// per target), built from the keyed connector generators in blocks of targets, so it is exactly
// the connectivity the engine builds. Placement and routing read it; it is not needed while
// simulating. Memory: 8 bytes per synapse (4 per direction).
#include <cstdint>
#include <span>
#include <vector>

#include <neuromesh/core/network.hpp>

namespace neuromesh::routing {

struct connectivity {
  std::uint32_t n = 0;                                 // neurons
  std::vector<std::uint64_t> out_offsets, in_offsets;  // n + 1 each
  std::vector<gid_t> out_targets;                      // per source, sorted (multapses repeat)
  std::vector<gid_t> in_sources;                       // per target, sorted
  std::vector<std::uint32_t> population_of;            // per gid

  std::span<const gid_t> targets(gid_t s) const {
    return {out_targets.data() + out_offsets[s], out_targets.data() + out_offsets[s + 1]};
  }
  std::span<const gid_t> sources(gid_t t) const {
    return {in_sources.data() + in_offsets[t], in_sources.data() + in_offsets[t + 1]};
  }
  std::uint64_t n_synapses() const { return out_targets.size(); }
};

// Generates every synapse of `net` (weights and delays are skipped: only who connects to whom).
connectivity build_connectivity(const network& net);

}  // namespace neuromesh::routing
