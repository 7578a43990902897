#include "population_group.hpp"

namespace neuromesh::cpu {

// The schedule (lowered_population::spike_schedule) is sorted by step: a cursor walks it once.
void source_group::step(step_t s, shard_arrays&, std::vector<spike>& fired) {
  while (cursor_ < schedule_.size() && schedule_[cursor_].step < s) ++cursor_;  // in the past
  while (cursor_ < schedule_.size() && schedule_[cursor_].step == s) fired.push_back(schedule_[cursor_++]);
}

}  // namespace neuromesh::cpu
