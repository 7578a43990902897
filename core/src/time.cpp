#include <limits>
#include <sstream>

#include <neuromesh/core/time.hpp>

namespace neuromesh {

time_grid::time_grid(double h_ms) : h_(h_ms) {
  if (!(h_ms > 0.0) || !std::isfinite(h_ms)) throw config_error("dt", "the time step must be a positive number of ms");
  // NEST counts time in tics of 1 us by default; a finer step needs finer tics (down to 1 ns).
  for (tics_per_ms_ = 1e3; tics_per_ms_ <= 1e6; tics_per_ms_ *= 10.0) {
    const double per_step = h_ms * tics_per_ms_;
    if (std::fabs(per_step - std::round(per_step)) <= 1e-9 * per_step && std::round(per_step) >= 1.0) break;
  }
  if (tics_per_ms_ > 1e6) {
    std::ostringstream msg;
    msg << "the time step " << h_ms << " ms must be a whole number of nanoseconds";
    throw config_error("dt", msg.str());
  }
  tics_per_step_ = static_cast<std::int64_t>(std::llround(h_ms * tics_per_ms_));
  steps_per_ms_ = tics_per_ms_ / static_cast<double>(tics_per_step_);
}

step_t time_grid::on_grid_steps(double t_ms, const std::string& where) const {
  if (!std::isfinite(t_ms) || t_ms < 0 || t_ms > 1e15) {
    std::ostringstream msg;
    msg << t_ms << " ms is not a finite time >= 0 ms";
    throw config_error(where, msg.str());
  }
  const std::int64_t t = tics(t_ms);
  if (t % tics_per_step_ != 0) {
    std::ostringstream msg;
    const step_t below = t / tics_per_step_;
    msg.precision(12);
    msg << t_ms << " ms is not a multiple of the time step dt = " << h_ << " ms (nearest: " << ms(below) << " or "
        << ms(below + 1) << " ms)";
    throw config_error(where, msg.str());
  }
  return t / tics_per_step_;
}

delay_t time_grid::delay_steps(double delay_ms, const std::string& where) const {
  delay_t steps = 0;
  if (delay_in_steps(delay_ms, steps_per_ms_, steps)) return steps;
  std::ostringstream msg;
  if (!std::isfinite(delay_ms) || delay_ms * steps_per_ms_ < 1.0)
    msg << "delay " << delay_ms << " ms is below one time step (" << h_ << " ms); delays must be >= dt";
  else
    msg << "delay " << delay_ms << " ms exceeds the maximum of " << std::numeric_limits<delay_t>::max() << " steps";
  throw config_error(where, msg.str());
}

step_t time_grid::spike_step(double t_ms, bool allow_offgrid, const std::string& where) const {
  if (!(t_ms > 0) || !(t_ms <= 1e15)) {  // 1e15 ms: 31,000 years, far inside the tic range
    std::ostringstream msg;
    msg << "spike time " << t_ms << " ms must be finite, > 0 ms and at most 1e15 ms";
    throw config_error(where, msg.str());
  }
  if (allow_offgrid) return duration_steps(t_ms) - 1;
  if (!on_grid(t_ms)) {
    std::ostringstream msg;
    msg.precision(12);
    msg << "spike time " << t_ms << " ms is not a multiple of dt = " << h_
        << " ms (NEST refuses it too); set allow_offgrid_times to round it up to " << ms(duration_steps(t_ms)) << " ms";
    throw config_error(where, msg.str());
  }
  return on_grid_steps(t_ms, where) - 1;
}

}  // namespace neuromesh
