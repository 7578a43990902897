#pragma once
// What an STDP projection (stdp_synapse, stdp_synapse_hom, stdp_pl_synapse_hom, the nearest-neighbour rules of
// stdp_nn_synapse.hpp and stdp_triplet_synapse) keeps in one shard besides
// its rows (synapses/stdp_synapse.hpp): a weight column (double: weights are compared with NEST's to 1e-12), the
// presynaptic trace K+ and last spike per source, and per target the postsynaptic spikes the synapses onto it have not
// all read yet (NEST's spike history with access counters). Only the owning shard's thread touches it, and a shard
// delivers one source's spikes in step order and each row in row order, so the updates of every synapse happen in one
// defined order for any number of threads or ranks. The rules are policies of on_pre (Rule): facilitate/depress, the
// pairing (pairing_of<Rule>: nearest-neighbour rules read spike times, not the traces) and, for the triplet rule only,
// a second presynaptic trace per source and a second postsynaptic trace per recorded spike (is_triplet_rule<Rule>).
#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include <neuromesh/core/spike.hpp>
#include <neuromesh/core/synapse_store.hpp>
#include <neuromesh/synapses/model.hpp>
#include <neuromesh/synapses/state_checkpoint.hpp>
#include <neuromesh/synapses/stdp_synapse.hpp>
#include <neuromesh/synapses/stdp_update.hpp>

namespace neuromesh::cpu {

class stdp_rows {
 public:
  // `rows`: the projection's stored synapses (their weights are copied here); n_sources: size of
  // the pre population; n_targets: the shard's index space; h: the step [ms].
  // The rules differ only in facilitate/depress (on_pre's Rule); every one keeps tau_plus and
  // tau_minus as its parameters 0 and 1. max_weight: the largest weight the rule can reach.
  stdp_rows(std::vector<double> params, const synapse_store& rows, index_t n_sources, std::uint32_t n_targets, double h,
            double max_weight);
  // The rule's initial traces (triplet: K+ and K+_triplet at t = 0, and its triplet time constants); call once after
  // construction, before the first spike.
  template <class Rule>
  void start();

  // Target `t` fired in step s: its K- jumps and, if synapses read it later, it joins the history.
  void record_post_spike(std::uint32_t t, step_t s);

  // Source `src`'s spike of step s reaches synapses [begin, end) of a segment with delay D: each
  // weight is updated (facilitation by the postsynaptic spikes since the last presynaptic one,
  // then depression) and add(target, input) gets the new weight's input.
  template <class Rule, class Add>
  void on_pre(index_t src, step_t s, delay_t D, const std::uint32_t* targets, std::uint32_t begin, std::uint32_t end,
              Add&& add);
  // After all segments of src's row have seen its spike of step s: K+ and the last spike move on.
  void after_pre(index_t src, step_t s);

  double weight(std::size_t k) const { return weight_[k]; }
  // Checkpoint hooks (stdp_rows_checkpoint.cpp): the state per source, per target (plus its spike
  // history entries not yet read by every synapse) in the backends' shared form
  // (synapses/state_checkpoint.hpp), and the weights.
  synapse_checkpoint::stdp_source source_state(index_t src) const;
  void set_source_state(index_t src, const synapse_checkpoint::stdp_source& in);
  synapse_checkpoint::stdp_target target_state(std::uint32_t t) const;
  std::span<const stdp::post_spike> live_history(std::uint32_t t) const;
  void set_target_state(std::uint32_t t, const synapse_checkpoint::stdp_target& in,
                        std::vector<stdp::post_spike> history);
  void set_weight(std::size_t k, double w) { weight_[k] = w; }
  double max_weight() const { return max_weight_; }
  std::size_t bytes() const;

 private:
  using post_spike = stdp::post_spike;
  // One target's postsynaptic spikes: spikes[first, size) still to be read by some synapse;
  // `dropped` is the last one pruned (its K- may still be asked for).
  struct post_history {
    std::vector<post_spike> spikes;
    std::size_t first = 0;
    post_spike dropped{-1, 0.0, 0};
    double k_minus = 0.0;
    double k_minus_triplet = 0.0;  // triplet rule only
    step_t last = -1;
    std::uint32_t incoming = 0;  // synapses of this projection onto the target
  };
  static void prune(post_history& ph);

  static constexpr int tau_plus = 0, tau_minus = 1;  // in every rule's parameters
  std::vector<double> p_;                            // the rule's parameters, in its order
  double h_;
  double max_weight_;
  std::vector<double> weight_;      // per synapse, row order
  std::vector<double> k_plus_;      // per source
  std::vector<step_t> last_pre_;    // per source: step of its last spike, -1 before the first (t = 0)
  std::vector<post_history> post_;  // per target index
  // The triplet rule only (empty / 0 otherwise): K+_triplet per source and the triplet time constants.
  std::vector<double> k_plus_triplet_;
  double tau_plus_triplet_ = 0.0, tau_minus_triplet_ = 0.0;
};

template <class Rule>
void stdp_rows::start() {
  const double* p = p_.data();
  if constexpr (requires { Rule::initial_k_plus(p); })
    std::fill(k_plus_.begin(), k_plus_.end(), Rule::initial_k_plus(p));
  if constexpr (is_triplet_rule<Rule>()) {
    k_plus_triplet_.assign(k_plus_.size(), Rule::initial_k_plus_triplet(p));
    tau_plus_triplet_ = p[Rule::tau_plus_triplet];
    tau_minus_triplet_ = p[Rule::tau_minus_triplet];
  }
}

template <class Rule, class Add>
void stdp_rows::on_pre(index_t src, step_t s, delay_t D, const std::uint32_t* targets, std::uint32_t begin,
                       std::uint32_t end, Add&& add) {
  static_assert(Rule::tau_plus == tau_plus && Rule::tau_minus == tau_minus);
  const double* p = p_.data();
  double k_triplet = 0.0;  // the triplet rule: K+_triplet just before this spike
  if constexpr (is_triplet_rule<Rule>())
    k_triplet = stdp::trace_before_spike(k_plus_triplet_[src], last_pre_[src], s, p[Rule::tau_plus_triplet], h_);
  const stdp::pre_spike pre{s, last_pre_[src], k_plus_[src], k_triplet};
  for (std::uint32_t k = begin; k < end; ++k) {
    post_history& ph = post_[targets[k]];
    // No postsynaptic spike in the window nor at its end (a second spike of the source in one
    // step has lo > hi, and depression must then skip a spike at hi): the history is not read.
    if (ph.last < pre.last - D + 1 && ph.last < pre.step - D) {
      const post_spike newest{ph.last, ph.k_minus, 0, ph.k_minus_triplet};  // = its newest entry
      const double w =
          stdp::update_weight_before_window<Rule>(p, h_, weight_[k], pre, D, ph.last >= 0 ? &newest : nullptr);
      weight_[k] = w;
      add(targets[k], Rule::input(w));
      continue;
    }
    bool read = false;
    const double w =
        stdp::update_weight<Rule>(p, h_, weight_[k], pre, D, ph.spikes.data(), static_cast<std::uint32_t>(ph.first),
                                  static_cast<std::uint32_t>(ph.spikes.size()), ph.dropped, [&read](post_spike& e) {
                                    ++e.reads;
                                    read = true;
                                  });
    weight_[k] = w;
    add(targets[k], Rule::input(w));
    // The history was pruned after every earlier read; only a read can make more of it prunable.
    if (read) prune(ph);
  }
}

}  // namespace neuromesh::cpu
