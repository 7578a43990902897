#pragma once
// The part of one population that one shard owns, behind a small virtual interface so the shard
// can hold neuron groups of every model and precision, and spike sources, side by side.
#include <cstdint>
#include <memory>
#include <vector>

#include <neuromesh/core/engine.hpp>
#include <neuromesh/core/ring_buffer.hpp>
#include <neuromesh/neurons/lowered_population.hpp>

namespace neuromesh::cpu {

// Shard-wide arrays a group reads and writes, indexed by shard-local neuron index.
struct shard_arrays {
  ring_buffer ring;
  std::vector<std::uint8_t> awake;    // 1: in its group's active list (or the group is dense)
  std::vector<std::uint32_t> woken;   // shard-local indices woken by the last delivery
  std::vector<double> extra_current;  // closed-loop current [pA], persistent
  int sparse_groups = 0;              // groups now on their active list (0: skip wake-ups)
  bool input_in_range = true;         // this step's slots hold below 2^62 from deliveries (shard::advance)
};

class population_group {
 public:
  virtual ~population_group() = default;
  // Advances all (active) neurons through step s; appends fired spikes.
  virtual void step(step_t s, shard_arrays& a, std::vector<spike>& fired) = 0;
  // Puts a neuron (index within the group) woken by input back into the active list.
  virtual void wake(std::uint32_t i) = 0;
  // State variable `var` of neuron i (index within the group), user-visible units.
  virtual double read(int var, std::uint32_t i) const = 0;
  // The group's column of state variable var, if stored as the user sees it (else data null).
  virtual state_column column(int /*var*/) const { return {}; }
  // Forces dense updating (e.g. after a closed-loop current was set).
  virtual void make_dense(shard_arrays& a) = 0;
  virtual std::uint64_t updates() const = 0;
  // Allocates buffers used only while stepping, once the synapses are built (shard::allocate_input):
  // blocks allocated before the synapse builders' temporaries keep glibc from handing that space
  // back (27 MB of the full microcircuit's peak RSS for 0.6 MB of buffers, measured 2026-12-07).
  virtual void allocate_run_buffers() {}
  // Checkpoints: neuron i's state values as stored (bit-exact; `state_width()` of them, none for
  // spike sources), and their restoration before the group's first step.
  virtual std::uint32_t state_width() const { return 0; }
  virtual void save_state(std::uint32_t /*i*/, double* /*out*/) const {}
  virtual void load_state(std::uint32_t /*i*/, const double* /*in*/) {}
};

// A spike_source_array slice: emits prescribed spikes; no dynamics, no input.
class source_group final : public population_group {
 public:
  explicit source_group(std::vector<spike> schedule) : schedule_(std::move(schedule)) {}
  void step(step_t s, shard_arrays& a, std::vector<spike>& fired) override;
  void wake(std::uint32_t) override {}
  double read(int, std::uint32_t) const override { return 0.0; }
  void make_dense(shard_arrays&) override {}
  std::uint64_t updates() const override { return 0; }

 private:
  std::vector<spike> schedule_;  // sorted by step
  std::size_t cursor_ = 0;
};

// Builds the group of a lowered population slice: its spike source, or its neuron model's group
// in precision Real (neuron_group.cpp).
template <class Real>
std::unique_ptr<population_group> make_group(const engine_config& cfg, const lowered_population& low, shard_arrays& a);

}  // namespace neuromesh::cpu
