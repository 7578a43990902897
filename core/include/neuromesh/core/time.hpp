#pragma once
// The global time grid and the ONE place where times in ms become whole steps. Every front end
// (C++, JSON, Python, CLI) and every backend converts through these functions, so a time means
// the same step everywhere, and the same step as in NEST 3.10 (the oracle of tests/crosscheck):
//
//   * times are first counted in integer tics (NEST's default: 1000 tics per ms, finer when dt
//     needs it), tics = floor(ms * tics_per_ms + 0.5);
//   * on_grid_steps: run durations, recording intervals, device start/stop and spike times must
//     be a whole number of steps (as NEST's "must be a multiple of the resolution") or a
//     config_error names them;
//   * duration_steps: refractory periods and off-grid spike times (allow_offgrid_times) round UP
//     to whole steps (NEST's Time::get_steps: t_ref = 2.04 ms at dt 0.1 -> 21 steps);
//   * delay_steps: synaptic delays round half up in steps (NEST's delay_ms_to_steps:
//     floor(d * steps_per_ms + 0.5); 0.15 ms at dt 0.1 -> 2 steps, not 1 as d / h would give).
//
// An epoch is min_delay steps, the span within which no neuron needs another process's spikes
// (NEST's min-delay scheme).
#include <cmath>
#include <cstdint>
#include <string>

#include <neuromesh/core/errors.hpp>
#include <neuromesh/core/macros.hpp>

namespace neuromesh {

using step_t = std::int64_t;    // index of a time step since t = 0
using delay_t = std::uint16_t;  // synaptic delay in steps, >= 1

// Delay rounding shared by host and device code (connector kernels draw delays on the GPU):
// NEST's ld_round(d * steps_per_ms). False where delay_steps throws (below one step, above the
// delay type, not finite).
NEUROMESH_INLINE_HOST_DEVICE bool delay_in_steps(double delay_ms, double steps_per_ms, delay_t& out) {
  const double steps = std::floor(delay_ms * steps_per_ms + 0.5);
  if (!(steps >= 1.0 && steps <= 65535.0)) return false;
  out = static_cast<delay_t>(steps);
  return true;
}

class time_grid {
 public:
  // Throws config_error for a step that is not positive, finite and a whole number of 1 ns.
  explicit time_grid(double h_ms = 0.1);
  double h() const noexcept { return h_; }
  double steps_per_ms() const noexcept { return steps_per_ms_; }
  double ms(step_t s) const noexcept { return static_cast<double>(s) * h_; }

  // Integer tics of a time (NEST's Time(ms(t)).get_tics()).
  std::int64_t tics(double t_ms) const noexcept {
    return static_cast<std::int64_t>(std::floor(t_ms * tics_per_ms_ + 0.5));
  }
  // Whether t_ms is a whole number of steps (to the tic).
  bool on_grid(double t_ms) const noexcept { return tics(t_ms) % tics_per_step_ == 0; }
  // A time that must lie on the grid (durations, intervals, device times, spike times): its
  // steps, or config_error naming `where` and the nearest grid times. Finite and >= 0 only.
  step_t on_grid_steps(double t_ms, const std::string& where) const;
  // A period rounded UP to whole steps (refractory periods, off-grid spike times).
  step_t duration_steps(double t_ms) const noexcept {
    const std::int64_t t = tics(t_ms);
    return t <= 0 ? t / tics_per_step_ : (t + tics_per_step_ - 1) / tics_per_step_;
  }
  // A synaptic delay as whole steps (half up); throws config_error naming `where` if it rounds
  // below one step or does not fit the delay type.
  delay_t delay_steps(double delay_ms, const std::string& where) const;
  // The step in which a spike stamped t_ms is fired (a spike fired in step s is stamped
  // (s + 1) h): t must be on the grid unless allow_offgrid, which rounds it up (NEST's
  // spike_generator allow_offgrid_times). Throws config_error naming `where`.
  step_t spike_step(double t_ms, bool allow_offgrid, const std::string& where) const;

 private:
  double h_;
  double tics_per_ms_ = 1000.0;
  std::int64_t tics_per_step_ = 100;
  double steps_per_ms_ = 10.0;
};

}  // namespace neuromesh
