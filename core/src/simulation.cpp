#include <algorithm>
#include <limits>
#include <thread>

#include <neuromesh/core/config.hpp>
#include <neuromesh/core/errors.hpp>
#include <neuromesh/core/recording.hpp>
#include <neuromesh/core/simulation.hpp>

namespace neuromesh {
namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

int resolve_threads(int requested) {
  if (requested < 0) throw config_error("threads", "must be >= 0 (0 means all cores)");
  if (requested > 0) return requested;
  return std::max(1u, std::thread::hardware_concurrency());
}

}  // namespace

simulation::simulation(network net, simulation_options opt, const engine_factory& make_engine,
                       std::unique_ptr<communicator> comm)
    : net_(std::move(net)), opt_(std::move(opt)), comm_(std::move(comm)) {
  const auto t0 = std::chrono::steady_clock::now();
  if (!comm_) comm_ = std::make_unique<local_communicator>();
  offsets_ = net_.offsets();
  engine_config cfg;
  cfg.net = &net_;
  cfg.part = make_block_partition(net_, static_cast<std::size_t>(resolve_threads(opt_.threads)));
  cfg.prec = opt_.prec;
  cfg.active_set = opt_.active_set;
  cfg.build_progress = opt_.build_progress;
  engine_ = make_engine(std::move(cfg));
  const engine_statistics st = engine_->statistics();
  min_delay_ = st.min_delay;
  rec_ = std::make_unique<recording>(net_, *engine_, opt_.output);
  last_by_pop_.resize(net_.populations.size());
  summary_.neurons = st.neurons;
  summary_.synapses = st.synapses;
  summary_.spikes_per_population.assign(net_.populations.size(), 0);
  summary_.bytes_per_synapse =
      st.synapses ? static_cast<double>(st.synapse_payload_bytes + st.synapse_index_bytes) / st.synapses : 0.0;
  summary_.build_seconds = seconds_since(t0);
}

simulation::~simulation() {
  try {
    finish();
  } catch (...) {  // destructors must not throw; call finish() to see errors
  }
}

void simulation::run(double duration_ms, const progress_callback& progress) {
  if (!(duration_ms >= 0)) throw config_error("duration", "must be >= 0 ms");
  const step_t target = now_ + static_cast<step_t>(std::llround(duration_ms / net_.dt));
  const step_t start = now_;
  begin_advance();
  const auto t0 = std::chrono::steady_clock::now();
  auto last_report = t0, last_flush = t0;
  for (std::uint64_t chunk = 0; now_ < target; ++chunk) {
    advance_chunk(next_stop(target) - now_);
    check_interrupt();
    if (chunk % 64 != 0) continue;  // reading the clock every chunk costs ~2 % on 0.1 ms epochs
    const auto now = std::chrono::steady_clock::now();
    // Flush to disk every few seconds so even a killed process leaves a readable file.
    if (now - last_flush > std::chrono::seconds(5)) {
      rec_->flush();
      last_flush = now;
    }
    if (progress && now - last_report > std::chrono::milliseconds(100)) {
      progress(static_cast<double>(now_ - start) / static_cast<double>(target - start));
      last_report = now;
    }
  }
  // No frame at the stop time: reports are right-open [t_start, t_stop) as SONATA defines them;
  // a following run() records that frame at its start.
  summary_.simulate_seconds += seconds_since(t0);
  if (progress) progress(1.0);
}

void simulation::begin_advance() {
  for (auto& v : last_by_pop_) v.clear();
}

void simulation::advance_steps(step_t n) {
  begin_advance();
  const step_t target = now_ + n;
  while (now_ < target) advance_chunk(next_stop(target) - now_);
}

// The next step at which the loop must stop: end of the epoch, a state frame, or the target.
step_t simulation::next_stop(step_t target) const {
  const step_t epoch_end = (now_ / min_delay_ + 1) * min_delay_;
  return std::min({target, epoch_end, std::max(now_ + 1, rec_->next_state_step(now_ + 1))});
}

void simulation::advance_chunk(step_t n) {
  record_state_if_due();  // frames show the state at the start of the chunk
  fired_.clear();
  // Phases deliver (last chunk's spikes), input, update, detect -- one engine call.
  engine_->advance(now_, static_cast<int>(n), undelivered_, fired_);
  now_ += n;
  exchange_and_record();
  for (const auto& obs : observers_) obs->on_chunk(*this, now_ - n, now_, epoch_spikes_);
}

void simulation::exchange_and_record() {
  comm_->exchange(fired_, epoch_spikes_);                           // phase: exchange (sorted by step, gid)
  undelivered_.assign(epoch_spikes_.begin(), epoch_spikes_.end());  // delivered by the next advance
  rec_->record_spikes(epoch_spikes_, offsets_);                     // phase: record
  for (const spike& s : epoch_spikes_) {
    const auto [pop, id] = locate(s.gid);
    last_by_pop_[pop].push_back(id);
    ++summary_.spikes_per_population[pop];
  }
  summary_.spikes += epoch_spikes_.size();
  summary_.simulated_ms = time_ms();
  if (opt_.keep_spikes_in_memory) all_spikes_.insert(all_spikes_.end(), epoch_spikes_.begin(), epoch_spikes_.end());
}

void simulation::record_state_if_due() {
  if (rec_->next_state_step(now_) == now_) rec_->record_state(now_, *engine_);
}

void simulation::check_interrupt() {
  if (!opt_.stop || !opt_.stop->load()) return;
  rec_->write_provenance({{"status", "interrupted"}}, {{"duration_ms", time_ms()}});
  rec_->close();
  throw interrupted("simulation interrupted at t = " + std::to_string(time_ms()) +
                    " ms; output so far is closed and readable");
}

void simulation::inject_spikes(const std::string& population, std::span<const index_t> ids) {
  const std::size_t p = net_.population_index(population, "inject_spikes");
  // Fired "in the last step": with delay d they act during step now - 1 + d >= now.
  const step_t s = now_ - 1;
  if (s < 0) throw config_error("inject_spikes", "advance at least one step before injecting spikes");
  std::vector<spike> extra;
  for (index_t id : ids) {
    if (id >= net_.populations[p].size)
      throw config_error("inject_spikes", "id " + std::to_string(id) + " out of range for population " + population);
    extra.push_back({s, offsets_[p] + id});
  }
  std::sort(extra.begin(), extra.end());
  engine_->deliver(extra);
  for (const auto& obs : observers_) obs->on_chunk(*this, now_, now_, extra);
  rec_->record_spikes(extra, offsets_);
  if (opt_.keep_spikes_in_memory) all_spikes_.insert(all_spikes_.end(), extra.begin(), extra.end());
  summary_.spikes += extra.size();
  summary_.spikes_per_population[p] += extra.size();
}

void simulation::set_current(const std::string& population, std::span<const index_t> ids, std::span<const double> pA) {
  const std::size_t p = net_.population_index(population, "set_current");
  if (ids.size() != pA.size()) throw config_error("set_current", "ids and currents differ in length");
  for (index_t id : ids)
    if (id >= net_.populations[p].size)
      throw config_error("set_current", "id " + std::to_string(id) + " out of range for population " + population);
  engine_->set_current(p, ids, pA);
}

std::span<const index_t> simulation::last_spikes(const std::string& population) const {
  return last_by_pop_[net_.population_index(population, "last_spikes")];
}

std::vector<double> simulation::state(const std::string& population, const std::string& variable,
                                      std::span<const index_t> ids) const {
  const std::size_t p = net_.population_index(population, "state");
  const auto [var, units] = engine_->find_state(p, variable);
  if (var < 0) throw config_error("state", "population '" + population + "' has no state variable '" + variable + "'");
  for (index_t id : ids)
    if (id >= net_.populations[p].size)
      throw config_error("state", "id " + std::to_string(id) + " out of range for population " + population);
  std::vector<double> out(ids.size());
  engine_->read_state(p, var, ids, out);
  return out;
}

std::pair<std::size_t, index_t> simulation::locate(gid_t gid) const {
  const auto it = std::upper_bound(offsets_.begin(), offsets_.end(), gid);
  const auto p = static_cast<std::size_t>(it - offsets_.begin() - 1);
  return {p, gid - offsets_[p]};
}

void simulation::finish() {
  if (finished_) return;
  finished_ = true;
  close_output();
  for (const auto& obs : observers_) obs->on_finish(*this, opt_.output);
}

void simulation::close_output() {
  if (!rec_ || !rec_->has_file()) return;
  const engine_statistics st = engine_->statistics();
  std::vector<std::pair<std::string, double>> sizes;
  for (const auto& p : net_.populations) sizes.emplace_back("population_size." + p.label, static_cast<double>(p.size));
  rec_->write_provenance({}, sizes);
  rec_->write_provenance({{"version", config::version},
                          {"backend", engine_->name()},
                          {"network", net_.name},
                          {"status", "complete"},
                          {"precision", opt_.prec == precision::single ? "float" : "double"}},
                         {{"seed", static_cast<double>(net_.seed)},
                          {"dt_ms", net_.dt},
                          {"threads", static_cast<double>(resolve_threads(opt_.threads))},
                          {"ranks", static_cast<double>(comm_->size())},
                          {"duration_ms", time_ms()},
                          {"build_seconds", summary_.build_seconds},
                          {"simulate_seconds", summary_.simulate_seconds},
                          {"synapses", static_cast<double>(st.synapses)},
                          {"neuron_updates", static_cast<double>(st.neuron_updates)}});
  rec_->close();
}

}  // namespace neuromesh
