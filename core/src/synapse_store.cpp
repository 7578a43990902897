#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>
#include <tuple>

#include <neuromesh/core/errors.hpp>
#include <neuromesh/core/synapse_store.hpp>

namespace neuromesh {

synapse_store::builder::builder(gid_t n_sources, std::uint32_t n_targets, weight_storage storage, row_layout layout)
    : storage_(storage), layout_(layout), next_(static_cast<std::size_t>(n_sources) + 1, 0) {
  if (n_targets == 0) return;
  n_targets_ = n_targets;
  target_bits_ = std::max(1, static_cast<int>(std::bit_width(n_targets - 1)));
  const int delay_bits = 31 - target_bits_;  // the top bit is the receptor
  if (delay_bits < 4) return;                // too little room: separate columns
  packed_ = true;
  max_packed_delay_ = std::min<std::uint32_t>((1u << delay_bits) - 1, std::numeric_limits<delay_t>::max());
}

void synapse_store::builder::unpack() {
  const std::uint32_t mask = (1u << target_bits_) - 1;
  delays_.resize(targets_.size());
  receptors_.resize(targets_.size());
  for (std::size_t k = 0; k < targets_.size(); ++k) {  // slots not placed yet are overwritten later
    const std::uint32_t key = targets_[k];
    receptors_[k] = static_cast<std::uint8_t>(key >> 31);
    delays_[k] = static_cast<delay_t>((key & 0x7fffffffu) >> target_bits_);
    targets_[k] = key & mask;
  }
  packed_ = false;
}

// Shared storage keeps one weight; a different one means the description's choice was wrong.
void synapse_store::builder::share(float w) {
  if (!have_shared_) {
    have_shared_ = true;
    shared_weight_ = w;
  } else if (std::memcmp(&w, &shared_weight_, sizeof w) != 0) {
    throw internal_error("a projection with one shared weight generated synapses of different weights");
  }
}

void synapse_store::builder::allocate() {
  for (std::size_t i = 1; i < next_.size(); ++i) next_[i] += next_[i - 1];
  const std::uint64_t n = next_.back();
  if (n >= std::numeric_limits<std::uint32_t>::max())
    throw config_error("synapses", "more than 2^32 synapses in one shard; use more threads or ranks");
  targets_.resize(n);
  if (storage_ == weight_storage::per_synapse) weights_.resize(n);
  if (!packed_) {
    delays_.resize(n);
    receptors_.resize(n);
  }
  next_.pop_back();  // next_[s] is now where row s starts
}

void synapse_store::build(std::vector<entry>&& entries, gid_t n_sources, weight_storage storage) {
  std::uint32_t n_targets = 0;
  for (const entry& e : entries) n_targets = std::max(n_targets, e.target + 1);
  builder b(n_sources, n_targets, storage);
  for (const entry& e : entries) {
    if (e.source >= n_sources) throw internal_error("synapse source out of range");
    b.count(e.source);
  }
  b.allocate();
  for (const entry& e : entries) b.place(e);
  entries.clear();
  entries.shrink_to_fit();
  build(std::move(b));
}

namespace {

// Packed rows whose targets arrive in non-decreasing order -- every per-target connector on a
// contiguous slice places them so -- are ordered by a stable counting sort on (receptor, delay)
// alone: within one (receptor, delay) the placing order already is the target order, and equal
// keys keep their placing order, exactly as the general sort below orders them. Worth it while
// the buckets are few against the row (PD14: delays of 1-60 steps, rows of ~10^3 synapses).
bool counting_sortable(const std::uint32_t* keys, std::uint32_t n, int target_bits, std::uint32_t& lo,
                       std::uint32_t& hi) {
  const std::uint32_t mask = (1u << target_bits) - 1;
  lo = UINT32_MAX;
  hi = 0;
  std::uint32_t previous_target = 0;
  for (std::uint32_t i = 0; i < n; ++i) {
    const std::uint32_t bucket = keys[i] >> target_bits, target = keys[i] & mask;
    if (target < previous_target) return false;
    previous_target = target;
    lo = std::min(lo, bucket);
    hi = std::max(hi, bucket);
  }
  return static_cast<std::uint64_t>(hi - lo) <= 2ull * n + 256;
}

}  // namespace

// Orders one row by (receptor, delay, target), ties in placing order: a counting sort where the
// targets arrive in order (above), else one 64-bit key per synapse sorted with its index (packed:
// key << 32 | index; separate columns: (8 + 16 + 32 bits, index) pairs), then the columns permuted.
void synapse_store::sort_row(builder& b, std::uint64_t begin, std::uint64_t end, sort_scratch& scratch) {
  const auto n = static_cast<std::uint32_t>(end - begin);
  if (n < 2) return;
  // Packed keys already order as (receptor, delay, target); ties keep their placing order.
  auto key = [&](std::uint64_t k) -> std::uint64_t {
    if (b.packed_) return b.targets_[k];
    return (static_cast<std::uint64_t>(b.receptors_[k]) << 48) | (static_cast<std::uint64_t>(b.delays_[k]) << 32) |
           b.targets_[k];
  };
  bool sorted = true;
  for (std::uint64_t k = begin + 1; k < end && sorted; ++k) sorted = key(k - 1) <= key(k);
  if (sorted) return;
  const bool per_synapse = b.storage_ == weight_storage::per_synapse;
  std::uint32_t* const keys = b.targets_.data() + begin;
  float* const weights = per_synapse ? b.weights_.data() + begin : nullptr;
  std::uint32_t lo = 0, hi = 0;
  if (b.packed_ && counting_sortable(keys, n, b.target_bits_, lo, hi)) {
    auto& counts = scratch.counts;  // counts[c + 1]: synapses in bucket c; then where c starts
    counts.assign(hi - lo + 2, 0);
    for (std::uint32_t i = 0; i < n; ++i) ++counts[(keys[i] >> b.target_bits_) - lo + 1];
    for (std::size_t c = 1; c < counts.size(); ++c) counts[c] += counts[c - 1];
    auto& items = scratch.items;  // key << 32 | weight bits, in sorted order
    items.resize(n);
    for (std::uint32_t i = 0; i < n; ++i) {
      std::uint32_t w = 0;
      if (weights) std::memcpy(&w, &weights[i], sizeof w);
      items[counts[(keys[i] >> b.target_bits_) - lo]++] = static_cast<std::uint64_t>(keys[i]) << 32 | w;
    }
    for (std::uint32_t i = 0; i < n; ++i) {
      keys[i] = static_cast<std::uint32_t>(items[i] >> 32);
      if (weights) {
        const auto w = static_cast<std::uint32_t>(items[i]);
        std::memcpy(&weights[i], &w, sizeof w);
      }
    }
    return;
  }
  if (b.packed_) {
    auto& items = scratch.items;
    items.resize(n);
    for (std::uint32_t i = 0; i < n; ++i) items[i] = static_cast<std::uint64_t>(keys[i]) << 32 | i;
    std::sort(items.begin(), items.end());
    if (weights) {
      scratch.weights.assign(weights, weights + n);
      for (std::uint32_t i = 0; i < n; ++i) weights[i] = scratch.weights[static_cast<std::uint32_t>(items[i])];
    }
    for (std::uint32_t i = 0; i < n; ++i) keys[i] = static_cast<std::uint32_t>(items[i] >> 32);
    return;
  }
  std::vector<std::pair<std::uint64_t, std::uint32_t>> order(n);
  for (std::uint32_t i = 0; i < n; ++i) order[i] = {key(begin + i), i};
  std::sort(order.begin(), order.end());
  auto permute = [&](auto& column) {
    using T = typename std::decay_t<decltype(column)>::value_type;
    std::vector<T> row(n);
    for (std::uint32_t i = 0; i < n; ++i) row[i] = column[begin + order[i].second];
    std::copy(row.begin(), row.end(), column.begin() + static_cast<std::ptrdiff_t>(begin));
  };
  permute(b.targets_);
  if (per_synapse) permute(b.weights_);
  permute(b.delays_);
  permute(b.receptors_);
}

void synapse_store::build(builder&& b) {
  const std::size_t n_sources = b.next_.size();
  // After placing, next_[s] is the end of row s (= start of row s + 1).
  row_offsets_.assign(n_sources + 1, 0);
  segments_.clear();
  one_segment_per_row_ = false;
  min_delay_ = std::numeric_limits<delay_t>::max();
  max_delay_ = 0;
  packed_ = false;
  stride_ = divider();
  if (b.packed_ && b.layout_ == row_layout::packed) return build_packed(std::move(b));
  // (receptor, delay) of synapse k, from the packed key or the separate columns.
  auto segment_key = [&b](std::uint64_t k) -> std::pair<std::uint8_t, delay_t> {
    if (!b.packed_) return {b.receptors_[k], b.delays_[k]};
    const std::uint32_t key = b.targets_[k];
    return {static_cast<std::uint8_t>(key >> 31), static_cast<delay_t>((key & 0x7fffffffu) >> b.target_bits_)};
  };
  std::uint64_t begin = 0;
  sort_scratch scratch;
  for (std::size_t src = 0; src < n_sources; ++src) {
    const std::uint64_t end = b.next_[src];
    sort_row(b, begin, end, scratch);
    std::pair<std::uint8_t, delay_t> previous{};
    for (std::uint64_t k = begin; k < end; ++k) {
      const auto [receptor, delay] = segment_key(k);
      if (k == begin || receptor != previous.first || delay != previous.second)
        segments_.push_back({0, delay, receptor});
      previous = {receptor, delay};
      segments_.back().end = static_cast<std::uint32_t>(k + 1);
      min_delay_ = std::min(min_delay_, delay);
      max_delay_ = std::max(max_delay_, delay);
    }
    row_offsets_[src + 1] = static_cast<std::uint32_t>(segments_.size());
    begin = end;
  }
  if (begin == 0) min_delay_ = 0;
  if (b.packed_) {
    const std::uint32_t mask = (1u << b.target_bits_) - 1;
    for (std::uint32_t& t : b.targets_) t &= mask;
  }
  drop_segments_if_uniform();
  segments_.shrink_to_fit();  // push_back left up to twice the capacity
  targets_ = std::move(b.targets_);
  weights_ = std::move(b.weights_);
  shared_ = b.storage_ == weight_storage::shared;
  shared_weight_ = b.shared_weight_;
  b = builder(0);  // release the per-synapse keys now
}

// Packed rows: each row sorted by its keys (receptor | delay | target), the offsets pointing at
// the synapses; no segments. The keys then become the stored words, receptor << 31 | (delay *
// n_targets + target) -- the same order, since target < n_targets. Where every key has the same
// receptor and delay, the plain one-segment-per-row layout instead (no decoding in delivery at all).
void synapse_store::build_packed(builder&& b) {
  const std::size_t n_sources = b.next_.size();
  const int bits = b.target_bits_;
  const std::uint32_t mask = (1u << bits) - 1, n = b.n_targets_;
  const auto delay_of_key = [bits](std::uint32_t key) { return static_cast<delay_t>((key & 0x7fffffffu) >> bits); };
  std::uint64_t begin = 0;
  sort_scratch scratch;
  bool uniform = true;
  const std::uint32_t first_pair = b.targets_.empty() ? 0u : b.targets_.front() >> bits;
  std::uint32_t* keys = b.targets_.data();
  for (std::size_t src = 0; src < n_sources; ++src) {
    const std::uint64_t end = b.next_[src];
    sort_row(b, begin, end, scratch);
    // each key into its word while the row is in cache; delay < 2^(31 - bits) and n <= 2^bits, so
    // delay * n + target < 2^31
    for (std::uint64_t k = begin; k < end; ++k) {
      const std::uint32_t key = keys[k];
      const delay_t d = delay_of_key(key);
      uniform &= (key >> bits) == first_pair;
      min_delay_ = std::min(min_delay_, d);
      max_delay_ = std::max(max_delay_, d);
      keys[k] = (key & 0x80000000u) | (d * n + (key & mask));
    }
    row_offsets_[src + 1] = static_cast<std::uint32_t>(end);
    begin = end;
  }
  targets_ = std::move(b.targets_);
  weights_ = std::move(b.weights_);
  shared_ = b.storage_ == weight_storage::shared;
  shared_weight_ = b.shared_weight_;
  if (targets_.empty()) min_delay_ = 0;
  if (uniform) {  // words back to plain targets
    if (!targets_.empty()) uniform_ = {0, min_delay_, static_cast<std::uint8_t>(targets_.front() >> 31)};
    const std::uint32_t first_cell = static_cast<std::uint32_t>(uniform_.delay) * n;
    for (std::uint32_t& t : targets_) t = (t & 0x7fffffffu) - first_cell;
    one_segment_per_row_ = true;
  } else {
    stride_ = divider(n);
    packed_ = true;
  }
  b = builder(0);  // release the builder's counts now
}

synapse_store::divider::divider(std::uint32_t d) : n(d) {
  const int ceil_log2 = static_cast<int>(std::bit_width(d - 1));  // 0 for d == 1
  k = 31 + ceil_log2;
  m = ((std::uint64_t{1} << k) + d - 1) / d;
}

// One delay and one receptor throughout: each row is one segment, so the row offsets can point at
// the synapses themselves and the segments go (8 bytes per source and projection saved).
void synapse_store::drop_segments_if_uniform() {
  for (const row_segment& seg : segments_)
    if (seg.delay != segments_.front().delay || seg.receptor != segments_.front().receptor) return;
  if (!segments_.empty()) uniform_ = segments_.front();
  for (std::size_t s = 1; s < row_offsets_.size(); ++s)
    row_offsets_[s] = row_offsets_[s] == 0 ? 0u : segments_[row_offsets_[s] - 1].end;
  std::vector<row_segment>().swap(segments_);
  one_segment_per_row_ = true;
}

}  // namespace neuromesh
