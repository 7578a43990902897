#!/usr/bin/env python3
"""Energy-aware placement against sequential (PACMAN-style) and random placement on the workloads
of shared/specs/hardware.md §6(d), and the cost of energy accounting (docs/routing.md).

    PYTHONPATH=build/python python3 benchmarks/macro/routing_placement.py [--quick]

For every (workload, hardware, placement): map (time), run with accounting, report energy,
packets, hops, busiest link, inter-rank messages at 2 and 4 ranks (all with the same measured
rates). Prints markdown tables for docs/benchmarks.md."""
import argparse
import os
import sys
import time

import numpy as np

import neuromesh as nm

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "networks"))


def local_sheet(side, sigma=0.05, p=0.6, seed=5):
    """Mundy et al. 2016's locally connected network: a Gaussian-distance sheet, Poisson driven."""
    net = nm.Network(dt=0.1, seed=seed, name=f"local_{side}x{side}")
    e = net.population(side * side, nm.IF_curr_exp(), label="sheet")
    net.connect(e, e, nm.GaussianDistanceConnector(p, sigma), nm.StaticSynapse(weight=0.15, delay=1.0))
    net.poisson_input(e, rate=3500.0, weight=0.3)
    return net


def pd14(scale, k_scale=1.0):
    """The microcircuit; k_scale < 1 also scales the in-degrees (Loihi's fan-out edges and input
    axons per core do not admit the kept in-degrees)."""
    import potjans_diesmann
    net = potjans_diesmann.build(scale=scale, k_scale=k_scale)
    if k_scale != 1.0:
        net.name += f"_k{k_scale:g}"
    return net


PLACEMENTS = (("sequential", "energy"), ("random", "energy"), ("energy-aware", "energy"),
              ("energy-aware", "traffic"))
NETWORK_COMPONENTS = ("message_injection", "router", "link_east_west", "link_north_south", "link_diagonal",
                      "inter_chip_link")


def measure(net, hw, placement, duration, rates, chips=None, objective="energy"):
    t = time.time()
    m = nm.hardware.map_network(net, hw, placement, profile_ms=200.0 if placement == "energy-aware" else 0,
                                chips=chips, objective=objective)
    map_s = time.time() - t
    r = net.run(duration, hardware=None)
    e = nm.hardware.account(m, net._last, net.dt)
    tr = e.traffic
    label = placement + (f" ({objective})" if placement == "energy-aware" else "")
    row = dict(workload=net.name, hardware=hw, placement=label, cores=m.summary()["cores_used"],
               chips=m.summary()["chips_used"], map_s=map_s, energy_j=e.total,
               dynamic_j=e.total - e.components["static"], packets=tr["packets"],
               network_j=sum(e.components[c] for c in NETWORK_COMPONENTS),
               hops=tr["hops_east_west"] + tr["hops_north_south"] + tr["hops_diagonal"],
               max_link=tr["max_link_load"], sim_s=r.summary["simulate_seconds"],
               acct_s=e.summary["accounting_seconds"])
    for n in (2, 4):
        row[f"mpi{n}_msgs_per_s"] = m.inter_rank_traffic(n, rates)["messages_per_s"]
    if "routing_tables" in m.summary():
        row["table_max"] = m.summary()["routing_tables"]["max_entries_after"]
        row["table_max_before"] = m.summary()["routing_tables"]["max_entries_before"]
    return row


def table(rows, keys):
    out = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    for r in rows:
        out.append("| " + " | ".join(f"{r.get(k, ''):.4g}" if isinstance(r.get(k), float) else str(r.get(k, ""))
                                     for k in keys) + " |")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="small workloads only")
    ap.add_argument("--duration", type=float, default=200.0)
    ap.add_argument("--only", default="", help="comma-separated workload names (default: all)")
    args = ap.parse_args()
    workloads = [(local_sheet(96), "spinnaker", None), (local_sheet(128), "loihi", None)]
    if not args.quick:
        # Loihi: at 0.05 (3858 neurons) a neuron reaching every core stays within 4096 fan-out
        # edges per core, so cores can be filled across populations; at 0.1 the limit binds (docs).
        workloads += [(pd14(0.1), "spinnaker", None), (pd14(0.05, 0.05), "loihi", None),
                      (pd14(0.05, 0.1), "loihi", None), (pd14(0.1, 0.05), "loihi", None)]
    if args.only:
        workloads = [w for w in workloads if w[0].name in args.only.split(",")]
    rows = []
    for net, hw, chips in workloads:
        rates = nm.hardware.profile_rates(net, 200.0)
        for placement, objective in PLACEMENTS:
            try:
                row = measure(net, hw, placement, args.duration, rates, chips, objective)
            except nm.ConfigError as e:  # e.g. random placement breaks Loihi's fan-out limit
                row = dict(workload=net.name, hardware=hw, placement=placement, cores=f"does not fit: {e}")
            rows.append(row)
            print(row, file=sys.stderr, flush=True)
    print(table(rows, ["workload", "hardware", "placement", "cores", "chips", "energy_j", "dynamic_j", "network_j",
                       "packets",
                       "hops", "max_link", "mpi2_msgs_per_s", "mpi4_msgs_per_s", "table_max_before", "table_max",
                       "map_s"]))
    print()
    print(table(rows, ["workload", "hardware", "placement", "sim_s", "acct_s"]))


if __name__ == "__main__":
    main()
