#!/usr/bin/env python3
"""Potjans & Diesmann (2014) microcircuit, downscaled: neuromesh vs NEST on the same model.

Question answered: are the population rates neuromesh gives for networks/potjans_diesmann.py at
--scale < 1 (neurons x scale, in-degrees kept, Poisson background) a neuromesh bug, or what the
downscaled model does? Both simulators get the identical model description:

  model      networks/potjans_diesmann.py is the single source of truth: constants (populations,
             sizes, connection probabilities, K_ext, neuron parameters, PSP/PSC conversion, delays)
             and synapse_numbers() are imported from it by path. The NEST worker imports it with a
             stub `neuromesh` module (build() is never called there).
  neuromesh  potjans_diesmann.build(scale, seed).run(T, threads=1) in a subprocess under the
             system python3 with PYTHONPATH=build/python; spikes from pop.spikes. Construction and
             simulation times are neuromesh's own (Result.summary build_seconds /
             simulate_seconds). --nm-precision float (the default of net.run) or double.
  nest       iaf_psc_exp with the same parameters; population sizes round(N * scale); per pair
             fixed_total_number with N from synapse_numbers(), autapses and multapses allowed (the
             NEST defaults, used by the reference implementation INM-6/microcircuit-PD14-model
             and by neuromesh's FixedTotalNumber); weights nest.math.redraw(normal(w, 0.1 |w|)) on
             [0, inf) (E) or (-inf, 0] (I), L4E->L2/3E doubled; delays redraw(normal(d, 0.5 d),
             min = dt) (neuromesh: Normal(d, 0.5 d, low=dt), values outside are redrawn);
             poisson_generator per population (rate 8 Hz x K_ext, all_to_all, weight = PSC of a
             0.15 mV PSP, delay 1.5 ms as in the reference); V_m(0) ~ normal(-58, 10) mV (the
             reference's V0_type 'original'; --nest-v0 optimized for its current default);
             dt 0.1 ms, 1 thread. Construction = Create + Connect + Prepare, simulation = Run.

Each seed is an independent realisation (network, initial state, background) in each simulator;
the two simulators' RNG streams differ, so agreement is judged against the spread over seeds.
Per population: mean rate over [--t-start, T] ms, mean CV of ISI over neurons with >= 3 spikes in
that window, and synchrony (variance / mean of the population spike count in 3 ms bins).

  python3 benchmarks/macro/pd14_compare.py --seeds 5 --json /tmp/pd14.json

This script runs under any python3 with numpy; workers run under --nm-python / --nest-python
(default /work/peers-venv/bin/python, which has nest). --quick: 1 seed, 1000 ms.
"""
from __future__ import annotations

import argparse
import datetime
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import types
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PD_SCRIPT = REPO / "networks" / "potjans_diesmann.py"
SIMULATORS = ("neuromesh", "nest")
# Published full-scale rates [Hz] (as REFERENCE_RATES in potjans_diesmann.py).
V0_OPTIMIZED_MEAN = [-68.28, -63.16, -63.33, -63.45, -63.11, -61.66, -66.72, -61.43]
V0_OPTIMIZED_STD = [5.36, 4.57, 4.74, 4.94, 4.94, 4.55, 5.46, 4.48]


def load_pd(stub_neuromesh: bool):
    """Import networks/potjans_diesmann.py by path; with a stub neuromesh where that is absent."""
    if stub_neuromesh and "neuromesh" not in sys.modules:
        sys.modules["neuromesh"] = types.ModuleType("neuromesh")
    if str(PD_SCRIPT.parent) not in sys.path:
        sys.path.insert(0, str(PD_SCRIPT.parent))  # its sibling helpers (networks/_script.py)
    spec = importlib.util.spec_from_file_location("potjans_diesmann", PD_SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def spike_stats(ids, times, n, t_start, t_stop, bin_ms=3.0):
    """Rate [Hz], mean CV of ISI (neurons with >= 3 spikes), synchrony (Fano of pop. count)."""
    import numpy as np

    ids = np.asarray(ids, dtype=np.int64)
    times = np.asarray(times, dtype=float)
    keep = (times >= t_start) & (times <= t_stop)
    ids, times = ids[keep], times[keep]
    rate = len(times) / (n * (t_stop - t_start) * 1e-3)
    cvs = []
    if len(ids):
        order = np.lexsort((times, ids))
        ids, times = ids[order], times[order]
        bounds = np.flatnonzero(np.diff(ids)) + 1
        for t in np.split(times, bounds):
            if len(t) >= 3:
                isi = np.diff(t)
                cvs.append(float(np.std(isi) / np.mean(isi)))
    counts, _ = np.histogram(times, bins=np.arange(t_start, t_stop + bin_ms, bin_ms))
    sync = float(np.var(counts) / np.mean(counts)) if counts.mean() > 0 else float("nan")
    return dict(rate=rate, cv_isi=float(np.mean(cvs)) if cvs else float("nan"), n_cv=len(cvs),
                synchrony=sync, spikes=int(len(times)))


# ----------------------------------------------------------------------------------------------
# Workers (run in a subprocess; print one JSON object on the last line)
# ----------------------------------------------------------------------------------------------


def worker_neuromesh(a) -> dict:
    pd = load_pd(stub_neuromesh=False)
    import neuromesh

    core = next(Path(neuromesh.__file__).parent.glob("_core*.so"), None)
    built = datetime.datetime.fromtimestamp(core.stat().st_mtime, datetime.timezone.utc).isoformat(timespec="seconds")
    t0 = time.perf_counter()
    net = pd.build(scale=a.scale, seed=a.seed, dt=a.dt, background="poisson")
    result = net.run(a.duration, threads=a.threads, precision=a.nm_precision)
    wall = time.perf_counter() - t0
    s = result.summary
    pops = {}
    for pop in net.populations:
        ids, times = pop.spikes
        pops[pop.label] = spike_stats(ids, times, pop.size, a.t_start, a.duration)
    return dict(simulator="neuromesh", seed=a.seed, neurons=int(s["neurons"]), synapses=int(s["synapses"]),
                build_s=float(s["build_seconds"]), sim_s=float(s["simulate_seconds"]), wall_s=wall,
                precision=a.nm_precision, module=str(Path(neuromesh.__file__).parent), core_built=built,
                populations=pops)


def worker_nest(a) -> dict:
    import numpy as np
    import nest

    pd = load_pd(stub_neuromesh=True)
    nest.set_verbosity("M_ERROR")
    nest.ResetKernel()
    nest.local_num_threads = a.threads
    nest.resolution = a.dt
    nest.rng_seed = a.seed
    dt = nest.resolution

    t0 = time.perf_counter()
    sizes = [max(1, int(round(n * a.scale))) for n in pd.FULL_SIZE]
    w_mean = pd.PSP_MEAN * pd.psp_to_psc(pd.NEURON["C_m"], pd.NEURON["tau_m"], pd.NEURON["tau_syn_ex"])
    pops, recorders = [], []
    for i, (label, n, k_ext) in enumerate(zip(pd.POPULATIONS, sizes, pd.K_EXT)):
        pop = nest.Create("iaf_psc_exp", n, params=dict(pd.NEURON, I_e=0.0))
        if a.nest_v0 == "optimized":
            pop.V_m = nest.random.normal(mean=V0_OPTIMIZED_MEAN[i], std=V0_OPTIMIZED_STD[i])
        else:
            pop.V_m = nest.random.normal(mean=-58.0, std=10.0)
        pg = nest.Create("poisson_generator", params={"rate": pd.BG_RATE * k_ext})
        nest.Connect(pg, pop, "all_to_all", {"synapse_model": "static_synapse", "weight": w_mean, "delay": 1.5})
        rec = nest.Create("spike_recorder")
        nest.Connect(pop, rec)
        pops.append(pop)
        recorders.append(rec)
    numbers = pd.synapse_numbers(sizes)
    for t, post in enumerate(pops):
        for s, pre in enumerate(pops):
            if numbers[t, s] <= 0:
                continue
            excitatory = s % 2 == 0
            w = w_mean * (2.0 if (s, t) == (2, 0) else 1.0) * (1.0 if excitatory else pd.G)
            lo, hi = (0.0, float("inf")) if excitatory else (-float("inf"), 0.0)
            d = pd.DELAY_E if excitatory else pd.DELAY_I
            syn = {"synapse_model": "static_synapse",
                   "weight": nest.math.redraw(nest.random.normal(mean=w, std=abs(w) * pd.PSP_REL_SD), min=lo, max=hi),
                   "delay": nest.math.redraw(nest.random.normal(mean=d, std=d * pd.DELAY_REL_SD), min=dt,
                                             max=float("inf"))}
            nest.Connect(pre, post, {"rule": "fixed_total_number", "N": int(numbers[t, s]),
                                     "allow_autapses": True, "allow_multapses": True}, syn)
    nest.Prepare()
    build_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    nest.Run(a.duration)
    sim_s = time.perf_counter() - t1
    nest.Cleanup()
    n_syn = int(nest.num_connections) - sum(sizes) * 2  # minus Poisson and recorder connections
    out = {}
    for label, pop, rec in zip(pd.POPULATIONS, pops, recorders):
        ev = rec.get("events")
        ids = np.asarray(ev["senders"]) - pop[0].global_id
        out[label] = spike_stats(ids, ev["times"], len(pop), a.t_start, a.duration)
    return dict(simulator="nest", nest_version=nest.__version__, seed=a.seed, neurons=sum(sizes), synapses=n_syn,
                build_s=build_s, sim_s=sim_s, wall_s=time.perf_counter() - t0, v0=a.nest_v0, populations=out)


# ----------------------------------------------------------------------------------------------
# Driver
# ----------------------------------------------------------------------------------------------


def run_worker(sim: str, seed: int, a) -> dict:
    cmd = [a.nm_python if sim == "neuromesh" else a.nest_python, str(Path(__file__).resolve()), "--worker", sim,
           "--seed", str(seed), "--scale", repr(a.scale), "--duration", repr(a.duration), "--t-start",
           repr(a.t_start), "--dt", repr(a.dt), "--threads", str(a.threads), "--nm-precision", a.nm_precision,
           "--nest-v0", a.nest_v0]
    env = dict(os.environ)
    if sim == "neuromesh":
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(Path(a.nm_pythonpath).resolve()),
                                                         env.get("PYTHONPATH", "")) if p)
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=REPO)
    if proc.returncode != 0:
        raise RuntimeError(f"{sim} seed {seed} failed (rc {proc.returncode}):\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def mean_sd(xs):
    xs = [x for x in xs if x == x]
    if not xs:
        return float("nan"), float("nan")
    return statistics.fmean(xs), (statistics.stdev(xs) if len(xs) > 1 else 0.0)


def summarize(runs: dict, pd) -> dict:
    out = {}
    for sim, rs in runs.items():
        if not rs:
            continue
        pops = {}
        for label in pd.POPULATIONS:
            pops[label] = {k: dict(zip(("mean", "sd"), mean_sd([r["populations"][label][k] for r in rs])))
                           for k in ("rate", "cv_isi", "synchrony")}
        out[sim] = dict(populations=pops,
                        **{k: dict(zip(("mean", "sd"), mean_sd([r[k] for r in rs]))) for k in ("build_s", "sim_s")},
                        synapses=rs[0]["synapses"], neurons=rs[0]["neurons"])
    return out


def fmt(ms, digits=2):
    m, s = ms["mean"], ms["sd"]
    return f"{m:.{digits}f} ± {s:.{digits}f}" if m == m else "-"


def print_table(summary, pd, n_seeds, file=sys.stdout):
    sims = [s for s in SIMULATORS if s in summary]
    head = f"| population | " + " | ".join(f"{s} rate [Hz]" for s in sims) + " | full-scale ref. [Hz] | " + \
           " | ".join(f"{s} CV ISI" for s in sims) + " | " + " | ".join(f"{s} synchrony" for s in sims) + " |"
    print(head, file=file)
    print("|" + "---|" * (2 + 3 * len(sims)), file=file)
    for label in pd.POPULATIONS:
        cells = [fmt(summary[s]["populations"][label]["rate"]) for s in sims]
        cells.append(f"{pd.REFERENCE_RATES[label]:.1f}")
        cells += [fmt(summary[s]["populations"][label]["cv_isi"]) for s in sims]
        cells += [fmt(summary[s]["populations"][label]["synchrony"], 1) for s in sims]
        print(f"| {label} | " + " | ".join(cells) + " |", file=file)
    print(f"\nmean ± sd over {n_seeds} seeds.", file=file)
    for s in sims:
        print(f"{s}: {summary[s]['neurons']} neurons, {summary[s]['synapses']} recurrent synapses; construction "
              f"{fmt(summary[s]['build_s'], 1)} s, simulation {fmt(summary[s]['sim_s'], 1)} s", file=file)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scale", type=float, default=0.1, help="neuron numbers relative to the full model (default 0.1)")
    p.add_argument("--seeds", type=int, default=5, help="number of seeds (default 5)")
    p.add_argument("--first-seed", type=int, default=55, help="seeds are first-seed, first-seed+1, ... (default 55)")
    p.add_argument("--duration", type=float, default=2000.0, help="simulated ms (default 2000)")
    p.add_argument("--t-start", type=float, default=500.0, help="start of the analysis window, ms (default 500)")
    p.add_argument("--dt", type=float, default=0.1, help="time step, ms (default 0.1)")
    p.add_argument("--threads", type=int, default=1, help="threads per simulator (default 1)")
    p.add_argument("--simulators", default="neuromesh,nest", help="comma list of: " + ", ".join(SIMULATORS))
    p.add_argument("--nm-python", default="python3", help="interpreter for neuromesh (default python3)")
    p.add_argument("--nm-pythonpath", default=str(REPO / "build" / "python"),
                   help="PYTHONPATH for neuromesh (default build/python)")
    p.add_argument("--nm-precision", choices=["float", "double"], default="float",
                   help="neuromesh state precision (default float, net.run's default)")
    p.add_argument("--nest-python", default="/work/peers-venv/bin/python", help="interpreter with nest")
    p.add_argument("--nest-v0", choices=["original", "optimized"], default="original",
                   help="NEST initial V_m: 'original' normal(-58, 10) as potjans_diesmann.py (default), or the "
                        "reference's population-specific 'optimized'")
    p.add_argument("--json", help="write all per-seed results and the summary here")
    p.add_argument("--quick", action="store_true", help="smoke run: 1 seed, 1000 ms")
    p.add_argument("--worker", choices=SIMULATORS, help=argparse.SUPPRESS)
    p.add_argument("--seed", type=int, default=55, help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if not 0 < a.scale <= 1:
        p.error("--scale must be in (0, 1]")
    if a.worker:
        res = worker_neuromesh(a) if a.worker == "neuromesh" else worker_nest(a)
        print(json.dumps(res))
        return 0
    if a.quick:
        a.seeds, a.duration = 1, 1000.0
    if not 0 <= a.t_start < a.duration:
        p.error("--t-start must be in [0, duration)")
    sims = [s.strip() for s in a.simulators.split(",") if s.strip()]
    bad = [s for s in sims if s not in SIMULATORS]
    if bad:
        p.error(f"unknown simulator(s) {bad}")
    pd = load_pd(stub_neuromesh=True)
    seeds = list(range(a.first_seed, a.first_seed + a.seeds))
    runs = {s: [] for s in sims}
    sizes = [max(1, int(round(n * a.scale))) for n in pd.FULL_SIZE]
    expected_synapses = int(pd.synapse_numbers(sizes).sum())
    for seed in seeds:
        for sim in sims:
            t0 = time.perf_counter()
            r = run_worker(sim, seed, a)
            if r["synapses"] != expected_synapses:  # a broken build, or a model changed under us
                raise RuntimeError(f"{sim} seed {seed}: {r['synapses']} recurrent synapses, expected {expected_synapses}")
            runs[sim].append(r)
            rates = " ".join(f"{k} {v['rate']:.2f}" for k, v in r["populations"].items())
            print(f"[{sim} seed {seed}] build {r['build_s']:.1f} s, sim {r['sim_s']:.1f} s "
                  f"(process {time.perf_counter() - t0:.0f} s): {rates}", file=sys.stderr, flush=True)
    summary = summarize(runs, pd)
    print(f"PD14 at scale {a.scale:g} (in-degrees kept, Poisson background), rates over "
          f"[{a.t_start:g}, {a.duration:g}] ms, {len(seeds)} seeds {seeds}\n")
    print_table(summary, pd, len(seeds))
    if a.json:
        git = subprocess.run(["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
        doc = dict(date=datetime.datetime.now().isoformat(timespec="seconds"), host=platform.node(), git_head=git,
                   machine=dict(platform=platform.platform(), processor=platform.processor(), cpus=os.cpu_count()),
                   args={k: v for k, v in vars(a).items() if k not in ("worker", "seed")}, seeds=seeds,
                   reference_rates=pd.REFERENCE_RATES, summary=summary, runs=runs)
        Path(a.json).write_text(json.dumps(doc, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
