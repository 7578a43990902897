"""Describing and running networks from Python (PyNN/PyNEST style).

    net = neuromesh.Network(dt=0.1, seed=42)
    exc = net.population(3200, neuromesh.IF_cond_exp(tau_m=20.0), label="E")
    net.connect(exc, exc, neuromesh.FixedProbability(0.02), neuromesh.StaticSynapse(weight=0.006, delay=0.1))
    exc.record("spikes")
    result = net.run(1000.0, threads=2, output="run.h5", progress=True)
    ids, times = exc.spikes
"""
import sys

import numpy as np

from . import _core
from .errors import ConfigError
from .models import CellType, SpikeSourceArray
from .random import Distribution
from .synapses import StaticSynapse


def _core_value(value, where):
    """A parameter value as the core takes it: float, list of floats or core Distribution."""
    if isinstance(value, Distribution):
        return value.to_core()
    if isinstance(value, (list, tuple, np.ndarray)):
        arr = np.asarray(value, dtype=float)
        if arr.ndim != 1:
            raise ConfigError(f"{where}: arrays must be one-dimensional")
        return arr.tolist()
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{where}: {value!r} is not a number, array or neuromesh.random distribution") from None


def _slice_of(p):
    return (p.begin, p.end) if isinstance(p, PopulationView) else (0, p.size)


def _core_weight(weight, cell, receptor):
    """A weight in the core's unit and sign: PyNN units scaled; inhibition is a negative current
    for current-based models and a positive conductance for conductance-based ones, whatever sign
    the user gave (PyNN accepts both)."""
    if isinstance(weight, Distribution):
        return weight.scaled(cell.weight_scale)
    w = np.asarray(weight, dtype=float) * cell.weight_scale
    if receptor == "inhibitory" and cell.core_model.endswith(("psc_exp", "psc_alpha")):
        w = -np.abs(w)
    elif cell.core_model.endswith("cond_exp"):
        w = np.abs(w)
    return w if w.ndim else float(w)


class DCSource:
    """A constant current [nA, PyNN units] from start to stop [ms]."""

    def __init__(self, amplitude, start=0.0, stop=None):
        self.amplitude, self.start, self.stop = float(amplitude), float(start), stop

    def inject_into(self, population):
        population.network._dc.append((population.label, self.amplitude * 1000.0, self.start, self.stop))


class Population:
    """A group of neurons of one cell type. After a run, `spikes` holds (ids, times [ms])."""

    def __init__(self, network, size, cell, label, initial):
        self.network, self.size, self.cell, self.label = network, int(size), cell, label
        self.initial = dict(initial or {})
        self._recording = []

    def record(self, variables="spikes", interval=1.0, ids=None):
        """Record "spikes" and/or state variables ("v" or core names such as "V_m", "g_ex")."""
        for var in [variables] if isinstance(variables, str) else variables:
            core_var = {"v": "V_m", "gsyn_exc": "g_ex", "gsyn_inh": "g_in"}.get(var, var)
            self._recording.append((core_var, float(interval), [] if ids is None else [int(i) for i in ids]))

    def inject(self, source):
        source.inject_into(self)

    @property
    def spikes(self):
        """(population-local ids, times in ms) of the last run, as numpy arrays."""
        if self.network._last is None:
            raise ConfigError(f"population '{self.label}': run the network before reading spikes")
        return self.network._last.spikes(self.label)

    def __len__(self):
        return self.size

    def __getitem__(self, index):
        """A contiguous slice as a PopulationView (pop[10:20]) for connect()."""
        if not isinstance(index, slice):
            raise ConfigError(f"population '{self.label}': index with a slice, e.g. pop[0:100]")
        begin, end, step = index.indices(self.size)
        if step != 1 or end <= begin:
            raise ConfigError(f"population '{self.label}': slice {index} must be contiguous and non-empty")
        return PopulationView(self, begin, end)

    def __repr__(self):
        return f"Population({self.size}, {self.cell!r}, label={self.label!r})"


class PopulationView:
    """Neurons [begin, end) of a population, usable as pre or post of connect()."""

    def __init__(self, parent, begin, end):
        self.parent, self.begin, self.end = parent, begin, end
        self.size, self.label, self.cell, self.network = end - begin, parent.label, parent.cell, parent.network

    def __len__(self):
        return self.size

    @property
    def spikes(self):
        """(population-local ids, times [ms]) of the view's neurons in the last run."""
        ids, times = self.parent.spikes
        keep = (ids >= self.begin) & (ids < self.end)
        return ids[keep], times[keep]

    def __repr__(self):
        return f"{self.label}[{self.begin}:{self.end}]"


class Result:
    """What a run produced: summary numbers and spikes per population."""

    def __init__(self, sim, output):
        self._sim, self.output = sim, output
        self.summary = sim.summary()
        self.energy = None  # a neuromesh.hardware.EnergyReport when run with hardware=
        self.timing = None  # a neuromesh.hardware.TimingReport when run with timing=

    def spikes(self, population):
        return self._sim.spikes(population)

    def rates(self):
        return dict(self.summary["rates_hz"])

    @property
    def rank(self):
        """MPI rank of this process (0 without mpirun). Rank 0 holds every spike and writes the file."""
        return self.summary["rank"]

    @property
    def ranks(self):
        return self.summary["ranks"]

    def communication_volume(self, ranks=(2, 4, 8, 16, 32, 64), decomposition="block"):
        """What each of N MPI ranks would send per biological second to exchange this run's spikes,
        all-gather vs targeted (the communication-volume model, docs/mpi.md); needs the spikes in
        memory (a single-process run)."""
        return self._sim.estimate_communication([int(r) for r in ranks], decomposition)


class Network:
    """A network description. Nothing is built until run() or simulator()."""

    def __init__(self, dt=0.1, seed=12345, name="network"):
        if not dt > 0:
            raise ConfigError(f"dt = {dt} ms: the time step must be > 0")
        self.dt, self.seed, self.name = float(dt), int(seed), name
        self.populations = []
        self._projections, self._poisson, self._dc = [], [], []
        self._last = None

    def population(self, size, cell, label=None, initial=None):
        if not isinstance(cell, CellType):
            raise ConfigError(f"population {label!r}: {cell!r} is not a cell type (e.g. neuromesh.IF_cond_exp())")
        if int(size) != size or size <= 0:
            raise ConfigError(f"population {label!r}: size {size} must be a positive integer")
        label = label or f"population{len(self.populations)}"
        if any(p.label == label for p in self.populations):
            raise ConfigError(f"population label {label!r} is used twice")
        pop = Population(self, size, cell, label, initial)
        self.populations.append(pop)
        return pop

    def connect(self, pre, post, connector, synapse=None, receptor="excitatory"):
        for p in (pre, post):
            if not isinstance(p, (Population, PopulationView)) or p.network is not self:
                raise ConfigError(f"connect: {p!r} is not a population (or view) of this network")
        if receptor not in ("excitatory", "inhibitory"):
            raise ConfigError(f"connect {pre.label}->{post.label}: receptor {receptor!r} must be 'excitatory' or 'inhibitory'")
        self._projections.append((pre, post, connector, synapse or StaticSynapse(), receptor))

    def poisson_input(self, target, rate, weight, receptor="excitatory"):
        """Each neuron of `target` receives its own Poisson train of `rate` Hz (NEST's poisson_generator)."""
        if isinstance(target, PopulationView):
            raise ConfigError(f"poisson_input: give the whole population '{target.label}', not a view")
        self._poisson.append((target, float(rate), weight, receptor))

    def spec(self):
        """The core description (validated when built)."""
        s = _core.NetworkSpec()
        s.name, s.dt, s.seed = self.name, self.dt, self.seed
        for p in self.populations:
            where = f"population '{p.label}'"
            params = {k: _core_value(v, f"{where}, parameter {k}") for k, v in p.cell.core_params().items()}
            initial = {k: _core_value(v, f"{where}, initial {k}") for k, v in p.cell.core_initial(p.initial).items()}
            times = p.cell.spike_times(p.size) if isinstance(p.cell, SpikeSourceArray) else []
            s.add_population(p.label, p.size, p.cell.core_model, params, initial, times)
            for var, interval, ids in p._recording:
                s.add_recorder(p.label, var, interval, ids)
        for pre, post, conn, syn, receptor in self._projections:
            where = f"projection {pre.label}->{post.label}"
            delay = self.dt if syn.delay is None else syn.delay
            s.add_projection(pre.label, post.label, weight=_core_value(_core_weight(syn.weight, post.cell, receptor), f"{where}, weight"),
                             delay=_core_value(delay, f"{where}, delay"), receptor=receptor,
                             pre_slice=_slice_of(pre), post_slice=_slice_of(post), **conn.core_args())
        for target, rate, weight, receptor in self._poisson:
            s.add_poisson(target.label, rate, float(weight) * target.cell.weight_scale, receptor)
        for label, amplitude, start, stop in self._dc:
            s.add_dc(label, amplitude, start, float("inf") if stop is None else float(stop))
        s.validate()
        return s

    def run(self, duration, backend="cpu", threads=0, output=None, progress=False, precision="float", device=0,
            exchange="targeted", decomposition=None, hardware=None, placement="sequential", timing=None,
            link_capacity=None, step_time_us=None, timing_reference=True, connectivity=None, **hardware_options):
        """Builds and runs the network for `duration` ms; returns a Result. Ctrl-C stops the run
        with KeyboardInterrupt and leaves the output file closed and readable. backend: "cpu",
        "cuda" (GPU number `device`) or "cuda-omp" (see neuromesh.features()); connectivity (cuda
        backends): "stored", "procedural" or "procedural_if_regenerable" rows (docs/cuda.md). Under mpirun the
        network is distributed over the ranks (exchange: "targeted" or "allgather"; decomposition:
        "block" or "round-robin"; default block, or with hardware= the chips and cores of the
        placement, as in the CLI); rank 0's Result holds every spike.
        hardware="loihi" (a preset or JSON file) also maps the network onto that chip family
        (placement: sequential, random or energy-aware; hardware_options: see
        neuromesh.hardware.map_network) and sets result.energy (docs/routing.md).
        timing="delay" or "drop" (with hardware=) runs the timing mode: each link forwards
        link_capacity packets per step (default: the preset's link rate x step_time_us, default the
        step itself); late packets reach their cores later, dropped ones never; result.timing
        reports it, compared with an ideal run made first unless timing_reference=False."""
        mapping = None
        if hardware is not None:
            from . import hardware as _hw
            mapping = _hw.map_network(self, hardware, placement, **hardware_options)
        elif timing is not None:
            raise ConfigError("timing= needs hardware=: the chip whose links are modelled")
        ranks = _core.launcher_process_count()
        rank_of_gid = []
        if mapping is not None and decomposition is None and ranks > 1:  # placement decides ownership
            rank_of_gid = mapping._m.rank_of_gid(ranks).tolist()
        if timing is not None and ranks > 1:
            exchange = "allgather"  # every rank runs the timing model on every spike

        def make(out, build_progress=None):
            return _core.Simulation(self.spec(), backend, int(threads), precision, out,
                                    build_progress=build_progress, exchange=exchange,
                                    decomposition=decomposition or "block", rank_of_gid=rank_of_gid,
                                    device=int(device), connectivity=connectivity or "")

        ideal = None
        if timing is not None and timing_reference:
            ideal = make("")
            ideal.run(float(duration), _progress_bar(duration, "reference") if progress else None)
        sim = make(output or "", _progress_bar(1.0, "building", "") if progress else None)
        timing_filter = None
        if timing is not None:
            timing_filter = _hw.timing_filter(sim, mapping, timing, link_capacity, step_time_us)
        self._last = sim
        sim.run(float(duration), _progress_bar(duration) if progress else None)
        if ideal is not None:
            timing_filter.compare_with(ideal, sim)
        sim.finish()
        result = Result(sim, output)
        if mapping is not None and result.summary.get("rank", 0) == 0:  # rank 0 holds every spike
            result.energy = _hw.account(mapping, sim, self.dt, output=output)
        if timing_filter is not None:
            result.timing = _hw.TimingReport(timing_filter.report())
        return result

    def simulator(self, backend="cpu", threads=0, output=None, precision="float", device=0, connectivity=None):
        """A closed-loop simulator: step(), advance(ms), set_current(), inject_spikes(), last_spikes()."""
        sim = Simulator(self, _core.Simulation(self.spec(), backend, int(threads), precision, output or "",
                                               device=int(device), connectivity=connectivity or ""))
        self._last = sim._sim
        return sim


class Simulator:
    """Closed-loop stepping for robot-controller prototypes (see docs)."""

    def __init__(self, network, sim):
        self.network, self._sim = network, sim

    @property
    def time(self):
        return self._sim.time

    def step(self):
        self._sim.step()

    def advance(self, ms):
        self._sim.advance(int(round(ms / self.network.dt)))

    def inject_spikes(self, population, ids):
        self._sim.inject_spikes(population.label, [int(i) for i in ids])

    def set_current(self, population, ids, amplitude_nA):
        amps = np.broadcast_to(np.asarray(amplitude_nA, dtype=float) * 1000.0, (len(ids),))
        self._sim.set_current(population.label, [int(i) for i in ids], amps.tolist())

    def last_spikes(self, population):
        return self._sim.last_spikes(population.label)

    def state(self, population, variable, ids=None):
        ids = range(population.size) if ids is None else ids
        return self._sim.state(population.label, {"v": "V_m"}.get(variable, variable), [int(i) for i in ids])

    def state_view(self, population, variable):
        """A read-only numpy view of a state variable of the whole population in the engine's
        memory (no copy), updated in place by step()/advance(). Only where the engine allows it:
        one thread, one process, and a variable stored as the user sees it (e.g. g_ex, I_syn_ex,
        w, u -- not V_m, which is kept relative to E_L for exact integration); otherwise a
        ConfigError says why, and state() gives a copy."""
        return self._sim.state_view(population.label, {"v": "V_m"}.get(variable, variable))

    def close(self):
        self._sim.finish()


def _progress_bar(total, desc="simulating", unit="ms"):
    """A callback taking the fraction done: tqdm when installed, else a plain line on stderr."""
    try:
        from tqdm import tqdm
    except ImportError:
        def report(fraction):
            sys.stderr.write(f"\r{desc} {fraction * 100:5.1f} %")
            if fraction >= 1.0:
                sys.stderr.write("\n")
        return report
    bar = tqdm(total=float(total), unit=unit, desc=desc)

    def report(fraction):
        bar.update(fraction * total - bar.n)
        if fraction >= 1.0:
            bar.close()
    return report
