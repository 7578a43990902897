// Checkpoints of one shard's synapses with run-time state (checkpoint.hpp: synapse_state): each
// plastic projection's state per source (the sources with synapses here), per post neuron (its
// values and spike history) and per synapse in target-major order (by target, then source, then
// row order -- the order of the output file's edges), so any other split into shards and ranks,
// or another backend, takes it back. The rows' form is the backends' shared one
// (synapses/state_checkpoint.hpp); the values come from each rule's own hooks (stdp_rows).
#include <string>

#include <neuromesh/core/checkpoint.hpp>
#include <neuromesh/synapses/state_checkpoint.hpp>

#include "shard.hpp"

namespace neuromesh::cpu {

void shard::save_synapse_state(std::vector<synapse_state>& out) const {
  const network& net = *cfg_.net;
  out.resize(projections_.size());
  for (std::size_t k = 0; k < projections_.size(); ++k) {
    const projection_rows& p = projections_[k];
    synapse_state& s = out[k];
    if (!p.stdp && p.stp_state.empty()) continue;
    synapse_checkpoint::set_widths(s, p.stdp != nullptr);
    for (index_t src = 0; src < p.pre_size; ++src) {
      if (p.rows.row_empty(src)) continue;  // only shards with synapses from src keep its state up to date
      s.pre_ids.push_back(src);
      s.pre.resize(s.pre.size() + s.pre_width);
      double* row = s.pre.data() + s.pre.size() - s.pre_width;
      if (p.stdp)
        synapse_checkpoint::save(p.stdp->source_state(src), row);
      else
        synapse_checkpoint::save(p.stp_state[src], p.stp_last[src], row);
    }
    if (!p.stdp) continue;
    const shard_slice& sl = slice_of(net.population_index(net.projections[k].post, "projections"));
    const target_walk w = walk_by_target(k);
    for (std::uint32_t i = 0; i < sl.size(); ++i) {
      const std::uint32_t t = sl.local_offset + i;
      synapse_checkpoint::append_post(s, sl.id(i), p.stdp->target_state(t), p.stdp->live_history(t),
                                      w.start[i + 1] - w.start[i],
                                      [&](std::uint64_t e) { return p.stdp->weight(w.synapse[w.start[i] + e]); });
    }
  }
}

void shard::load_synapse_state(const std::vector<synapse_state>& in) {
  const network& net = *cfg_.net;
  for (std::size_t k = 0; k < projections_.size(); ++k) {
    projection_rows& p = projections_[k];
    if (!p.stdp && p.stp_state.empty()) continue;
    const synapse_checkpoint::merged_view s(
        in.at(k), p.stdp != nullptr, "projections[" + std::to_string(k) + "] (" + net.projections[k].synapse + ")");
    for (index_t src = 0; src < p.pre_size; ++src) {
      if (p.rows.row_empty(src)) continue;
      if (p.stdp)
        p.stdp->set_source_state(src, synapse_checkpoint::load_stdp_source(s.source(src)));
      else
        p.stp_state[src] = synapse_checkpoint::load_short_term(s.source(src), p.stp_last[src]);
    }
    if (!p.stdp) continue;
    const shard_slice& sl = slice_of(net.population_index(net.projections[k].post, "projections"));
    const target_walk w = walk_by_target(k);
    for (std::uint32_t i = 0; i < sl.size(); ++i) {
      const index_t id = sl.id(i);
      p.stdp->set_target_state(sl.local_offset + i, s.target(id), s.history(id));
      const std::span<const double> weights = s.weights(id, w.start[i + 1] - w.start[i]);
      for (std::uint32_t e = w.start[i]; e < w.start[i + 1]; ++e)
        p.stdp->set_weight(w.synapse[e], weights[e - w.start[i]]);
    }
  }
}

}  // namespace neuromesh::cpu
