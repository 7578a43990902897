#pragma once
// The one record that moves through the simulator. A spike fired during step s (the interval
// [s h, (s+1) h)) carries time (s+1) h, as in NEST; with delay d it is applied to its targets
// during step s + d, so a target's state at time (s+1+d) h = t_spike + d h reflects it.
#include <cstdint>
#include <tuple>

#include <neuromesh/core/network.hpp>
#include <neuromesh/core/time.hpp>

namespace neuromesh {

struct spike {
  step_t step;  // step in which the source fired
  gid_t gid;    // global id of the source
  friend bool operator<(const spike& a, const spike& b) { return std::tie(a.step, a.gid) < std::tie(b.step, b.gid); }
  friend bool operator==(const spike& a, const spike& b) = default;
};

}  // namespace neuromesh
