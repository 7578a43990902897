"""The backend's state: the PyNN model (populations, projections, current sources,
recorders) and the neuromesh simulation that runs it.

The PyNN objects keep their parameters, initial values and connections in Python. The first
run() after setup() or reset() describes them to neuromesh (a neuromesh.Network) and builds
one core simulation (Network.simulator(): the closed-loop driver); run() then advances it,
stopping only where Python must act: a current source changes amplitude (Simulator.set_current),
a SpikeSourcePoisson fires (Simulator.inject_spikes), or a state variable is sampled for a
recorder (Simulator.state). Spikes are recorded by the core. A run() after a run continues the
same simulation (NEST's Simulate); changing the network itself (new populations or
projections, parameters, initial values, connection attributes) between runs needs reset(),
and a run() without it raises an error naming the change -- never a silently ignored change.
"""
import numpy as np
from pyNN import common

import neuromesh as nm

name = "neuromesh"


class ID(int, common.IDMixin):
    """A neuron's global id (PyNN's ID)."""

    def __init__(self, n):
        int.__init__(n)
        common.IDMixin.__init__(self)


class State(common.control.BaseState):
    """Time, the model's objects and the built core simulation."""

    def __init__(self):
        common.control.BaseState.__init__(self)
        self.mpi_rank = 0
        self.num_processes = 1
        self.dt = 0.1
        self.min_delay = "auto"
        self.max_delay = 10.0
        self.seed = 12345
        self.threads = 1
        self.clear()

    # -- bookkeeping --
    def clear(self):
        """Forgets every population, projection, current source and recorder (PyNN's end/setup)."""
        self.populations, self.projections, self.current_sources = [], [], []
        self.recorders = set()
        self.id_counter = 0
        self.segment_counter = -1
        self.net = None
        self.sim = None
        self.changed = None  # what changed since the build (a sentence), or None
        self.currents_changed = False
        self.noise_rng = np.random.default_rng(self.seed)
        self.reset()

    def reset(self):
        """Back to t = 0 with the initial values; the next run() builds the network again."""
        if self.sim is not None:
            self.sim.close()
        self.sim, self.net, self.changed = None, None, None
        self.running = False
        self.step_count = 0
        self.t_start = 0
        self.segment_counter += 1
        self.noise_rng = np.random.default_rng([self.seed, max(self.segment_counter, 0)])
        for source in self.current_sources:
            source._reset()
        for rec in self.recorders:
            rec._clear_samples()

    @property
    def t(self):
        """The simulated time reached [ms]."""
        return self.step_count * self.dt

    def min_delay_ms(self, auto=False):
        """setup's min_delay [ms]; 'auto': the time step, or (auto=True) the smallest delay made."""
        if self.min_delay != "auto":
            return self.min_delay
        delays = [float(p._attrs["delay"].min()) for p in self.projections if auto and len(p)]
        return min(delays) if delays else self.dt

    def model_changed(self, what):
        """Called when the network's description changes; fine before the first run."""
        if self.sim is not None and self.changed is None:
            self.changed = what

    # -- building --
    def _build(self, horizon):
        """Describes the model to neuromesh and builds the simulation; `horizon` is the end of the
        run about to start [steps] (SpikeSourcePoisson spikes up to it become spike-source times)."""
        net = nm.Network(dt=self.dt, seed=self.seed, name="pyNN")
        for index, pop in enumerate(self.populations):
            pop._build(net, index, horizon)
        for prj in self.projections:
            prj._build(net)
        self.net = net
        self.sim = net.simulator(threads=self.threads)
        self.changed = None
        self.currents_changed = True

    # -- running --
    def run(self, simtime):
        """Runs for `simtime` ms more."""
        self.run_until(self.t + simtime)

    def run_until(self, tstop):
        """Runs until t = tstop ms (a multiple of dt)."""
        end = int(round(tstop / self.dt))
        if abs(end * self.dt - tstop) > 1e-9 * max(1.0, abs(tstop)):
            raise ValueError(f"run: t = {tstop} ms is not a multiple of the time step {self.dt} ms")
        if end < self.step_count:
            raise ValueError(f"run_until: t = {tstop} ms is before the current time {self.t} ms")
        if not self.populations:  # nothing to simulate: time just goes on
            self.step_count, self.running = end, True
            return
        if self.sim is None:
            self._build(end)
        elif self.changed is not None:
            raise nm.ConfigError(f"pyNN.neuromesh: {self.changed} after the network ran (t = {self.t} ms); neuromesh "
                                 "cannot change a running network: call sim.reset() first, or make the change "
                                 "before the first run()")
        if not self.running:  # the first samples (t = 0) of a segment
            for rec in self.recorders:
                rec._sample(self.step_count)
        self.running = True
        sim = self.sim
        while self.step_count < end:
            now = self.step_count
            self._apply_currents(now)
            for pop in self.populations:
                pop._fire_poisson(sim, now)
            stop = self._next_stop(now, end)
            sim.advance((stop - now) * self.dt)
            self.step_count = stop
            for rec in self.recorders:
                rec._sample(stop)

    def _next_stop(self, now, end):
        """The first step after `now` (at most `end`) where Python must act before advancing."""
        stop = end
        for source in self.current_sources:
            if source._targets:
                stop = min(stop, source.next_change(now, stop))
        for pop in self.populations:
            stop = min(stop, pop._next_poisson(now, stop))
        for rec in self.recorders:
            stop = min(stop, rec._next_sample(now, stop))
        return stop

    def _apply_currents(self, step):
        """Sets each injected neuron's current to the sum of its sources at `step` [nA]."""
        totals, dirty = {}, self.currents_changed
        for source in self.current_sources:
            if source._targets and not dirty:
                dirty = source.next_change(step - 1, step + 1) == step
        if not dirty:
            return
        for pop in self.populations:  # i_offset set after the build (populations._parameters_changed)
            delta = pop._i_offset_change()
            if delta is not None:
                totals[pop] = delta
        for source in self.current_sources:
            amp = source.amplitude_at(step)
            for pop, idx in source._targets:
                total = totals.setdefault(pop, np.zeros(pop.size))
                np.add.at(total, idx, amp)
        for pop, total in totals.items():
            self.sim.set_current(pop._nm, range(pop.size), total)
        self.currents_changed = False


state = State()
