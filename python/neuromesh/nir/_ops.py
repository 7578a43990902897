"""NIR's weight and shape primitives as sparse matrices over C-ordered flattened arrays
(y = M x + b), expanded once at import (Output read-outs, graded inputs and chains that are not
one convolution use them); a chain that is one convolution or pooling, or a composition of them
(fold_conv), also gets its conv2d connector geometry (docs/nir.md, "Primitive mapping")."""
import math

import numpy as np
import scipy.sparse as sp

from ._graph import NIRError, NIRUnsupported


def _pair(v, name, where):
    a = np.atleast_1d(np.asarray(v)).astype(np.int64).ravel()
    if a.size == 1:
        a = np.repeat(a, 2)
    if a.size != 2:
        raise NIRError(f"{where}: {name} must have 1 or 2 values, not {a.size}")
    return int(a[0]), int(a[1])


def _size(shape):
    return int(np.prod(shape, dtype=np.int64)) if len(shape) else 1


def _conv(weight, in_shape, stride, padding, dilation, groups, where):
    """The matrix of a 2-d convolution (PyTorch's cross-correlation) on a (C_in, H, W) input."""
    c_out, cin_g, kh, kw = weight.shape
    c_in, h, w = in_shape
    if groups < 1 or c_out % groups or c_in != cin_g * groups:
        raise NIRError(f"{where}: {c_in} input channels, weight {weight.shape} and groups={groups} do not fit")
    if isinstance(padding, str):
        if padding == "valid":
            padding = (0, 0)
        elif padding == "same":
            if stride != (1, 1):
                raise NIRUnsupported(f"{where}: padding 'same' with stride {stride}")
            padding = None
        else:
            raise NIRError(f"{where}: padding {padding!r} (must be 'same', 'valid' or integers)")
    if padding is None:  # PyTorch's 'same': the extra pad goes to the end
        pads = [(dilation[i] * (k - 1)) // 2 for i, k in enumerate((kh, kw))]
        ho, wo = h, w
    else:
        pads = list(padding)
        ho = (h + 2 * pads[0] - dilation[0] * (kh - 1) - 1) // stride[0] + 1
        wo = (w + 2 * pads[1] - dilation[1] * (kw - 1) - 1) // stride[1] + 1
    if ho <= 0 or wo <= 0:
        raise NIRError(f"{where}: input {in_shape} is smaller than the kernel {weight.shape[2:]}")
    co, y, x = np.meshgrid(np.arange(c_out), np.arange(ho), np.arange(wo), indexing="ij")
    rows_all = (co * ho + y) * wo + x
    g = co // (c_out // groups)
    rows, cols, vals = [], [], []
    for cl in range(cin_g):
        ci = g * cin_g + cl
        for ky in range(kh):
            iy = y * stride[0] - pads[0] + ky * dilation[0]
            for kx in range(kw):
                ix = x * stride[1] - pads[1] + kx * dilation[1]
                ok = (iy >= 0) & (iy < h) & (ix >= 0) & (ix < w)
                rows.append(rows_all[ok])
                cols.append(((ci * h + iy) * w + ix)[ok])
                vals.append(weight[co[ok], cl, ky, kx])
    m = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                      shape=(c_out * ho * wo, c_in * h * w))
    # The same convolution for the core's conv2d connector (symmetric padding only: PyTorch's 'same'
    # with an odd total pad puts the extra row at the end, which conv2d cannot say).
    spec = None
    if padding is not None or all(dilation[i] * (k - 1) % 2 == 0 for i, k in enumerate((kh, kw))):
        spec = dict(input_shape=tuple(in_shape), kernel=np.asarray(weight, dtype=float), stride=tuple(stride),
                    padding=tuple(pads), dilation=tuple(dilation), groups=int(groups))
    return (c_out, ho, wo), m, spec


def _pool(in_shape, kernel, stride, padding, average, where):
    c, h, w = in_shape
    ho = (h + 2 * padding[0] - kernel[0]) // stride[0] + 1
    wo = (w + 2 * padding[1] - kernel[1]) // stride[1] + 1
    if ho <= 0 or wo <= 0:
        raise NIRError(f"{where}: input {in_shape} is smaller than the pooling kernel {kernel}")
    k = np.full((c, 1, kernel[0], kernel[1]), 1.0 / (kernel[0] * kernel[1]) if average else 1.0)  # per channel
    return _conv(k, in_shape, stride, padding, (1, 1), c, where)


def apply(name, node, in_shape, specs=None):
    """(out_shape, matrix or None for identity, bias or None, delay per output or None); for a
    convolution or pooling also specs[name] = its conv2d connector geometry (fold_conv)."""
    kind = node["type"]
    where = f"node '{name}' ({kind})"
    n_in = _size(in_shape)
    if kind in ("Input", "Output"):
        return in_shape, None, None, None
    if kind in ("Affine", "Linear"):
        wt = np.asarray(node["weight"], dtype=float)
        if wt.ndim != 2 or wt.shape[1] != n_in:
            raise NIRError(f"{where}: weight {wt.shape} does not take the input of shape {tuple(in_shape)} "
                           f"({n_in} values)")
        bias = None
        if kind == "Affine":
            bias = np.asarray(node["bias"], dtype=float).ravel()
            if bias.size != wt.shape[0]:
                raise NIRError(f"{where}: bias has {bias.size} values for {wt.shape[0]} outputs")
        return (wt.shape[0],), sp.csr_matrix(wt), bias, None
    if kind == "Scale":
        s = np.asarray(node["scale"], dtype=float).ravel()
        if s.size != n_in:
            raise NIRError(f"{where}: scale has {s.size} values for an input of {n_in}")
        return tuple(in_shape), sp.diags(s).tocsr(), None, None
    if kind == "Delay":
        d = np.asarray(node["delay"], dtype=float).ravel()
        if d.size == 1:
            d = np.repeat(d, n_in)
        if d.size != n_in:
            raise NIRError(f"{where}: delay has {d.size} values for an input of {n_in}")
        if not np.all(np.isfinite(d)) or np.any(d < 0):
            raise NIRError(f"{where}: delays must be finite and >= 0")
        return tuple(in_shape), None, None, d
    if kind == "Flatten":
        start, end = int(node.get("start_dim", 1)), int(node.get("end_dim", -1))
        shape = list(in_shape)
        nd = len(shape)
        s, e = (start + nd if start < 0 else start), (end + nd if end < 0 else end)
        if not 0 <= s <= e < nd:
            raise NIRError(f"{where}: start_dim {start}, end_dim {end} do not fit the input shape {tuple(in_shape)}")
        return tuple(shape[:s] + [_size(shape[s:e + 1])] + shape[e + 1:]), None, None, None
    if kind in ("Conv1d", "Conv2d"):
        wt = np.asarray(node["weight"], dtype=float)
        two = kind == "Conv2d"
        if wt.ndim != (4 if two else 3):
            raise NIRError(f"{where}: weight must have {4 if two else 3} dimensions, not shape {wt.shape}")
        spatial = node.get("input_shape")
        shape = list(in_shape)
        if spatial is not None and np.size(spatial) and len(shape) != (3 if two else 2):
            shape = [wt.shape[1] * int(node.get("groups", 1))] + list(np.atleast_1d(spatial).astype(int))
        if len(shape) != (3 if two else 2) or _size(shape) != n_in:
            raise NIRError(f"{where}: input of shape {tuple(in_shape)} is not (C_in, {'H, W' if two else 'N'})")
        if not two:
            wt, shape = wt[:, :, None, :], [shape[0], 1, shape[1]]
        def one(v, n, unit):  # Conv1d runs as a 2-d convolution over a (C, 1, N) input
            return _pair(v, n, where) if two else (unit, int(np.ravel(v)[0]))
        pad = _text_or(node.get("padding", 0))
        pad = pad if isinstance(pad, str) else one(pad, "padding", 0)
        out, m, spec = _conv(wt, tuple(shape), one(node.get("stride", 1), "stride", 1), pad,
                             one(node.get("dilation", 1), "dilation", 1), int(node.get("groups", 1)), where)
        if specs is not None and spec is not None:
            specs[name] = spec
        bias = node.get("bias")
        b = None
        if bias is not None and np.size(bias):
            bias = np.asarray(bias, dtype=float).ravel()
            if bias.size != out[0]:
                raise NIRError(f"{where}: bias has {bias.size} values for {out[0]} output channels")
            b = np.repeat(bias, out[1] * out[2])
        return (out if two else (out[0], out[2])), m, b, None
    if kind in ("SumPool2d", "AvgPool2d"):
        if len(in_shape) != 3:
            raise NIRError(f"{where}: input of shape {tuple(in_shape)} is not (C, H, W)")
        out, m, spec = _pool(tuple(in_shape), _pair(node["kernel_size"], "kernel_size", where),
                             _pair(node["stride"], "stride", where), _pair(node.get("padding", 0), "padding", where),
                             kind == "AvgPool2d", where)
        if specs is not None and spec is not None:
            specs[name] = spec
        return out, m, None, None
    raise NIRUnsupported(f"{where}: not a weight or shape node")


def _text_or(v):
    if isinstance(v, bytes):
        return v.decode()
    if isinstance(v, np.ndarray) and v.dtype.kind in "OSU":
        return str(v.ravel()[0].decode() if isinstance(v.ravel()[0], bytes) else v.ravel()[0])
    return v


def _full_kernel(spec):
    """spec's kernel as a groups=1 kernel (out, in, kh, kw), zero between groups."""
    k = np.asarray(spec["kernel"], dtype=float)
    o, cin_g = k.shape[:2]
    per = o // spec["groups"]
    full = np.zeros((o, spec["input_shape"][0]) + k.shape[2:])
    for g in range(spec["groups"]):
        full[g * per:(g + 1) * per, g * cin_g:(g + 1) * cin_g] = k[g * per:(g + 1) * per]
    return full


def _extent(n, k, stride, pad, dil):
    return (n + 2 * pad - dil * (k - 1) - 1) // stride + 1


def _groups_of(full):
    """The most groups whose block structure holds every non-zero entry of a (out, in, ...) kernel."""
    o, c = full.shape[:2]
    nonzero = np.any(full != 0, axis=(2, 3))
    for g in range(math.gcd(o, c), 1, -1):
        if o % g == 0 and c % g == 0:
            block = np.kron(np.eye(g, dtype=bool), np.ones((o // g, c // g), dtype=bool))
            if not np.any(nonzero & ~block):
                return g
    return 1


def fold_conv(first, second):
    """The conv2d geometry of convolution `second` applied to the output of `first` (pooling
    included), or None where that is not one convolution. Per axis, output y of `second` reads
    input y·s1·s2 − (p2·s1 + p1) + ky2·d2·s1 + ky1·d1 through tap (ky2, ky1): one convolution of
    stride s1·s2, padding p2·s1 + p1 and dilation D = gcd(d2·s1, d1), whose kernel entry at offset
    (ky2·d2·s1 + ky1·d1)/D sums K2(ky2)·K1(ky1) over the middle channels. Exact when `second`'s
    padding covers only positions at which `first`, run on, would read nothing but its own padding
    (checked position by position), and the symmetric padding gives `second`'s output size (not so
    when `first` drops input rows at its end that the folded kernel would reach); else None and the
    chain is expanded. Groups: the most that hold the non-zero entries."""
    c0, h, w = first["input_shape"]
    k1, k2 = _full_kernel(first), _full_kernel(second)
    if tuple(second["input_shape"])[0] != k1.shape[0]:
        return None
    stride, pad, dil, size = [], [], [], []
    for a, n in enumerate((h, w)):
        s1, p1, d1, ka = first["stride"][a], first["padding"][a], first["dilation"][a], k1.shape[2 + a]
        s2, p2, d2, kb = second["stride"][a], second["padding"][a], second["dilation"][a], k2.shape[2 + a]
        n1 = _extent(n, ka, s1, p1, d1)
        if n1 != second["input_shape"][1 + a]:
            return None
        n2 = _extent(n1, kb, s2, p2, d2)
        for y1 in {y * s2 - p2 + kyb * d2 for y in range(n2) for kyb in range(kb)}:
            if not 0 <= y1 < n1 and any(0 <= y1 * s1 - p1 + kya * d1 < n for kya in range(ka)):
                return None  # second's zero padding where first would read input
        d = math.gcd(d2 * s1, d1)
        taps = ((kb - 1) * d2 * s1 + (ka - 1) * d1) // d + 1
        if _extent(n, taps, s1 * s2, p2 * s1 + p1, d) != n2:
            return None
        stride.append(s1 * s2), pad.append(p2 * s1 + p1), dil.append(d), size.append(taps)
    big = np.zeros((k2.shape[0], c0, size[0], size[1]))
    for kyb, kxb, kya, kxa in np.ndindex(k2.shape[2], k2.shape[3], k1.shape[2], k1.shape[3]):
        iy = (kyb * second["dilation"][0] * first["stride"][0] + kya * first["dilation"][0]) // dil[0]
        ix = (kxb * second["dilation"][1] * first["stride"][1] + kxa * first["dilation"][1]) // dil[1]
        big[:, :, iy, ix] += k2[:, :, kyb, kxb] @ k1[:, :, kya, kxa]
    groups = _groups_of(big)
    per, cin_g = big.shape[0] // groups, c0 // groups
    kernel = np.stack([big[o, (o // per) * cin_g:(o // per + 1) * cin_g] for o in range(big.shape[0])])
    return dict(input_shape=(c0, h, w), kernel=kernel, stride=tuple(stride), padding=tuple(pad),
                dilation=tuple(dil), groups=groups)
