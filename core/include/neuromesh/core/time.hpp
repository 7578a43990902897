#pragma once
// The global time grid. Every time is a whole number of steps of width h; delays are whole steps
// (at least one); an epoch is min_delay steps, the span within which no neuron needs another
// process's spikes (NEST's min-delay scheme).
#include <cmath>
#include <cstdint>
#include <string>

#include <neuromesh/core/errors.hpp>

namespace neuromesh {

using step_t = std::int64_t;    // index of a time step since t = 0
using delay_t = std::uint16_t;  // synaptic delay in steps, >= 1

// Converts between ms and steps on a grid of width h_ms. Conversions round to the nearest step and
// reject values that are not on the grid within 1e-6 steps when exactness matters (delays).
class time_grid {
 public:
  explicit time_grid(double h_ms = 0.1);
  double h() const noexcept { return h_; }
  // Nearest step to t_ms (t >= 0).
  step_t steps(double t_ms) const noexcept { return static_cast<step_t>(std::llround(t_ms / h_)); }
  double ms(step_t s) const noexcept { return static_cast<double>(s) * h_; }
  // A delay in ms as whole steps; throws config_error naming `where` if it is below one step or
  // does not fit the delay type.
  delay_t delay_steps(double delay_ms, const std::string& where) const;

 private:
  double h_;
};

}  // namespace neuromesh
