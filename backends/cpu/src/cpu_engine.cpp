#include <algorithm>
#include <atomic>
#include <optional>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <neuromesh/core/checkpoint.hpp>
#include <neuromesh/core/errors.hpp>
#include <neuromesh/cpu/cpu_engine.hpp>
#include <neuromesh/neurons/lowered_population.hpp>
#include <neuromesh/synapses/registry.hpp>

#include "shard.hpp"
#include "thread_pool.hpp"

namespace neuromesh::cpu {
namespace {

// Hands the heap's free pages back to the system. The synapse builders' temporaries are freed
// between projections, but small blocks allocated after them keep glibc from returning the space
// (34 MB of the full microcircuit's peak RSS, resident yet unused, was there when the ring
// buffers came on top). Only memory use depends on it.
void release_free_heap() {
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

// Shard by shard; each shard's walk index is built when its turn comes and dropped after it.
class cpu_synapse_reader final : public synapse_reader {
 public:
  cpu_synapse_reader(const std::vector<std::unique_ptr<shard>>& shards, std::size_t k, bool plastic)
      : shards_(shards), k_(k), plastic_(plastic) {}
  bool plastic() const override { return plastic_; }
  void counts(std::vector<std::uint32_t>& posts, std::vector<double>& n) const override {
    for (const auto& s : shards_) s->count_by_target(k_, posts, n);
  }
  bool next(std::size_t max, std::vector<synapse_record>& out) override {
    for (; s_ < shards_.size(); ++s_, walk_.reset()) {
      if (!walk_) walk_ = shards_[s_]->walk_by_target(k_);
      if (shards_[s_]->read_by_target(k_, *walk_, max, out)) return true;
    }
    return false;
  }

 private:
  const std::vector<std::unique_ptr<shard>>& shards_;
  std::size_t k_;
  bool plastic_;
  std::size_t s_ = 0;
  std::optional<shard::target_walk> walk_;
};

class cpu_engine final : public engine {
 public:
  cpu_engine(engine_config cfg, engine_options opt)
      : cfg_(std::move(cfg)),
        pool_(static_cast<int>(cfg_.part.n_shards())),
        shards_(cfg_.part.n_shards()),
        out_(cfg_.part.n_shards()) {
    const bool dbl = cfg_.prec == precision::double_precision;
    // Each thread builds its own shard: first-touch places its memory near it, and connectivity
    // generation runs in parallel without any coordination (keyed streams).
    // A build that throws (build_progress throws `interrupted` once a stop flag is set, see
    // make_simulation) makes every other shard abandon its build at its next block of synapses.
    // A shard that abandons its build returns quietly, so the pool rethrows the failure that
    // caused it (e.g. a parameter_error naming the population), never a stand-in that raced it.
    struct abandoned_build {};
    std::atomic<bool> abandon{false};
    pool_.run([&](int k) {
      try {
        shards_[k] = std::make_unique<shard>(cfg_, static_cast<std::size_t>(k), dbl, opt.stored_rows);
        // Shard 0 runs on the calling thread: it reports progress for all (shards build alike).
        shards_[k]->build_synapses([&, k](double f) {
          if (abandon.load(std::memory_order_relaxed)) throw abandoned_build{};
          if (k == 0 && cfg_.build_progress) cfg_.build_progress(f);
        });
      } catch (const abandoned_build&) {
        return;
      } catch (...) {
        abandon.store(true, std::memory_order_relaxed);
        throw;
      }
    });
    stats_.neurons = cfg_.part.population_offsets.back();
    delay_t min_d = 0, max_d = 1;
    for (const auto& s : shards_)
      for (const projection_rows& p : s->projections()) {
        const synapse_store& st = p.rows;  // empty for a conv2d plan, whose bytes count as index
        stats_.synapses += p.synapses();
        stats_.synapse_payload_bytes += st.payload_bytes() + (p.stdp ? p.stdp->bytes() : 0);
        stats_.synapse_index_bytes += st.index_bytes() + (p.conv ? p.conv->bytes() : 0);
        if (p.synapses() > 0) {
          const delay_t lo = p.conv ? p.conv->delay : st.min_delay(), hi = p.conv ? p.conv->delay : st.max_delay();
          min_d = min_d == 0 ? lo : std::min(min_d, lo);
          max_d = std::max(max_d, hi);
        }
      }
    stats_.min_delay = min_d == 0 ? 1 : min_d;
    stats_.max_delay = max_d;
    release_free_heap();  // before the ring buffers: they are the last large allocation
    pool_.run([&](int k) { shards_[k]->allocate_input(max_d); });
  }

  std::string name() const override { return "cpu"; }

  void advance(step_t t0, int n, std::span<const spike> deliver_first, std::vector<spike>& fired) override {
    pool_.run([&](int k) {
      shards_[k]->deliver(deliver_first);
      out_[k].clear();
      shards_[k]->advance(t0, n, out_[k]);
    });
    for (const auto& o : out_) fired.insert(fired.end(), o.begin(), o.end());
  }

  void deliver(std::span<const spike> spikes) override {
    if (spikes.empty()) return;
    pool_.run([&](int k) { shards_[k]->deliver(spikes); });
  }

  bool supports_partial_delivery() const override { return true; }

  bool records_weights() const override { return true; }
  bool keeps_synapse_state() const override { return true; }
  bool take_weight_events(std::vector<weight_event>& out) override {
    for (const auto& s : shards_) s->take_weight_events(out);
    return !cfg_.net->weight_recorders.empty();
  }
  std::unique_ptr<synapse_reader> synapses_by_target(std::size_t projection) const override {
    const synapse_info* model = find_synapse_model(cfg_.net->projections.at(projection).synapse);
    return std::make_unique<cpu_synapse_reader>(shards_, projection, model && model->plastic);
  }
  bool read_synapses(std::size_t projection, std::vector<synapse_record>& out) const override {
    for (const auto& s : shards_) s->read_synapses(projection, out);
    return true;
  }
  void deliver_partial(std::span<const partial_delivery> deliveries,
                       std::span<const std::uint32_t> group_of_gid) override {
    if (deliveries.empty()) return;
    pool_.run([&](int k) { shards_[k]->deliver_partial(deliveries, group_of_gid); });
  }

  void set_current(std::size_t population, std::span<const index_t> ids, std::span<const double> pA) override {
    for (auto& s : shards_) s->set_current(population, ids, pA);
  }

  void read_state(std::size_t population, int variable, std::span<const index_t> ids,
                  std::span<double> out) const override {
    for (std::size_t k = 0; k < ids.size(); ++k)
      out[k] = shards_[owner(population, ids[k])]->read(population, variable, ids[k]);
  }

  std::pair<int, std::string> find_state(std::size_t population, const std::string& variable) const override {
    return find_state_variable(*cfg_.net, population, variable);
  }

  bool sources_with_targets(std::vector<gid_t>& out) const override {
    out.clear();
    const gid_t n = cfg_.part.population_offsets.back();
    for (gid_t g = 0; g < n; ++g)
      if (std::any_of(shards_.begin(), shards_.end(), [g](const auto& s) { return s->has_targets(g); }))
        out.push_back(g);
    return true;
  }

  // One shard holds every neuron of the population in one column: hand out a view of it.
  state_column view_state(std::size_t population, int variable) const override {
    if (shards_.size() != 1 || !cfg_.part.shards[0][population].contiguous()) return {};
    return shards_[0]->column(population, variable);
  }

  bool save_state(step_t now, std::vector<population_state>& out) const override {
    for (const auto& s : shards_) s->save_state(now, out);
    return true;
  }
  bool save_synapse_state(std::vector<synapse_state>& out) const override {
    out.resize(cfg_.net->projections.size());
    for (const auto& s : shards_) s->save_synapse_state(out);
    return true;
  }
  void load_synapse_state(const std::vector<synapse_state>& in) override {
    pool_.run([&](int k) { shards_[k]->load_synapse_state(in); });
  }
  void load_state(step_t now, const std::vector<population_state>& in) override {
    pool_.run([&](int k) { shards_[k]->load_state(now, in); });
  }

  bool reset_state() override {
    pool_.run([&](int k) { shards_[k]->reset_state(); });  // each thread its own shard (first touch)
    return true;
  }

  engine_statistics statistics() const override {
    engine_statistics s = stats_;
    for (const auto& sh : shards_) s.neuron_updates += sh->updates();
    return s;
  }

 private:
  std::size_t owner(std::size_t population, index_t id) const {
    for (std::size_t k = 0; k < cfg_.part.n_shards(); ++k) {
      if (cfg_.part.shards[k][population].contains(id)) return k;
    }
    throw config_error("ids", "neuron " + std::to_string(id) + " of population " +
                                  cfg_.net->populations[population].label + " is not owned by this process");
  }

  engine_config cfg_;
  thread_pool pool_;
  std::vector<std::unique_ptr<shard>> shards_;
  std::vector<std::vector<spike>> out_;
  engine_statistics stats_;
};

}  // namespace

std::unique_ptr<engine> make_engine(engine_config cfg, engine_options opt) {
  return std::make_unique<cpu_engine>(std::move(cfg), opt);
}

}  // namespace neuromesh::cpu
