"""Connectors (PyNN names and NEST-style aliases). Each generates, in C++, the synapses of one
target from that target's keyed stream: the result does not depend on threads."""
import copy
import hashlib

import numpy as np

from .errors import ConfigError


class Connector:
    """Base: `kind` and keyword arguments for the core's projection builder."""

    kind = ""

    def __init__(self, allow_self_connections=True, allow_multapses=True):
        self.autapses = bool(allow_self_connections)
        self.multapses = bool(allow_multapses)

    def core_args(self):
        """The keyword arguments of the core's projection builder for this connector."""
        return dict(connector=self.kind, autapses=self.autapses, multapses=self.multapses)

    def __repr__(self):
        return f"{type(self).__name__}({self.core_args()})"


class AllToAllConnector(Connector):
    """Every pre neuron to every post neuron (allow_self_connections=False: no autapses)."""

    kind = "all_to_all"


class OneToOneConnector(Connector):
    """Pre neuron i to post neuron i; pre and post must have the same size."""

    kind = "one_to_one"


class FixedProbabilityConnector(Connector):
    """Each pair independently with probability p_connect."""

    kind = "fixed_probability"

    def __init__(self, p_connect, allow_self_connections=True):
        super().__init__(allow_self_connections)
        if not 0.0 <= float(p_connect) <= 1.0:
            raise ConfigError(f"FixedProbabilityConnector: p_connect = {p_connect} is outside [0, 1]")
        self.p = float(p_connect)

    def core_args(self):
        return {**super().core_args(), "p": self.p}


class GaussianDistanceConnector(Connector):
    """Locally connected sheet: both populations lie on the unit square (row-major grids, periodic
    edges); a pair at distance d connects with p_peak * exp(-d**2 / (2 sigma**2)), sigma a fraction
    of the side, the kernel cut at 4 sigma (core: distance_probability)."""

    kind = "distance_probability"

    def __init__(self, p_peak, sigma, allow_self_connections=True):
        super().__init__(allow_self_connections)
        if not 0.0 <= float(p_peak) <= 1.0:
            raise ConfigError(f"GaussianDistanceConnector: p_peak = {p_peak} is outside [0, 1]")
        if not 0.0 < float(sigma) <= 1.0:
            raise ConfigError(f"GaussianDistanceConnector: sigma = {sigma} must lie in (0, 1]")
        self.p, self.sigma = float(p_peak), float(sigma)

    def core_args(self):
        return {**super().core_args(), "p": self.p, "sigma": self.sigma}


class _FixedNumber(Connector):
    def __init__(self, n, allow_self_connections=True, with_replacement=True):
        super().__init__(allow_self_connections, with_replacement)
        if int(n) != n or n < 0:
            raise ConfigError(f"{type(self).__name__}: n = {n} must be a non-negative integer")
        self.n = int(n)

    def core_args(self):
        return {**super().core_args(), "n": self.n}


class FixedNumberPreConnector(_FixedNumber):
    """Exactly n sources per target (NEST: fixed_indegree)."""

    kind = "fixed_indegree"


class FixedNumberPostConnector(_FixedNumber):
    """Exactly n targets per source (NEST: fixed_outdegree)."""

    kind = "fixed_outdegree"


class FixedTotalNumberConnector(_FixedNumber):
    """Exactly n synapses in total (with replacement, as NEST)."""

    kind = "fixed_total_number"


class FromListConnector(Connector):
    """Explicit connections, as PyNN's FromListConnector: rows (pre, post), (pre, post, weight) or
    (pre, post, weight, delay), or with `column_names` naming the columns after pre and post
    (PyNN: e.g. column_names=["weight", "delay"]). Per-row weights and delays override the
    synapse type's (weights in the post cell type's units, delays in ms)."""

    kind = "explicit"
    _known_columns = ("weight", "delay")

    def __init__(self, conn_list, column_names=None):
        super().__init__()
        rows = [tuple(row) for row in conn_list]
        widths = {len(r) for r in rows}
        if len(widths) > 1:
            raise ConfigError(f"FromListConnector: rows of different lengths {sorted(widths)}")
        width = widths.pop() if widths else 2
        if width < 2:
            raise ConfigError("FromListConnector: each row needs at least (pre, post)")
        if column_names is None:
            column_names = list(self._known_columns[:width - 2])
        column_names = list(column_names)
        if len(column_names) != width - 2:
            raise ConfigError(f"FromListConnector: {width - 2} value columns but column_names {column_names}")
        unknown = [c for c in column_names if c not in self._known_columns]
        if unknown:
            raise ConfigError(f"FromListConnector: column(s) {unknown} are not parameters of a static synapse "
                              f"(known: {', '.join(self._known_columns)})")
        for r in rows:
            for k in (0, 1):
                if float(r[k]) != int(r[k]) or int(r[k]) < 0:
                    raise ConfigError(f"FromListConnector: row {r}: pre and post must be non-negative integers")
        self.sources = [int(r[0]) for r in rows]
        self.targets = [int(r[1]) for r in rows]
        # Per-connection values: {"weight": [...], "delay": [...]} as given.
        self.values = {name: [float(r[2 + k]) for r in rows] for k, name in enumerate(column_names)}

    def core_args(self):
        return {**super().core_args(), "sources": self.sources, "targets": self.targets}


def _pair(value, name, where, minimum):
    """An int or a pair of ints (height, width), each >= minimum."""
    a = np.atleast_1d(np.asarray(value))
    if a.size == 1:
        a = np.repeat(a, 2)
    if a.size != 2 or np.any(a != np.rint(a)) or np.any(a < minimum):
        raise ConfigError(f"{where}: {name} = {value!r} must be an integer >= {minimum} or a pair of them")
    return [int(a[0]), int(a[1])]


class Conv2dConnector(Connector):
    """A 2-d convolution as synapses (PyTorch's Conv2d: cross-correlation, zero padding): the pre
    population read as (channels, height, width) = input_shape in C order, the post as (out_channels,
    out_h, out_w); kernel of shape (out_channels, channels / groups, kh, kw). Each synapse's weight is
    the synapse type's weight times its kernel entry; zero entries make no synapse. The core
    generates the synapses from the kernel (core/conv2d.hpp) and the cpu backend delivers them
    procedurally. The sign rule holds per projection: a kernel with both signs needs two
    projections (`split_signs`)."""

    kind = "conv2d"

    def __init__(self, input_shape, kernel, stride=1, padding=0, dilation=1, groups=1):
        super().__init__()
        where = "Conv2dConnector"
        k = np.asarray(kernel, dtype=float)
        if k.ndim != 4:
            raise ConfigError(f"{where}: kernel must have shape (out_channels, in_channels/groups, kh, kw), "
                              f"not {k.shape}")
        shape = np.atleast_1d(np.asarray(input_shape))
        if shape.size != 3 or np.any(shape != np.rint(shape)) or np.any(shape < 1):
            raise ConfigError(f"{where}: input_shape {input_shape!r} must be three positive integers (C, H, W)")
        if int(groups) != groups or groups < 1:
            raise ConfigError(f"{where}: groups = {groups!r} must be a positive integer")
        self.conv = dict(input_shape=[int(v) for v in shape], kernel_shape=[int(v) for v in k.shape],
                         kernel=np.ascontiguousarray(k).ravel(), stride=_pair(stride, "stride", where, 1),
                         padding=_pair(padding, "padding", where, 0), dilation=_pair(dilation, "dilation", where, 1),
                         groups=int(groups))

    def output_shape(self):
        """(out_channels, out_h, out_w)."""
        c = self.conv
        out = [(c["input_shape"][1 + a] + 2 * c["padding"][a] - c["dilation"][a] * (c["kernel_shape"][2 + a] - 1) - 1)
               // c["stride"][a] + 1 for a in (0, 1)]
        return (c["kernel_shape"][0], out[0], out[1])

    def split_signs(self):
        """(positive part, negative part): two connectors whose kernels hold the entries > 0 and < 0
        (None for an empty part) -- one projection per receptor, as the sign rule asks."""
        parts = []
        for keep in (self.conv["kernel"] > 0, self.conv["kernel"] < 0):
            if not keep.any():
                parts.append(None)
                continue
            c = copy.copy(self)
            c.conv = dict(self.conv, kernel=np.where(keep, self.conv["kernel"], 0.0))
            parts.append(c)
        return tuple(parts)

    def core_args(self):
        return {**super().core_args(), "conv2d": self.conv}

    def __repr__(self):
        c = self.conv
        digest = hashlib.sha1(np.ascontiguousarray(c["kernel"]).tobytes()).hexdigest()[:12]
        return (f"Conv2dConnector(input_shape={c['input_shape']}, kernel_shape={c['kernel_shape']}, "
                f"stride={c['stride']}, padding={c['padding']}, dilation={c['dilation']}, groups={c['groups']}, "
                f"kernel sha1 {digest})")


class Pool2dConnector(Conv2dConnector):
    """Sum or average pooling of each channel (NIR's SumPool2d / AvgPool2d): a Conv2dConnector with
    groups = channels and a kernel of ones (average: 1 / (kh kw); zero padding counts)."""

    def __init__(self, input_shape, kernel_size, stride=None, padding=0, average=False):
        kh, kw = _pair(kernel_size, "kernel_size", "Pool2dConnector", 1)
        c = int(np.atleast_1d(np.asarray(input_shape))[0])
        k = np.full((c, 1, kh, kw), 1.0 / (kh * kw) if average else 1.0)
        super().__init__(input_shape, k, stride=(kh, kw) if stride is None else stride, padding=padding, groups=c)


AllToAll, OneToOne, FixedProbability = AllToAllConnector, OneToOneConnector, FixedProbabilityConnector
FixedInDegree, FixedOutDegree, FixedTotalNumber = FixedNumberPreConnector, FixedNumberPostConnector, FixedTotalNumberConnector
FromList = FromListConnector
