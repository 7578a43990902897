#!/usr/bin/env python3
"""CUDA backend benchmark: Vogels-Abbott COBA and the Potjans-Diesmann microcircuit.

Question answered: how fast does the CUDA backend build and run the reference networks, how
much memory do its synapses take, and does it still give the cpu backend's spikes?
For each network and backend it reports construction time [s], real-time factor (simulation
time / simulated time), bytes per synapse, the total spike count, and whether the spike trains
equal those of the first backend listed (bit-for-bit, the determinism contract).

A backend written BACKEND+procedural runs with procedural connectivity where the connector
allows it (NEUROMESH_CUDA_CONNECTIVITY=procedural_if_regenerable: fixed_outdegree and one_to_one
rows regenerated per spike, not stored); its B/syn column then shows the memory that is left,
and "saved" what procedural rows save against the stored ones. Vogels-Abbott (fixed_probability)
and the microcircuit (fixed_total_number) generate by target, so only brunel_outdegree (Brunel
with fixed out-degrees) has regenerable rows.

  python3 benchmarks/macro/cuda_benchmark.py --backends cuda,cuda+procedural,cpu   # on a GPU machine
  python3 benchmarks/macro/cuda_benchmark.py --backends cuda-omp,cpu --scale 0.1 --duration 1000

Goals for an H100 (issue 6): microcircuit (scale 1) RTF <= 0.2, construction <= 2 s. Needs
the Python package on PYTHONPATH (e.g. build/python). Writes --json with the device, if any.
"""
import argparse
import gc
import importlib.util
import json
import os
import subprocess
import sys

import numpy as np

import neuromesh as nm

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def load_script(name):
    if os.path.join(ROOT, "networks") not in sys.path:
        sys.path.insert(0, os.path.join(ROOT, "networks"))  # the scripts import their _script helper
    spec = importlib.util.spec_from_file_location(name, os.path.join(ROOT, "networks", f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def brunel_outdegree(scale, g=5.0, eta=2.0, J=0.1, delay=1.5, seed=12345):
    """Brunel's network (networks/brunel.py) with fixed out-degrees giving the same mean in-degrees."""
    n_exc, n_inh = int(10000 * scale), int(2500 * scale)
    c_exc, c_inh = max(1, n_exc // 10), max(1, n_inh // 10)
    tau_m, theta = 20.0, 20.0
    cell = nm.Model("iaf_psc_delta", C_m=1.0, tau_m=tau_m, t_ref=2.0, E_L=0.0, V_reset=10.0, V_th=theta)
    net = nm.Network(dt=0.1, seed=seed, name="brunel_outdegree")
    init = {"v": nm.random.Uniform(0.0, theta)}
    exc = net.population(n_exc, cell, label="E", initial=init)
    inh = net.population(n_inh, cell, label="I", initial=init)
    for post, n_post in ((exc, n_exc), (inh, n_inh)):
        net.connect(exc, post, nm.FixedOutDegree(c_exc * n_post // n_exc), nm.StaticSynapse(weight=J, delay=delay))
        net.connect(inh, post, nm.FixedOutDegree(c_inh * n_post // n_inh), nm.StaticSynapse(weight=-g * J, delay=delay),
                    receptor="inhibitory")
        net.poisson_input(post, rate=eta * theta / (J * c_exc * tau_m) * c_exc * 1000.0, weight=J)
        post.record("spikes")
    return net


def networks(scale):
    va = load_script("vogels_abbott")
    pd = load_script("potjans_diesmann")
    return {
        "vogels_abbott_coba": lambda: va.build("coba", 12345, 0.1),
        f"microcircuit_{scale:g}": lambda: pd.build(scale=scale),
        f"brunel_outdegree_{scale:g}": lambda: brunel_outdegree(scale),
    }


def run(build, backend, duration, threads):
    """One run; BACKEND+procedural sets the CUDA backend's connectivity for it (docs/cuda.md)."""
    name, _, mode = backend.partition("+")
    if mode:
        os.environ["NEUROMESH_CUDA_CONNECTIVITY"] = "procedural_if_regenerable"
    try:
        return build().run(duration, backend=name, threads=threads)
    finally:
        os.environ.pop("NEUROMESH_CUDA_CONNECTIVITY", None)


def spike_fingerprint(result):
    """All spikes as one sorted array of (population, id, time) rows."""
    rows = []
    for p, label in enumerate(sorted(result.rates())):
        ids, times = result.spikes(label)
        rows.append(np.stack([np.full(len(ids), p), ids, np.round(np.asarray(times) * 1e4)], axis=1))
    return np.unique(np.concatenate(rows), axis=0) if rows else np.zeros((0, 3))


def gpu_name():
    try:
        out = subprocess.run(["nvidia-smi", "--query-gpu=name,driver_version,memory.total", "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=20)
        return out.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", default="cuda,cpu", help="comma-separated; the first is the reference")
    parser.add_argument("--scale", type=float, default=1.0, help="microcircuit scale (default 1: 77k neurons)")
    parser.add_argument("--duration", type=float, default=1000.0, help="ms (default 1000)")
    parser.add_argument("--threads", type=int, default=0, help="cpu backend threads (0: all cores)")
    parser.add_argument("--json", default=None, help="write the results here")
    args = parser.parse_args(argv)
    backends = args.backends.split(",")
    available = nm.features()["backends"]
    missing = [b for b in backends if b.partition("+")[0] not in available or b.partition("+")[2] not in ("", "procedural")]
    if missing:
        print(f"cuda_benchmark: backends {missing} cannot run here (available: {available})", file=sys.stderr)
        return 1
    results = {"device": gpu_name(), "duration_ms": args.duration, "runs": []}
    print(f"device: {results['device'] or 'no NVIDIA GPU'}")
    print(f"{'network':<24} {'backend':<19} {'build [s]':>9} {'RTF':>8} {'B/syn':>6} {'saved':>6} {'spikes':>10}  same")
    for name, build in networks(args.scale).items():
        reference, stored = None, {}
        for backend in backends:
            r = run(build, backend, args.duration, args.threads)
            s = r.summary
            fp = spike_fingerprint(r)
            # The result keeps its engine alive (in a reference cycle, so only the collector frees
            # it), and an idle cpu engine's workers keep yielding (they never sleep): they took a
            # core from the next backend's threads (PD14 0.1 on cuda-omp at 2 threads: 3.4 s of
            # system time, RTF 0.84-1.07 instead of 0.58).
            del r
            gc.collect()
            same = "ref" if reference is None else ("yes" if np.array_equal(fp, reference) else "NO")
            if reference is None:
                reference = fp
            base = backend.partition("+")[0]
            stored.setdefault(backend, s["bytes_per_synapse"])
            saved = stored.get(base, s["bytes_per_synapse"]) - s["bytes_per_synapse"]  # against BACKEND's stored rows
            print(f"{name:<24} {backend:<19} {s['build_seconds']:9.2f} {s['real_time_factor']:8.3f} "
                  f"{s['bytes_per_synapse']:6.2f} {saved:6.2f} {len(fp):10d}  {same}")
            results["runs"].append({"network": name, "backend": backend, "build_seconds": s["build_seconds"],
                                    "real_time_factor": s["real_time_factor"],
                                    "bytes_per_synapse": s["bytes_per_synapse"], "bytes_per_synapse_saved": saved,
                                    "neurons": s["neurons"], "synapses": s["synapses"], "spikes": len(fp),
                                    "same_as_reference": same})
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
