#include <algorithm>
#include <cstring>
#include <limits>
#include <tuple>

#include <neuromesh/core/errors.hpp>
#include <neuromesh/core/synapse_store.hpp>

namespace neuromesh {
namespace {

// Orders entries by (source, receptor, delay, target): a counting sort by source (linear; the
// rows are what delivery walks), then a small sort within each row.
void sort_rows(std::vector<synapse_store::entry>& entries, gid_t n_sources) {
  std::vector<std::size_t> start(static_cast<std::size_t>(n_sources) + 1, 0);
  for (const auto& e : entries) {
    if (e.source >= n_sources) throw internal_error("synapse source out of range");
    ++start[e.source + 1];
  }
  for (std::size_t i = 0; i < n_sources; ++i) start[i + 1] += start[i];
  std::vector<synapse_store::entry> sorted(entries.size());
  std::vector<std::size_t> next(start.begin(), start.end() - 1);
  for (const auto& e : entries) sorted[next[e.source]++] = e;
  for (std::size_t i = 0; i < n_sources; ++i)
    std::sort(sorted.begin() + static_cast<std::ptrdiff_t>(start[i]),
              sorted.begin() + static_cast<std::ptrdiff_t>(start[i + 1]), [](const auto& a, const auto& b) {
                return std::tie(a.receptor, a.delay, a.target) < std::tie(b.receptor, b.delay, b.target);
              });
  entries.swap(sorted);
}

}  // namespace

void synapse_store::build(std::vector<entry>&& entries, gid_t n_sources) {
  if (entries.size() >= std::numeric_limits<std::uint32_t>::max())
    throw config_error("synapses", "more than 2^32 synapses in one shard; use more threads or ranks");
  sort_rows(entries, n_sources);
  row_offsets_.assign(static_cast<std::size_t>(n_sources) + 1, 0);
  segments_.clear();
  targets_.resize(entries.size());
  weights_.resize(entries.size());
  min_delay_ = std::numeric_limits<delay_t>::max();
  max_delay_ = 0;
  gid_t row = 0;
  for (std::size_t k = 0; k < entries.size(); ++k) {
    const entry& e = entries[k];
    while (row < e.source) row_offsets_[++row] = static_cast<std::uint32_t>(segments_.size());
    const bool new_segment = k == 0 || e.source != entries[k - 1].source || e.receptor != entries[k - 1].receptor ||
                             e.delay != entries[k - 1].delay;
    if (new_segment) segments_.push_back({0, e.delay, e.receptor});
    segments_.back().end = static_cast<std::uint32_t>(k + 1);
    targets_[k] = e.target;
    weights_[k] = e.weight;
    min_delay_ = std::min(min_delay_, e.delay);
    max_delay_ = std::max(max_delay_, e.delay);
  }
  while (row < n_sources) row_offsets_[++row] = static_cast<std::uint32_t>(segments_.size());
  share_weights_if_uniform();
  if (entries.empty()) min_delay_ = 0;
  entries.clear();
  entries.shrink_to_fit();
}

// Drops the weight array when each receptor has a single weight (compared bit for bit).
void synapse_store::share_weights_if_uniform() {
  bool seen[n_receptors] = {false, false};
  float first[n_receptors] = {0.0f, 0.0f};
  for (std::size_t k = 0, seg = 0; k < weights_.size(); ++k) {
    while (segments_[seg].end <= k) ++seg;
    const int r = segments_[seg].receptor;
    if (!seen[r]) {
      seen[r] = true;
      first[r] = weights_[k];
    } else if (std::memcmp(&first[r], &weights_[k], sizeof(float)) != 0) {
      return;
    }
  }
  shared_ = true;
  for (int r = 0; r < n_receptors; ++r) shared_weight_[r] = first[r];
  weights_.clear();
  weights_.shrink_to_fit();
}

}  // namespace neuromesh
