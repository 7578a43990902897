// Running a network from Python: the GIL is released while the simulation runs; every ~100 ms
// the run loop calls back, takes the GIL, checks for Ctrl-C (which stops the run cleanly and
// raises KeyboardInterrupt with the output file closed) and reports progress. Spikes and state
// come back as numpy arrays built in C++ -- no Python object per spike.
#include <atomic>
#include <optional>

#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <neuromesh/api.hpp>
#include <neuromesh/core/communication_model.hpp>
#include <neuromesh/core/errors.hpp>

#include "bindings.hpp"
#include "py_types.hpp"

namespace py = pybind11;

namespace neuromesh::python {

// A simulation plus the stop flag its run loop watches (py_types.hpp).
py_simulation::py_simulation(network net, const std::string& backend, int threads, const std::string& prec,
                             const std::string& output, bool keep_spikes, bool active_set,
                             const std::optional<py::function>& build_progress, const std::string& exchange,
                             const std::string& decomposition, std::vector<std::uint32_t> rank_of_gid, int device,
                             const std::string& connectivity, double checkpoint_every, const std::string& checkpoint,
                             const std::string& resume, const std::string& write_synapses) {
  simulation_options opt;
  opt.backend = backend;
  if (device < 0) throw config_error("device", "GPU index must be >= 0, not " + std::to_string(device));
  opt.device = device;              // backend "cuda": which GPU
  opt.connectivity = connectivity;  // cuda backends: stored or procedural rows
  opt.threads = threads;
  opt.prec = precision_of(prec);
  opt.output = output;
  opt.keep_spikes_in_memory = keep_spikes;
  opt.active_set = active_set;
  opt.stop = &stop_;
  opt.exchange = exchange;  // under mpirun (docs/mpi.md)
  opt.decomposition = decomposition;
  opt.rank_of_gid = std::move(rank_of_gid);    // e.g. from a hardware placement (chips -> ranks)
  opt.checkpoint_every_ms = checkpoint_every;  // docs/reliability.md: checkpoint and restart
  opt.checkpoint = checkpoint;
  opt.resume = resume;
  opt.write_synapses = write_synapses;  // SONATA edges in the output (docs/plasticity.md)
  // Called on this thread while the GIL is released, after every block of ~2^20 synapses: Ctrl-C
  // sets the stop flag, and make_simulation abandons the build at the next block (interrupted ->
  // KeyboardInterrupt), so a large build stops within a fraction of a second.
  opt.build_progress = [this, f = build_progress](double fraction) {
    py::gil_scoped_acquire gil;
    if (PyErr_CheckSignals() != 0) {
      PyErr_Clear();
      stop_.store(true);
      return;
    }
    if (f) (*f)(fraction);
  };
  py::gil_scoped_release release;  // construction can take seconds for large networks
  sim_ = make_simulation(std::move(net), std::move(opt));
}

void py_simulation::run(double duration_ms, const std::optional<py::function>& progress) {
  std::optional<py::error_already_set> callback_error;
  auto on_progress = [&](double fraction) {
    py::gil_scoped_acquire gil;
    if (PyErr_CheckSignals() != 0) {  // Ctrl-C: stop at the next chunk; we raise ourselves
      PyErr_Clear();
      stop_.store(true);
      return;
    }
    if (!progress || callback_error || sim_->rank() != 0) return;  // one progress bar under mpirun
    try {
      (*progress)(fraction);
    } catch (py::error_already_set& e) {
      callback_error.emplace(std::move(e));
      stop_.store(true);
    }
  };
  {
    py::gil_scoped_release release;
    try {
      sim_->run(duration_ms, on_progress);
    } catch (const interrupted&) {
      stop_.store(false);
      if (!callback_error) throw;
    }
  }
  if (callback_error) throw std::move(*callback_error);
}

precision precision_of(const std::string& name) {
  if (name != "float" && name != "double")
    throw config_error("precision", "must be 'float' or 'double', not '" + name + "'");
  return name == "double" ? precision::double_precision : precision::single;
}

namespace {

template <class T>
py::array_t<T> to_numpy(std::span<const T> v) {
  py::array_t<T> out(static_cast<py::ssize_t>(v.size()));
  std::copy(v.begin(), v.end(), out.mutable_data());
  return out;
}

// The recorded spikes in memory as (global ids, times in ms), or those of one population as
// (population-local ids, times); a spike recorder with ids records only those neurons.
py::tuple spikes_of(const simulation& s, std::optional<std::string> population) {
  const auto& all = s.spikes();
  const double dt = s.description().dt;
  std::vector<index_t> ids;
  std::vector<double> times;
  ids.reserve(all.size());
  times.reserve(all.size());
  for (const spike& sp : all) {
    const auto [pop, id] = s.locate(sp.gid);
    if (population && s.description().populations[pop].label != *population) continue;
    ids.push_back(population ? id : sp.gid);
    times.push_back(static_cast<double>(sp.step + 1) * dt);
  }
  if (population) s.description().population_index(*population, "population");  // names a bad label
  return py::make_tuple(to_numpy<index_t>(ids), to_numpy<double>(times));
}

py::dict summary_of(const simulation& s) {
  const run_summary& r = s.summary();
  py::dict rates, counts, recorded, windows;
  for (std::size_t p = 0; p < s.description().populations.size(); ++p) {
    const auto& pop = s.description().populations[p];
    counts[py::str(pop.label)] = r.spikes_per_population[p];
    recorded[py::str(pop.label)] = r.recorded_neurons[p];
    if (p < r.recorded_window.size())  // the spike recorders' [start, stop) ms (stop inf: to the end)
      windows[py::str(pop.label)] = py::make_tuple(r.recorded_window[p].first, r.recorded_window[p].second);
    rates[py::str(pop.label)] = r.rate_hz(p);  // over the recorded neurons (NaN: none recorded)
  }
  py::dict d;
  d["neurons"] = r.neurons;
  d["synapses"] = r.synapses;
  d["spikes"] = r.spikes;
  d["spikes_per_population"] = counts;  // spikes of the recorded neurons
  d["recorded_neurons"] = recorded;
  d["recorded_window_ms"] = windows;
  d["rates_hz"] = rates;
  d["build_seconds"] = r.build_seconds;
  d["simulate_seconds"] = r.simulate_seconds;
  d["simulated_ms"] = r.simulated_ms;
  d["real_time_factor"] = r.real_time_factor();
  d["bytes_per_synapse"] = r.bytes_per_synapse;
  d["rank"] = s.rank();  // MPI: rank 0 holds every spike; others their own neurons' spikes
  d["ranks"] = s.ranks();
  d["exchange"] = s.communication_strategy();
  d["decomposition"] = s.decomposition().name();
  d["exchange_bytes"] = r.exchange_bytes;
  d["exchange_seconds"] = r.exchange_seconds;
  return d;
}

// reset()'s new spike trains: per label, a list of per-neuron lists of times [ms], or a tuple of
// two numpy arrays (population-local ids, times [ms]) -- one pair per spike, any order, no Python
// object per spike.
std::vector<std::pair<std::string, simulation::spike_trains>> trains_of(const simulation& s, const py::dict& given) {
  std::vector<std::pair<std::string, simulation::spike_trains>> out;
  for (const auto& [key, value] : given) {
    const auto label = key.cast<std::string>();
    const std::size_t p = s.description().population_index(label, "reset");
    simulation::spike_trains trains;
    if (py::isinstance<py::tuple>(value) && py::len(value) == 2 &&
        py::isinstance<py::array>(value.cast<py::tuple>()[0])) {
      const auto t = value.cast<py::tuple>();
      const auto ids = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>::ensure(t[0]);
      const auto times = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(t[1]);
      if (!ids || !times || ids.ndim() != 1 || times.ndim() != 1 || ids.size() != times.size())
        throw config_error("populations[" + label + "].spike_times",
                           "reset: (ids, times) must be two 1-d arrays of the same length");
      const std::int64_t n = s.description().populations[p].size;
      trains.resize(static_cast<std::size_t>(n));
      const std::int64_t* id = ids.data();
      const double* time = times.data();
      for (py::ssize_t k = 0; k < ids.size(); ++k) {
        if (id[k] < 0 || id[k] >= n)
          throw config_error(
              "populations[" + label + "].spike_times",
              "reset: id " + std::to_string(id[k]) + " is not in the population (size " + std::to_string(n) + ")");
        trains[static_cast<std::size_t>(id[k])].push_back(time[k]);
      }
    } else {
      trains = value.cast<simulation::spike_trains>();
    }
    out.emplace_back(label, std::move(trains));
  }
  return out;
}

}  // namespace

simulation& simulation_of(py::handle obj) {
  if (!py::isinstance<py_simulation>(obj)) throw config_error("simulation", "expected a _core.Simulation");
  return obj.cast<py_simulation&>().sim();
}

void register_simulation(py::module_& m) {
  py::class_<py_simulation>(m, "Simulation")
      .def(py::init<network, const std::string&, int, const std::string&, const std::string&, bool, bool,
                    const std::optional<py::function>&, const std::string&, const std::string&,
                    std::vector<std::uint32_t>, int, const std::string&, double, const std::string&, const std::string&,
                    const std::string&>(),
           py::arg("spec"), py::arg("backend") = "cpu", py::arg("threads") = 0, py::arg("precision") = "float",
           py::arg("output") = "", py::arg("keep_spikes") = true, py::arg("active_set") = true,
           py::arg("build_progress") = py::none(), py::arg("exchange") = "targeted", py::arg("decomposition") = "block",
           py::arg("rank_of_gid") = std::vector<std::uint32_t>{}, py::arg("device") = 0, py::arg("connectivity") = "",
           py::arg("checkpoint_every") = 0.0, py::arg("checkpoint") = "", py::arg("resume") = "",
           py::arg("write_synapses") = "plastic")
      .def("run", &py_simulation::run, py::arg("duration_ms"), py::arg("progress") = py::none())
      .def("step", [](py_simulation& s) { s.sim().step(); })
      .def("advance",
           [](py_simulation& s, step_t n) {
             py::gil_scoped_release release;
             s.sim().advance_steps(n);
           })
      .def("inject_spikes",
           [](py_simulation& s, const std::string& pop, std::vector<index_t> ids) { s.sim().inject_spikes(pop, ids); })
      .def("set_current", [](py_simulation& s, const std::string& pop, std::vector<index_t> ids,
                             std::vector<double> pA) { s.sim().set_current(pop, ids, pA); })
      .def("last_spikes",
           [](py_simulation& s, const std::string& pop) { return to_numpy<index_t>(s.sim().last_spikes(pop)); })
      .def(
          "spikes", [](py_simulation& s, std::optional<std::string> pop) { return spikes_of(s.sim(), std::move(pop)); },
          py::arg("population") = py::none())
      .def("state",
           [](py_simulation& s, const std::string& pop, const std::string& var, std::vector<index_t> ids) {
             const auto v = s.sim().state(pop, var, ids);
             return to_numpy<double>(v);
           })
      .def("state_view",
           [](py::object self, const std::string& pop, const std::string& var) {
             // A read-only numpy array over the engine's own memory; `self` is its base, so the
             // simulation outlives the array.
             std::string why;
             const state_column c = self.cast<py_simulation&>().sim().state_view(pop, var, &why);
             if (!c.data) throw config_error("state_view", "no zero-copy view of '" + var + "' of " + pop + ": " + why);
             const auto n = static_cast<py::ssize_t>(c.size);
             py::array a = c.single ? py::array(py::dtype::of<float>(), {n}, {}, c.data, self)
                                    : py::array(py::dtype::of<double>(), {n}, {}, c.data, self);
             a.attr("flags").attr("writeable") = false;
             return a;
           })
      .def("summary", [](py_simulation& s) { return summary_of(s.sim()); })
      .def(
          "recorded_weights",
          [](py_simulation& s, std::size_t recorder) {
            // Weight recorder i's events (rank 0): times [ms], pre, post, weight (engine units).
            const std::vector<weight_event>& e = s.sim().recorded_weights(recorder);
            std::vector<double> times(e.size()), weight(e.size());
            std::vector<index_t> pre(e.size()), post(e.size());
            const double h = s.sim().description().dt;
            for (std::size_t k = 0; k < e.size(); ++k) {
              times[k] = static_cast<double>(e[k].step + 1) * h;
              pre[k] = e[k].pre;
              post[k] = e[k].post;
              weight[k] = e[k].weight;
            }
            py::dict d;
            d["times"] = to_numpy<double>(times);
            d["pre"] = to_numpy<index_t>(pre);
            d["post"] = to_numpy<index_t>(post);
            d["weight"] = to_numpy<double>(weight);
            return d;
          },
          py::arg("recorder"))
      .def(
          "synapses",
          [](py_simulation& s, std::size_t projection) {
            // Projection k's synapses on every rank, sorted by (pre, post): four numpy columns.
            const std::vector<synapse_record> r = s.sim().synapses(projection);
            std::vector<index_t> pre(r.size()), post(r.size());
            std::vector<double> weight(r.size()), delay(r.size());
            const double h = s.sim().description().dt;
            for (std::size_t k = 0; k < r.size(); ++k) {
              pre[k] = r[k].pre;
              post[k] = r[k].post;
              weight[k] = r[k].weight;
              delay[k] = static_cast<double>(r[k].delay) * h;
            }
            py::dict d;
            d["pre"] = to_numpy<index_t>(pre);
            d["post"] = to_numpy<index_t>(post);
            d["weight"] = to_numpy<double>(weight);
            d["delay"] = to_numpy<double>(delay);
            return d;
          },
          py::arg("projection"))
      .def(
          "estimate_communication",
          [](py_simulation& s, const std::vector<std::uint32_t>& ranks, const std::string& decomposition) {
            const simulation& sim = s.sim();
            for (std::size_t p = 0; p < sim.description().populations.size(); ++p)
              if (sim.summary().recorded_neurons[p] != sim.description().populations[p].size)
                throw config_error("estimate_communication",
                                   "needs every neuron's spikes, but population '" +
                                       sim.description().populations[p].label +
                                       "' is recorded in part or not at all; record all spikes (no spike "
                                       "recorder, or one without ids per population)");
            std::vector<rank_map> maps;
            for (std::uint32_t r : ranks) maps.push_back(rank_map::by_name(decomposition, sim.description(), r));
            py::list out;
            for (const auto& e :
                 estimate_communication(sim.description(), sim.spikes(), sim.min_delay(), sim.time_ms(), maps)) {
              py::dict d;
              d["ranks"] = e.ranks;
              d["decomposition"] = e.decomposition;
              d["allgather_bytes_per_rank_per_s"] = e.allgather_bytes_per_rank_per_s();
              d["targeted_bytes_per_rank_per_s"] = e.targeted_bytes_per_rank_per_s();
              d["allgather_bytes"] = e.allgather_bytes;
              d["targeted_bytes"] = e.targeted_bytes;
              out.append(d);
            }
            return out;
          },
          py::arg("ranks"), py::arg("decomposition") = "block")
      .def(
          "reset",
          [](py_simulation& s, const std::optional<py::dict>& spike_times) {
            auto trains = spike_times ? trains_of(s.sim(), *spike_times)
                                      : std::vector<std::pair<std::string, simulation::spike_trains>>{};
            py::gil_scoped_release release;
            s.sim().reset(std::move(trains));
          },
          py::arg("spike_times") = py::none(),
          "Back to time 0 without rebuilding (synapses kept); spike_times: {label: trains or (ids, times)}.")
      .def("finish", [](py_simulation& s) { s.sim().finish(); })
      .def(
          "save_checkpoint",
          [](py_simulation& s, const std::string& path) {
            py::gil_scoped_release release;
            s.sim().save_checkpoint(path);
          },
          py::arg("path"))
      .def_property_readonly("checkpoint_path", [](py_simulation& s) { return s.sim().checkpoint_path(); })
      .def(
          "suspend_output", [](py_simulation& s) { s.sim().suspend_output(); },
          "Provenance so far, file closed and readable; the next run() appends (a continued run).")
      .def_property_readonly("time", [](py_simulation& s) { return s.sim().time_ms(); })
      .def_property_readonly("min_delay_steps", [](py_simulation& s) { return s.sim().min_delay(); });
  m.def("launcher_process_count", &launcher_process_count,
        "processes started by mpirun/mpiexec (0 without a launcher)");
  m.def("features", [] {
    const build_features f = features();
    py::dict d;
    d["backends"] = f.backends;
    d["cuda"] = f.cuda;
    d["mpi"] = f.mpi;
    d["python"] = true;
    d["version"] = f.version;
    return d;
  });
}

}  // namespace neuromesh::python
