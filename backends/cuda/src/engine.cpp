// The engine on one device: every population and every projection of the network lives in
// device memory; the host only orchestrates Thrust calls and moves each chunk's spikes once in
// each direction (exchanged spikes in, fired spikes out).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <limits>

#include <thrust/copy.h>
#include <thrust/device_vector.h>
#include <thrust/execution_policy.h>
#include <thrust/fill.h>
#include <thrust/for_each.h>
#include <thrust/iterator/counting_iterator.h>

#include <neuromesh/core/checkpoint.hpp>
#include <neuromesh/core/errors.hpp>
#include <neuromesh/cuda/cuda_engine.hpp>
#include <neuromesh/neurons/lowered_population.hpp>
#include <neuromesh/synapses/registry.hpp>

#include "neuron_groups.hpp"
#include "plasticity.hpp"
#include "projections.hpp"
#include "runtime.hpp"

#if THRUST_DEVICE_SYSTEM == THRUST_DEVICE_SYSTEM_OMP
#include <omp.h>
#endif

namespace neuromesh::NEUROMESH_GPU_NS {
namespace {

// Spike detection and compaction over all neurons after a step (sources never set flags).
struct detect_spikes {
  const std::uint32_t* flags;
  spike_sink sink;
  std::uint32_t step_in_chunk;
  NEUROMESH_HOST_DEVICE void operator()(std::uint64_t i) const {
    if (flags[i] & step_flags::spiked) sink.push(step_in_chunk, static_cast<gid_t>(i), flags[i] >> multiplicity_shift);
  }
};

// NEUROMESH_CUDA_CONNECTIVITY, for callers that cannot pass gpu_preferences (cuda_engine.hpp).
connectivity_mode connectivity_from_environment() {
  const char* v = std::getenv("NEUROMESH_CUDA_CONNECTIVITY");
  return v && *v ? connectivity_mode_from_name(v, "NEUROMESH_CUDA_CONNECTIVITY") : connectivity_mode::stored;
}

// A projection's synapses by target (the synapses in the output file; engine.hpp): read back from
// the device whole, each target's in (source, row order) -- the cpu backend's order.
class gpu_synapse_reader final : public synapse_reader {
 public:
  gpu_synapse_reader(std::vector<synapse_record> rows, index_t n_post, bool plastic)
      : rows_(std::move(rows)), n_post_(n_post), plastic_(plastic) {
    std::stable_sort(rows_.begin(), rows_.end(),
                     [](const synapse_record& a, const synapse_record& b) { return a.post < b.post; });
  }
  bool plastic() const override { return plastic_; }
  void counts(std::vector<std::uint32_t>& posts, std::vector<double>& n) const override {
    const std::size_t first = n.size();
    for (index_t t = 0; t < n_post_; ++t) posts.push_back(t);
    n.resize(first + n_post_, 0.0);
    for (const synapse_record& r : rows_) n[first + r.post] += 1.0;
  }
  bool next(std::size_t max, std::vector<synapse_record>& out) override {
    for (; next_ < rows_.size(); ++next_) {
      if (out.size() >= max) return true;
      out.push_back(rows_[next_]);
    }
    return false;
  }

 private:
  std::vector<synapse_record> rows_;
  index_t n_post_;
  bool plastic_;
  std::size_t next_ = 0;
};

class gpu_engine final : public engine {
 public:
  // The device is selected first (device_ is the first member), so every allocation lands on it.
  gpu_engine(engine_config cfg, const gpu_preferences& prefs)
      : device_(select_device(prefs.device)), cfg_(std::move(cfg)) {
    use_host_threads(static_cast<int>(cfg_.part.n_shards()));
    launch_.serial_below = prefs.host_serial_below;
    launch_.fuse_poisson = prefs.fuse_poisson.value_or(default_fuse_poisson());
    const network& net = *cfg_.net;
    offsets_ = net.offsets();
    n_ = offsets_.back();
    std::uint64_t owned = 0;
    for (std::size_t k = 0; k < cfg_.part.n_shards(); ++k) owned += cfg_.part.local_size(k);
    if (owned != n_)  // one device holds the whole network (no rank decomposition yet)
      throw backend_unavailable(std::string(NEUROMESH_GPU_BACKEND) +
                                " backend: runs a whole network on one device; combining it with MPI ranks is "
                                "not implemented yet (use backend=\"cpu\" under MPI)");
    build_groups(net);
    const connectivity_mode connectivity = prefs.connectivity.value_or(connectivity_from_environment());
    for (std::size_t k = 0; k < net.projections.size(); ++k) {
      const delivery_strategy s = k < prefs.per_projection.size() ? prefs.per_projection[k] : prefs.delivery;
      const connectivity_mode c =
          k < prefs.per_projection_connectivity.size() ? prefs.per_projection_connectivity[k] : connectivity;
      projections_.push_back(std::make_unique<device_projection>(net, k, s, c, launch_));
      if (projections_.back()->run_time_state()) {
        plastic_.push_back(std::make_unique<plastic_projection>(net, k, *projections_.back(), launch_,
                                                                cfg_.prec == precision::double_precision));
        plastic_index_.push_back(k);
      }
      if (cfg_.build_progress) cfg_.build_progress(static_cast<double>(k + 1) / net.projections.size());
    }
    if (!net.weight_recorders.empty())
      for (std::size_t i = 0; i < plastic_.size(); ++i)
        plastic_[i]->watch(net, plastic_index_[i], projections_[plastic_index_[i]]->download());
    summarise();
    rows_ = receptor_rows(net);  // more than two only for multisynapse ports
    ring_.assign(static_cast<std::size_t>(rows_) * slots_ * n_, 0);
    extra_.assign(n_, 0.0);
    flags_.assign(n_, 0);
    synchronize();
  }

  std::string name() const override { return NEUROMESH_GPU_BACKEND; }

  void advance(step_t t0, int n, std::span<const spike> deliver_first, std::vector<spike>& fired) override {
    deliver_to_ring(deliver_first, t0);
    const std::size_t capacity = static_cast<std::size_t>(n_updated_) * static_cast<std::size_t>(n);
    if (fired_.size() < capacity) fired_.resize(capacity);
    if (multiplicity_ && multiplicity_->size() < capacity) multiplicity_->resize(capacity);
    const spike_sink sink{thrust::raw_pointer_cast(fired_.data()), words_.count(),
                          multiplicity_ ? thrust::raw_pointer_cast(multiplicity_->data()) : nullptr};
    const step_context ctx{ring(), thrust::raw_pointer_cast(extra_.data()), extra_set_,
                           thrust::raw_pointer_cast(flags_.data()), launch_};
    for (int j = 0; j < n; ++j) {
      update_groups(t0 + j, ctx);
      for_each_index(launch_, n_,
                     detect_spikes{thrust::raw_pointer_cast(flags_.data()), sink, static_cast<std::uint32_t>(j)});
    }
    updates_ += n_updated_ * static_cast<std::uint64_t>(n);
    // One read per chunk: the error flag and the spike count, then the spikes themselves.
    const unsigned count = words_.collect("this chunk");
    host_fired_.resize(count);
    copy_bytes(host_fired_.data(), thrust::raw_pointer_cast(fired_.data()), count * sizeof(std::uint64_t));
    const std::size_t before = fired.size();
    if (multiplicity_) {  // a spike of multiplicity m is m spikes (parrot_neuron)
      host_multiplicity_.resize(count);
      copy_bytes(host_multiplicity_.data(), thrust::raw_pointer_cast(multiplicity_->data()),
                 count * sizeof(std::uint32_t));
      for (unsigned j = 0; j < count; ++j)
        for (std::uint32_t c = 0; c < std::max<std::uint32_t>(host_multiplicity_[j], 1); ++c)
          fired.push_back({t0 + static_cast<step_t>(host_fired_[j] >> 32), static_cast<gid_t>(host_fired_[j])});
    } else {
      for (std::uint64_t e : host_fired_) fired.push_back({t0 + static_cast<step_t>(e >> 32), static_cast<gid_t>(e)});
    }
    emit_sources(t0, n, fired);
    // Postsynaptic spikes of these steps into the STDP histories (plasticity.hpp).
    for (auto& p : plastic_) p->record_post_spikes(std::span<const spike>(fired).subspan(before));
  }

  void deliver(std::span<const spike> spikes) override {
    // Injected spikes count as fired in the last completed step: their input is due from then on.
    step_t earliest = std::numeric_limits<step_t>::max();
    for (const spike& s : spikes) earliest = std::min(earliest, s.step + 1);
    deliver_to_ring(spikes, earliest);
    words_.collect("spike delivery");
  }

  // Timing mode: stored rows only (a procedural row is regenerated whole; filtering it per group
  // is not implemented), so the simulation refuses the filter with procedural connectivity.
  bool supports_partial_delivery() const override {
    return std::none_of(projections_.begin(), projections_.end(), [](const auto& p) { return p->procedural(); });
  }

  void deliver_partial(std::span<const partial_delivery> deliveries,
                       std::span<const std::uint32_t> group_of_gid) override {
    if (deliveries.empty()) return;
    if (!plastic_.empty())  // as the cpu backend: a row walked once per delivery would update its weights again
      throw config_error("timing mode",
                         "plastic synapses (" + cfg_.net->projections[plastic_index_.front()].synapse +
                             ") cannot be combined with the hardware timing mode yet; run without --timing or with "
                             "static synapses");
    if (group_source_ != group_of_gid.data() || group_of_.size() != group_of_gid.size()) {  // again for a new filter
      group_of_.assign(group_of_gid.begin(), group_of_gid.end());
      group_source_ = group_of_gid.data();
    }
    partial_spikes_.resize(deliveries.size());
    partial_groups_.resize(deliveries.size());
    step_t earliest = std::numeric_limits<step_t>::max();
    for (std::size_t i = 0; i < deliveries.size(); ++i) {
      partial_spikes_[i] = deliveries[i].s;
      partial_groups_[i] = deliveries[i].group;
      earliest = std::min(earliest, deliveries[i].s.step + 1);
    }
    const spike* d = upload_spikes(partial_spikes_);
    const delivery_target t{ring(), earliest, words_.error(), launch_};
    plan_.deliver_to_groups(projections_, d, upload(incoming_groups_, std::span<const std::uint32_t>(partial_groups_)),
                            thrust::raw_pointer_cast(group_of_.data()), static_cast<std::uint32_t>(deliveries.size()),
                            t);
    words_.collect("partial spike delivery");
  }

  void set_current(std::size_t population, std::span<const index_t> ids, std::span<const double> pA) override {
    for (std::size_t k = 0; k < ids.size(); ++k) {
      if (ids[k] >= cfg_.net->populations.at(population).size)
        throw config_error("ids", "neuron " + std::to_string(ids[k]) + " is not in population " +
                                      cfg_.net->populations[population].label);
      extra_[offsets_[population] + ids[k]] = pA[k];
      extra_set_ = true;
    }
  }

  void read_state(std::size_t population, int variable, std::span<const index_t> ids,
                  std::span<double> out) const override {
    const auto& g = groups_.at(population);
    if (!g) {
      std::fill(out.begin(), out.end(), 0.0);
      return;
    }
    for (index_t id : ids)
      if (id >= cfg_.net->populations[population].size)
        throw config_error(
            "ids", "neuron " + std::to_string(id) + " is not in population " + cfg_.net->populations[population].label);
    g->read(variable, ids, out);
  }

  std::pair<int, std::string> find_state(std::size_t population, const std::string& variable) const override {
    return find_state_variable(*cfg_.net, population, variable);
  }

  // Checkpoints (checkpoint.hpp): the whole network is on this device, so every population is
  // saved whole, from one download of the ring buffers and the closed-loop currents.
  bool save_state(step_t now, std::vector<population_state>& out) const override {
    refuse_ports();
    std::vector<fixed_t> ring(ring_.size());
    std::vector<double> extra(extra_.size());
    thrust::copy(ring_.begin(), ring_.end(), ring.begin());
    thrust::copy(extra_.begin(), extra_.end(), extra.begin());
    const ring_view r{ring.data(), n_, slots_};
    out.resize(groups_.size());
    std::vector<double> columns;
    for (std::size_t p = 0; p < groups_.size(); ++p) {
      const std::uint32_t n = offsets_[p + 1] - offsets_[p];
      population_state& s = out[p];
      s.width = groups_[p] ? groups_[p]->state_width() : 0;
      s.slots = slots_;
      columns.clear();
      if (groups_[p]) groups_[p]->save_state(columns);
      for (std::uint32_t i = 0; i < n; ++i) {
        const gid_t g = offsets_[p] + i;
        s.ids.push_back(i);
        for (std::uint32_t j = 0; j < s.width; ++j) s.state.push_back(columns[static_cast<std::size_t>(j) * n + i]);
        s.current.push_back(extra[g]);
        for (int rc = 0; rc < n_receptors; ++rc)
          for (std::uint32_t d = 0; d < slots_; ++d) s.input.push_back(r.row(rc, now + d)[g]);
      }
    }
    return true;
  }

  void load_state(step_t now, const std::vector<population_state>& in) override {
    refuse_ports();
    std::vector<fixed_t> ring(ring_.size(), 0);
    std::vector<double> extra(n_, 0.0), columns;
    const ring_view r{ring.data(), n_, slots_};
    for (std::size_t p = 0; p < groups_.size(); ++p) {
      const std::uint32_t n = offsets_[p + 1] - offsets_[p];
      const population_state& s = in.at(p);
      const std::uint32_t width = groups_[p] ? groups_[p]->state_width() : 0;
      if (n > 0 && s.width != width)
        throw config_error("resume", "the checkpoint holds " + std::to_string(s.width) +
                                         " state values per neuron of " + cfg_.net->populations[p].label +
                                         ", its model has " + std::to_string(width));
      columns.assign(static_cast<std::size_t>(width) * n, 0.0);
      for (std::uint32_t i = 0; i < n; ++i) {
        const gid_t g = offsets_[p] + i;
        for (std::uint32_t j = 0; j < width; ++j)
          columns[static_cast<std::size_t>(j) * n + i] = s.state[static_cast<std::size_t>(i) * width + j];
        extra[g] = s.current[i];
        extra_set_ = extra_set_ || extra[g] != 0.0;
        for (int rc = 0; rc < n_receptors; ++rc)
          for (std::uint32_t d = 0; d < s.slots; ++d) {
            const fixed_t v = s.input[(static_cast<std::size_t>(i) * n_receptors + rc) * s.slots + d];
            if (d < slots_)
              r.row(rc, now + d)[g] = v;
            else if (v != 0)
              throw internal_error("checkpoint: input beyond the largest delay for " + cfg_.net->populations[p].label);
          }
      }
      if (groups_[p]) groups_[p]->load_state(columns);
    }
    thrust::copy(ring.begin(), ring.end(), ring_.begin());
    thrust::copy(extra.begin(), extra.end(), extra_.begin());
    synchronize();
  }

  // Plastic and short-term synapses (plasticity.hpp, plasticity_state.cpp): weight recorders and
  // checkpoints, in the form the cpu backend uses too.
  bool records_weights() const override { return true; }
  bool keeps_synapse_state() const override { return true; }
  bool take_weight_events(std::vector<weight_event>& out) override {
    for (auto& p : plastic_) p->take_events(out);
    return true;
  }
  bool save_synapse_state(std::vector<synapse_state>& out) const override {
    out.resize(cfg_.net->projections.size());
    for (std::size_t i = 0; i < plastic_.size(); ++i)
      plastic_[i]->save_state(projections_[plastic_index_[i]]->download(), out[plastic_index_[i]]);
    return true;
  }
  void load_synapse_state(const std::vector<synapse_state>& in) override {
    for (std::size_t i = 0; i < plastic_.size(); ++i) {
      const std::size_t k = plastic_index_[i];
      plastic_[i]->load_state(projections_[k]->download(), in.at(k),
                              "projections[" + std::to_string(k) + "] (" + cfg_.net->projections[k].synapse + ")");
    }
    synchronize();
  }

  // engine::reset_state: the groups and the spike-source schedule lowered again, no input waiting,
  // no closed-loop current; the projections stay on the device.
  bool reset_state() override {
    groups_.clear();
    schedule_.clear();
    n_updated_ = 0;
    build_groups(*cfg_.net);
    thrust::fill(ring_.begin(), ring_.end(), fixed_t{0});
    thrust::fill(extra_.begin(), extra_.end(), 0.0);
    thrust::fill(flags_.begin(), flags_.end(), std::uint32_t{0});
    extra_set_ = false;
    synchronize();
    return true;
  }

  // Projection k's synapses (population-local ids); plastic weights as they are now.
  bool read_synapses(std::size_t k, std::vector<synapse_record>& out) const override {
    const device_projection& p = *projections_.at(k);
    if (p.procedural()) return false;  // not stored
    const network& net = *cfg_.net;
    const gid_t pre = offsets_[net.population_index(net.projections[k].pre, "projections")];
    const gid_t post = offsets_[net.population_index(net.projections[k].post, "projections")];
    const std::vector<synapse_store::entry> rows = p.download();
    std::vector<double> learnt;
    for (std::size_t i = 0; i < plastic_.size(); ++i)
      if (plastic_index_[i] == k) learnt = plastic_[i]->weights();
    for (std::size_t j = 0; j < rows.size(); ++j)
      out.push_back({rows[j].source - pre, rows[j].target - post,
                     learnt.empty() ? static_cast<double>(rows[j].weight) : learnt[j], rows[j].delay});
    return true;
  }

  std::unique_ptr<synapse_reader> synapses_by_target(std::size_t k) const override {
    std::vector<synapse_record> rows;
    if (!read_synapses(k, rows)) return nullptr;
    const network& net = *cfg_.net;
    const index_t n_post = net.populations[net.population_index(net.projections[k].post, "projections")].size;
    const synapse_info* model = find_synapse_model(net.projections[k].synapse);
    return std::make_unique<gpu_synapse_reader>(std::move(rows), n_post, model && model->plastic);
  }

  engine_statistics statistics() const override {
    engine_statistics s = stats_;
    s.neuron_updates = updates_;
    return s;
  }

 private:
  ring_view ring() { return {thrust::raw_pointer_cast(ring_.data()), n_, slots_}; }
  // The checkpoint format holds the two receptors' input; multisynapse ports beyond them are refused.
  void refuse_ports() const {
    if (rows_ != n_receptors)
      throw config_error("checkpoint", "checkpoints of networks with multisynapse models of more than " +
                                           std::to_string(n_receptors) + " ports are not implemented yet");
  }

  // Advances every group by step s. OMP build with several threads: either each launch on its
  // own (small ones serially: most launches of a step are far smaller than an OpenMP region's
  // cost) or the whole step in one parallel region, each thread a part of every group -- timed,
  // since a region costs µs when the cores are free and ms when they are busy.
  void update_groups(step_t s, const step_context& ctx) {
#if THRUST_DEVICE_SYSTEM == THRUST_DEVICE_SYSTEM_OMP
    const auto threads = static_cast<std::uint32_t>(device_fill());
    const bool always = launch_.serial_below == 0;  // every launch parallel (tests)
    if (threads > 1 && (always || n_updated_ >= min_parallel_step)) {
      const bool parallel = always || step_parallel_.choose();
      const auto start = std::chrono::steady_clock::now();
      if (parallel)
        update_in_parts(s, ctx, threads);
      else
        update_each(s, ctx);
      const std::chrono::duration<double, std::nano> took = std::chrono::steady_clock::now() - start;
      step_parallel_.record(parallel, took.count() / static_cast<double>(n_updated_));
      return;
    }
#endif
    update_each(s, ctx);
  }

  void update_each(step_t s, const step_context& ctx) {
    for (auto& g : groups_)
      if (g) g->update(s, ctx);
  }

#if THRUST_DEVICE_SYSTEM == THRUST_DEVICE_SYSTEM_OMP
  // Steps of fewer neurons run one launch at a time: a region cannot pay there.
  static constexpr std::uint64_t min_parallel_step = 1024;

  void update_in_parts(step_t s, const step_context& ctx, std::uint32_t threads) {
#pragma omp parallel num_threads(threads)
    {
      step_context mine = ctx;
      mine.part = static_cast<std::uint32_t>(omp_get_thread_num());
      mine.parts = static_cast<std::uint32_t>(omp_get_num_threads());
      update_each(s, mine);
    }
  }
#endif

  // One group per neuron population, from the one lowering (lowered_population); spike sources
  // keep their schedule, all sources' in one list sorted by step.
  void build_groups(const network& net) {
    const bool dbl = cfg_.prec == precision::double_precision;
    for (std::size_t p = 0; p < net.populations.size(); ++p) {
      const lowered_population low(net, p, offsets_[p]);
      if (low.is_source()) {
        groups_.push_back(nullptr);
        const std::vector<spike> s = low.spike_schedule();
        schedule_.insert(schedule_.end(), s.begin(), s.end());
        continue;
      }
      n_updated_ += low.size();
      groups_.push_back(dbl ? make_device_group<double>(low, offsets_[p]) : make_device_group<float>(low, offsets_[p]));
      if (groups_.back()->multiplicity() && !multiplicity_)
        multiplicity_ = std::make_unique<thrust::device_vector<std::uint32_t>>();
    }
    std::sort(schedule_.begin(), schedule_.end());
  }

  void summarise() {
    stats_.neurons = n_;
    delay_t min_d = 0, max_d = 1;
    for (const auto& p : projections_) {
      stats_.synapses += p->size();
      stats_.synapse_payload_bytes += p->payload_bytes();
      stats_.synapse_index_bytes += p->index_bytes();
      if (p->size() == 0) continue;
      min_d = min_d == 0 ? p->min_delay() : std::min(min_d, p->min_delay());
      max_d = std::max(max_d, p->max_delay());
    }
    for (const auto& p : plastic_) stats_.synapse_payload_bytes += p->bytes();
    stats_.min_delay = min_d == 0 ? 1 : min_d;
    stats_.max_delay = max_d;
    slots_ = static_cast<std::uint32_t>(max_d) + 1;
  }

  // Copies spikes to the device once and delivers them through every projection.
  void deliver_to_ring(std::span<const spike> spikes, step_t earliest) {
    if (spikes.empty()) return;
    const spike* d = upload_spikes(spikes);
    const delivery_target t{ring(), earliest, words_.error(), launch_};
    plan_.deliver(projections_, d, static_cast<std::uint32_t>(spikes.size()), t);
    plastic_delivery_.deliver(plastic_, spikes, t);  // in step order (plasticity.hpp)
  }

  // Checks the spikes' gids and copies them to the device (one copy per chunk).
  const spike* upload_spikes(std::span<const spike> spikes) {
    for (const spike& s : spikes)
      if (s.gid >= n_)
        throw config_error("spikes", "spike of gid " + std::to_string(s.gid) + " delivered to a network of " +
                                         std::to_string(n_) + " neurons");
    return upload(incoming_, spikes);
  }

  // Copies `host` into `device` (grown to twice the need when short); the device copy's start.
  template <class T>
  static const T* upload(thrust::device_vector<T>& device, std::span<const T> host) {
    if (device.size() < host.size()) device.resize(2 * host.size());
    copy_bytes(thrust::raw_pointer_cast(device.data()), host.data(), host.size_bytes());
    return thrust::raw_pointer_cast(device.data());
  }

  // spike_source_array spikes of steps [t0, t0 + n): prescribed, so known on the host.
  void emit_sources(step_t t0, int n, std::vector<spike>& fired) const {
    auto it = std::lower_bound(schedule_.begin(), schedule_.end(), spike{t0, 0});
    for (; it != schedule_.end() && it->step < t0 + n; ++it) fired.push_back(*it);
  }

  std::string device_;
  engine_config cfg_;
  std::vector<gid_t> offsets_;
  gid_t n_ = 0;
  std::uint32_t slots_ = 2;
  std::vector<std::unique_ptr<device_group>> groups_;  // null for spike sources
  std::vector<std::unique_ptr<device_projection>> projections_;
  delivery_plan plan_;
  std::vector<std::unique_ptr<plastic_projection>> plastic_;  // plastic and short-term projections
  std::vector<std::size_t> plastic_index_;                    // their projection indices
  plastic_delivery plastic_delivery_;
  std::vector<spike> schedule_;  // spike_source_array spikes, sorted
  int rows_ = n_receptors;       // ring-buffer rows per neuron (receptor_rows)
  thrust::device_vector<fixed_t> ring_;
  thrust::device_vector<double> extra_;
  thrust::device_vector<std::uint32_t> flags_;  // 32-bit: a char store could alias anything and block vectorisation
  thrust::device_vector<std::uint64_t> fired_;  // this chunk's spikes, gathered on the device
  thrust::device_vector<spike> incoming_;
  thrust::device_vector<std::uint32_t> incoming_groups_, group_of_;  // timing mode: groups per delivery, per gid
  std::vector<spike> partial_spikes_;  // timing mode: host staging of a chunk's partial deliveries
  std::vector<std::uint32_t> partial_groups_;
  const std::uint32_t* group_source_ = nullptr;  // the filter's table group_of_ copies
  device_words words_;
  std::vector<std::uint64_t> host_fired_;
  // Per spike entry, where some group's spikes carry a multiplicity (null otherwise).
  std::unique_ptr<thrust::device_vector<std::uint32_t>> multiplicity_;
  std::vector<std::uint32_t> host_multiplicity_;
  std::uint64_t n_updated_ = 0, updates_ = 0;
  bool extra_set_ = false;  // set_current was used
  launch_policy launch_;
  timed_choice step_parallel_;  // OMP build: a step's groups in one parallel region, or launch by launch
  engine_statistics stats_;
};

}  // namespace

std::unique_ptr<engine> make_engine(engine_config cfg, const gpu_preferences& prefs) {
  return std::make_unique<gpu_engine>(std::move(cfg), prefs);
}

std::vector<synapse_store::entry> built_synapses(const network& net, std::size_t k) {
  select_device(0);
  return device_projection(net, k, delivery_strategy::automatic, connectivity_mode::stored, launch_policy{}).download();
}

}  // namespace neuromesh::NEUROMESH_GPU_NS
