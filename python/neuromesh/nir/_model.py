"""nm.nir.read(): a NIR graph as a neuromesh Network, with arrays in and out (docs/nir.md)."""
import itertools
import numbers

import numpy as np

from .. import _core
from .. import hardware as _hw
from ..connectors import Conv2dConnector, FromListConnector, OneToOneConnector
from ..errors import ArgumentTypeError, ConfigError
from ..models import Model as _CoreModel
from ..models import SpikeSourceArray
from ..network import Network
from ..synapses import StaticSynapse
from . import _graph
from ._compile import SPIKING, Plan
from ._graph import NIRError

GRADED = ("LI", "CubaLI", "I")


class _Synapses(FromListConnector):
    """The synapses of one multiplied-out NIR weight chain: PyNN's FromList rows built from arrays
    (no per-row Python loop). Fixed once built, so its repr (the network's fingerprint) is a
    serial number instead of a million-element list."""
    _serial = itertools.count()

    def __init__(self, pre, post, weights):
        super().__init__([])
        self.sources, self.targets = pre.astype(np.int64).tolist(), post.astype(np.int64).tolist()
        self.values = {"weight": weights.tolist()}  # the delay is the synapse type's (one per chain)
        self._id = next(self._serial)

    def __repr__(self):
        return f"NIR synapses #{self._id} ({len(self.sources)} rows)"


def _cell(name, node, n, bias, ts, euler):
    """The core model and its per-neuron parameters for neuron node `node` (NIR names)."""
    kind = node["type"]

    def p(key, default=None):
        v = node.get(key, default)
        return np.broadcast_to(np.asarray(v, dtype=float).ravel() if np.size(v) > 1 else float(np.ravel(v)[0]),
                               (n,)).astype(float).tolist()

    b = [0.0] * n if bias is None else np.asarray(bias, dtype=float).tolist()
    common = dict(bias=b, euler=float(euler))
    if kind in ("CubaLIF", "CubaLI"):
        spiking = kind == "CubaLIF"
        return _CoreModel("nir_cuba_lif", tau_syn=[t * ts for t in p("tau_syn")], tau_mem=[t * ts for t in p("tau_mem")],
                          r=p("r"), v_leak=p("v_leak"), v_threshold=p("v_threshold", 1.0) if spiking else 1.0,
                          v_reset=p("v_reset", 0.0) if spiking else 0.0, w_in=p("w_in", 1.0),
                          spiking=float(spiking), **common)
    if kind in ("LIF", "LI"):
        spiking = kind == "LIF"
        return _CoreModel("nir_lif", kind=0.0, tau=[t * ts for t in p("tau")], r=p("r"), v_leak=p("v_leak"),
                          v_threshold=p("v_threshold", 1.0) if spiking else 1.0,
                          v_reset=p("v_reset", 0.0) if spiking else 0.0, spiking=float(spiking), **common)
    if kind in ("IF", "I"):
        spiking = kind == "IF"
        return _CoreModel("nir_lif", kind=1.0, r=p("r"), v_leak=0.0, v_threshold=p("v_threshold", 1.0) if spiking else 1.0,
                          v_reset=p("v_reset", 0.0) if spiking else 0.0, spiking=float(spiking), **common)
    if kind == "Threshold":
        return _CoreModel("nir_lif", kind=2.0, r=1.0, v_leak=0.0, v_threshold=p("threshold"), v_reset=0.0,
                          spiking=1.0, **common)
    raise NIRError(f"node '{name}' ({kind}): not a neuron node")


def _label(key):
    return key.replace("/", "_")


class NIRModel:
    """An imported NIR graph: `network` (a neuromesh Network), `populations` (node key ->
    Population), `input_shapes` / `output_shapes`. run() feeds arrays and returns arrays."""

    def __init__(self, plan, dt, time_scale, method, seed):
        self.plan, self.dt, self.time_scale, self.method = plan, float(dt), float(time_scale), method
        self.input_shapes = {k: plan.shape[k] for k in plan.inputs}
        self.output_shapes = {k: plan.shape[k] for k in plan.outputs}
        self._seed = seed
        self._nets = {}
        self._sim = None  # (key, core Simulation) built once, reset between samples (docs/nir.md, "batches")
        self.network, self.populations = self._build("spikes")

    def _build(self, input_kind):
        if input_kind in self._nets:
            return self._nets[input_kind]
        plan = self.plan
        net = Network(dt=self.dt, seed=self._seed, name="nir")
        pops = {}
        if input_kind == "spikes":
            for k in plan.inputs:
                pops[k] = net.population(int(np.prod(plan.shape[k])), SpikeSourceArray(spike_times=[]), label=_label(k))
        for k, node in plan.nodes.items():
            if node["type"] in SPIKING + GRADED:
                n = int(np.prod(plan.shape[k]))
                pops[k] = net.population(n, _cell(k, node, n, plan.bias[k], self.time_scale, self.method == "euler"),
                                         label=_label(k))
        for p in pops.values():  # every population or none: what hardware= needs (Network.run)
            p.record("spikes")
        for (src, sink, d), m in plan.terms.items():
            if sink in plan.outputs or src not in pops:
                continue  # read out in numpy (outputs) or injected as currents (graded inputs)
            spec = plan.convs.get((src, sink, d))
            if isinstance(spec, str):  # "identity": neuron i drives neuron i with weight 1
                net.connect(pops[src], pops[sink], OneToOneConnector(), StaticSynapse(weight=1.0, delay=(1 + d) * self.dt))
                continue
            if spec is not None:  # one convolution: the core's conv2d connector, generated from the kernel
                conv = Conv2dConnector(spec["input_shape"], spec["kernel"], stride=spec["stride"],
                                       padding=spec["padding"], dilation=spec["dilation"], groups=spec["groups"])
                for part in conv.split_signs():  # one receptor per projection (the sign rule)
                    if part is not None:
                        net.connect(pops[src], pops[sink], part, StaticSynapse(weight=1.0, delay=(1 + d) * self.dt))
                continue
            coo = m.tocoo()  # zero weights are no synapses: neither sign selects them
            for sign in (coo.data > 0.0, coo.data < 0.0):  # one receptor per projection (the sign rule)
                if np.any(sign):
                    w = coo.data[sign]
                    net.connect(pops[src], pops[sink], _Synapses(coo.col[sign], coo.row[sign], w),
                                StaticSynapse(weight=0.0, delay=(1 + d) * self.dt))
        self._nets[input_kind] = (net, pops)
        return net, pops

    # ---- running -------------------------------------------------------------------------
    def _inputs(self, inputs):
        if not isinstance(inputs, dict):
            if len(self.plan.inputs) != 1:
                raise ArgumentTypeError(f"run: the graph has inputs {self.plan.inputs}; give a dict of arrays")
            inputs = {self.plan.inputs[0]: inputs}
        missing = set(self.plan.inputs) - set(inputs)
        if missing:
            raise ConfigError(f"run: no array for Input node(s) {sorted(missing)}")
        out, batch = {}, None
        for k, x in inputs.items():
            if k not in self.input_shapes:
                raise ConfigError(f"run: '{k}' is not an Input node (inputs: {self.plan.inputs})")
            x = np.asarray(x)
            shape = self.input_shapes[k]
            n = int(np.prod(shape))
            if x.ndim >= len(shape) + 1 and x.shape[x.ndim - len(shape):] == shape and x.ndim <= len(shape) + 2:
                b = x.ndim == len(shape) + 2
            elif x.ndim in (2, 3) and x.shape[-1] == n:
                b = x.ndim == 3
            else:
                raise ConfigError(f"run: input '{k}' has shape {x.shape}; expected (T, *{shape}) or (batch, T, *{shape})")
            if batch is not None and b != batch:
                raise ConfigError("run: give every input with or without a batch dimension")
            batch = b
            out[k] = x if b else x[None]
        sizes = {x.shape[:2] for x in out.values()}
        if len(sizes) != 1:
            raise ConfigError(f"run: inputs differ in batch size or number of steps {sorted(sizes)}")
        return out, batch

    def run(self, inputs, input_kind="spikes", backend="cpu", threads=1, precision="double", device=0):
        """Feeds `inputs` ((T, *input_shape) or (batch, T, *input_shape) numpy arrays; a dict by
        Input key when there are several) and returns the Output node's values as
        (T, *output_shape) (or (batch, T, ...); a dict when there are several Outputs). Each
        sample starts from the initial state (the engine is rebuilt per sample). input_kind:
        "spikes" (counts per step, emitted by spike sources) or "current" (graded values,
        injected as currents). Timing: x[t] acts on the neurons it reaches in step t + 1 (every
        synapse takes one step, plus Delay nodes); y[t] is read after step t."""
        if input_kind not in ("spikes", "current"):
            raise ConfigError(f"run: input_kind {input_kind!r} must be 'spikes' or 'current'")
        xs, batched = self._inputs(inputs)
        n_samples, steps = next(iter(xs.values())).shape[:2]
        results = {k: [] for k in self.plan.outputs}
        for s in range(n_samples):
            sample = {k: x[s].reshape(steps, -1) for k, x in xs.items()}
            ys = self._run_sample(sample, steps, input_kind, backend, threads, precision, device)
            for k in self.plan.outputs:
                results[k].append(ys[k].reshape((steps,) + self.output_shapes[k]))
        out = {k: (np.stack(v) if batched else v[0]) for k, v in results.items()}
        return out if len(out) > 1 else next(iter(out.values()))

    def _set_spike_inputs(self, pops, sample):
        for k, times in self._spike_times(sample).items():
            pops[k].cell = SpikeSourceArray(spike_times=times)
        pops[next(iter(sample))].network._changed()

    def _spike_arrays(self, sample):
        """Per Input node, (ids, times [ms]) of its spikes from (T, n) counts: one pair per spike."""
        out = {}
        for k, x in sample.items():
            counts = x.dtype.kind in "ub" or (x.dtype.kind == "i" and x.min(initial=0) >= 0)
            if not counts and (np.any(x < 0) or np.any(x != np.rint(x))):
                raise ConfigError(f"run: input '{k}' has values that are not spike counts (>= 0 integers); "
                                  "use input_kind='current' for graded input")
            t_idx, n_idx = np.nonzero(x)
            reps = x[t_idx, n_idx].astype(np.int64)  # a count of c is c spikes in that step
            # fired in step t: recorded at (t + 1) dt
            out[k] = (np.repeat(n_idx.astype(np.int64), reps), np.repeat((t_idx + 1) * self.dt, reps))
        return out

    def _spike_times(self, sample):
        """Per Input node, one spike train [ms] per neuron from (T, n) counts."""
        out = {}
        for k, (ids, times) in self._spike_arrays(sample).items():
            order = np.argsort(ids, kind="stable")
            bounds = np.searchsorted(ids[order], np.arange(sample[k].shape[1] + 1)).tolist()
            t_list = times[order].tolist()
            out[k] = [t_list[bounds[i]:bounds[i + 1]] for i in range(sample[k].shape[1])]
        return out

    def _simulation(self, net, backend, threads, precision, device):
        """The core simulation of the spike-only path, built once per (network version, backend,
        threads, precision, device) and reset between samples: the synapses are generated once,
        and memory does not grow with the number of samples."""
        key = (net._version, backend, int(threads), precision, int(device))
        if self._sim is None or self._sim[0] != key:
            self.close()
            # Spikes recorded only where an Output reads them (every population records for
            # hardware=, which needs all): the others' hundreds of thousands of spikes per sample
            # are then neither kept nor handed to Python.
            reads = {self.populations[src].label for (src, sink, d) in self.plan.terms
                     if sink in self.plan.outputs and src in self.populations and src not in self.plan.inputs}
            saved = {p: p._recording for p in net.populations}
            try:
                for p in net.populations:
                    p._recording = [r for r in p._recording if p.label in reads]
                spec = net.spec()
            finally:
                for p, r in saved.items():
                    p._recording = r
            sim = _core.Simulation(spec, backend, int(threads), precision, "", keep_spikes=bool(reads),
                                   device=int(device))
            self._sim = (key, sim)
        return self._sim[1]

    def close(self):
        """Lets go of the simulation kept between run() calls (its threads and synapses)."""
        if self._sim is not None:
            sim, self._sim = self._sim[1], None
            sim.finish()

    def _run_sample(self, sample, steps, input_kind, backend, threads, precision, device):
        net, pops = self._build(input_kind)
        reads = {src for (src, sink, d) in self.plan.terms if sink in self.plan.outputs and src in pops}
        signal = {src: np.zeros((steps, int(np.prod(self.plan.shape[src])))) for src in reads}
        currents = []
        if input_kind == "current":
            for (src, sink, d), m in self.plan.terms.items():
                if src in sample and sink in pops:
                    x = np.asarray(sample[src], dtype=float)
                    drive = np.zeros((steps, m.shape[0]))
                    lag = 1 + d
                    if steps > lag:
                        drive[lag:] = (m @ x[:steps - lag].T).T
                    currents.append((pops[sink], drive))
        if not net.populations:
            pass  # no neurons (a pure weight graph, graded input): the readout below is all there is
        elif input_kind == "spikes" and all(self.plan.nodes[src]["type"] not in GRADED for src in reads):
            # no graded values to inject or read: one plain run of the simulation built once, reset to
            # time 0 with this sample's spike trains (works under mpirun too: rank 0 gets every spike)
            sim = self._simulation(net, backend, threads, precision, device)
            trains = {pops[k].label: v for k, v in self._spike_arrays(sample).items()}
            try:
                sim.reset(spike_times=trains)
                sim.run(steps * self.dt)
            except BaseException:
                self.close()  # a failed or interrupted sample leaves no half-run simulation behind
                raise
            for src in reads:
                if src not in self.plan.inputs:
                    ids, times = sim.spikes(pops[src].label)
                    step = np.rint(np.asarray(times) / self.dt).astype(np.int64) - 1  # fired in step
                    signal[src][step, np.asarray(ids, dtype=np.int64)] = 1.0
        else:
            if input_kind == "spikes":
                self._set_spike_inputs(pops, sample)
            self._closed_loop(net, pops, sample, signal, reads, currents, steps, backend, threads, precision, device)
        for src in self.plan.inputs:  # an Input read directly by an Output: its own values
            signal[src] = np.asarray(sample[src], dtype=float)
        return {k: self._readout(k, signal, steps) for k in self.plan.outputs}

    def _closed_loop(self, net, pops, sample, signal, reads, currents, steps, backend, threads, precision, device):
        """Step by step: graded inputs set as currents before each step, graded states read after it."""
        sim = net.simulator(backend=backend, threads=int(threads), precision=precision, device=int(device))
        try:
            total = {}
            for pop, drive in currents:
                total[pop.label] = total.get(pop.label, 0) + drive
            ids = {label: list(range(d.shape[1])) for label, d in total.items()}
            for t in range(steps):
                for label, drive in total.items():
                    sim._sim.set_current(label, ids[label], drive[t].tolist())
                sim.step()
                for src in reads:
                    if self.plan.nodes[src]["type"] in GRADED:
                        signal[src][t] = sim._sim.state(pops[src].label, "V_m", list(range(signal[src].shape[1])))
                    elif src in self.plan.inputs:
                        continue
                    else:
                        signal[src][t, np.asarray(sim.last_spikes(pops[src]), dtype=np.int64)] = 1.0
        finally:
            sim.close()

    def _readout(self, out, signal, steps):
        terms = [(src, d, m) for (src, sink, d), m in self.plan.terms.items() if sink == out]
        bias = self.plan.bias[out]
        n = int(np.prod(self.output_shapes[out]))
        if len(terms) == 1 and bias is None and terms[0][1] == 0 and terms[0][2].shape[0] == terms[0][2].shape[1] \
                and (terms[0][2] != _identity(n)).nnz == 0:
            src = terms[0][0]
            y = signal[src]
            return y.astype(np.uint8) if self.plan.nodes[src]["type"] in SPIKING else y
        y = np.zeros((steps, n)) + (0.0 if bias is None else bias)
        for src, d, m in terms:
            if steps > d:
                y[d:] += (m @ signal[src][:steps - d].T).T
        return y

    # ---- hardware ------------------------------------------------------------------------
    def map(self, hardware="loihi", **options):
        """nm.hardware.map_network of the imported network (cores, placement, routes)."""
        return _hw.map_network(self.network, hardware, **options)

    def energy(self, sample, hardware="loihi", placement="sequential", threads=1, **options):
        """Runs one spike sample ((T, *input_shape)) with the hardware model of `hardware` and
        returns its EnergyReport (energy per component, cores, traffic; docs/routing.md)."""
        xs, batched = self._inputs(sample)
        if batched:
            raise ConfigError("energy: give one sample (T, *input_shape), not a batch")
        steps = next(iter(xs.values())).shape[1]
        self._set_spike_inputs(self.populations, {k: x[0].reshape(steps, -1) for k, x in xs.items()})
        self.network.reset()
        result = self.network.run(steps * self.dt, hardware=hardware, placement=placement, threads=int(threads),
                                  **options)
        self.network.reset()
        return result.energy


def _identity(n):
    import scipy.sparse as sp
    return sp.identity(n, format="csr")


def read(source, dt, time_scale, method="exact", seed=12345):
    """Imports a NIR graph (a file path or a nir.NIRGraph) as an NIRModel.
    dt: the simulation step [ms]. time_scale: how many ms one NIR time unit is -- NIR does not
    say (docs/nir.md, "Units"): 1.0 when the graph's tau are in ms, 1000.0 when in seconds (what
    snnTorch, Norse and Sinabs write). Both are required; neither is guessed.
    method: "exact" (exponential integration with inputs held over a step) or "euler" (forward
    Euler, as the training frameworks step)."""
    for name, v in (("dt", dt), ("time_scale", time_scale)):
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not np.isfinite(v) or v <= 0:
            raise ConfigError(f"nir.read: {name} = {v!r} must be a positive number")
    if method not in ("exact", "euler"):
        raise ConfigError(f"nir.read: method {method!r} must be 'exact' or 'euler'")
    nodes, edges = _graph.flatten(_graph.load(source))
    _graph.check_parameters(nodes)
    plan = Plan(nodes, edges, float(dt), float(time_scale))
    return NIRModel(plan, dt, time_scale, method, seed)
