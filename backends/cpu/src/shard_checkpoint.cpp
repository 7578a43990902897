// Checkpoints of one shard (checkpoint.hpp): neuron state, closed-loop currents and ring-buffer
// input, keyed by population-local id so that any other split into shards can take them back.
#include <algorithm>
#include <cmath>
#include <string>

#include <neuromesh/core/checkpoint.hpp>
#include <neuromesh/core/errors.hpp>

#include "shard.hpp"

namespace neuromesh::cpu {

namespace {

// The checkpoint format holds the two receptors' input; multisynapse ports beyond them are refused.
void refuse_ports(const ring_buffer& ring) {
  if (ring.receptors() != n_receptors)
    throw config_error("checkpoint", "checkpoints of networks with multisynapse models of more than " +
                                         std::to_string(n_receptors) + " ports are not implemented yet");
}
}  // namespace

void shard::save_state(step_t now, std::vector<population_state>& out) const {
  refuse_ports(arrays_.ring);
  out.resize(groups_.size());
  const std::uint32_t slots = arrays_.ring.slots();
  for (std::size_t p = 0; p < groups_.size(); ++p) {
    const shard_slice& sl = slice_of(p);
    population_state& s = out[p];
    s.width = groups_[p]->state_width();
    s.slots = slots;
    for (std::uint32_t i = 0; i < sl.size(); ++i) {
      const std::uint32_t local = sl.local_offset + i;
      s.ids.push_back(sl.id(i));
      s.state.resize(s.state.size() + s.width);
      groups_[p]->save_state(i, s.state.data() + s.state.size() - s.width);
      s.current.push_back(arrays_.extra_current[local]);
      for (int r = 0; r < n_receptors; ++r)
        for (std::uint32_t d = 0; d < slots; ++d) s.input.push_back(arrays_.ring.row(r, now + d)[local]);
    }
  }
}

// Groups are fresh (dense, every neuron awake), so only values need setting. The per-slot bound
// that chooses plain or saturating adds (shard::deliver_rows) restarts at what the slots hold: it
// may be lower than the interrupted run's, but it still bounds every partial sum, so plain adds are
// only chosen where they cannot leave the range -- and there both kinds of add give the same sum.
void shard::load_state(step_t now, const std::vector<population_state>& in) {
  refuse_ports(arrays_.ring);
  const std::uint32_t slots = arrays_.ring.slots();
  for (std::size_t p = 0; p < groups_.size(); ++p) {
    const shard_slice& sl = slice_of(p);
    const population_state& s = in.at(p);
    const std::string& label = cfg_.net->populations[p].label;
    if (sl.size() > 0 && s.width != groups_[p]->state_width())
      throw config_error("resume", "the checkpoint holds " + std::to_string(s.width) + " state values per neuron of " +
                                       label + ", its model has " + std::to_string(groups_[p]->state_width()));
    bool current = false;
    for (std::uint32_t i = 0; i < sl.size(); ++i) {
      const std::uint32_t local = sl.local_offset + i;
      const std::size_t id = sl.id(i);
      groups_[p]->load_state(i, s.state.data() + id * s.width);
      arrays_.extra_current[local] = s.current[id];
      current |= s.current[id] != 0.0;
      for (int r = 0; r < n_receptors; ++r)
        for (std::uint32_t d = 0; d < s.slots; ++d) {
          const fixed_t v = s.input[(id * n_receptors + static_cast<std::size_t>(r)) * s.slots + d];
          if (d >= slots) {
            if (v != 0)  // input arrives within the largest delay onto the neuron, which this shard holds
              throw internal_error("checkpoint: input " + std::to_string(d) + " steps ahead for neuron " +
                                   std::to_string(id) + " of " + label + ", beyond this shard's largest delay");
            continue;
          }
          arrays_.ring.row(r, now + d)[local] = v;
        }
    }
    if (current) groups_[p]->make_dense(arrays_);  // as set_current: the groups then read the currents
  }
  for (std::uint32_t d = 0; d < slots; ++d) {
    double bound = 0;
    for (int r = 0; r < n_receptors; ++r) {
      const fixed_t* row = arrays_.ring.row(r, now + d);
      for (std::uint32_t i = 0; i < cfg_.part.local_size(index_); ++i)
        bound = std::max(bound, std::abs(static_cast<double>(row[i])));
    }
    slot_bound_[static_cast<std::size_t>((now + d) % static_cast<step_t>(slot_bound_.size()))] = bound;
  }
}

}  // namespace neuromesh::cpu
