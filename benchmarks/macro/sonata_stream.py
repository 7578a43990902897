"""The Potjans-Diesmann microcircuit exported as a SONATA circuit and re-imported with the edges
streamed from the file (issue 15, part 2: large circuits; docs/benchmarks.md). Three steps, each its
own process so `/usr/bin/time -v` gives each one's peak memory:

    python3 benchmarks/macro/sonata_stream.py export   --scale 1 --dir D        # nm.sonata.write
    python3 benchmarks/macro/sonata_stream.py original --scale 1 --dir D --duration 100
    python3 benchmarks/macro/sonata_stream.py import   --scale 1 --dir D --duration 100

SONATA has no Poisson generators, so the circuit is exported without its background drive and the
import adds the same poisson_input to the same populations in the same order: the keyed streams
then draw the same input, and the spikes must equal the original run's, step for step ("import"
compares with D/original.npz when it exists and says so).
"""
import argparse
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "networks"))

import potjans_diesmann as pd  # noqa: E402

import neuromesh as nm  # noqa: E402
from neuromesh import sonata  # noqa: E402


def spikes_of(net, result):
    out = {}
    for p in net.populations:
        ids, times = result.spikes(p.label)
        out[p.label] = np.array(sorted(zip(np.asarray(ids).tolist(),
                                           np.round(np.asarray(times) / net.dt).astype(int).tolist())),
                                dtype=np.int64).reshape(-1, 2)
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("step", choices=["export", "original", "import"])
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--duration", type=float, default=100.0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--stream", choices=["auto", "true", "false"], default="true",
                        help="import: sonata.read(stream=None|True|False) (default true: every edge population)")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    reference = pd.build(scale=args.scale)
    if args.step == "export":
        reference._poisson = []  # SONATA has no Poisson generator: the import adds it back
        config = sonata.write(reference, args.dir, tstop=args.duration, threads=args.threads)
        size = sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(args.dir) for f in fs)
        print(f"exported {config}: {size / 1e9:.2f} GB on disk, {time.perf_counter() - t0:.1f} s")
        return 0
    if args.step == "original":
        net = reference
    else:
        stream = {"auto": None, "true": True, "false": False}[args.stream]
        net = sonata.read(os.path.join(args.dir, "simulation_config.json"), stream=stream)
        t_read = time.perf_counter() - t0
        kinds = sorted({type(c).__name__ for _, _, c, _, _ in net._projections})
        print(f"read {len(net._projections)} projections ({', '.join(kinds)}) in {t_read:.1f} s")
        by_label = {p.label: p for p in net.populations}
        for target, rate, weight, receptor in reference._poisson:
            net.poisson_input(by_label[target.label], rate, weight, receptor=None if receptor == "by_sign" else receptor)
        for p in net.populations:
            p.record("spikes")
    t1 = time.perf_counter()
    result = net.run(args.duration, threads=args.threads)
    spikes = spikes_of(net, result)
    n = sum(len(s) for s in spikes.values())
    print(f"{args.step}: {n} spikes in {args.duration} ms; build + run {time.perf_counter() - t1:.1f} s, "
          f"total {time.perf_counter() - t0:.1f} s")
    np.savez(os.path.join(args.dir, f"{args.step}.npz"), **spikes)
    other = os.path.join(args.dir, "original.npz")
    if args.step == "import" and os.path.exists(other):
        ref = np.load(other)
        same = all(np.array_equal(ref[k], spikes[k]) for k in spikes) and set(ref.files) == set(spikes)
        print("spikes identical to the original run" if same else "SPIKES DIFFER from the original run")
        return 0 if same else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
