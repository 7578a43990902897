"""Current sources (DCSource, StepCurrentSource, ACSource, NoisyCurrentSource).

The core takes an extra current per neuron that persists until changed
(Simulator.set_current); each source says at which time steps its amplitude changes
(`next_change`) and what it is from a step on (`amplitude_at`). The run loop
(simulator.State.run) stops at those steps and sets the sum of the sources into each
neuron. A current set at step k acts on the update from t = k*dt to (k+1)*dt, so the
membrane potential first moves at start + dt, as with PyNN's NEST backend.
"""
import numpy as np
from pyNN.parameters import ParameterSpace, Sequence

from .simulator import state


class CurrentSource:
    """Mixin for the standard current sources; parameters in PyNN units (nA, ms, Hz, deg)."""

    def __init__(self, **parameters):
        object.__setattr__(self, "_params", {})
        object.__setattr__(self, "_targets", [])  # (population, indices in it)
        object.__setattr__(self, "_recording", False)
        object.__setattr__(self, "_noise", {})  # NoisyCurrentSource: step -> amplitude drawn
        super().__init__(**parameters)
        ps = ParameterSpace(self.default_parameters, self.get_schema(), shape=(1,))
        ps.update(**parameters)
        self.set_native_parameters(self.translate(ps))
        state.current_sources.append(self)

    # -- parameters (PyNN's StandardCurrentSource asks for these two) --
    def set_native_parameters(self, parameters):
        """Sets parameters from a PyNN ParameterSpace (PyNN units; one value per source)."""
        parameters.evaluate(simplify=True)
        for name, value in parameters.items():
            if isinstance(value, Sequence):
                value = value.value
            self._params[name] = np.array(value, dtype=float) if np.ndim(value) else float(value)
        if type(self).__name__ == "StepCurrentSource":
            times = np.atleast_1d(self._params["times"]).astype(float)
            amplitudes = np.atleast_1d(self._params["amplitudes"]).astype(float)
            if len(times) != len(amplitudes):
                raise ValueError("StepCurrentSource: times and amplitudes must have the same length")
            if (times < 0).any():
                raise ValueError("Step current cannot accept negative timestamps.")
            if (np.diff(times) <= 0).any():
                raise ValueError("Step current timestamps should be monotonically increasing.")
            # On the time grid (nearest step); of times that fall on one step, the last one counts.
            steps = np.rint(times / state.dt).astype(int)
            last = np.append(steps[1:] != steps[:-1], True)
            self._params["times"] = steps[last] * state.dt
            self._params["amplitudes"] = amplitudes[last]
        state.currents_changed = True

    def get_native_parameters(self):
        """The parameters as a PyNN ParameterSpace (PyNN units)."""
        return ParameterSpace(dict(self._params))

    def inject_into(self, cells):
        """Injects this source into a Population, PopulationView, Assembly or a list of IDs."""
        for cell in cells:
            if not cell.celltype.injectable:
                raise TypeError("Can't inject current into a spike source.")
        by_pop = {}
        for cell in cells:
            by_pop.setdefault(cell.parent, []).append(cell.parent.id_to_index(cell))
        for pop, idx in by_pop.items():
            self._targets.append((pop, np.asarray(idx, dtype=int)))
        state.currents_changed = True

    # -- the schedule, in time steps --
    def _step(self, t_ms):
        return int(round(float(t_ms) / state.dt))

    def _window(self):
        start = self._step(self._params.get("start", 0.0))
        stop = self._params.get("stop", 1e12)
        return start, (self._step(stop) if np.isfinite(stop) and stop < 1e11 else None)

    def next_change(self, now, limit):
        """The first step after `now` at which the amplitude may change, or `limit` if none
        comes before it."""
        kind = type(self).__name__
        if kind == "StepCurrentSource":
            steps = [self._step(t) for t in np.atleast_1d(self._params["times"])]
        else:
            start, stop = self._window()
            steps = [start] + ([stop] if stop is not None else [])
            if kind != "DCSource" and start <= now + 1 and (stop is None or now + 1 < stop):
                # ACSource changes every step, NoisyCurrentSource every `dt`, inside [start, stop)
                every = 1 if kind == "ACSource" else max(1, self._step(self._params["dt"]))
                steps.append(start + (-(-(now + 1 - start) // every)) * every)
        later = [s for s in steps if s > now]
        return min([limit] + later)

    def amplitude_at(self, step):
        """The amplitude [nA] from time step `step` on (until the next change step)."""
        kind = type(self).__name__
        p = self._params
        if kind == "StepCurrentSource":
            steps = np.array([self._step(t) for t in np.atleast_1d(p["times"])])
            k = np.searchsorted(steps, step, side="right") - 1
            return float(np.atleast_1d(p["amplitudes"])[k]) if k >= 0 else 0.0
        start, stop = self._window()
        if step < start or (stop is not None and step >= stop):
            return 0.0
        if kind == "DCSource":
            return p["amplitude"]
        t = step * state.dt
        if kind == "ACSource":
            return p["offset"] + p["amplitude"] * np.sin(2 * np.pi * p["frequency"] * 1e-3 * (t - p["start"])
                                                         + np.deg2rad(p["phase"]))
        every = max(1, self._step(p["dt"]))
        key = start + ((step - start) // every) * every
        if key not in self._noise:
            self._noise[key] = p["mean"] + p["stdev"] * state.noise_rng.standard_normal()
        return self._noise[key]

    def _reset(self):
        self._noise.clear()

    # -- recording the injected current --
    def record(self):
        """Records the injected current (PyNN's CurrentSource.record; read with get_data())."""
        object.__setattr__(self, "_recording", True)

    def _get_data(self):
        n = int(round(state.t / state.dt)) + 1
        amps = np.array([self.amplitude_at(k) for k in range(n)])
        return np.arange(n) * state.dt, amps
