// The weight recorders (network::weight_recorders; docs/plasticity.md, "Weight recorder"): after
// each chunk the engines hand over the weight changes their deliveries made on watched synapses;
// under MPI rank 0 gathers them. Sorted by (recorder, step, pre, post) -- a synapse's target lives
// on one rank and shard, and its events of one spike come in row order, so a stable sort gives one
// order for any thread and rank count -- then written to /weights/<name> and kept in memory.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <tuple>

#include <neuromesh/core/errors.hpp>
#include <neuromesh/core/recording.hpp>
#include <neuromesh/core/simulation.hpp>

namespace neuromesh {

const std::vector<weight_event>& simulation::recorded_weights(std::size_t recorder) const {
  static const std::vector<weight_event> none;
  if (recorder >= net_.weight_recorders.size())
    throw config_error("weight_recorders", "no weight recorder " + std::to_string(recorder) + " (the network has " +
                                               std::to_string(net_.weight_recorders.size()) + ")");
  return recorder < weights_.size() ? weights_[recorder] : none;
}

void simulation::collect_weight_events() {
  weight_buf_.clear();
  engine_->take_weight_events(weight_buf_);
  if (comm_->size() > 1) {
    std::vector<std::uint8_t> bytes(weight_buf_.size() * sizeof(weight_event)), all;
    std::vector<std::uint64_t> sizes;
    if (!bytes.empty()) std::memcpy(bytes.data(), weight_buf_.data(), bytes.size());
    comm_->gather_bytes_to_root(bytes, all, sizes);
    weight_buf_.resize(comm_->rank() == 0 ? all.size() / sizeof(weight_event) : 0);
    if (!weight_buf_.empty()) std::memcpy(weight_buf_.data(), all.data(), all.size());
  }
  if (weight_buf_.empty()) return;
  std::stable_sort(weight_buf_.begin(), weight_buf_.end(), [](const weight_event& a, const weight_event& b) {
    return std::tie(a.recorder, a.step, a.pre, a.post) < std::tie(b.recorder, b.step, b.pre, b.post);
  });
  for (weight_event& e : weight_buf_)  // NEST's convention, as simulation::synapses
    e.weight = net_.projections[net_.weight_recorders[e.recorder].projection].target == receptor::inhibitory
                   ? -std::abs(e.weight)
                   : std::abs(e.weight);
  rec_->record_weights(weight_buf_);
  weight_counts_.resize(net_.weight_recorders.size(), 0);
  weights_.resize(net_.weight_recorders.size());
  for (const weight_event& e : weight_buf_) {
    ++weight_counts_[e.recorder];
    if (opt_.keep_spikes_in_memory) weights_[e.recorder].push_back(e);
  }
}

}  // namespace neuromesh
