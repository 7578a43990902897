#include <algorithm>
#include <chrono>
#include <limits>
#include <vector>

#include <thrust/execution_policy.h>
#include <thrust/for_each.h>
#include <thrust/functional.h>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/transform_scan.h>

#include <neuromesh/core/connector_kernels.hpp>
#include <neuromesh/core/connectors.hpp>
#include <neuromesh/core/errors.hpp>
#include <neuromesh/synapses/registry.hpp>

#include "projections.hpp"
#include "runtime.hpp"

namespace neuromesh::NEUROMESH_GPU_NS {
namespace {

// Adds synapse k's input (a segment with `delay`, `receptor`) for a spike of step `fired`.
NEUROMESH_INLINE_HOST_DEVICE void add(const rows_view& v, const delivery_target& t, const row_segment& seg,
                                      step_t fired, std::uint32_t k) {
  deliver_segment<static_synapse>(v.synapses, k, k + 1, [&](std::uint32_t target, fixed_t w) {
    add_input(t, seg.receptor, seg.delay, fired, target, w);
  });
}

// Adds synapses [begin, end) of a segment for a spike of step `fired` (in ring slot
// `fired_slot`): what add() does for each, with the ring row and the lateness test computed once
// per segment and without a division (row walks spent much of their time in the per-synapse
// 64-bit modulo of ring_view::row in the OMP build).
NEUROMESH_INLINE_HOST_DEVICE void add_segment(const rows_view& v, const delivery_target& t, const row_segment& seg,
                                              step_t fired, std::uint32_t fired_slot, std::uint32_t begin,
                                              std::uint32_t end) {
  if (begin >= end) return;
  if (fired + seg.delay < t.earliest) {
    raise(t.error, late_input);
    return;
  }
  fixed_t* row = t.ring.at(seg.receptor, t.ring.later(fired_slot, seg.delay));
  if (!t.exclusive)
    deliver_segment<static_synapse>(v.synapses, begin, end,
                                    [row](std::uint32_t target, fixed_t w) { atomic_add(row + target, w); });
  else  // no other thread runs: plain adds (an atomic costs about 10x on x86)
    deliver_segment<static_synapse>(v.synapses, begin, end, [row](std::uint32_t target, fixed_t w) {
      row[target] = add_saturating(row[target], w);
    });
}

// Calls f(view, spike, spike's ring slot, segment, first synapse) for every row segment of pair
// u = (projection u / m, spike u % m), if the spike's source is in that projection.
template <class F>
NEUROMESH_INLINE_HOST_DEVICE void for_each_segment(const rows_view* views, const spike* spikes, std::uint32_t m,
                                                   const ring_view& ring, std::uint64_t u, F&& f) {
  const rows_view v = views[u / m];
  const spike sp = spikes[u % m];
  if (!v.has(sp.gid)) return;
  const std::uint32_t src = sp.gid - v.pre_offset;
  const std::uint32_t slot = ring.slot(sp.step);
  for (std::uint32_t s = v.row_ptr[src]; s < v.row_ptr[src + 1]; ++s) f(v, sp, slot, v.segs[s], v.offset(s));
}

// Presynaptic: thread u walks the whole row of spike u % m in projection u / m.
struct deliver_row {
  const rows_view* views;
  const spike* spikes;
  std::uint32_t m;
  delivery_target t;
  NEUROMESH_HOST_DEVICE void operator()(std::uint64_t u) const {
    for_each_segment(views, spikes, m, t.ring, u,
                     [&](const rows_view& v, const spike& sp, std::uint32_t slot, const row_segment& seg,
                         std::uint32_t begin) { add_segment(v, t, seg, sp.step, slot, begin, seg.end); });
  }
};

#if THRUST_DEVICE_SYSTEM == THRUST_DEVICE_SYSTEM_OMP
// OMP build with several threads: thread s delivers the synapses of every (projection, spike)
// pair onto gids [s n / S, (s + 1) n / S) only -- within a segment a row is sorted by target, so
// two binary searches find a thread's slice. The threads write disjoint slots, so they add
// plainly (the cpu backend's target shards): an atomic add costs about 10x a plain one on x86,
// which made a parallel presynaptic launch slower than one thread.
struct deliver_row_slice {
  const rows_view* views;
  const spike* spikes;
  std::uint32_t m;
  std::uint64_t pairs;
  std::uint64_t shards;
  delivery_target t;  // exclusive
  void operator()(std::uint64_t s) const {
    const auto lo = static_cast<std::uint32_t>(s * t.ring.n / shards);
    const auto hi = static_cast<std::uint32_t>((s + 1) * t.ring.n / shards);
    for (std::uint64_t u = 0; u < pairs; ++u)
      for_each_segment(
          views, spikes, m, t.ring, u,
          [&](const rows_view& v, const spike& sp, std::uint32_t slot, const row_segment& seg, std::uint32_t begin) {
            const std::uint32_t* targets = v.synapses.targets;
            const std::uint32_t* last = targets + seg.end;
            const std::uint32_t* a = std::lower_bound(targets + begin, last, lo);
            const std::uint32_t* b = std::lower_bound(a, last, hi);
            add_segment(v, t, seg, sp.step, slot, static_cast<std::uint32_t>(a - targets),
                        static_cast<std::uint32_t>(b - targets));
          });
  }
};
#endif

// Timing mode: thread u walks the row of delivery u % m in projection u / m and adds only the
// synapses onto targets of the delivery's group.
struct deliver_row_to_group {
  const rows_view* views;
  const spike* spikes;
  const std::uint32_t* groups;    // per delivery
  const std::uint32_t* group_of;  // per target gid
  std::uint32_t m;
  delivery_target t;
  NEUROMESH_HOST_DEVICE void operator()(std::uint64_t u) const {
    const std::uint32_t group = groups[u % m];
    for_each_segment(
        views, spikes, m, t.ring, u,
        [&](const rows_view& v, const spike& sp, std::uint32_t slot, const row_segment& seg, std::uint32_t begin) {
          if (sp.step + seg.delay < t.earliest) {
            raise(t.error, late_input);
            return;
          }
          fixed_t* row = t.ring.at(seg.receptor, t.ring.later(slot, seg.delay));
          deliver_segment<static_synapse>(v.synapses, begin, seg.end, [&](std::uint32_t target, fixed_t w) {
            if (group_of[target] != group) return;
            if (t.exclusive)
              row[target] = add_saturating(row[target], w);
            else
              atomic_add(row + target, w);
          });
        });
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

// Procedural: thread u regenerates the row of spike u % m in procedural projection u / m from
// the keyed streams and adds it (the same synapses the stored rows would hold, so the same sums).
struct deliver_regenerated {
  const procedural_view* views;
  const spike* spikes;
  std::uint32_t m;
  delivery_target t;
  NEUROMESH_HOST_DEVICE void operator()(std::uint64_t u) const {
    const procedural_view& v = views[u / m];
    const spike sp = spikes[u % m];
    if (!v.has(sp.gid)) return;
    kernels::row_of_source(v.p, sp.gid - v.pre_gid, true, [&](const kernels::synapse_draw& g) {
      const std::uint32_t target = v.post_gid + g.target;  // a row of one synapse, regenerated
      deliver_segment<static_synapse>(
          synapse_columns{&target, &g.weight, 0.0f}, 0, 1,
          [&](std::uint32_t to, fixed_t w) { add_input(t, v.receptor, g.delay, sp.step, to, w); });
    });
  }
};

// Procedural construction: what row i would hold -- its length and delays -- without storing it.
struct row_stats {
  std::uint32_t length;
  delay_t min_delay, max_delay;
};
struct measure_row {
  kernels::projection_params p;
  row_stats* out;
  unsigned* error;
  NEUROMESH_HOST_DEVICE void operator()(std::uint64_t i) const {
    row_stats r{0, 0xFFFF, 0};
    const kernels::generation_status st =
        kernels::row_of_source(p, static_cast<index_t>(i), true, [&r](const kernels::synapse_draw& g) {
          ++r.length;
          r.min_delay = g.delay < r.min_delay ? g.delay : r.min_delay;
          r.max_delay = g.delay > r.max_delay ? g.delay : r.max_delay;
        });
    if (st.error != kernels::generation_error::none) raise(error, 1u);
    out[i] = r;
  }
};

connectivity_mode checked_mode(const network& net, std::size_t k, connectivity_mode mode) {
  if (mode == connectivity_mode::stored) return mode;
  const connector::kind c = net.projections[k].conn.type;
  if (kernels::regenerable_by_source(c)) return connectivity_mode::procedural;
  if (mode == connectivity_mode::procedural_if_regenerable) return connectivity_mode::stored;
  throw config_error("projections[" + std::to_string(k) + "]",
                     "procedural connectivity needs rows that one source's keyed stream regenerates "
                     "(fixed_outdegree, one_to_one); this connector generates its synapses by target or from "
                     "a list, so its rows must be stored (connectivity stored, or procedural_if_regenerable)");
}

}  // namespace

device_projection::device_projection(const network& net, std::size_t k, delivery_strategy strategy,
                                     connectivity_mode mode, const launch_policy& launch)
    : strategy_(strategy), launch_(launch) {
  const projection& proj = net.projections[k];
  const synapse_info* model = find_synapse_model(proj.synapse);
  run_time_state_ = model->plastic || model->short_term;
  if (run_time_state_) {
    // Plastic rows keep state beside every stored synapse (plasticity.hpp): never regenerated.
    if (mode == connectivity_mode::procedural)
      throw config_error("projections[" + std::to_string(k) + "].connectivity",
                         "procedural connectivity regenerates rows at every spike, so it cannot keep the state of " +
                             proj.synapse + " synapses; use connectivity stored (or procedural_if_regenerable)");
    mode = connectivity_mode::stored;
  }
  const std::size_t pre = net.population_index(proj.pre, "projections[" + std::to_string(k) + "].pre");
  pre_offset_ = net.offsets()[pre];
  n_pre_ = net.populations[pre].size;
  if (checked_mode(net, k, mode) == connectivity_mode::procedural) {
    measure_procedural(net, k, launch);
    return;
  }
  if (!builds_on_device(proj)) {
    rows_ = build_rows_on_host(net, k, n_pre_);
    return;
  }
  rows_ = build_rows_on_device(net, k, device_parameters(net, k), n_pre_, launch);
}

void device_projection::measure_procedural(const network& net, std::size_t k, const launch_policy& launch) {
  params_ = std::make_unique<device_parameters>(net, k);
  const index_t n = params_->params().n_pre;
  thrust::device_vector<row_stats> stats(n);
  thrust::device_vector<unsigned> error(1, 0u);
  for_each_index(
      launch, n,
      measure_row{params_->params(), thrust::raw_pointer_cast(stats.data()), thrust::raw_pointer_cast(error.data())});
  if (error[0] != 0) throw_generation_error(net, k);
  const std::vector<row_stats> rows(stats.begin(), stats.end());
  delay_t lo = 0xFFFF, hi = 0;
  for (const row_stats& r : rows) {
    rows_.size += r.length;
    rows_.shape.max_length = std::max(rows_.shape.max_length, r.length);
    if (r.length == 0) continue;
    lo = std::min(lo, r.min_delay);
    hi = std::max(hi, r.max_delay);
  }
  rows_.shape.mean_length = n_pre_ ? static_cast<double>(rows_.size) / n_pre_ : 0.0;
  rows_.min_delay = rows_.size ? lo : 0;
  rows_.max_delay = hi;
}

procedural_view device_projection::procedural_rows() const {
  return {params_->params(), params_->pre_gid(), params_->post_gid(), params_->receptor()};
}

std::vector<synapse_store::entry> device_projection::download() const {
  const std::vector<std::uint32_t> row_ptr(rows_.row_ptr.begin(), rows_.row_ptr.end());
  const std::vector<row_segment> segs(rows_.segments.begin(), rows_.segments.end());
  const std::vector<std::uint32_t> targets(rows_.targets.begin(), rows_.targets.end());
  const std::vector<float> weights(rows_.weights.begin(), rows_.weights.end());
  std::vector<synapse_store::entry> out;
  for (index_t s = 0; s < n_pre_; ++s)
    for (std::uint32_t g = row_ptr[s]; g < row_ptr[s + 1]; ++g)
      for (std::uint32_t k = g == 0 ? 0 : segs[g - 1].end; k < segs[g].end; ++k)
        out.push_back({pre_offset_ + s, targets[k],
                       rows_.shared      ? rows_.shared_weight
                       : weights.empty() ? 0.0f
                                         : weights[k],
                       segs[g].delay, segs[g].receptor});
  return out;
}

namespace {
delivery_target exclusive(delivery_target t, std::uint64_t items) {
  t.exclusive = runs_serially(t.launch, items);
  return t;
}
}  // namespace

rows_view device_projection::view() const {
  return {thrust::raw_pointer_cast(rows_.row_ptr.data()),
          thrust::raw_pointer_cast(rows_.segments.data()),
          {thrust::raw_pointer_cast(rows_.targets.data()),
           rows_.shared ? nullptr : thrust::raw_pointer_cast(rows_.weights.data()), rows_.shared_weight},
          pre_offset_,
          n_pre_};
}

void delivery_plan::upload_views(const std::vector<std::unique_ptr<device_projection>>& projections,
                                 std::vector<delivery_strategy>&& chosen) {
  std::vector<rows_view> pre, lb;
  std::vector<procedural_view> proc;
  std::uint64_t synapses = 0;
  for (std::size_t k = 0; k < projections.size(); ++k) {
    if (projections[k]->size() == 0 || projections[k]->run_time_state()) continue;  // plasticity.hpp delivers those
    if (projections[k]->procedural()) {
      proc.push_back(projections[k]->procedural_rows());
    } else if (chosen[k] == delivery_strategy::presynaptic) {
      pre.push_back(projections[k]->view());
      synapses += projections[k]->size();
    } else {
      lb.push_back(projections[k]->view());
    }
  }
  pre_synapses_ = synapses;
  if (pre_.size() < projections.size()) {  // sized once; then plain copies of a few views
    pre_.resize(projections.size());
    lb_.resize(projections.size());
    proc_.resize(projections.size());
  }
  copy_bytes(thrust::raw_pointer_cast(pre_.data()), pre.data(), pre.size() * sizeof(rows_view));
  copy_bytes(thrust::raw_pointer_cast(lb_.data()), lb.data(), lb.size() * sizeof(rows_view));
  copy_bytes(thrust::raw_pointer_cast(proc_.data()), proc.data(), proc.size() * sizeof(procedural_view));
  n_pre_ = pre.size();
  n_lb_ = lb.size();
  n_proc_ = proc.size();
  chosen_ = std::move(chosen);
}

void delivery_plan::deliver_presynaptic(const spike* spikes, std::uint32_t m, const delivery_target& t) {
  const std::uint64_t pairs = std::uint64_t{m} * n_pre_;
  const rows_view* views = thrust::raw_pointer_cast(pre_.data());
#if THRUST_DEVICE_SYSTEM == THRUST_DEVICE_SYSTEM_OMP
  const std::uint64_t threads = device_fill();
  // Synapses to add: a spike meets the presynaptic projections' synapses / neurons on average
  // (most (projection, spike) pairs miss: the spike is not in that projection's pre population).
  const auto work = static_cast<std::uint64_t>(static_cast<double>(m) * static_cast<double>(pre_synapses_) /
                                               static_cast<double>(t.ring.n));
  if (threads > 1 && !runs_serially(t.launch, work)) {
    delivery_target plain = t;
    plain.exclusive = true;
    const bool parallel = t.launch.serial_below == 0 || sliced_.choose();  // 0: always parallel (tests)
    const auto start = std::chrono::steady_clock::now();
    if (parallel)
      thrust::for_each(thrust::device, thrust::counting_iterator<std::uint64_t>(0),
                       thrust::counting_iterator<std::uint64_t>(threads),
                       deliver_row_slice{views, spikes, m, pairs, threads, plain});
    else
      run_block(deliver_row{views, spikes, m, plain}, 0, pairs);
    const std::chrono::duration<double, std::nano> took = std::chrono::steady_clock::now() - start;
    sliced_.record(parallel, took.count() / static_cast<double>(work + 1));
    return;
  }
#endif
  for_each_index(t.launch, pairs, deliver_row{views, spikes, m, exclusive(t, pairs)});
}

bool timed_choice::choose() {
  ++calls_;
  if (burst_left_ > 0) {
    --burst_left_;
    return burst_way_;
  }
  if (!(ns_[1] > 0)) return start_burst(true, false);  // measure each way once
  if (!(ns_[0] > 0)) return start_burst(false, false);
  const bool faster = parallel_faster();
  if (calls_ >= next_probe_) return start_burst(!faster, true);  // the slower way again now and then
  return faster;
}

bool timed_choice::start_burst(bool parallel, bool probe) {
  burst_way_ = parallel;
  burst_left_ = burst - 1;
  skip_ = true;
  probing_ = probe;
  return parallel;
}

void timed_choice::record(bool parallel, double ns_per_item) {
  if (skip_) {  // the burst's first call pays for the switch
    skip_ = false;
    return;
  }
  double& avg = ns_[parallel ? 1 : 0];
  const bool was_faster = parallel_faster();
  avg = avg > 0 ? 0.75 * avg + 0.25 * ns_per_item : ns_per_item;
  if (!probing_ || burst_left_ > 0) return;
  // A probe that confirms the choice waits twice as long for the next one (each costs what the
  // slower way costs); one that changes it starts over.
  interval_ = parallel_faster() == was_faster ? std::min<std::uint64_t>(2 * interval_, 4096) : 16;
  next_probe_ = calls_ + interval_;
  probing_ = false;
}

void delivery_plan::deliver(const std::vector<std::unique_ptr<device_projection>>& projections, const spike* spikes,
                            std::uint32_t m, const delivery_target& t) {
  if (m == 0) return;
  std::vector<delivery_strategy> chosen;
  for (const auto& p : projections)
    chosen.push_back(p->size() == 0 || p->procedural() || p->run_time_state() ? delivery_strategy::automatic
                                                                              : p->strategy_for(m));
  if (chosen != chosen_ || pre_.empty()) upload_views(projections, std::move(chosen));  // only when the choice changes
  if (n_proc_ > 0)
    for_each_index(t.launch, std::uint64_t{m} * n_proc_,
                   deliver_regenerated{thrust::raw_pointer_cast(proc_.data()), spikes, m,
                                       exclusive(t, std::uint64_t{m} * n_proc_)});
  if (n_pre_ > 0) deliver_presynaptic(spikes, m, t);
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

void delivery_plan::deliver_to_groups(const std::vector<std::unique_ptr<device_projection>>& projections,
                                      const spike* spikes, const std::uint32_t* groups, const std::uint32_t* group_of,
                                      std::uint32_t m, const delivery_target& t) {
  if (m == 0) return;
  if (stored_.empty()) {
    std::vector<rows_view> views;
    for (const auto& p : projections)
      if (p->size() > 0 && !p->procedural() && !p->run_time_state()) views.push_back(p->view());
    if (views.empty()) return;
    stored_.resize(views.size());
    copy_bytes(thrust::raw_pointer_cast(stored_.data()), views.data(), views.size() * sizeof(rows_view));
  }
  const std::uint64_t pairs = std::uint64_t{m} * stored_.size();
  for_each_index(
      t.launch, pairs,
      deliver_row_to_group{thrust::raw_pointer_cast(stored_.data()), spikes, groups, group_of, m, exclusive(t, pairs)});
}

}  // namespace neuromesh::NEUROMESH_GPU_NS
