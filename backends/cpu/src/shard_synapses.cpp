// Reading a shard's synapses back by target (shard.hpp: target_walk), for the synapses in the
// output file: each target's synapses in (source, row order) -- row order is (receptor, delay,
// the order the connector placed them), which does not depend on how targets are split into
// shards -- so every split yields the same sequence per target. A projection kept as a conv2d plan
// (conv_delivery.hpp) has no rows: its synapses come from the kernel target by target, in the same
// order (ascending source), with no walk index.
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
  if (p.conv) {
    for (std::uint32_t i = 0; i < sl.size(); ++i)
      p.conv->for_each_of_target(i, [&](index_t, float) { n[first + i] += 1.0; });
    return;
  }
  for (std::size_t j = 0; j < p.rows.size(); ++j) n[first + p.rows.target(j) - sl.local_offset] += 1.0;
}

shard::target_walk shard::walk_by_target(std::size_t k) const {
  const shard_slice& sl = slice_of(post_of(*cfg_.net, k));
  const projection_rows& p = projections_[k];
  target_walk w;
  if (p.conv) return w;  // read_by_target generates each target's synapses
  w.start.assign(sl.size() + 1, 0);
  for (std::size_t j = 0; j < p.rows.size(); ++j) ++w.start[p.rows.target(j) - sl.local_offset + 1];
  for (std::uint32_t i = 0; i < sl.size(); ++i) w.start[i + 1] += w.start[i];
  w.synapse.resize(p.rows.size());
  w.source.resize(p.rows.size());
  std::vector<std::uint32_t> next(w.start.begin(), w.start.end() - 1);
  for (index_t src = 0; src < p.pre_size; ++src)
    p.rows.for_each_segment(src, [&](std::uint32_t begin, std::uint32_t end, delay_t, std::uint8_t) {
      for (std::uint32_t j = begin; j < end; ++j) {
        const std::uint32_t e = next[p.rows.target(j) - sl.local_offset]++;
        w.synapse[e] = j;
        w.source[e] = src;
      }
    });
  return w;
}

bool shard::read_by_target(std::size_t k, target_walk& w, std::size_t max, std::vector<synapse_record>& out) const {
  const shard_slice& sl = slice_of(post_of(*cfg_.net, k));
  const projection_rows& p = projections_[k];
  if (p.conv) {
    for (; w.target < sl.size(); ++w.target, w.entry = 0) {
      const index_t post = sl.id(w.target);
      std::uint32_t e = 0;
      bool full = false;
      p.conv->for_each_of_target(w.target, [&](index_t source, float weight) {
        if (full || e++ < w.entry) return;  // read by an earlier call
        if (out.size() >= max) {
          full = true;
          return;
        }
        out.push_back({p.conv->pre_begin + source, post, static_cast<double>(weight), p.conv->delay});
        ++w.entry;
      });
      if (full) return true;
    }
    return false;
  }
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

// Each weight recorder's masks in every shard that holds synapses of its projection.
void shard::make_weight_probes() {
  const network& net = *cfg_.net;
  probes_.clear();
  if (net.weight_recorders.empty()) return;
  probes_.resize(net.projections.size());
  for (std::size_t r = 0; r < net.weight_recorders.size(); ++r) {
    const weight_recorder& wr = net.weight_recorders[r];
    const projection_rows& p = projections_.at(wr.projection);
    const shard_slice& sl = slice_of(post_of(net, wr.projection));
    weight_probe probe{static_cast<std::uint32_t>(r), {}, {}};
    if (!wr.pre.empty()) {
      probe.pre.assign(p.pre_size, 0);
      for (index_t id : wr.pre) probe.pre[id] = 1;
    }
    if (!wr.post.empty()) {
      probe.post.assign(sl.size(), 0);
      for (index_t id : wr.post)
        if (sl.contains(id)) probe.post[sl.index_of(id)] = 1;
    }
    probes_[wr.projection].push_back(std::move(probe));
  }
}

// After source src's spike of step s updated synapses [begin, end) of projection k: the new weight
// of each watched one (NEST's weight_recorder sees the weight the spike carries).
void shard::record_weights(std::size_t k, index_t src, step_t s, std::uint32_t begin, std::uint32_t end) {
  const projection_rows& p = projections_[k];
  for (const weight_probe& probe : probes_[k]) {
    if (!probe.pre.empty() && !probe.pre[src]) continue;
    const shard_slice& sl = slice_of(post_of(*cfg_.net, k));
    for (std::uint32_t j = begin; j < end; ++j) {
      const std::uint32_t i = p.rows.target(j) - sl.local_offset;
      if (!probe.post.empty() && !probe.post[i]) continue;
      weight_events_.push_back({s, probe.recorder, src, sl.id(i), p.stdp->weight(j)});
    }
  }
}

void shard::take_weight_events(std::vector<weight_event>& out) {
  out.insert(out.end(), weight_events_.begin(), weight_events_.end());
  weight_events_.clear();
}

}  // namespace neuromesh::cpu
