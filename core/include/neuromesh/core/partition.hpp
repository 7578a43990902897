#pragma once
// Which shard (thread, and later rank or device) owns which neurons. A shard owns a contiguous
// slice of every population, so each shard's work mixes all models evenly. Synapses are stored
// with the shard that owns their target.
#include <cstdint>
#include <vector>

#include <neuromesh/core/network.hpp>

namespace neuromesh {

// A contiguous range [begin, end) of one population owned by a shard, stored at shard-local
// indices [local_offset, local_offset + end - begin).
struct shard_slice {
  std::size_t population;
  index_t begin, end;
  std::uint32_t local_offset;
  index_t size() const { return end - begin; }
};

struct partition {
  std::vector<std::vector<shard_slice>> shards;  // per shard: one slice per population
  std::vector<gid_t> population_offsets;         // first gid of each population, then total
  std::size_t n_shards() const { return shards.size(); }
  std::uint32_t local_size(std::size_t shard) const;
};

// Splits every population into n_shards near-equal contiguous slices (block decomposition).
partition make_block_partition(const network& net, std::size_t n_shards);

}  // namespace neuromesh
