#!/usr/bin/env python3
"""Routing tables on a 12x12-chip SpiNNaker machine for Mundy et al. 2016's synthetic workloads
(shared/specs/hardware.md §6(d) item 2; networks/mundy_synthetic.py): locally connected,
centroid, and the uniform-random and Brunel controls. Goal (issue 5): every locally connected
table and >= 80 % of the centroid tables fit in 1024 entries (Ordered Covering published 100 % and
66 %).

    PYTHONPATH=build/python python3 benchmarks/macro/mundy_tables.py [--cores-per-chip 17]

Every workload is placed sequentially (vertex c on core c, as in the paper) and routed with the
tables of the preset, whose limit is lifted so that tables over it are counted rather than
rejected. Per workload: entries per router before any reduction, after default-route removal and
after Ordered Covering (max and mean), the fraction of the 144 tables within 1024 entries, the
default-routed entries and the compression time. --cores-per-chip 17 is Mundy's machine (the
preset has 16 application cores). Prints a markdown table for docs/benchmarks.md."""
import argparse
import json
import os
import subprocess
import sys
import time

import neuromesh as nm

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "networks"))
import mundy_synthetic  # noqa: E402


def hardware_file(cores_per_chip):
    """The spinnaker preset with unlimited tables (and cores_per_chip application cores)."""
    path, limit = mundy_synthetic.without_table_limit("spinnaker")
    if cores_per_chip:
        with open(path) as f:
            hw = json.load(f)
        hw["mesh"]["cores_per_router"] = cores_per_chip
        with open(path, "w") as f:
            json.dump(hw, f)
    return path, limit


def brunel():
    """Brunel's balanced network (networks/brunel.py) at 12,500 neurons: dense random, on 50 cores."""
    import brunel as b
    return b.build(scale=1.0)


def row(name, net, path, limit):
    t = time.time()
    m = nm.hardware.map_network(net, path, "sequential", profile_ms=0)
    r = mundy_synthetic.table_report(m, limit)
    s = m.summary()
    r.update(workload=name, cores=s["cores_used"], chips=s["chips_used"], map_s=time.time() - t,
             fit_pct=100 * r["fit"])
    return r


def table(rows, keys):
    out = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    for r in rows:
        out.append("| " + " | ".join(f"{r[k]:.4g}" if isinstance(r[k], float) else str(r[k]) for k in keys) + " |")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cores-per-chip", type=int, default=0, help="0: the preset's 16")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-brunel", action="store_true")
    args = ap.parse_args()
    path, limit = hardware_file(args.cores_per_chip)
    try:
        info = nm.hardware.info(path)
        chips, cpc, npc = info["chips"], info["cores_per_router"], info["limits"]["neurons"]
        rows = []
        for kind in mundy_synthetic.KINDS:
            rows.append(row(kind, mundy_synthetic.build(kind, chips, cpc, npc, args.seed), path, limit))
            print(rows[-1], file=sys.stderr, flush=True)
        if not args.no_brunel:
            rows.append(row("brunel", brunel(), path, limit))
            print(rows[-1], file=sys.stderr, flush=True)
    finally:
        os.unlink(path)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=HERE).stdout
    print(f"SpiNNaker {chips[0]}x{chips[1]} chips, {cpc} cores per chip, limit {limit}; commit {commit.strip()}")
    print(table(rows, ["workload", "cores", "chips", "before_max", "before_mean", "default_max", "after_max",
                       "after_mean", "fit_pct", "default_routed", "seconds", "map_s"]))


if __name__ == "__main__":
    main()
