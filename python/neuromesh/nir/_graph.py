"""Reading a NIR graph (file or nir.NIRGraph) into a flat dict of nodes and edges, with every
problem named by its node (docs/nir.md). No neuromesh state here: plain dicts and numpy."""
import os

import numpy as np

from ..errors import ConfigError, NeuromeshIOError


class NIRError(ConfigError):
    """A NIR graph neuromesh cannot run: the message names the node (path within nested graphs)
    and the reason."""


class NIRUnsupported(NIRError):
    """A valid NIR construct neuromesh does not support (named node, reason)."""


NEURONS = ("LIF", "CubaLIF", "IF", "LI", "CubaLI", "I", "Threshold")
LINEAR = ("Affine", "Linear", "Scale", "Conv1d", "Conv2d", "SumPool2d", "AvgPool2d", "Flatten", "Delay")
KNOWN = NEURONS + LINEAR + ("Input", "Output", "NIRGraph")
# Required datasets per node type (NIR 1.0 serialization; v_reset and w_in are optional).
REQUIRED = {
    "LIF": ("tau", "r", "v_leak", "v_threshold"), "CubaLIF": ("tau_syn", "tau_mem", "r", "v_leak", "v_threshold"),
    "IF": ("r", "v_threshold"), "LI": ("tau", "r", "v_leak"), "CubaLI": ("tau_syn", "tau_mem", "r", "v_leak"),
    "I": ("r",), "Threshold": ("threshold",), "Affine": ("weight", "bias"), "Linear": ("weight",),
    "Scale": ("scale",), "Conv1d": ("weight",), "Conv2d": ("weight",), "SumPool2d": ("kernel_size", "stride"),
    "AvgPool2d": ("kernel_size", "stride"), "Flatten": (), "Delay": ("delay",), "Input": (), "Output": (),
}
TIME_CONSTANTS = {"LIF": ("tau",), "LI": ("tau",), "CubaLIF": ("tau_syn", "tau_mem"), "CubaLI": ("tau_syn", "tau_mem")}


def _text(x):
    if isinstance(x, bytes):
        return x.decode("utf8")
    if isinstance(x, np.ndarray) and x.dtype.kind in "OS" and x.ndim == 0:
        return _text(x[()])
    return x


def _h5_to_dict(group):
    import h5py
    out = {}
    for key, item in group.items():
        if isinstance(item, h5py.Group):
            out[key] = _h5_to_dict(item)
        else:
            out[key] = _text(item[()])
    return out


def load(source):
    """The root graph as a dict (nir's to_dict layout) from a path or a nir.NIRGraph / dict."""
    if isinstance(source, dict):
        return source
    if hasattr(source, "to_dict") and type(source).__name__ == "NIRGraph":
        return source.to_dict()
    if hasattr(source, "to_dict"):
        raise NIRError(f"nir.read: a {type(source).__name__} is a single node; give a NIRGraph or a file")
    path = os.fspath(source)
    if not os.path.exists(path):
        raise NeuromeshIOError(f"nir.read: {path!r} does not exist")
    import h5py
    if not h5py.is_hdf5(path):
        raise NIRError(f"nir.read: {path!r} is not an HDF5 file (a NIR file is HDF5, written by nir.write)")
    try:
        with h5py.File(path, "r") as f:
            if "node" not in f:
                raise NIRError(f"nir.read: {path!r} has no /node group: not a NIR file")
            return _h5_to_dict(f["node"])
    except NIRError:
        raise
    except Exception as e:  # a damaged file: h5py's own error, named
        raise NIRError(f"nir.read: {path!r} cannot be read as NIR: {e}") from None


def _edges(graph, where):
    edges = graph.get("edges", [])
    edges = np.asarray(edges, dtype=object).reshape(-1, 2) if len(edges) else np.empty((0, 2), object)
    return [(str(_text(a)), str(_text(b))) for a, b in edges]


def flatten(graph, prefix=""):
    """(nodes, edges): nested NIRGraphs inlined with keys "outer.inner"; a nested graph's Input and
    Output nodes stay as identity nodes. Edges to a nested graph's key go to its single Input,
    edges from it leave its single Output (several: the edge must name one, "sub.input_key")."""
    where = prefix[:-1] or "the root graph"
    if not isinstance(graph, dict) or "nodes" not in graph:
        raise NIRError(f"{where}: a NIRGraph needs nodes and edges")
    nodes, edges, ends = {}, [], {}
    for key, node in graph["nodes"].items():
        name = prefix + str(key)
        if not isinstance(node, dict) or "type" not in node:
            raise NIRError(f"node '{name}': has no type")
        kind = _text(node["type"])
        if kind not in KNOWN:
            raise NIRUnsupported(f"node '{name}': unknown NIR node type {kind!r} (known: {', '.join(KNOWN)})")
        if kind == "NIRGraph":
            sub_nodes, sub_edges = flatten(node, name + ".")
            nodes.update(sub_nodes)
            edges += sub_edges
            direct = [k for k in node["nodes"] if _text(node["nodes"][k].get("type")) in ("Input", "Output")]
            ins = [name + "." + k for k in direct if sub_nodes[name + "." + k]["type"] == "Input"]
            outs = [name + "." + k for k in direct if sub_nodes[name + "." + k]["type"] == "Output"]
            ends[name] = (ins, outs)
            continue
        missing = [p for p in REQUIRED[kind] if p not in node]
        if missing:
            raise NIRError(f"node '{name}' ({kind}): missing parameter(s) {', '.join(missing)}")
        nodes[name] = dict(node, type=kind, __top=not prefix)
    for a, b in _edges(graph, where):
        a, b = prefix + a, prefix + b
        if a in ends:
            outs = ends[a][1]
            if len(outs) != 1:
                raise NIRError(f"edge {a} -> {b}: subgraph '{a}' has {len(outs)} Output nodes; name one as '{a}.<key>'")
            a = outs[0]
        if b in ends:
            ins = ends[b][0]
            if len(ins) != 1:
                raise NIRError(f"edge {a} -> {b}: subgraph '{b}' has {len(ins)} Input nodes; name one as '{b}.<key>'")
            b = ins[0]
        for k in (a, b):
            if k not in nodes:
                raise NIRError(f"edge {a} -> {b}: there is no node '{k}'")
        edges.append((a, b))
    return nodes, edges


def check_parameters(nodes):
    """Neuron parameters: arrays of one shape per node, finite, time constants > 0."""
    for name, node in nodes.items():
        kind = node["type"]
        if kind not in NEURONS:
            continue
        shapes = {}
        for k, v in node.items():
            if k in ("type", "metadata") or k.startswith("__"):
                continue
            a = np.asarray(v, dtype=float)
            if not np.all(np.isfinite(a)):
                raise NIRError(f"node '{name}' ({kind}): parameter {k} has non-finite values")
            shapes[k] = a.shape
        if len(set(shapes.values())) > 1 and kind != "Threshold":
            scalar = [k for k, s in shapes.items() if s == ()]
            if scalar and len({s for s in shapes.values() if s != ()}) <= 1:
                pass  # scalars broadcast (NIR issue #176: some exporters write them)
            else:
                raise NIRError(f"node '{name}' ({kind}): parameters have different shapes "
                               f"{ {k: tuple(s) for k, s in shapes.items()} }")
        for k in TIME_CONSTANTS.get(kind, ()):
            if not np.all(np.asarray(node[k], dtype=float) > 0):
                raise NIRError(f"node '{name}' ({kind}): {k} must be > 0 (found "
                               f"{float(np.min(node[k]))})")
