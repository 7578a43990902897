// What a plastic projection on the device shows the host: the weight recorders' events and the
// checkpoint of its run-time state (plasticity.hpp).
//
// Weight recorders: the watched synapses are found once, in row order. Before a delivery the host
// knows every event it will make -- each batch's spikes (one step, each source once) times the
// watched synapses of their sources -- so only the weights are left to the device: after each
// batch one launch gathers the watched synapses' new weights into a buffer, copied back once per
// delivery. The events come per spike in step order, then row order, as the cpu backend's
// (shard::record_weights), so the simulation's sort gives the same sequence.
//
// Checkpoints: the form of synapses/state_checkpoint.hpp, which the cpu backend writes too; the
// whole projection is on this device, so every post neuron is saved, and its synapses are put in
// (source, row order) by a stable sort of the rows by target (the order of the output file).
#include <algorithm>
#include <numeric>

#include <neuromesh/synapses/state_checkpoint.hpp>

#include "plasticity.hpp"

namespace neuromesh::NEUROMESH_GPU_NS {

namespace {

template <class W>
struct gather_weights {
  const W* weight;
  const std::uint32_t* slots;
  double* out;
  std::uint32_t first;
  NEUROMESH_HOST_DEVICE void operator()(std::uint64_t i) const {
    out[first + i] = static_cast<double>(weight[slots[first + i]]);
  }
};

template <class T>
std::vector<T> to_host(const thrust::device_vector<T>& d) {
  std::vector<T> h(d.size());
  if (!h.empty()) copy_bytes(h.data(), raw(d), h.size() * sizeof(T));
  return h;
}

template <class T>
void to_device(thrust::device_vector<T>& d, const std::vector<T>& h) {
  d.resize(h.size());
  if (!h.empty()) copy_bytes(raw(d), h.data(), h.size() * sizeof(T));
}

// The rows' synapses onto each target in (source, row order): row indices grouped by target.
std::vector<std::uint32_t> by_target(const std::vector<synapse_store::entry>& rows, gid_t post_gid,
                                     std::vector<std::uint64_t>& first) {
  std::vector<std::uint32_t> order(rows.size());
  std::iota(order.begin(), order.end(), 0u);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::uint32_t a, std::uint32_t b) { return rows[a].target < rows[b].target; });
  for (const synapse_store::entry& e : rows) ++first[e.target - post_gid + 1];
  for (std::size_t j = 1; j < first.size(); ++j) first[j] += first[j - 1];
  return order;
}

}  // namespace

void plastic_projection::watch(const network& net, std::size_t k, const std::vector<synapse_store::entry>& rows) {
  watched_.clear();
  watch_first_.clear();
  if (!stdp_) return;  // validation keeps weight recorders on plastic projections
  std::vector<std::size_t> mine;
  for (std::size_t r = 0; r < net.weight_recorders.size(); ++r)
    if (net.weight_recorders[r].projection == k) mine.push_back(r);
  if (mine.empty()) return;
  auto mask = [](const std::vector<index_t>& ids, index_t n) {
    std::vector<char> m(ids.empty() ? 0 : n, 0);
    for (index_t id : ids) m[id] = 1;
    return m;
  };
  std::vector<std::vector<char>> pre, post;
  for (std::size_t r : mine) {
    pre.push_back(mask(net.weight_recorders[r].pre, rows_.n_pre));
    post.push_back(mask(net.weight_recorders[r].post, n_post_));
  }
  watch_first_.assign(rows_.n_pre + 1, 0);
  for (std::uint32_t j = 0; j < rows.size(); ++j) {
    const index_t src = rows[j].source - rows_.pre_offset, target = rows[j].target - post_gid_;
    for (std::size_t i = 0; i < mine.size(); ++i)
      if ((pre[i].empty() || pre[i][src]) && (post[i].empty() || post[i][target])) {
        watched_.push_back({j, static_cast<std::uint32_t>(mine[i]), src, target});
        ++watch_first_[src + 1];
      }
  }
  for (index_t s = 0; s < rows_.n_pre; ++s) watch_first_[s + 1] += watch_first_[s];
}

void plastic_projection::plan_events(std::span<const spike> sorted, std::span<const std::size_t> starts) {
  planned_.clear();
  slots_.clear();
  batch_events_.clear();
  if (watch_first_.empty()) return;
  for (std::size_t b = 0; b + 1 < starts.size(); ++b) {
    batch_events_.push_back(static_cast<std::uint32_t>(planned_.size()));
    for (std::size_t u = starts[b]; u < starts[b + 1]; ++u) {
      if (!rows_.has(sorted[u].gid)) continue;
      const index_t src = sorted[u].gid - rows_.pre_offset;
      for (std::uint32_t i = watch_first_[src]; i < watch_first_[src + 1]; ++i) {
        const watched_synapse& w = watched_[i];
        planned_.push_back({sorted[u].step, w.recorder, w.pre, w.post, 0.0});
        slots_.push_back(w.slot);
      }
    }
  }
  batch_events_.push_back(static_cast<std::uint32_t>(planned_.size()));
  if (slots_.empty()) return;
  to_device(event_slots_, slots_);
  if (event_weights_.size() < slots_.size()) event_weights_.resize(2 * slots_.size());
}

void plastic_projection::read_events(std::size_t batch) {
  if (slots_.empty()) return;
  const std::uint32_t first = batch_events_[batch], n = batch_events_[batch + 1] - first;
  if (n == 0) return;
  if (weight_float_.empty())  // the weights live in one of the two columns (plasticity.cpp: precision)
    for_each_index(launch_, n, gather_weights<double>{raw(weight_), raw(event_slots_), raw(event_weights_), first});
  else
    for_each_index(launch_, n,
                   gather_weights<float>{raw(weight_float_), raw(event_slots_), raw(event_weights_), first});
}

void plastic_projection::finish_events() {
  if (slots_.empty()) return;
  std::vector<double> w(planned_.size());
  copy_bytes(w.data(), raw(event_weights_), w.size() * sizeof(double));
  for (std::size_t i = 0; i < planned_.size(); ++i) {
    planned_[i].weight = w[i];
    events_.push_back(planned_[i]);
  }
  planned_.clear();
  slots_.clear();
}

void plastic_projection::take_events(std::vector<weight_event>& out) {
  out.insert(out.end(), events_.begin(), events_.end());
  events_.clear();
}

void plastic_projection::save_state(const std::vector<synapse_store::entry>& rows, synapse_state& s) const {
  synapse_checkpoint::set_widths(s, stdp_);
  std::vector<char> has_synapses(rows_.n_pre, 0);
  for (const synapse_store::entry& e : rows) has_synapses[e.source - rows_.pre_offset] = 1;
  const std::vector<double> k_plus = to_host(k_plus_), k_plus_triplet = to_host(k_plus_triplet_);
  const std::vector<step_t> last_pre = to_host(last_pre_), stp_last = to_host(stp_last_);
  const std::vector<short_term_state> stp = to_host(stp_state_);
  for (index_t src = 0; src < rows_.n_pre; ++src) {
    if (!has_synapses[src]) continue;  // as the cpu backend: only sources with synapses here
    s.pre_ids.push_back(src);
    s.pre.resize(s.pre.size() + s.pre_width);
    double* row = s.pre.data() + s.pre.size() - s.pre_width;
    if (stdp_)
      synapse_checkpoint::save(synapse_checkpoint::stdp_source{k_plus[src], last_pre[src],
                                                               k_plus_triplet.empty() ? 0.0 : k_plus_triplet[src]},
                               row);
    else
      synapse_checkpoint::save(stp[src], stp_last[src], row);
  }
  if (!stdp_) return;
  const std::vector<std::uint32_t> count = to_host(count_);
  const std::vector<stdp::post_spike> history = to_host(history_), dropped = to_host(dropped_);
  const std::vector<double> k_minus = to_host(k_minus_), k_minus_triplet = to_host(k_minus_triplet_);
  const std::vector<step_t> last_post = to_host(last_post_);
  const std::vector<double> w = weights();
  std::vector<std::uint64_t> first(n_post_ + 1, 0);
  const std::vector<std::uint32_t> order = by_target(rows, post_gid_, first);
  for (index_t j = 0; j < n_post_; ++j) {
    const synapse_checkpoint::stdp_target t{k_minus[j], last_post[j], dropped[j],
                                            k_minus_triplet.empty() ? 0.0 : k_minus_triplet[j]};
    synapse_checkpoint::append_post(
        s, j, t, std::span<const stdp::post_spike>(history).subspan(static_cast<std::size_t>(j) * capacity_, count[j]),
        first[j + 1] - first[j], [&](std::uint64_t e) { return w[order[first[j] + e]]; });
  }
}

void plastic_projection::load_state(const std::vector<synapse_store::entry>& rows, const synapse_state& in,
                                    const std::string& where) {
  const synapse_checkpoint::merged_view s(in, stdp_, where);
  std::vector<char> has_synapses(rows_.n_pre, 0);
  for (const synapse_store::entry& e : rows) has_synapses[e.source - rows_.pre_offset] = 1;
  if (!stdp_) {
    std::vector<short_term_state> stp = to_host(stp_state_);
    std::vector<step_t> stp_last = to_host(stp_last_);
    for (index_t src = 0; src < rows_.n_pre; ++src)
      if (has_synapses[src]) stp[src] = synapse_checkpoint::load_short_term(s.source(src), stp_last[src]);
    to_device(stp_state_, stp);
    to_device(stp_last_, stp_last);
    return;
  }
  std::vector<double> k_plus = to_host(k_plus_), k_plus_triplet = to_host(k_plus_triplet_);
  std::vector<step_t> last_pre = to_host(last_pre_);
  for (index_t src = 0; src < rows_.n_pre; ++src) {
    if (!has_synapses[src]) continue;
    const synapse_checkpoint::stdp_source v = synapse_checkpoint::load_stdp_source(s.source(src));
    k_plus[src] = v.k_plus;
    last_pre[src] = v.last;
    if (!k_plus_triplet.empty()) k_plus_triplet[src] = v.k_plus_triplet;
  }
  to_device(k_plus_, k_plus);
  to_device(k_plus_triplet_, k_plus_triplet);
  to_device(last_pre_, last_pre);
  std::vector<std::vector<stdp::post_spike>> histories(n_post_);
  std::vector<std::uint32_t> count(n_post_);
  std::vector<stdp::post_spike> dropped(n_post_);
  std::vector<double> k_minus(n_post_), k_minus_triplet = to_host(k_minus_triplet_);
  std::vector<step_t> last_post(n_post_);
  std::uint32_t longest = 0;
  for (index_t j = 0; j < n_post_; ++j) {
    const synapse_checkpoint::stdp_target t = s.target(j);
    k_minus[j] = t.k_minus;
    last_post[j] = t.last;
    dropped[j] = t.dropped;
    if (!k_minus_triplet.empty()) k_minus_triplet[j] = t.k_minus_triplet;
    histories[j] = s.history(j);
    count[j] = static_cast<std::uint32_t>(histories[j].size());
    longest = std::max(longest, count[j]);
  }
  capacity_ = std::max(capacity_, longest);
  std::vector<stdp::post_spike> history(static_cast<std::size_t>(capacity_) * n_post_);
  for (index_t j = 0; j < n_post_; ++j)
    std::copy(histories[j].begin(), histories[j].end(), history.begin() + static_cast<std::ptrdiff_t>(j) * capacity_);
  to_device(history_, history);
  to_device(count_, count);
  to_device(dropped_, dropped);
  to_device(k_minus_, k_minus);
  to_device(k_minus_triplet_, k_minus_triplet);
  to_device(last_post_, last_post);
  max_live_ = longest;
  std::vector<double> w(rows.size());
  std::vector<std::uint64_t> first(n_post_ + 1, 0);
  const std::vector<std::uint32_t> order = by_target(rows, post_gid_, first);
  for (index_t j = 0; j < n_post_; ++j) {
    const std::span<const double> saved = s.weights(j, first[j + 1] - first[j]);
    for (std::uint64_t e = 0; e < saved.size(); ++e) w[order[first[j] + e]] = saved[e];
  }
  if (weight_float_.empty()) {  // the column this precision keeps (plasticity.cpp); float: exact, saved from floats
    to_device(weight_, w);
  } else {
    const std::vector<float> f(w.begin(), w.end());
    to_device(weight_float_, f);
  }
}

}  // namespace neuromesh::NEUROMESH_GPU_NS
