// Checkpoint hooks of stdp_rows (stdp_rows.hpp): its state as plain values, which
// shard_synapse_checkpoint.cpp keys by neuron id and synapse order. A rule with more state adds its
// fields here and to the widths.
#include <cmath>
#include <string>

#include <neuromesh/core/errors.hpp>

#include "stdp_rows.hpp"

namespace neuromesh::cpu {

// Per source: K+, the step of its last spike, K+_triplet (0 for the rules without it).
void stdp_rows::save_source(index_t src, double* out) const {
  out[0] = k_plus_[src];
  out[1] = static_cast<double>(last_pre_[src]);
  out[2] = k_plus_triplet_.empty() ? 0.0 : k_plus_triplet_[src];
}

void stdp_rows::load_source(index_t src, const double* in) {
  k_plus_[src] = in[0];
  last_pre_[src] = static_cast<step_t>(in[1]);
  if (!k_plus_triplet_.empty()) k_plus_triplet_[src] = in[2];
}

// Per target: K-, its last spike, the last pruned history entry (step, K-, reads), K-_triplet and
// the pruned entry's K-_triplet (the triplet rule; 0 otherwise); then its history entries not yet
// read by every synapse onto it, (step, K-, reads, K-_triplet) each.
void stdp_rows::save_target(std::uint32_t t, double* out, std::vector<double>& history) const {
  const post_history& ph = post_[t];
  out[0] = target_[t].k_minus;
  out[1] = static_cast<double>(target_[t].last);
  out[2] = static_cast<double>(ph.dropped.step);
  out[3] = ph.dropped.k_minus;
  out[4] = static_cast<double>(ph.dropped.reads);
  out[5] = ph.k_minus_triplet;
  out[6] = ph.dropped.k_minus_triplet;
  for (std::size_t i = ph.first; i < ph.spikes.size(); ++i) {
    const post_spike& e = ph.spikes[i];
    history.insert(history.end(),
                   {static_cast<double>(e.step), e.k_minus, static_cast<double>(e.reads), e.k_minus_triplet});
  }
}

void stdp_rows::load_target(std::uint32_t t, const double* in, std::span<const double> history) {
  post_history& ph = post_[t];
  target_[t] = target_state{static_cast<step_t>(in[1]), in[0]};  // and no K- kept from before

  ph.dropped = {static_cast<step_t>(in[2]), in[3], static_cast<std::uint32_t>(in[4]), in[6]};
  ph.k_minus_triplet = in[5];
  if (history.size() % history_width != 0)
    throw internal_error("checkpoint: a postsynaptic history of " + std::to_string(history.size()) + " values");
  ph.spikes.clear();
  ph.first = 0;
  for (std::size_t i = 0; i < history.size(); i += history_width)
    ph.spikes.push_back(
        {static_cast<step_t>(history[i]), history[i + 1], static_cast<std::uint32_t>(history[i + 2]), history[i + 3]});
}

}  // namespace neuromesh::cpu
