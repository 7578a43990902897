"""PyNN recorders on neuromesh: spikes from the core's spike record, state variables sampled
from the core (Simulator.state) every sampling interval, the first sample at t = 0 (the
initial values), as PyNN's NEST backend returns them."""
import numpy as np
from pyNN import recording

from . import simulator


class Recorder(recording.Recorder):
    """PyNN's Recorder on neuromesh: records spikes and state of a population."""

    _simulator = simulator

    def __init__(self, population, file=None):
        super().__init__(population, file)
        self._samples = {}  # variable name -> list of (step, ids (sorted tuple), values)
        self._spikes_from = 0.0  # spikes before this time were cleared (get_data(clear=True))

    def _record(self, variable, new_ids, sampling_interval=None):
        if variable.name != "spikes":
            self.sampling_interval = sampling_interval or self._simulator.state.dt
            every = self.sampling_interval / self._simulator.state.dt
            if abs(every - round(every)) > 1e-9 or round(every) < 1:
                raise ValueError(f"sampling_interval {self.sampling_interval} ms must be a multiple of the time step "
                                 f"{self._simulator.state.dt} ms")
            if variable.name not in self.population.celltype.state_map:
                raise recording.errors.RecordingError(variable.name, self.population.celltype)

    def _every(self):
        return max(1, int(round(self.sampling_interval / self._simulator.state.dt)))

    def _state_variables(self):
        return [v for v in self.recorded if v.name != "spikes" and self.recorded[v]]

    def _next_sample(self, now, limit):
        if not self._state_variables():
            return limit
        every = self._every()
        return min(limit, (now // every + 1) * every)

    def _sample(self, step):
        """Records the state variables at time step `step` (called after the core reached it)."""
        if step % self._every():
            return
        sim = self._simulator.state.sim
        pop = self.population
        first = int(pop.first_id)
        for variable in self._state_variables():
            ids = tuple(sorted(int(i) for i in self.recorded[variable]))
            core_name, factor = pop.celltype.state_map[variable.name]
            values = np.asarray(sim._sim.state(pop._nm.label, core_name, [i - first for i in ids]), dtype=float) * factor
            self._samples.setdefault(variable.name, []).append((step, ids, values))

    def _clear_samples(self):
        self._samples = {}
        self._spikes_from = 0.0

    def _get_spiketimes(self, ids, clear=False):
        pop = self.population
        ids = np.asarray(sorted(int(i) for i in ids), dtype=int)
        sim = self._simulator.state.sim
        if sim is None or ids.size == 0:
            return np.array([], dtype=int), np.array([], dtype=float)
        local, times = pop._spikes()
        global_ids = local.astype(int) + int(pop.first_id)
        keep = np.isin(global_ids, ids) & (times > self._spikes_from)
        if clear:
            self._spikes_from = self._simulator.state.t
        return global_ids[keep], times[keep].copy()

    def _get_all_signals(self, variable, ids, clear=False):
        rows = self._samples.get(variable.name, [])
        ids = [int(i) for i in ids]
        out = np.full((len(rows), len(ids)), np.nan)
        for r, (_, recorded, values) in enumerate(rows):
            where = {i: k for k, i in enumerate(recorded)}
            for c, i in enumerate(ids):
                if i in where:
                    out[r, c] = values[where[i]]
        if clear:
            self._samples[variable.name] = []
        return out, None

    def _local_count(self, variable, filter_ids=None):
        ids = sorted(self.filter_recorded(variable, filter_ids))
        got, _ = self._get_spiketimes(ids)
        counts = {int(i): 0 for i in ids}
        for i in got:
            counts[int(i)] += 1
        return counts

    def _clear_simulator(self):
        self._samples = {k: [] for k in self._samples}
        self._spikes_from = self._simulator.state.t

    def _reset(self):
        self._samples = {}
