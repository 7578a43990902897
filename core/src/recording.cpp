#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include <neuromesh/core/errors.hpp>
#include <neuromesh/core/io/sonata_reader.hpp>
#include <neuromesh/core/io/sonata_writer.hpp>
#include <neuromesh/core/io/table_writer.hpp>
#include <neuromesh/core/recording.hpp>

namespace neuromesh {
namespace {

// A window bound [ms] as steps (infinite: never).
step_t window_steps(double ms, const std::string& where, double dt) {
  return std::isfinite(ms) ? time_grid(dt).on_grid_steps(ms, where) : std::numeric_limits<step_t>::max();
}

std::string ms_text(double ms) {
  char t[32];
  std::snprintf(t, sizeof t, "%.10g", ms);
  return t;
}

}  // namespace

// One state report: a variable of selected neurons every `interval` steps.
struct recording::probe {
  std::size_t population;
  int variable;
  std::vector<index_t> ids;
  step_t interval;
  step_t from = 0, to = std::numeric_limits<step_t>::max();  // frames at steps in [from, to)
  std::string group;                                         // /report/<group> in the file
  std::unique_ptr<io::report_writer> writer;
  std::vector<double> values;
};

recording::recording(const network& net, const engine& eng, const std::string& path, bool writer, precision prec)
    : dt_(net.dt), prec_(prec), offsets_(net.offsets()) {
  // Whose spikes are recorded: decided on every process alike, with or without a file (the
  // simulation keeps the same spikes in memory and computes rates over the same neurons).
  const bool any_spike_recorder =
      std::any_of(net.recorders.begin(), net.recorders.end(), [](const recorder& r) { return r.variable == "spikes"; });
  selected_.resize(net.populations.size());
  std::vector<bool> wanted(net.populations.size(), !any_spike_recorder), all(net.populations.size(), false);
  for (std::size_t k = 0; k < net.recorders.size(); ++k) {
    const recorder& r = net.recorders[k];
    if (r.variable != "spikes") continue;
    const std::string where = "recorders[" + std::to_string(k) + "]";
    const std::size_t p = net.population_index(r.population, where + ".population");
    spike_selection& sel = selected_[p];
    wanted[p] = true;
    sel.from = window_steps(r.start, where + ".start", net.dt);  // one window per population (validate())
    sel.to = window_steps(r.stop, where + ".stop", net.dt);
    sel.start_ms = r.start, sel.stop_ms = r.stop;
    if (r.ids.empty()) all[p] = true;
    const index_t size = net.populations[p].size;
    if (sel.mask.empty() && !r.ids.empty()) sel.mask.assign(size, false);
    for (index_t id : r.ids) {
      if (id >= size)
        throw config_error(where + ".ids", "id " + std::to_string(id) + " out of range for population '" +
                                               r.population + "' of " + std::to_string(size) + " neurons");
      sel.mask[id] = true;
    }
  }
  for (std::size_t p = 0; p < net.populations.size(); ++p) {
    spike_selection& sel = selected_[p];
    const index_t size = net.populations[p].size;
    sel.count = all[p] || sel.mask.empty()
                    ? size
                    : static_cast<std::uint64_t>(std::count(sel.mask.begin(), sel.mask.end(), true));
    sel.which = !wanted[p]          ? spike_selection::mode::none
                : sel.count == size ? spike_selection::mode::all
                                    : spike_selection::mode::subset;
    if (sel.which != spike_selection::mode::subset) sel.mask.clear();
    if (sel.which == spike_selection::mode::none) sel.count = 0;
  }

  spike_writers_.resize(net.populations.size());
  path_ = path;
  if (path.empty()) return;
  if (writer) file_ = std::make_unique<io::output_file>(path);
  std::vector<std::pair<std::string, std::string>> said;
  std::vector<std::pair<std::string, double>> counts;
  for (std::size_t p = 0; p < net.populations.size() && file_; ++p) {
    const spike_selection& sel = selected_[p];
    if (sel.which == spike_selection::mode::none) continue;
    const population& pop = net.populations[p];
    spike_writers_[p] = std::make_unique<io::spike_writer>(*file_, pop.label);
    const std::string size = std::to_string(pop.size);
    if (sel.which == spike_selection::mode::subset) {
      std::vector<std::uint64_t> ids;
      ids.reserve(sel.count);
      for (index_t i = 0; i < pop.size; ++i)
        if (sel.mask[i]) ids.push_back(i);
      spike_writers_[p]->write_recorded_node_ids(ids);
      said.emplace_back("spikes_recorded." + pop.label, std::to_string(sel.count) + " of " + size +
                                                            " neurons (recorder ids: /spikes/" + pop.label +
                                                            "/recorded_node_ids); rates are over these");
    } else {
      said.emplace_back("spikes_recorded." + pop.label, "all " + size + " neurons");
    }
    counts.emplace_back("spikes_recorded_nodes." + pop.label, static_cast<double>(sel.count));
    if (sel.windowed()) {  // readers give rates over the window (analysis.py, neuromesh info)
      said.emplace_back("spikes_window." + pop.label, "spikes stamped t with " + ms_text(sel.start_ms) + " <= t < " +
                                                          ms_text(sel.stop_ms) +
                                                          " ms only (recorder start/stop); rates are over this window");
      counts.emplace_back("spikes_window_start_ms." + pop.label, sel.start_ms);
      if (std::isfinite(sel.stop_ms)) counts.emplace_back("spikes_window_stop_ms." + pop.label, sel.stop_ms);
    }
  }
  if (file_) io::write_provenance(*file_, said, counts);
  const io::report_type stored =
      prec_ == precision::double_precision ? io::report_type::float64 : io::report_type::float32;
  for (std::size_t k = 0; k < net.recorders.size(); ++k) {
    const recorder& r = net.recorders[k];
    if (r.variable == "spikes") continue;
    const std::string where = "recorders[" + std::to_string(k) + "]";
    auto pr = std::make_unique<probe>();
    pr->population = net.population_index(r.population, where + ".population");
    const auto [var, units] = eng.find_state(pr->population, r.variable);
    if (var < 0)
      throw config_error(where + ".variable",
                         "population '" + r.population + "' has no state variable '" + r.variable + "'");
    pr->variable = var;
    pr->ids = r.ids;
    if (pr->ids.empty())
      for (index_t i = 0; i < net.populations[pr->population].size; ++i) pr->ids.push_back(i);
    pr->interval = std::max<step_t>(1, time_grid(net.dt).on_grid_steps(r.interval, "recorders.interval"));
    pr->from = window_steps(r.start, where + ".start", net.dt);
    pr->to = window_steps(r.stop, where + ".stop", net.dt);
    const step_t first_frame = (pr->from + pr->interval - 1) / pr->interval * pr->interval;
    std::vector<std::uint64_t> node_ids(pr->ids.begin(), pr->ids.end());
    // libsonata and bmtk look for /report/<pop>: the first variable of a population goes there,
    // further ones to /report/<pop>_<variable> (each group also carries data@variable).
    const bool first =
        std::none_of(probes_.begin(), probes_.end(), [&](const auto& q) { return q->population == pr->population; });
    const std::string group = first ? r.population : r.population + "_" + r.variable;
    pr->group = group;
    if (file_)
      pr->writer = std::make_unique<io::report_writer>(*file_, r.population, r.variable, units, node_ids,
                                                       static_cast<double>(first_frame) * net.dt,
                                                       static_cast<double>(pr->interval) * net.dt, group, stored);
    pr->values.resize(pr->ids.size());
    probes_.push_back(std::move(pr));
  }
  for (std::size_t r = 0; r < net.weight_recorders.size() && file_; ++r) {
    const weight_recorder& wr = net.weight_recorders[r];
    const projection& p = net.projections.at(wr.projection);
    using col = io::table_writer::column;
    using io::table_writer;
    weight_writers_.push_back(std::make_unique<table_writer>(
        *file_, "weights", net.weight_recorder_name(r),
        std::vector<col>{{"times", table_writer::type::f64, "ms"},
                         {"pre", table_writer::type::u64, ""},
                         {"post", table_writer::type::u64, ""},
                         {"weight", table_writer::type::f64, ""}},
        std::vector<std::pair<std::string, std::string>>{{"projection", std::to_string(wr.projection)},
                                                         {"synapse_model", p.synapse},
                                                         {"edges", net.edge_name(wr.projection)}},
        std::vector<std::pair<std::string, std::pair<std::string, std::string>>>{
            {"pre", {"node_population", p.pre}}, {"post", {"node_population", p.post}}}));
  }
  // On disk from the start, marked unfinished: a run killed before its first flush leaves a
  // readable file that says so (the run writes its full provenance when it starts).
  if (file_) {
    io::write_provenance(*file_, {{"status", "running"}}, {{"duration_ms", 0.0}});
    flush();
  }
}

recording::~recording() {
  try {
    close();
  } catch (...) {  // a destructor must not throw; close() reports errors when called directly
  }
}

void recording::record_spikes(std::span<const spike> spikes, const std::vector<gid_t>& offsets) {
  if (!file_ || spikes.empty()) return;
  // Spikes arrive sorted by (step, gid); group them per population, preserving time order.
  for (std::size_t p = 0; p < spike_writers_.size(); ++p) {
    if (!spike_writers_[p]) continue;
    const spike_selection& sel = selected_[p];
    const bool subset = sel.which == spike_selection::mode::subset;
    id_buf_.clear();
    time_buf_.clear();
    for (const spike& s : spikes)
      if (s.gid >= offsets[p] && s.gid < offsets[p + 1] && (!subset || sel.mask[s.gid - offsets[p]]) &&
          sel.in_window(s.step)) {
        id_buf_.push_back(s.gid - offsets[p]);
        time_buf_.push_back(static_cast<double>(s.step + 1) * dt_);
      }
    if (!id_buf_.empty()) spike_writers_[p]->append(id_buf_, time_buf_);
  }
}

std::pair<std::size_t, index_t> recording::locate(gid_t gid) const {
  const std::size_t p = population_of(offsets_, gid);
  return {p, gid - offsets_[p]};
}

bool recording::records_spikes_of(gid_t gid) const {
  if (gid >= offsets_.back()) return false;
  const auto [p, id] = locate(gid);
  return records_spikes_of(p, id);
}

bool recording::records(const spike& s) const {
  if (s.gid >= offsets_.back()) return false;
  const auto [p, id] = locate(s.gid);
  return records(p, id, s.step);
}

void recording::select_recorded(std::span<const spike> spikes, std::vector<spike>& out) const {
  const bool every = std::all_of(selected_.begin(), selected_.end(), [](const spike_selection& s) {
    return s.which == spike_selection::mode::all && !s.windowed();
  });
  if (every) {
    out.insert(out.end(), spikes.begin(), spikes.end());
    return;
  }
  std::size_t p = 0;  // sorted by (step, gid): mostly the population of the spike before
  for (const spike& s : spikes) {
    if (s.gid >= offsets_.back()) continue;
    if (s.gid < offsets_[p] || s.gid >= offsets_[p + 1]) p = locate(s.gid).first;
    if (records(p, s.gid - offsets_[p], s.step)) out.push_back(s);
  }
}

std::pair<double, double> recording::recorded_window(std::size_t population) const {
  const spike_selection& sel = selected_.at(population);
  return {sel.start_ms, sel.stop_ms};
}

std::uint64_t recording::recorded_neurons(std::size_t population) const { return selected_.at(population).count; }

step_t recording::next_state_step(step_t from) const {
  step_t next = std::numeric_limits<step_t>::max();
  for (const auto& pr : probes_) {
    const step_t f = std::max(from, pr->from);
    const step_t due = (f + pr->interval - 1) / pr->interval * pr->interval;
    if (due < pr->to) next = std::min(next, due);
  }
  return next;
}

void recording::record_state(step_t now, const state_reader& read) {
  for (auto& pr : probes_) {
    if (now % pr->interval != 0 || now < pr->from || now >= pr->to) continue;
    read(pr->population, pr->variable, pr->ids, pr->values);
    if (pr->writer) pr->writer->append_frame(std::span<const double>(pr->values));  // stored in the run's precision
  }
}

void recording::write_provenance(const std::vector<std::pair<std::string, std::string>>& text,
                                 const std::vector<std::pair<std::string, double>>& numbers) {
  resume();
  if (file_) io::write_provenance(*file_, text, numbers);
}

// The file is closed between the runs of a continued simulation, so any reader can open it;
// the writers keep their counters and buffers and reattach to the same datasets.
// suspended_ is set on every process (only the writer has the file), so all agree on it.
void recording::record_weights(std::span<const weight_event> events) {
  if (!file_) return;
  for (const weight_event& e : events) {
    const double row[4] = {static_cast<double>(e.step + 1) * dt_, static_cast<double>(e.pre),
                           static_cast<double>(e.post), e.weight};
    weight_writers_.at(e.recorder)->append(row);
  }
}

void recording::suspend() {
  if (suspended_) return;
  if (file_) {
    for (auto& w : weight_writers_) w->detach();
    for (auto& w : spike_writers_)
      if (w) w->detach();
    for (auto& pr : probes_)
      if (pr->writer) pr->writer->detach();
    file_->close();
  }
  suspended_ = true;
}

void recording::resume() {
  if (!suspended_) return;
  if (file_) {
    file_->reopen();  // io_error if the file is gone or was replaced: suspended_ stays set
    for (auto& w : spike_writers_)
      if (w) w->reattach(*file_);
    for (auto& pr : probes_)
      if (pr->writer) pr->writer->reattach(*file_);
    for (auto& w : weight_writers_) w->reattach(*file_);
  }
  suspended_ = false;
}

void recording::flush() {
  if (!file_) return;
  for (auto& w : spike_writers_)
    if (w) w->flush();
  for (auto& pr : probes_)
    if (pr->writer) pr->writer->flush();
  for (auto& w : weight_writers_) w->flush();
  file_->flush();
}

void recording::fail(const std::string& what) {
  if (disk_full())
    status_ = "failed: disk full";
  else if (status_.rfind("failed", 0) != 0)
    status_ = "failed: " + what;
}

bool recording::disk_full() const { return file_ && file_->state()->full; }

std::string recording::finish_after_disk_full(std::vector<std::pair<std::string, std::string>> text,
                                              const std::vector<std::pair<std::string, double>>& numbers) {
  status_ = "failed: disk full";
  if (!file_) return "disk full while writing the output; the file was already closed";
  // What is in the file: every spike handed to HDF5 if the file is closed properly, else what the
  // last flush left on disk.
  std::uint64_t written = 0, flushed = 0;
  double written_ms = 0.0, flushed_ms = 0.0;
  for (const auto& w : spike_writers_)
    if (w) {
      written += w->written();
      flushed += w->flushed();
      written_ms = std::max(written_ms, w->last_written_ms());
      flushed_ms = std::max(flushed_ms, w->last_flushed_ms());
    }
  text.emplace_back("status", status_);
  bool closed = false;
  try {
    io::write_provenance(*file_, text, numbers);  // within the reserve kept for finishing the file
    close();
    closed = !file_;
  } catch (const std::exception&) {  // NOLINT(bugprone-empty-catch): the file keeps its last flush
  }
  if (file_) {  // close() failed: let go of it as it is on disk
    spike_writers_.clear();
    probes_.clear();
    weight_writers_.clear();
    file_->abandon();
    file_.reset();
  }
  char t[64];
  std::snprintf(t, sizeof t, "%.10g", closed ? written_ms : flushed_ms);
  return "disk full while writing the output: " + std::to_string(closed ? written : flushed) +
         " spikes up to t = " + t + " ms are in the file, which is readable and marked " +
         (closed ? "status = \"failed: disk full\"" : "incomplete (status = \"running\", as of its last flush)") +
         "; free some space or write elsewhere (-o) and run again";
}

void recording::close() {
  if (suspended_) {  // complete on disk since suspend(), nothing recorded after: just let go
    spike_writers_.clear();
    probes_.clear();
    weight_writers_.clear();
    file_.reset();
    suspended_ = false;
    return;
  }
  if (file_ && !file_->failed()) flush();
  spike_writers_.clear();  // datasets before the file
  probes_.clear();         // also on processes without the file: nothing is recorded after close
  weight_writers_.clear();
  if (!file_) return;
  const auto file = std::move(file_);
  file->close();  // abandons a broken file; throws only if finishing a sound one failed
}

// The killed run's file is read whole (16 bytes per spike) and its records up to the checkpoint
// go through the writers again, so the new file has the layout, counts and order of one written
// without interruption.
void recording::continue_from(const std::string& old_path, std::span<const std::uint64_t> spike_counts, step_t now,
                              std::span<const std::uint64_t> weight_counts) {
  if (!file_) return;
  const auto spikes = io::read_spikes(old_path);
  for (std::size_t p = 0; p < spike_writers_.size(); ++p) {
    if (!spike_writers_[p] || spike_counts[p] == 0) continue;
    const auto it = spikes.find(spike_writers_[p]->population());
    const std::uint64_t have = it == spikes.end() ? 0 : it->second.node_ids.size();
    if (have < spike_counts[p])
      throw io_error(old_path, "holds " + std::to_string(have) + " spikes of " + spike_writers_[p]->population() +
                                   ", fewer than the " + std::to_string(spike_counts[p]) +
                                   " the checkpoint counts: it is not the output of the run that wrote the checkpoint");
    const auto n = static_cast<std::size_t>(spike_counts[p]);
    spike_writers_[p]->append(std::span(it->second.node_ids).first(n), std::span(it->second.timestamps_ms).first(n));
  }
  const auto reports = io::read_reports(old_path);
  for (auto& pr : probes_) {
    if (!pr->writer) continue;
    // Frames at the multiples of interval in [from, min(now, to)).
    const auto frames_before = [&](step_t t) { return (t + pr->interval - 1) / pr->interval; };
    const step_t end = std::min(now, pr->to);
    const auto frames = static_cast<std::size_t>(end > pr->from ? frames_before(end) - frames_before(pr->from) : 0);
    const auto it = reports.find(pr->group);
    if (it == reports.end() || it->second.frames < frames || it->second.values != pr->ids.size())
      throw io_error(old_path, "/report/" + pr->group + " is missing or holds fewer than the " +
                                   std::to_string(frames) + " frames before the checkpoint's time");
    for (std::size_t f = 0; f < frames; ++f)
      pr->writer->append_frame(std::span(it->second.data).subspan(f * pr->ids.size(), pr->ids.size()));
  }
  for (std::size_t r = 0; r < weight_writers_.size() && r < weight_counts.size(); ++r) {
    if (weight_counts[r] == 0) continue;
    const auto t =
        io::read_table(old_path, weight_writers_[r]->where(), {"times", "pre", "post", "weight"}, weight_counts[r]);
    for (std::uint64_t i = 0; i < weight_counts[r]; ++i) {
      const double row[4] = {t[0][i], t[1][i], t[2][i], t[3][i]};
      weight_writers_[r]->append(row);
    }
  }
  flush();
}

}  // namespace neuromesh
