#pragma once
// Per-neuron synaptic input waiting to be applied, one slot per future step, per receptor, in
// 64-bit fixed point (order-independent sums). Slot of step s is s mod n_slots; n_slots exceeds
// the maximum delay, so input for step s + d never lands on a slot still being read.
#include <algorithm>
#include <cstdint>
#include <vector>

#include <neuromesh/core/fixed_point.hpp>
#include <neuromesh/core/network.hpp>
#include <neuromesh/core/time.hpp>

namespace neuromesh {

class ring_buffer {
 public:
  ring_buffer() = default;
  // `receptors` rows per neuron: the two receptors, or more for multisynapse ports (receptor_rows).
  ring_buffer(std::uint32_t n_neurons, std::uint32_t n_slots, int receptors = n_receptors)
      : n_(n_neurons),
        slots_(n_slots),
        receptors_(receptors),
        data_(static_cast<std::size_t>(receptors) * n_slots * n_neurons, 0) {}
  int receptors() const { return receptors_; }
  // The row of all neurons' input for receptor r at step s.
  fixed_t* row(int r, step_t s) { return data_.data() + (static_cast<std::size_t>(r) * slots_ + slot(s)) * n_; }
  const fixed_t* row(int r, step_t s) const {
    return data_.data() + (static_cast<std::size_t>(r) * slots_ + slot(s)) * n_;
  }
  std::uint32_t slots() const { return slots_; }
  // Delivery computes a spike's slot once and each segment's from it (no division per segment):
  // the slot of step s, the slot d < slots() steps after slot `from`, and the row of a slot.
  std::uint32_t slot_of(step_t s) const { return static_cast<std::uint32_t>(slot(s)); }
  std::uint32_t slot_after(std::uint32_t from, delay_t d) const {
    const std::uint32_t x = from + static_cast<std::uint32_t>(d);
    return x >= slots_ ? x - slots_ : x;
  }
  fixed_t* row_at(int r, std::uint32_t slot) {
    return data_.data() + (static_cast<std::size_t>(r) * slots_ + slot) * n_;
  }
  void clear() { std::fill(data_.begin(), data_.end(), fixed_t{0}); }
  // Every cell, receptor-major then slot then neuron: cell (r, slot, i) is cells()[(r * slots() +
  // slot) * neurons() + i] (packed synapse words index it directly: synapse_store.hpp).
  fixed_t* cells() { return data_.data(); }
  std::uint32_t neurons() const { return n_; }

 private:
  std::size_t slot(step_t s) const { return static_cast<std::size_t>(s % slots_); }
  std::uint32_t n_ = 0, slots_ = 1;
  int receptors_ = n_receptors;
  std::vector<fixed_t> data_;
};

}  // namespace neuromesh
