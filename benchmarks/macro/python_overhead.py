#!/usr/bin/env python3
"""Two questions about the Python layer (issue 3's performance goals):

1. Binding overhead: building a 10^5-neuron, 10^7-synapse network from Python vs the same
   network from a JSON file by the C++ CLI (goal: Python <= 1.1x C++).
2. Spike readout: 10^7 spikes into numpy (goal: < 1 s).

    PYTHONPATH=build/python python3 benchmarks/macro/python_overhead.py --cli build/apps/neuromesh
"""
import argparse
import json
import os
import re
import subprocess
import tempfile
import time

import neuromesh as nm


def python_build(n, k):
    t0 = time.perf_counter()
    net = nm.Network(seed=3)
    pop = net.population(n, nm.Model("iaf_psc_exp", I_e=400.0), label="P")
    net.connect(pop, pop, nm.FixedInDegree(k), nm.StaticSynapse(weight=1.0, delay=1.0))
    sim = net.simulator(threads=1)
    return time.perf_counter() - t0, sim


def cli_build(cli, n, k, workdir):
    spec = {"seed": 3, "populations": [{"label": "P", "size": n, "model": "iaf_psc_exp", "params": {"I_e": 400.0}}],
            "projections": [{"pre": "P", "post": "P", "connector": {"type": "fixed_indegree", "n": k},
                             "synapse": {"weight": 1.0, "delay": 1.0}}]}
    path = os.path.join(workdir, "net.json")
    with open(path, "w") as f:
        json.dump(spec, f)
    t0 = time.perf_counter()
    out = subprocess.run([cli, "run", path, "--duration", "0", "--threads", "1"], capture_output=True, text=True, check=True)
    wall = time.perf_counter() - t0
    construction = float(re.search(r"construction ([0-9.]+) s", out.stdout).group(1))
    return construction, wall


def readout(n_spikes_target):
    net = nm.Network()
    pop = net.population(100000, nm.IF_curr_exp(i_offset=2.0, tau_refrac=2.0), label="P")
    pop.record("spikes")
    duration = 100.0
    while True:
        net.run(duration, threads=0)
        if net._last.summary()["spikes"] >= n_spikes_target:
            break
        duration *= 2
    t0 = time.perf_counter()
    ids, times = pop.spikes
    return len(ids), time.perf_counter() - t0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cli", default="build/apps/neuromesh")
    p.add_argument("--neurons", type=int, default=100000)
    p.add_argument("--indegree", type=int, default=100)
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        py = sorted(python_build(args.neurons, args.indegree)[0] for _ in range(args.repeats))
        cpp = sorted(cli_build(args.cli, args.neurons, args.indegree, tmp)[0] for _ in range(args.repeats))
    med = lambda v: v[len(v) // 2]
    print(f"build {args.neurons} neurons x {args.indegree} synapses: Python {med(py):.2f} s "
          f"(min {py[0]:.2f}), C++ CLI construction {med(cpp):.2f} s (min {cpp[0]:.2f}); ratio {med(py) / med(cpp):.2f}")
    n, seconds = readout(10_000_000)
    print(f"spike readout: {n} spikes into numpy in {seconds:.3f} s")


if __name__ == "__main__":
    main()
