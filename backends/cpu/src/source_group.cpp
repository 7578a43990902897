#include <algorithm>
#include <cmath>

#include "population_group.hpp"

namespace neuromesh::cpu {

source_group::source_group(const population& pop, const shard_slice& slice, gid_t first_gid, double h) {
  const time_grid grid(h);
  for (std::uint32_t k = 0; k < slice.size(); ++k) {
    const index_t i = slice.id(k);
    if (i >= pop.spike_times.size()) continue;
    for (double t : pop.spike_times[i]) {
      // A spike at t is fired in the step ending at t (see spike.hpp); t > 0, so s >= 0.
      const step_t s = grid.spike_step(t, pop.allow_offgrid_times, pop.label);
      schedule_.push_back({s, first_gid + (i - slice.begin)});  // first_gid: gid of slice.begin
    }
  }
  // Duplicates stay: two spikes at one time are two spikes (NEST's multiplicity), delivered and
  // recorded twice.
  std::sort(schedule_.begin(), schedule_.end());
}

void source_group::step(step_t s, shard_arrays&, std::vector<spike>& fired) {
  while (cursor_ < schedule_.size() && schedule_[cursor_].step < s) ++cursor_;  // in the past
  while (cursor_ < schedule_.size() && schedule_[cursor_].step == s) fired.push_back(schedule_[cursor_++]);
}

}  // namespace neuromesh::cpu
