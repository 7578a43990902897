// Reading a shard's synapses back by target (shard.hpp: target_walk), for the synapses in the
// output file: each target's synapses in (source, row order) -- row order is (receptor, delay,
// the order the connector placed them), which does not depend on how targets are split into
// shards -- so every split yields the same sequence per target.
#include "shard.hpp"

namespace neuromesh::cpu {

namespace {
std::size_t post_of(const network& net, std::size_t k) {
  return net.population_index(net.projections[k].post, "projections");
}
}  // namespace

void shard::count_by_target(std::size_t k, std::vector<std::uint32_t>& posts, std::vector<double>& n) const {
  const shard_slice& sl = slice_of(post_of(*cfg_.net, k));
  const projection_rows& p = projections_[k];
  const std::size_t first = n.size();
  for (std::uint32_t i = 0; i < sl.size(); ++i) posts.push_back(sl.id(i));
  n.resize(first + sl.size(), 0.0);
  for (std::size_t j = 0; j < p.rows.size(); ++j) n[first + p.rows.targets()[j] - sl.local_offset] += 1.0;
}

shard::target_walk shard::walk_by_target(std::size_t k) const {
  const shard_slice& sl = slice_of(post_of(*cfg_.net, k));
  const projection_rows& p = projections_[k];
  target_walk w;
  w.start.assign(sl.size() + 1, 0);
  for (std::size_t j = 0; j < p.rows.size(); ++j) ++w.start[p.rows.targets()[j] - sl.local_offset + 1];
  for (std::uint32_t i = 0; i < sl.size(); ++i) w.start[i + 1] += w.start[i];
  w.synapse.resize(p.rows.size());
  w.source.resize(p.rows.size());
  std::vector<std::uint32_t> next(w.start.begin(), w.start.end() - 1);
  for (index_t src = 0; src < p.pre_size; ++src)
    p.rows.for_each_segment(src, [&](std::uint32_t begin, std::uint32_t end, delay_t, std::uint8_t) {
      for (std::uint32_t j = begin; j < end; ++j) {
        const std::uint32_t e = next[p.rows.targets()[j] - sl.local_offset]++;
        w.synapse[e] = j;
        w.source[e] = src;
      }
    });
  return w;
}

bool shard::read_by_target(std::size_t k, target_walk& w, std::size_t max, std::vector<synapse_record>& out) const {
  const shard_slice& sl = slice_of(post_of(*cfg_.net, k));
  const projection_rows& p = projections_[k];
  for (; w.target < sl.size(); ++w.target, w.entry = 0) {
    const index_t post = sl.id(w.target);
    for (; w.start[w.target] + w.entry < w.start[w.target + 1]; ++w.entry) {
      if (out.size() >= max) return true;
      const std::uint32_t e = w.start[w.target] + w.entry, j = w.synapse[e];
      delay_t delay = 0;
      p.rows.for_each_segment(w.source[e], [&](std::uint32_t begin, std::uint32_t end, delay_t d, std::uint8_t) {
        if (j >= begin && j < end) delay = d;
      });
      out.push_back({w.source[e], post, p.stdp ? p.stdp->weight(j) : static_cast<double>(p.rows.weight(j)), delay});
    }
  }
  return false;
}

}  // namespace neuromesh::cpu
