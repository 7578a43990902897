"""N-MNIST-sized spiking CNN as a NIR graph (issue 14's performance workload): 2x34x34 input ->
conv 8@3x3 -> LIF -> sumpool 2 -> conv 16@3x3 -> LIF -> flatten -> affine 10 -> LIF; 300 steps.
Reports import time, run time per sample (neuromesh, 1 and 2 threads; the best of --repeats, wall
and CPU time) against a vectorised numpy implementation of the same equations (no snnTorch/Norse:
torch is not installed in CI), and the RSS after 1 and after N samples (memory must not grow with
samples).

    PYTHONPATH=build/python python3 benchmarks/macro/nir_cnn.py [--samples 5]
"""
import argparse
import os
import resource
import tempfile
import time

import nir
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

import neuromesh as nm

DT, TAU = 1.0, 20.0


def graph(rng):
    lif = lambda shape, th=1.0: nir.LIF(tau=np.full(shape, TAU), r=np.full(shape, TAU), v_leak=np.zeros(shape),  # noqa
                                        v_threshold=np.full(shape, th), v_reset=np.zeros(shape))
    q = lambda a: (np.round(a * 1024) / 1024).astype(np.float32)  # noqa: E731
    nodes = {"input": nir.Input(input_type={"input": np.array([2, 34, 34])}),
             "conv1": nir.Conv2d(input_shape=(34, 34), weight=q(rng.normal(0.15, 0.3, (8, 2, 3, 3))), stride=1,
                                 padding=0, dilation=1, groups=1, bias=np.zeros(8, np.float32)),
             "lif1": lif((8, 32, 32)),
             "pool": nir.SumPool2d(kernel_size=np.array([2, 2]), stride=np.array([2, 2]), padding=np.array([0, 0])),
             "conv2": nir.Conv2d(input_shape=(16, 16), weight=q(rng.normal(0.05, 0.2, (16, 8, 3, 3))), stride=1,
                                 padding=0, dilation=1, groups=1, bias=np.zeros(16, np.float32)),
             "lif2": lif((16, 14, 14)),
             "flat": nir.Flatten(input_type={"input": np.array([16, 14, 14])}, start_dim=0, end_dim=-1),
             "fc": nir.Affine(weight=q(rng.normal(0.02, 0.05, (10, 16 * 14 * 14))), bias=np.zeros(10, np.float32)),
             "lif3": lif((10,)), "output": nir.Output(output_type={"output": np.array([10])})}
    order = ["input", "conv1", "lif1", "pool", "conv2", "lif2", "flat", "fc", "lif3", "output"]
    return nir.NIRGraph(nodes=nodes, edges=list(zip(order, order[1:])), type_check=False)


def conv(x, w):  # (C, H, W) * (O, C, k, k), stride 1, no padding
    win = sliding_window_view(x, w.shape[2:], axis=(1, 2))  # C, Ho, Wo, k, k
    return np.einsum("chwij,ocij->ohw", win, w, optimize=True)


def numpy_sample(g, x):
    a = np.exp(-DT / TAU)
    gain = TAU * (1 - a)
    w1, w2, wf = (g.nodes[k].weight.astype(float) for k in ("conv1", "conv2", "fc"))
    v1, v2, v3 = np.zeros((8, 32, 32)), np.zeros((16, 14, 14)), np.zeros(10)
    s1, s2 = np.zeros_like(v1), np.zeros_like(v2)
    out = np.zeros((x.shape[0], 10), np.uint8)
    prev_x = np.zeros(x.shape[1:])
    for t in range(x.shape[0]):
        i1 = conv(prev_x, w1)
        i2 = conv(s1.reshape(8, 16, 2, 16, 2).sum(axis=(2, 4)), w2)
        i3 = wf @ s2.ravel()
        v1, v2, v3 = a * v1 + gain * i1, a * v2 + gain * i2, a * v3 + gain * i3
        s1, s2, s3 = (v1 > 1.0) * 1.0, (v2 > 1.0) * 1.0, v3 > 1.0
        v1, v2, v3 = np.where(s1 > 0, 0, v1), np.where(s2 > 0, 0, v2), np.where(s3, 0, v3)
        out[t], prev_x = s3, x[t].astype(float)
    return out


def rss_mib():
    """Current resident set [MiB] (/proc/self/statm), not the peak."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--samples", type=int, default=5)
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--repeats", type=int, default=5, help="timed runs per measurement (the best is reported)")
    ap.add_argument("--compare-rows", action="store_true",
                    help="also time the same import with every term expanded into explicit synapses (stored rows)")
    a = ap.parse_args()
    rng = np.random.default_rng(1)
    g = graph(rng)
    xs = (rng.random((a.samples, a.steps, 2, 34, 34)) < 0.05).astype(np.uint8)
    path = os.path.join(tempfile.mkdtemp(), "nmnist_cnn.nir")
    nir.write(path, g)
    t0 = time.perf_counter()
    model = nm.nir.read(path, dt=DT, time_scale=1.0)
    t_import = time.perf_counter() - t0
    n = sum(len(p) for p in model.populations.values())
    print(f"neurons {n} (of which inputs {2 * 34 * 34}); import {t_import:.2f} s; RSS {rss_mib():.0f} MiB")
    for threads in (1, 2):
        model.run(xs[0], threads=threads)  # warm: builds the simulation kept between samples
        wall, cpu, y = best_of(a.repeats, lambda: model.run(xs[0], threads=threads))
        print(f"neuromesh {threads} thread(s): {wall:.3f} s per sample (CPU {cpu:.3f} s; best of {a.repeats}) "
              f"({int(y.sum())} output spikes); RSS {rss_mib():.0f} MiB")
    r1 = rss_mib()
    t0 = time.perf_counter()
    ys = model.run(xs, threads=2)
    print(f"neuromesh 2 threads, batch of {a.samples}: {(time.perf_counter() - t0) / a.samples:.3f} s per sample; "
          f"RSS {rss_mib():.0f} MiB (before the batch {r1:.0f} MiB; peak {peak_mib():.0f} MiB)")
    ys = model.run(np.concatenate([xs, xs]), threads=2)
    print(f"after a batch of {2 * a.samples}: RSS {rss_mib():.0f} MiB (peak {peak_mib():.0f} MiB)")
    wall, cpu, ref = best_of(a.repeats, lambda: numpy_sample(g, xs[0]))
    print(f"numpy reference: {wall:.3f} s per sample (CPU {cpu:.3f} s, all BLAS threads; best of {a.repeats}); "
          f"same output spikes: {bool(np.array_equal(ref, ys[0]))}")
    # Pairs run back to back share the machine's load: the median of their ratios is steadier than
    # either best time on a busy machine.
    ratios = []
    for _ in range(a.repeats):
        w1, c1, _ = best_of(1, lambda: model.run(xs[0], threads=1))
        w2, c2, _ = best_of(1, lambda: numpy_sample(g, xs[0]))
        ratios.append((w1 / w2, c1 / c2))
    r = np.median(np.array(ratios), axis=0)
    print(f"neuromesh (1 thread) / numpy, median of {a.repeats} back-to-back pairs: wall {r[0]:.2f}, CPU {r[1]:.2f}")
    if a.compare_rows:  # conv2d connectors (procedural delivery) vs the same synapses stored as explicit lists
        rows = nm.nir.read(path, dt=DT, time_scale=1.0)
        for key in rows.plan.convs:
            rows.plan.convs[key] = None
        rows._nets.clear()
        rows.network, rows.populations = rows._build("spikes")
        assert np.array_equal(rows.run(xs[0]), ys[0])
        pairs = [(best_of(1, lambda: model.run(xs[0]))[1], best_of(1, lambda: rows.run(xs[0]))[1])
                 for _ in range(a.repeats)]
        c = np.median(np.array(pairs), axis=0)
        print(f"conv2d connector / explicit synapses, CPU per sample (medians of {a.repeats} pairs): "
              f"{c[0]:.3f} / {c[1]:.3f} s; ratio {np.median([p[0] / p[1] for p in pairs]):.2f}")


def best_of(n, f):
    """Smallest wall and CPU time of n calls (a shared machine's load only adds), and f's result."""
    wall, cpu = [], []
    for _ in range(n):
        t0, c0 = time.perf_counter(), time.process_time()
        out = f()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return min(wall), min(cpu), out


if __name__ == "__main__":
    main()
