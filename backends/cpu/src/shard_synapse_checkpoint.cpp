// Checkpoints of one shard's synapses with run-time state (checkpoint.hpp: synapse_state): each
// plastic projection's state per source (the sources with synapses here), per post neuron (its
// values and spike history) and per synapse in target-major order (by target, then source, then
// row order -- the order of the output file's edges), so any other split into shards and ranks
// takes it back. The values come from each rule's own hooks (stdp_rows::save_source, ...).
#include <cmath>
#include <string>

#include <neuromesh/core/checkpoint.hpp>
#include <neuromesh/core/errors.hpp>

#include "shard.hpp"

namespace neuromesh::cpu {

namespace {

constexpr std::uint32_t stp_width = 5;  // short-term per source: u, x, y (tsodyks_synapse), spiked, last spike step

std::vector<std::uint64_t> prefix(const std::vector<std::uint64_t>& counts) {
  std::vector<std::uint64_t> first(counts.size() + 1, 0);
  for (std::size_t i = 0; i < counts.size(); ++i) first[i + 1] = first[i] + counts[i];
  return first;
}

}  // namespace

void shard::save_synapse_state(std::vector<synapse_state>& out) const {
  const network& net = *cfg_.net;
  out.resize(projections_.size());
  for (std::size_t k = 0; k < projections_.size(); ++k) {
    const projection_rows& p = projections_[k];
    synapse_state& s = out[k];
    if (p.stdp) {
      s.pre_width = stdp_rows::source_width;
      s.post_width = stdp_rows::target_width;
      s.entry_width = stdp_rows::history_width;
      s.synapse_width = 1;
    } else if (!p.stp_state.empty()) {
      s.pre_width = stp_width;
    } else {
      continue;
    }
    for (index_t src = 0; src < p.pre_size; ++src) {
      if (p.rows.row_empty(src)) continue;  // only shards with synapses from src keep its state up to date
      s.pre_ids.push_back(src);
      s.pre.resize(s.pre.size() + s.pre_width);
      double* row = s.pre.data() + s.pre.size() - s.pre_width;
      if (p.stdp) {
        p.stdp->save_source(src, row);
      } else {
        const short_term_state& st = p.stp_state[src];
        row[0] = st.u, row[1] = st.x, row[2] = st.y, row[3] = st.spiked ? 1.0 : 0.0;
        row[4] = static_cast<double>(p.stp_last[src]);
      }
    }
    if (!p.stdp) continue;
    const shard_slice& sl = slice_of(net.population_index(net.projections[k].post, "projections"));
    const target_walk w = walk_by_target(k);
    for (std::uint32_t i = 0; i < sl.size(); ++i) {
      s.post_ids.push_back(sl.id(i));
      s.post.resize(s.post.size() + s.post_width);
      const std::size_t before = s.entries.size();
      p.stdp->save_target(sl.local_offset + i, s.post.data() + s.post.size() - s.post_width, s.entries);
      s.entries_per_post.push_back((s.entries.size() - before) / s.entry_width);
      s.synapses_per_post.push_back(w.start[i + 1] - w.start[i]);
      for (std::uint32_t e = w.start[i]; e < w.start[i + 1]; ++e) s.synapses.push_back(p.stdp->weight(w.synapse[e]));
    }
  }
}

void shard::load_synapse_state(const std::vector<synapse_state>& in) {
  const network& net = *cfg_.net;
  for (std::size_t k = 0; k < projections_.size(); ++k) {
    projection_rows& p = projections_[k];
    if (!p.stdp && p.stp_state.empty()) continue;
    const std::string where = "projections[" + std::to_string(k) + "] (" + net.projections[k].synapse + ")";
    const synapse_state& s = in.at(k);
    const bool widths_match = p.stdp
                                  ? s.pre_width == stdp_rows::source_width && s.post_width == stdp_rows::target_width &&
                                        s.entry_width == stdp_rows::history_width && s.synapse_width == 1
                                  : s.pre_width == stp_width;
    if (!widths_match)
      throw config_error("resume", "the checkpoint holds no state, or state of another kind, for " + where);
    for (index_t src = 0; src < p.pre_size; ++src) {
      if (p.rows.row_empty(src)) continue;
      const double* row = s.pre.data() + static_cast<std::size_t>(src) * s.pre_width;
      if (std::isnan(row[0]))
        throw internal_error("checkpoint: no state of source " + std::to_string(src) + " for " + where);
      if (p.stdp) {
        p.stdp->load_source(src, row);
      } else {
        p.stp_state[src] = {row[0], row[1], row[2], row[3] != 0.0};
        p.stp_last[src] = static_cast<step_t>(row[4]);
      }
    }
    if (!p.stdp) continue;
    const shard_slice& sl = slice_of(net.population_index(net.projections[k].post, "projections"));
    const std::vector<std::uint64_t> first_entry = prefix(s.entries_per_post);
    const std::vector<std::uint64_t> first_synapse = prefix(s.synapses_per_post);
    const target_walk w = walk_by_target(k);
    for (std::uint32_t i = 0; i < sl.size(); ++i) {
      const index_t id = sl.id(i);
      const std::size_t e0 = first_entry[id] * s.entry_width, e1 = first_entry[id + 1] * s.entry_width;
      p.stdp->load_target(sl.local_offset + i, s.post.data() + static_cast<std::size_t>(id) * s.post_width,
                          std::span<const double>(s.entries).subspan(e0, e1 - e0));
      if (s.synapses_per_post[id] != w.start[i + 1] - w.start[i])
        throw internal_error("checkpoint: " + std::to_string(s.synapses_per_post[id]) + " synapses saved onto post " +
                             std::to_string(id) + " of " + where + ", " + std::to_string(w.start[i + 1] - w.start[i]) +
                             " built");
      for (std::uint32_t e = w.start[i]; e < w.start[i + 1]; ++e)
        p.stdp->set_weight(w.synapse[e], s.synapses[first_synapse[id] + (e - w.start[i])]);
    }
  }
}

}  // namespace neuromesh::cpu
