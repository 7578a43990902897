"""CPU time (user + sys, all threads) of the Potjans-Diesmann microcircuit's construction and
simulation phases, measured in one process with getrusage: on a shared machine wall times measure
the wait for a core, CPU times the work. Compare builds by running this with each build's
PYTHONPATH, alternating.

    PYTHONPATH=build/python python3 benchmarks/macro/microcircuit_phases.py --scale 1 --duration 1000 --threads 2

Construction is measured as a 0.1 ms first run (building the engine), simulation as the run that
continues it for --duration ms. Peak RSS is ru_maxrss (KiB on Linux)."""
import argparse
import os
import resource
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "networks"))
import potjans_diesmann  # noqa: E402


def cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--duration", type=float, default=1000.0, help="simulated ms after construction")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=55)
    args = parser.parse_args()
    net = potjans_diesmann.build(args.scale, args.seed)
    c0, w0 = cpu_seconds(), time.time()
    net.run(0.1, threads=args.threads)
    c1, w1 = cpu_seconds(), time.time()
    result = net.run(args.duration, threads=args.threads)
    c2, w2 = cpu_seconds(), time.time()
    s = result.summary
    print(f"construction CPU {c1 - c0:.2f} s (wall {w1 - w0:.2f}); simulation CPU {c2 - c1:.2f} s "
          f"(wall {w2 - w1:.2f}) for {args.duration:g} ms; {s['bytes_per_synapse']:.2f} bytes/synapse; "
          f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss} KiB")


if __name__ == "__main__":
    main()
