#include <algorithm>
#include <cmath>
#include <limits>

#include <neuromesh/core/connectors.hpp>
#include <neuromesh/core/errors.hpp>
#include <neuromesh/core/fixed_point.hpp>
#include <neuromesh/core/random/keyed_stream.hpp>
#include <neuromesh/neurons/registry.hpp>
#include <neuromesh/synapses/static_synapse.hpp>

#include "shard.hpp"

namespace neuromesh::cpu {

shard::shard(const engine_config& cfg, std::size_t index, bool double_precision)
    : cfg_(cfg), index_(index), double_(double_precision) {
  const network& net = *cfg.net;
  const std::uint32_t n_local = cfg.part.local_size(index);
  arrays_.awake.assign(n_local, 1);
  arrays_.extra_current.assign(n_local, 0.0);
  group_of_.resize(n_local);
  for (std::size_t p = 0; p < net.populations.size(); ++p) {
    const shard_slice& sl = slice_of(p);
    const lowered_population low(net, sl, cfg.part.population_offsets[p]);  // the one lowering
    groups_.push_back(double_ ? make_group<double>(cfg, low, arrays_) : make_group<float>(cfg, low, arrays_));
    std::fill_n(group_of_.begin() + sl.local_offset, sl.size(), static_cast<std::uint16_t>(p));
  }
}

// Calls fn(entry) for every synapse onto this shard's neurons, always in the same order. Targets
// are generated in blocks so the buffer stays small (fixed_outdegree and explicit lists walk all
// their sources for any block, so they are generated in one go).
template <class Fn>
void shard::for_each_synapse(bool values, Fn&& fn, const std::function<void(double)>& done) const {
  const network& net = *cfg_.net;
  const time_grid grid(net.dt);
  std::vector<generated_synapse> generated;
  std::uint32_t emitted = 0;
  for (std::size_t k = 0; k < net.projections.size(); ++k) {
    const projection& proj = net.projections[k];
    const std::size_t pre = net.population_index(proj.pre, "projections[" + std::to_string(k) + "].pre");
    const std::size_t post = net.population_index(proj.post, "projections[" + std::to_string(k) + "].post");
    const shard_slice& sl = slice_of(post);
    const gid_t pre_offset = cfg_.part.population_offsets[pre];
    auto emit = [&](const generated_synapse& g) {
      fn(synapse_store::entry{pre_offset + g.source, sl.local_offset + sl.index_of(g.target), g.weight, g.delay,
                              static_cast<std::uint8_t>(proj.target)});
      if ((++emitted & 0xFFFFFu) == 0 && done) done(static_cast<double>(k));  // may throw: build abandoned
    };
    if (sl.contiguous() || generates_whole(proj.conn)) {  // the hull, keeping owned targets
      for_each_generated_synapse(net, k, sl.begin, sl.end, values, [&](const generated_synapse& g) {
        if (sl.contiguous() || sl.contains(g.target)) emit(g);
      });
    } else {
      // Scattered ownership: runs of consecutive owned targets, in bounded blocks.
      const index_t block = generation_block(net, k);
      const std::vector<std::uint64_t> split = projection_total_split(net, k);
      for (std::uint32_t i = 0; i < sl.size();) {
        const index_t b = sl.id(i);
        std::uint32_t j = i + 1;
        while (j < sl.size() && j - i < block && sl.id(j) == b + (j - i)) ++j;
        generated.clear();
        generate_projection(net, k, b, b + (j - i), grid, generated, values, split.empty() ? nullptr : &split);
        for (const generated_synapse& g : generated) emit(g);
        i = j;
      }
    }
    if (done) done(static_cast<double>(k + 1));
  }
}

// Two passes over the (deterministic) generators: count per source row, then place each synapse
// at its final position -- no list of all synapses and no sorted copy of it is ever held.
void shard::build_synapses(const std::function<void(double)>& progress) {
  const double n = static_cast<double>(cfg_.net->projections.size());
  auto pass_done = [&](double pass) -> std::function<void(double)> {
    if (!progress) return {};
    return [&progress, pass, n](double done) { progress((pass + done / n) / 2.0); };
  };
  synapse_store::builder builder(cfg_.part.population_offsets.back(), cfg_.part.local_size(index_));
  for_each_synapse(
      false, [&](const synapse_store::entry& e) { builder.count(e.source); }, pass_done(0));
  builder.allocate();
  for_each_synapse(
      true, [&](const synapse_store::entry& e) { builder.place(e); }, pass_done(1));
  store_.build(std::move(builder));
  // Largest input of one spike: the sum of |w| (fixed point) over the source's row.
  const gid_t n_sources = cfg_.part.population_offsets.back();
  const float* weights = store_.weights();
  for (gid_t src = 0; src < n_sources; ++src) {
    double sum = 0;
    std::uint32_t begin = store_.row_begin(src);
    for (const row_segment& seg : store_.segments(src)) {
      if (store_.shared_weights())
        sum += (seg.end - begin) * std::abs(static_cast<double>(store_.shared_weight(seg.receptor)));
      else
        for (std::uint32_t k = begin; k < seg.end; ++k) sum += std::abs(static_cast<double>(weights[k]));
      begin = seg.end;
    }
    max_row_input_ = std::max(max_row_input_, sum * fixed_scale);
  }
}

void shard::allocate_input(delay_t max_delay) {
  arrays_.ring = ring_buffer(cfg_.part.local_size(index_), static_cast<std::uint32_t>(max_delay) + 1);
  slot_bound_.assign(arrays_.ring.slots(), 0.0);
}

void shard::advance(step_t t0, int n, std::vector<spike>& fired) {
  for (step_t s = t0; s < t0 + n; ++s) {
    arrays_.input_in_range = slot_bound_[static_cast<std::size_t>(s % slot_bound_.size())] <= 0x1.0p62;
    for (auto& g : groups_) g->step(s, arrays_, fired);
    slot_bound_[static_cast<std::size_t>(s % slot_bound_.size())] = 0;  // read and cleared
  }
}

void shard::deliver(std::span<const spike> spikes) {
  deliver_items(spikes, [](const spike&, std::uint32_t) { return true; });
}

void shard::deliver_partial(std::span<const partial_delivery> deliveries, std::span<const std::uint32_t> group_of_gid) {
  if (delivery_groups_of_ != group_of_gid.data() || delivery_group_.size() != group_of_.size()) {
    // the filter's groups, by shard-local index (again when another filter is installed)
    delivery_groups_of_ = group_of_gid.data();
    delivery_group_.resize(group_of_.size());
    for (std::size_t p = 0; p < groups_.size(); ++p) {
      const shard_slice& sl = slice_of(p);
      for (std::uint32_t i = 0; i < sl.size(); ++i)
        delivery_group_[sl.local_offset + i] = group_of_gid[cfg_.part.population_offsets[p] + sl.id(i)];
    }
    group_marked_.assign(*std::max_element(group_of_gid.begin(), group_of_gid.end()) + 1u, 0);
  }
  // Deliveries of one spike to many groups (sorted by spike): one walk of its row, targets
  // accepted by a mark on their group -- not one walk per group.
  // A group may appear twice for one spike (a late packet arriving in the step its source fires
  // again): the second starts a new walk, so every delivery counts once.
  for (std::size_t b = 0; b < deliveries.size();) {
    std::size_t e = b;
    for (; e < deliveries.size() && deliveries[e].s == deliveries[b].s; ++e) {
      if (e > b && deliveries[e].group == deliveries[e - 1].group) break;
      if (deliveries[e].group < group_marked_.size()) group_marked_[deliveries[e].group] = 1;
    }
    deliver_items(std::span<const spike>(&deliveries[b].s, 1),
                  [this](const spike&, std::uint32_t t) { return group_marked_[delivery_group_[t]] != 0; });
    for (std::size_t k = b; k < e; ++k)
      if (deliveries[k].group < group_marked_.size()) group_marked_[deliveries[k].group] = 0;
    b = e;
  }
}

namespace {
const spike& spike_of(const spike& s) { return s; }
const spike& spike_of(const partial_delivery& d) { return d.s; }
}  // namespace

template <class Item, class Accept>
void shard::deliver_items(std::span<const Item> items, Accept accept) {
  // While every group updates densely nobody sleeps, so the wake-up bookkeeping is skipped.
  if (arrays_.sparse_groups == 0)
    deliver_rows(items, accept, [](std::uint32_t) {});
  else
    deliver_rows(items, accept, [this](std::uint32_t t) {
      if (!arrays_.awake[t]) {
        arrays_.awake[t] = 1;
        arrays_.woken.push_back(t);
      }
    });
  wake_woken();
}

// `accept(item, target)` is a constant true for ordinary delivery (the compiler drops it).
template <class Item, class Accept, class OnTarget>
void shard::deliver_rows(std::span<const Item> items, Accept accept, OnTarget on_target) {
  // Plain adds while no slot can leave the range: each item adds at most max_row_input_ to any
  // slot (fixed_point.hpp; saturation would cost about 20 % of Brunel's simulation time).
  const double added = static_cast<double>(items.size()) * max_row_input_;
  bool saturate = false;
  for (double& bound : slot_bound_) {
    bound += added;
    saturate |= bound > 0x1.0p62;
  }
  if (saturate)
    deliver_rows_as<true>(items, accept, on_target);
  else
    deliver_rows_as<false>(items, accept, on_target);
}

template <bool Saturate, class Item, class Accept, class OnTarget>
void shard::deliver_rows_as(std::span<const Item> items, Accept accept, OnTarget on_target) {
  const auto add = [](fixed_t& slot, fixed_t w) {
    if constexpr (Saturate)
      slot = add_saturating(slot, w);  // never wraps (fixed_point.hpp)
    else
      slot += w;  // cannot leave the range (deliver_rows)
  };
  const std::uint32_t* targets = store_.targets();
  const float* weights = store_.weights();
  const bool shared = store_.shared_weights();
  const fixed_t shared_input[n_receptors] = {static_synapse::input(store_.shared_weight(0)),
                                             static_synapse::input(store_.shared_weight(1))};
  for (const Item& item : items) {
    const spike& sp = spike_of(item);
    std::uint32_t begin = store_.row_begin(sp.gid);
    for (const row_segment& seg : store_.segments(sp.gid)) {
      fixed_t* row = arrays_.ring.row(seg.receptor, sp.step + seg.delay);
      if (shared) {
        const fixed_t w = shared_input[seg.receptor];
        for (std::uint32_t k = begin; k < seg.end; ++k) {
          if (!accept(item, targets[k])) continue;
          add(row[targets[k]], w);
          on_target(targets[k]);
        }
      } else {
        for (std::uint32_t k = begin; k < seg.end; ++k) {
          if (!accept(item, targets[k])) continue;
          add(row[targets[k]], static_synapse::input(weights[k]));
          on_target(targets[k]);
        }
      }
      begin = seg.end;
    }
  }
}

void shard::wake_woken() {
  for (std::uint32_t t : arrays_.woken) {
    const std::size_t p = group_of_[t];
    groups_[p]->wake(t - slice_of(p).local_offset);
  }
  arrays_.woken.clear();
}

void shard::set_current(std::size_t population, std::span<const index_t> ids, std::span<const double> pA) {
  const shard_slice& sl = slice_of(population);
  bool touched = false;
  for (std::size_t k = 0; k < ids.size(); ++k) {
    if (!sl.contains(ids[k])) continue;
    arrays_.extra_current[sl.local_offset + sl.index_of(ids[k])] = pA[k];
    touched = true;
  }
  if (touched) groups_[population]->make_dense(arrays_);
}

double shard::read(std::size_t population, int var, index_t id) const {
  const shard_slice& sl = slice_of(population);
  return groups_[population]->read(var, sl.index_of(id));
}

std::uint64_t shard::updates() const {
  std::uint64_t n = 0;
  for (const auto& g : groups_) n += g->updates();
  return n;
}

}  // namespace neuromesh::cpu
