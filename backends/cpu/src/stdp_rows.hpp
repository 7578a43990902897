#pragma once
// What an STDP projection (stdp_synapse, stdp_synapse_hom, stdp_pl_synapse_hom, the nearest-neighbour rules of
// stdp_nn_synapse.hpp and stdp_triplet_synapse) keeps in one shard besides
// its rows (synapses/stdp_synapse.hpp): a weight column (double in double precision: weights are compared with
// NEST's to 1e-12; float in single precision, 4 bytes per synapse less -- every backend rounds a new weight to the
// column's type before the spike carries it, so they agree bit for bit), the
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
  // double_weights: keep the weights in double (else float).
  stdp_rows(std::vector<double> params, const synapse_store& rows, index_t n_sources, std::uint32_t n_targets, double h,
            double max_weight, bool double_weights);
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

  double weight(std::size_t k) const { return weight_.empty() ? weight_float_[k] : weight_[k]; }
  // Checkpoint hooks (stdp_rows_checkpoint.cpp): the state per source, per target (plus its spike
  // history entries not yet read by every synapse) in the backends' shared form
  // (synapses/state_checkpoint.hpp), and the weights.
  synapse_checkpoint::stdp_source source_state(index_t src) const;
  void set_source_state(index_t src, const synapse_checkpoint::stdp_source& in);
  synapse_checkpoint::stdp_target target_state(std::uint32_t t) const;
  std::span<const stdp::post_spike> live_history(std::uint32_t t) const;
  void set_target_state(std::uint32_t t, const synapse_checkpoint::stdp_target& in,
                        std::vector<stdp::post_spike> history);
  void set_weight(std::size_t k, double w) {
    if (weight_.empty())
      weight_float_[k] = static_cast<float>(w);
    else
      weight_[k] = w;
  }
  double max_weight() const { return max_weight_; }
  std::size_t bytes() const;

 private:
  using post_spike = stdp::post_spike;
  // What every synapse onto a target reads (kept apart from its history, 2 targets per cache line):
  // its last spike and K- just after it, and the K- the last depression read (stdp::k_minus_at),
  // for the presynaptic step and delay in `depressed` (step * 2^16 + delay; -1: none) -- the same
  // for every synapse onto the target that a spike of that step reaches through that delay.
  struct target_trace {
    step_t last = -1;
    double k_minus = 0.0;
    std::int64_t depressed = -1;
    double depressed_k_minus = 0.0;
  };
  // One target's postsynaptic spikes: spikes[first, size) still to be read by some synapse;
  // `dropped` is the last one pruned (its K- may still be asked for).
  struct post_history {
    std::vector<post_spike> spikes;
    std::size_t first = 0;
    post_spike dropped{-1, 0.0, 0};
    double k_minus_triplet = 0.0;  // triplet rule only
    std::uint32_t incoming = 0;    // synapses of this projection onto the target
  };
  static void prune(post_history& ph);
  // stdp::k_minus_at for target state ts, kept there for the next synapse onto it.
  template <class Rule>
  double k_minus_at(target_trace& ts, step_t s, delay_t D, const post_spike* before) const {
    const std::int64_t key = (s << 16) | static_cast<std::int64_t>(D);
    if (ts.depressed != key) {
      ts.depressed_k_minus = stdp::k_minus_at<Rule>(decay(tau_minus), s, D, before);
      ts.depressed = key;
    }
    return ts.depressed_k_minus;
  }
  template <class Rule, class W, class Add>
  void on_pre(W* weight, const stdp::pre_spike& pre, delay_t D, const std::uint32_t* targets, std::uint32_t begin,
              std::uint32_t end, Add&& add);
  // update_weight's last part for a synapse onto target t whose facilitated, scaled weight is x:
  // depression by K- (kept per target) of the last postsynaptic spike before history index
  // `before` (facilitate_window's), back to the weight's units. Shared by the busy paths.
  template <class Rule>
  double depressed(const stdp::pre_spike& pre, delay_t D, std::uint32_t t, double x, std::uint32_t first,
                   std::uint32_t before) {
    const double* p = p_.data();
    const post_history& ph = post_[t];
    const double k_minus =
        k_minus_at<Rule>(target_[t], pre.step, D, stdp::spike_before(ph.spikes.data(), first, before, ph.dropped));
    return stdp::from_scaled<Rule>(p, stdp::depress_by<Rule>(p, x, pre, k_minus));
  }
  template <class Rule, class W>
  void update_busy_pair(W* weight, const stdp::pre_spike& pre, delay_t D, const std::uint32_t* targets,
                        std::uint32_t ka, std::uint32_t kb, const stdp::step_decay& plus);

  static constexpr int tau_plus = 0, tau_minus = 1;  // in every rule's parameters
  std::vector<double> p_;                            // the rule's parameters, in its order
  double h_;
  double max_weight_;
  std::vector<double> weight_;        // per synapse, row order (double precision)
  std::vector<float> weight_float_;   // per synapse, row order (single precision)
  std::vector<double> k_plus_;        // per source
  std::vector<step_t> last_pre_;      // per source: step of its last spike, -1 before the first (t = 0)
  std::vector<target_trace> target_;  // per target index
  std::vector<post_history> post_;    // per target index
  // stdp::step_decay's tables for tau_plus and tau_minus: the exps of each synapse's update
  // become loads (the same bits). 32.5 KiB each.
  stdp::decay_tables decay_[2];  // [tau_plus], [tau_minus]
  stdp::step_decay decay(int tau) const { return decay_[tau].view(h_, p_[tau]); }
  // The triplet rule only (empty / 0 otherwise): K+_triplet per source and the triplet time constants.
  std::vector<double> k_plus_triplet_;
  double tau_plus_triplet_ = 0.0, tau_minus_triplet_ = 0.0;
  // on_pre's scratch: a segment's quiet and busy synapses (indices into the rows).
  std::vector<std::uint32_t> quiet_, busy_;
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
  double k_triplet = 0.0;  // the triplet rule: K+_triplet just before this spike
  if constexpr (is_triplet_rule<Rule>())
    k_triplet = stdp::trace_before_spike(k_plus_triplet_[src], last_pre_[src], s, p_[Rule::tau_plus_triplet], h_);
  const stdp::pre_spike pre{s, last_pre_[src], k_plus_[src], k_triplet};
  if (weight_.empty())
    on_pre<Rule>(weight_float_.data(), pre, D, targets, begin, end, add);
  else
    on_pre<Rule>(weight_.data(), pre, D, targets, begin, end, add);
}

template <class Rule, class W, class Add>
void stdp_rows::on_pre(W* weight, const stdp::pre_spike& pre, delay_t D, const std::uint32_t* targets,
                       std::uint32_t begin, std::uint32_t end, Add&& add) {
  constexpr bool restricted = pairing_of<Rule>() == stdp_pairing::nearest_restricted;
  const double* p = p_.data();
  const stdp::step_decay plus = decay(tau_plus), minus = decay(tau_minus);
  const step_t lo = pre.last - D + 1, hi = pre.step - D;  // the window [lo, hi]
  // The segment's synapses in two lists, without a branch per synapse: `quiet` -- no
  // postsynaptic spike in the window nor at its end (a second spike of the source in one step has
  // lo > hi, and depression must then skip a spike at hi), so the history is not read -- and the
  // rest. Each synapse's update reads its target's state only, so the order of synapses within a
  // segment changes no value (adds into the ring commute); it saves a mispredicted branch per
  // synapse where targets fire at random (COBA + STDP: 3 in 4 synapses are quiet).
  quiet_.resize(end - begin);
  busy_.resize(end - begin);
  std::uint32_t n_quiet = 0, n_busy = 0;
  for (std::uint32_t k = begin; k < end; ++k) {
    const step_t last = target_[targets[k]].last;
    const bool quiet = last < lo && last < hi;
    quiet_[n_quiet] = k;
    busy_[n_busy] = k;
    n_quiet += quiet ? 1 : 0;
    n_busy += quiet ? 0 : 1;
  }
  if constexpr (!restricted) {  // restricted pairing: a quiet synapse stays as it is
    for (std::uint32_t i = 0; i < n_quiet; ++i) {
      const std::uint32_t k = quiet_[i], t = targets[k];
      const target_trace& ts = target_[t];
      const post_spike newest{ts.last, ts.k_minus, 0};  // = the history's newest entry
      // K- at t_pre - d straight from the newest spike: what k_minus_at keeps, the same bits.
      const double k_minus = stdp::k_minus_at<Rule>(minus, pre.step, D, ts.last >= 0 ? &newest : nullptr);
      weight[k] =
          static_cast<W>(stdp::update_weight_before_window<Rule>(p, static_cast<double>(weight[k]), pre, k_minus));
    }
  }
  std::uint32_t i = 0;
  if constexpr (pairing_of<Rule>() == stdp_pairing::all_to_all && !is_triplet_rule<Rule>())
    for (; i + 1 < n_busy; i += 2) update_busy_pair<Rule>(weight, pre, D, targets, busy_[i], busy_[i + 1], plus);
  for (; i < n_busy; ++i) {
    const std::uint32_t k = busy_[i], t = targets[k];
    post_history& ph = post_[t];
    bool read_first = false;  // the synapse read the history's oldest live spike
    const auto first = static_cast<std::uint32_t>(ph.first);
    const post_spike* oldest = ph.spikes.data() + first;
    const double w0 = static_cast<double>(weight[k]);
    const stdp::facilitated f = stdp::facilitate_window<Rule>(
        p, plus, stdp::to_scaled<Rule>(p, w0), pre, D, ph.spikes.data(), first,
        static_cast<std::uint32_t>(ph.spikes.size()), [&read_first, oldest](post_spike& e) {
          ++e.reads;
          read_first |= &e == oldest;
        });
    const double w = restricted && !f.paired ? w0  // unpaired: unchanged
                                             : depressed<Rule>(pre, D, t, f.w, first, f.before);
    // The history was pruned after every earlier read of its oldest spike, and only such a read
    // can make more of it prunable (prune stops at the first spike not yet read by every synapse):
    // other reads leave the oldest spike's memory, often long untouched, alone.
    if (read_first) prune(ph);
    weight[k] = static_cast<W>(w);  // the column's precision, on every backend
  }
  // The input of every synapse, in row order: the new weights.
  for (std::uint32_t k = begin; k < end; ++k) add(targets[k], Rule::input(static_cast<double>(weight[k])));
}

// Two busy synapses of one segment (all-to-all pairing, not the triplet rule) updated side by
// side: each weight's facilitations form a dependency chain (w -> w^mu -> w for the power laws,
// ~65 cycles a link), so two chains in one loop keep the core busy where one leaves it waiting.
// Each synapse gets exactly the operations of facilitate_window + depress_by, in its own order
// (the same bits as one at a time, and as the CUDA kernels). The histories are pruned after both
// depressions: with one target for both, the second synapse then reads its K- before the first's
// prune rather than after it -- the same spike, from the history instead of its `dropped` copy.
template <class Rule, class W>
void stdp_rows::update_busy_pair(W* weight, const stdp::pre_spike& pre, delay_t D, const std::uint32_t* targets,
                                 std::uint32_t ka, std::uint32_t kb, const stdp::step_decay& plus) {
  const double* p = p_.data();
  const std::uint32_t ta = targets[ka], tb = targets[kb];
  post_history& ha = post_[ta];
  post_history& hb = post_[tb];
  const auto fa = static_cast<std::uint32_t>(ha.first), fb = static_cast<std::uint32_t>(hb.first);
  post_spike* sa = ha.spikes.data();
  post_spike* sb = hb.spikes.data();
  const step_t lo = pre.last - D + 1, hi = pre.step - D;
  const stdp::history_window wa = stdp::find_window(sa, fa, static_cast<std::uint32_t>(ha.spikes.size()), lo, hi);
  const stdp::history_window wb = stdp::find_window(sb, fb, static_cast<std::uint32_t>(hb.spikes.size()), lo, hi);
  const stdp::facilitation_trace trace{pre.k_plus, pre.last, D, plus};
  double xa = stdp::to_scaled<Rule>(p, static_cast<double>(weight[ka]));
  double xb = stdp::to_scaled<Rule>(p, static_cast<double>(weight[kb]));
  std::uint32_t ia = wa.start, ib = wb.start;
  for (; ia < wa.end && ib < wb.end; ++ia, ++ib) {
    xa = Rule::facilitate(p, xa, trace(sa[ia].step));
    xb = Rule::facilitate(p, xb, trace(sb[ib].step));
  }
  for (; ia < wa.end; ++ia) xa = Rule::facilitate(p, xa, trace(sa[ia].step));
  for (; ib < wb.end; ++ib) xb = Rule::facilitate(p, xb, trace(sb[ib].step));
  for (std::uint32_t j = wa.start; j < wa.end; ++j) ++sa[j].reads;
  for (std::uint32_t j = wb.start; j < wb.end; ++j) ++sb[j].reads;
  const double na = depressed<Rule>(pre, D, ta, xa, fa, wa.before);
  const double nb = depressed<Rule>(pre, D, tb, xb, fb, wb.before);
  // A read of the oldest live spike is the only read that can make more of a history prunable.
  if (wa.start == fa && wa.end > wa.start) prune(ha);
  if (wb.start == fb && wb.end > wb.start) prune(hb);
  weight[ka] = static_cast<W>(na);
  weight[kb] = static_cast<W>(nb);
}

}  // namespace neuromesh::cpu
