// A whole run from Python (Network.run): _core.RunOptions, the typed options of neuromesh::run
// with the keyword names of Network.run, and _core.run(spec, options, stage_progress), which
// performs the run the CLI performs (backends/api/src/run.cpp) with the GIL released. Ctrl-C
// stops it (KeyboardInterrupt, output file closed); progress bars are Python callables.
#include <algorithm>
#include <functional>
#include <optional>

#include <pybind11/stl.h>

#include <neuromesh/core/errors.hpp>
#include <neuromesh/run.hpp>

#include "bindings.hpp"
#include "py_types.hpp"

namespace py = pybind11;

namespace neuromesh::python {
namespace {

// One keyword of RunOptions: how Python sets it (None: the default) and reads it back.
struct option_field {
  const char* name;
  std::function<void(run_options&, py::handle)> set;
  std::function<py::object(const run_options&)> get;
};

template <class T>
option_field plain(const char* name, T run_options::*member) {
  return {name,
          [member](run_options& o, py::handle v) { o.*member = v.is_none() ? run_options{}.*member : v.cast<T>(); },
          [member](const run_options& o) { return py::cast(o.*member); }};
}

template <class T>
option_field optional(const char* name, std::optional<T> run_options::*member) {
  return {name,
          [member](run_options& o, py::handle v) {
            o.*member = v.is_none() ? std::nullopt : std::optional<T>(v.cast<T>());
          },
          [member](const run_options& o) { return o.*member ? py::cast(*(o.*member)) : py::none(); }};
}

const std::vector<option_field>& option_fields() {
  static const std::vector<option_field> fields = {
      optional("duration", &run_options::duration_ms),
      optional("dt", &run_options::dt),
      optional("seed", &run_options::seed),
      plain("backend", &run_options::backend),
      plain("threads", &run_options::threads),
      {"precision",
       [](run_options& o, py::handle v) {
         o.prec = v.is_none() ? precision::single : precision_of(v.cast<std::string>());
       },
       [](const run_options& o) { return py::cast(o.prec == precision::double_precision ? "double" : "float"); }},
      plain("device", &run_options::device),
      plain("connectivity", &run_options::connectivity),
      plain("exchange", &run_options::exchange),
      plain("decomposition", &run_options::decomposition),
      plain("output", &run_options::output),
      plain("keep_spikes", &run_options::keep_spikes_in_memory),
      plain("write_synapses", &run_options::write_synapses),
      plain("record_weights", &run_options::record_weights),
      optional("checkpoint_every", &run_options::checkpoint_every_ms),
      plain("checkpoint", &run_options::checkpoint),
      plain("resume", &run_options::resume),
      {"hardware",  // a preset or file: run() maps the network (Network.run gives a mapping instead)
       [](run_options& o, py::handle v) {
         if (v.is_none()) return o.hardware.reset();
         o.hardware = hardware_options{};
         o.hardware->hardware = v.cast<std::string>();
       },
       [](const run_options& o) { return o.hardware ? py::cast(o.hardware->hardware) : py::none(); }},
      {"mapping",
       [](run_options& o, py::handle v) { o.mapping = v.is_none() ? nullptr : v.cast<const py_mapping&>().m; },
       [](const run_options& o) {
         return o.mapping ? py::cast(py_mapping{o.mapping, {}}) : py::none();
       }},
      plain("energy_detail", &run_options::energy_detail),
      plain("energy_json", &run_options::energy_json),
      plain("timing", &run_options::timing),
      optional("link_capacity", &run_options::link_capacity),
      optional("step_time_us", &run_options::step_time_us),
      plain("timing_reference", &run_options::timing_reference),
      plain("keep_open", &run_options::keep_open),
  };
  return fields;
}

const char* stage_name(run_stage s) {
  return s == run_stage::reference ? "reference" : s == run_stage::build ? "build" : "simulate";
}

// neuromesh::run with Python callbacks: stage_progress(stage, ms) may return a callable taking the
// fraction done (a progress bar), shown on rank 0 only. Returns (Simulation, energy report dict or
// None, TimingFilter or None).
py::tuple run_from_python(network net, run_options o, const std::optional<py::function>& stage_progress) {
  auto holder = std::make_unique<py_simulation>();
  std::atomic<bool>& stop = *holder->stop_flag();
  o.stop = &stop;
  o.names = option_names::python;
  const bool shows = launcher_rank() == 0;  // one progress bar under mpirun
  std::optional<py::error_already_set> callback_error;
  py::object bar = py::none();
  auto keep = [&](py::error_already_set& e) {
    callback_error.emplace(std::move(e));
    stop.store(true);
  };
  run_callbacks cb;
  cb.begin = [&](run_stage s, double ms) {
    py::gil_scoped_acquire gil;
    if (!stage_progress || !shows || callback_error) return;
    try {
      bar = (*stage_progress)(stage_name(s), ms);
    } catch (py::error_already_set& e) {
      keep(e);
    }
  };
  // Called on this thread while the GIL is released, every ~100 ms of a run and after every block
  // of ~2^20 synapses of a build: Ctrl-C sets the stop flag, and the run or build stops at the
  // next chunk or block (interrupted -> KeyboardInterrupt) within a fraction of a second.
  cb.progress = [&](run_stage, double fraction) {
    py::gil_scoped_acquire gil;
    if (PyErr_CheckSignals() != 0) {
      PyErr_Clear();
      stop.store(true);
      return;
    }
    if (callback_error || bar.is_none()) return;
    try {
      bar(fraction);
    } catch (py::error_already_set& e) {
      keep(e);
    }
  };
  cb.end = [&](run_stage) {
    py::gil_scoped_acquire gil;
    bar = py::none();
  };
  run_result r;
  {
    py::gil_scoped_release release;
    try {
      r = run(std::move(net), std::move(o), cb);
    } catch (const interrupted&) {
      stop.store(false);
      if (!callback_error) throw;
    }
  }
  if (callback_error) throw std::move(*callback_error);
  const bool root = r.sim->rank() == 0;  // rank 0 holds every spike: the reports are its
  holder->adopt(std::move(r.sim));
  py::object energy = r.energy && root ? py::object(energy_report_dict(r.energy->report())) : py::none();
  py::object timing = r.timing ? py::cast(r.timing) : py::none();
  return py::make_tuple(py::cast(std::move(holder)), energy, timing);
}

}  // namespace

void register_run(py::module_& m) {
  auto cls = py::class_<run_options>(m, "RunOptions",
                                     "Typed options of one run (neuromesh::run_options); keywords as Network.run's.");
  cls.def(py::init([](const py::kwargs& kw) {
    run_options o;
    o.names = option_names::python;
    for (const auto& [key, value] : kw) {
      const std::string k = key.cast<std::string>();
      const auto& fields = option_fields();
      auto f = std::find_if(fields.begin(), fields.end(), [&](const option_field& x) { return k == x.name; });
      if (f == fields.end()) throw config_error(k, "not an option of a run");
      f->set(o, value);
    }
    return o;
  }));
  for (const option_field& f : option_fields())
    cls.def_property(
        f.name, [get = f.get](const run_options& o) { return get(o); },
        [set = f.set](run_options& o, py::handle v) { set(o, v); });
  m.def("check_run_options", &check_run_options, py::arg("options"),
        "Checks the options alone and against each other (ConfigError naming the option).");
  m.def("run", &run_from_python, py::arg("spec"), py::arg("options"), py::arg("stage_progress") = py::none(),
        "Performs a whole run (the CLI's): returns (Simulation, energy report or None, TimingFilter or None).");
}

}  // namespace neuromesh::python
