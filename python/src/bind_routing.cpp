// The neuromorphic hardware model from Python: presets, mapping a network onto a chip (placement,
// routes, tables) and accounting the energy of a run's spikes. Network.run accounts during the
// run, as the CLI does (neuromesh::run, bind_run.cpp); account_energy replays recorded spikes
// through the same accountant (nm.hardware.account; docs/routing.md: neuron updates differ).
#include <cstdio>

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <neuromesh/api.hpp>
#include <neuromesh/core/errors.hpp>
#include <neuromesh/core/routing/rank_mapping.hpp>

#include "bindings.hpp"
#include "py_types.hpp"

namespace py = pybind11;

namespace neuromesh::python {
namespace {

template <class T>
py::array_t<T> array_of(const std::vector<T>& v) {
  py::array_t<T> out(static_cast<py::ssize_t>(v.size()));
  std::copy(v.begin(), v.end(), out.mutable_data());
  return out;
}

py::object json_loads(const std::string& text) { return py::module_::import("json").attr("loads")(text); }

py::dict hardware_dict(const routing::hardware& hw) {
  py::dict constants;
  for (const auto& [name, c] : hw.constants)
    constants[py::str(name)] =
        py::dict(py::arg("value_si") = c.value, py::arg("unit") = c.unit, py::arg("source") = c.source,
                 py::arg("status") = c.status, py::arg("flagged") = c.flagged());
  py::dict d;
  d["name"] = hw.name;
  d["description"] = hw.description;
  d["chips"] = py::make_tuple(hw.chips_x, hw.chips_y);
  d["mesh"] = py::make_tuple(hw.mesh_x, hw.mesh_y);
  d["cores_per_router"] = hw.cores_per_router;
  d["cores"] = hw.n_cores();
  d["routing"] = routing::to_string(hw.routing);
  d["limits"] =
      py::dict(py::arg("neurons") = hw.limits.neurons, py::arg("fan_in_synapses") = hw.limits.fan_in_synapses,
               py::arg("input_axons") = hw.limits.input_axons, py::arg("fan_out_edges") = hw.limits.fan_out_edges,
               py::arg("router_entries") = hw.limits.router_entries);
  d["constants"] = constants;
  d["unverified"] = hw.unverified();
  return d;
}

// Router grid positions of cores and links, for plots over the mesh.
py::dict layout_of(const routing::hardware_mapping& m) {
  const auto& t = m.topo;
  std::vector<std::uint32_t> cx, cy, lfx, lfy, ltx, lty, inter;
  std::vector<std::string> dir;
  for (std::uint32_t c = 0; c < t.n_cores(); ++c)
    cx.push_back(t.router(t.router_of_core(c)).x), cy.push_back(t.router(t.router_of_core(c)).y);
  for (const auto& l : t.links()) {
    lfx.push_back(t.router(l.from).x), lfy.push_back(t.router(l.from).y);
    ltx.push_back(t.router(l.to).x), lty.push_back(t.router(l.to).y);
    dir.emplace_back(routing::to_string(l.dir));
    inter.push_back(l.inter_chip);
  }
  py::dict d;
  d["core_x"] = array_of(cx), d["core_y"] = array_of(cy);
  d["link_from_x"] = array_of(lfx), d["link_from_y"] = array_of(lfy);
  d["link_to_x"] = array_of(ltx), d["link_to_y"] = array_of(lty);
  d["link_direction"] = dir;
  d["link_inter_chip"] = array_of(inter);
  return d;
}

// Entries of every router's table (routing-table benchmarks: how many of them fit).
py::dict table_sizes(const routing::routing_tables& t) {
  std::vector<std::uint32_t> before, after_default, after, default_routed;
  for (const auto& r : t.routers) {
    before.push_back(r.before), after_default.push_back(r.after_default);
    after.push_back(static_cast<std::uint32_t>(r.entries.size()));
    default_routed.push_back(static_cast<std::uint32_t>(r.default_routed.size()));
  }
  return py::dict(py::arg("before") = array_of(before), py::arg("after_default") = array_of(after_default),
                  py::arg("after") = array_of(after), py::arg("default_routed") = array_of(default_routed),
                  py::arg("limit") = t.limit, py::arg("compression_seconds") = t.compression_seconds);
}

py_mapping map_network(network net, const std::string& hardware, const std::string& placement, std::uint64_t seed,
                       double profile_ms, const std::string& routing, bool splitters,
                       std::pair<std::uint32_t, std::uint32_t> chips, int threads, const std::string& objective) {
  const hardware_options o{.hardware = hardware,
                           .placement = placement,
                           .objective = objective,
                           .seed = seed,
                           .profile_ms = profile_ms,
                           .routing = routing,
                           .splitters = splitters,
                           .chips_x = chips.first,
                           .chips_y = chips.second,
                           .threads = threads};
  py::gil_scoped_release release;
  auto m = map_to_hardware(net, o);
  return {std::move(m), std::move(net)};
}

// The energy of spikes (global ids, steps; sorted by step) over n_steps steps.
py::dict account(const py_mapping& pm, py::array_t<std::uint32_t> gids, py::array_t<std::int64_t> steps,
                 std::int64_t n_steps, std::optional<std::uint64_t> neuron_updates, double bin_ms,
                 const std::string& output, bool detail) {
  if (gids.size() != steps.size()) throw config_error("spikes", "ids and steps differ in length");
  if (n_steps < 0) throw config_error("steps", "must be >= 0");
  std::vector<spike> sp(static_cast<std::size_t>(gids.size()));
  const auto g = gids.unchecked<1>();
  const auto s = steps.unchecked<1>();
  for (py::ssize_t i = 0; i < gids.size(); ++i) {
    if (g(i) >= pm.m->n_neurons) throw config_error("spikes", "id " + std::to_string(g(i)) + " is not a neuron");
    if (s(i) < 0 || s(i) >= n_steps) throw config_error("spikes", "step outside the run");
    sp[static_cast<std::size_t>(i)] = {s(i), g(i)};
  }
  std::stable_sort(sp.begin(), sp.end());
  routing::energy_accountant acc(pm.m, bin_ms, detail);
  routing::energy_report r;
  {
    py::gil_scoped_release release;
    acc.add_spikes(0, n_steps, sp);
    r = acc.finish(static_cast<std::uint64_t>(n_steps), neuron_updates);
    if (!output.empty()) {
      r.write_hdf5(output);
      const std::string json = output + ".energy.json";
      std::FILE* f = std::fopen(json.c_str(), "w");
      if (!f) throw io_error(json, "cannot write the energy summary");
      const std::string text = r.to_json();
      const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
      if (std::fclose(f) != 0 || !ok) throw io_error(json, "writing the energy summary failed");
    }
  }
  return energy_report_dict(r);
}

// Owner rank per gid: "two-level" (chips or cores grouped by traffic, routing/rank_mapping.hpp) or
// "plain" (contiguous chips, or the (core, gid) order cut into equal blocks).
std::vector<std::uint32_t> owners(const py_mapping& p, int n, const std::string& method) {
  if (method == "two-level") return routing::two_level_rank_map(*p.m, n);
  if (method == "plain") return routing::rank_of_gid(p.m->place, p.m->topo, n);
  throw config_error("method", "'" + method + "' is not 'two-level' or 'plain'");
}

py::dict timing_dict(const routing::timing_report& r) {
  py::dict d = json_loads(r.to_json());
  d["lateness_steps"] = array_of(r.lateness_steps);
  d["table"] = r.table();
  return d;
}

}  // namespace

py::dict energy_report_dict(const routing::energy_report& r) {
  py::dict d = json_loads(r.to_json());
  d["components"] = routing::energy_components();
  d["component_joules"] = r.components;
  d["core_index"] = array_of(r.core_index);
  d["core_joules"] = array_of(r.core_joules);
  d["chip_joules"] = array_of(r.chip_joules);
  d["core_packets_in"] = array_of(r.core_packets_in);
  d["core_packets_out"] = array_of(r.core_packets_out);
  d["core_synaptic_events"] = array_of(r.core_synaptic_events);
  d["link_packets"] = array_of(r.link_packets);
  d["bin_ms"] = r.bin_ms;
  d["bin_joules"] = array_of(r.bin_joules);
  d["bin_spikes"] = array_of(r.bin_spikes);
  d["table"] = r.table();
  return d;
}

void register_routing(py::module_& m) {
  m.def("hardware_presets", &hardware_preset_names);
  m.def("profile_rates", &profile_rates, py::arg("spec"), py::arg("duration_ms"), py::arg("threads") = 0,
        py::call_guard<py::gil_scoped_release>());
  m.def(
      "hardware_info", [](const std::string& name) { return hardware_dict(load_hardware(name)); },
      py::arg("name_or_path"));
  py::class_<py_mapping>(m, "HardwareMapping")
      .def("summary", [](const py_mapping& p) { return json_loads(routing::mapping_json(*p.m)); })
      .def("describe", [](const py_mapping& p) { return routing::describe(*p.m); })
      .def("core_of", [](const py_mapping& p) { return array_of(p.m->place.core_of); })
      .def("layout", [](const py_mapping& p) { return layout_of(*p.m); })
      .def("table_sizes", [](const py_mapping& p) { return table_sizes(p.m->routes.tables); })
      .def(
          "rank_of_gid",
          [](const py_mapping& p, int n, const std::string& method) { return array_of(owners(p, n, method)); },
          py::arg("ranks"), py::arg("method") = "two-level")
      .def(
          "inter_rank_traffic",
          [](const py_mapping& p, int n, std::optional<std::vector<double>> rates, const std::string& method) {
            const auto owner = owners(p, n, method);
            if (rates && rates->size() != p.m->n_neurons)
              throw config_error("rates", "give one rate per neuron (" + std::to_string(p.m->n_neurons) + ")");
            const auto t =
                routing::inter_rank_traffic(owner, routing::build_connectivity(p.net), rates ? *rates : p.m->rates, n);
            return py::dict(py::arg("messages_per_s") = t.messages_per_s, py::arg("bytes_per_s") = t.bytes_per_s,
                            py::arg("local_fraction") = t.local_fraction, py::arg("sent_per_rank") = t.sent_per_rank);
          },
          py::arg("ranks"), py::arg("rates") = py::none(), py::arg("method") = "two-level");
  m.def("map_network", &map_network, py::arg("spec"), py::arg("hardware"), py::arg("placement") = "sequential",
        py::arg("seed") = 1, py::arg("profile_ms") = 200.0, py::arg("routing") = "", py::arg("splitters") = false,
        py::arg("chips") = std::pair<std::uint32_t, std::uint32_t>{0, 0}, py::arg("threads") = 0,
        py::arg("objective") = "energy");
  py::class_<routing::link_timing_filter, std::shared_ptr<routing::link_timing_filter>>(m, "TimingFilter")
      .def("report", [](const routing::link_timing_filter& f) { return timing_dict(f.report()); });
  m.def("account_energy", &account, py::arg("mapping"), py::arg("gids"), py::arg("steps"), py::arg("n_steps"),
        py::arg("neuron_updates") = py::none(), py::arg("bin_ms") = 10.0, py::arg("output") = "",
        py::arg("detail") = false);
}

}  // namespace neuromesh::python
