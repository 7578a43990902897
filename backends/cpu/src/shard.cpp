#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#include <neuromesh/core/errors.hpp>
#include <neuromesh/core/fixed_point.hpp>
#include <neuromesh/core/projection_rows.hpp>
#include <neuromesh/core/random/keyed_stream.hpp>
#include <neuromesh/neurons/registry.hpp>
#include <neuromesh/synapses/registry.hpp>

#include "shard.hpp"

namespace neuromesh::cpu {

shard::shard(const engine_config& cfg, std::size_t index, bool double_precision, bool stored_rows)
    : cfg_(cfg), index_(index), double_(double_precision), stored_rows_(stored_rows) {
  group_of_.resize(cfg.part.local_size(index));
  make_groups();
}

// Every population's neurons as the description starts them (the one lowering), dense and awake.
void shard::make_groups() {
  const network& net = *cfg_.net;
  const std::uint32_t n_local = cfg_.part.local_size(index_);
  arrays_.awake.assign(n_local, 1);
  arrays_.woken.clear();
  arrays_.extra_current.assign(n_local, 0.0);
  arrays_.sparse_groups = 0;
  groups_.clear();
  for (std::size_t p = 0; p < net.populations.size(); ++p) {
    const shard_slice& sl = slice_of(p);
    const lowered_population low(net, sl, cfg_.part.population_offsets[p]);  // the one lowering
    groups_.push_back(double_ ? make_group<double>(cfg_, low, arrays_) : make_group<float>(cfg_, low, arrays_));
    std::fill_n(group_of_.begin() + sl.local_offset, sl.size(), static_cast<std::uint16_t>(p));
  }
}

// engine::reset_state: the groups lowered again, no input waiting; the synapses stay.
void shard::reset_state() {
  make_groups();
  for (auto& g : groups_) g->allocate_run_buffers();  // as allocate_input did for the first groups
  arrays_.ring.clear();
  std::fill(slot_bound_.begin(), slot_bound_.end(), 0.0);
  weight_events_.clear();
}

// Each projection's rows onto this shard's neurons, built by the one lowering of synapses
// (core/projection_rows.hpp) that the CUDA backend's host path uses too -- except a static conv2d
// projection onto a contiguous slice, which keeps only its plan (conv_delivery.hpp): the same
// synapses, generated from the kernel wherever they are read.
void shard::build_synapses(const std::function<void(double)>& progress) {
  const network& net = *cfg_.net;
  const double n = static_cast<double>(net.projections.size());
  projections_.clear();
  projections_.reserve(net.projections.size());
  // order_packed_delivery's lists, allocated before the synapses: small blocks allocated after
  // them would sit above the builders' freed memory on the heap and keep it resident
  // (+26 MB peak RSS on the full microcircuit).
  packed_by_pre_.assign(net.populations.size(), {});
  for (auto& list : packed_by_pre_) list.reserve(net.projections.size());
  delivered_by_spike_.assign(net.projections.size(), 0);
  for (std::size_t k = 0; k < net.projections.size(); ++k) {
    const projection& proj = net.projections[k];
    const std::string where = "projections[" + std::to_string(k) + "]";
    const std::size_t pre = net.population_index(proj.pre, where + ".pre");
    const std::size_t post = net.population_index(proj.post, where + ".post");
    std::function<void(int)> on_block;
    if (progress) on_block = [&progress, k, n](int pass) { progress((static_cast<double>(k) + 0.5 * pass) / n); };
    projection_rows p;
    p.pre_first = cfg_.part.population_offsets[pre];
    p.model = static_cast<std::size_t>(synapse_model_index(proj.synapse));
    p.pre_size = net.populations[pre].size;
    const synapse_info& model = *find_synapse_model(proj.synapse);
    run_time_synapse_state_ |= model.plastic || model.short_term;
    if (!stored_rows_ && plan_capable(proj) && slice_of(post).contiguous())
      with_synapse_model_at(p.model, [&]<class S>() {
        if constexpr (!S::plastic && !detail::has_short_term<S>())
          p.conv = std::make_unique<conv_plan>(proj, slice_of(post), p.pre_size, net.populations[post].size, net.dt,
                                               [](float w) { return S::input(w); });
      });
    if (!p.conv)
      p.rows =
          build_projection_rows(net, k, slice_of(post), cfg_.part.local_size(index_), weight_storage_of(proj), on_block,
                                model.plastic || model.short_term ? row_layout::segments : row_layout::packed);
    if (model.short_term) {
      p.stp_parameters = synapse_parameter_values(proj, where);
      const short_term_state initial = with_synapse_model_at(p.model, [&]<class S>() {
        if constexpr (detail::has_short_term<S>())
          return S::initial(p.stp_parameters.data());
        else
          return short_term_state{};
      });
      p.stp_state.assign(p.pre_size, initial);
      p.stp_last.assign(p.pre_size, -1);
    }
    if (model.plastic) {
      std::vector<double> values = synapse_parameter_values(proj, where);
      double w0 = 0;
      for (std::size_t j = 0; j < p.rows.size(); ++j) w0 = std::max(w0, static_cast<double>(p.rows.weight(j)));
      const double bound = with_synapse_model_at(p.model, [&]<class S>() {
        if constexpr (S::plastic)
          return S::max_weight(values.data(), w0);
        else
          return w0;
      });
      p.stdp = std::make_unique<stdp_rows>(std::move(values), p.rows, p.pre_size, cfg_.part.local_size(index_), net.dt,
                                           bound, double_);
      with_synapse_model_at(p.model, [&]<class S>() {
        if constexpr (S::plastic) p.stdp->start<S>();
      });
      p.rows.release_weights();
      stdp_by_post_.resize(net.populations.size());
      stdp_by_post_[post].push_back(k);
    }
    projections_.push_back(std::move(p));
    if (progress) progress(static_cast<double>(k + 1) / n);
  }
  bound_row_input();
  order_packed_delivery();
  make_weight_probes();
}

// Which projections deliver spike by spike: the static ones with packed rows, grouped by pre
// population (each spike then walks the rows of its source in every such projection back to back).
void shard::order_packed_delivery() {
  const network& net = *cfg_.net;
  for (auto& list : packed_by_pre_) list.clear();  // capacity reserved in build_synapses
  std::fill(delivered_by_spike_.begin(), delivered_by_spike_.end(), 0);
  any_packed_ = false;
  for (std::size_t k = 0; k < projections_.size(); ++k) {
    const projection_rows& p = projections_[k];
    if (p.conv || !p.rows.packed() || p.stdp || !p.stp_state.empty() || p.synapses() == 0) continue;
    if (p.rows.stride() != cfg_.part.local_size(index_))  // the words are ring offsets (deliver_packed_row)
      throw internal_error("projections[" + std::to_string(k) + "]: packed rows with stride " +
                           std::to_string(p.rows.stride()) + " for a shard of " +
                           std::to_string(cfg_.part.local_size(index_)) + " neurons");
    const std::size_t pre = net.population_index(net.projections[k].pre, "projections");
    packed_by_pre_[pre].push_back(static_cast<std::uint32_t>(k));
    delivered_by_spike_[k] = 1;
    any_packed_ = true;
  }
}

// The largest input one spike can add to one cell of the ring buffer -- one target's receptor row at
// one slot (fixed_point.hpp: range). A spike reaches a cell only through the synapses of one
// (receptor, delay, target) -- consecutive in a row, which is sorted so -- in each projection from
// its population; so per projection the largest such group's sum of |w| (a plastic weight may grow
// to its bound), added up over the projections of one pre population, maximised over populations.
// (A bound by whole rows, as before 2026-12-06, sent ~18 % of the microcircuit's deliveries down
// the saturating path: a row's ~4,000 synapses against the one or two that reach any one cell.)
void shard::bound_row_input() {
  const network& net = *cfg_.net;
  max_row_input_ = 0;
  for (std::size_t pre = 0; pre < net.populations.size(); ++pre) {
    const gid_t first = cfg_.part.population_offsets[pre];
    double total = 0;
    for (const projection_rows& p : projections_) {
      if (p.pre_first != first || p.synapses() == 0) continue;
      double largest = 0;
      if (p.conv) {  // whole rows (each kernel entry of a source may reach a different target)
        for (index_t s = 0; s < p.conv->n_pre; ++s) {
          double sum = 0;
          p.conv->for_each_of_source(s, [&](std::uint32_t, float w) { sum += std::abs(static_cast<double>(w)); });
          largest = std::max(largest, sum);
        }
        total += largest;
        continue;
      }
      auto magnitude = [&p](std::uint32_t k) {
        return p.stdp ? std::max(p.stdp->weight(k), p.stdp->max_weight())  // it may grow to Wmax
                      : std::abs(static_cast<double>(p.rows.weight(k)));
      };
      const std::uint32_t* words = p.rows.targets();
      for (index_t src = 0; src < p.pre_size; ++src)
        p.rows.for_each_segment(src, [&](std::uint32_t begin, std::uint32_t end, delay_t, std::uint8_t) {
          double sum = 0;
          for (std::uint32_t k = begin; k < end; ++k) {
            // within a segment equal words are equal targets (in every layout; no decoding)
            sum = k > begin && words[k] == words[k - 1] ? sum + magnitude(k) : magnitude(k);
            largest = std::max(largest, sum);
          }
        });
      total += largest;
    }
    max_row_input_ = std::max(max_row_input_, total * fixed_scale);
  }
}

void shard::read_synapses(std::size_t k, std::vector<synapse_record>& out) const {
  const network& net = *cfg_.net;
  const projection_rows& p = projections_[k];
  const std::size_t post = net.population_index(net.projections[k].post, "projections");
  const shard_slice& sl = slice_of(post);
  if (p.conv) {  // the rows' records: by source, then target
    for (index_t s = 0; s < p.conv->n_pre; ++s)
      p.conv->for_each_of_source(s, [&](std::uint32_t t, float w) {
        out.push_back({p.conv->pre_begin + s, sl.id(t - sl.local_offset), static_cast<double>(w), p.conv->delay});
      });
    return;
  }
  for (index_t src = 0; src < p.pre_size; ++src)
    p.rows.for_each_segment(src, [&](std::uint32_t begin, std::uint32_t end, delay_t delay, std::uint8_t) {
      for (std::uint32_t j = begin; j < end; ++j)
        out.push_back({src, sl.id(p.rows.target(j) - sl.local_offset),
                       p.stdp ? p.stdp->weight(j) : static_cast<double>(p.rows.weight(j)), delay});
    });
}

bool shard::has_targets(gid_t g) const {
  return std::any_of(projections_.begin(), projections_.end(), [g](const projection_rows& p) { return p.has_row(g); });
}

void shard::allocate_input(delay_t max_delay) {
  arrays_.ring = ring_buffer(cfg_.part.local_size(index_), static_cast<std::uint32_t>(max_delay) + 1,
                             receptor_rows(*cfg_.net));  // more rows only for multisynapse ports
  slot_bound_.assign(arrays_.ring.slots(), 0.0);
  for (auto& g : groups_) g->allocate_run_buffers();
}

void shard::advance(step_t t0, int n, std::vector<spike>& fired) {
  for (step_t s = t0; s < t0 + n; ++s) {
    arrays_.input_in_range = slot_bound_[static_cast<std::size_t>(s % slot_bound_.size())] <= 0x1.0p62;
    const std::size_t before = fired.size();
    for (auto& g : groups_) g->step(s, arrays_, fired);
    if (!stdp_by_post_.empty()) record_post_spikes(std::span<const spike>(fired).subspan(before));
    slot_bound_[static_cast<std::size_t>(s % slot_bound_.size())] = 0;  // read and cleared
  }
}

void shard::deliver(std::span<const spike> spikes) { deliver_items(spikes, accept_all{}); }

void shard::deliver_partial(std::span<const partial_delivery> deliveries, std::span<const std::uint32_t> group_of_gid) {
  if (!stdp_by_post_.empty())  // a row walked once per delivery would update its weights several times
    throw config_error("timing mode",
                       "plastic synapses (stdp_synapse) cannot be combined with the hardware "
                       "timing mode yet; run without --timing or with static synapses");
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
}  // namespace

template <class Item, class Accept>
void shard::deliver_items(std::span<const Item> items, Accept accept) {
  // While every group updates densely nobody sleeps, so the wake-up bookkeeping is skipped.
  if (arrays_.sparse_groups == 0)
    deliver_rows(items, accept, ignore_target{});
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

// Spike by spike through the static packed projections, then projection by projection through the
// rest, each with its synapse model's deliver_segment (synapses/model.hpp). The order of the adds
// differs from spike order; fixed-point sums do not care (architecture.md).
template <bool Saturate, class Item, class Accept, class OnTarget>
void shard::deliver_rows_as(std::span<const Item> items, Accept accept, OnTarget on_target) {
  deliver_packed_by_spike<Saturate>(items, accept, on_target);
  for (std::size_t k = 0; k < projections_.size(); ++k) {
    const projection_rows& p = projections_[k];
    if (p.synapses() == 0 || delivered_by_spike_[k]) continue;
    with_synapse_model_at(p.model, [&]<class Synapse>() {
      if constexpr (Synapse::plastic)
        deliver_plastic<Saturate, Synapse>(projections_[k], items, accept, on_target);
      else if constexpr (detail::has_short_term<Synapse>())
        deliver_short_term<Saturate, Synapse>(projections_[k], items, accept, on_target);
      else
        deliver_projection<Saturate, Synapse>(p, items, accept, on_target);
    });
  }
}

template <bool Saturate, class Synapse, class Item, class Accept, class OnTarget>
void shard::deliver_projection(const projection_rows& p, std::span<const Item> items, Accept accept,
                               OnTarget on_target) {
  if (p.conv) return deliver_conv<Saturate>(p, items, accept, on_target);
  const synapse_columns columns{p.rows.targets(), p.rows.weights(), p.rows.shared_weight()};
  for (const Item& item : items) {
    const spike& sp = spike_of(item);
    const gid_t src = sp.gid - p.pre_first;  // wraps above pre_size for gids before the population
    if (src >= p.pre_size) continue;
    const std::uint32_t slot = arrays_.ring.slot_of(sp.step);  // every delay is below the slot count
    p.rows.for_each_segment(src, [&](std::uint32_t begin, std::uint32_t end, delay_t delay, std::uint8_t receptor) {
      fixed_t* row = arrays_.ring.row_at(receptor, arrays_.ring.slot_after(slot, delay));
      deliver_segment<Synapse>(columns, begin, end, [&](std::uint32_t t, fixed_t w) {
        if (!accept(item, t)) return;
        if constexpr (Saturate)
          row[t] = add_saturating(row[t], w);  // never wraps (fixed_point.hpp)
        else
          row[t] += w;  // cannot leave the range (deliver_rows)
        on_target(t);
      });
    });
  }
}

// Packed rows (synapse_store.hpp) of static projections, spike by spike: a spike's rows in every
// projection from its population back to back, while the next spike's rows are fetched (rows per
// (projection, shard) are short: the microcircuit's ~250 synapses). This order alone measured no
// faster than projection by projection; the speed comes from deliver_packed_row's short loop
// (docs/benchmarks.md, the PD14 regression).
template <bool Saturate, class Item, class Accept, class OnTarget>
void shard::deliver_packed_by_spike(std::span<const Item> items, Accept accept, OnTarget on_target) {
  if (items.empty() || !any_packed_) return;
  std::size_t next_pre = population_of(spike_of(items[0]).gid);  // each spike's population, found once
  prefetch_packed_rows(next_pre, spike_of(items[0]).gid);
  for (std::size_t i = 0; i < items.size(); ++i) {
    const gid_t gid = spike_of(items[i]).gid;
    const std::size_t pre = next_pre;
    if (i + 1 < items.size()) {
      next_pre = population_of(spike_of(items[i + 1]).gid);
      prefetch_packed_rows(next_pre, spike_of(items[i + 1]).gid);
    }
    if (pre >= packed_by_pre_.size()) continue;
    for (const std::uint32_t k : packed_by_pre_[pre]) {
      const projection_rows& p = projections_[k];
      with_synapse_model_at(p.model, [&]<class Synapse>() {
        if constexpr (!Synapse::plastic && !detail::has_short_term<Synapse>())
          deliver_packed_row<Saturate, Synapse>(p, items[i], gid - p.pre_first, accept, on_target);
      });
    }
  }
}

// The first lines (up to 64 synapses) of neuron gid's packed rows, targets and weights.
void shard::prefetch_packed_rows(std::size_t pre, gid_t gid) const {
  if (pre >= packed_by_pre_.size()) return;
  for (const std::uint32_t k : packed_by_pre_[pre]) {
    const synapse_store& rows = projections_[k].rows;
    const gid_t src = gid - projections_[k].pre_first;
    const std::uint32_t b = rows.row_begin(src), n = std::min<std::uint32_t>(rows.row_end(src) - b, 64);
    for (std::uint32_t j = 0; j < n; j += 16) {  // 16 four-byte words per 64-byte line
      __builtin_prefetch(rows.targets() + b + j);
      if (rows.weights()) __builtin_prefetch(rows.weights() + b + j);
    }
  }
}

// One spike's row of packed synapses. A word is receptor << 31 | (delay * stride + target) with the
// ring's row length as stride (synapse_store.hpp), i.e. the offset of its cell from the spike's
// slot: the row splits into at most four ranges -- receptor 0 or 1, and whether slot + delay passes
// the ring's end -- each a constant added to every word. Words sort by receptor, then delay, so
// the ranges are found by binary search; the loop per synapse is a load, an add and the cell's add.
template <bool Saturate, class Synapse, class Item, class Accept, class OnTarget>
void shard::deliver_packed_row(const projection_rows& p, const Item& item, gid_t src, Accept accept,
                               OnTarget on_target) {
  const synapse_columns columns{p.rows.targets(), p.rows.weights(), p.rows.shared_weight()};
  const std::uint32_t* words = columns.targets;
  const std::uint32_t first = p.rows.row_begin(src), last = p.rows.row_end(src);
  if (first == last) return;
  ring_buffer& ring = arrays_.ring;
  const std::uint32_t slot = ring.slot_of(spike_of(item).step), slots = ring.slots(), n = ring.neurons();
  fixed_t* const cells = ring.cells();
  // A word's cell lies at cells + base + word, base = (r * slots + slot) * n - r * 2^31, less
  // slots * n where the delay wraps; a cell at or past `wrap` from the slot does.
  const std::uint64_t wrap = static_cast<std::uint64_t>(slots - slot) * n;
  auto deliver_range = [&](std::uint32_t begin, std::uint32_t end, std::ptrdiff_t base) {
    deliver_segment<Synapse>(columns, begin, end, [&](std::uint32_t word, fixed_t w) {
      constexpr bool needs_target = !std::is_same_v<Accept, accept_all> || !std::is_same_v<OnTarget, ignore_target>;
      if constexpr (needs_target)
        if (!accept(item, p.rows.target_of_word(word))) return;
      fixed_t& cell = cells[base + static_cast<std::ptrdiff_t>(word)];
      if constexpr (Saturate)
        cell = add_saturating(cell, w);
      else
        cell += w;  // cannot leave the range (deliver_rows)
      if constexpr (needs_target) on_target(p.rows.target_of_word(word));
    });
  };
  const std::uint32_t receptor_split = static_cast<std::uint32_t>(
      std::partition_point(words + first, words + last, [](std::uint32_t w) { return w < 0x80000000u; }) - words);
  for (std::uint32_t r = 0; r < 2; ++r) {
    const std::uint32_t begin = r == 0 ? first : receptor_split, end = r == 0 ? receptor_split : last;
    if (begin == end) continue;
    const std::uint64_t receptor_bit = static_cast<std::uint64_t>(r) << 31;
    const std::uint32_t wraps = static_cast<std::uint32_t>(
        std::partition_point(words + begin, words + end, [&](std::uint32_t w) { return w - receptor_bit < wrap; }) -
        words);
    const std::ptrdiff_t base = static_cast<std::ptrdiff_t>((static_cast<std::uint64_t>(r) * slots + slot) * n) -
                                static_cast<std::ptrdiff_t>(receptor_bit);
    deliver_range(begin, wraps, base);
    deliver_range(wraps, end, base - static_cast<std::ptrdiff_t>(static_cast<std::uint64_t>(slots) * n));
  }
}

// A conv2d projection's spikes from its kernel (conv_delivery.hpp): the targets and inputs its rows
// would hold, with one receptor and one delay.
template <bool Saturate, class Item, class Accept, class OnTarget>
void shard::deliver_conv(const projection_rows& p, std::span<const Item> items, Accept accept, OnTarget on_target) {
  const conv_plan& plan = *p.conv;
  for (const Item& item : items) {
    const spike& sp = spike_of(item);
    const gid_t s = sp.gid - p.pre_first - plan.pre_begin;  // wraps for gids before the view
    if (s >= plan.n_pre) continue;
    fixed_t* row =
        arrays_.ring.row_at(plan.receptor, arrays_.ring.slot_after(arrays_.ring.slot_of(sp.step), plan.delay));
    plan.deliver(static_cast<index_t>(s), [&](std::uint32_t t, fixed_t w) {
      if (!accept(item, t)) return;
      if constexpr (Saturate)
        row[t] = add_saturating(row[t], w);
      else
        row[t] += w;
      on_target(t);
    });
  }
}

// Plastic rows (stdp_synapse): each synapse's weight is updated in row order as the spike passes,
// and the spike carries the new weight; K+ moves on once the whole row has seen the spike.
template <bool Saturate, class Rule, class Item, class Accept, class OnTarget>
void shard::deliver_plastic(projection_rows& p, std::span<const Item> items, Accept accept, OnTarget on_target) {
  stdp_rows& stdp = *p.stdp;
  const std::uint32_t* targets = p.rows.targets();
  for (const Item& item : items) {
    const spike& sp = spike_of(item);
    const gid_t src = sp.gid - p.pre_first;
    if (src >= p.pre_size) continue;
    p.rows.for_each_segment(src, [&](std::uint32_t begin, std::uint32_t end, delay_t delay, std::uint8_t receptor) {
      fixed_t* row = arrays_.ring.row(receptor, sp.step + delay);
      stdp.on_pre<Rule>(src, sp.step, delay, targets, begin, end, [&](std::uint32_t t, fixed_t w) {
        if (!accept(item, t)) return;
        if constexpr (Saturate)
          row[t] = add_saturating(row[t], w);
        else
          row[t] += w;
        on_target(t);
      });
      if (!probes_.empty())
        record_weights(static_cast<std::size_t>(&p - projections_.data()), src, sp.step, begin, end);
    });
    stdp.after_pre(src, sp.step);
  }
}

// Short-term plasticity: the source's state moves on once per spike (in step order), and every
// synapse of its row transmits its stored weight times the state's factor (u x: tsodyks2, tsodyks).
template <bool Saturate, class Synapse, class Item, class Accept, class OnTarget>
void shard::deliver_short_term(projection_rows& p, std::span<const Item> items, Accept accept, OnTarget on_target) {
  const std::uint32_t* targets = p.rows.targets();
  for (const Item& item : items) {
    const spike& sp = spike_of(item);
    const gid_t src = sp.gid - p.pre_first;
    if (src >= p.pre_size) continue;
    if (sp.step < p.stp_last[src])
      throw internal_error("short-term plasticity: a spike of step " + std::to_string(sp.step) +
                           " delivered after one of step " + std::to_string(p.stp_last[src]));
    const double h = static_cast<double>(sp.step - p.stp_last[src]) * cfg_.net->dt;
    const double factor = Synapse::on_spike(p.stp_parameters.data(), p.stp_state[src], h);
    p.stp_last[src] = sp.step;
    p.rows.for_each_segment(src, [&](std::uint32_t begin, std::uint32_t end, delay_t delay, std::uint8_t receptor) {
      fixed_t* row = arrays_.ring.row(receptor, sp.step + delay);
      for (std::uint32_t k = begin; k < end; ++k) {
        const std::uint32_t t = targets[k];
        if (!accept(item, t)) continue;
        const fixed_t w = short_term_input(p.rows.weight(k), factor);
        if constexpr (Saturate)
          row[t] = add_saturating(row[t], w);
        else
          row[t] += w;
        on_target(t);
      }
    });
  }
}

// The spikes this shard's neurons fired in one step, into the postsynaptic traces of the plastic
// projections onto them.
void shard::record_post_spikes(std::span<const spike> fired) {
  for (const spike& sp : fired) {
    const std::size_t q = population_of(sp.gid);
    if (stdp_by_post_[q].empty()) continue;
    const shard_slice& sl = slice_of(q);
    const std::uint32_t local = sl.local_offset + sl.index_of(sp.gid - cfg_.part.population_offsets[q]);
    for (std::size_t k : stdp_by_post_[q]) projections_[k].stdp->record_post_spike(local, sp.step);
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
