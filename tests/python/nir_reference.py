"""A small numpy reference of NIR's neuron equations (nir docs/source/primitives.md), written
from the equations and the discretisation stated in docs/nir.md -- not from neuromesh's code:
inputs held constant over a step of width h (a spike counts 1 for one step), exact solution of
the linear ODE over that step, then threshold (v > v_threshold) and reset to v_reset. Every
synapse takes one step: the input of step t is W x[t-1] + b."""
import numpy as np


def neuron(kind, p, current, h, euler=False):
    """Steps one layer of `kind` driven by current[t] (T, n); returns (spikes, v) of shape (T, n)."""
    steps, n = current.shape
    g = {k: np.broadcast_to(np.asarray(v, dtype=float).ravel() if np.size(v) > 1 else float(np.ravel(v)[0]), (n,))
         for k, v in p.items()}
    v = np.array(g.get("v_leak", np.zeros(n)), dtype=float)
    i = np.zeros(n)
    spikes, vs = np.zeros((steps, n), np.uint8), np.zeros((steps, n))
    for t in range(steps):
        x = current[t]
        if kind in ("LIF", "LI"):
            a = 1 - h / g["tau"] if euler else np.exp(-h / g["tau"])
            v = g["v_leak"] + (v - g["v_leak"]) * a + g["r"] * (1 - a) * x
        elif kind in ("IF", "I"):
            v = v + g["r"] * h * x
        elif kind == "Threshold":
            v = x
        else:  # CubaLIF / CubaLI: tau_s I' = -I + w_in x, tau_m v' = (v_leak - v) + r I, solved over h
            u = g["w_in"] * x
            ts, tm = g["tau_syn"], g["tau_mem"]
            if euler:
                v_next = v + h / tm * (g["v_leak"] - v + g["r"] * i)
                i = i + h / ts * (u - i)
            else:
                # I(s) = u + (I0 - u) e^{-s/ts}; the membrane's response, solved in closed form
                e_m, e_s = np.exp(-h / tm), np.exp(-h / ts)
                resp = ts / (ts - tm) * (e_s - e_m)  # integral of (1/tm) e^{-(h-s)/tm} e^{-s/ts} ds
                v_next = g["v_leak"] + (v - g["v_leak"]) * e_m + g["r"] * (u * (1 - e_m) + (i - u) * resp)
                i = u + (i - u) * e_s
            v = v_next
        if kind in ("LIF", "IF", "CubaLIF", "Threshold"):
            th = g["threshold"] if kind == "Threshold" else g["v_threshold"]
            fired = v > th
            spikes[t] = fired
            if kind != "Threshold":
                v = np.where(fired, g.get("v_reset", np.zeros(n)), v)
        vs[t] = v
    return spikes, vs


def affine_input(x, w, b=None):
    """The input of each step: W x[t-1] + b (one step through the synapse)."""
    drive = np.zeros((x.shape[0], w.shape[0]))
    drive[1:] = x[:-1] @ w.T
    return drive + (0.0 if b is None else b)


def conv2d_ref(x, w, b, stride, pad, dil, groups):
    """Direct loops over PyTorch's conv2d (cross-correlation, zero padding) on a (C, H, W) input,
    written from its documentation; b: bias per output channel."""
    c_in, h, wd = x.shape
    co, cg, kh, kw = w.shape
    xp = np.zeros((c_in, h + 2 * pad[0], wd + 2 * pad[1]))
    xp[:, pad[0]:pad[0] + h, pad[1]:pad[1] + wd] = x
    ho = (h + 2 * pad[0] - dil[0] * (kh - 1) - 1) // stride[0] + 1
    wo = (wd + 2 * pad[1] - dil[1] * (kw - 1) - 1) // stride[1] + 1
    y = np.zeros((co, ho, wo))
    for o in range(co):
        g = o // (co // groups)
        for i in range(ho):
            for j in range(wo):
                for c in range(cg):
                    for a in range(kh):
                        for e in range(kw):
                            y[o, i, j] += w[o, c, a, e] * xp[g * cg + c, i * stride[0] + a * dil[0], j * stride[1] + e * dil[1]]
    return y + b[:, None, None]
