#pragma once
// The run-time state of plastic and short-term synapses as a checkpoint holds it
// (core/checkpoint.hpp: synapse_state), written once for every backend: the cpu backend's shards
// and the CUDA engine (cuda, cuda-omp) pack their own memory into these rows and read them back,
// so a checkpoint written by one backend resumes on another. A synapse_state holds, per
// projection: a row of plain values per source (pre), per post neuron (post) with its spike
// history entries after it (entries), and the weights per post neuron in (source, row order)
// (synapses) -- the order of the output file's edges, which does not depend on how the targets are
// split into shards or ranks. A rule with more state adds its fields here and to the widths.
#include <cmath>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <neuromesh/core/checkpoint.hpp>
#include <neuromesh/core/errors.hpp>
#include <neuromesh/synapses/model.hpp>
#include <neuromesh/synapses/stdp_update.hpp>

namespace neuromesh::synapse_checkpoint {

// STDP rules: per source K+, the step of its last spike, K+_triplet (0 for the rules without it).
// Per target: K-, its last spike, the last pruned history entry (step, K-, reads), K-_triplet and
// the pruned entry's K-_triplet. Per history entry not yet read by every synapse onto the target:
// (step, K-, reads, K-_triplet). Per synapse: its weight.
constexpr std::uint32_t stdp_source_width = 3, stdp_target_width = 7, history_width = 4;
// Short-term rules (tsodyks2_synapse, tsodyks_synapse), per source: u, x, y, spiked, last spike step.
constexpr std::uint32_t short_term_width = 5;

struct stdp_source {
  double k_plus = 0.0;
  step_t last = -1;
  double k_plus_triplet = 0.0;
};

struct stdp_target {
  double k_minus = 0.0;
  step_t last = -1;
  stdp::post_spike dropped{-1, 0.0, 0};
  double k_minus_triplet = 0.0;
};

inline void save(const stdp_source& s, double* out) {
  out[0] = s.k_plus;
  out[1] = static_cast<double>(s.last);
  out[2] = s.k_plus_triplet;
}
inline stdp_source load_stdp_source(const double* in) { return {in[0], static_cast<step_t>(in[1]), in[2]}; }

inline void save(const stdp_target& t, double* out) {
  out[0] = t.k_minus;
  out[1] = static_cast<double>(t.last);
  out[2] = static_cast<double>(t.dropped.step);
  out[3] = t.dropped.k_minus;
  out[4] = static_cast<double>(t.dropped.reads);
  out[5] = t.k_minus_triplet;
  out[6] = t.dropped.k_minus_triplet;
}
inline stdp_target load_stdp_target(const double* in) {
  return {in[0], static_cast<step_t>(in[1]),
          stdp::post_spike{static_cast<step_t>(in[2]), in[3], static_cast<std::uint32_t>(in[4]), in[6]}, in[5]};
}

inline void save_entry(const stdp::post_spike& e, std::vector<double>& out) {
  out.insert(out.end(), {static_cast<double>(e.step), e.k_minus, static_cast<double>(e.reads), e.k_minus_triplet});
}
// A target's history entries (history_width values each), in step order.
inline std::vector<stdp::post_spike> load_entries(std::span<const double> history) {
  if (history.size() % history_width != 0)
    throw internal_error("checkpoint: a postsynaptic history of " + std::to_string(history.size()) + " values");
  std::vector<stdp::post_spike> out;
  for (std::size_t i = 0; i < history.size(); i += history_width)
    out.push_back(
        {static_cast<step_t>(history[i]), history[i + 1], static_cast<std::uint32_t>(history[i + 2]), history[i + 3]});
  return out;
}

inline void save(const short_term_state& st, step_t last, double* out) {
  out[0] = st.u, out[1] = st.x, out[2] = st.y, out[3] = st.spiked ? 1.0 : 0.0;
  out[4] = static_cast<double>(last);
}
inline short_term_state load_short_term(const double* in, step_t& last) {
  last = static_cast<step_t>(in[4]);
  return {in[0], in[1], in[2], in[3] != 0.0};
}

// The widths of a projection's piece: STDP or short-term.
inline void set_widths(synapse_state& s, bool stdp) {
  s.pre_width = stdp ? stdp_source_width : short_term_width;
  s.post_width = stdp ? stdp_target_width : 0;
  s.entry_width = stdp ? history_width : 0;
  s.synapse_width = stdp ? 1 : 0;
}

// Appends post neuron `id`'s row to a piece: its values, its history entries and its synapses'
// weights in (source, row order) through weight(i), i < n.
template <class Weight>
void append_post(synapse_state& s, index_t id, const stdp_target& t, std::span<const stdp::post_spike> history,
                 std::uint64_t n, Weight&& weight) {
  s.post_ids.push_back(id);
  s.post.resize(s.post.size() + s.post_width);
  save(t, s.post.data() + s.post.size() - s.post_width);
  for (const stdp::post_spike& e : history) save_entry(e, s.entries);
  s.entries_per_post.push_back(history.size());
  s.synapses_per_post.push_back(n);
  for (std::uint64_t i = 0; i < n; ++i) s.synapses.push_back(static_cast<double>(weight(i)));
}

// A merged state (row = id; finish_synapse_merge) as an engine reads it back: its kind checked
// against the projection's (`where` names it), each source's and post neuron's values by id.
class merged_view {
 public:
  merged_view(const synapse_state& s, bool stdp, const std::string& where) : s_(s), where_(where) {
    synapse_state expected;
    set_widths(expected, stdp);
    if (s.pre_width != expected.pre_width || s.post_width != expected.post_width ||
        s.entry_width != expected.entry_width || s.synapse_width != expected.synapse_width)
      throw config_error("resume", "the checkpoint holds no state, or state of another kind, for " + where);
    first_entry_.assign(s.entries_per_post.size() + 1, 0);
    first_synapse_.assign(s.synapses_per_post.size() + 1, 0);
    for (std::size_t i = 0; i < s.entries_per_post.size(); ++i) {
      first_entry_[i + 1] = first_entry_[i] + s.entries_per_post[i];
      first_synapse_[i + 1] = first_synapse_[i] + s.synapses_per_post[i];
    }
  }
  // Source src's row (a source that has synapses here must have one).
  const double* source(index_t src) const {
    const double* row = s_.pre.data() + static_cast<std::size_t>(src) * s_.pre_width;
    if (static_cast<std::size_t>(src) * s_.pre_width >= s_.pre.size() || std::isnan(row[0]))
      throw internal_error("checkpoint: no state of source " + std::to_string(src) + " for " + where_);
    return row;
  }
  stdp_target target(index_t id) const {
    return load_stdp_target(s_.post.data() + static_cast<std::size_t>(id) * s_.post_width);
  }
  std::vector<stdp::post_spike> history(index_t id) const {
    return load_entries(
        std::span<const double>(s_.entries)
            .subspan(first_entry_[id] * s_.entry_width, (first_entry_[id + 1] - first_entry_[id]) * s_.entry_width));
  }
  // The weights of the synapses onto `id`, checked against the n built here.
  std::span<const double> weights(index_t id, std::uint64_t n) const {
    if (s_.synapses_per_post.at(id) != n)
      throw internal_error("checkpoint: " + std::to_string(s_.synapses_per_post[id]) + " synapses saved onto post " +
                           std::to_string(id) + " of " + where_ + ", " + std::to_string(n) + " built");
    return std::span<const double>(s_.synapses).subspan(first_synapse_[id], n);
  }

 private:
  const synapse_state& s_;
  std::string where_;
  std::vector<std::uint64_t> first_entry_, first_synapse_;
};

}  // namespace neuromesh::synapse_checkpoint
