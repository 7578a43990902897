#pragma once
// The per-synapse update of the STDP rules (stdp_synapse.hpp: stdp_synapse, stdp_synapse_hom,
// stdp_pl_synapse_hom; stdp_nn_synapse.hpp: the nearest-neighbour pairings; the triplet rule,
// stdp_triplet_synapse.hpp), written once for every backend: the cpu backend's
// stdp_rows and the CUDA backend's kernels (cuda and cuda-omp) call these functions on their own
// memory, through plain pointers. Only the memory and the order of calls are the backends': each
// synapse's updates happen in the step order of its source's spikes on every backend, so weights
// are bit-identical (the determinism contract, ../shared/DESIGN.md).
//
// A target's postsynaptic spike history (NEST's ArchivingNode history with access counters) is a
// step-sorted array of post_spike: entries [first, n) are live; older ones were pruned once every
// synapse onto the target had read them, and `dropped` is the last pruned one (its K- may still be
// asked for). Pruning never changes a result: a synapse reads a postsynaptic spike at most once,
// so pruned spikes are never read again, and the K- lookup falls back on `dropped` exactly when
// every spike before the asked time was pruned.
#include <cstddef>
#include <cstdint>
#include <vector>

#include <neuromesh/core/macros.hpp>
#include <neuromesh/core/math.hpp>
#include <neuromesh/core/spike.hpp>
#include <neuromesh/core/synapse_store.hpp>
#include <neuromesh/synapses/stdp_synapse.hpp>

namespace neuromesh::stdp {

// One postsynaptic spike in a target's history.
struct post_spike {
  step_t step;
  double k_minus;                // K- just after this spike
  std::uint32_t reads;           // synapses that have used it for facilitation
  double k_minus_triplet = 0.0;  // triplet rule: K-_triplet just after this spike
};

// The time [ms] of a spike of step s (-1: before any spike, t = 0) with step h.
NEUROMESH_INLINE_HOST_DEVICE double spike_time(step_t s, double h) { return static_cast<double>(s + 1) * h; }

// Every decay of a trace spans a whole number n >= 0 of steps (spikes happen at step ends), and
// is computed from n -- not from the difference of two spike times in ms, whose rounding depends
// on how late in the run they are -- so the same n gives the same bits at any time and a backend
// may keep the values in tables (step_decay):
//   trace_decay(n) = e^(-n h / tau)                                      n < decay_block
//                  = e^(-(n mod B) h / tau) e^(-(n - n mod B) h / tau)   n < B decay_blocks (B = decay_block)
//                  = e^(-n h / tau)                                      beyond
// (the product: two table loads instead of an exp for the long gaps of quiet neurons; it differs
// from e^(-n h / tau) by rounding only). decay_steps is the plain exponential.
inline constexpr std::uint32_t decay_block = 4096, decay_blocks = 64;
NEUROMESH_INLINE_HOST_DEVICE double decay_steps(step_t n, double h, double tau) {
  return math::exp(-static_cast<double>(n) * h / tau);
}

// trace_decay for one time constant, its pieces read from a backend's tables where it has them
// (low[i] = decay_steps(i) for i < decay_block, high[j] = decay_steps(j decay_block) for
// j < decay_blocks: the same bits) and computed otherwise (tables null: the CUDA kernels).
struct step_decay {
  double h, tau;
  const double* low = nullptr;
  const double* high = nullptr;
  NEUROMESH_INLINE_HOST_DEVICE double operator()(step_t n) const {
    const auto u = static_cast<std::uint64_t>(n);
    if (u >= std::uint64_t{decay_block} * decay_blocks) return decay_steps(n, h, tau);
    const auto i = static_cast<step_t>(u % decay_block), j = static_cast<step_t>(u / decay_block);
    const double below = low != nullptr ? low[i] : decay_steps(i, h, tau);
    if (j == 0) return below;
    return below * (high != nullptr ? high[j] : decay_steps(j * decay_block, h, tau));
  }
};
NEUROMESH_INLINE_HOST_DEVICE double trace_decay(step_t n, double h, double tau) { return step_decay{h, tau}(n); }

// A backend's tables for step_decay (host memory; the cpu backend keeps one per time constant,
// 32.5 KiB): the one builder, so that tests/unit/test_stdp_decay.cpp checks the tables the cpu reads.
struct decay_tables {
  std::vector<double> low, high;
  decay_tables() = default;
  decay_tables(double h, double tau) {
    low.reserve(decay_block);
    high.reserve(decay_blocks);
    for (std::uint32_t i = 0; i < decay_block; ++i) low.push_back(decay_steps(i, h, tau));
    for (std::uint32_t j = 0; j < decay_blocks; ++j) high.push_back(decay_steps(step_t{j} * decay_block, h, tau));
  }
  std::size_t bytes() const { return (low.size() + high.size()) * sizeof(double); }
  step_decay view(double h, double tau) const { return {h, tau, low.data(), high.data()}; }
};

// A trace (K+ of a source, K- of a target, their triplet twins) of value k after a spike of step
// `last`, just before / just after a spike of step s (s - last steps later; last = -1: t = 0).
NEUROMESH_INLINE_HOST_DEVICE double trace_before_spike(double k, step_t last, step_t s, double tau, double h) {
  return k * trace_decay(s - last, h, tau);
}
NEUROMESH_INLINE_HOST_DEVICE double trace_after_spike(double k, step_t last, step_t s, double tau, double h) {
  return trace_before_spike(k, last, s, tau, h) + 1.0;
}

// First index in [lo, hi) whose spike has step >= v (hi if none).
NEUROMESH_INLINE_HOST_DEVICE std::uint32_t first_at_or_after(const post_spike* spikes, std::uint32_t lo,
                                                             std::uint32_t hi, step_t v) {
  while (lo < hi) {
    const std::uint32_t mid = lo + (hi - lo) / 2;
    if (spikes[mid].step < v)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

// The window a presynaptic spike reads in a history spikes[first, n), as indices: spikes
// [start, end) have lo <= step <= hi (facilitation; empty when lo > hi), spikes [first, before)
// have step < hi (depression reads the last of them).
struct history_window {
  std::uint32_t start, before, end;
};
NEUROMESH_INLINE_HOST_DEVICE history_window find_window(const post_spike* spikes, std::uint32_t first, std::uint32_t n,
                                                        step_t lo, step_t hi) {
  // Backwards from the newest spike: past the spikes after the window (at most a delay's worth),
  // then through the window itself, which the facilitation walks anyway -- so the search costs no
  // more than the update, however long the history (a silent source keeps its target's spikes
  // unread). Binary searches cost a mispredicted branch per halving: measured 32 % of a COBA +
  // STDP run.
  history_window w{first, first, n};
  while (w.end > first && spikes[w.end - 1].step > hi) --w.end;
  w.before = w.end;
  while (w.before > first && spikes[w.before - 1].step >= hi) --w.before;
  w.start = w.before;
  while (w.start > first && spikes[w.start - 1].step >= lo) --w.start;
  // lo > hi: a source's second spike in one step (multiplicity) sees an empty window, as NEST's
  // get_history(t_last - d, t_pre - d) with t_last == t_pre; a spike at hi is not in it.
  if (lo > hi) w.end = w.before;
  return w;
}

// The presynaptic spike a synapse sees: its step, the step of its source's previous spike (-1
// before the first), the source's K+ just after that previous spike and (triplet rule) its
// K+_triplet just before this spike.
struct pre_spike {
  step_t step;
  step_t last;
  double k_plus;
  double k_triplet = 0.0;
};

// K- of the postsynaptic trace at t_pre - d, as depression reads it, for a presynaptic spike of
// step `step` through delay D (steps): the trace just after `before` (nullptr: none, K- = 0), the
// last postsynaptic spike strictly before t_pre - d, decayed to t_pre - d (nearest neighbour: that
// spike alone, from 1). It depends on (target, step, D) only -- every synapse onto one target that
// a spike of one step reaches through one delay reads the same value, so a backend may keep it.
// minus: decay_steps for tau_minus (from t_before to t_pre - d: step - D - before->step steps).
template <class Rule>
NEUROMESH_INLINE_HOST_DEVICE double k_minus_at(const step_decay& minus, step_t step, delay_t D,
                                               const post_spike* before) {
  constexpr bool nearest = pairing_of<Rule>() != stdp_pairing::all_to_all;
  if (before == nullptr) return 0.0;
  const double decay = minus(step - static_cast<step_t>(D) - before->step);
  return nearest ? decay : before->k_minus * decay;
}

// A rule's weight inside one update (facilitate_window, depress_by) is w / weight_scale:
// stdp_synapse and its variants work in units of Wmax (their weight_scale), the other rules on w
// itself (scale 1: exact). A presynaptic spike converts once in and once out (update_weight).
template <class Rule>
NEUROMESH_INLINE_HOST_DEVICE double weight_scale(const double* p) {
  if constexpr (requires { Rule::weight_scale(p); })
    return Rule::weight_scale(p);
  else
    return 1.0;
}
template <class Rule>
NEUROMESH_INLINE_HOST_DEVICE double to_scaled(const double* p, double w) {
  return w / weight_scale<Rule>(p);
}
template <class Rule>
NEUROMESH_INLINE_HOST_DEVICE double from_scaled(const double* p, double x) {
  return x * weight_scale<Rule>(p);
}

// Depression of the scaled weight w (to_scaled) by k_minus (k_minus_at), with the triplet rule's
// presynaptic trace.
template <class Rule>
NEUROMESH_INLINE_HOST_DEVICE double depress_by(const double* p, double w, const pre_spike& pre, double k_minus) {
  if constexpr (is_triplet_rule<Rule>())
    return Rule::depress(p, w, k_minus, pre.k_triplet);
  else
    return Rule::depress(p, w, k_minus);
}

// The presynaptic trace a facilitation reads: K+ just after the source's last spike (t_last;
// nearest-neighbour pairings: 1), decayed to a postsynaptic spike of step `post` as the synapse
// sees it (t_post + d). It depends on (source, delay, post) only -- every synapse of a row segment
// reads the same value for the same postsynaptic step.
struct facilitation_trace {
  double k_plus;
  step_t last;  // the source's last spike
  delay_t D;
  step_decay plus;  // decay_steps for tau_plus
  // From t_last to t_post + d: post + D - last steps.
  NEUROMESH_INLINE_HOST_DEVICE double operator()(step_t post) const {
    return k_plus * plus(post + static_cast<step_t>(D) - last);
  }
};

// The facilitation of update_weight: the scaled weight (to_scaled) after it, the history index `before` (spikes
// [first, before) are older than t_pre - d) and whether the window held a postsynaptic spike.
// plus: decay_steps for tau_plus (a backend's table or computed).
struct facilitated {
  double w;
  std::uint32_t before;
  bool paired;
};
template <class Rule, class CountRead>
NEUROMESH_INLINE_HOST_DEVICE facilitated facilitate_window(const double* p, const step_decay& plus, double w,
                                                           const pre_spike& pre, delay_t D, post_spike* spikes,
                                                           std::uint32_t first, std::uint32_t n,
                                                           CountRead&& count_read) {
  constexpr stdp_pairing pairing = pairing_of<Rule>();
  constexpr bool nearest = pairing != stdp_pairing::all_to_all,
                 restricted = pairing == stdp_pairing::nearest_restricted;
  // K+ at the last presynaptic spike; a nearest-neighbour rule pairs with that spike alone: 1.
  const facilitation_trace trace{nearest ? 1.0 : pre.k_plus, pre.last, D, plus};
  // Postsynaptic spikes at t_post with t_last - d < t_post <= t_pre - d, in time order (the
  // history holds every spike some synapse onto the target has not read yet).
  const history_window window = find_window(spikes, first, n, pre.last - D + 1, pre.step - D);
  bool paired = false;  // a postsynaptic spike in the window (restricted pairing: only then a change)
  for (std::uint32_t i = window.start; i < window.end; ++i) {
    if (!restricted || !paired) {  // restricted: the first postsynaptic spike only
      const double k = trace(spikes[i].step);
      if constexpr (is_triplet_rule<Rule>())
        w = Rule::facilitate(p, w, k, spikes[i].k_minus_triplet - 1.0);
      else
        w = Rule::facilitate(p, w, k);
    }
    paired = true;
    count_read(spikes[i]);
  }
  return {w, window.before, paired};
}

// The spike depression reads after facilitate_window: the newest of spikes [first, before), else
// the last pruned one, else none.
NEUROMESH_INLINE_HOST_DEVICE const post_spike* spike_before(const post_spike* spikes, std::uint32_t first,
                                                            std::uint32_t before, const post_spike& dropped) {
  return before != first ? &spikes[before - 1] : dropped.step >= 0 ? &dropped : nullptr;
}

// Synapse with weight w and delay D (steps, all dendritic) onto a target with history
// spikes[first, n) / `dropped` receives presynaptic spike `pre`: returns the new weight --
// facilitation by every postsynaptic spike with last - D < step <= pre.step - D in time order,
// then depression by K- of the last postsynaptic spike strictly before pre.step - D. Nearest-
// neighbour pairings (stdp_nn_synapse.hpp) use the distances to the nearest spikes instead of the
// traces, the restricted one only the first spike of the window and nothing without one; the
// triplet rule passes its triplet traces as third arguments. Every spike in the window is passed
// to count_read(spike) (a plain increment of `reads` on the cpu, an atomic one where several
// threads read one history). Rule: the model (facilitate, depress; parameters p with tau_plus at
// Rule::tau_plus and tau_minus at Rule::tau_minus). A backend may split this into its two halves
// (facilitate_window, then depress_by with k_minus_at of spike_before) to keep K- per target.
template <class Rule, class CountRead>
NEUROMESH_INLINE_HOST_DEVICE double update_weight(const double* p, double h, double w, const pre_spike& pre, delay_t D,
                                                  post_spike* spikes, std::uint32_t first, std::uint32_t n,
                                                  const post_spike& dropped, CountRead&& count_read) {
  const facilitated f = facilitate_window<Rule>(p, step_decay{h, p[Rule::tau_plus]}, to_scaled<Rule>(p, w), pre, D,
                                                spikes, first, n, count_read);
  if (pairing_of<Rule>() == stdp_pairing::nearest_restricted && !f.paired) return w;  // unpaired: unchanged
  return from_scaled<Rule>(p, depress_by<Rule>(p, f.w, pre,
                                               k_minus_at<Rule>(step_decay{h, p[Rule::tau_minus]}, pre.step, D,
                                                                spike_before(spikes, first, f.before, dropped))));
}

// update_weight when the target's newest postsynaptic spike is older than the window and its end
// (newest->step < pre.last - D + 1 and < pre.step - D; or it never fired): nothing to facilitate
// or read, depression by k_minus = k_minus_at of that spike -- the same arithmetic, without
// touching the history (a backend that keeps the newest spike at hand skips a memory access per
// synapse).
template <class Rule>
NEUROMESH_INLINE_HOST_DEVICE double update_weight_before_window(const double* p, double w, const pre_spike& pre,
                                                                double k_minus) {
  if constexpr (pairing_of<Rule>() == stdp_pairing::nearest_restricted) return w;  // unpaired: unchanged
  return from_scaled<Rule>(p, depress_by<Rule>(p, to_scaled<Rule>(p, w), pre, k_minus));
}

// Drops the oldest spikes of history spikes[first, n) that all `incoming` synapses onto the
// target have read (the last one into `dropped`); returns the new `first`.
NEUROMESH_INLINE_HOST_DEVICE std::uint32_t prune(const post_spike* spikes, std::uint32_t first, std::uint32_t n,
                                                 std::uint32_t incoming, post_spike& dropped) {
  while (first < n && spikes[first].reads >= incoming) dropped = spikes[first++];
  return first;
}

}  // namespace neuromesh::stdp
