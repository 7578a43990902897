#include <string>

#include <neuromesh/core/errors.hpp>

#include "stdp_rows.hpp"

namespace neuromesh::cpu {

stdp_rows::stdp_rows(std::vector<double> params, const synapse_store& rows, index_t n_sources, std::uint32_t n_targets,
                     double h, double max_weight, bool double_weights)
    : p_(std::move(params)),
      h_(h),
      max_weight_(max_weight),
      k_plus_(n_sources, 0.0),
      last_pre_(n_sources, -1),
      target_(n_targets),
      post_(n_targets) {
  if (double_weights)
    weight_.resize(rows.size());
  else
    weight_float_.resize(rows.size());
  for (const int tau : {tau_plus, tau_minus}) decay_[tau] = stdp::decay_tables(h_, p_[tau]);
  for (std::size_t k = 0; k < rows.size(); ++k) {
    set_weight(k, static_cast<double>(rows.weight(k)));
    ++post_[rows.targets()[k]].incoming;
  }
}

void stdp_rows::record_post_spike(std::uint32_t target, step_t s) {
  target_trace& ts = target_[target];
  post_history& ph = post_[target];
  ts.k_minus = stdp::trace_after_spike(ts.k_minus, ts.last, s, p_[tau_minus], h_);
  if (tau_minus_triplet_ > 0)  // the triplet rule only
    ph.k_minus_triplet = stdp::trace_after_spike(ph.k_minus_triplet, ts.last, s, tau_minus_triplet_, h_);
  ts.last = s;
  if (ph.incoming > 0) ph.spikes.push_back({s, ts.k_minus, 0, ph.k_minus_triplet});
}

void stdp_rows::after_pre(index_t src, step_t s) {
  if (s < last_pre_[src])  // the update order would depend on delivery order: never silently
    throw internal_error("STDP: a presynaptic spike of step " + std::to_string(s) + " delivered after one of step " +
                         std::to_string(last_pre_[src]));
  if (!k_plus_triplet_.empty())  // the triplet rule only
    k_plus_triplet_[src] = stdp::trace_after_spike(k_plus_triplet_[src], last_pre_[src], s, tau_plus_triplet_, h_);
  k_plus_[src] = stdp::trace_after_spike(k_plus_[src], last_pre_[src], s, p_[tau_plus], h_);
  last_pre_[src] = s;
}

// Drops the oldest spikes every incoming synapse has read; compacts when half the vector is dead.
void stdp_rows::prune(post_history& ph) {
  ph.first = stdp::prune(ph.spikes.data(), static_cast<std::uint32_t>(ph.first),
                         static_cast<std::uint32_t>(ph.spikes.size()), ph.incoming, ph.dropped);
  if (ph.first > 0 && ph.first * 2 >= ph.spikes.size()) {
    ph.spikes.erase(ph.spikes.begin(), ph.spikes.begin() + static_cast<std::ptrdiff_t>(ph.first));
    ph.first = 0;
  }
}

std::size_t stdp_rows::bytes() const {
  std::size_t history = 0;
  for (const post_history& ph : post_) history += ph.spikes.capacity() * sizeof(post_spike);
  return weight_.size() * sizeof(double) + weight_float_.size() * sizeof(float) +
         k_plus_.size() * (sizeof(double) + sizeof(step_t)) + k_plus_triplet_.size() * sizeof(double) +
         target_.size() * sizeof(target_trace) + post_.size() * sizeof(post_history) + history +
         (decay_[0].bytes() + decay_[1].bytes());
}

}  // namespace neuromesh::cpu
