#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <thread>
#include <tuple>

#include <neuromesh/core/checkpoint.hpp>
#include <neuromesh/core/config.hpp>
#include <neuromesh/core/errors.hpp>
#include <neuromesh/core/io/sonata_writer.hpp>
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
  // Purely local work first (no communication during construction), then one agreement: a rank
  // that failed reports its error, every other rank stops with peer_failure -- nobody hangs.
  std::exception_ptr failure;
  try {
    if (opt_.checkpoint_every_ms != 0) {
      if (!(opt_.checkpoint_every_ms > 0) || !std::isfinite(opt_.checkpoint_every_ms))
        throw config_error("checkpoint_every", "must be a time > 0 ms on the dt grid (0: no checkpoints)");
      checkpoint_steps_ = time_grid(net_.dt).on_grid_steps(opt_.checkpoint_every_ms, "checkpoint_every");
    }
    if (opt_.write_synapses != "plastic" && opt_.write_synapses != "all" && opt_.write_synapses != "none")
      throw config_error("write_synapses",
                         "'" + opt_.write_synapses + "' is not one of plastic (the default), all, none");
    if (!opt_.resume.empty())  // before anything is built or the output touched
      check_same_network(read_checkpoint_file(opt_.resume).fingerprint, fingerprint_of(net_, opt_.prec), opt_.resume);
    construct(make_engine);
    if (!net_.weight_recorders.empty() && !engine_->records_weights())
      throw backend_unavailable("weight_recorders: the " + engine_->name() +
                                " backend does not run weight recorders; use backend \"cpu\" (threads, MPI)");
    if (opt_.checkpoint_every_ms != 0) check_synapse_state_kept("checkpoint_every");
  } catch (...) {
    failure = std::current_exception();
  }
  comm_->agree(failure);
  const engine_statistics st = engine_->statistics();
  // The epoch is the smallest delay anywhere, the same on every rank.
  constexpr std::uint64_t no_synapses = std::numeric_limits<delay_t>::max() + std::uint64_t{1};
  const std::uint64_t min_d = comm_->min_over_ranks(st.synapses ? st.min_delay : no_synapses);
  min_delay_ = min_d == no_synapses ? 1 : static_cast<step_t>(min_d);
  std::vector<gid_t> needed;
  if (!engine_->sources_with_targets(needed)) {
    needed.resize(offsets_.back());
    for (gid_t g = 0; g < offsets_.back(); ++g) needed[g] = g;
  }
  comm_->prepare(ranks_, needed);
  last_by_pop_.resize(net_.populations.size());
  summary_.neurons = st.neurons;
  summary_.synapses = comm_->sum_over_ranks(st.synapses);
  const std::uint64_t bytes = comm_->sum_over_ranks(st.synapse_payload_bytes + st.synapse_index_bytes);
  summary_.spikes_per_population.assign(net_.populations.size(), 0);
  for (std::size_t p = 0; p < net_.populations.size(); ++p)
    summary_.recorded_neurons.push_back(rec_->recorded_neurons(p)),
        summary_.recorded_window.push_back(rec_->recorded_window(p));
  summary_.bytes_per_synapse = summary_.synapses ? static_cast<double>(bytes) / summary_.synapses : 0.0;
  if (!opt_.resume.empty()) restore(opt_.resume);
  summary_.build_seconds = seconds_since(t0);
}

void simulation::construct(const engine_factory& make_engine) {
  // Engines index their ring buffers by receptor: the sign rule must have chosen one.
  const auto unresolved = [](receptor r) { return r != receptor::excitatory && r != receptor::inhibitory; };
  for (std::size_t i = 0; i < net_.projections.size(); ++i)
    if (unresolved(net_.projections[i].target))
      throw internal_error("projections[" + std::to_string(i) +
                           "]: receptor by_sign reached the engine; resolve_receptors() (api.hpp) chooses it, as "
                           "make_simulation does");
  for (std::size_t i = 0; i < net_.stimuli.size(); ++i)
    if (sends_spikes(net_.stimuli[i].type) && unresolved(net_.stimuli[i].target_receptor))
      throw internal_error("stimuli[" + std::to_string(i) +
                           "]: receptor by_sign reached the engine; call "
                           "resolve_receptors() (api.hpp) first, as make_simulation does");
  const auto n_ranks = static_cast<std::uint32_t>(comm_->size());
  ranks_ = opt_.rank_of_gid.empty() ? rank_map::by_name(opt_.decomposition, net_, n_ranks)
                                    : rank_map::from_owners(net_, opt_.rank_of_gid, n_ranks);
  engine_config cfg;
  cfg.net = &net_;
  cfg.part = make_rank_partition(net_, ranks_, static_cast<std::uint32_t>(comm_->rank()),
                                 static_cast<std::size_t>(resolve_threads(opt_.threads)));
  part_ = cfg.part;
  cfg.prec = opt_.prec;
  cfg.active_set = opt_.active_set;
  if (comm_->rank() == 0) cfg.build_progress = opt_.build_progress;  // one progress bar, not one per rank
  engine_ = make_engine(std::move(cfg));
  if (!opt_.resume.empty()) set_aside_resumed_output();  // the recording recreates the file
  rec_ = std::make_unique<recording>(net_, *engine_, opt_.output, comm_->rank() == 0, opt_.prec);
}

simulation::~simulation() {
  try {
    finish();
  } catch (...) {  // destructors must not throw; call finish() to see errors
  }
}

void simulation::check_not_finished() const {
  if (finished_)
    throw config_error("simulation",
                       "it has finished (its output file is closed); make a new simulation, or in "
                       "Python call net.reset() and run() again");
}

void simulation::run(double duration_ms, const progress_callback& progress) {
  check_not_finished();
  time_grid(net_.dt).on_grid_steps(duration_ms, "duration");  // before anything moves
  resume_output();
  ++runs_;
  try {
    run_steps(duration_ms, progress);
  } catch (const std::exception& e) {
    fail_everywhere(e);
    throw;
  }
  gather_run_totals();
}

void simulation::run_steps(double duration_ms, const progress_callback& progress) {
  const step_t target = now_ + time_grid(net_.dt).on_grid_steps(duration_ms, "duration");
  const step_t start = now_;
  begin_advance();
  const auto t0 = std::chrono::steady_clock::now();
  auto last_report = t0, last_flush = t0;
  // The file says "running" (with the full provenance) until the run ends: a killed run leaves
  // a file marked incomplete. Flushed now and every few seconds, with the time reached.
  rec_->set_status("running");
  if (rec_->has_file()) {
    write_run_provenance();
    rec_->flush();
  }
  for (std::uint64_t chunk = 0; now_ < target; ++chunk) {
    advance_chunk(next_stop(target) - now_);
    if (checkpoint_steps_ > 0 && now_ % checkpoint_steps_ == 0) save_checkpoint(checkpoint_path());
    // Under MPI every rank must stop at the same chunk: the flag is agreed on every 64th.
    if (comm_->size() == 1) check_interrupt(false);
    if (chunk % 64 != 0) continue;  // reading the clock every chunk costs ~2 % on 0.1 ms epochs
    if (comm_->size() > 1) check_interrupt(true);
    const auto now = std::chrono::steady_clock::now();
    // Flush to disk every few seconds so even a killed process leaves a readable file that
    // holds everything up to the last flush and says how far the run got.
    if (now - last_flush > std::chrono::seconds(2)) {
      if (rec_->has_file())
        rec_->write_provenance(
            {}, {{"duration_ms", time_ms()}, {"simulate_seconds", summary_.simulate_seconds + seconds_since(t0)}});
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
  rec_->set_status("complete");
  if (progress) progress(1.0);
}

void simulation::begin_advance() {
  for (auto& v : last_by_pop_) v.clear();
}

void simulation::advance_steps(step_t n) {
  check_not_finished();
  if (n < 0) throw config_error("steps", "cannot advance by a negative number of steps (" + std::to_string(n) + ")");
  resume_output();
  begin_advance();
  const step_t target = now_ + n;
  try {
    while (now_ < target) advance_chunk(next_stop(target) - now_);
  } catch (const std::exception& e) {
    fail_everywhere(e);
    throw;
  }
}

// An error in the middle of a distributed run (I/O, memory) is seen by one rank while the others
// wait in the next exchange: print it once, here, and end every process (never a hang).
//
// The output file records the failure (provenance status "failed: ..."). A full disk ends the file
// here, while there is still room for its provenance, and the error becomes one message saying
// what the file holds.
void simulation::fail_everywhere(const std::exception& e) {
  const bool interrupt = dynamic_cast<const interrupted*>(&e) != nullptr;
  if (rec_ && !interrupt)
    rec_->fail(dynamic_cast<const peer_failure*>(&e) ? std::string("another MPI rank failed") : e.what());
  std::string full;
  if (rec_ && rec_->disk_full()) {
    rec_->set_status("failed: disk full");
    try {
      write_run_provenance();          // in the reserve kept for it; if even that fails the file says "running"
    } catch (const std::exception&) {  // NOLINT(bugprone-empty-catch): finish_after_disk_full tells
    }
    full = rec_->finish_after_disk_full({}, {});
  }
  if (comm_->size() == 1 || interrupt || dynamic_cast<const peer_failure*>(&e)) {
    if (!full.empty()) throw io::disk_full(opt_.output, full);
    return;
  }
  std::fprintf(stderr, "neuromesh: error on rank %d of %d: %s\n", comm_->rank(), comm_->size(),
               full.empty() ? e.what() : full.c_str());
  std::fflush(stderr);
  comm_->abort(1);
}

void simulation::gather_run_totals() {
  summary_.neuron_updates = comm_->sum_over_ranks(engine_->statistics().neuron_updates);
  summary_.exchange_bytes = comm_->sum_over_ranks(comm_->statistics().bytes_sent);
  summary_.exchange_seconds = comm_->statistics().seconds;
}

// The next step at which the loop must stop: end of the epoch, a state frame, or the target.
step_t simulation::next_stop(step_t target) const {
  const step_t epoch_end = (now_ / min_delay_ + 1) * min_delay_;
  step_t stop = std::min({target, epoch_end, std::max(now_ + 1, rec_->next_state_step(now_ + 1))});
  if (checkpoint_steps_ > 0) stop = std::min(stop, (now_ / checkpoint_steps_ + 1) * checkpoint_steps_);
  return stop;
}

void simulation::advance_chunk(step_t n) {
  synapses_written_ = false;
  record_state_if_due();  // frames show the state at the start of the chunk
  fired_.clear();
  deliver_partial();
  // Phases deliver (last chunk's spikes), input, update, detect -- one engine call.
  engine_->advance(now_, static_cast<int>(n), undelivered_, fired_);
  if (!net_.weight_recorders.empty()) collect_weight_events();  // the deliveries' weight changes
  now_ += n;
  exchange_and_record(now_ - n);
  for (const auto& obs : observers_) obs->on_chunk(*this, now_ - n, now_, epoch_spikes_);
}

void simulation::deliver_partial() {
  if (partial_.empty()) return;
  // One spike's deliveries side by side: the engine walks its row once for all its groups.
  std::sort(partial_.begin(), partial_.end(), [](const partial_delivery& a, const partial_delivery& b) {
    return std::tie(a.s, a.group) < std::tie(b.s, b.group);
  });
  engine_->deliver_partial(partial_, filter_->group_of_gid());
  partial_.clear();
}

void simulation::exchange_and_record(step_t t0) {
  comm_->exchange(fired_, undelivered_);  // phase exchange (sorted by step, gid); delivered by the next advance
  // What is recorded and reported: every spike at the root (rank 0), own spikes elsewhere.
  if (comm_->exchange_gives_all())
    epoch_spikes_.assign(undelivered_.begin(), undelivered_.end());
  else
    comm_->gather_to_root(fired_, epoch_spikes_);
  if (filter_) {  // which targets get each spike, and when (every rank holds all spikes here)
    whole_.clear();
    filter_->filter(t0, now_, undelivered_, whole_, partial_);
    undelivered_.swap(whole_);
  }
  // Phase record: the recorded neurons' spikes go to the file, spikes() and the rates; every spike
  // to last_spikes() (closed loop) and the observers.
  rec_->record_spikes(epoch_spikes_, offsets_);
  std::size_t pop = 0;  // sorted by (step, gid): a step's spikes come population by population
  for (const spike& s : epoch_spikes_) {
    if (s.gid < offsets_[pop] || s.gid >= offsets_[pop + 1]) pop = locate(s.gid).first;
    const index_t id = s.gid - offsets_[pop];
    last_by_pop_[pop].push_back(id);
    if (rec_->records(pop, id, s.step)) ++summary_.spikes_per_population[pop];
  }
  summary_.spikes += epoch_spikes_.size();
  summary_.simulated_ms = time_ms();
  if (opt_.keep_spikes_in_memory) rec_->select_recorded(epoch_spikes_, all_spikes_);
}

void simulation::record_state_if_due() {
  if (rec_->next_state_step(now_) == now_)
    rec_->record_state(now_, [this](std::size_t p, int var, std::span<const index_t> ids, std::span<double> out) {
      read_state_everywhere(p, var, ids, out);
    });
}

void simulation::check_interrupt(bool collective) {
  const bool stop = opt_.stop && opt_.stop->load();
  if (collective ? comm_->max_over_ranks(stop) == 0 : !stop) return;
  // A scheduler's time limit sends SIGTERM before SIGKILL: a checkpointing run saves where it is,
  // so its resume loses nothing.
  std::string saved;
  if (checkpoint_steps_ > 0) {
    save_checkpoint(checkpoint_path());
    saved = "; checkpoint " + checkpoint_path() + " saved there (resume from it)";
  }
  rec_->set_status("interrupted");
  rec_->write_provenance({{"status", "interrupted"}}, {{"duration_ms", time_ms()}});
  write_synapses_to_output();  // what was learnt up to here
  rec_->close();
  throw interrupted("simulation interrupted at t = " + std::to_string(time_ms()) +
                    " ms; output so far is closed and readable" + saved);
}

void simulation::set_delivery_filter(std::shared_ptr<delivery_filter> f) {
  if (f && !engine_->supports_partial_delivery())
    throw config_error("delivery filter", "the " + engine_->name() +
                                              " backend cannot deliver a spike to part of its targets "
                                              "(the hardware timing mode needs it); use backend \"cpu\", or "
                                              "stored (not procedural) connectivity on the CUDA backends");
  if (f && !comm_->exchange_gives_all())
    throw config_error("delivery filter",
                       "under MPI every rank must see every spike to run the filter; use exchange "
                       "\"allgather\" (--exchange allgather)");
  if (f && f->group_of_gid().size() != offsets_.back())
    throw config_error("delivery filter", "its groups cover " + std::to_string(f->group_of_gid().size()) +
                                              " neurons, the network has " + std::to_string(offsets_.back()));
  if (!f) deliver_partial();  // removal: hand over what the old filter let through
  filter_ = std::move(f);
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
  if (opt_.keep_spikes_in_memory) rec_->select_recorded(extra, all_spikes_);
  summary_.spikes += extra.size();
  for (const spike& s : extra) summary_.spikes_per_population[p] += rec_->records(s) ? 1 : 0;
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
  read_state_everywhere(p, var, ids, out);
  return out;
}

state_column simulation::state_view(const std::string& population, const std::string& variable,
                                    std::string* why) const {
  const std::size_t p = net_.population_index(population, "state_view");
  const auto [var, units] = engine_->find_state(p, variable);
  if (var < 0)
    throw config_error("state_view", "population '" + population + "' has no state variable '" + variable + "'");
  state_column c;
  if (comm_->size() == 1) c = engine_->view_state(p, var);
  if (!c.data && why)
    *why = comm_->size() > 1 ? "the population is spread over MPI ranks"
           : part_.n_shards() > 1
               ? "the population is split over threads (use threads=1 for views)"
               : "the " + engine_->name() + " engine stores '" + variable +
                     "' elsewhere or relative to a parameter (e.g. V_m - E_L); use state() for a copy";
  return c;
}

void simulation::read_state_everywhere(std::size_t p, int var, std::span<const index_t> ids,
                                       std::span<double> out) const {
  if (comm_->size() == 1) {
    engine_->read_state(p, var, ids, out);
    return;
  }
  std::vector<std::uint32_t> positions;
  std::vector<index_t> own;
  for (std::size_t k = 0; k < ids.size(); ++k)
    if (part_.owns(p, ids[k])) {
      positions.push_back(static_cast<std::uint32_t>(k));
      own.push_back(ids[k]);
    }
  std::vector<double> values(own.size());
  engine_->read_state(p, var, own, values);
  comm_->combine_values(positions, values, out);
}

std::pair<std::size_t, index_t> simulation::locate(gid_t gid) const {
  const std::size_t p = population_of(offsets_, gid);
  return {p, gid - offsets_[p]};
}

void simulation::finish() {
  if (finished_) return;
  finished_ = true;
  close_output();
  // Under MPI only rank 0 has the file (and every spike): the others get no path.
  const std::string path = comm_->rank() == 0 ? opt_.output : std::string();
  for (const auto& obs : observers_) obs->on_finish(*this, path);
}

void simulation::suspend_output() {
  check_not_finished();
  if (!rec_) return;
  if (rec_->has_file()) write_run_provenance();
  write_synapses_to_output();
  rec_->suspend();  // on every rank, so all agree that the next advance resumes
}

// Reopens a suspended output file before anything moves; under MPI every rank learns of a failure
// (rank 0 holds the file) instead of the others waiting in the run's collectives.
void simulation::resume_output() {
  if (!rec_ || !rec_->suspended()) return;
  std::exception_ptr failure;
  try {
    rec_->resume();
  } catch (...) {
    failure = std::current_exception();
  }
  comm_->agree(failure);
}

void simulation::close_output() {
  if (!rec_ || opt_.output.empty()) return;
  if (!rec_->suspended()) {  // a suspended file has both, and nothing ran since
    if (rec_->has_file()) write_run_provenance();
    write_synapses_to_output();  // collective: every rank, file or not
  }
  if (rec_->has_file()) rec_->close();
}

void simulation::write_run_provenance() {
  std::vector<std::pair<std::string, double>> sizes;
  for (const auto& p : net_.populations) sizes.emplace_back("population_size." + p.label, static_cast<double>(p.size));
  rec_->write_provenance({}, sizes);
  rec_->write_provenance(
      {{"version", config::version},
       {"backend", engine_->name()},
       {"network", net_.name},
       {"exchange", comm_->strategy()},
       {"decomposition", ranks_.name()},
       {"status", rec_->status()},
       {"precision", opt_.prec == precision::single ? "float" : "double"}},
      {{"seed", static_cast<double>(net_.seed)},
       {"dt_ms", net_.dt},
       {"threads", static_cast<double>(resolve_threads(opt_.threads))},
       {"ranks", static_cast<double>(comm_->size())},
       {"duration_ms", time_ms()},
       {"build_seconds", summary_.build_seconds},
       {"simulate_seconds", summary_.simulate_seconds},
       {"synapses", static_cast<double>(summary_.synapses)},
       {"neuron_updates",
        static_cast<double>(comm_->size() == 1 ? engine_->statistics().neuron_updates : summary_.neuron_updates)},
       {"exchange_bytes", static_cast<double>(summary_.exchange_bytes)},
       {"runs", static_cast<double>(runs_)}});
}

}  // namespace neuromesh
