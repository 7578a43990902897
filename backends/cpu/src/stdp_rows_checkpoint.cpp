// Checkpoint hooks of stdp_rows (stdp_rows.hpp): its state in the backends' shared form
// (synapses/state_checkpoint.hpp), which shard_synapse_checkpoint.cpp keys by neuron id and synapse
// order.
#include "stdp_rows.hpp"

namespace neuromesh::cpu {

synapse_checkpoint::stdp_source stdp_rows::source_state(index_t src) const {
  return {k_plus_[src], last_pre_[src], k_plus_triplet_.empty() ? 0.0 : k_plus_triplet_[src]};
}

void stdp_rows::set_source_state(index_t src, const synapse_checkpoint::stdp_source& in) {
  k_plus_[src] = in.k_plus;
  last_pre_[src] = in.last;
  if (!k_plus_triplet_.empty()) k_plus_triplet_[src] = in.k_plus_triplet;
}

synapse_checkpoint::stdp_target stdp_rows::target_state(std::uint32_t t) const {
  const post_history& ph = post_[t];
  return {target_[t].k_minus, target_[t].last, ph.dropped, ph.k_minus_triplet};
}

std::span<const stdp::post_spike> stdp_rows::live_history(std::uint32_t t) const {
  const post_history& ph = post_[t];
  return std::span<const stdp::post_spike>(ph.spikes).subspan(ph.first);
}

void stdp_rows::set_target_state(std::uint32_t t, const synapse_checkpoint::stdp_target& in,
                                 std::vector<stdp::post_spike> history) {
  post_history& ph = post_[t];
  target_[t] = target_trace{in.last, in.k_minus};  // and no K- kept from before
  ph.dropped = in.dropped;
  ph.k_minus_triplet = in.k_minus_triplet;
  ph.spikes = std::move(history);
  ph.first = 0;
}

}  // namespace neuromesh::cpu
