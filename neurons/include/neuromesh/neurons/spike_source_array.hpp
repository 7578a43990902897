#pragma once
// spike_source_array — a population of sources that emit prescribed spike times (NEST's
// spike_generator / PyNN's SpikeSourceArray). Times are given per neuron in ms and rounded to the
// grid: a spike at time t is emitted as if the source fired in the step ending at t, i.e. step
// round(t/h) - 1, so its recorded time is exactly t when t is on the grid. Times must be > 0.
#include <neuromesh/neurons/model.hpp>

namespace neuromesh {

struct spike_source_array {
  static constexpr std::string_view name = "spike_source_array";
  static constexpr receptor_kind input = receptor_kind::current;  // receives no input
  static constexpr std::array<parameter_spec, 0> parameters{};
  static constexpr std::array<state_spec, 0> state{};
  static constexpr std::size_t n_constants = 0;
  static std::string check(const double*, double) { return {}; }
  static void derive(const double*, double, double*) {}
  static void initial_state(const double*, double*) {}
};

}  // namespace neuromesh
