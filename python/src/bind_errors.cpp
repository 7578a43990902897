// The C++ error hierarchy as Python exceptions: ConfigError is a ValueError (ParameterError a
// ConfigError), NeuromeshIOError an OSError, BackendUnavailable a RuntimeError, and an
// interrupted run a KeyboardInterrupt (its output file is already closed and readable).
#include <neuromesh/core/errors.hpp>

#include "bindings.hpp"

namespace py = pybind11;

namespace neuromesh::python {

void register_errors(py::module_& m) {
  // Leaked on purpose: Python objects must not be destroyed after the interpreter shut down.
  static auto* base = new py::exception<neuromesh::error>(m, "Error", PyExc_RuntimeError);
  static auto* config = new py::exception<config_error>(m, "ConfigError", PyExc_ValueError);
  static auto* parameter = new py::exception<parameter_error>(m, "ParameterError", config->ptr());
  static auto* io = new py::exception<io_error>(m, "NeuromeshIOError", PyExc_OSError);
  static auto* backend = new py::exception<backend_unavailable>(m, "BackendUnavailable", PyExc_RuntimeError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const parameter_error& e) {
      py::set_error(*parameter, e.what());
    } catch (const config_error& e) {
      py::set_error(*config, e.what());
    } catch (const io_error& e) {
      py::set_error(*io, e.what());
    } catch (const backend_unavailable& e) {
      py::set_error(*backend, e.what());
    } catch (const interrupted& e) {
      py::set_error(PyExc_KeyboardInterrupt, e.what());
    } catch (const neuromesh::error& e) {
      py::set_error(*base, e.what());
    }
  });
}

}  // namespace neuromesh::python
