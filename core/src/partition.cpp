#include <neuromesh/core/errors.hpp>
#include <neuromesh/core/partition.hpp>

namespace neuromesh {

std::uint32_t partition::local_size(std::size_t shard) const {
  std::uint32_t n = 0;
  for (const auto& s : shards.at(shard)) n += s.size();
  return n;
}

partition make_block_partition(const network& net, std::size_t n_shards) {
  if (n_shards == 0) throw config_error("threads", "need at least one shard (thread)");
  partition p;
  p.population_offsets = net.offsets();
  p.shards.resize(n_shards);
  std::vector<std::uint32_t> filled(n_shards, 0);
  for (std::size_t pop = 0; pop < net.populations.size(); ++pop) {
    const std::uint64_t n = net.populations[pop].size;
    for (std::size_t s = 0; s < n_shards; ++s) {
      const auto begin = static_cast<index_t>(n * s / n_shards);
      const auto end = static_cast<index_t>(n * (s + 1) / n_shards);
      p.shards[s].push_back({pop, begin, end, filled[s]});
      filled[s] += end - begin;
    }
  }
  return p;
}

}  // namespace neuromesh
