// What a network description holds, for writers outside C++ (neuromesh.sonata.write): its
// populations, projections and stimuli as plain dicts, and each neuron's parameter or initial
// value computed as the engines compute it (initial_values.hpp: the same keyed stream for a
// distribution), so an exported circuit holds the very values a run uses.
#include <pybind11/stl.h>

#include <neuromesh/core/errors.hpp>
#include <neuromesh/core/network.hpp>
#include <neuromesh/core/random/keyed_stream.hpp>
#include <neuromesh/neurons/initial_values.hpp>
#include <neuromesh/neurons/registry.hpp>

#include "bindings.hpp"

namespace py = pybind11;

namespace neuromesh::python {
namespace {

const char* receptor_name(receptor r) {
  return r == receptor::excitatory ? "excitatory" : r == receptor::inhibitory ? "inhibitory" : "by_sign";
}

py::dict describe(const network& net) {
  py::list pops, projs, stims;
  for (const auto& p : net.populations) {
    py::dict d;
    d["label"] = p.label;
    d["size"] = p.size;
    d["model"] = p.model;
    py::list params, initial;
    for (const auto& kv : p.params) params.append(kv.first);
    for (const auto& kv : p.initial) initial.append(kv.first);
    d["params"] = params;
    d["initial"] = initial;
    d["spike_times"] = p.spike_times;
    d["allow_offgrid_times"] = p.allow_offgrid_times;
    pops.append(d);
  }
  for (const auto& pr : net.projections) {
    py::dict d;
    d["pre"] = pr.pre;
    d["post"] = pr.post;
    d["synapse"] = pr.synapse;
    d["synapse_parameters"] = pr.synapse_parameters;
    d["receptor"] = receptor_name(pr.target);
    d["receptor_type"] = pr.receptor_type;  // multisynapse port, 0: none
    projs.append(d);
  }
  for (const auto& s : net.stimuli) {
    py::dict d;
    d["type"] = stimulus_kind_name(s.type);
    d["target"] = s.target;
    stims.append(d);
  }
  py::dict out;
  out["name"] = net.name;
  out["dt"] = net.dt;
  out["seed"] = net.seed;
  out["duration"] = net.duration;
  out["populations"] = pops;
  out["projections"] = projs;
  out["stimuli"] = stims;
  return out;
}

// Per-neuron values of parameter (or, initial = true, state variable) `name` of population `label`.
std::vector<double> neuron_values(const network& net, const std::string& label, const std::string& name, bool initial) {
  const std::size_t k = net.population_index(label, "neuron_values");
  const population& pop = net.populations[k];
  const auto& specs = initial ? pop.initial : pop.params;
  auto it = specs.find(name);
  if (it == specs.end())
    throw config_error("population '" + label + "'",
                       std::string(initial ? "initial value" : "parameter") + " '" + name + "' is not given");
  validate_value(it->second, pop.size, "population '" + label + "': " + name);
  const gid_t first = net.offsets()[k];
  const auto purpose = static_cast<std::uint32_t>(initial ? rng_purpose::initial_state : rng_purpose::parameter);
  std::vector<double> out(pop.size);
  for (index_t i = 0; i < pop.size; ++i) out[i] = evaluate(it->second, i, net.seed, purpose, first + i, name_key(name));
  return out;
}

// The checks of build time -- the shared finiteness rule, then the model's own check -- of the
// model's defaults overridden by `given`: "" when valid, else "name: problem". Lets a reader name
// the file a bad value came from before anything is built.
std::string check_parameters(const std::string& model, const std::map<std::string, double>& given, double dt) {
  const model_info* m = find_model(model);
  if (m == nullptr || m->check == nullptr) return "";
  std::vector<double> p(m->parameters.size());
  for (std::size_t j = 0; j < p.size(); ++j) p[j] = m->parameters[j].default_value;
  for (const auto& [name, value] : given)
    if (const int j = m->parameter(name); j >= 0) {
      const double default_value = m->parameters[static_cast<std::size_t>(j)].default_value;
      if (!allowed_number(value, default_value == -std::numeric_limits<double>::infinity()))
        return name + ": must be a finite number, is " + std::to_string(value);
      p[static_cast<std::size_t>(j)] = value;
    }
  return m->check(p.data(), dt);
}

}  // namespace

void register_describe(py::module_& m) {
  m.def("describe_network", &describe, py::arg("spec"),
        "The description as dicts: populations (label, size, model, names of params and initial values, "
        "spike_times), projections (pre, post, synapse, synapse_parameters, receptor), stimuli (type, target).");
  m.def("neuron_values", &neuron_values, py::arg("spec"), py::arg("population"), py::arg("name"),
        py::arg("initial") = false, "Each neuron's value of a parameter or initial value, as the engines compute it.");
  m.def("check_parameters", &check_parameters, py::arg("model"), py::arg("params"), py::arg("dt"),
        "The model's check of its defaults overridden by params: '' when valid, else 'name: problem'.");
}

}  // namespace neuromesh::python
