#include <limits>
#include <sstream>

#include <neuromesh/core/time.hpp>

namespace neuromesh {

time_grid::time_grid(double h_ms) : h_(h_ms) {
  if (!(h_ms > 0.0) || !std::isfinite(h_ms)) throw config_error("dt", "the time step must be a positive number of ms");
}

delay_t time_grid::delay_steps(double delay_ms, const std::string& where) const {
  const double exact = delay_ms / h_;
  const auto rounded = std::llround(exact);
  if (!std::isfinite(delay_ms) || rounded < 1) {
    std::ostringstream msg;
    msg << "delay " << delay_ms << " ms is below one time step (" << h_ << " ms); delays must be >= dt";
    throw config_error(where, msg.str());
  }
  if (rounded > std::numeric_limits<delay_t>::max()) {
    std::ostringstream msg;
    msg << "delay " << delay_ms << " ms exceeds the maximum of " << std::numeric_limits<delay_t>::max() << " steps";
    throw config_error(where, msg.str());
  }
  return static_cast<delay_t>(rounded);
}

}  // namespace neuromesh
