#pragma once
// A hook between exchange and delivery that decides, per spike, which targets receive it and
// when: the neuromorphic hardware model's timing mode (core/routing/timing.hpp) uses it to make
// packets that a congested link delays arrive late, or that it drops never arrive, at the
// neurons of the cores behind that link. Without a filter every spike reaches every target after
// its synaptic delay (the ideal network).
#include <cstdint>
#include <span>
#include <vector>

#include <neuromesh/core/spike.hpp>
#include <neuromesh/core/time.hpp>

namespace neuromesh {

// A spike that reaches only the targets of one group (a hardware core). `s.step` is the step the
// spike counts as fired for those targets: its emission step, or the later step a late packet
// arrived in; the synaptic delays are added to it.
struct partial_delivery {
  spike s;
  std::uint32_t group = 0;
};

class delivery_filter {
 public:
  virtual ~delivery_filter() = default;
  // The group of every neuron (by gid) that partial deliveries name.
  virtual std::span<const std::uint32_t> group_of_gid() const = 0;
  // Steps [t0, t1) are done and `spikes` are all spikes fired in them (sorted by step, gid; every
  // rank sees all of them). Appends to `whole` the spikes that reach all their targets as usual,
  // and to `partial` the deliveries to single groups, with steps in [t0, t1): a filter keeps what
  // arrives later until the call whose chunk contains its arrival step. Called once per chunk,
  // in order, on every rank alike, so it must be deterministic.
  virtual void filter(step_t t0, step_t t1, std::span<const spike> spikes, std::vector<spike>& whole,
                      std::vector<partial_delivery>& partial) = 0;
};

}  // namespace neuromesh
