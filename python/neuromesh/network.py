"""Describing and running networks from Python (PyNN/PyNEST style).

    net = neuromesh.Network(dt=0.1, seed=42)
    exc = net.population(3200, neuromesh.IF_cond_exp(tau_m=20.0), label="E")
    net.connect(exc, exc, neuromesh.FixedProbability(0.02), neuromesh.StaticSynapse(weight=0.006, delay=0.1))
    exc.record("spikes")
    result = net.run(1000.0, threads=2, output="run.h5", progress=True)
    ids, times = exc.spikes
"""
import json
import numbers
import sys
import weakref

import numpy as np

from . import _core, introspection
from .connectors import Connector, FromListConnector
from .errors import ArgumentTypeError, ConfigError, NeuromeshIOError
from .models import CellType, SpikeSourceArray
from .random import Distribution
from .synapses import BY_NEST_NAME, STDPSynapse, StaticSynapse

_MAX_INDEX = 2**32 - 2  # neuron ids are 32-bit in the core; the last value marks "whole population"


def _core_value(value, where):
    """A parameter value as the core takes it: float, list of floats or core Distribution."""
    if isinstance(value, Distribution):
        return value.to_core()
    if isinstance(value, (list, tuple, np.ndarray)):
        arr = np.asarray(value, dtype=float)
        if arr.ndim != 1:
            raise ConfigError(f"{where}: arrays must be one-dimensional")
        return arr.tolist() if len(arr) < 2 else np.ascontiguousarray(arr)  # numpy: no Python list in between
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{where}: {value!r} is not a number, array or neuromesh.random distribution") from None


def _slice_of(p):
    return (p.begin, p.end) if isinstance(p, PopulationView) else (0, p.size)


def _core_weight(weight, cell):
    """A weight in the core's unit (PyNN's nA / uS scaled to pA / nS). Its sign is left to the
    core's one sign rule (docs/network-format.md, "Sign rule"), which also checks it against the
    receptor -- never decided here."""
    if isinstance(weight, Distribution):
        return weight.scaled(cell.weight_scale)
    w = np.asarray(weight, dtype=float) * cell.weight_scale
    return w if w.ndim else float(w)


def _receptor_name(receptor, where):
    """None (the sign chooses, as in NEST), "excitatory" or "inhibitory"."""
    if receptor is None:
        return "by_sign"
    if receptor not in ("excitatory", "inhibitory"):
        raise ConfigError(f"{where}: receptor {receptor!r} must be 'excitatory', 'inhibitory' or None "
                          "(None: the weight's sign chooses, as in NEST)")
    return receptor


def _synapse_of(synapse, where):
    """A synapse type from what connect() was given: None, a StaticSynapse / STDPSynapse /
    STDPMechanism, or a NEST-style syn_spec dict {"synapse_model": "stdp_synapse", "weight": w,
    "delay": d, "tau_plus": ...}."""
    if synapse is None:
        return StaticSynapse()
    if isinstance(synapse, (StaticSynapse, STDPSynapse)):
        return synapse
    if isinstance(synapse, dict):
        spec = dict(synapse)
        model = spec.pop("synapse_model", "static_synapse")
        kind = BY_NEST_NAME.get(model)
        if kind is None:
            raise ConfigError(f"{where}: synapse model {model!r} is not available (known: "
                              f"{', '.join(sorted(k for k in BY_NEST_NAME if k.endswith('_synapse') or '_hom' in k))})")
        if kind is StaticSynapse:
            unknown = sorted(set(spec) - {"weight", "delay"})
            if unknown:
                raise ConfigError(f"{where}: synapse {synapse!r}: static_synapse takes weight and delay only, "
                                  f"not {unknown}")
        return kind(**spec)
    hint = " (give a dict {'synapse_model': ...} or nm.STDPSynapse(...))" if isinstance(synapse, str) else ""
    raise ArgumentTypeError(f"{where}: synapse must be a synapse type such as nm.StaticSynapse(weight=..., "
                            f"delay=...), nm.STDPSynapse(...) or a dict, not {type(synapse).__name__} {synapse!r}{hint}")


def _neuron_count(size, where):
    """A population size: a positive integer the core can index (TypeError / ConfigError)."""
    if isinstance(size, bool) or not isinstance(size, (numbers.Integral, float, np.floating)):
        raise ArgumentTypeError(f"{where}: size must be an integer, not {type(size).__name__} {size!r}")
    if int(size) != size or size <= 0:
        raise ConfigError(f"{where}: size {size} must be a positive integer")
    if size > _MAX_INDEX:
        raise ConfigError(f"{where}: size {int(size)} exceeds the largest population neuromesh can index "
                          f"({_MAX_INDEX} neurons)")
    return int(size)


def _index_list(ids, n, where):
    """Neuron ids as ints in [0, n), checked here so a bad id is named at the call."""
    out = []
    for i in ids:
        if isinstance(i, bool) or not isinstance(i, (numbers.Integral, np.integer)):
            raise ArgumentTypeError(f"{where}: ids must be integers, not {type(i).__name__} {i!r}")
        if not 0 <= int(i) < n:
            raise ConfigError(f"{where}: id {int(i)} is outside [0, {n})")
        out.append(int(i))
    return out


class DCSource:
    """A constant current [nA, PyNN units] from start to stop [ms]."""

    def __init__(self, amplitude, start=0.0, stop=None):
        self.amplitude, self.start, self.stop = float(amplitude), float(start), stop

    def inject_into(self, population):
        """Adds this current to every neuron of `population` (PyNN's inject_into)."""
        population.network._dc.append((population.label, self.amplitude * 1000.0, self.start, self.stop))
        population.network._changed()


class Population:
    """A group of neurons of one cell type. After a run, `spikes` holds (ids, times [ms])."""

    def __init__(self, network, size, cell, label, initial):
        self.network, self.size, self.cell, self.label = network, int(size), cell, label
        self.initial = dict(initial or {})
        self._recording = []

    def record(self, variables="spikes", interval=None, ids=None, start=None, stop=None):
        """Record "spikes" and/or state variables ("v" or core names such as "V_m", "g_ex") of all
        neurons or of `ids` (population-local), state every `interval` ms (default 1 ms or dt if
        larger; a multiple of dt). Spikes of neurons not in `ids` are neither stored nor counted.
        start/stop [ms] (multiples of dt, 0 <= start < stop; default the whole run) record only
        the window [start, stop): spikes stamped t with start <= t < stop, state samples at
        multiples of `interval` in it. The output file and Result hold only the window, and rates
        are over it. The spike recorders of one population share one window."""
        where = f"population '{self.label}': record"
        chosen = None if ids is None else _index_list(ids, self.size, where)
        self._record(variables, interval, chosen, start, stop, where)

    def _record(self, variables, interval, ids, start, stop, where):
        interval = max(1.0, self.network.dt) if interval is None else float(interval)
        window = []
        for name, value in (("start", start), ("stop", stop)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, (numbers.Real, np.floating))):
                raise ArgumentTypeError(f"{where}: {name} must be a time in ms, not {type(value).__name__} {value!r}")
            window.append(None if value is None else float(value))
        start, stop = 0.0 if window[0] is None else window[0], float("inf") if window[1] is None else window[1]
        for var in [variables] if isinstance(variables, str) else variables:
            core_var = {"v": "V_m", "gsyn_exc": "g_ex", "gsyn_inh": "g_in"}.get(var, var)
            self._recording.append((core_var, interval, [] if ids is None else list(ids), start, stop))
        self.network._changed()

    def inject(self, source):
        """Injects a current source (e.g. nm.DCSource) into every neuron (PyNN's inject)."""
        source.inject_into(self)

    def get(self, parameter_names, gather=False, simplify=True):
        """PyNN's Population.get (NEST's GetStatus): the value of one parameter (a name) or a list
        of values (a list of names), in the cell type's units. A value is a number when every
        neuron has the same one and simplify=True, else a numpy array with one value per neuron
        (SpikeSourceArray's spike_times: one array, or a list of arrays). A parameter given as an
        nm.random distribution is drawn when the network is built and raises ConfigError.
        `gather` is accepted for PyNN: every MPI rank holds the whole description."""
        return introspection.get_values(self, 0, self.size, parameter_names, simplify,
                                        f"population '{self.label}': get")

    def set(self, **parameters):
        """PyNN's Population.set (NEST's SetStatus): new parameter values (numbers, one value
        per neuron, or nm.random distributions) in the cell type's units, e.g.
        pop.set(tau_m=15.0, v_thresh=np.linspace(-55, -50, len(pop))). Changes the description:
        after a run, call net.reset() first (ConfigError otherwise); the next run() builds the
        network with the new values. Other populations sharing the cell type object keep theirs."""
        introspection.set_population(self, parameters, f"population '{self.label}': set")

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

    def get(self, parameter_names, gather=False, simplify=True):
        """Population.get for the view's neurons (arrays have one value per neuron of the view)."""
        return introspection.get_values(self.parent, self.begin, self.end, parameter_names, simplify,
                                        f"{self!r}: get")

    def set(self, **parameters):
        """Population.set for the view's neurons only; the population's other neurons keep their
        values. A distribution (given, or already the population's value) and population-wide
        flags (allow_offgrid_times) cannot cover part of a population: ConfigError naming the
        parameter."""
        introspection.set_view(self, parameters, f"{self!r}: set")

    def record(self, variables="spikes", interval=None, ids=None, start=None, stop=None):
        """Record the view's neurons (ids, if given, are view-local: 0 is the view's first), in
        the window [start, stop) ms as Population.record."""
        where = f"{self!r}: record"
        local = range(self.size) if ids is None else _index_list(ids, self.size, where)
        self.parent._record(variables, interval, [self.begin + i for i in local], start, stop, where)

    @property
    def spikes(self):
        """(population-local ids, times [ms]) of the view's neurons in the last run."""
        ids, times = self.parent.spikes
        keep = (ids >= self.begin) & (ids < self.end)
        return ids[keep], times[keep]

    def __repr__(self):
        return f"{self.label}[{self.begin}:{self.end}]"


def _synapse_parameters(syn, cell, receptor):
    """The core parameters of synapse type `syn` on a projection onto `cell` (PyNN's
    TsodyksMarkramSynapse reads tau_psc from the cell, as PyNN's NEST backend does)."""
    if hasattr(syn, "core_parameters_for"):
        return syn.core_parameters_for(cell, receptor)
    return syn.core_parameters(cell.weight_scale)


class Projection:
    """What connect() returns: reads the projection's synapses back from the last run or
    simulator (weights a plastic projection has learnt, in the post cell type's units)."""

    def __init__(self, network, index, pre, post):
        self.network, self.index, self.pre, self.post = network, index, pre, post

    def _synapses(self):
        sim = self.network._last
        if sim is None:
            raise ConfigError(f"projection {self.pre.label}->{self.post.label}: nothing is built yet; "
                              "call net.run() or net.simulator() first")
        if self.index >= self.network._last_projection_count:
            raise ConfigError(f"projection {self.pre.label}->{self.post.label}: it was added after the last build; "
                              "call net.reset() and net.run() (or net.simulator()) to build it")
        if self.index in self.network._set_since_build:
            raise ConfigError(f"projection {self.pre.label}->{self.post.label}: its synapses were changed by "
                              "Projection.set after the last build; net.run() (or net.simulator()) builds them with "
                              "the new values, which get() then reads")
        return sim.synapses(self.index)

    def get(self, attribute_names, format="list", multiple_synapses="sum"):
        """PyNN's Projection.get: "weight" and/or "delay" (ms). format="list": (pre, post, value...)
        tuples sorted by (pre, post), ids within the connected populations, one per synapse;
        format="array": an (n_pre, n_post) array with NaN where no synapse exists, and several
        synapses of one pair (multapses) combined as PyNN does: multiple_synapses "sum" (PyNN's
        default), "first", "last", "min" or "max". Weights in the post cell type's units; their sign follows the connect() call:
        receptor="inhibitory" (PyNN) gives magnitudes, otherwise NEST's sign (negative inhibits,
        conductances included)."""
        names = [attribute_names] if isinstance(attribute_names, str) else list(attribute_names)
        for name in names:
            if name not in ("weight", "delay"):
                raise ConfigError(f"Projection.get: {name!r} is not readable (known: weight, delay)")
        if format not in ("list", "array"):
            raise ConfigError(f"Projection.get: format {format!r} must be 'list' or 'array'")
        if multiple_synapses not in ("sum", "first", "last", "min", "max"):
            raise ConfigError(f"Projection.get: multiple_synapses {multiple_synapses!r} must be 'sum', 'first', "
                              "'last', 'min' or 'max'")
        d = self._synapses()
        scale = self.post.cell.weight_scale
        weight = d["weight"] / scale
        if self.network._projections[self.index][4] == "inhibitory":  # PyNN's positive magnitudes
            weight = np.abs(weight)
        columns = {"weight": weight, "delay": d["delay"]}
        pre_begin, post_begin = _slice_of(self.pre)[0], _slice_of(self.post)[0]
        pre, post = d["pre"] - pre_begin, d["post"] - post_begin
        if format == "list":  # Python ints and floats, built column by column (0.3 s -> 0.02 s for 2e5 synapses)
            return list(zip(np.asarray(pre, dtype=np.int64).tolist(), np.asarray(post, dtype=np.int64).tolist(),
                            *[np.asarray(columns[n], dtype=np.float64).tolist() for n in names]))
        shape = (len(self.pre), len(self.post))
        present = np.zeros(shape, dtype=bool)
        present[pre, post] = True
        arrays = []
        for name in names:
            v = columns[name]
            if multiple_synapses in ("first", "last"):  # in list order: (pre, post, delay, row order)
                step = 1 if multiple_synapses == "first" else -1
                i, j, x = pre[::step], post[::step], v[::step]
                _, k = np.unique(np.asarray(i, dtype=np.int64) * shape[1] + j, return_index=True)  # first of each pair
                a = np.full(shape, np.nan)
                a[i[k], j[k]] = x[k]
            else:
                init = {"sum": 0.0, "min": np.inf, "max": -np.inf}[multiple_synapses]
                combine = {"sum": np.add, "min": np.minimum, "max": np.maximum}[multiple_synapses]
                a = np.full(shape, init)
                combine.at(a, (pre, post), v)
                a[~present] = np.nan
            arrays.append(a)
        return arrays[0] if isinstance(attribute_names, str) else arrays

    def set(self, **attributes):
        """PyNN's Projection.set before a build: new "weight" and/or "delay" (ms) for every synapse
        of the projection -- a number, an nm.random distribution, or an array: one value per
        synapse in connection order (FromList rows, OneToOne targets) or PyNN's (n_pre, n_post)
        array, read at each synapse's (pre, post); arrays need a connector that fixes the synapses
        before the build (OneToOne, FromList). Weights in the post cell type's units, under the
        sign rule of connect(). Checked at once by the shared validation layer (ConfigError naming
        the projection and parameter; the projection keeps its old values then). The next run()
        (or simulator()) builds the synapses with the new values, and Projection.get reads them
        from that build; until then get() raises ConfigError. After a run, call net.reset() first:
        a built simulation keeps its synapses, so set() refuses (ConfigError) rather than do
        nothing."""
        introspection.set_projection(self, attributes, f"{self!r}.set")

    def size(self, gather=True):
        """PyNN's Projection.size: the number of synapses of this projection in the last build
        (run() or simulator()); before one, ConfigError. Same as len(projection)."""
        return len(self._synapses()["pre"])

    def __len__(self):
        return self.size()

    def __bool__(self):  # a projection is truthy even before a build (len() would raise)
        return True

    def __repr__(self):
        return f"Projection({self.pre.label}->{self.post.label})"


class Result:
    """What a run produced: summary numbers and spikes per population."""

    def __init__(self, sim, output, network=None):
        self._sim, self.output, self._network = sim, output, network
        self.summary = sim.summary()
        self.energy = None  # a neuromesh.hardware.EnergyReport when run with hardware=
        self.timing = None  # a neuromesh.hardware.TimingReport when run with timing=

    def spikes(self, population):
        """(population-local ids, times [ms]) of population `population` (its label) as numpy arrays."""
        return self._sim.spikes(population)

    def rates(self):
        """Mean firing rate [Hz] per population label, over its recorded neurons and the run (or
        the part of the run in its recorder's start/stop window)."""
        return dict(self.summary["rates_hz"])

    def to_neo(self, population=None, variables="all"):
        """The run as a neo.Block (needs `neo`): a SpikeTrain per recorded neuron and an
        AnalogSignal per recorded state variable (units, sampling period, t_start, channel_ids),
        read from the output file; without one, the spikes in memory (state is only recorded into
        a file). population: a label or list (default all); variables: "all", "spikes" or state
        variable names. Layout: neuromesh.neo_convert."""
        from . import neo_convert
        return neo_convert.block_from_result(self, population, variables)

    def get_data(self, variables="all", population=None):
        """PyNN's get_data: the same neo.Block as to_neo(population, variables)."""
        return self.to_neo(population, variables)

    def _repr_html_(self):
        """Jupyter: the run's duration, counts, rates per population and output file."""
        return introspection.result_html(self)

    def weights(self, projection):
        """What net.record_weights(projection, ...) recorded (the first such recorder; or give its
        label): a dict of numpy arrays "times" (ms, the presynaptic spikes' times), "pre", "post"
        (ids within the connected populations or views), "weight" (the post cell type's units,
        like Projection.get), one entry per update of a recorded synapse, sorted by (time, pre,
        post). Under MPI rank 0 holds them."""
        net = self._network
        found = [i for i, (p, _, _, label) in enumerate(net._weight_recorders)
                 if p is projection or (isinstance(projection, str) and label == projection)]
        if not found:
            raise ConfigError(f"Result.weights: no weight recorder on {projection!r}; call "
                              "net.record_weights(projection, ...) before net.run()")
        proj = net._weight_recorders[found[0]][0]
        d = self._sim.recorded_weights(found[0])
        weight = d["weight"] / proj.post.cell.weight_scale
        if net._projections[proj.index][4] == "inhibitory":
            weight = np.abs(weight)
        return {"times": d["times"], "pre": d["pre"] - _slice_of(proj.pre)[0],
                "post": d["post"] - _slice_of(proj.post)[0], "weight": weight}

    @property
    def rank(self):
        """MPI rank of this process (0 without mpirun). Rank 0 holds every spike and writes the file."""
        return self.summary["rank"]

    @property
    def ranks(self):
        """Number of MPI ranks of the run (1 without mpirun)."""
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
        self._receptor_types = {}  # projection index -> NEST receptor_type (multisynapse ports)
        self._stimuli = []  # (target Population, NEST model name, parameters): stimulus()
        self._weight_recorders = []  # (Projection, pre ids, post ids, label)
        self._last = None
        self._last_projection_count = 0  # projections the last build (_last) has
        self._version = 0  # bumped by every change of the description (_changed)
        self._live = None  # the simulation a following run() continues (_LiveRun)
        self._set_since_build = set()  # projections changed by Projection.set since the last build

    def _set_last(self, sim):
        """The simulation Projection.get/size read from: the one just built or continued."""
        self._last, self._last_projection_count = sim, len(self._projections)
        self._set_since_build = set()

    def _repr_html_(self):
        """Jupyter: the populations and projections as tables."""
        return introspection.network_html(self)

    def population(self, size, cell, label=None, initial=None):
        """Adds `size` neurons of cell type `cell` (e.g. nm.IF_cond_exp(), nm.Model("iaf_psc_alpha"))."""
        where = f"population {label!r}"
        if not isinstance(cell, CellType):
            raise ArgumentTypeError(f"{where}: cell must be a cell type (e.g. neuromesh.IF_cond_exp()), "
                                    f"not {type(cell).__name__} {cell!r}")
        size = _neuron_count(size, where)
        if label is not None and not isinstance(label, str):
            raise ArgumentTypeError(f"{where}: label must be a string, not {type(label).__name__}")
        if initial is not None and not isinstance(initial, dict):
            raise ArgumentTypeError(f"{where}: initial must be a dict of variable: value, not {type(initial).__name__}")
        label = label or f"population{len(self.populations)}"
        if any(p.label == label for p in self.populations):
            raise ConfigError(f"population label {label!r} is used twice")
        pop = Population(self, size, cell, label, initial)
        self.populations.append(pop)
        self._changed()
        return pop

    def connect(self, pre, post, connector, synapse=None, receptor=None, receptor_type=None):
        """Connects pre to post (populations or views) by `connector` with `synapse` (a
        StaticSynapse or a NEST-style dict {"weight": w, "delay": d}). The sign rule
        (docs/python.md): receptor=None, the weight's sign chooses as in NEST (negative
        inhibits); "inhibitory", its magnitude inhibits (PyNN's positive weights); "excitatory",
        weights must be >= 0. Contradictions raise ConfigError naming the projection.
        receptor_type (NEST's name): the port 1..n of a *_multisynapse post model (one per entry
        of its tau_syn); weights of either sign act on it as given. Also read from a NEST-style
        synapse dict {"weight": w, "receptor_type": 2}."""
        for name, p in (("pre", pre), ("post", post)):
            if not isinstance(p, (Population, PopulationView)):
                raise ArgumentTypeError(f"connect: {name} must be a population or a view (pop[0:10]), "
                                        f"not {type(p).__name__} {p!r}")
            if p.network is not self:
                raise ConfigError(f"connect: {name} {p!r} belongs to another network")
        where = f"connect {pre.label}->{post.label}"
        if not isinstance(connector, Connector):
            raise ArgumentTypeError(f"{where}: connector must be a neuromesh connector such as "
                                    f"nm.FixedProbability(0.1), not {type(connector).__name__} {connector!r}")
        if isinstance(synapse, dict) and "receptor_type" in synapse:
            synapse = dict(synapse)
            given = synapse.pop("receptor_type")
            if receptor_type is not None and receptor_type != given:
                raise ConfigError(f"{where}: receptor_type given twice ({receptor_type} and {given})")
            receptor_type = given
        if receptor_type is not None and (isinstance(receptor_type, bool) or not isinstance(receptor_type, numbers.Integral)):
            raise ArgumentTypeError(f"{where}: receptor_type must be an integer port number, not "
                                    f"{type(receptor_type).__name__} {receptor_type!r}")
        synapse = _synapse_of(synapse, where)
        if receptor_type is not None:
            self._receptor_types[len(self._projections)] = int(receptor_type)
        self._projections.append((pre, post, connector, synapse, _receptor_name(receptor, where)))
        self._changed()
        return Projection(self, len(self._projections) - 1, pre, post)

    def record_weights(self, projection, pre=None, post=None, label=None):
        """NEST's weight_recorder: records the weight of the synapses of a plastic `projection`
        whose pre neuron is in `pre` and post neuron in `post` (ids within the connected
        populations or views, as Projection.get gives them; None: all -- NEST's senders and
        targets) each time a presynaptic spike updates it, at the spike's time. Read them with
        Result.weights(projection); the output file has /weights/<label> (default
        <pre>_to_<post>, as the projection's edges; docs/plasticity.md)."""
        if not isinstance(projection, Projection) or projection.network is not self:
            raise ArgumentTypeError(f"record_weights: give a Projection of this network (what connect() returns), "
                                    f"not {type(projection).__name__} {projection!r}")
        where = f"record_weights({projection!r})"
        ids = [None if v is None else _index_list(v, len(side), f"{where}: {name}")
               for v, side, name in ((pre, projection.pre, "pre"), (post, projection.post, "post"))]
        self._weight_recorders.append((projection, ids[0], ids[1], label))
        self._changed()

    def poisson_input(self, target, rate, weight, receptor=None):
        """Each neuron of `target` receives its own Poisson train of `rate` Hz (NEST's
        poisson_generator); `weight` and `receptor` follow the sign rule of connect()."""
        if isinstance(target, PopulationView):
            raise ConfigError(f"poisson_input: give the whole population '{target.label}', not a view")
        if not isinstance(target, Population):
            raise ArgumentTypeError(f"poisson_input: target must be a population, not {type(target).__name__}")
        for name, value in (("rate", rate), ("weight", weight)):
            if isinstance(value, bool) or not isinstance(value, (numbers.Real, np.floating)):
                raise ArgumentTypeError(f"poisson_input onto '{target.label}': {name} must be a number, "
                                        f"not {type(value).__name__} {value!r}")
        self._poisson.append((target, float(rate), float(weight), _receptor_name(receptor, f"poisson_input onto '{target.label}'")))
        self._changed()

    def stimulus(self, model, target, **parameters):
        """Drives every neuron of `target` with one of NEST's stimulation devices, by NEST's name
        and parameters (NEST units: pA, Hz, ms, degrees):

        - "step_current_generator": amplitude_times, amplitude_values, allow_offgrid_times;
        - "ac_generator": amplitude, offset, frequency, phase;
        - "noise_generator": mean, std, dt (default 10 steps), std_mod, frequency, phase (each
          neuron its own noise);
        - "inhomogeneous_poisson_generator": rate_times, rate_values, weight, receptor;
        - "sinusoidal_poisson_generator": rate, amplitude, frequency, phase,
          individual_spike_trains, weight, receptor;
        - "poisson_generator" (as poisson_input), "dc_source" (amplitude in pA).

        Every device takes start and stop [ms] and `delay` (NEST's connection delay; default one
        step for NEST's generators, which act as in NEST connected with delay = dt, and 0 for
        poisson_generator and dc_source). Weights and receptors follow the sign rule of connect().
        Noise and Poisson draws come from the keyed streams (the same for any thread, rank count
        and backend). Semantics: docs/network-format.md, "Stimuli"."""
        where = f"{model} onto '{getattr(target, 'label', target)}'"
        if isinstance(target, PopulationView):
            raise ConfigError(f"{where}: give the whole population '{target.label}', not a view")
        if not isinstance(target, Population):
            raise ArgumentTypeError(f"{where}: target must be a population, not {type(target).__name__}")
        if not isinstance(model, str):
            raise ArgumentTypeError(f"stimulus: model must be a NEST device name, not {type(model).__name__}")
        params = {}
        for name, value in parameters.items():
            if value is None:
                continue
            if name == "receptor":
                params[name] = _receptor_name(value, where)
            elif isinstance(value, (bool, np.bool_)):
                params[name] = bool(value)
            elif isinstance(value, (numbers.Real, np.floating, np.integer)):
                params[name] = float(value)
            elif isinstance(value, (list, tuple, np.ndarray)):
                params[name] = [float(v) for v in np.asarray(value, dtype=float).ravel()]
            else:
                raise ArgumentTypeError(f"{where}: {name} must be a number, a list of numbers or a bool, "
                                        f"not {type(value).__name__} {value!r}")
        if params.get("stop") is not None and not np.isfinite(params["stop"]):
            del params["stop"]
        self._stimuli.append((target, model, params))
        self._changed()

    def _changed(self):
        """The description changed: a run after this cannot continue the previous one."""
        self._version += 1

    def _fingerprint(self):
        """What a continued run must find unchanged: the structure (_version, bumped by every
        add) and the values users may assign directly (dt, seed, cell parameters, initial values,
        synapse weights and delays)."""
        return repr((self.dt, self.seed, self.name, self._version,
                     [(p.label, repr(p.cell), sorted(p.initial.items(), key=lambda kv: kv[0]))
                      for p in self.populations],
                     [(repr(syn), repr(conn)) for _, _, conn, syn, _ in self._projections]))

    def spec(self):
        """The core description (validated when built)."""
        s = _core.NetworkSpec()
        s.name, s.dt, s.seed = self.name, self.dt, self.seed
        for p in self.populations:
            where = f"population '{p.label}'"
            params = {k: _core_value(v, f"{where}, parameter {k}") for k, v in p.cell.core_params().items()}
            initial = {k: _core_value(v, f"{where}, initial {k}") for k, v in p.cell.core_initial(p.initial).items()}
            source = isinstance(p.cell, SpikeSourceArray)
            times = p.cell.spike_times(p.size) if source else []
            offgrid = bool(p.cell.params.get("allow_offgrid_times", False)) if source else False
            s.add_population(p.label, p.size, p.cell.core_model, params, initial, times, offgrid)
            for var, interval, ids, start, stop in p._recording:
                s.add_recorder(p.label, var, interval, ids, start=start, stop=stop)
        for index, (pre, post, conn, syn, receptor) in enumerate(self._projections):
            where = f"projection {pre.label}->{post.label}"
            per_row = conn.values if isinstance(conn, FromListConnector) else {}
            weight = per_row.get("weight", syn.weight)
            delay = per_row.get("delay", self.dt if syn.delay is None else syn.delay)
            s.add_projection(pre.label, post.label, weight=_core_value(_core_weight(weight, post.cell), f"{where}, weight"),
                             delay=_core_value(delay, f"{where}, delay"), receptor=receptor,
                             pre_slice=_slice_of(pre), post_slice=_slice_of(post), synapse=syn.core_model,
                             synapse_parameters=_synapse_parameters(syn, post.cell, receptor),
                             receptor_type=self._receptor_types.get(index, 0), **conn.core_args())
        for target, rate, weight, receptor in self._poisson:
            s.add_poisson(target.label, rate, weight * target.cell.weight_scale, receptor)
        for label, amplitude, start, stop in self._dc:
            s.add_dc(label, amplitude, start, float("inf") if stop is None else float(stop))
        for target, model, params in self._stimuli:
            entry = dict(params, type=model, target=target.label)
            if "weight" in entry:
                entry["weight"] = entry["weight"] * target.cell.weight_scale
            s.add_stimulus_json(json.dumps(entry), f"stimulus {model} onto '{target.label}'")
        for proj, pre, post, label in self._weight_recorders:
            pre_begin, post_begin = _slice_of(proj.pre)[0], _slice_of(proj.post)[0]
            s.add_weight_recorder(proj.index, [] if pre is None else [pre_begin + i for i in pre],
                                  [] if post is None else [post_begin + i for i in post], label or "")
        s.validate()
        return s

    def run(self, duration, backend=None, threads=None, output=None, progress=False, precision=None, device=None,
            exchange=None, decomposition=None, hardware=None, placement="sequential", timing=None,
            link_capacity=None, step_time_us=None, timing_reference=True, connectivity=None,
            checkpoint_every=None, checkpoint=None, resume=None, write_synapses=None, **hardware_options):
        """Builds and runs the network for `duration` ms; returns a Result. A new run is the one
        `neuromesh run` performs (neuromesh::run, docs/architecture.md "One run, two front ends"):
        the keywords become _core.RunOptions, checked alike (ConfigError naming the keyword, e.g.
        link_capacity without timing, checkpoint without checkpoint_every). Ctrl-C stops the run
        with KeyboardInterrupt and leaves the output file closed and readable. backend: "cpu",
        "cuda" (GPU number `device`) or "cuda-omp" (see neuromesh.features()); connectivity (cuda
        backends): "stored", "procedural" or "procedural_if_regenerable" rows (docs/cuda.md); cpu:
        "procedural_if_regenerable" (the default: conv2d projections are generated from their
        kernel, not stored) or "stored" (every projection as rows; docs/nir.md). Under mpirun the
        network is distributed over the ranks (exchange: "targeted" or "allgather"; decomposition:
        "block" or "round-robin"; default block, or with hardware= the chips and cores of the
        placement, as in the CLI); rank 0's Result holds every spike.
        hardware="loihi" (a preset or JSON file) also maps the network onto that chip family
        (placement: sequential, random or energy-aware; hardware_options: see
        neuromesh.hardware.map_network) and sets result.energy (docs/routing.md).
        timing="delay" or "drop" (with hardware=) runs the timing mode: each link forwards
        link_capacity packets per step (default: the preset's link rate x step_time_us, default the
        step itself); late packets reach their cores later, dropped ones never; result.timing
        reports it, compared with an ideal run made first unless timing_reference=False.

        A second run() continues the first, as NEST's Simulate and PyNN's run do: time goes on
        from where it stopped, spikes accumulate, the output file is appended to (its provenance
        says how many runs and their total duration). It needs the same backend, threads,
        precision and output (left out: as before; defaults on a first run: backend "cpu",
        threads 0 = all cores, precision "float", device 0, exchange "targeted") and a description
        unchanged since (otherwise ConfigError says what changed); reset() starts again from
        t = 0. Runs with hardware= or timing= always start from t = 0 (their reports cover one
        run).

        Checkpoints (docs/reliability.md): checkpoint_every=T (ms, on the dt grid) saves the state
        every T ms of simulated time to `checkpoint` (default: output + ".ckpt", else
        "neuromesh.ckpt"), atomically. resume=PATH starts a new run from such a checkpoint -- same
        network, dt, seed and precision (else ConfigError), any threads or ranks -- and runs on to
        t = `duration` (the whole run's length, as in the call that wrote it), continuing the
        output file written there; the spikes are bit-identical to an uninterrupted run's.
        Result.spikes() then holds the spikes after the checkpoint; the output file holds all.

        write_synapses ("plastic", the default; "all"; "none"): which projections' synapses the
        output file holds as SONATA edges (/edges/<pre>_to_<post>, weights as they are when a run
        ends; docs/plasticity.md). A continued run keeps the first run's choice."""
        if not isinstance(duration, numbers.Real) or isinstance(duration, bool):
            raise ArgumentTypeError(f"run: duration must be a number of ms, not {type(duration).__name__} {duration!r}")
        given = dict(backend=backend, threads=threads, precision=precision, device=device, exchange=exchange,
                     decomposition=decomposition, connectivity=connectivity, checkpoint_every=checkpoint_every,
                     checkpoint=checkpoint)
        if hardware is None and timing is None and resume is None and self._live is not None:
            sim = self._live.continue_with(self._fingerprint(), given, output)
            self._set_last(sim)
            try:
                sim.run(float(duration), _progress_bar(duration) if progress else None)
                sim.suspend_output()
            except (ConfigError, NeuromeshIOError):  # refused before anything moved (a duration off
                raise                                # the grid, a file that cannot be reopened)
            except BaseException:  # interrupted or failed: the file is closed; nothing to continue
                self._live.finalizer.detach()
                self._live = None
                raise
            return Result(sim, self._live.output, self)
        # A new run: one typed set of options for the run the CLI performs too (neuromesh::run,
        # backends/api/src/run.cpp), checked (ConfigError naming the option) before anything ends.
        backend = "cpu" if backend is None else backend
        threads = 0 if threads is None else int(threads)
        precision = "float" if precision is None else precision
        device = 0 if device is None else int(device)
        options = _core.RunOptions(duration=float(duration), backend=backend, threads=threads, precision=precision,
                                   device=device, exchange=exchange, decomposition=decomposition,
                                   connectivity=connectivity, output=output, keep_spikes=True,
                                   write_synapses=write_synapses, checkpoint_every=checkpoint_every,
                                   checkpoint=checkpoint, resume=None if resume is None else str(resume),
                                   hardware=None if hardware is None else str(hardware), timing=timing,
                                   link_capacity=link_capacity, step_time_us=step_time_us,
                                   timing_reference=bool(timing_reference),
                                   keep_open=hardware is None and timing is None)  # a plain run can go on
        _core.check_run_options(options)
        self.reset()
        mapping = None
        if hardware is not None:
            from . import hardware as _hw
            mapping = _hw.map_network(self, hardware, placement, **hardware_options)
            options.hardware, options.mapping = None, mapping._m

        def stage_bar(stage, ms):
            if stage == "build":
                return _progress_bar(1.0, "building", "")
            return _progress_bar(ms, "reference" if stage == "reference" else "simulating")

        sim, energy, timing_filter = _core.run(self.spec(), options, stage_bar if progress else None)
        self._set_last(sim)
        if options.keep_open:  # the next run() continues it
            settings = dict(backend=backend, threads=threads, precision=precision, device=device,
                            exchange="targeted" if exchange is None else exchange, decomposition=decomposition,
                            connectivity=connectivity, checkpoint_every=checkpoint_every, checkpoint=checkpoint)
            self._live = _LiveRun(sim, self._fingerprint(), settings, output, weakref.finalize(self, sim.finish))
        result = Result(sim, output, self)
        if energy is not None:
            result.energy = _hw.EnergyReport(energy, mapping)
        if timing_filter is not None:
            result.timing = _hw.TimingReport(timing_filter.report())
        return result

    def reset(self):
        """Ends the current run (its output file is complete and closed); the next run() starts
        again from t = 0 with the initial state and, if given, a new output file (PyNN's reset;
        the description is kept)."""
        if self._live is not None:
            self._live.finalizer()  # finishes the simulation once, and forgets it
            self._live = None

    def simulator(self, backend="cpu", threads=0, output=None, precision="float", device=0, connectivity=None,
                  resume=None):
        """A closed-loop simulator: step(), advance(ms), set_current(), inject_spikes(), last_spikes(),
        checkpoint(path). resume=PATH starts it from a checkpoint (see run())."""
        sim = Simulator(self, _core.Simulation(self.spec(), backend, int(threads), precision, output or "",
                                               device=int(device), connectivity=connectivity or "",
                                               resume="" if resume is None else str(resume)))
        self._set_last(sim._sim)
        return sim


class _LiveRun:
    """The simulation a following Network.run() continues, and what it was built with."""

    def __init__(self, sim, fingerprint, settings, output, finalizer):
        self.sim, self.fingerprint, self.settings, self.output = sim, fingerprint, settings, output
        self.finalizer = finalizer  # sim.finish when the network is collected or the interpreter exits

    def continue_with(self, fingerprint, given, output):
        if fingerprint != self.fingerprint:
            raise ConfigError("run: the network changed since the last run (populations, connections, stimuli, "
                              "recorders, parameters, initial values, dt or seed), so it cannot continue; call "
                              "net.reset() to start again from t = 0 with the new description")
        # Settings left out (None) mean "as before"; a given one must equal the first run's.
        changed = [f"{k}={v!r} (was {self.settings[k]!r})" for k, v in given.items()
                   if v is not None and v != self.settings[k]]
        if output is not None and output != self.output:
            changed.append(f"output={output!r} (was {self.output!r})")
        if changed:
            raise ConfigError(f"run: a continued run keeps the first run's settings; {', '.join(changed)}: "
                              "call net.reset() first to start a new run from t = 0")
        return self.sim


class Simulator:
    """Closed-loop stepping for robot-controller prototypes (see docs)."""

    def __init__(self, network, sim):
        self.network, self._sim = network, sim

    @property
    def time(self):
        """The simulated time reached [ms]."""
        return self._sim.time

    def step(self):
        """Advances by one time step dt."""
        self._sim.step()

    def advance(self, ms):
        """Advances by `ms`, a multiple of dt (as run(); otherwise ConfigError names the nearest
        grid times). Negative times and advancing after close() are errors."""
        if not isinstance(ms, numbers.Real) or isinstance(ms, bool):
            raise ArgumentTypeError(f"advance: ms must be a number, not {type(ms).__name__} {ms!r}")
        self._sim.run(float(ms))

    def inject_spikes(self, population, ids):
        """Makes neurons `ids` (population-local) of `population` spike at the current step."""
        self._sim.inject_spikes(population.label, [int(i) for i in ids])

    def set_current(self, population, ids, amplitude_nA):
        """Sets a constant input current [nA] (one value or one per id) into neurons `ids` of
        `population` from now on."""
        amps = np.broadcast_to(np.asarray(amplitude_nA, dtype=float) * 1000.0, (len(ids),))
        self._sim.set_current(population.label, [int(i) for i in ids], amps.tolist())

    def last_spikes(self, population):
        """Population-local ids of the neurons of `population` that spiked in the last step."""
        return self._sim.last_spikes(population.label)

    def state(self, population, variable, ids=None):
        """A copy of state variable `variable` ("v" or a core name such as "V_m", "g_ex") of
        neurons `ids` (default all) of `population`, as a numpy array."""
        ids = range(population.size) if ids is None else ids
        return self._sim.state(population.label, {"v": "V_m"}.get(variable, variable), [int(i) for i in ids])

    def state_view(self, population, variable):
        """A read-only numpy view of a state variable of the whole population in the engine's
        memory (no copy), updated in place by step()/advance(). Only where the engine allows it:
        one thread, one process, and a variable stored as the user sees it (e.g. g_ex, I_syn_ex,
        w, u -- not V_m, which is kept relative to E_L for exact integration); otherwise a
        ConfigError says why, and state() gives a copy."""
        return self._sim.state_view(population.label, {"v": "V_m"}.get(variable, variable))

    def checkpoint(self, path):
        """Saves the state reached to `path` (atomically; any thread or rank count can resume it
        with Network.run(..., resume=path) or Network.simulator(resume=path))."""
        self._sim.save_checkpoint(str(path))

    def reset(self, spike_times=None):
        """Back to t = 0 without rebuilding (batches of samples; docs/nir.md): every neuron to its
        initial state, input in flight and currents cleared, spikes in memory dropped; synapses kept,
        so the next run is bit-identical to a fresh simulation's. spike_times: new trains per spike
        source, {population: one list of times [ms] per neuron, or (ids, times) arrays}. Refused
        (ConfigError) with an output file, hardware=, or plastic/short-term synapses."""
        trains = None if spike_times is None else {getattr(p, "label", p): v for p, v in spike_times.items()}
        self._sim.reset(spike_times=trains)

    def close(self):
        """Ends the simulation and closes its output file."""
        self._sim.finish()


def _progress_bar(total, desc="simulating", unit="ms"):
    """A callback taking the fraction done, drawing a tqdm.auto bar: a widget in Jupyter (text when
    ipywidgets is missing), text on the console elsewhere; without tqdm, a plain line on stderr.
    The bar is the callback's `bar` attribute (None without tqdm)."""
    try:
        from tqdm.auto import tqdm
    except ImportError:
        def report(fraction):
            sys.stderr.write(f"\r{desc} {fraction * 100:5.1f} %")
            if fraction >= 1.0:
                sys.stderr.write("\n")
        report.bar = None
        return report
    try:
        bar = tqdm(total=float(total), unit=unit, desc=desc)
    except ImportError:  # a notebook without ipywidgets: tqdm.auto's widget cannot draw, the text bar can
        from tqdm.std import tqdm as text_tqdm
        bar = text_tqdm(total=float(total), unit=unit, desc=desc)

    def report(fraction):
        bar.update(fraction * total - bar.n)
        if fraction >= 1.0:
            bar.close()
    report.bar = bar
    return report
