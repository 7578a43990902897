"""A flat NIR graph -> populations (neuron nodes, Inputs) and weighted paths between them
(source, sink, matrix, delay in steps): every chain of weight/shape nodes between two neuron
nodes is multiplied out, biases become constant inputs (docs/nir.md, "Primitive mapping")."""
from collections import defaultdict

import numpy as np
import scipy.sparse as sp

from . import _ops
from ._graph import NEURONS, NIRError, NIRUnsupported

SPIKING = ("LIF", "CubaLIF", "IF", "Threshold")
_IDENTITY = {}  # the conv geometry of a path without weight nodes (an identity edge)




def neuron_shape(name, node):
    keys = ["threshold"] if node["type"] == "Threshold" else [k for k in node if k not in ("type", "metadata", "__top")]
    shapes = [np.shape(node[k]) for k in keys]
    shape = max(shapes, key=lambda s: (int(np.prod(s)) if len(s) else 1, len(s)))
    return tuple(int(s) for s in shape) if len(shape) else (1,)


class Plan:
    """What the network is made of: sources (top Inputs and neuron nodes) with shapes, sinks
    (neuron nodes and top Outputs), terms[(source, sink, delay_steps)] = matrix (sink x source),
    bias[sink] = constant input."""

    def __init__(self, nodes, edges, dt, time_scale):
        self.nodes, self.edges = nodes, edges
        self.succ, self.pred = defaultdict(list), defaultdict(list)
        for a, b in edges:
            self.succ[a].append(b)
            self.pred[b].append(a)
        self.inputs = [k for k, n in nodes.items() if n["type"] == "Input" and n["__top"]]
        self.outputs = [k for k, n in nodes.items() if n["type"] == "Output" and n["__top"]]
        if not self.inputs:
            raise NIRError("the root graph has no Input node")
        if not self.outputs:
            raise NIRError("the root graph has no Output node")
        self.dt, self.time_scale = dt, time_scale
        self.shape = {}
        for k in self.inputs:
            given = nodes[k].get("shape", nodes[k].get("input_type", []))
            given = given.get("input", []) if isinstance(given, dict) else given
            try:
                shp = np.atleast_1d(np.asarray(given, dtype=np.int64))
            except (TypeError, ValueError):
                raise NIRError(f"node '{k}' (Input): shape {given!r} is not a list of integers") from None
            if shp.size == 0 or np.any(shp <= 0):
                raise NIRError(f"node '{k}' (Input): shape {shp.tolist()} must be positive integers")
            self.shape[k] = tuple(int(s) for s in shp)
        for k, n in nodes.items():
            if n["type"] in NEURONS:
                self.shape[k] = neuron_shape(k, n)
        self.ops, self.specs = {}, {}
        self._infer_shapes()
        self._check_sinks()
        self.terms, self.bias = defaultdict(lambda: None), defaultdict(lambda: None)
        # convs[(source, sink, delay)]: the term as one conv2d connector geometry (_ops.fold_conv),
        # "identity" for an edge without weight nodes, or None when it is neither (then its matrix
        # is expanded into synapses)
        self.convs = {}
        for src in self.inputs + [k for k, n in nodes.items() if n["type"] in NEURONS]:
            self._walk(src, src, sp.identity(_ops._size(self.shape[src]), format="csr"), 0, [src], _IDENTITY)
        for k, (out, m, b, d) in self.ops.items():
            if b is not None:
                self._walk(k, None, sp.csr_matrix(b.reshape(-1, 1)), 0, [k], None)

    def _infer_shapes(self):
        pending = [k for k, n in self.nodes.items() if n["type"] not in NEURONS and k not in self.inputs]
        while pending:
            progress = False
            for k in list(pending):
                ins = self.pred[k]
                if not ins:
                    raise NIRError(f"node '{k}' ({self.nodes[k]['type']}): has no input edge")
                if any(p not in self.shape for p in ins):
                    continue
                sizes = {_ops._size(self.shape[p]) for p in ins}
                if len(sizes) > 1:
                    raise NIRError(f"node '{k}' ({self.nodes[k]['type']}): shape mismatch between its inputs "
                                   f"{ {p: self.shape[p] for p in ins} }")
                in_shape = self.shape[ins[0]]
                out, m, b, d = _ops.apply(k, self.nodes[k], in_shape, self.specs)
                given = self.nodes[k].get("shape") if self.nodes[k]["type"] == "Output" else None
                if given is not None and np.size(given):
                    try:
                        want = np.atleast_1d(np.asarray(given, dtype=np.int64))
                    except (TypeError, ValueError):
                        raise NIRError(f"node '{k}' (Output): shape {given!r} is not a list of integers") from None
                    if int(np.prod(want)) != _ops._size(out):
                        raise NIRError(f"node '{k}' (Output): shape {tuple(want)} but its input gives {tuple(out)}")
                    out = tuple(int(s) for s in want)
                self.shape[k] = tuple(out)
                self.ops[k] = (out, m, b, d)
                pending.remove(k)
                progress = True
            if not progress:
                raise NIRError(f"node '{pending[0]}' ({self.nodes[pending[0]]['type']}): its input shape cannot be "
                               "inferred (a cycle without a neuron node, or no path from an Input)")

    def _check_sinks(self):
        for k, n in self.nodes.items():
            if n["type"] not in NEURONS:
                continue
            for p in self.pred[k]:
                if _ops._size(self.shape[p]) != _ops._size(self.shape[k]):
                    raise NIRError(f"edge {p} -> {k}: shape mismatch: '{p}' gives {self.shape[p]}, "
                                   f"'{k}' ({n['type']}) has {self.shape[k]}")

    def steps(self, value, where):
        s = value * self.time_scale / self.dt
        r = np.rint(s)
        if np.any(np.abs(s - r) > 1e-9 * np.maximum(1.0, np.abs(s))):
            raise NIRError(f"{where}: delay {value} x time_scale {self.time_scale} ms is not a multiple of dt = {self.dt} ms")
        return r.astype(np.int64)

    def _walk(self, src, node, m, delay, path, conv):
        """Follows the edges out of `node` carrying matrix m (values at node's output x src) and
        conv, the same map as a conv2d geometry (_IDENTITY before any weight node; None if none)."""
        for nxt in self.succ[node if node is not None else path[-1]]:
            kind = self.nodes[nxt]["type"]
            if kind in NEURONS or (kind == "Output" and self.nodes[nxt]["__top"]):
                self._add(src, nxt, m, delay, conv)
                continue
            if nxt in path:
                raise NIRUnsupported(f"node '{nxt}' ({kind}): a cycle through weight nodes only "
                                     f"({' -> '.join(path + [nxt])}); a cycle needs a neuron node")
            out, op, b, d = self.ops[nxt]
            m2 = m if op is None else (op @ m).tocsr()
            conv2 = conv
            if op is not None:
                spec = self.specs.get(nxt)
                conv2 = None if conv is None or spec is None else \
                    (spec if conv is _IDENTITY else _ops.fold_conv(conv, spec))
            if d is None:
                self._walk(src, nxt, m2, delay, path + [nxt], conv2)
                continue
            steps = self.steps(d, f"node '{nxt}' (Delay)")
            for s in np.unique(steps):
                sel = sp.diags((steps == s).astype(float)).tocsr()
                self._walk(src, nxt, (sel @ m2).tocsr(), delay + int(s), path + [nxt],
                           conv2 if len(np.unique(steps)) == 1 else None)

    def _add(self, src, sink, m, delay, conv=None):
        if (self.nodes[src]["type"] in NEURONS or src in self.inputs):
            if self.nodes[src]["type"] in ("LI", "CubaLI", "I") and not (self.nodes[sink]["type"] == "Output"):
                raise NIRUnsupported(f"node '{src}' ({self.nodes[src]['type']}): its graded output feeds '{sink}'; "
                                     "graded values travel only to Output nodes (synapses carry spikes)")
            key = (src, sink, delay)
            # a sum of paths: a matrix; a path without weight nodes: one-to-one
            self.convs[key] = None if key in self.convs else ("identity" if conv is _IDENTITY else conv)
            self.terms[key] = m if self.terms[key] is None else (self.terms[key] + m).tocsr()
        else:  # a bias: m is a column
            b = np.asarray(m.todense()).ravel()
            self.bias[sink] = b if self.bias[sink] is None else self.bias[sink] + b
