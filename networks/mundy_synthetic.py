#!/usr/bin/env python3
"""Mundy, Heathcote & Garside (2016)'s synthetic routing-table workloads ("On the use of multicast
routing tables for SpiNNaker", HPSR 2016; generators in mundya/mundy-hpsr2016,
experiments/make_gaussian.py and make_centroid.py), plus the controls of
shared/specs/hardware.md §6(d) item 2:

  local     "locally connected": every core (a vertex) sends to every core of the machine with a
            probability that halves per chip hop: p(d) = 0.5 * 0.5**d, d the shortest path between
            their chips on the hexagonal torus;
  centroid  as local, and 15 % of the cores also reach one or two distant "centroids" (a chip 5 to
            7 hexagonal steps away along the three axes): a core next to a centroid at distance d
            joins with probability 0.3 * 0.7**d;
  uniform   control: every pair with one probability, giving the locally connected mean fan-out.

The unit is a core, as in the paper (one net per processor). The network has `neurons_per_core`
neurons per core in gid order (core c = chip c // cores_per_chip, chip index y * chips_x + x, the
numbering of core/routing's topology), so the sequential placement puts vertex c on core c; one
synapse between random neurons of the two cores stands for each (source core, sink core) pair.
Only connectivity matters for tables: neurons are iaf_psc_delta, undriven.

    python3 networks/mundy_synthetic.py --kind centroid            # map on spinnaker, print tables

Mundy's machine had 17 application cores per chip; the `spinnaker` preset has 16 (2304 cores)."""
import argparse
import json
import os
import sys
import tempfile

import numpy as np

import neuromesh as nm

KINDS = ("local", "centroid", "uniform")


def hex_torus_distance(ax, ay, bx, by, w, h):
    """Shortest hops between chips (ax, ay) and (bx, by) on a w x h torus with SpiNNaker's six
    links (E/W, N/S and the NE/SW diagonal, which moves both axes at once)."""
    dx0, dy0 = np.subtract(bx, ax) % w, np.subtract(by, ay) % h
    best = None
    for dx in (dx0, dx0 - w):
        for dy in (dy0, dy0 - h):
            same = (dx > 0) == (dy > 0)
            d = np.where(same, np.maximum(abs(dx), abs(dy)), abs(dx) + abs(dy))
            best = d if best is None else np.minimum(best, d)
    return best


def centroid_offsets():
    """Chip offsets of candidate centroids: steps (i, j, k) >= 0 along the three hexagonal axes
    (+x, +y, and -x-y) with i + j + k in {5, 6, 7}, as Mundy's generator enumerates them."""
    return [(i - k, j - k) for d in (5, 6, 7) for i in range(d + 1) for j in range(d + 1 - i)
            for k in (d - i - j,)]


def core_pairs(kind, chips=(12, 12), cores_per_chip=16, seed=1):
    """(source core, sink core) pairs of a workload, as two arrays."""
    if kind not in KINDS:
        raise ValueError(f"kind {kind!r} is not one of {', '.join(KINDS)}")
    w, h = chips
    rng = np.random.default_rng(seed)
    n_chips = w * h
    cx, cy = np.arange(n_chips) % w, np.arange(n_chips) // w
    chip_d = hex_torus_distance(cx[:, None], cy[:, None], cx[None, :], cy[None, :], w, h)
    chip_of = np.arange(n_chips * cores_per_chip) // cores_per_chip
    p_local = 0.5 * 0.5 ** chip_d  # chip x chip
    if kind == "uniform":
        p_local = np.full_like(p_local, p_local.mean())
    src, dst = [], []
    offsets = centroid_offsets()
    for c in range(n_chips * cores_per_chip):
        p = p_local[chip_of[c]][chip_of]
        if kind == "centroid":
            n_centroids = rng.choice(20)  # 17 of 20: none, 2: one, 1: two
            n_centroids = 0 if n_centroids < 17 else (1 if n_centroids < 19 else 2)
            for k in rng.choice(len(offsets), size=n_centroids, replace=False):
                ox, oy = offsets[k]
                gx, gy = (cx[chip_of[c]] + ox) % w, (cy[chip_of[c]] + oy) % h
                p_c = 0.3 * 0.7 ** hex_torus_distance(gx, gy, cx, cy, w, h)
                p = 1 - (1 - p) * (1 - p_c[chip_of])
        sinks = np.flatnonzero(rng.random(p.size) < p)
        src.append(np.full(sinks.size, c))
        dst.append(sinks)
    return np.concatenate(src), np.concatenate(dst)


def build(kind="local", chips=(12, 12), cores_per_chip=16, neurons_per_core=256, seed=1):
    """The workload as a network: neurons_per_core neurons per core, one synapse per core pair."""
    src, dst = core_pairs(kind, chips, cores_per_chip, seed)
    rng = np.random.default_rng(seed + 1)
    pre = src * neurons_per_core + rng.integers(0, neurons_per_core, src.size)
    post = dst * neurons_per_core + rng.integers(0, neurons_per_core, dst.size)
    net = nm.Network(dt=0.1, seed=seed, name=f"mundy_{kind}_{chips[0]}x{chips[1]}")
    n = chips[0] * chips[1] * cores_per_chip * neurons_per_core
    cells = net.population(n, nm.Model("iaf_psc_delta"), label="cores")
    net.connect(cells, cells, nm.FromList(np.stack([pre, post], axis=1)), nm.StaticSynapse(weight=0.1, delay=1.0))
    return net


def without_table_limit(preset="spinnaker"):
    """Path of a copy of a preset whose router tables are unlimited, so that a benchmark can count
    the tables over the real limit instead of stopping at the first (mapping enforces the limit)."""
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "hardware", preset + ".json")
    with open(here) as f:
        hw = json.load(f)
    limit = hw["limits"]["router_entries"]
    hw["name"] = preset + "-unlimited-tables"
    hw["limits"]["router_entries"] = 1 << 30
    fd, path = tempfile.mkstemp(suffix=".json", prefix=hw["name"])
    with os.fdopen(fd, "w") as f:
        json.dump(hw, f)
    return path, limit


def table_report(mapping, limit=1024):
    """Per-router table sizes of a mapping (before, after default-route removal, after compression)
    and how many fit in `limit` entries."""
    t = mapping.table_sizes()
    after = np.asarray(t["after"])
    return dict(before_max=int(np.max(t["before"])), before_mean=float(np.mean(t["before"])),
                default_max=int(np.max(t["after_default"])), after_max=int(after.max()),
                after_mean=float(after.mean()), fit=float(np.mean(after <= limit)),
                default_routed=int(np.sum(t["default_routed"])), seconds=float(t["compression_seconds"]))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kind", choices=KINDS, default="local")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--hardware", default="spinnaker", help="a preset with routing tables")
    args = ap.parse_args(argv)
    info = nm.hardware.info(args.hardware)
    net = build(args.kind, info["chips"], info["cores_per_router"], info["limits"]["neurons"], args.seed)
    path, limit = without_table_limit(args.hardware)
    try:
        m = nm.hardware.map_network(net, path, "sequential")
    finally:
        os.unlink(path)
    print(table_report(m, limit))
    return 0


if __name__ == "__main__":
    sys.exit(main())
