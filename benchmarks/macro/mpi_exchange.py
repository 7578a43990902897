#!/usr/bin/env python3
"""Spike exchange under MPI: bytes sent per rank per biological second, all-gather vs targeted, on
Brunel, the cortical microcircuit (scale 0.1) and a locally connected sheet; strong scaling on this
machine (1 vs 2 ranks); and the communication-volume model for up to 64 ranks (N ranks simulated in
one process, counting exactly what backends/mpi would send -- checked against MPI in the tests).

    python3 benchmarks/macro/mpi_exchange.py [--duration 1000] [--out results.json]

Needs the Python package built with MPI (PYTHONPATH=build/python) and mpiexec on PATH."""
import argparse
import json
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "networks"))

NETWORKS = {
    "brunel": lambda: __import__("brunel").build(1.0),
    "microcircuit_0.1": lambda: __import__("potjans_diesmann").build(0.1),
    "local_sheet": lambda: __import__("local_sheet").build(1.0),
}
MODEL_RANKS = (2, 4, 8, 16, 32, 64)


def worker(name, exchange, decomposition, duration, threads):
    """Runs under mpirun: one distributed run; rank 0 prints one JSON line."""
    result = NETWORKS[name]().run(duration, threads=threads, exchange=exchange, decomposition=decomposition)
    s = result.summary
    if result.rank == 0:
        print("RESULT " + json.dumps({"network": name, "ranks": s["ranks"], "threads": threads, "exchange": exchange,
                                      "decomposition": decomposition, "exchange_bytes": s["exchange_bytes"],
                                      "bytes_per_rank_per_s": s["exchange_bytes"] / s["ranks"] / (duration * 1e-3),
                                      "build_s": s["build_seconds"], "simulate_s": s["simulate_seconds"],
                                      "exchange_s": s.get("exchange_seconds", 0.0),
                                      "rates": result.rates()}))


def launch(name, ranks, exchange, decomposition, duration, threads=1):
    env = {**os.environ, "OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"}
    cmd = [sys.executable, __file__, "--worker", name, exchange, decomposition, str(duration), str(threads)]
    if ranks > 1:
        cmd = [shutil.which("mpiexec"), "--oversubscribe", "-n", str(ranks)] + cmd
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True).stdout
    return json.loads(next(l for l in out.splitlines() if l.startswith("RESULT "))[7:])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=1000.0)
    parser.add_argument("--out", default=None, help="JSON results file")
    parser.add_argument("--worker", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        name, exchange, decomposition, duration, threads = args.worker
        return worker(name, exchange, decomposition, float(duration), int(threads))
    if not shutil.which("mpiexec"):
        sys.exit("mpiexec not found: install openmpi-bin (scripts/install-deps.sh)")
    results = {"machine": os.uname().nodename, "cores": os.cpu_count(), "duration_ms": args.duration,
               "measured": [], "model": []}
    for name, build in NETWORKS.items():
        # Communication-volume model from one single-process run.
        result = build().run(args.duration, threads=2)
        for decomposition in ("block", "round-robin"):
            for e in result.communication_volume(MODEL_RANKS, decomposition):
                results["model"].append({"network": name, "ranks": e["ranks"], "decomposition": decomposition,
                                         "allgather": e["allgather_bytes_per_rank_per_s"],
                                         "targeted": e["targeted_bytes_per_rank_per_s"]})
        # Measured with MPI on this machine.
        for ranks, exchange in ((1, "targeted"), (2, "allgather"), (2, "targeted"), (4, "allgather"), (4, "targeted")):
            r = launch(name, ranks, exchange, "block", args.duration)
            results["measured"].append(r)
            print(f"{name:18s} {ranks} ranks {exchange:9s}: {r['bytes_per_rank_per_s'] / 1e3:9.1f} kB/rank/s, "
                  f"simulation {r['simulate_s']:.2f} s, construction {r['build_s']:.2f} s", flush=True)
        r = launch(name, 1, "targeted", "block", args.duration, threads=2)
        results["measured"].append(r)
        print(f"{name:18s} 1 rank x 2 threads: simulation {r['simulate_s']:.2f} s", flush=True)
    print("\nmodel (block decomposition), kB per rank per biological second: all-gather / targeted (ratio)")
    for name in NETWORKS:
        row = [e for e in results["model"] if e["network"] == name and e["decomposition"] == "block"]
        print(f"{name:18s} " + "  ".join(f"{e['ranks']:2d}: {e['allgather'] / 1e3:.0f}/{e['targeted'] / 1e3:.0f} "
                                         f"({e['allgather'] / max(e['targeted'], 1):.1f}x)" for e in row))
    if args.out:
        with open(args.out, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
