// Energy report output: JSON summary (SANA-FE run_summary style field names), a printable table,
// and the /energy group of the run's HDF5 file.
#include <neuromesh/core/routing/energy.hpp>

#include <cstdio>
#include <numeric>

#include <nlohmann/json.hpp>

#include <neuromesh/core/errors.hpp>

#include "report_hdf5.hpp"

namespace neuromesh::routing {
namespace {

using detail::hdf5_id;
using nlohmann::json;

json components_json(const energy_report& r) {
  json c = json::object();
  for (std::size_t i = 0; i < r.components.size(); ++i) c[energy_components()[i]] = r.components[i];
  return c;
}

json tables_json(const table_stats& t) {
  return {{"limit", t.limit},
          {"max_entries_before", t.max_before},
          {"max_entries_after", t.max_entries},
          {"total_entries_before", t.total_before},
          {"total_entries_after", t.total_after},
          {"default_routed_removed", t.default_removed},
          {"compression_ratio", t.total_after ? static_cast<double>(t.total_before) / t.total_after : 0.0},
          {"compression_seconds", t.compression_seconds}};
}

json usage_json(const hardware_mapping& m) {
  core_usage mx;
  for (const auto& u : m.place.usage) {
    mx.neurons = std::max(mx.neurons, u.neurons);
    mx.fan_in_synapses = std::max(mx.fan_in_synapses, u.fan_in_synapses);
    mx.input_axons = std::max(mx.input_axons, u.input_axons);
    mx.fan_out_edges = std::max(mx.fan_out_edges, u.fan_out_edges);
  }
  const auto& l = m.hw.limits;
  return {{"max_neurons", {mx.neurons, l.neurons}},
          {"max_fan_in_synapses", {mx.fan_in_synapses, l.fan_in_synapses}},
          {"max_input_axons", {mx.input_axons, l.input_axons}},
          {"max_fan_out_edges", {mx.fan_out_edges, l.fan_out_edges}}};
}

}  // namespace

std::string mapping_json(const hardware_mapping& m) {
  const auto& p = m.place;
  json j;
  j["hardware"] = m.hw.name;
  j["placement"] = p.algorithm;
  j["routing"] = to_string(m.routes.mode);
  j["seed"] = p.seed;
  j["neurons"] = m.n_neurons;
  j["synapses"] = m.n_synapses;
  j["cores_used"] = p.cores_used;
  j["chips_used"] = p.chips_used;
  j["cut_packets_per_s"] = p.cut_packets;
  j["edge_cut_events_per_s"] = p.edge_cut;
  j["hop_energy_w"] = p.hop_energy;
  j["max_link_load_packets_per_s"] = p.max_link_load;
  j["objective_j"] = p.objective;
  j["estimated_power_w"] = p.estimated_power;
  j["network_power_w"] = p.network_power;
  if (p.algorithm == "energy-aware") j["placement_objective"] = to_string(p.minimised);
  j["mapping_seconds"] = p.seconds;
  j["rates"] = m.rates.empty() ? "estimate: 1 Hz per neuron" : "profiling run";
  j["usage_vs_limit"] = usage_json(m);
  j["notes"] = p.notes;
  j["splitter_neurons"] = m.routes.splitter_neurons;
  if (m.routes.has_tables) j["routing_tables"] = tables_json(m.routes.tables);
  j["unverified_constants"] = m.hw.unverified();
  return j.dump(1) + "\n";
}

std::string describe(const hardware_mapping& m) {
  const auto& p = m.place;
  std::string out;
  char line[256];
  const std::string objective = p.algorithm == "energy-aware" ? " (objective " + to_string(p.minimised) + ")" : "";
  std::snprintf(line, sizeof line, "mapping on '%s' (%s): placement %s%s, routing %s, seed %llu\n", m.hw.name.c_str(),
                m.hw.description.c_str(), p.algorithm.c_str(), objective.c_str(), to_string(m.routes.mode).c_str(),
                static_cast<unsigned long long>(p.seed));
  out += line;
  std::snprintf(line, sizeof line, "%u neurons, %llu synapses on %u cores of %u chips (rates: %s)\n", m.n_neurons,
                static_cast<unsigned long long>(m.n_synapses), p.cores_used, p.chips_used,
                m.rates.empty() ? "1 Hz estimate" : "profiling run");
  out += line;
  std::snprintf(line, sizeof line,
                "inter-core packets %.6g /s (edge cut %.6g events/s), hop energy %.6g W, busiest link %.6g "
                "packets/s, objective J %.6g\nestimated power %.6g W (network %.6g W); mapping took %.3f s\n",
                p.cut_packets, p.edge_cut, p.hop_energy, p.max_link_load, p.objective, p.estimated_power,
                p.network_power, p.seconds);
  out += line;
  const json u = usage_json(m);
  for (const auto& [k, v] : u.items()) out += "  " + k + ": " + v[0].dump() + " (limit " + v[1].dump() + ")\n";
  if (m.routes.has_tables) {
    const auto& t = m.routes.tables;
    std::snprintf(line, sizeof line,
                  "routing tables: max %u entries per router before compression, %u after (limit %u); %llu -> %llu "
                  "in total, %u default-routed removed, %.3f s\n",
                  t.max_before, t.max_entries, t.limit, static_cast<unsigned long long>(t.total_before),
                  static_cast<unsigned long long>(t.total_after), t.default_removed, t.compression_seconds);
    out += line;
  }
  if (m.routes.splitter_neurons) out += "splitter neurons: " + std::to_string(m.routes.splitter_neurons) + "\n";
  for (const auto& n : p.notes) out += "  " + n + "\n";
  const auto flags = m.hw.unverified();
  if (!flags.empty()) {
    out += "UNVERIFIED constants in this hardware description:\n";
    for (const auto& f : flags) out += "  " + f + "\n";
  }
  return out;
}

std::string energy_report::to_json() const {
  json j;
  j["hardware"] = hardware;
  j["placement"] = placement;
  j["routing"] = routing;
  j["seed"] = seed;
  j["unverified_constants"] = unverified;
  j["notes"] = notes;
  j["energy_j"] = components_json(*this);
  j["total_energy_j"] = total_j;
  j["hardware_time_s"] = hardware_seconds;
  j["power_w"] = power_w;
  j["simulated_ms"] = simulated_ms;
  j["timesteps"] = steps;
  j["step_time_s"] = {{"mean", step_seconds_mean}, {"max", step_seconds_max}};
  j["traffic"] = {{"spikes", spikes},
                  {"splitter_spikes", splitter_spikes},
                  {"packets", packets},
                  {"synaptic_events", synaptic_events},
                  {"synaptic_updates", synaptic_updates},
                  {"hops_east_west", hops_ew},
                  {"hops_north_south", hops_ns},
                  {"hops_diagonal", hops_diag},
                  {"router_traversals", router_traversals},
                  {"inter_chip_packets", chip_crossings},
                  {"local_deliveries", local_deliveries},
                  {"max_link_load", max_link_load},
                  {"mean_link_load", mean_link_load},
                  {"link_imbalance", mean_link_load > 0 ? max_link_load / mean_link_load : 0.0},
                  {"busiest_link", busiest_link},
                  {"max_link_utilisation", max_link_utilisation},
                  {"steps_over_link_capacity", steps_over_link_capacity},
                  {"mean_hops_per_packet", mean_hops_per_packet}};
  j["neuron_updates"] = {{"active", neuron_updates_active}, {"idle", neuron_updates_idle}};
  j["hops_per_delivery"] = hops_per_delivery;
  j["hops_per_packet"] = hops_per_packet;
  if (has_tables) j["routing_tables"] = tables_json(tables);
  j["mapping"] = {{"cores_used", cores_used},
                  {"chips_used", chips_used},
                  {"cut_packets_per_s", cut_packets},
                  {"edge_cut_events_per_s", edge_cut},
                  {"objective_j", objective},
                  {"mapping_seconds", mapping_seconds},
                  {"seed", seed}};
  j["accounting_seconds"] = accounting_seconds;
  return j.dump(1) + "\n";
}

std::string energy_report::table() const {
  std::string out;
  char line[200];
  std::snprintf(line, sizeof line, "\nenergy on '%s' (placement %s, routing %s; %u cores on %u chips)\n",
                hardware.c_str(), placement.c_str(), routing.c_str(), cores_used, chips_used);
  out += line;
  std::snprintf(line, sizeof line, "%-22s %14s %8s\n", "component", "energy [J]", "share");
  out += line;
  for (std::size_t i = 0; i < components.size(); ++i) {
    std::snprintf(line, sizeof line, "%-22s %14.6g %7.2f%%\n", energy_components()[i].c_str(), components[i],
                  total_j > 0 ? 100.0 * components[i] / total_j : 0.0);
    out += line;
  }
  std::snprintf(line, sizeof line, "%-22s %14.6g\npower %.6g W over %.6g s of hardware time (%llu steps)\n", "total",
                total_j, power_w, hardware_seconds, static_cast<unsigned long long>(steps));
  out += line;
  std::snprintf(line, sizeof line,
                "spikes %llu, packets %llu, synaptic events %llu (updates %llu), hops E-W %llu N-S %llu diag %llu, "
                "inter-chip %llu\n",
                static_cast<unsigned long long>(spikes), static_cast<unsigned long long>(packets),
                static_cast<unsigned long long>(synaptic_events), static_cast<unsigned long long>(synaptic_updates),
                static_cast<unsigned long long>(hops_ew), static_cast<unsigned long long>(hops_ns),
                static_cast<unsigned long long>(hops_diag), static_cast<unsigned long long>(chip_crossings));
  out += line;
  std::snprintf(line, sizeof line, "busiest link %u: %.0f packets (mean over used links %.1f)\n", busiest_link,
                max_link_load, mean_link_load);
  out += line;
  if (has_tables) {
    std::snprintf(line, sizeof line, "routing tables: max %u entries (limit %u), %llu -> %llu in total\n",
                  tables.max_entries, tables.limit, static_cast<unsigned long long>(tables.total_before),
                  static_cast<unsigned long long>(tables.total_after));
    out += line;
  }
  if (!unverified.empty()) {
    out += "UNVERIFIED constants used by this report:\n";
    for (const auto& u : unverified) out += "  " + u + "\n";
  }
  return out;
}

void energy_report::write_hdf5(const std::string& path) const {
  io::detail::hdf5_quiet quiet;
  hdf5_id file(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT));
  if (!file.valid()) throw io_error(path, "cannot open the output file to add /energy");
  const hdf5_id g = detail::replace_group(file, "energy", path);
  const hid_t G = g.get();
  const auto write_text_attribute = [&](hid_t obj, const char* name, const std::string& text, const std::string& p) {
    detail::write_text_attribute(obj, "/energy", name, text, p);
  };
  const auto write_vector = [&](hid_t grp, const char* name, const auto& v, hid_t type, const std::string& p) {
    detail::write_vector(grp, "/energy", name, v, type, p);
  };
  std::string names;
  for (const auto& n : energy_components()) names += (names.empty() ? "" : ",") + n;
  write_text_attribute(G, "components", names, path);
  write_text_attribute(G, "hardware", hardware, path);
  write_text_attribute(G, "placement", placement, path);
  write_text_attribute(G, "routing", routing, path);
  std::string flags;
  for (const auto& u : unverified) flags += (flags.empty() ? "" : "\n") + u;
  write_text_attribute(G, "unverified_constants", flags, path);
  write_text_attribute(G, "summary_json", to_json(), path);
  write_vector(G, "component_joules", components, H5T_NATIVE_DOUBLE, path);
  write_vector(G, "core_index", core_index, H5T_NATIVE_UINT32, path);
  write_vector(G, "core_joules", core_joules, H5T_NATIVE_DOUBLE, path);
  write_vector(G, "chip_joules", chip_joules, H5T_NATIVE_DOUBLE, path);
  write_vector(G, "core_packets_in", core_packets_in, H5T_NATIVE_UINT64, path);
  write_vector(G, "core_packets_out", core_packets_out, H5T_NATIVE_UINT64, path);
  write_vector(G, "core_synaptic_events", core_synaptic_events, H5T_NATIVE_UINT64, path);
  write_vector(G, "link_packets", link_packets, H5T_NATIVE_UINT64, path);
  write_vector(G, "hops_per_delivery", hops_per_delivery, H5T_NATIVE_UINT64, path);
  write_vector(G, "hops_per_packet", hops_per_packet, H5T_NATIVE_UINT64, path);
  write_vector(G, "bin_joules", bin_joules, H5T_NATIVE_DOUBLE, path);
  write_vector(G, "bin_spikes", bin_spikes, H5T_NATIVE_UINT64, path);
  write_vector(G, "bin_packets", bin_packets, H5T_NATIVE_UINT64, path);
  write_vector(G, "link_bin_packets", link_bin_packets, H5T_NATIVE_UINT32, path);
  write_vector(G, "bin_ms", std::vector<double>{bin_ms}, H5T_NATIVE_DOUBLE, path);
}

}  // namespace neuromesh::routing
