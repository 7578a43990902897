// The model registry, read-only: names, parameters (default, unit), state variables and the
// unit of synaptic weights, so the Python layer can validate early and document itself.
#include <pybind11/stl.h>

#include <neuromesh/neurons/registry.hpp>

#include "bindings.hpp"

namespace py = pybind11;

namespace neuromesh::python {
namespace {

const char* weight_unit(receptor_kind k) {
  switch (k) {
    case receptor_kind::current:
      return "pA";
    case receptor_kind::conductance:
      return "nS";
    case receptor_kind::voltage:
      return "mV";
    case receptor_kind::count:
      return "1 (ignored: each spike counts once)";
  }
  return "";
}

py::dict describe(const model_info& m) {
  py::dict params, state;
  for (const auto& p : m.parameters)
    params[py::str(std::string(p.name))] = py::make_tuple(p.default_value, std::string(p.unit), std::string(p.doc));
  for (const auto& s : m.state) state[py::str(std::string(s.name))] = std::string(s.unit);
  py::dict d;
  d["name"] = std::string(m.name);
  d["kind"] = m.kind == population_kind::neuron ? "neuron" : "spike_source_array";
  d["weight_unit"] = weight_unit(m.input);
  d["parameters"] = params;
  d["state"] = state;
  return d;
}

}  // namespace

void register_models(py::module_& m) {
  m.def(
      "models",
      [] {
        py::dict out;
        for (const auto& info : all_models()) out[py::str(std::string(info.name))] = describe(info);
        return out;
      },
      "All registered models: name -> {kind, weight_unit, parameters: {name: (default, unit, doc)}, state}.");
}

}  // namespace neuromesh::python
