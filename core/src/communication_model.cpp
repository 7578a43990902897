#include <algorithm>
#include <numeric>

#include <neuromesh/core/communication_model.hpp>
#include <neuromesh/core/connectors.hpp>
#include <neuromesh/core/errors.hpp>
#include <neuromesh/core/spike_codec.hpp>

namespace neuromesh {
namespace {

double per_rank_per_s(const std::vector<std::uint64_t>& bytes, double ms) {
  if (bytes.empty() || ms <= 0) return 0.0;
  return static_cast<double>(std::accumulate(bytes.begin(), bytes.end(), std::uint64_t{0})) /
         static_cast<double>(bytes.size()) / (ms * 1e-3);
}

// Per map and source gid: a bit per rank that hosts at least one of the source's targets.
std::vector<std::vector<std::uint64_t>> target_ranks(const network& net, const std::vector<rank_map>& maps,
                                                     const std::vector<std::vector<std::uint8_t>>& owner) {
  const std::vector<gid_t> offsets = net.offsets();
  std::vector<std::vector<std::uint64_t>> bits(maps.size(), std::vector<std::uint64_t>(offsets.back(), 0));
  for (std::size_t k = 0; k < net.projections.size(); ++k) {
    const projection& pr = net.projections[k];
    const gid_t pre = offsets[net.population_index(pr.pre, "projections")];
    const std::size_t post_pop = net.population_index(pr.post, "projections");
    const gid_t post = offsets[post_pop];
    for_each_generated_synapse(net, k, 0, net.populations[post_pop].size, false, [&](const generated_synapse& s) {
      for (std::size_t m = 0; m < maps.size(); ++m)
        bits[m][pre + s.source] |= std::uint64_t{1} << owner[m][post + s.target];
    });
  }
  return bits;
}

}  // namespace

double communication_estimate::allgather_bytes_per_rank_per_s() const {
  return per_rank_per_s(allgather_bytes, simulated_ms);
}
double communication_estimate::targeted_bytes_per_rank_per_s() const {
  return per_rank_per_s(targeted_bytes, simulated_ms);
}
std::uint64_t communication_estimate::allgather_total() const {
  return std::accumulate(allgather_bytes.begin(), allgather_bytes.end(), std::uint64_t{0});
}
std::uint64_t communication_estimate::targeted_total() const {
  return std::accumulate(targeted_bytes.begin(), targeted_bytes.end(), std::uint64_t{0});
}

std::vector<communication_estimate> estimate_communication(const network& net, std::span<const spike> spikes,
                                                           step_t epoch, double simulated_ms,
                                                           const std::vector<rank_map>& maps) {
  if (epoch < 1) throw config_error("epoch", "must be at least one step");
  const gid_t n = net.offsets().back();
  std::vector<std::vector<std::uint8_t>> owner(maps.size(), std::vector<std::uint8_t>(n));
  std::vector<communication_estimate> out(maps.size());
  for (std::size_t m = 0; m < maps.size(); ++m) {
    if (maps[m].n_ranks() > 64)
      throw config_error(
          "ranks", "the communication model handles at most 64 ranks (got " + std::to_string(maps[m].n_ranks()) + ")");
    for (gid_t g = 0; g < n; ++g) owner[m][g] = static_cast<std::uint8_t>(maps[m].owner(g));
    out[m].ranks = maps[m].n_ranks();
    out[m].decomposition = maps[m].name();
    out[m].simulated_ms = simulated_ms;
    out[m].allgather_bytes.assign(maps[m].n_ranks(), 0);
    out[m].targeted_bytes.assign(maps[m].n_ranks(), 0);
  }
  const auto bits = target_ranks(net, maps, owner);
  std::vector<std::vector<spike>> by_rank, to_dest;
  for (std::size_t b = 0; b < spikes.size();) {
    const step_t e = spikes[b].step / epoch;
    std::size_t end = b;
    while (end < spikes.size() && spikes[end].step / epoch == e) ++end;
    for (std::size_t m = 0; m < maps.size(); ++m) {
      const std::uint32_t R = maps[m].n_ranks();
      by_rank.assign(R, {});
      for (std::size_t k = b; k < end; ++k) by_rank[owner[m][spikes[k].gid]].push_back(spikes[k]);
      for (std::uint32_t q = 0; q < R; ++q) {
        out[m].allgather_bytes[q] += encoded_size(by_rank[q]) * (R - 1);
        to_dest.assign(R, {});
        for (const spike& s : by_rank[q])
          for (std::uint64_t w = bits[m][s.gid] & ~(std::uint64_t{1} << q); w != 0; w &= w - 1)
            to_dest[static_cast<std::size_t>(__builtin_ctzll(w))].push_back(s);
        for (std::uint32_t d = 0; d < R; ++d) out[m].targeted_bytes[q] += encoded_size(to_dest[d]);
      }
    }
    b = end;
  }
  return out;
}

}  // namespace neuromesh
