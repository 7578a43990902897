// Timing mode results: the comparison with the ideal run, JSON summary, printable table and the
// /timing group of the run's HDF5 file.
#include <neuromesh/core/routing/timing.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "report_hdf5.hpp"

namespace neuromesh::routing {
namespace {

struct isi_statistics {
  std::vector<double> pooled;  // every ISI [ms]
  double cv_mean = 0;          // mean CV over neurons with >= 3 spikes
  std::vector<std::uint64_t> count;
};

isi_statistics isi_of(std::span<const spike> spikes, std::uint32_t n, double dt_ms) {
  isi_statistics st;
  st.count.assign(n, 0);
  std::vector<step_t> last(n, -1);
  std::vector<double> sum(n, 0.0), sum2(n, 0.0);
  for (const spike& s : spikes) {  // sorted by step: each neuron's spikes come in time order
    if (s.gid >= n) continue;
    if (last[s.gid] >= 0) {
      const double isi = static_cast<double>(s.step - last[s.gid]) * dt_ms;
      st.pooled.push_back(isi);
      sum[s.gid] += isi;
      sum2[s.gid] += isi * isi;
    }
    last[s.gid] = s.step;
    ++st.count[s.gid];
  }
  std::size_t neurons = 0;
  for (std::uint32_t g = 0; g < n; ++g) {
    if (st.count[g] < 3) continue;
    const double k = static_cast<double>(st.count[g] - 1), mean = sum[g] / k;
    const double var = std::max(0.0, sum2[g] / k - mean * mean);
    if (mean > 0) st.cv_mean += std::sqrt(var) / mean, ++neurons;
  }
  if (neurons) st.cv_mean /= static_cast<double>(neurons);
  std::sort(st.pooled.begin(), st.pooled.end());
  return st;
}

double mean_of(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? 0.0 : s / static_cast<double>(v.size());
}

// Largest distance between the empirical distribution functions of two sorted samples.
double ks_distance(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.empty() || b.empty()) return a.empty() && b.empty() ? 0.0 : 1.0;
  double d = 0;
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    const double x = std::min(a[i], b[j]);
    while (i < a.size() && a[i] <= x) ++i;
    while (j < b.size() && b[j] <= x) ++j;
    d = std::max(d, std::abs(static_cast<double>(i) / a.size() - static_cast<double>(j) / b.size()));
  }
  return d;
}

}  // namespace

spike_train_comparison compare_spike_trains(std::span<const spike> ideal, std::span<const spike> timed,
                                            std::uint32_t n_neurons, double dt_ms, double duration_ms) {
  spike_train_comparison c;
  c.spikes_ideal = ideal.size();
  c.spikes_timed = timed.size();
  // Both are sorted by (step, gid): a merge counts the spikes they share.
  for (std::size_t i = 0, j = 0; i < ideal.size() && j < timed.size();) {
    if (ideal[i] < timed[j])
      ++i;
    else if (timed[j] < ideal[i])
      ++j;
    else
      ++c.spikes_identical, ++i, ++j;
  }
  const isi_statistics a = isi_of(ideal, n_neurons, dt_ms), b = isi_of(timed, n_neurons, dt_ms);
  c.mean_isi_ideal_ms = mean_of(a.pooled);
  c.mean_isi_timed_ms = mean_of(b.pooled);
  c.cv_isi_ideal = a.cv_mean;
  c.cv_isi_timed = b.cv_mean;
  c.isi_ks_distance = ks_distance(a.pooled, b.pooled);
  if (duration_ms > 0 && n_neurons > 0) {
    double sum = 0;
    for (std::uint32_t g = 0; g < n_neurons; ++g)
      sum += std::abs(static_cast<double>(b.count[g]) - static_cast<double>(a.count[g]));
    c.mean_abs_rate_change_hz = sum / (duration_ms * 1e-3) / n_neurons;
  }
  return c;
}

double timing_report::mean_late_ms() const {
  double steps = 0;
  for (std::size_t k = 0; k < lateness_steps.size(); ++k) steps += static_cast<double>(k * lateness_steps[k]);
  return late ? steps * dt_ms / static_cast<double>(late) : 0.0;
}

std::string timing_report::to_json(bool histogram) const {
  nlohmann::json j;
  j["hardware"] = hardware;
  j["mode"] = mode;
  j["link_capacity_packets_per_step"] = packets_per_step;
  j["dt_ms"] = dt_ms;
  j["traffic"] = {{"packets", packets}, {"link_traversals", link_traversals}, {"packets_dropped", packets_dropped}};
  j["not_spent_by_dropped_packets"] = {{"links_not_crossed", links_not_crossed},
                                       {"synaptic_events_not_delivered", synaptic_events_not_delivered},
                                       {"energy_j", energy_not_spent_j}};
  j["deliveries"] = {{"total", deliveries}, {"on_time", on_time}, {"late", late}, {"dropped", dropped}};
  j["late"] = {{"mean_ms", mean_late_ms()},
               {"max_steps", max_late_steps},
               {"histogram_steps", histogram ? lateness_steps : std::vector<std::uint64_t>{}},
               {"max_link_backlog_packets", max_link_backlog},
               {"congested_steps", congested_steps}};
  j["spike_disorder"] = spike_disorder;
  j["isi_distortion"] = {{"mean_ms", isi_distortion_ms}, {"max_ms", isi_distortion_max_ms}, {"pairs", isi_pairs}};
  j["filter_seconds"] = filter_seconds;
  if (has_reference)
    j["against_ideal_run"] = {{"spikes_ideal", reference.spikes_ideal},
                              {"spikes_timed", reference.spikes_timed},
                              {"spikes_identical", reference.spikes_identical},
                              {"mean_isi_ideal_ms", reference.mean_isi_ideal_ms},
                              {"mean_isi_timed_ms", reference.mean_isi_timed_ms},
                              {"cv_isi_ideal", reference.cv_isi_ideal},
                              {"cv_isi_timed", reference.cv_isi_timed},
                              {"isi_ks_distance", reference.isi_ks_distance},
                              {"mean_abs_rate_change_hz", reference.mean_abs_rate_change_hz}};
  return j.dump(1);
}

std::string timing_report::table() const {
  std::string out;
  char line[256];
  const auto pct = [&](std::uint64_t k) { return deliveries ? 100.0 * static_cast<double>(k) / deliveries : 0.0; };
  std::snprintf(line, sizeof line, "timing on %s: links forward %u packets per step (%s mode)\n", hardware.c_str(),
                packets_per_step, mode.c_str());
  out += line;
  std::snprintf(line, sizeof line, "  packets %llu, link traversals %llu, congested steps %llu, max backlog %llu\n",
                static_cast<unsigned long long>(packets), static_cast<unsigned long long>(link_traversals),
                static_cast<unsigned long long>(congested_steps), static_cast<unsigned long long>(max_link_backlog));
  out += line;
  std::snprintf(line, sizeof line,
                "  deliveries to cores %llu: on time %.2f %%, late %.2f %% (mean %.3f ms, max %llu steps), "
                "dropped %.2f %%\n",
                static_cast<unsigned long long>(deliveries), pct(on_time), pct(late), mean_late_ms(),
                static_cast<unsigned long long>(max_late_steps), pct(dropped));
  out += line;
  if (packets_dropped) {
    std::snprintf(line, sizeof line,
                  "  dropped packets left %llu link crossings and %llu synaptic events undone: %.6g J of the "
                  "energy report (which counts every emitted spike in full)\n",
                  static_cast<unsigned long long>(links_not_crossed),
                  static_cast<unsigned long long>(synaptic_events_not_delivered), energy_not_spent_j);
    out += line;
  }
  std::snprintf(line, sizeof line,
                "  received ISI distortion %.4f ms (max %.3f ms), spike disorder %llu; timing model took %.3f s\n",
                isi_distortion_ms, isi_distortion_max_ms, static_cast<unsigned long long>(spike_disorder),
                filter_seconds);
  out += line;
  if (has_reference) {
    const auto& r = reference;
    std::snprintf(line, sizeof line,
                  "  against the ideal run: spikes %llu -> %llu (%.1f %% identical), mean ISI %.3f -> %.3f ms, "
                  "CV %.3f -> %.3f, ISI KS distance %.4f, mean |rate change| %.3f Hz\n",
                  static_cast<unsigned long long>(r.spikes_ideal), static_cast<unsigned long long>(r.spikes_timed),
                  r.spikes_ideal ? 100.0 * static_cast<double>(r.spikes_identical) / r.spikes_ideal : 100.0,
                  r.mean_isi_ideal_ms, r.mean_isi_timed_ms, r.cv_isi_ideal, r.cv_isi_timed, r.isi_ks_distance,
                  r.mean_abs_rate_change_hz);
    out += line;
  }
  return out;
}

void timing_report::write_hdf5(const std::string& path) const {
  io::detail::hdf5_quiet quiet;
  detail::hdf5_id file(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT));
  if (!file.valid()) throw io_error(path, "cannot open the output file to add /timing");
  const detail::hdf5_id g = detail::replace_group(file, "timing", path);
  detail::write_text_attribute(g.get(), "/timing", "mode", mode, path);
  detail::write_text_attribute(g.get(), "/timing", "hardware", hardware, path);
  // The histogram is a dataset of its own: an attribute holds at most 64 kB.
  detail::write_text_attribute(g.get(), "/timing", "summary_json", to_json(false), path);
  detail::write_vector(g.get(), "/timing", "lateness_histogram_steps", lateness_steps, H5T_NATIVE_UINT64, path);
  const std::vector<std::uint64_t> counts = {
      deliveries, on_time, late, dropped, packets, packets_dropped, links_not_crossed, synaptic_events_not_delivered};
  detail::write_vector(g.get(), "/timing", "delivery_counts", counts, H5T_NATIVE_UINT64, path);
  detail::write_text_attribute(g.get(), "/timing", "delivery_counts_fields",
                               "deliveries,on_time,late,dropped,packets,packets_dropped,links_not_crossed,"
                               "synaptic_events_not_delivered",
                               path);
}

}  // namespace neuromesh::routing
