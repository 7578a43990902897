#!/usr/bin/env python3
"""Vogels-Abbott COBA with STDP on E->E: neuromesh vs Brian2 C++ standalone, side by side, alternating
(issue "Synaptic plasticity", performance: goal >= 4x Brian2, weight distributions matching).

The network is Brette et al. (2007) benchmark 1 as networks/vogels_abbott.py builds it (4000 LIF
neurons, 3200 E + 800 I, p = 0.02, conductance jumps 6 nS / 67 nS, delay 0.1 ms, h = 0.1 ms), with
the E->E synapses plastic under the same additive pair rule in both simulators (NEST's stdp_synapse
with mu_plus = mu_minus = 0, all-to-all pairing, traces that jump by 1):

    at a postsynaptic spike:  w <- min(Wmax, w + lambda Wmax K+)      K+: presynaptic trace, tau_plus
    at a presynaptic spike:   w <- max(0,    w - alpha lambda Wmax K-) K-: postsynaptic trace, tau_minus

neuromesh applies the potentiation lazily when the next presynaptic spike is delivered (NEST's
scheme, identical values: nothing else changes w in between); Brian2 applies it at the post spike
(`on_post`), the textbook event-driven form. Parameters: tau_plus = tau_minus = 20 ms,
lambda = 0.01, alpha = 1.05, Wmax = 2 x the initial weight (12 nS), initial weight 6 nS.

Timing, one thread each, warm-up W untimed then T timed:
  neuromesh  Python API: `net.simulator(threads=1)`, `advance(W)`, then `advance(T)` timed (loop);
             whole process (import, construction, run, weights read back) timed from outside.
  brian2     C++ standalone, built once per seed (build time reported separately); the loop is
             timed by a monotonic clock inserted into main.cpp around run(T); the whole process is
             the binary's wall time (construction + W + T).
Reported: loop and whole-process ratios Brian2 / neuromesh (> 1: neuromesh faster), rates, and the
E->E weight distributions after W + T (mean, sd, fraction at 0 and at Wmax, two-sample KS distance).

  python3 benchmarks/macro/coba_stdp_compare.py --duration 10 --repeats 2 --json /tmp/coba_stdp.json
  (Brian2 2.9 needs numpy < 2.4; --peer-python selects an interpreter that has it.)
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

N_E, N_I = 3200, 800
W_EXC, W_INH = 0.006, 0.067  # uS
RULE = dict(tau_plus=20.0, tau_minus=20.0, lambda_=0.01, alpha=1.05, Wmax=2 * W_EXC)
HERE = os.path.dirname(os.path.abspath(__file__))


def worker_neuromesh(seed, warmup, duration):
    import numpy as np

    import neuromesh as nm
    t_start = time.perf_counter()
    net = nm.Network(dt=0.1, seed=seed, name="vogels_abbott_coba_stdp")
    cell = nm.IF_cond_exp(cm=0.2, tau_m=20.0, v_rest=-60.0, v_thresh=-50.0, v_reset=-60.0, tau_refrac=5.0,
                          e_rev_E=0.0, e_rev_I=-80.0, tau_syn_E=5.0, tau_syn_I=10.0)
    init = {"v": nm.random.Normal(-65.0, 5.0), "g_ex": nm.random.Normal(40.0, 15.0),
            "g_in": nm.random.Normal(200.0, 120.0)}
    exc = net.population(N_E, cell, label="E", initial=init)
    inh = net.population(N_I, cell, label="I", initial=init)
    stdp = nm.STDPSynapse(weight=W_EXC, delay=0.1, tau_plus=RULE["tau_plus"], tau_minus=RULE["tau_minus"],
                          lambda_=RULE["lambda_"], alpha=RULE["alpha"], mu_plus=0.0, mu_minus=0.0, Wmax=RULE["Wmax"])
    ee = net.connect(exc, exc, nm.FixedProbability(0.02), stdp, receptor="excitatory")
    net.connect(exc, inh, nm.FixedProbability(0.02), nm.StaticSynapse(weight=W_EXC, delay=0.1), receptor="excitatory")
    for post in (exc, inh):
        net.connect(inh, post, nm.FixedProbability(0.02), nm.StaticSynapse(weight=W_INH, delay=0.1),
                    receptor="inhibitory")
    t0 = time.perf_counter()
    sim = net.simulator(threads=1)
    construction = time.perf_counter() - t0
    sim.advance(warmup * 1000.0)
    t0 = time.perf_counter()
    sim.advance(duration * 1000.0)
    loop = time.perf_counter() - t0
    summary = sim._sim.summary()
    weights = np.asarray([row[-1] for row in ee.get(["weight"], format="list")], dtype=float)  # uS
    sim.close()
    return dict(loop_s=loop, construction_s=construction, rates_hz=summary["rates_hz"],
                weights=weights.tolist(), in_process_s=time.perf_counter() - t_start)


def worker_brian2(seed, warmup, duration, builddir):
    import numpy as np
    import brian2 as b2
    from brian2 import NeuronGroup, SpikeMonitor, Synapses, defaultclock, device, ms, mV, prefs, run, second

    prefs.logging.console_log_level = "ERROR"
    b2.set_device("cpp_standalone", directory=builddir, build_on_run=False)
    b2.seed(seed)
    defaultclock.dt = 0.1 * ms
    taum, taue, taui = 20 * ms, 5 * ms, 10 * ms
    Vt, Vr, El, Ee, Ei = -50 * mV, -60 * mV, -60 * mV, 0 * mV, -80 * mV
    eqs = """
    dv/dt  = (ge*(Ee-v)+gi*(Ei-v)-(v-El))/taum : volt (unless refractory)
    dge/dt = -ge/taue : 1
    dgi/dt = -gi/taui : 1
    """
    P = NeuronGroup(N_E + N_I, eqs, threshold="v>Vt", reset="v = Vr", refractory=5 * ms, method="euler")
    P.v = "El - 5*mV + 5*mV*randn()"
    P.ge = "4 + 1.5*randn()"  # x gL = 10 nS, as networks/vogels_abbott.py's 40 nS mean
    P.gi = "20 + 12*randn()"
    gl = 0.01  # uS: weights in units of gL
    tau_plus, tau_minus = RULE["tau_plus"] * ms, RULE["tau_minus"] * ms
    lam, alpha, wmax = RULE["lambda_"], RULE["alpha"], RULE["Wmax"] / gl
    E, I = P[:N_E], P[N_E:]
    stdp = Synapses(E, E, model="""w : 1
                    dkplus/dt = -kplus/tau_plus : 1 (event-driven)
                    dkminus/dt = -kminus/tau_minus : 1 (event-driven)""",
                    on_pre="""w = clip(w - alpha*lam*wmax*kminus, 0, wmax)
                    ge_post += w
                    kplus += 1""",
                    on_post="""w = clip(w + lam*wmax*kplus, 0, wmax)
                    kminus += 1""", delay=0.1 * ms, method="exact")
    stdp.connect(p=0.02)
    stdp.w = W_EXC / gl
    ei = Synapses(E, I, on_pre="ge_post += %r" % (W_EXC / gl), delay=0.1 * ms)
    ei.connect(p=0.02)
    inh = Synapses(I, P, on_pre="gi_post += %r" % (W_INH / gl), delay=0.1 * ms)
    inh.connect(p=0.02)
    mon = SpikeMonitor(P, record=False)
    import brian2_timing  # this script's folder (sys.path[0])
    brian2_timing.run_timed(device, run, second, duration, warmup)
    t0 = time.perf_counter()
    device.build(directory=builddir, compile=True, run=False, clean=True)
    build_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    device.run(directory=builddir, with_output=False)
    process_s = time.perf_counter() - t0
    loop = brian2_timing.loop_seconds(device)
    count = np.asarray(mon.count[:], dtype=np.int64)
    total = warmup + duration
    return dict(loop_s=loop, process_s=process_s, build_s=build_s, version=b2.__version__,
                rates_hz={"E": float(count[:N_E].sum()) / N_E / total, "I": float(count[N_E:].sum()) / N_I / total},
                weights=(np.asarray(stdp.w[:]) * gl).tolist())


def run_worker(python, args, timeout):
    t0 = time.perf_counter()
    out = subprocess.run([python, os.path.abspath(__file__), "--worker", *map(str, args)], capture_output=True,
                         text=True, timeout=timeout, env=dict(os.environ, OMP_NUM_THREADS="1"))
    wall = time.perf_counter() - t0
    if out.returncode != 0:
        raise RuntimeError(f"worker {args[0]} failed:\n{out.stderr[-3000:]}")
    res = json.loads(out.stdout.strip().splitlines()[-1])
    res["wall_s"] = wall
    return res


def weight_stats(w, wmax):
    import numpy as np
    w = np.asarray(w)
    return dict(n=int(w.size), mean=float(w.mean()), sd=float(w.std()), at_zero=float(np.mean(w <= 0.0)),
                at_wmax=float(np.mean(w >= wmax * (1 - 1e-9))))


def ks_distance(a, b):
    import numpy as np
    a, b = np.sort(a), np.sort(b)
    grid = np.concatenate([a, b])
    return float(np.max(np.abs(np.searchsorted(a, grid, side="right") / a.size -
                               np.searchsorted(b, grid, side="right") / b.size)))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--duration", type=float, default=10.0, help="timed biological seconds (default 10)")
    ap.add_argument("--warmup", type=float, default=0.2, help="untimed biological seconds first (default 0.2)")
    ap.add_argument("--repeats", type=int, default=2, help="alternating pairs, one seed each (default 2)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--peer-python", default=sys.executable, help="interpreter with brian2 (numpy < 2.4)")
    ap.add_argument("--json", help="write the results here")
    ap.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.worker:
        kind, seed, warmup, duration = a.worker[0], int(a.worker[1]), float(a.worker[2]), float(a.worker[3])
        res = (worker_neuromesh(seed, warmup, duration) if kind == "neuromesh"
               else worker_brian2(seed, warmup, duration, a.worker[4]))
        print(json.dumps(res))
        return 0
    import numpy as np
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(a.repeats):
            seed = a.seed + r
            nm_res = run_worker(sys.executable, ["neuromesh", seed, a.warmup, a.duration], 3600)
            b2_res = run_worker(a.peer_python, ["brian2", seed, a.warmup, a.duration, os.path.join(tmp, f"b2_{seed}")],
                                3600)
            row = dict(seed=seed,
                       neuromesh={k: v for k, v in nm_res.items() if k != "weights"},
                       brian2={k: v for k, v in b2_res.items() if k != "weights"},
                       loop_ratio=b2_res["loop_s"] / nm_res["loop_s"],
                       process_ratio=b2_res["process_s"] / nm_res["wall_s"],
                       weights_neuromesh=weight_stats(nm_res["weights"], RULE["Wmax"]),
                       weights_brian2=weight_stats(b2_res["weights"], RULE["Wmax"]),
                       ks_distance=ks_distance(np.asarray(nm_res["weights"]), np.asarray(b2_res["weights"])))
            rows.append(row)
            print(f"seed {seed}: loop neuromesh {nm_res['loop_s']:.2f} s, brian2 {b2_res['loop_s']:.2f} s "
                  f"(ratio {row['loop_ratio']:.2f}); whole process neuromesh {nm_res['wall_s']:.2f} s, brian2 "
                  f"{b2_res['process_s']:.2f} s (ratio {row['process_ratio']:.2f}; brian2 build "
                  f"{b2_res['build_s']:.1f} s not counted)")
            print(f"  rates E/I: neuromesh {nm_res['rates_hz']['E']:.2f}/{nm_res['rates_hz']['I']:.2f} Hz, brian2 "
                  f"{b2_res['rates_hz']['E']:.2f}/{b2_res['rates_hz']['I']:.2f} Hz")
            for name in ("neuromesh", "brian2"):
                s = row["weights_" + name]
                print(f"  E->E weights {name}: n {s['n']}, mean {s['mean'] * 1e3:.3f} nS, sd {s['sd'] * 1e3:.3f} nS, "
                      f"at 0 {s['at_zero']:.3f}, at Wmax {s['at_wmax']:.3f}")
            print(f"  KS distance between the weight distributions: {row['ks_distance']:.3f}")
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    summary = dict(cpu=cpu, machine=platform.node(), duration_s=a.duration, warmup_s=a.warmup, rule=RULE, runs=rows,
                   loop_ratio_median=float(np.median([r["loop_ratio"] for r in rows])),
                   process_ratio_median=float(np.median([r["process_ratio"] for r in rows])))
    print(f"median ratios Brian2/neuromesh: loop {summary['loop_ratio_median']:.2f}, "
          f"whole process {summary['process_ratio_median']:.2f} (goal >= 4); CPU {cpu}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(summary, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
