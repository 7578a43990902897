#include <algorithm>

#include <neuromesh/core/errors.hpp>
#include <neuromesh/core/partition.hpp>

namespace neuromesh {

bool shard_slice::contains(index_t i) const {
  if (i < begin || i >= end) return false;
  return contiguous() || std::binary_search(ids.begin(), ids.end(), i);
}

std::uint32_t shard_slice::index_of(index_t i) const {
  if (contiguous()) return i - begin;
  return static_cast<std::uint32_t>(std::lower_bound(ids.begin(), ids.end(), i) - ids.begin());
}

std::uint32_t partition::local_size(std::size_t shard) const {
  std::uint32_t n = 0;
  for (const auto& s : shards.at(shard)) n += s.size();
  return n;
}

bool partition::owns(std::size_t population, index_t id) const {
  return std::any_of(shards.begin(), shards.end(), [&](const auto& s) { return s[population].contains(id); });
}

partition make_block_partition(const network& net, std::size_t n_shards) {
  return make_rank_partition(net, rank_map::block(net, 1), 0, n_shards);
}

rank_map rank_map::block(const network& net, std::uint32_t n_ranks) {
  if (n_ranks == 0) throw config_error("ranks", "need at least one rank");
  rank_map m;
  m.kind_ = kind::block;
  m.n_ranks_ = n_ranks;
  m.offsets_ = net.offsets();
  return m;
}

rank_map rank_map::round_robin(const network& net, std::uint32_t n_ranks) {
  rank_map m = block(net, n_ranks);
  m.kind_ = kind::round_robin;
  return m;
}

rank_map rank_map::from_owners(const network& net, std::vector<std::uint32_t> owner_of_gid, std::uint32_t n_ranks) {
  rank_map m = block(net, n_ranks);
  if (owner_of_gid.size() != m.offsets_.back())
    throw config_error("rank_map", "has " + std::to_string(owner_of_gid.size()) + " entries but the network has " +
                                       std::to_string(m.offsets_.back()) + " neurons");
  for (std::size_t g = 0; g < owner_of_gid.size(); ++g)
    if (owner_of_gid[g] >= n_ranks)
      throw config_error("rank_map", "neuron " + std::to_string(g) + " is given to rank " +
                                         std::to_string(owner_of_gid[g]) + " of only " + std::to_string(n_ranks));
  m.kind_ = kind::explicit_map;
  m.owner_ = std::move(owner_of_gid);
  return m;
}

rank_map rank_map::by_name(const std::string& name, const network& net, std::uint32_t n_ranks,
                           const std::string& what) {
  if (name == "block") return block(net, n_ranks);
  if (name == "round-robin") return round_robin(net, n_ranks);
  throw config_error(what, "unknown decomposition '" + name + "' (known: block, round-robin)");
}

std::uint32_t rank_map::owner(gid_t gid) const {
  switch (kind_) {
    case kind::round_robin:
      return gid % n_ranks_;
    case kind::explicit_map:
      return owner_[gid];
    case kind::block:
      break;
  }
  // Block s of a population of n holds [n s / R, n (s + 1) / R): the last block starting at or
  // before id is s = ((id + 1) R - 1) / n.
  const std::size_t p = population_of(offsets_, gid);
  const std::uint64_t n = offsets_[p + 1] - offsets_[p];
  const std::uint64_t id = gid - offsets_[p];
  return static_cast<std::uint32_t>(((id + 1) * n_ranks_ - 1) / n);
}

std::string rank_map::name() const {
  switch (kind_) {
    case kind::round_robin:
      return "round-robin";
    case kind::explicit_map:
      return "explicit";
    case kind::block:
      break;
  }
  return "block";
}

partition make_rank_partition(const network& net, const rank_map& ranks, std::uint32_t rank, std::size_t n_shards) {
  if (n_shards == 0) throw config_error("threads", "need at least one shard (thread)");
  if (rank >= ranks.n_ranks())
    throw config_error("rank",
                       std::to_string(rank) + " is not below the number of ranks " + std::to_string(ranks.n_ranks()));
  partition p;
  p.population_offsets = net.offsets();
  p.shards.resize(n_shards);
  std::vector<std::uint32_t> filled(n_shards, 0);
  std::vector<index_t> owned;
  for (std::size_t pop = 0; pop < net.populations.size(); ++pop) {
    const gid_t first = p.population_offsets[pop];
    const index_t n = net.populations[pop].size;
    // The rank's ids of this population, as a range [lo, hi) when they are contiguous.
    index_t lo = 0, hi = 0;
    bool contiguous = true;
    owned.clear();
    if (ranks.type() == rank_map::kind::block) {
      lo = static_cast<index_t>(std::uint64_t{n} * rank / ranks.n_ranks());
      hi = static_cast<index_t>(std::uint64_t{n} * (rank + 1) / ranks.n_ranks());
    } else {
      for (index_t i = 0; i < n; ++i)
        if (ranks.owner(first + i) == rank) owned.push_back(i);
      contiguous = owned.empty() || owned.back() - owned.front() + 1 == owned.size();
      lo = owned.empty() ? 0 : owned.front();
      hi = owned.empty() ? 0 : owned.back() + 1;
    }
    const std::uint64_t count = contiguous ? hi - lo : owned.size();
    for (std::size_t s = 0; s < n_shards; ++s) {
      const auto b = static_cast<std::size_t>(count * s / n_shards);
      const auto e = static_cast<std::size_t>(count * (s + 1) / n_shards);
      shard_slice sl;
      sl.population = pop;
      sl.local_offset = filled[s];
      if (contiguous) {
        sl.begin = lo + static_cast<index_t>(b);
        sl.end = lo + static_cast<index_t>(e);
      } else if (b < e) {
        sl.ids.assign(owned.begin() + static_cast<std::ptrdiff_t>(b), owned.begin() + static_cast<std::ptrdiff_t>(e));
        sl.begin = sl.ids.front();
        sl.end = sl.ids.back() + 1;
        if (sl.end - sl.begin == sl.ids.size()) sl.ids.clear();  // contiguous after all
      }
      filled[s] += sl.size();
      p.shards[s].push_back(std::move(sl));
    }
  }
  return p;
}

}  // namespace neuromesh
