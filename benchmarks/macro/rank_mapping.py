"""Inter-rank spike messages of the hardware placement used as MPI decomposition: the plain split
(contiguous chips, or neurons in core order cut into equal blocks) against the two-level mapping
(chips or cores grouped by the spikes between them), for sequential and energy-aware placement.

    PYTHONPATH=build/python python3 benchmarks/macro/rank_mapping.py [--quick]

Messages per second under the targeted exchange (each spike once per remote destination rank),
with the rates of a 200 ms profiling run. Results: docs/routing.md ("MPI link")."""
import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "networks"))

import neuromesh as nm  # noqa: E402
import routing_placement as rp  # noqa: E402  (the workloads of the placement benchmark)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sheet only (a smoke run)")
    args = ap.parse_args()
    work = [("local 32x32", rp.local_sheet(32), "loihi")] if args.quick else [
        ("local 128x128", rp.local_sheet(128), "loihi"), ("local 96x96", rp.local_sheet(96), "spinnaker"),
        ("PD14 x0.1", rp.pd14(0.1), "spinnaker")]
    print("| workload | hardware | placement | map [s] | ranks | plain [M msgs/s] | two-level [M msgs/s] |")
    print("|---|---|---|---|---|---|---|")
    for name, net, hw in work:
        rates = list(nm.hardware.profile_rates(net, 200.0, threads=2))
        for placement in ("sequential", "energy-aware"):
            t = time.time()
            m = nm.hardware.map_network(net, hw, placement, profile_ms=200.0, threads=2)
            seconds = time.time() - t
            for n in (2, 4, 8):
                plain, grouped = (m.inter_rank_traffic(n, rates, method)["messages_per_s"] / 1e6
                                  for method in ("plain", "two-level"))
                print(f"| {name} | {hw} | {placement} | {seconds:.1f} | {n} | {plain:.3f} | {grouped:.3f} |", flush=True)


if __name__ == "__main__":
    main()
