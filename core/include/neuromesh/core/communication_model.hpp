#pragma once
// The communication-volume model: what each of N MPI ranks would send to exchange a run's spikes,
// for the all-gather and the targeted strategy, computed in one process from the network's
// connectivity (regenerated from the keyed streams) and the spikes of a single-process run. It
// counts exactly what backends/mpi sends (the same compact records, per epoch), so it predicts rank
// counts this machine cannot run; the distributed tests check it against measured MPI bytes.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <neuromesh/core/network.hpp>
#include <neuromesh/core/partition.hpp>
#include <neuromesh/core/spike.hpp>

namespace neuromesh {

struct communication_estimate {
  std::uint32_t ranks = 1;
  std::string decomposition;
  std::vector<std::uint64_t> allgather_bytes, targeted_bytes;  // sent per rank over the whole run
  double simulated_ms = 0;
  // Mean over ranks, per biological second.
  double allgather_bytes_per_rank_per_s() const;
  double targeted_bytes_per_rank_per_s() const;
  std::uint64_t allgather_total() const;
  std::uint64_t targeted_total() const;
};

// `spikes` sorted by (step, gid), exchanged every `epoch` steps (the network's minimum delay);
// one estimate per rank map (at most 64 ranks each).
std::vector<communication_estimate> estimate_communication(const network& net, std::span<const spike> spikes,
                                                           step_t epoch, double simulated_ms,
                                                           const std::vector<rank_map>& maps);

}  // namespace neuromesh
