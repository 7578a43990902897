#include <algorithm>
#include <vector>

#include <thrust/execution_policy.h>
#include <thrust/for_each.h>
#include <thrust/functional.h>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/transform_scan.h>

#include <neuromesh/core/connectors.hpp>
#include <neuromesh/synapses/static_synapse.hpp>

#include "projections.hpp"
#include "runtime.hpp"

namespace neuromesh::NEUROMESH_GPU_NS {
namespace {

// Adds synapse k's input (a segment with `delay`, `receptor`) for a spike of step `fired`.
NEUROMESH_INLINE_HOST_DEVICE void add(const rows_view& v, const delivery_target& t, const row_segment& seg,
                                      step_t fired, std::uint32_t k) {
  const step_t when = fired + seg.delay;
  if (when < t.earliest) {
    raise(t.error, late_input);
    return;
  }
  fixed_t* slot = t.ring.row(seg.receptor, when) + v.targets[k];
  const fixed_t w = v.weights ? static_synapse::input(v.weights[k]) : v.shared;
  if (t.exclusive)
    *slot += w;  // no other thread runs: an atomic would only cost (about 10x per synapse on x86)
  else
    atomic_add(slot, w);
}

// Presynaptic: thread u walks the whole row of spike u % m in projection u / m.
struct deliver_row {
  const rows_view* views;
  const spike* spikes;
  std::uint32_t m;
  delivery_target t;
  NEUROMESH_HOST_DEVICE void operator()(std::uint64_t u) const {
    const rows_view v = views[u / m];
    const spike sp = spikes[u % m];
    if (!v.has(sp.gid)) return;
    const std::uint32_t src = sp.gid - v.pre_offset;
    for (std::uint32_t s = v.row_ptr[src]; s < v.row_ptr[src + 1]; ++s) {
      const row_segment seg = v.segs[s];
      for (std::uint32_t k = v.offset(s); k < seg.end; ++k) add(v, t, seg, sp.step, k);
    }
  }
};

// Row length of pair u = (projection u / m, spike u % m).
struct row_length {
  const rows_view* views;
  const spike* spikes;
  std::uint32_t m;
  NEUROMESH_HOST_DEVICE std::uint64_t operator()(std::uint64_t u) const {
    return views[u / m].length(spikes[u % m].gid);
  }
};

// Load-balanced: thread w handles the w-th synapse of all (projection, spike) pairs; a binary
// search in the scanned row lengths finds its pair, a second one its row segment.
struct deliver_synapse {
  const rows_view* views;
  const spike* spikes;
  const std::uint64_t* ends;  // inclusive scan of the pairs' row lengths
  std::uint32_t m;
  std::uint64_t pairs;
  delivery_target t;
  NEUROMESH_HOST_DEVICE void operator()(std::uint64_t w) const {
    std::uint64_t lo = 0, hi = pairs;  // first pair with ends > w
    while (lo < hi) {
      const std::uint64_t mid = lo + (hi - lo) / 2;
      if (ends[mid] > w)
        hi = mid;
      else
        lo = mid + 1;
    }
    const rows_view v = views[lo / m];
    const spike sp = spikes[lo % m];
    const std::uint32_t src = sp.gid - v.pre_offset;
    const std::uint64_t start = lo == 0 ? 0 : ends[lo - 1];
    const std::uint32_t k = v.offset(v.row_ptr[src]) + static_cast<std::uint32_t>(w - start);
    std::uint32_t a = v.row_ptr[src], b = v.row_ptr[src + 1];  // first segment with end > k
    while (a < b) {
      const std::uint32_t mid = a + (b - a) / 2;
      if (v.segs[mid].end > k)
        b = mid;
      else
        a = mid + 1;
    }
    add(v, t, v.segs[a], sp.step, k);
  }
};

}  // namespace

device_projection::device_projection(const network& net, std::size_t k, delivery_strategy strategy)
    : strategy_(strategy) {
  const projection& proj = net.projections[k];
  const std::vector<gid_t> offsets = net.offsets();
  const std::size_t pre = net.population_index(proj.pre, "projections[" + std::to_string(k) + "].pre");
  const std::size_t post = net.population_index(proj.post, "projections[" + std::to_string(k) + "].post");
  pre_offset_ = offsets[pre];
  n_pre_ = net.populations[pre].size;
  const index_t n_post = net.populations[post].size;
  // Two passes over the keyed generators, as the cpu backend builds: count rows, then place.
  auto each = [&](bool values, auto&& fn) {
    for_each_generated_synapse(net, k, 0, n_post, values, [&](const generated_synapse& g) {
      fn(synapse_store::entry{g.source, offsets[post] + g.target, g.weight, g.delay,
                              static_cast<std::uint8_t>(proj.target)});
    });
  };
  synapse_store::builder builder(n_pre_);
  each(false, [&](const synapse_store::entry& e) { builder.count(e.source); });
  builder.allocate();
  each(true, [&](const synapse_store::entry& e) { builder.place(e); });
  synapse_store store;
  store.build(std::move(builder));
  upload(store, store.shared_weights() ? store.shared_weight(static_cast<int>(proj.target)) : 0.0f);
}

void device_projection::upload(const synapse_store& store, float shared_weight) {
  std::vector<std::uint32_t> row_ptr(static_cast<std::size_t>(n_pre_) + 1);
  std::vector<row_segment> segs;
  for (index_t s = 0; s < n_pre_; ++s) {
    row_ptr[s] = static_cast<std::uint32_t>(segs.size());
    const auto row = store.segments(s);
    segs.insert(segs.end(), row.begin(), row.end());
    const std::uint32_t len = (row.empty() ? store.row_begin(s) : row.back().end) - store.row_begin(s);
    shape_.max_length = std::max(shape_.max_length, len);
  }
  row_ptr[n_pre_] = static_cast<std::uint32_t>(segs.size());
  n_synapses_ = store.size();
  shape_.mean_length = n_pre_ ? static_cast<double>(n_synapses_) / n_pre_ : 0.0;
  min_delay_ = store.min_delay();
  max_delay_ = store.max_delay();
  shared_ = store.shared_weights();
  shared_input_ = static_synapse::input(shared_weight);
  row_ptr_ = row_ptr;
  segments_ = segs;
  targets_.assign(store.targets(), store.targets() + store.size());
  if (!shared_) weights_.assign(store.weights(), store.weights() + store.size());
}

namespace {
delivery_target exclusive(delivery_target t, std::uint64_t items) {
  t.exclusive = runs_serially(t.launch, items);
  return t;
}
}  // namespace

rows_view device_projection::view() const {
  return {thrust::raw_pointer_cast(row_ptr_.data()),
          thrust::raw_pointer_cast(segments_.data()),
          thrust::raw_pointer_cast(targets_.data()),
          weights_.empty() ? nullptr : thrust::raw_pointer_cast(weights_.data()),
          shared_input_,
          pre_offset_,
          n_pre_};
}

void delivery_plan::deliver(const std::vector<std::unique_ptr<device_projection>>& projections, const spike* spikes,
                            std::uint32_t m, const delivery_target& t) {
  if (m == 0) return;
  std::vector<delivery_strategy> chosen;
  for (const auto& p : projections)
    chosen.push_back(p->size() == 0 ? delivery_strategy::automatic : p->strategy_for(m));
  if (chosen != chosen_) {  // upload the two lists of views only when the choice changes
    std::vector<rows_view> pre, lb;
    for (std::size_t k = 0; k < projections.size(); ++k) {
      if (chosen[k] == delivery_strategy::presynaptic) pre.push_back(projections[k]->view());
      if (chosen[k] == delivery_strategy::load_balanced) lb.push_back(projections[k]->view());
    }
    if (pre_.size() < projections.size()) {  // sized once; then plain copies of a few views
      pre_.resize(projections.size());
      lb_.resize(projections.size());
    }
    copy_bytes(thrust::raw_pointer_cast(pre_.data()), pre.data(), pre.size() * sizeof(rows_view));
    copy_bytes(thrust::raw_pointer_cast(lb_.data()), lb.data(), lb.size() * sizeof(rows_view));
    n_pre_ = pre.size();
    n_lb_ = lb.size();
    chosen_ = std::move(chosen);
  }
  if (n_pre_ > 0)
    for_each_index(
        t.launch, std::uint64_t{m} * n_pre_,
        deliver_row{thrust::raw_pointer_cast(pre_.data()), spikes, m, exclusive(t, std::uint64_t{m} * n_pre_)});
  if (n_lb_ == 0) return;
  const std::uint64_t pairs = std::uint64_t{m} * n_lb_;
  if (ends_.size() < pairs) ends_.resize(pairs);
  const rows_view* views = thrust::raw_pointer_cast(lb_.data());
  std::uint64_t* ends = thrust::raw_pointer_cast(ends_.data());
  inclusive_scan_index(t.launch, pairs, row_length{views, spikes, m}, ends);
  std::uint64_t total = 0;
  copy_bytes(&total, ends + (pairs - 1), sizeof total);
  if (total == 0) return;
  for_each_index(t.launch, total,
                 deliver_synapse{views, spikes, thrust::raw_pointer_cast(ends_.data()), m, pairs, exclusive(t, total)});
}

}  // namespace neuromesh::NEUROMESH_GPU_NS
