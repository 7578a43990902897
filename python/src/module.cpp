// neuromesh._core: the compiled part of the Python package. The pure-Python package
// (python/neuromesh) builds on it; users never import _core directly.
#include "bindings.hpp"

PYBIND11_MODULE(_core, m) {
  m.doc() = "neuromesh C++ core (internal; use the neuromesh package)";
  neuromesh::python::register_errors(m);
  neuromesh::python::register_models(m);
  neuromesh::python::register_network(m);
  neuromesh::python::register_simulation(m);
  neuromesh::python::register_routing(m);
  neuromesh::python::register_run(m);
  neuromesh::python::register_describe(m);
}
