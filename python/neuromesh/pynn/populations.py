"""Population, PopulationView and Assembly: parameters and initial values are kept in Python
(PyNN units) and described to neuromesh when the network is built (simulator.State._build)."""
import numpy as np

import neuromesh as nm
from pyNN import common, errors
from pyNN.parameters import LazyArray, ParameterSpace, Sequence, simplify
from pyNN.standardmodels import StandardCellType

from . import simulator
from .recording import Recorder
from .simulator import state


class Assembly(common.Assembly):
    """PyNN's Assembly (a group of populations and views) on neuromesh."""

    _simulator = simulator


def _parameters_of(celltype, obj, names):
    """PyNN parameters `names` (translated back from native ones) of a population or view."""
    if isinstance(celltype, StandardCellType):
        if any(name in celltype.computed_parameters() for name in names):
            native_names = celltype.get_native_names()
        else:
            native_names = celltype.get_native_names(*names)
        return celltype.reverse_translate(obj._get_native_parameters(*native_names))
    return obj._get_native_parameters(*names)


class PopulationView(common.PopulationView):
    """PyNN's PopulationView (a subset of a population's neurons) on neuromesh."""

    _assembly_class = Assembly
    _simulator = simulator

    def _get_parameters(self, *names):
        return _parameters_of(self.celltype, self, names)

    def _get_native_parameters(self, *names):
        values = {}
        for name in names:
            value = self.parent._parameters[name]
            values[name] = simplify(value[self.mask]) if isinstance(value, np.ndarray) else value
        return ParameterSpace(values, shape=(self.size,))

    def _set_parameters(self, parameter_space):
        before = {name: np.array(self.parent._parameters[name], copy=True) for name in parameter_space.keys()}
        for name, value in parameter_space.items():
            self.parent._parameters[name][self.mask] = value.evaluate(simplify=False)
        self.parent._parameters_changed(before)

    def initialize(self, **initial_values):
        for variable, value in initial_values.items():
            values = LazyArray(value, shape=(self.size,), dtype=float).evaluate(simplify=False)
            whole = self.parent.initial_values[variable].evaluate(simplify=False).astype(float)
            whole[self.mask] = values
            self.parent.initialize(**{variable: whole})

    def _set_initial_value_array(self, variable, initial_values):
        pass

    def _get_view(self, selector, label=None):
        return PopulationView(self, selector, label)


class Population(common.Population):
    __doc__ = common.Population.__doc__
    _simulator = simulator
    _recorder_class = Recorder
    _assembly_class = Assembly

    def _create_cells(self):
        first = state.id_counter
        self.all_cells = np.array([simulator.ID(i) for i in range(first, first + self.size)], dtype=simulator.ID)
        self._mask_local = np.ones((self.size,), bool)
        if isinstance(self.celltype, StandardCellType):
            parameter_space = self.celltype.native_parameters
        else:
            raise errors.NotImplementedError("pyNN.neuromesh runs PyNN's standard cell types only")
        parameter_space.shape = (self.size,)
        parameter_space.evaluate(simplify=False)
        self._parameters = parameter_space.as_dict()
        if type(self.celltype).__name__ == "SpikeSourceArray":
            self._check_spike_times()
        for cell in self.all_cells:
            cell.parent = self
        state.id_counter += self.size
        state.model_changed(f"population {self.label!r} was created")
        state.populations.append(self)
        self._nm = None
        self._poisson = {}
        self._poisson_until = 0

    def _parameters_changed(self, before):
        """After set(): `before` holds the values the changed parameters had. SpikeSourcePoisson
        parameters and SpikeSourceArray spike times act from now on in a running network; other
        changes need a reset (simulator.State.model_changed)."""
        names = sorted(before)
        kind = type(self.celltype).__name__
        if kind == "SpikeSourceArray":
            self._check_spike_times()
        if state.sim is None:
            return
        if isinstance(self.celltype, simulator_poisson_types()):
            self._poisson, self._poisson_until = {}, state.step_count + 1  # redrawn after now
            self._renewal_next = None  # renewal processes start again from now
        elif names == ["i_offset"]:  # the difference to the built I_e goes in as an external current
            state.currents_changed = True
        elif kind == "SpikeSourceArray" and names == ["spike_times"]:
            self._reschedule_spikes(before["spike_times"])
        else:
            state.model_changed(f"parameters {names} of population {self.label!r} were set")

    def _check_spike_times(self):
        for k, seq in enumerate(np.atleast_1d(self._parameters["spike_times"])):
            times = np.asarray(seq.value if isinstance(seq, Sequence) else seq, dtype=float)
            if (np.diff(times) < 0).any():
                raise errors.InvalidParameterValueError(
                    f"population {self.label!r}, neuron {k}: spike_times must be in increasing order, not {times}")

    def _reschedule_spikes(self, old):
        """New spike times of a running SpikeSourceArray: those after now are injected when the run
        reaches them. The core still holds the old times, so their future part must be empty or
        unchanged (otherwise ConfigError: a spike cannot be taken back)."""
        now = state.step_count
        step = lambda t: int(np.ceil(float(t) / state.dt - 1e-9))  # off-grid times round up, as built
        for k in range(self.size):
            was = [step(t) for t in np.asarray(getattr(old[k], "value", old[k]), dtype=float) if step(t) > now]
            new = [step(t) for t in np.asarray(getattr(self._parameters["spike_times"][k], "value",
                                                       self._parameters["spike_times"][k]), dtype=float)
                   if step(t) > now]
            if was == new:
                continue
            if was:
                raise nm.ConfigError(f"pyNN.neuromesh: spike_times of neuron {k} of population {self.label!r} set at "
                                     f"t = {state.t} ms while its earlier times still had spikes to come; call "
                                     "sim.reset() first")
            for s in new:
                self._poisson.setdefault(s, []).append(k)

    def _set_initial_value_array(self, variable, initial_values):
        state.model_changed(f"initial values of {variable!r} of population {self.label!r} were set")

    def _get_view(self, selector, label=None):
        return PopulationView(self, selector, label)

    def _get_parameters(self, *names):
        return _parameters_of(self.celltype, self, names)

    def _get_native_parameters(self, *names):
        return ParameterSpace({name: simplify(self._parameters[name]) for name in names}, shape=(self.local_size,))

    def _set_parameters(self, parameter_space):
        parameter_space.evaluate(simplify=False, mask=self._mask_local)
        before = {name: np.array(self._parameters[name], copy=True) for name in parameter_space.keys()}
        for name, value in parameter_space.items():
            self._parameters[name] = value
        self._parameters_changed(before)

    # -- neuromesh --
    def _native(self, name):
        value = self._parameters[name]
        if isinstance(value, np.ndarray) and value.dtype == object:
            return [v.value.tolist() if isinstance(v, Sequence) else list(v) for v in value]
        arr = np.asarray(value, dtype=float)
        return float(arr.flat[0]) if arr.size and (arr == arr.flat[0]).all() else arr.tolist()

    def _build(self, net, index, horizon):
        celltype = self.celltype
        params = {name: self._native(name) for name in celltype.get_native_names()}
        self._poisson, self._poisson_until = {}, 0
        if isinstance(celltype, simulator_poisson_types()):  # spikes up to the first run's end
            self._draw_poisson(1, horizon + 1)
            times = [[] for _ in range(self.size)]
            for step in sorted(self._poisson):
                for i in self._poisson[step]:
                    times[i].append(step * state.dt)
            self._poisson = {}  # later spikes (a continued run) are injected as the run reaches them
            cell = nm.SpikeSourceArray(spike_times=times, allow_offgrid_times=True)
        elif type(celltype).__name__ == "SpikeSourceArray":
            times = params["spike_times"]
            cell = celltype.nm_cell(spike_times=[sorted(t) for t in times], allow_offgrid_times=True)
        else:
            cell = celltype.nm_cell(**params)
        initial = {}
        for variable, (core, factor) in celltype.state_map.items():
            if variable in self.initial_values:
                values = np.asarray(self.initial_values[variable].evaluate(simplify=False), dtype=float) / factor
                if variable == "v" or values.any():
                    initial[core] = values.tolist()
        self._nm = net.population(self.size, cell, label=f"p{index}", initial=initial)
        self._built_i_offset = self._i_offset()
        self._nm.record("spikes")

    def _i_offset(self):
        if "i_offset" not in self._parameters:
            return None
        return np.broadcast_to(np.asarray(self._parameters["i_offset"], dtype=float), (self.size,)).copy()

    def _i_offset_change(self):
        """i_offset set since the build minus the built one [nA] (None: no change)."""
        built = getattr(self, "_built_i_offset", None)
        if built is None:
            return None
        delta = self._i_offset() - built
        return delta if delta.any() else None

    def _spikes(self):
        """(population-local ids, times [ms]) of every spike since t = 0 of this build."""
        if state.sim is None:
            return np.array([], dtype=int), np.array([], dtype=float)
        return state.sim._sim.spikes(self._nm.label)

    # -- SpikeSourcePoisson: spikes drawn here, handed to the core when the run reaches them --
    def _next_poisson(self, now, limit):
        """The first step after `now` (at most `limit`) with SpikeSourcePoisson spikes to inject."""
        if not self._poisson and not isinstance(self.celltype, simulator_poisson_types()):
            return limit
        if isinstance(self.celltype, simulator_poisson_types()) and limit >= self._poisson_until:
            self._draw_poisson(max(now + 1, self._poisson_until), limit + 1)
        return min([limit] + [s for s in self._poisson if s > now])

    def _draw_poisson(self, lo, hi):
        """Spikes at steps k in [lo, hi) (time k*dt), for the neurons' rate, start and duration."""
        dt = state.dt
        rng = np.random.default_rng([state.seed, len(state.populations), int(self.first_id), state.segment_counter, lo])
        if type(self.celltype).__name__ != "SpikeSourcePoisson":
            self._draw_renewal(rng, lo, hi)
            return
        rate, start, duration = (np.broadcast_to(np.asarray(self._parameters[n], dtype=float), (self.size,))
                                 for n in ("rate", "start", "duration"))
        for i in range(self.size):
            first = max(lo, int(np.floor(start[i] / dt + 1e-9)) + 1)
            last = min(hi, int(np.floor((start[i] + duration[i]) / dt + 1e-9)) + 1)
            if last <= first or rate[i] <= 0:
                continue
            n = rng.poisson(rate[i] * 1e-3 * dt * (last - first))
            for step in rng.integers(first, last, n):
                self._poisson.setdefault(int(step), []).append(i)
        self._poisson_until = hi

    def _draw_renewal(self, rng, lo, hi):
        """SpikeSourceGamma / SpikeSourcePoissonRefractory: each neuron's renewal process goes on
        from its next spike time (self._renewal_next, ms; NaN: starts at max(start, now)); spikes
        at times t with start < t <= start + duration land on step ceil(t / dt) if in [lo, hi)."""
        dt = state.dt
        p = {n: np.broadcast_to(np.asarray(self._parameters[n], dtype=float), (self.size,))
             for n in self.celltype.get_native_names()}
        gamma = type(self.celltype).__name__ == "SpikeSourceGamma"
        if gamma:
            bad = np.flatnonzero((p["alpha"] <= 0) | (p["beta"] < 0))
            if len(bad):
                raise errors.InvalidParameterValueError(
                    f"population {self.label!r}, neuron {int(bad[0])}: SpikeSourceGamma needs alpha > 0 and "
                    f"beta >= 0, not alpha={p['alpha'][bad[0]]}, beta={p['beta'][bad[0]]}")
        else:
            bad = np.flatnonzero((p["rate"] < 0) | (p["tau_refrac"] < 0) |
                                 ((p["rate"] > 0) & (p["rate"] * p["tau_refrac"] >= 1000.0)))
            if len(bad):
                raise errors.InvalidParameterValueError(
                    f"population {self.label!r}, neuron {int(bad[0])}: SpikeSourcePoissonRefractory needs rate >= 0, "
                    f"tau_refrac >= 0 and 1000/rate > tau_refrac (ms), not rate={p['rate'][bad[0]]}, "
                    f"tau_refrac={p['tau_refrac'][bad[0]]}")
        if getattr(self, "_renewal_next", None) is None:
            self._renewal_next = np.full(self.size, np.nan)
        t_hi = (hi - 1) * dt  # the last time whose step is < hi
        for i in range(self.size):
            start, end = p["start"][i], p["start"][i] + p["duration"][i]
            if gamma:
                if p["beta"][i] <= 0:
                    continue
                mean = 1000.0 * p["alpha"][i] / p["beta"][i]
                draw = lambda n, i=i: rng.gamma(p["alpha"][i], 1000.0 / p["beta"][i], n)  # noqa: E731
            else:
                if p["rate"][i] <= 0:
                    continue
                mean = 1000.0 / p["rate"][i]
                draw = lambda n, i=i, m=mean: p["tau_refrac"][i] + rng.exponential(m - p["tau_refrac"][i], n)  # noqa: E731
            t = self._renewal_next[i]
            if np.isnan(t):
                t = max(start, (lo - 1) * dt) + draw(1)[0]
            while t <= min(end, t_hi + 1e-9 * dt):
                n = int((min(end, t_hi) - t) / mean) + 16
                times = t + np.concatenate(([0.0], np.cumsum(draw(n))))
                take = times[times <= min(end, t_hi) + 1e-9 * dt]
                for step in np.maximum(np.ceil(take / dt - 1e-9).astype(int), lo):
                    self._poisson.setdefault(int(step), []).append(i)
                t = times[len(take)] if len(take) < len(times) else times[-1] + draw(1)[0]
            self._renewal_next[i] = t

    def _fire_poisson(self, sim, now):
        ids = self._poisson.pop(now, None)
        if ids:
            sim.inject_spikes(self._nm, sorted(ids))


def simulator_poisson_types():
    """The cell types whose spikes are drawn here and injected into the core (SpikeSourcePoisson,
    SpikeSourceGamma, SpikeSourcePoissonRefractory)."""
    from .standardmodels import SpikeSourceGamma, SpikeSourcePoisson, SpikeSourcePoissonRefractory
    return (SpikeSourcePoisson, SpikeSourceGamma, SpikeSourcePoissonRefractory)
