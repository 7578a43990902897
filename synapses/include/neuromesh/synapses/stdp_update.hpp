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

// K- of the postsynaptic trace at t_pre - d, as depression reads it, for a presynaptic spike of
// step `step` through delay D (steps): the trace just after `before` (nullptr: none, K- = 0), the
// last postsynaptic spike strictly before t_pre - d, decayed to t_pre - d (nearest neighbour: that
// spike alone, from 1). It depends on (target, step, D) only -- every synapse onto one target that
// a spike of one step reaches through one delay reads the same value, so a backend may keep it.
template <class Rule>
NEUROMESH_INLINE_HOST_DEVICE double k_minus_at(const double* p, double h, step_t step, delay_t D,
                                               const post_spike* before) {
  constexpr bool nearest = pairing_of<Rule>() != stdp_pairing::all_to_all;
  if (before == nullptr) return 0.0;
  const double t_at_synapse = spike_time(step, h) - static_cast<double>(D) * h;  // t_pre - d
  const double decay = math::exp((spike_time(before->step, h) - t_at_synapse) / p[Rule::tau_minus]);
  return nearest ? decay : before->k_minus * decay;
}

// Depression of weight w by k_minus (k_minus_at), with the triplet rule's presynaptic trace.
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
  double k_plus, t_last, d, tau_plus, h;
  NEUROMESH_INLINE_HOST_DEVICE double operator()(step_t post) const {
    const double minus_dt = t_last - (spike_time(post, h) + d);
    return k_plus * math::exp(minus_dt / tau_plus);
  }
};
// facilitate_window's default: every trace computed where it is read.
struct compute_trace {
  NEUROMESH_INLINE_HOST_DEVICE double operator()(const facilitation_trace& k, step_t post) const { return k(post); }
};

// The facilitation of update_weight: the weight after it, the history index `before` (spikes
// [first, before) are older than t_pre - d) and whether the window held a postsynaptic spike.
// trace_at(k, step): k(step), or a value a backend kept from an earlier call with the same step
// for the same row segment (the same arithmetic, so the same bits).
struct facilitated {
  double w;
  std::uint32_t before;
  bool paired;
};
template <class Rule, class CountRead, class TraceAt = compute_trace>
NEUROMESH_INLINE_HOST_DEVICE facilitated facilitate_window(const double* p, double h, double w, const pre_spike& pre,
                                                           delay_t D, post_spike* spikes, std::uint32_t first,
                                                           std::uint32_t n, CountRead&& count_read,
                                                           TraceAt&& trace_at = TraceAt{}) {
  constexpr stdp_pairing pairing = pairing_of<Rule>();
  constexpr bool nearest = pairing != stdp_pairing::all_to_all,
                 restricted = pairing == stdp_pairing::nearest_restricted;
  // K+ at the last presynaptic spike; a nearest-neighbour rule pairs with that spike alone: 1.
  const facilitation_trace trace{nearest ? 1.0 : pre.k_plus, spike_time(pre.last, h), static_cast<double>(D) * h,
                                 p[Rule::tau_plus], h};
  // Postsynaptic spikes at t_post with t_last - d < t_post <= t_pre - d, in time order (the
  // history holds every spike some synapse onto the target has not read yet).
  const history_window window = find_window(spikes, first, n, pre.last - D + 1, pre.step - D);
  bool paired = false;  // a postsynaptic spike in the window (restricted pairing: only then a change)
  for (std::uint32_t i = window.start; i < window.end; ++i) {
    if (!restricted || !paired) {  // restricted: the first postsynaptic spike only
      const double k = trace_at(trace, spikes[i].step);
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
  const facilitated f = facilitate_window<Rule>(p, h, w, pre, D, spikes, first, n, count_read);
  if (pairing_of<Rule>() == stdp_pairing::nearest_restricted && !f.paired) return f.w;
  return depress_by<Rule>(p, f.w, pre,
                          k_minus_at<Rule>(p, h, pre.step, D, spike_before(spikes, first, f.before, dropped)));
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
  return depress_by<Rule>(p, w, pre, k_minus);
}

// Drops the oldest spikes of history spikes[first, n) that all `incoming` synapses onto the
// target have read (the last one into `dropped`); returns the new `first`.
NEUROMESH_INLINE_HOST_DEVICE std::uint32_t prune(const post_spike* spikes, std::uint32_t first, std::uint32_t n,
                                                 std::uint32_t incoming, post_spike& dropped) {
  while (first < n && spikes[first].reads >= incoming) dropped = spikes[first++];
  return first;
}

}  // namespace neuromesh::stdp
