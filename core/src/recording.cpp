#include <algorithm>
#include <limits>

#include <neuromesh/core/errors.hpp>
#include <neuromesh/core/io/sonata_writer.hpp>
#include <neuromesh/core/recording.hpp>

namespace neuromesh {

// One state report: a variable of selected neurons every `interval` steps.
struct recording::probe {
  std::size_t population;
  int variable;
  std::vector<index_t> ids;
  step_t interval;
  std::unique_ptr<io::report_writer> writer;
  std::vector<double> values;
  std::vector<float> frame;
};

recording::recording(const network& net, const engine& eng, const std::string& path, bool writer) : dt_(net.dt) {
  spike_writers_.resize(net.populations.size());
  if (path.empty()) return;
  if (writer) file_ = std::make_unique<io::output_file>(path);
  const bool any_spike_recorder =
      std::any_of(net.recorders.begin(), net.recorders.end(), [](const recorder& r) { return r.variable == "spikes"; });
  for (std::size_t p = 0; p < net.populations.size(); ++p) {
    const bool wanted =
        !any_spike_recorder || std::any_of(net.recorders.begin(), net.recorders.end(), [&](const recorder& r) {
          return r.variable == "spikes" && r.population == net.populations[p].label;
        });
    if (wanted && file_) spike_writers_[p] = std::make_unique<io::spike_writer>(*file_, net.populations[p].label);
  }
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
    pr->interval = std::max<step_t>(1, static_cast<step_t>(std::llround(r.interval / net.dt)));
    std::vector<std::uint64_t> node_ids(pr->ids.begin(), pr->ids.end());
    // libsonata and bmtk look for /report/<pop>: the first variable of a population goes there,
    // further ones to /report/<pop>_<variable> (each group also carries data@variable).
    const bool first =
        std::none_of(probes_.begin(), probes_.end(), [&](const auto& q) { return q->population == pr->population; });
    const std::string group = first ? r.population : r.population + "_" + r.variable;
    if (file_)
      pr->writer = std::make_unique<io::report_writer>(*file_, r.population, r.variable, units, node_ids, 0.0,
                                                       static_cast<double>(pr->interval) * net.dt, group);
    pr->values.resize(pr->ids.size());
    pr->frame.resize(pr->ids.size());
    probes_.push_back(std::move(pr));
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
    id_buf_.clear();
    time_buf_.clear();
    for (const spike& s : spikes)
      if (s.gid >= offsets[p] && s.gid < offsets[p + 1]) {
        id_buf_.push_back(s.gid - offsets[p]);
        time_buf_.push_back(static_cast<double>(s.step + 1) * dt_);
      }
    if (!id_buf_.empty()) spike_writers_[p]->append(id_buf_, time_buf_);
  }
}

step_t recording::next_state_step(step_t from) const {
  step_t next = std::numeric_limits<step_t>::max();
  for (const auto& pr : probes_) next = std::min(next, (from + pr->interval - 1) / pr->interval * pr->interval);
  return next;
}

void recording::record_state(step_t now, const state_reader& read) {
  for (auto& pr : probes_) {
    if (now % pr->interval != 0) continue;
    read(pr->population, pr->variable, pr->ids, pr->values);
    if (!pr->writer) continue;
    std::transform(pr->values.begin(), pr->values.end(), pr->frame.begin(),
                   [](double v) { return static_cast<float>(v); });
    pr->writer->append_frame(pr->frame);
  }
}

void recording::write_provenance(const std::vector<std::pair<std::string, std::string>>& text,
                                 const std::vector<std::pair<std::string, double>>& numbers) {
  if (file_) io::write_provenance(*file_, text, numbers);
}

void recording::flush() {
  if (!file_) return;
  for (auto& w : spike_writers_)
    if (w) w->flush();
  for (auto& pr : probes_)
    if (pr->writer) pr->writer->flush();
  file_->flush();
}

void recording::close() {
  if (file_) flush();
  spike_writers_.clear();
  probes_.clear();  // also on processes without the file: nothing is recorded after close
  if (!file_) return;
  file_->close();
  file_.reset();
}

}  // namespace neuromesh
