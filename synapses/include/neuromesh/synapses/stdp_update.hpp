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
#include <cstdint>

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

// A trace (K+ of a source, K- of a target, their triplet twins) of value k after a spike of step
// `last`, just before / just after a spike of step s.
NEUROMESH_INLINE_HOST_DEVICE double trace_before_spike(double k, step_t last, step_t s, double tau, double h) {
  return k * math::exp((spike_time(last, h) - spike_time(s, h)) / tau);
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

// Depression of weight w by K- of `before` (nullptr: none), the last postsynaptic spike strictly
// before t_pre - d (nearest neighbour: that spike alone).
template <class Rule>
NEUROMESH_INLINE_HOST_DEVICE double depress_by(const double* p, double h, double w, const pre_spike& pre, delay_t D,
                                               const post_spike* before) {
  constexpr bool nearest = pairing_of<Rule>() != stdp_pairing::all_to_all;
  const double t_at_synapse = spike_time(pre.step, h) - static_cast<double>(D) * h;  // t_pre - d
  const double decay = before ? math::exp((spike_time(before->step, h) - t_at_synapse) / p[Rule::tau_minus]) : 0.0;
  const double k_minus = before ? (nearest ? decay : before->k_minus * decay) : 0.0;
  if constexpr (is_triplet_rule<Rule>())
    return Rule::depress(p, w, k_minus, pre.k_triplet);
  else
    return Rule::depress(p, w, k_minus);
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
// Rule::tau_plus and tau_minus at Rule::tau_minus).
template <class Rule, class CountRead>
NEUROMESH_INLINE_HOST_DEVICE double update_weight(const double* p, double h, double w, const pre_spike& pre, delay_t D,
                                                  post_spike* spikes, std::uint32_t first, std::uint32_t n,
                                                  const post_spike& dropped, CountRead&& count_read) {
  constexpr stdp_pairing pairing = pairing_of<Rule>();
  constexpr bool nearest = pairing != stdp_pairing::all_to_all,
                 restricted = pairing == stdp_pairing::nearest_restricted;
  const double t_last = spike_time(pre.last, h), d = static_cast<double>(D) * h;
  // K+ at the last presynaptic spike; a nearest-neighbour rule pairs with that spike alone: 1.
  const double k_plus = nearest ? 1.0 : pre.k_plus;
  // Postsynaptic spikes at t_post with t_last - d < t_post <= t_pre - d, in time order (the
  // history holds every spike some synapse onto the target has not read yet).
  const history_window window = find_window(spikes, first, n, pre.last - D + 1, pre.step - D);
  bool paired = false;  // a postsynaptic spike in the window (restricted pairing: only then a change)
  for (std::uint32_t i = window.start; i < window.end; ++i) {
    if (!restricted || !paired) {  // restricted: the first postsynaptic spike only
      const double minus_dt = t_last - (spike_time(spikes[i].step, h) + d);
      const double k = k_plus * math::exp(minus_dt / p[Rule::tau_plus]);
      if constexpr (is_triplet_rule<Rule>())
        w = Rule::facilitate(p, w, k, spikes[i].k_minus_triplet - 1.0);
      else
        w = Rule::facilitate(p, w, k);
    }
    paired = true;
    count_read(spikes[i]);
  }
  if (restricted && !paired) return w;
  const std::uint32_t after = window.before;
  const post_spike* before = after != first ? &spikes[after - 1] : dropped.step >= 0 ? &dropped : nullptr;
  return depress_by<Rule>(p, h, w, pre, D, before);
}

// update_weight when the target's newest postsynaptic spike (nullptr: it never fired) is older
// than the window and its end (newest->step < pre.last - D + 1 and < pre.step - D): nothing to
// facilitate or read, depression
// by that spike -- the same arithmetic, without touching the history (a backend that keeps the
// newest spike at hand skips a memory access per synapse).
template <class Rule>
NEUROMESH_INLINE_HOST_DEVICE double update_weight_before_window(const double* p, double h, double w,
                                                                const pre_spike& pre, delay_t D,
                                                                const post_spike* newest) {
  if constexpr (pairing_of<Rule>() == stdp_pairing::nearest_restricted) return w;  // unpaired: unchanged
  return depress_by<Rule>(p, h, w, pre, D, newest);
}

// Drops the oldest spikes of history spikes[first, n) that all `incoming` synapses onto the
// target have read (the last one into `dropped`); returns the new `first`.
NEUROMESH_INLINE_HOST_DEVICE std::uint32_t prune(const post_spike* spikes, std::uint32_t first, std::uint32_t n,
                                                 std::uint32_t incoming, post_spike& dropped) {
  while (first < n && spikes[first].reads >= incoming) dropped = spikes[first++];
  return first;
}

}  // namespace neuromesh::stdp
