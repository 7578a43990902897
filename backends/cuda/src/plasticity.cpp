#include <algorithm>
#include <string>

#include <neuromesh/core/errors.hpp>
#include <neuromesh/synapses/registry.hpp>

#include "plasticity.hpp"

namespace neuromesh::NEUROMESH_GPU_NS {

// The postsynaptic side of an STDP projection as device code sees it.
struct history_view {
  stdp::post_spike* spikes;  // target j's history: spikes[j * capacity, j * capacity + count[j])
  std::uint32_t capacity;
  std::uint32_t* count;
  const std::uint32_t* incoming;  // synapses onto target j
  stdp::post_spike* dropped;
  double* k_minus;
  double* k_minus_triplet;  // triplet rule only
  step_t* last;
  gid_t post_gid;  // gid of target 0
};

namespace {

// Calls f(segment, synapse index) for every synapse of source src's row, in row order.
template <class F>
NEUROMESH_INLINE_HOST_DEVICE void for_each_synapse(const rows_view& v, std::uint32_t src, F&& f) {
  for (std::uint32_t s = v.row_ptr[src]; s < v.row_ptr[src + 1]; ++s) {
    const row_segment seg = v.segs[s];
    for (std::uint32_t k = v.offset(s); k < seg.end; ++k) f(seg, k);
  }
}

struct count_incoming {
  const std::uint32_t* targets;
  gid_t post_gid;
  std::uint32_t* incoming;
  NEUROMESH_HOST_DEVICE void operator()(std::uint64_t k) const {
    ::cuda::atomic_ref<std::uint32_t, ::cuda::thread_scope_device>(incoming[targets[k] - post_gid])
        .fetch_add(1u, ::cuda::std::memory_order_relaxed);
  }
};

// The stored float weights into the plastic column (W: double in double precision, else float).
template <class W>
struct widen_weights {
  synapse_columns c;
  W* weight;
  NEUROMESH_HOST_DEVICE void operator()(std::uint64_t k) const {
    weight[k] = static_cast<W>(c.weights ? c.weights[k] : c.shared_weight);
  }
};

// Several threads of a batch may read one history: its read counters count atomically.
struct count_read_atomic {
  NEUROMESH_INLINE_HOST_DEVICE void operator()(stdp::post_spike& e) const {
    ::cuda::atomic_ref<std::uint32_t, ::cuda::thread_scope_device>(e.reads).fetch_add(
        1u, ::cuda::std::memory_order_relaxed);
  }
};

// Thread u: spike u of a batch through its source's row, synapse by synapse in row order
// (stdp_update.hpp), then the source's K+ and last spike move on -- the cpu's stdp_rows::on_pre
// and after_pre. W: the weight column's type (a new weight is rounded to it before the spike
// carries it, as on the cpu).
template <class Rule, class W>
struct stdp_deliver {
  rows_view v;
  const spike* spikes;
  const double* p;
  double h;
  W* weight;
  double* k_plus;
  double* k_plus_triplet;  // triplet rule only
  step_t* last_pre;
  history_view hist;
  delivery_target t;
  NEUROMESH_HOST_DEVICE void operator()(std::uint64_t u) const {
    const spike sp = spikes[u];
    if (!v.has(sp.gid)) return;
    const std::uint32_t src = sp.gid - v.pre_offset;
    if (sp.step < last_pre[src]) {  // never silently (the cpu backend throws too)
      raise(t.error, plastic_order);
      return;
    }
    double k_triplet = 0.0;  // the triplet rule: K+_triplet just before this spike
    if constexpr (is_triplet_rule<Rule>())
      k_triplet = stdp::trace_before_spike(k_plus_triplet[src], last_pre[src], sp.step, p[Rule::tau_plus_triplet], h);
    const stdp::pre_spike pre{sp.step, last_pre[src], k_plus[src], k_triplet};
    for_each_synapse(v, src, [&](const row_segment& seg, std::uint32_t k) {
      const std::uint32_t target = v.synapses.targets[k];
      const std::uint32_t j = target - hist.post_gid;
      const double w = stdp::update_weight<Rule>(p, h, static_cast<double>(weight[k]), pre, seg.delay,
                                                 hist.spikes + static_cast<std::size_t>(j) * hist.capacity, 0,
                                                 hist.count[j], hist.dropped[j], count_read_atomic{});
      weight[k] = static_cast<W>(w);
      add_input(t, seg.receptor, seg.delay, sp.step, target, Rule::input(static_cast<double>(weight[k])));
    });
    if constexpr (is_triplet_rule<Rule>())
      k_plus_triplet[src] =
          stdp::trace_after_spike(k_plus_triplet[src], pre.last, sp.step, p[Rule::tau_plus_triplet], h);
    k_plus[src] = stdp::trace_after_spike(pre.k_plus, pre.last, sp.step, p[Rule::tau_plus], h);
    last_pre[src] = sp.step;
  }
};

// Thread j: target j's fully read spikes leave its history (stdp_update.hpp's prune); the live
// ones move to the front. live: the largest count left.
struct stdp_prune {
  history_view hist;
  unsigned* live;
  NEUROMESH_HOST_DEVICE void operator()(std::uint64_t j) const {
    stdp::post_spike* a = hist.spikes + j * hist.capacity;
    std::uint32_t n = hist.count[j];
    const std::uint32_t first = stdp::prune(a, 0, n, hist.incoming[j], hist.dropped[j]);
    if (first > 0) {
      for (std::uint32_t i = first; i < n; ++i) a[i - first] = a[i];
      n -= first;
      hist.count[j] = n;
    }
    ::cuda::atomic_ref<unsigned, ::cuda::thread_scope_device>(*live).fetch_max(n, ::cuda::std::memory_order_relaxed);
  }
};

// Thread r: the spikes of run r (one target, in step order) into its K- and history -- the cpu's
// stdp_rows::record_post_spike.
struct stdp_record {
  history_view hist;
  const spike* posts;  // gid: the target's index j
  const std::uint32_t* runs;
  double tau_minus, tau_minus_triplet, h;  // tau_minus_triplet 0: not the triplet rule
  NEUROMESH_HOST_DEVICE void operator()(std::uint64_t r) const {
    for (std::uint32_t i = runs[r]; i < runs[r + 1]; ++i) {
      const std::uint32_t j = posts[i].gid;
      const step_t s = posts[i].step;
      hist.k_minus[j] = stdp::trace_after_spike(hist.k_minus[j], hist.last[j], s, tau_minus, h);
      if (tau_minus_triplet > 0)
        hist.k_minus_triplet[j] =
            stdp::trace_after_spike(hist.k_minus_triplet[j], hist.last[j], s, tau_minus_triplet, h);
      hist.last[j] = s;
      if (hist.incoming[j] > 0)
        hist.spikes[static_cast<std::size_t>(j) * hist.capacity + hist.count[j]++] = {
            s, hist.k_minus[j], 0u, tau_minus_triplet > 0 ? hist.k_minus_triplet[j] : 0.0};
    }
  }
};

struct copy_history {
  const stdp::post_spike* from;
  std::uint32_t from_capacity;
  stdp::post_spike* to;
  std::uint32_t to_capacity;
  const std::uint32_t* count;
  NEUROMESH_HOST_DEVICE void operator()(std::uint64_t j) const {
    for (std::uint32_t i = 0; i < count[j]; ++i) to[j * to_capacity + i] = from[j * from_capacity + i];
  }
};

// Short-term plasticity, thread u: spike u's source state moves on (once per spike, batches in
// step order), then its row transmits stored weight x the state's factor -- the cpu's
// shard::deliver_short_term.
template <class Synapse>
struct stp_deliver {
  rows_view v;
  const spike* spikes;
  const double* p;
  double h;
  short_term_state* state;
  step_t* last;
  delivery_target t;
  NEUROMESH_HOST_DEVICE void operator()(std::uint64_t u) const {
    const spike sp = spikes[u];
    if (!v.has(sp.gid)) return;
    const std::uint32_t src = sp.gid - v.pre_offset;
    if (sp.step < last[src]) {
      raise(t.error, plastic_order);
      return;
    }
    const double factor = Synapse::on_spike(p, state[src], static_cast<double>(sp.step - last[src]) * h);
    last[src] = sp.step;
    for_each_synapse(v, src, [&](const row_segment& seg, std::uint32_t k) {
      const float w = v.synapses.weights ? v.synapses.weights[k] : v.synapses.shared_weight;
      add_input(t, seg.receptor, seg.delay, sp.step, v.synapses.targets[k], short_term_input(w, factor));
    });
  }
};

}  // namespace

plastic_projection::plastic_projection(const network& net, std::size_t k, device_projection& rows,
                                       const launch_policy& launch, bool double_weights)
    : h_(net.dt), launch_(launch) {
  const projection& proj = net.projections[k];
  const std::string where = "projections[" + std::to_string(k) + "]";
  model_ = static_cast<std::size_t>(synapse_model_index(proj.synapse));
  const synapse_info& info = *find_synapse_model(proj.synapse);
  stdp_ = info.plastic;
  const std::vector<double> values = synapse_parameter_values(proj, where);
  params_.assign(values.begin(), values.end());
  tau_minus_ = values[1];  // every STDP rule's parameter 1 (stdp_update.hpp)
  rows_ = rows.view();
  const std::size_t pre = net.population_index(proj.pre, where + ".pre");
  const std::size_t post = net.population_index(proj.post, where + ".post");
  post_gid_ = net.offsets()[post];
  n_post_ = net.populations[post].size;
  const index_t n_pre = net.populations[pre].size;
  // The rule's initial state (stdp_rows::start and shard::build_synapses on the cpu).
  short_term_state initial{};
  double k_plus = 0.0, k_plus_triplet = 0.0;
  with_synapse_model_at(model_, [&]<class S>() {
    if constexpr (detail::has_short_term<S>()) initial = S::initial(values.data());
    if constexpr (requires { S::initial_k_plus(values.data()); }) k_plus = S::initial_k_plus(values.data());
    if constexpr (is_triplet_rule<S>()) {
      k_plus_triplet = S::initial_k_plus_triplet(values.data());
      tau_minus_triplet_ = values[S::tau_minus_triplet];
    }
  });
  if (!stdp_) {
    stp_state_.assign(n_pre, initial);
    stp_last_.assign(n_pre, -1);
    return;
  }
  const std::uint64_t n = rows.size();
  k_plus_.assign(n_pre, k_plus);
  if (tau_minus_triplet_ > 0) {
    k_plus_triplet_.assign(n_pre, k_plus_triplet);
    k_minus_triplet_.assign(n_post_, 0.0);
  }
  last_pre_.assign(n_pre, -1);
  count_.assign(n_post_, 0u);
  incoming_.assign(n_post_, 0u);
  dropped_.assign(n_post_, stdp::post_spike{-1, 0.0, 0u});
  k_minus_.assign(n_post_, 0.0);
  last_post_.assign(n_post_, -1);
  live_.assign(1, 0u);
  if (double_weights) {
    weight_.resize(n);
    for_each_index(launch_, n, widen_weights<double>{rows_.synapses, raw(weight_)});
  } else {
    weight_float_.resize(n);
    for_each_index(launch_, n, widen_weights<float>{rows_.synapses, raw(weight_float_)});
  }
  for_each_index(launch_, n, count_incoming{rows_.synapses.targets, post_gid_, raw(incoming_)});
  grow_history(16);
  rows.release_weights();  // the column above is the weights now
  rows_.synapses.weights = nullptr;
}

history_view plastic_projection::history() {
  return {raw(history_),         capacity_,       raw(count_), raw(incoming_), raw(dropped_), raw(k_minus_),
          raw(k_minus_triplet_), raw(last_post_), post_gid_};
}

void plastic_projection::grow_history(std::uint32_t capacity) {
  thrust::device_vector<stdp::post_spike> grown(static_cast<std::size_t>(capacity) * n_post_);
  if (capacity_ > 0)
    for_each_index(launch_, n_post_, copy_history{raw(history_), capacity_, raw(grown), capacity, raw(count_)});
  history_.swap(grown);
  capacity_ = capacity;
}

void plastic_projection::deliver(const spike* spikes, std::uint32_t m, const delivery_target& target) {
  delivery_target t = target;
  t.exclusive = runs_serially(t.launch, m);
  const double* p = raw(params_);
  with_synapse_model_at(model_, [&]<class S>() {
    if constexpr (S::plastic) {
      const history_view hist = history();
      if (weight_float_.empty())
        for_each_index(launch_, m,
                       stdp_deliver<S, double>{rows_, spikes, p, h_, raw(weight_), raw(k_plus_), raw(k_plus_triplet_),
                                               raw(last_pre_), hist, t});
      else
        for_each_index(launch_, m,
                       stdp_deliver<S, float>{rows_, spikes, p, h_, raw(weight_float_), raw(k_plus_),
                                              raw(k_plus_triplet_), raw(last_pre_), hist, t});
    } else if constexpr (detail::has_short_term<S>()) {
      for_each_index(launch_, m, stp_deliver<S>{rows_, spikes, p, h_, raw(stp_state_), raw(stp_last_), t});
    } else {
      throw internal_error("a static synapse model reached plastic delivery");
    }
  });
}

void plastic_projection::prune() {
  if (!stdp_) return;
  const history_view hist = history();
  for_each_index(launch_, n_post_, stdp_prune{hist, raw(live_)});
  unsigned live = 0;
  copy_bytes(&live, raw(live_), sizeof live);
  const unsigned zero = 0;
  copy_bytes(raw(live_), &zero, sizeof zero);
  max_live_ = live;
}

void plastic_projection::record_post_spikes(std::span<const spike> fired) {
  if (!stdp_) return;
  std::vector<spike> posts;  // (step, target index), sorted by target, then step
  for (const spike& s : fired)
    if (s.gid >= post_gid_ && s.gid - post_gid_ < n_post_) posts.push_back({s.step, s.gid - post_gid_});
  if (posts.empty()) return;
  std::stable_sort(posts.begin(), posts.end(),
                   [](const spike& a, const spike& b) { return a.gid != b.gid ? a.gid < b.gid : a.step < b.step; });
  std::vector<std::uint32_t> runs;
  std::uint32_t longest = 0;
  for (std::uint32_t i = 0; i < posts.size(); ++i)
    if (i == 0 || posts[i].gid != posts[i - 1].gid) {
      if (!runs.empty()) longest = std::max(longest, i - runs.back());
      runs.push_back(i);
    }
  longest = std::max(longest, static_cast<std::uint32_t>(posts.size()) - runs.back());
  runs.push_back(static_cast<std::uint32_t>(posts.size()));
  if (max_live_ + longest > capacity_) grow_history(std::max(2 * capacity_, max_live_ + longest));
  max_live_ += longest;
  if (posts_.size() < posts.size()) posts_.resize(2 * posts.size());
  if (runs_.size() < runs.size()) runs_.resize(2 * runs.size());
  copy_bytes(raw(posts_), posts.data(), posts.size() * sizeof(spike));
  copy_bytes(raw(runs_), runs.data(), runs.size() * sizeof(std::uint32_t));
  const history_view hist = history();
  for_each_index(launch_, runs.size() - 1,
                 stdp_record{hist, raw(posts_), raw(runs_), tau_minus_, tau_minus_triplet_, h_});
}

std::vector<double> plastic_projection::weights() const {
  std::vector<double> w(weight_.size());
  copy_bytes(w.data(), thrust::raw_pointer_cast(weight_.data()), w.size() * sizeof(double));
  if (!weight_float_.empty()) {
    std::vector<float> f(weight_float_.size());
    copy_bytes(f.data(), thrust::raw_pointer_cast(weight_float_.data()), f.size() * sizeof(float));
    w.assign(f.begin(), f.end());
  }
  return w;
}

std::uint64_t plastic_projection::bytes() const {
  return weight_.size() * sizeof(double) + weight_float_.size() * sizeof(float) +
         (k_plus_.size() + k_minus_.size() + k_plus_triplet_.size() + k_minus_triplet_.size()) * sizeof(double) +
         (last_pre_.size() + last_post_.size() + stp_last_.size()) * sizeof(step_t) +
         (history_.size() + dropped_.size()) * sizeof(stdp::post_spike) +
         (count_.size() + incoming_.size()) * sizeof(std::uint32_t) + stp_state_.size() * sizeof(short_term_state) +
         params_.size() * sizeof(double);
}

void plastic_delivery::deliver(std::vector<std::unique_ptr<plastic_projection>>& projections,
                               std::span<const spike> spikes, const delivery_target& t) {
  if (projections.empty() || spikes.empty()) return;
  sorted_.assign(spikes.begin(), spikes.end());
  std::sort(sorted_.begin(), sorted_.end());  // by (step, gid)
  if (device_.size() < sorted_.size()) device_.resize(2 * sorted_.size());
  copy_bytes(raw(device_), sorted_.data(), sorted_.size() * sizeof(spike));
  const spike* d = raw(device_);
  // Batches: one step, strictly increasing gids (an injected spike may repeat a source's).
  starts_.clear();
  for (std::size_t b = 0; b < sorted_.size();) {
    starts_.push_back(b);
    std::size_t e = b + 1;
    while (e < sorted_.size() && sorted_[e].step == sorted_[b].step && sorted_[e].gid != sorted_[e - 1].gid) ++e;
    b = e;
  }
  starts_.push_back(sorted_.size());
  for (auto& p : projections) p->plan_events(sorted_, starts_);
  for (std::size_t i = 0; i + 1 < starts_.size(); ++i)
    for (auto& p : projections) {
      p->deliver(d + starts_[i], static_cast<std::uint32_t>(starts_[i + 1] - starts_[i]), t);
      p->read_events(i);
    }
  for (auto& p : projections) {
    p->prune();
    p->finish_events();
  }
}

}  // namespace neuromesh::NEUROMESH_GPU_NS
