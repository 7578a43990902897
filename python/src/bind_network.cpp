// The network description as a builder: Python adds populations, projections, stimuli and
// recorders to a C++ `network` value; values are numbers, sequences (numpy arrays) or
// Distribution objects, converted once here. Validation is the core's (api.hpp: validate).
#include <pybind11/stl.h>

#include <neuromesh/api.hpp>
#include <neuromesh/core/errors.hpp>
#include <neuromesh/core/network_json.hpp>

#include "bindings.hpp"

namespace py = pybind11;

namespace neuromesh::python {
namespace {

distribution make_distribution(const std::string& kind, double a, double b, double low, double high) {
  return {distribution_kind_from_name(kind, "distribution"), a, b, low, high};
}

void add_projection(network& net, const std::string& pre, const std::string& post, const std::string& kind, double p,
                    std::uint64_t n, bool autapses, bool multapses, std::vector<index_t> sources,
                    std::vector<index_t> targets, value_spec weight, value_spec delay, const std::string& rec,
                    std::pair<index_t, index_t> pre_slice, std::pair<index_t, index_t> post_slice, double sigma,
                    const std::string& synapse, std::map<std::string, double> synapse_parameters,
                    const py::dict& sonata, const py::dict& conv2d, int receptor_type) {
  projection pr;
  pr.pre = pre;
  pr.post = post;
  pr.pre_view = {pre_slice.first, pre_slice.second};
  pr.post_view = {post_slice.first, post_slice.second};
  pr.conn.type = connector_kind_from_name(kind, "connector");
  pr.conn.p = p;
  pr.conn.sigma = sigma;
  pr.conn.n = n;
  pr.conn.autapses = autapses;
  pr.conn.multapses = multapses;
  pr.conn.sources = std::move(sources);
  pr.conn.targets = std::move(targets);
  if (!sonata.empty()) {  // connector "sonata": the keys of sonata_edges (network.hpp)
    sonata_edges& e = pr.conn.edges;
    for (const auto& [key, value] : sonata) {
      const auto k = key.cast<std::string>();
      if (k == "file")
        e.file = value.cast<std::string>();
      else if (k == "population")
        e.population = value.cast<std::string>();
      else if (k == "source_first")
        e.source_first = value.cast<std::uint64_t>();
      else if (k == "target_first")
        e.target_first = value.cast<std::uint64_t>();
      else if (k == "source_nodes")
        e.source_nodes = value.cast<std::uint64_t>();
      else if (k == "target_nodes")
        e.target_nodes = value.cast<std::uint64_t>();
      else if (k == "edge_types")
        e.edge_types = value.cast<std::vector<std::int64_t>>();
      else if (k == "type_weight")
        e.type_weight = value.cast<std::vector<double>>();
      else if (k == "type_delay")
        e.type_delay = value.cast<std::vector<double>>();
      else if (k == "sign")
        e.sign = value.cast<int>();
      else if (k == "chunk")
        e.chunk = value.cast<std::uint64_t>();
      else
        throw config_error("connector.sonata." + k, "unknown key");
    }
  }
  for (const auto& [key, value] : conv2d) {  // connector "conv2d": the keys of conv2d_geometry (core/conv2d.hpp)
    conv2d_geometry& g = pr.conn.conv;
    const auto k = key.cast<std::string>();
    const auto ints = [&](auto& out) {
      const auto v = value.cast<std::vector<std::uint32_t>>();
      if (v.size() != out.size())
        throw config_error("connector.conv2d." + k, "expected " + std::to_string(out.size()) + " integers");
      std::copy(v.begin(), v.end(), out.begin());
    };
    if (k == "input_shape")
      ints(g.input);
    else if (k == "kernel_shape")
      ints(g.kernel_shape);
    else if (k == "kernel")
      g.kernel = value.cast<std::vector<double>>();
    else if (k == "stride")
      ints(g.stride);
    else if (k == "padding")
      ints(g.padding);
    else if (k == "dilation")
      ints(g.dilation);
    else if (k == "groups")
      g.groups = value.cast<std::uint32_t>();
    else
      throw config_error("connector.conv2d." + k, "unknown key");
  }
  pr.weight = std::move(weight);
  pr.delay = std::move(delay);
  pr.target = receptor_from_name(rec, "receptor");
  pr.receptor_type = receptor_type;  // a multisynapse port (validate() checks it), 0: none
  pr.synapse = synapse;
  pr.synapse_parameters = std::move(synapse_parameters);
  net.projections.push_back(std::move(pr));
}

void bind_distribution(py::module_& m) {
  py::class_<distribution>(m, "Distribution")
      .def(py::init(&make_distribution), py::arg("kind"), py::arg("a"), py::arg("b") = 0.0,
           py::arg("low") = -std::numeric_limits<double>::infinity(),
           py::arg("high") = std::numeric_limits<double>::infinity())
      .def_readonly("a", &distribution::a)
      .def_readonly("b", &distribution::b)
      .def_readonly("low", &distribution::low)
      .def_readonly("high", &distribution::high);
}

}  // namespace

void register_network(py::module_& m) {
  bind_distribution(m);
  py::class_<network>(m, "NetworkSpec")
      .def(py::init<>())
      .def_readwrite("name", &network::name)
      .def_readwrite("dt", &network::dt)
      .def_readwrite("seed", &network::seed)
      .def_readwrite("duration", &network::duration)
      .def(
          "add_population",
          [](network& net, const std::string& label, index_t size, const std::string& model,
             std::map<std::string, value_spec> params, std::map<std::string, value_spec> initial,
             std::vector<std::vector<double>> spike_times, bool allow_offgrid_times) {
            net.populations.push_back({label, size, model, std::move(params), std::move(initial),
                                       std::move(spike_times), allow_offgrid_times});
          },
          py::arg("label"), py::arg("size"), py::arg("model"), py::arg("params") = std::map<std::string, value_spec>{},
          py::arg("initial") = std::map<std::string, value_spec>{},
          py::arg("spike_times") = std::vector<std::vector<double>>{}, py::arg("allow_offgrid_times") = false)
      .def("add_projection", &add_projection, py::arg("pre"), py::arg("post"), py::arg("connector"), py::arg("p") = 0.0,
           py::arg("n") = 0, py::arg("autapses") = true, py::arg("multapses") = true,
           py::arg("sources") = std::vector<index_t>{}, py::arg("targets") = std::vector<index_t>{}, py::arg("weight"),
           py::arg("delay"), py::arg("receptor") = "by_sign",
           py::arg("pre_slice") = std::pair<index_t, index_t>{0, view{}.end},
           py::arg("post_slice") = std::pair<index_t, index_t>{0, view{}.end}, py::arg("sigma") = 0.0,
           py::arg("synapse") = "static", py::arg("synapse_parameters") = std::map<std::string, double>{},
           py::arg("sonata") = py::dict(), py::arg("conv2d") = py::dict(), py::arg("receptor_type") = 0)
      .def(
          "add_poisson",
          [](network& net, const std::string& target, double rate, double weight, const std::string& rec) {
            net.stimuli.push_back({.type = stimulus::kind::poisson_generator,
                                   .target = target,
                                   .rate = rate,
                                   .weight = weight,
                                   .target_receptor = receptor_from_name(rec, "receptor")});
          },
          py::arg("target"), py::arg("rate"), py::arg("weight"), py::arg("receptor") = "by_sign")
      .def(
          "add_dc",
          [](network& net, const std::string& target, double amplitude, double start, double stop) {
            net.stimuli.push_back({.type = stimulus::kind::dc_source,
                                   .target = target,
                                   .amplitude = amplitude,
                                   .start = start,
                                   .stop = stop});
          },
          py::arg("target"), py::arg("amplitude"), py::arg("start") = 0.0,
          py::arg("stop") = std::numeric_limits<double>::infinity())
      .def(
          "add_stimulus_json",
          [](network& net, const std::string& text, const std::string& where) {
            net.stimuli.push_back(parse_stimulus_json(text, where));
          },
          py::arg("text"), py::arg("where") = "stimulus")
      .def(
          "add_recorder",
          [](network& net, const std::string& pop, const std::string& variable, double interval,
             std::vector<index_t> ids, double start, double stop) {
            net.recorders.push_back({pop, variable, interval, std::move(ids), start, stop});
          },
          py::arg("population"), py::arg("variable"), py::arg("interval") = 1.0,
          py::arg("ids") = std::vector<index_t>{}, py::kw_only(), py::arg("start") = 0.0,
          py::arg("stop") = std::numeric_limits<double>::infinity())
      .def(
          "add_weight_recorder",
          [](network& net, std::size_t projection, std::vector<index_t> pre, std::vector<index_t> post,
             const std::string& label) {
            net.weight_recorders.push_back({projection, std::move(pre), std::move(post), label});
          },
          py::arg("projection"), py::arg("pre") = std::vector<index_t>{}, py::arg("post") = std::vector<index_t>{},
          py::arg("label") = "")
      .def(
          "set_spike_times",
          [](network& net, const std::string& label, std::vector<std::vector<double>> times) {
            // New trains for a description before it is built (a built simulation takes them in reset()).
            for (auto& p : net.populations)
              if (p.label == label) {
                if (p.model != "spike_source_array")
                  throw config_error("populations[" + label + "]", "set_spike_times: not a spike_source_array");
                if (times.size() != p.size)
                  throw config_error(
                      "populations[" + label + "].spike_times",
                      std::to_string(times.size()) + " trains for " + std::to_string(p.size) + " neurons");
                p.spike_times = std::move(times);
                return;
              }
            throw config_error("populations", "set_spike_times: no population '" + label + "'");
          },
          py::arg("label"), py::arg("spike_times"))
      .def("population_sizes",
           [](const network& net) {
             std::vector<std::pair<std::string, index_t>> out;
             for (const auto& p : net.populations) out.emplace_back(p.label, p.size);
             return out;
           })
      .def("validate", [](const network& net) { validate(net); })
      .def_static("from_json", &parse_network_json, py::arg("text"), py::arg("origin") = "<string>")
      .def_static("load", &load_network, py::arg("name_or_path"), "A built-in network name or a JSON file.");
  m.def("builtin_networks", &builtin_network_names);
}

}  // namespace neuromesh::python
