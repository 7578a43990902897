#pragma once
// The per-synapse update of the pair-based STDP rules (stdp_synapse.hpp: stdp_synapse,
// stdp_synapse_hom, stdp_pl_synapse_hom), written once for every backend: the cpu backend's
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

namespace neuromesh::stdp {

// One postsynaptic spike in a target's history.
struct post_spike {
  step_t step;
  double k_minus;       // K- just after this spike
  std::uint32_t reads;  // synapses that have used it for facilitation
};

// The time [ms] of a spike of step s (-1: before any spike, t = 0) with step h.
NEUROMESH_INLINE_HOST_DEVICE double spike_time(step_t s, double h) { return static_cast<double>(s + 1) * h; }

// A trace (K+ of a source, K- of a target) just after a spike of step s, the previous at `last`.
NEUROMESH_INLINE_HOST_DEVICE double trace_after_spike(double k, step_t last, step_t s, double tau, double h) {
  return k * math::exp((spike_time(last, h) - spike_time(s, h)) / tau) + 1.0;
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

// The presynaptic spike a synapse sees: its step, the step of its source's previous spike (-1
// before the first) and the source's K+ just after that previous spike.
struct pre_spike {
  step_t step;
  step_t last;
  double k_plus;
};

// Synapse with weight w and delay D (steps, all dendritic) onto a target with history
// spikes[first, n) / `dropped` receives presynaptic spike `pre`: returns the new weight --
// facilitation by every postsynaptic spike with last - D < step <= pre.step - D in time order,
// then depression by K- of the last postsynaptic spike strictly before pre.step - D. Every spike
// used for facilitation is passed to count_read(spike) (a plain increment of `reads` on the cpu,
// an atomic one where several threads read one history). Rule: the model (facilitate, depress;
// parameters p with tau_plus at Rule::tau_plus and tau_minus at Rule::tau_minus).
template <class Rule, class CountRead>
NEUROMESH_INLINE_HOST_DEVICE double update_weight(const double* p, double h, double w, const pre_spike& pre, delay_t D,
                                                  post_spike* spikes, std::uint32_t first, std::uint32_t n,
                                                  const post_spike& dropped, CountRead&& count_read) {
  const double t_last = spike_time(pre.last, h), d = static_cast<double>(D) * h;
  const double t_at_synapse = spike_time(pre.step, h) - d;  // the presynaptic spike's time minus the delay
  // Postsynaptic spikes at t_post with t_last - d < t_post <= t_pre - d, in time order (binary
  // searches: the history holds every spike some synapse onto the target has not read yet).
  for (std::uint32_t i = first_at_or_after(spikes, first, n, pre.last - D + 1); i < n && spikes[i].step <= pre.step - D;
       ++i) {
    const double minus_dt = t_last - (spike_time(spikes[i].step, h) + d);
    w = Rule::facilitate(p, w, pre.k_plus * math::exp(minus_dt / p[Rule::tau_plus]));
    count_read(spikes[i]);
  }
  // K- of the last postsynaptic spike strictly before t_pre - d.
  const std::uint32_t after = first_at_or_after(spikes, first, n, pre.step - D);
  const post_spike* before = after != first ? &spikes[after - 1] : dropped.step >= 0 ? &dropped : nullptr;
  const double k_minus =
      before ? before->k_minus * math::exp((spike_time(before->step, h) - t_at_synapse) / p[Rule::tau_minus]) : 0.0;
  return Rule::depress(p, w, k_minus);
}

// Drops the oldest spikes of history spikes[first, n) that all `incoming` synapses onto the
// target have read (the last one into `dropped`); returns the new `first`.
NEUROMESH_INLINE_HOST_DEVICE std::uint32_t prune(const post_spike* spikes, std::uint32_t first, std::uint32_t n,
                                                 std::uint32_t incoming, post_spike& dropped) {
  while (first < n && spikes[first].reads >= incoming) dropped = spikes[first++];
  return first;
}

}  // namespace neuromesh::stdp
