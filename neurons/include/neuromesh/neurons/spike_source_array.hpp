#pragma once
// spike_source_array — a population of sources that emit prescribed spike times (NEST's
// spike_generator / PyNN's SpikeSourceArray). Times are given per neuron in ms and rounded to the
// grid: a spike at time t is emitted as if the source fired in the step ending at t, i.e. step
// round(t/h) - 1, so its recorded time is exactly t when t is on the grid. Times must be > 0.
// start, stop, origin [ms] as NEST 3.10's spike_generator (StimulationDevice): spike times are
// relative to origin -- a time t is emitted at origin + t -- and only those with
// origin + start < origin + t <= origin + stop are emitted (measured with NEST: start 2, stop 4
// keeps 2.1, 3, 3.9, 4 of 2, 2.1, 3, 3.9, 4, 4.1 ms; adding origin 1 emits them 1 ms later). All
// three are multiples of dt (validate() names one that is not), start, origin >= 0, stop >= start.
#include <cmath>
#include <limits>

#include <neuromesh/neurons/model.hpp>

namespace neuromesh {

struct spike_source_array {
  static constexpr std::string_view name = "spike_source_array";
  static constexpr receptor_kind input = receptor_kind::current;  // receives no input
  enum param : int { start, stop, origin, n_params };
  static constexpr std::array<parameter_spec, n_params> parameters{{
      {"start", 0.0, "ms", "spikes at t <= origin + start are not emitted"},
      {"stop", std::numeric_limits<double>::infinity(), "ms", "spikes at t > origin + stop are not emitted"},
      {"origin", 0.0, "ms", "origin of start and stop"},
  }};
  static constexpr std::array<state_spec, 0> state{};
  static constexpr std::size_t n_constants = 0;
  static std::string check(const double* p, double) {
    // start and origin are finite here: the shared validation refuses a given +inf (and NaN).
    if (!(p[start] >= 0)) return "start: must be >= 0 ms";
    if (!(p[origin] >= 0)) return "origin: must be >= 0 ms";
    if (!(p[stop] >= p[start])) return "stop: must be >= start";
    return {};
  }
  static void derive(const double*, double, double*) {}
  static void initial_state(const double*, double*) {}
};

}  // namespace neuromesh
