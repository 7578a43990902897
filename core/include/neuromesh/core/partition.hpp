#pragma once
// Who owns which neurons. Two levels: a rank_map says which process (MPI rank) owns each neuron --
// any map is accepted, so the hardware model's placement can decide it -- and a partition splits
// one rank's neurons into shards (threads, or a device). A shard owns, per population, a sorted
// set of neurons stored at consecutive shard-local indices, so each shard's work mixes all models.
// Synapses are stored with the shard that owns their target.
#include <cstdint>
#include <string>
#include <vector>

#include <neuromesh/core/network.hpp>

namespace neuromesh {

// The neurons of one population a shard owns, stored at shard-local indices
// [local_offset, local_offset + size()). Either the contiguous range [begin, end) (ids empty) or
// the sorted list `ids`, whose hull is [begin, end).
struct shard_slice {
  std::size_t population = 0;
  index_t begin = 0, end = 0;
  std::uint32_t local_offset = 0;
  std::vector<index_t> ids;  // empty: every id in [begin, end)

  bool contiguous() const { return ids.empty(); }
  index_t size() const { return contiguous() ? end - begin : static_cast<index_t>(ids.size()); }
  // Population-local id of the slice's i-th neuron.
  index_t id(std::uint32_t i) const { return contiguous() ? begin + i : ids[i]; }
  bool contains(index_t id) const;
  // Position of `id` in the slice (it must be contained).
  std::uint32_t index_of(index_t id) const;
};

struct partition {
  std::vector<std::vector<shard_slice>> shards;  // per shard: one slice per population
  std::vector<gid_t> population_offsets;         // first gid of each population, then total
  std::size_t n_shards() const { return shards.size(); }
  std::uint32_t local_size(std::size_t shard) const;
  // Whether any shard of this partition owns neuron `id` of `population`.
  bool owns(std::size_t population, index_t id) const;
};

// Which rank owns each neuron. `block` splits every population into n near-equal contiguous
// blocks (locality kept: neighbouring ids stay together); `round_robin` deals neurons out like
// cards (NEST's virtual-process scheme: balanced whatever the population sizes); `explicit_map`
// takes any owner per gid (e.g. from the hardware model's placement: chips -> ranks).
class rank_map {
 public:
  enum class kind { block, round_robin, explicit_map };
  static rank_map block(const network& net, std::uint32_t n_ranks);
  static rank_map round_robin(const network& net, std::uint32_t n_ranks);
  static rank_map from_owners(const network& net, std::vector<std::uint32_t> owner_of_gid, std::uint32_t n_ranks);
  // "block" or "round-robin" (config_error naming `what` otherwise).
  static rank_map by_name(const std::string& name, const network& net, std::uint32_t n_ranks,
                          const std::string& what = "decomposition");

  std::uint32_t owner(gid_t gid) const;
  std::uint32_t n_ranks() const { return n_ranks_; }
  kind type() const { return kind_; }
  std::string name() const;

 private:
  kind kind_ = kind::block;
  std::uint32_t n_ranks_ = 1;
  std::vector<gid_t> offsets_;        // population offsets (block)
  std::vector<std::uint32_t> owner_;  // explicit_map
};

// Splits every population into n_shards near-equal contiguous slices (one rank, block decomposition).
partition make_block_partition(const network& net, std::size_t n_shards);
// The neurons `ranks` gives to `rank`, split per population into n_shards near-equal parts (in id
// order, so a contiguous rank block stays contiguous per shard).
partition make_rank_partition(const network& net, const rank_map& ranks, std::uint32_t rank, std::size_t n_shards);

}  // namespace neuromesh
