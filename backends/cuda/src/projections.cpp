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

// A projection's rows as device code sees them.
struct rows_view {
  const std::uint32_t* row_ptr;
  const row_segment* segs;
  const std::uint32_t* targets;
  const float* weights;  // null: every synapse adds `shared`
  fixed_t shared;
  gid_t pre_offset;
  index_t n_pre;

  NEUROMESH_INLINE_HOST_DEVICE bool has(gid_t g) const { return g >= pre_offset && g - pre_offset < n_pre; }
  NEUROMESH_INLINE_HOST_DEVICE std::uint32_t offset(std::uint32_t seg_index) const {
    return seg_index == 0 ? 0u : segs[seg_index - 1].end;
  }
  NEUROMESH_INLINE_HOST_DEVICE std::uint64_t length(gid_t g) const {
    if (!has(g)) return 0;
    const std::uint32_t src = g - pre_offset;
    return offset(row_ptr[src + 1]) - offset(row_ptr[src]);
  }
  // Adds synapse k's input (a segment with `delay`, `receptor`) for a spike of step `fired`.
  NEUROMESH_INLINE_HOST_DEVICE void add(const delivery_target& t, const row_segment& seg, step_t fired,
                                        std::uint32_t k) const {
    const step_t when = fired + seg.delay;
    if (when < t.earliest) {
      raise(t.error, late_input);
      return;
    }
    atomic_add(t.ring.row(seg.receptor, when) + targets[k], weights ? static_synapse::input(weights[k]) : shared);
  }
};

// Presynaptic: one thread walks the whole row of one spike.
struct deliver_row {
  rows_view v;
  const spike* spikes;
  delivery_target t;
  NEUROMESH_HOST_DEVICE void operator()(std::uint32_t j) const {
    const spike sp = spikes[j];
    if (!v.has(sp.gid)) return;
    const std::uint32_t src = sp.gid - v.pre_offset;
    for (std::uint32_t s = v.row_ptr[src]; s < v.row_ptr[src + 1]; ++s) {
      const row_segment seg = v.segs[s];
      for (std::uint32_t k = v.offset(s); k < seg.end; ++k) v.add(t, seg, sp.step, k);
    }
  }
};

struct row_length {
  rows_view v;
  NEUROMESH_HOST_DEVICE std::uint64_t operator()(const spike& sp) const { return v.length(sp.gid); }
};

// Load-balanced: thread u handles the u-th synapse of the epoch; a binary search in the scanned
// row lengths finds its spike, a second one its row segment.
struct deliver_synapse {
  rows_view v;
  const spike* spikes;
  const std::uint64_t* ends;  // inclusive scan of the spikes' row lengths
  std::uint32_t m;
  delivery_target t;
  NEUROMESH_HOST_DEVICE void operator()(std::uint64_t u) const {
    std::uint32_t lo = 0, hi = m;  // first j with ends[j] > u
    while (lo < hi) {
      const std::uint32_t mid = lo + (hi - lo) / 2;
      if (ends[mid] > u)
        hi = mid;
      else
        lo = mid + 1;
    }
    const spike sp = spikes[lo];
    const std::uint32_t src = sp.gid - v.pre_offset;
    const std::uint64_t start = lo == 0 ? 0 : ends[lo - 1];
    const std::uint32_t k = v.offset(v.row_ptr[src]) + static_cast<std::uint32_t>(u - start);
    std::uint32_t a = v.row_ptr[src], b = v.row_ptr[src + 1];  // first segment with end > k
    while (a < b) {
      const std::uint32_t mid = a + (b - a) / 2;
      if (v.segs[mid].end > k)
        b = mid;
      else
        a = mid + 1;
    }
    v.add(t, v.segs[a], sp.step, k);
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
  const time_grid grid(net.dt);
  const bool whole =
      proj.conn.type == connector::kind::fixed_outdegree || proj.conn.type == connector::kind::explicit_list;
  constexpr index_t block = 4096;
  std::vector<generated_synapse> generated;
  // Two passes over the keyed generators, as the cpu backend builds: count rows, then place.
  auto each = [&](bool values, auto&& fn) {
    for (index_t b = 0; b < n_post; b = whole ? n_post : std::min<index_t>(n_post, b + block)) {
      generated.clear();
      generate_projection(net, k, b, whole ? n_post : std::min<index_t>(n_post, b + block), grid, generated, values);
      for (const generated_synapse& g : generated)
        fn(synapse_store::entry{g.source, offsets[post] + g.target, g.weight, g.delay,
                                static_cast<std::uint8_t>(proj.target)});
    }
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

void device_projection::deliver(const spike* spikes, std::uint32_t m, const delivery_target& t) {
  if (m == 0 || n_synapses_ == 0) return;
  last_ = strategy_ == delivery_strategy::automatic ? choose_delivery(shape_, m) : strategy_;
  if (last_ == delivery_strategy::presynaptic)
    deliver_presynaptic(spikes, m, t);
  else
    deliver_load_balanced(spikes, m, t);
}

namespace {
rows_view view_of(const thrust::device_vector<std::uint32_t>& row_ptr, const thrust::device_vector<row_segment>& segs,
                  const thrust::device_vector<std::uint32_t>& targets, const thrust::device_vector<float>& weights,
                  fixed_t shared, gid_t pre_offset, index_t n_pre) {
  return {thrust::raw_pointer_cast(row_ptr.data()),
          thrust::raw_pointer_cast(segs.data()),
          thrust::raw_pointer_cast(targets.data()),
          weights.empty() ? nullptr : thrust::raw_pointer_cast(weights.data()),
          shared,
          pre_offset,
          n_pre};
}
}  // namespace

void device_projection::deliver_presynaptic(const spike* spikes, std::uint32_t m, const delivery_target& t) {
  const rows_view v = view_of(row_ptr_, segments_, targets_, weights_, shared_input_, pre_offset_, n_pre_);
  thrust::for_each(thrust::device, thrust::counting_iterator<std::uint32_t>(0),
                   thrust::counting_iterator<std::uint32_t>(m), deliver_row{v, spikes, t});
}

void device_projection::deliver_load_balanced(const spike* spikes, std::uint32_t m, const delivery_target& t) {
  const rows_view v = view_of(row_ptr_, segments_, targets_, weights_, shared_input_, pre_offset_, n_pre_);
  if (ends_.size() < m) ends_.resize(m);
  thrust::transform_inclusive_scan(thrust::device, thrust::device_pointer_cast(spikes),
                                   thrust::device_pointer_cast(spikes) + m, ends_.begin(), row_length{v},
                                   thrust::plus<std::uint64_t>());
  const std::uint64_t total = ends_[m - 1];
  if (total == 0) return;
  thrust::for_each(thrust::device, thrust::counting_iterator<std::uint64_t>(0),
                   thrust::counting_iterator<std::uint64_t>(total),
                   deliver_synapse{v, spikes, thrust::raw_pointer_cast(ends_.data()), m, t});
}

}  // namespace neuromesh::NEUROMESH_GPU_NS
