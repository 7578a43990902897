"""NIR's weight and shape primitives as sparse matrices over C-ordered flattened arrays
(y = M x + b). Convolutions and pooling are expanded from their kernels here, once, at import;
the result becomes explicit synapses (docs/nir.md, "Memory")."""
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
    out, m, spec = _conv(k, in_shape, stride, padding, (1, 1), c, where)
    if spec is not None:
        spec["pool"] = (tuple(kernel), 1.0 / (kernel[0] * kernel[1]) if average else 1.0)
    return out, m, spec


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


def fold_conv(first, second):
    """The conv2d geometry of `second` applied after `first` (None if not one convolution): a
    pooling with kernel == stride and no padding followed by a convolution is one convolution with
    stride x pool stride whose kernel entry (ky d p + a, kx d p + b) is the pooling value times the
    convolution's (ky, kx) -- exact when the convolution has no padding or the pooling drops no
    rows/columns (else its padding would cover input that the pooling dropped)."""
    pool = first.get("pool")
    if pool is None or "pool" in second:
        return None
    (ph, pw), value = pool
    if tuple(first["stride"]) != (ph, pw) or tuple(first["padding"]) != (0, 0):
        return None
    c, h, w = first["input_shape"]
    if any(second["padding"][a] and (h, w)[a] % (ph, pw)[a] for a in (0, 1)):
        return None
    k = second["kernel"]
    o, cin_g, kh, kw = k.shape
    (dy, dx), (sy, sx) = second["dilation"], second["stride"]
    big = np.zeros((o, cin_g, (kh - 1) * dy * ph + ph, (kw - 1) * dx * pw + pw))
    for ky in range(kh):
        for kx in range(kw):
            big[:, :, ky * dy * ph:ky * dy * ph + ph, kx * dx * pw:kx * dx * pw + pw] = \
                value * k[:, :, ky, kx][:, :, None, None]
    return dict(input_shape=(c, h, w), kernel=big, stride=(sy * ph, sx * pw),
                padding=(second["padding"][0] * ph, second["padding"][1] * pw), dilation=(1, 1),
                groups=second["groups"])
