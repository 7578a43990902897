"""nm.nir.write(): a neuromesh network of NIR neurons and static projections as a NIR graph
(docs/nir.md, "Export"). Each projection becomes a Linear node (an Affine where the target has a
bias), with a Delay node per extra delay value; convolutions come back as their dense matrices."""
from collections import defaultdict

import numpy as np

from ..models import Model as _CoreModel
from ..models import SpikeSourceArray
from ..network import Network, _slice_of
from ._graph import NIRUnsupported


def _params(pop):
    cell = pop.cell
    if not isinstance(cell, _CoreModel) or cell.core_model not in ("nir_lif", "nir_cuba_lif"):
        raise NIRUnsupported(f"population '{pop.label}': model {getattr(cell, 'core_model', cell)!r} has no NIR "
                             "primitive (export takes nir_lif and nir_cuba_lif populations and spike sources)")
    n = pop.size
    return {k: np.broadcast_to(np.asarray(v, dtype=float), (n,)).copy() for k, v in cell.params.items()}


def _neuron(nir, pop, ts):
    p = _params(pop)
    f32 = (lambda a: np.asarray(a, dtype=np.float64))
    spiking = bool(p["spiking"][0])
    if pop.cell.core_model == "nir_cuba_lif":
        if spiking:
            return nir.CubaLIF(tau_syn=f32(p["tau_syn"] / ts), tau_mem=f32(p["tau_mem"] / ts), r=f32(p["r"]),
                               v_leak=f32(p["v_leak"]), v_threshold=f32(p["v_threshold"]), v_reset=f32(p["v_reset"]),
                               w_in=f32(p["w_in"]))
        return nir.CubaLI(tau_syn=f32(p["tau_syn"] / ts), tau_mem=f32(p["tau_mem"] / ts), r=f32(p["r"]),
                          v_leak=f32(p["v_leak"]), w_in=f32(p["w_in"]))
    kind = int(p["kind"][0])
    if kind == 0:
        if spiking:
            return nir.LIF(tau=f32(p["tau"] / ts), r=f32(p["r"]), v_leak=f32(p["v_leak"]),
                           v_threshold=f32(p["v_threshold"]), v_reset=f32(p["v_reset"]))
        return nir.LI(tau=f32(p["tau"] / ts), r=f32(p["r"]), v_leak=f32(p["v_leak"]))
    if kind == 1:
        if spiking:
            return nir.IF(r=f32(p["r"]), v_threshold=f32(p["v_threshold"]), v_reset=f32(p["v_reset"]))
        return nir.I(r=f32(p["r"]))
    return nir.Threshold(threshold=f32(p["v_threshold"]))


def to_graph(model, time_scale=None, outputs=None):
    """The nir.NIRGraph of an imported NIRModel (its outputs kept) or of a Network of nir_lif /
    nir_cuba_lif populations and spike sources (time_scale: ms per NIR time unit; outputs: the
    labels of the populations read out, default those without outgoing projections)."""
    import nir
    from ._model import NIRModel
    out_shapes = {}
    if isinstance(model, NIRModel):
        net, ts = model.network, model.time_scale
        label_of = {k: p.label for k, p in model.populations.items()}
        outputs = []
        for k in model.plan.outputs:
            srcs = [src for (src, sink, d) in model.plan.terms if sink == k]
            if len(srcs) != 1 or srcs[0] not in label_of:
                raise NIRUnsupported(f"node '{k}' (Output): export keeps Outputs fed by one population only")
            outputs.append(label_of[srcs[0]])
            out_shapes[label_of[srcs[0]]] = (k, model.output_shapes[k])
    elif isinstance(model, Network):
        net = model
        if time_scale is None:
            raise NIRUnsupported("nir.write: give time_scale (ms per NIR time unit) for a Network")
        ts = float(time_scale)
        if outputs is None:
            has_out = {pre.label for pre, *_ in net._projections}
            outputs = [p.label for p in net.populations if p.label not in has_out]
            if not outputs:
                raise NIRUnsupported("nir.write: every population projects onward; name the read-out populations "
                                     "with outputs=[labels]")
    else:
        raise NIRUnsupported(f"nir.write: a {type(model).__name__} is neither an NIRModel nor a Network")
    unknown = sorted(set(outputs) - {p.label for p in net.populations})
    if unknown:
        raise NIRUnsupported(f"nir.write: outputs {unknown} are not populations of the network")
    nodes, edges = {}, []
    for pop in net.populations:
        if isinstance(pop.cell, SpikeSourceArray):
            nodes[pop.label] = nir.Input(input_type={"input": np.array([pop.size])})
        else:
            nodes[pop.label] = _neuron(nir, pop, ts)
    bias = {p.label: _params(p)["bias"] for p in net.populations if not isinstance(p.cell, SpikeSourceArray)}
    pops = {p.label: p for p in net.populations}
    weights = {}  # (pre, post, delay steps) -> dense (post x pre), summed over projections
    sim = net.simulator(threads=1, precision="double")
    try:
        for i, (pre, post, conn, syn, receptor) in enumerate(net._projections):
            if syn.core_model != "static":
                raise NIRUnsupported(f"projection {pre.label}->{post.label}: {syn.core_model} synapses are plastic; "
                                     "NIR holds static weights only")
            d = sim._sim.synapses(i)
            pre_i = np.asarray(d["pre"]) - _slice_of(pre)[0]
            post_i = np.asarray(d["post"]) - _slice_of(post)[0]
            steps = np.rint(np.asarray(d["delay"]) / net.dt).astype(np.int64)
            for s in np.unique(steps):
                sel = steps == s
                w = weights.setdefault((pre.label, post.label, int(s)), np.zeros((post.size, pre.size)))
                np.add.at(w, (post_i[sel], pre_i[sel]), np.asarray(d["weight"])[sel])
    finally:
        sim.close()
    for (src, dst, s), w in weights.items():
        key = f"{src}->{dst}" + (f"@{s}" if s != 1 else "")
        b = bias.pop(dst, None)
        nodes[key] = nir.Affine(weight=w, bias=b) if b is not None and np.any(b != 0) else nir.Linear(weight=w)
        if s > 1:
            nodes[key + "_delay"] = nir.Delay(delay=np.full(pops[src].size, (s - 1) * net.dt / ts))
            edges.append((src, key + "_delay"))
            src = key + "_delay"
        edges += [(src, key), (key, dst)]
    for label, b in bias.items():
        if np.any(b != 0):
            raise NIRUnsupported(f"population '{label}': a bias without an incoming projection has no NIR form")
    for label in outputs:
        key, shape = out_shapes.get(label, (f"{label}_output", (next(p for p in net.populations if p.label == label).size,)))
        nodes[key] = nir.Output(output_type={"output": np.array(shape)})
        edges.append((label, key))
    return nir.NIRGraph(nodes=nodes, edges=edges, type_check=False)


def write(model, path, time_scale=None, outputs=None):
    """Writes to_graph(model, ...) to `path` with nir.write (HDF5)."""
    import nir
    nir.write(path, to_graph(model, time_scale, outputs))


def write_data(model, outputs, path):
    """Writes what model.run returned as NIRData (nir >= 1.0.8, NIR PR #175): one TimeGriddedData
    per Output node, shape (samples, steps, neurons), dt in the graph's time unit (model.dt /
    model.time_scale); the observable is "spikes" for spiking sources, "v" for graded ones."""
    import nir
    from ._compile import SPIKING
    if not isinstance(outputs, dict):
        outputs = {next(iter(model.output_shapes)): outputs}
    nodes = {}
    for key, y in outputs.items():
        if key not in model.output_shapes:
            raise NIRUnsupported(f"write_data: '{key}' is not an Output node (outputs: {list(model.output_shapes)})")
        shape = model.output_shapes[key]
        y = np.asarray(y)
        y = y[None] if y.ndim == len(shape) + 1 else y
        if y.shape[2:] != tuple(shape):
            raise NIRUnsupported(f"write_data: output '{key}' has shape {y.shape}, not (samples, steps, *{shape})")
        srcs = [src for (src, sink, d) in model.plan.terms if sink == key]
        spiking = y.dtype == np.uint8 and all(model.plan.nodes[s]["type"] in SPIKING for s in srcs)
        data = y.reshape(y.shape[0], y.shape[1], -1)
        grid = nir.TimeGriddedData(data=data.astype(bool) if spiking else data.astype(float),
                                   dt=model.dt / model.time_scale)
        nodes[key] = nir.NIRNodeData(observables={"spikes" if spiking else "v": grid})
    nir.write_data(path, nir.NIRGraphData(nodes=nodes))
