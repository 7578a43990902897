#pragma once
// Registration functions of the binding files (one per concept), called in order by module.cpp.
#include <pybind11/pybind11.h>

namespace neuromesh {
class simulation;
}

namespace neuromesh::python {

void register_errors(pybind11::module_& m);
void register_network(pybind11::module_& m);
void register_simulation(pybind11::module_& m);
void register_models(pybind11::module_& m);
void register_routing(pybind11::module_& m);
void register_describe(pybind11::module_& m);
void register_run(pybind11::module_& m);

// The C++ simulation behind a _core.Simulation object (config_error if `obj` is not one).
simulation& simulation_of(pybind11::handle obj);

}  // namespace neuromesh::python
