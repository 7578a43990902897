#!/usr/bin/env python3
"""Vogels-Abbott COBA/CUBA (Brette et al. 2007, benchmarks 1 and 2): neuromesh vs Brian2 and NEST.

Workload 1 of docs/benchmarks.md / the benchmark spec: 4000 LIF neurons (3200 E + 800 I), p = 0.02,
h = 0.1 ms, synaptic delay 0.1 ms, one thread per simulator, same parameters everywhere.

  neuromesh   the CLI (`neuromesh run vogels_abbott_{coba,cuba} --threads 1 --seed S`), no -o, so
              nothing is recorded (spike counting only). Time = the "simulation" seconds it prints
              (construction excluded). The CLI has no untimed warm-up, so it simulates the warm-up
              and the timed span in one run and the whole is timed: warm-up + T biological seconds
              (this only ever counts against neuromesh). Default precision (float32) and --double.
  brian2      C++ standalone mode, one build per (model, seed) (incremental after the first: only
              main.cpp changes with the seed), build time reported separately; CUBA exactly as
              Brian2's examples/CUBA.py, COBA as Brette et al. 2007 benchmark 1 (Brian's reference
              COBA code, method='euler' as in Brian2's own COBA examples; --brian-coba-method to
              change). Synaptic delay 0.1 ms. Spikes counted by SpikeMonitor(record=False). run(W)
              untimed then run(T) timed by a monotonic wall clock inserted into main.cpp (Brian's
              own `_last_run_time` is CPU time without OpenMP, reported beside it).
  brian2-rk4  the same for COBA with method='rk4' (work comparable to neuromesh's RK4 for V; Euler
              is one derivative evaluation per step, neuromesh's iaf_cond_exp does 2 x 4).
  nest        iaf_psc_exp / iaf_cond_exp, pairwise_bernoulli p = 0.02, spike_recorder per
              population (n_events), Simulate(W) untimed, then Simulate(T) timed with perf_counter.
              iaf_cond_exp is integrated by GSL's adaptive RKF45, several s per bio s here, so NEST
              gets --nest-repeats (default 1) runs per seed: its timing spread is over seeds.

--models adex: the AdEx workload of issue 16 (networks/adex_coba.json; ADEX below): the same topology
with aeif_cond_exp neurons (NEST's defaults, tau_syn 5/10 ms) and a 1 kHz Poisson drive per neuron;
Brian2 integrates NEST's equations with --brian-coba-method (euler by default, as its AdEx examples),
brian2-rk4 with rk4; NEST uses its aeif_cond_exp (GSL RKF45).

--models cobahh: Brette et al. 2007 benchmark 3 (networks/cobahh.json; COBAHH below): the same topology
with hh_cond_exp_traub neurons (NEST's defaults are the benchmark's parameters), we = 6 nS, wi = 67 nS,
self-sustained. Brian2 runs its examples/COBAHH.py equations with --brian-hh-method (exponential_euler
by default, as the example; threshold v > -20 mV, refractory 3 ms), brian2-rk4 with rk4; NEST its
hh_cond_exp_traub (GSL RKF45, absolute tolerance 1e-3), which neuromesh ports (rkf45.hpp).

CPU time is reported beside wall time (on a shared machine wall time also counts waiting for a
core): NEST time.process_time() around Simulate, Brian2 its own _last_run_time (CPU time), neuromesh
the CLI process's user+sys time minus that of a one-step run of the same network (construction).

Every simulator simulates the same W + T seconds from the same kind of random initial state; mean
rates are over the whole W + T for all of them (same window), per seed.

Brian2 and NEST run in worker subprocesses of this script (--worker ...) under --peer-python, which
defaults to this interpreter. Brian2 2.9 does not import under numpy >= 2.4 (ndarray.ptp is gone):
use a virtual environment with numpy < 2.4, e.g.

  python3 -m venv /work/peers-venv
  /work/peers-venv/bin/pip install brian2 'numpy<2.4' nest-simulator
  /work/peers-venv/bin/python benchmarks/macro/compare_peers.py --json /tmp/va_peers.json

Smoke run: --quick (1 seed, 1 repeat, 2 s).
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

N_E, N_I = 3200, 800
MODELS = ("coba", "cuba", "adex", "cobahh")
SIMULATORS = ("neuromesh", "neuromesh-double", "brian2", "brian2-rk4", "nest")
REPO = Path(__file__).resolve().parents[2]

# ----------------------------------------------------------------------------------------------
# Workers (run in a subprocess under the peer interpreter; print one JSON object on the last line)
# ----------------------------------------------------------------------------------------------


def worker_brian2(model: str, seed: int, warmup: float, duration: float, repeats: int,
                  builddir: str, coba_method: str) -> dict:
    import numpy as np
    import brian2 as b2
    from brian2 import (NeuronGroup, Synapses, SpikeMonitor, defaultclock, device, mV, ms, nS,
                        prefs, run, second, set_device)

    prefs.logging.console_log_level = "ERROR"
    set_device("cpp_standalone", directory=builddir, build_on_run=False)
    b2.seed(seed)
    defaultclock.dt = 0.1 * ms
    if model == "adex":
        P, Ce, Ci, drive, method = _brian2_adex(b2, coba_method)  # noqa: F841 (run() collects locals)
    elif model == "cobahh":
        P, Ce, Ci, method = _brian2_cobahh(b2, coba_method)
    elif model == "cuba":
        # examples/CUBA.py, verbatim except: delay 0.1 ms, record=False, no plotting.
        taum, taue, taui = 20 * ms, 5 * ms, 10 * ms
        Vt, Vr, El = -50 * mV, -60 * mV, -49 * mV
        eqs = """
        dv/dt  = (ge+gi-(v-El))/taum : volt (unless refractory)
        dge/dt = -ge/taue : volt
        dgi/dt = -gi/taui : volt
        """
        P = NeuronGroup(4000, eqs, threshold="v>Vt", reset="v = Vr", refractory=5 * ms,
                        method="linear")
        P.v = "Vr + rand() * (Vt - Vr)"
        P.ge = 0 * mV
        P.gi = 0 * mV
        we = (60 * 0.27 / 10) * mV  # 1.62 mV
        wi = (-20 * 4.5 / 10) * mV  # -9 mV
        Ce = Synapses(P, P, on_pre="ge += we", delay=0.1 * ms)
        Ci = Synapses(P, P, on_pre="gi += wi", delay=0.1 * ms)
        method = "linear"
    else:
        # Brette et al. 2007 benchmark 1 as Brian's reference COBA (conductances in units of gL).
        taum, taue, taui = 20 * ms, 5 * ms, 10 * ms
        Vt, Vr, El = -50 * mV, -60 * mV, -60 * mV
        Ee, Ei = 0 * mV, -80 * mV
        eqs = """
        dv/dt  = (ge*(Ee-v)+gi*(Ei-v)-(v-El))/taum : volt (unless refractory)
        dge/dt = -ge/taue : 1
        dgi/dt = -gi/taui : 1
        """
        P = NeuronGroup(4000, eqs, threshold="v>Vt", reset="v = Vr", refractory=5 * ms,
                        method=coba_method)
        P.v = "El - 5*mV + 5*mV*randn()"  # -65 mV + 5 mV N(0,1)
        P.ge = "4 + 1.5*randn()"  # x gL = 10 nS
        P.gi = "20 + 12*randn()"
        we = 6.0 / 10.0  # 6 nS / gL
        wi = 67.0 / 10.0  # 67 nS / gL
        Ce = Synapses(P, P, on_pre="ge += we", delay=0.1 * ms)
        Ci = Synapses(P, P, on_pre="gi += wi", delay=0.1 * ms)
        method = coba_method
    if model not in ("adex", "cobahh"):
        Ce.connect("i<3200", p=0.02)
        Ci.connect("i>=3200", p=0.02)
    mon = SpikeMonitor(P, record=False)

    import brian2_timing  # this script's folder (sys.path[0])
    brian2_timing.run_timed(device, run, second, duration, warmup)
    clean = not os.path.exists(os.path.join(builddir, "main"))
    t0 = time.perf_counter()
    device.build(directory=builddir, compile=True, run=False, clean=clean)
    build_s = time.perf_counter() - t0
    runs = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        device.run(directory=builddir, with_output=False)
        process_s = time.perf_counter() - t0
        wall = brian2_timing.loop_seconds(device)
        count = np.asarray(mon.count[:], dtype=np.int64)
        runs.append({"sim_s": wall, "brian_cpu_s": float(device._last_run_time),
                     "cpu_s": float(device._last_run_time),
                     "process_s": process_s,
                     "spikes_E": int(count[:N_E].sum()), "spikes_I": int(count[N_E:].sum())})
    return {"simulator": "brian2", "version": b2.__version__, "model": model, "seed": seed,
            "method": method, "build_s": build_s, "clean_build": clean,
            "compile_args": list(prefs.codegen.cpp.extra_compile_args_gcc), "runs": runs}


# The AdEx workload (networks/adex_coba.json): 3200 E + 800 I aeif_cond_exp with NEST's defaults
# except tau_syn_ex/in = 5/10 ms, Vogels-Abbott topology (p = 0.02, delay 0.1 ms), we = 4 nS,
# wi = 40 nS, and a 1 kHz Poisson drive of 2 nS into every neuron; V_m(0) ~ N(-65, 5) mV.
ADEX = {"C_m": 281.0, "g_L": 30.0, "E_L": -70.6, "V_th": -50.4, "Delta_T": 2.0, "tau_w": 144.0, "a": 4.0,
        "b": 80.5, "V_peak": 0.0, "V_reset": -60.0, "t_ref": 0.0, "E_ex": 0.0, "E_in": -85.0,
        "tau_syn_ex": 5.0, "tau_syn_in": 10.0}
ADEX_WE, ADEX_WI, ADEX_NU, ADEX_WP = 4.0, 40.0, 1000.0, 2.0  # nS, nS, Hz, nS


def _brian2_adex(b2, method):
    """aeif_cond_exp in Brian2: NEST's equations and parameters (spike at V_peak, no refractory)."""
    from brian2 import NeuronGroup, PoissonInput, Synapses, Hz, mV, ms, nS, pA, pF
    p = ADEX
    ns = {"C": p["C_m"] * pF, "gL": p["g_L"] * nS, "EL": p["E_L"] * mV, "VT": p["V_th"] * mV,
          "DeltaT": p["Delta_T"] * mV, "tauw": p["tau_w"] * ms, "a": p["a"] * nS, "b": p["b"] * pA,
          "Vpeak": p["V_peak"] * mV, "Vr": p["V_reset"] * mV, "Ee": p["E_ex"] * mV, "Ei": p["E_in"] * mV,
          "taue": p["tau_syn_ex"] * ms, "taui": p["tau_syn_in"] * ms}
    eqs = """
    dv/dt = (-gL*(v-EL) + gL*DeltaT*exp((v-VT)/DeltaT) - ge*(v-Ee) - gi*(v-Ei) - w)/C : volt
    dw/dt = (a*(v-EL) - w)/tauw : amp
    dge/dt = -ge/taue : siemens
    dgi/dt = -gi/taui : siemens
    """
    P = NeuronGroup(N_E + N_I, eqs, threshold="v>Vpeak", reset="v = Vr; w += b", method=method, namespace=ns)
    P.v = "EL + 5.6*mV + 5*mV*randn()"  # -65 mV + 5 mV N(0,1)
    Ce = Synapses(P[:N_E], P, on_pre=f"ge += {ADEX_WE}*nS", delay=0.1 * ms)
    Ci = Synapses(P[N_E:], P, on_pre=f"gi += {ADEX_WI}*nS", delay=0.1 * ms)
    Ce.connect(p=0.02)
    Ci.connect(p=0.02)
    return P, Ce, Ci, PoissonInput(P, "ge", 1, ADEX_NU * Hz, weight=ADEX_WP * nS), method


# COBAHH, Brette et al. 2007 benchmark 3 (networks/cobahh.json): 3200 E + 800 I hh_cond_exp_traub
# (NEST's defaults are the benchmark's parameters), p = 0.02, we = 6 nS, wi = 67 nS, delay 0.1 ms,
# no external input; V_m(0) ~ N(-65, 5) mV, g_ex(0) ~ N(40, 15) nS, g_in(0) ~ N(200, 120) nS.
COBAHH = {"g_Na": 20000.0, "g_K": 6000.0, "g_L": 10.0, "C_m": 200.0, "E_Na": 50.0, "E_K": -90.0,
          "E_L": -60.0, "V_T": -63.0, "E_ex": 0.0, "E_in": -80.0, "tau_syn_ex": 5.0, "tau_syn_in": 10.0}
COBAHH_WE, COBAHH_WI = 6.0, 67.0  # nS


def _hh_traub_initial_gates():
    """NEST's initial m, h, n of hh_cond_exp_traub (rate functions evaluated at u = E_L)."""
    import math
    u = COBAHH["E_L"]
    an = 0.032 * (15.0 - u) / (math.exp((15.0 - u) / 5.0) - 1.0)
    bn = 0.5 * math.exp((10.0 - u) / 40.0)
    am = 0.32 * (13.0 - u) / (math.exp((13.0 - u) / 4.0) - 1.0)
    bm = 0.28 * (u - 40.0) / (math.exp((u - 40.0) / 5.0) - 1.0)
    ah = 0.128 * math.exp((17.0 - u) / 18.0)
    bh = 4.0 / (1.0 + math.exp((40.0 - u) / 5.0))
    return am / (am + bm), ah / (ah + bh), an / (an + bn)


def _brian2_cobahh(b2, method):
    """Brian2's examples/COBAHH.py (Brette et al. 2007 benchmark 3): its equations and parameters;
    delay 0.1 ms as the other simulators, gates starting at NEST's initial values, threshold and
    refractoriness of the example (v > -20 mV, 3 ms: one spike per action potential, as NEST's
    detection of V falling above V_T + 30 mV)."""
    from brian2 import NeuronGroup, Synapses, mV, ms, nS, pF
    p = COBAHH
    ns = {"Cm": p["C_m"] * pF, "gl": p["g_L"] * nS, "El": p["E_L"] * mV, "EK": p["E_K"] * mV,
          "ENa": p["E_Na"] * mV, "g_na": p["g_Na"] * nS, "g_kd": p["g_K"] * nS, "VT": p["V_T"] * mV,
          "taue": p["tau_syn_ex"] * ms, "taui": p["tau_syn_in"] * ms, "Ee": p["E_ex"] * mV,
          "Ei": p["E_in"] * mV}
    eqs = """
    dv/dt = (gl*(El-v)+ge*(Ee-v)+gi*(Ei-v)-g_na*(m*m*m)*h*(v-ENa)-g_kd*(n*n*n*n)*(v-EK))/Cm : volt
    dm/dt = alpha_m*(1-m)-beta_m*m : 1
    dn/dt = alpha_n*(1-n)-beta_n*n : 1
    dh/dt = alpha_h*(1-h)-beta_h*h : 1
    dge/dt = -ge*(1./taue) : siemens
    dgi/dt = -gi*(1./taui) : siemens
    alpha_m = 0.32*(mV**-1)*(13*mV-v+VT)/(exp((13*mV-v+VT)/(4*mV))-1.)/ms : Hz
    beta_m = 0.28*(mV**-1)*(v-VT-40*mV)/(exp((v-VT-40*mV)/(5*mV))-1)/ms : Hz
    alpha_h = 0.128*exp((17*mV-v+VT)/(18*mV))/ms : Hz
    beta_h = 4./(1+exp((40*mV-v+VT)/(5*mV)))/ms : Hz
    alpha_n = 0.032*(mV**-1)*(15*mV-v+VT)/(exp((15*mV-v+VT)/(5*mV))-1.)/ms : Hz
    beta_n = .5*exp((10*mV-v+VT)/(40*mV))/ms : Hz
    """
    P = NeuronGroup(N_E + N_I, eqs, threshold="v>-20*mV", refractory=3 * ms, method=method, namespace=ns)
    P.v = "El + (randn()*5 - 5)*mV"
    P.ge = "(randn()*1.5 + 4)*10.*nS"
    P.gi = "(randn()*12 + 20)*10.*nS"
    P.m, P.h, P.n = _hh_traub_initial_gates()
    Ce = Synapses(P[:N_E], P, on_pre=f"ge += {COBAHH_WE}*nS", delay=0.1 * ms)
    Ci = Synapses(P[N_E:], P, on_pre=f"gi += {COBAHH_WI}*nS", delay=0.1 * ms)
    Ce.connect(p=0.02)
    Ci.connect(p=0.02)
    return P, Ce, Ci, method


def _nest_cobahh(nest):
    """hh_cond_exp_traub's g_ex, g_in cannot be set (NEST's State_::set reads only V_m and the
    gates): the initial conductances come as one spike at 0.1 ms (arriving after the first step)
    with weights from the same normal laws, redrawn below 0 (NEST's sign rule would flip a
    negative weight to the other receptor; Brian2 and neuromesh keep the ~5 % negative g_in)."""
    pop = nest.Create("hh_cond_exp_traub", N_E + N_I, params=COBAHH)
    pop.V_m = nest.random.normal(-65.0, 5.0)
    kick = nest.Create("spike_generator", params={"spike_times": [0.1]})
    big = 1e9
    nest.Connect(kick, pop, "all_to_all",
                 {"weight": nest.math.redraw(nest.random.normal(40.0, 15.0), min=0.0, max=big), "delay": 0.1})
    nest.Connect(kick, pop, "all_to_all",
                 {"weight": -1.0 * nest.math.redraw(nest.random.normal(200.0, 120.0), min=0.0, max=big),
                  "delay": 0.1})
    return pop, COBAHH_WE, -COBAHH_WI


def _nest_adex(nest):
    pop = nest.Create("aeif_cond_exp", N_E + N_I, params=ADEX)
    pop.V_m = nest.random.normal(-65.0, 5.0)
    drive = nest.Create("poisson_generator", params={"rate": ADEX_NU})
    nest.Connect(drive, pop, syn_spec={"weight": ADEX_WP, "delay": 0.1})
    return pop, ADEX_WE, -ADEX_WI


def worker_nest(model: str, seed: int, warmup: float, duration: float, repeats: int) -> dict:
    import nest

    nest.set_verbosity("M_ERROR")
    runs = []
    for _ in range(repeats):
        nest.ResetKernel()
        nest.SetKernelStatus({"resolution": 0.1, "rng_seed": seed, "local_num_threads": 1,
                              "print_time": False})
        t0 = time.perf_counter()
        if model == "adex":
            pop, w_e, w_i = _nest_adex(nest)
        elif model == "cobahh":
            pop, w_e, w_i = _nest_cobahh(nest)
        elif model == "cuba":
            params = {"C_m": 200.0, "tau_m": 20.0, "tau_syn_ex": 5.0, "tau_syn_in": 10.0,
                      "t_ref": 5.0, "E_L": -49.0, "V_th": -50.0, "V_reset": -60.0, "I_e": 0.0}
            pop = nest.Create("iaf_psc_exp", N_E + N_I, params=params)
            pop.V_m = nest.random.uniform(-60.0, -50.0)
            w_e, w_i = 16.2, -90.0  # pA: 1.62 mV and -9 mV x C_m / tau_m
        else:
            params = {"C_m": 200.0, "g_L": 10.0, "E_L": -60.0, "V_th": -50.0, "V_reset": -60.0,
                      "t_ref": 5.0, "E_ex": 0.0, "E_in": -80.0, "tau_syn_ex": 5.0,
                      "tau_syn_in": 10.0, "I_e": 0.0}
            pop = nest.Create("iaf_cond_exp", N_E + N_I, params=params)
            pop.V_m = nest.random.normal(-65.0, 5.0)
            pop.g_ex = nest.random.normal(40.0, 15.0)  # (4 + 1.5 N) gL
            pop.g_in = nest.random.normal(200.0, 120.0)  # (20 + 12 N) gL
            w_e, w_i = 6.0, -67.0  # nS (negative weight = inhibitory receptor)
        E, I = pop[:N_E], pop[N_E:]
        conn = {"rule": "pairwise_bernoulli", "p": 0.02}
        nest.Connect(E, pop, conn, {"synapse_model": "static_synapse", "weight": w_e, "delay": 0.1})
        nest.Connect(I, pop, conn, {"synapse_model": "static_synapse", "weight": w_i, "delay": 0.1})
        rec_E, rec_I = nest.Create("spike_recorder"), nest.Create("spike_recorder")
        nest.Connect(E, rec_E)
        nest.Connect(I, rec_I)
        construction_s = time.perf_counter() - t0
        if warmup > 0:
            nest.Simulate(warmup * 1000.0)
        t0, c0 = time.perf_counter(), time.process_time()
        nest.Simulate(duration * 1000.0)
        sim_s, cpu_s = time.perf_counter() - t0, time.process_time() - c0
        runs.append({"sim_s": sim_s, "cpu_s": cpu_s, "construction_s": construction_s,
                     "synapses": int(nest.num_connections) - (N_E + N_I) * {"adex": 2, "cobahh": 3}.get(model, 1),
                     "spikes_E": int(rec_E.n_events), "spikes_I": int(rec_I.n_events)})
    return {"simulator": "nest", "version": nest.__version__, "model": model, "seed": seed,
            "runs": runs}


# ----------------------------------------------------------------------------------------------
# Driver
# ----------------------------------------------------------------------------------------------

SUMMARY_RE = re.compile(r"construction ([0-9.eE+-]+) s, simulation ([0-9.eE+-]+) s for ([0-9.eE+-]+) ms")
POP_RE = re.compile(r"^(E|I)\s+(\d+)\s+[0-9.]+\s*$", re.M)
SYN_RE = re.compile(r"(\d+) neurons, (\d+) synapses")


def run_neuromesh(exe: str, model: str, seed: int, total_s: float, double: bool, env: dict) -> dict:
    network = {"adex": "adex_coba", "cobahh": "cobahh"}.get(model, f"vogels_abbott_{model}")
    cmd = [exe, "run", network, "--duration", f"{total_s * 1000.0:g}",
           "--threads", "1", "--seed", str(seed)]
    if double:
        cmd.append("--double")
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r1.ru_utime + r1.ru_stime) - (r0.ru_utime + r0.ru_stime)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
    m = SUMMARY_RE.search(p.stdout)
    pops = dict((k, int(v)) for k, v in POP_RE.findall(p.stdout))
    syn = SYN_RE.search(p.stdout)
    if not m or set(pops) != {"E", "I"}:
        raise RuntimeError(f"cannot parse neuromesh output:\n{p.stdout}")
    return {"sim_s": float(m.group(2)), "construction_s": float(m.group(1)), "process_cpu_s": cpu,
            "simulated_ms": float(m.group(3)), "synapses": int(syn.group(2)) if syn else None,
            "spikes_E": pops["E"], "spikes_I": pops["I"], "command": " ".join(cmd)}


def build_commit(rev: str, workdir: str) -> tuple[str, str]:
    """Build neuromesh_cli from `git archive REV` in WORKDIR (the repository and its build/ are not
    touched); Release, the project's default options otherwise. Returns (binary, full sha)."""
    sha = subprocess.run(["git", "-C", str(REPO), "rev-parse", rev], capture_output=True, text=True,
                         check=True).stdout.strip()
    root = Path(workdir) / f"neuromesh-{sha[:12]}"
    exe = root / "build" / "apps" / "neuromesh"
    if not exe.exists():
        shutil.rmtree(root, ignore_errors=True)
        (root / "src").mkdir(parents=True)
        archive = subprocess.run(["git", "-C", str(REPO), "archive", sha], capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(root / "src")], input=archive, check=True)
        gen = ["-G", "Ninja"] if shutil.which("ninja") else []
        subprocess.run(["cmake", "-S", str(root / "src"), "-B", str(root / "build"), *gen,
                        "-DCMAKE_BUILD_TYPE=Release", "-DNEUROMESH_BUILD_TESTS=OFF",
                        "-DNEUROMESH_BUILD_BENCHMARKS=OFF", "-DNEUROMESH_WITH_PYTHON=OFF",
                        "-DNEUROMESH_WITH_MPI=OFF", "-DNEUROMESH_WITH_CUDA=OFF"],
                       check=True, capture_output=True)
        subprocess.run(["cmake", "--build", str(root / "build"), "--target", "neuromesh_cli",
                        "-j", str(os.cpu_count() or 2)], check=True, capture_output=True)
    return str(exe), sha


def snapshot_binary(exe: str, workdir: str) -> str:
    """Copy the CLI (self-contained: built-in networks are embedded) so that a rebuild of the shared
    build tree during the run cannot swap the binary under the measurement."""
    dst = Path(workdir) / "neuromesh-cli-snapshot"
    shutil.copy2(exe, dst)
    return str(dst)


def sha256(path: str) -> str:
    import hashlib
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def run_worker(python: str, args: list[str], env: dict, timeout: float) -> dict:
    cmd = [python, str(Path(__file__).resolve()), "--worker"] + args
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
    lines = [l for l in p.stdout.splitlines() if l.startswith("{")]
    if p.returncode != 0 or not lines:
        tail = "\n".join((p.stdout + "\n" + p.stderr).strip().splitlines()[-15:])
        raise RuntimeError(f"worker {' '.join(args[:2])} failed ({p.returncode}): {tail}")
    return json.loads(lines[-1])


def peer_version(python: str, module: str, env: dict) -> tuple[str | None, str | None]:
    code = f"import {module}; print('VERSION', {module}.__version__)"
    try:
        p = subprocess.run([python, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    except Exception as e:  # noqa: BLE001
        return None, f"{type(e).__name__}: {e}"
    for line in p.stdout.splitlines():
        if line.startswith("VERSION "):
            return line.split(None, 1)[1], None
    err = (p.stderr.strip().splitlines() or ["(no output)"])[-1]
    return None, f"import {module} failed under {python}: {err}"


def med(xs):
    return statistics.median(xs) if xs else None


def fmt_time(t):
    if t is None:
        return "—"
    return f"{t['median']:.3f} ({t['min']:.3f}–{t['max']:.3f})"


def summarise(results: dict, total_s: float, timed_s: float) -> dict:
    """Per (model, simulator): seconds per biological second (median over all runs, min-max) and
    rates (mean ± sample std over seeds; per seed the first run's counts)."""
    out = {}
    for model, by_sim in results.items():
        out[model] = {}
        for sim, entry in by_sim.items():
            if entry.get("unavailable"):
                out[model][sim] = {"unavailable": entry["unavailable"]}
                continue
            per_bio, per_bio_cpu = [], []
            rates_E, rates_I = [], []
            per_seed = []
            for s in entry["seeds"]:
                span = s["timed_bio_s"]
                times = [r["sim_s"] / span for r in s["runs"]]
                per_bio += times
                per_bio_cpu += [r["cpu_s"] / span for r in s["runs"] if "cpu_s" in r]
                r0 = s["runs"][0]
                rE = r0["spikes_E"] / (N_E * total_s)
                rI = r0["spikes_I"] / (N_I * total_s)
                rates_E.append(rE)
                rates_I.append(rI)
                per_seed.append({"seed": s["seed"], "s_per_bio_s_median": med(times),
                                 "rate_E": rE, "rate_I": rI})
            if not per_bio:
                out[model][sim] = {"unavailable": entry.get("error", "no runs")}
                continue
            res = {"s_per_bio_s": {"median": med(per_bio), "min": min(per_bio), "max": max(per_bio),
                                   "n": len(per_bio)},
                   "rate_E": {"mean": statistics.fmean(rates_E),
                              "std": statistics.stdev(rates_E) if len(rates_E) > 1 else 0.0,
                              "min": min(rates_E), "max": max(rates_E)},
                   "rate_I": {"mean": statistics.fmean(rates_I),
                              "std": statistics.stdev(rates_I) if len(rates_I) > 1 else 0.0,
                              "min": min(rates_I), "max": max(rates_I)},
                   "per_seed": per_seed}
            if per_bio_cpu:
                res["cpu_s_per_bio_s"] = {"median": med(per_bio_cpu), "min": min(per_bio_cpu),
                                          "max": max(per_bio_cpu), "n": len(per_bio_cpu)}
            if sim.startswith("brian2"):
                builds = [s["build_s"] for s in entry["seeds"]]
                res["build_s"] = {"first": builds[0], "incremental_median": med(builds[1:])}
                cpu = [r["brian_cpu_s"] / s["timed_bio_s"] for s in entry["seeds"] for r in s["runs"]]
                res["brian_own_cpu_s_per_bio_s_median"] = med(cpu)
            out[model][sim] = res
        nm = out[model].get("neuromesh", {}).get("s_per_bio_s")
        for sim in ("brian2", "brian2-rk4", "nest", "neuromesh-double"):
            peer = out[model].get(sim, {}).get("s_per_bio_s")
            if nm and peer:
                out[model][sim]["ratio_to_neuromesh"] = peer["median"] / nm["median"]
            nmc = out[model].get("neuromesh", {}).get("cpu_s_per_bio_s")
            peerc = out[model].get(sim, {}).get("cpu_s_per_bio_s")
            if nmc and peerc:
                out[model][sim]["cpu_ratio_to_neuromesh"] = peerc["median"] / nmc["median"]
    return out


LABELS = {"neuromesh": "neuromesh (float32, default)", "neuromesh-double": "neuromesh --double",
          "brian2": "Brian2 C++ standalone", "brian2-rk4": "Brian2 C++ standalone, method='rk4'",
          "nest": "NEST"}


def markdown(summary: dict, meta: dict) -> str:
    w, T = meta["warmup_s"], meta["duration_s"]
    lines = []
    lines.append(f"Wall seconds per biological second (median of all runs, min–max), 1 thread, h = 0.1 ms; "
                 f"mean rates over {meta['seeds']} seed(s) (± sample std over seeds; [min–max]) over the "
                 f"whole {w + T:g} s simulated.")
    lines.append("")
    lines.append("| model | simulator | s / bio s | ratio to neuromesh | CPU s / bio s | CPU ratio | E rate [Hz] | "
                 "I rate [Hz] |")
    lines.append("|---|---|---|---|---|---|---|---|")
    for model in summary:
        for sim in meta["simulators"]:
            r = summary[model].get(sim)
            if r is None:
                continue
            if "unavailable" in r:
                lines.append(f"| {model.upper()} | {LABELS[sim]} | unavailable: {r['unavailable']} | | | | | |")
                continue
            ratio = r.get("ratio_to_neuromesh")
            ratio_s = f"{ratio:.2f}×" if ratio is not None else ("1" if sim == "neuromesh" else "—")
            e, i = r["rate_E"], r["rate_I"]
            cratio = r.get("cpu_ratio_to_neuromesh")
            cratio_s = f"{cratio:.2f}×" if cratio is not None else ("1" if sim == "neuromesh" else "—")
            lines.append(f"| {model.upper()} | {LABELS[sim]} | {fmt_time(r['s_per_bio_s'])} | {ratio_s} | "
                         f"{fmt_time(r.get('cpu_s_per_bio_s'))} | {cratio_s} | "
                         f"{e['mean']:.2f} ± {e['std']:.2f} [{e['min']:.2f}–{e['max']:.2f}] | "
                         f"{i['mean']:.2f} ± {i['std']:.2f} [{i['min']:.2f}–{i['max']:.2f}] |")
    lines.append("")
    extra = []
    for model in summary:
        for bsim in ("brian2", "brian2-rk4"):
            b = summary[model].get(bsim, {})
            if "build_s" in b:
                inc = b["build_s"]["incremental_median"]
                extra.append(f"- {model.upper()} {LABELS[bsim]} build (code generation + compile): first "
                             f"{b['build_s']['first']:.1f} s"
                             + (f", incremental per seed {inc:.1f} s" if inc is not None else "")
                             + f"; Brian's own CPU-time `_last_run_time` "
                             f"{b['brian_own_cpu_s_per_bio_s_median']:.3f} s / bio s.")
    lines += extra
    lines.append("")
    lines.append("Per seed (timing median over repeats; rates over the whole run):")
    lines.append("")
    sims = [s for s in meta["simulators"]]
    lines.append("| model | seed | " + " | ".join(f"{LABELS[s]} s/bio s, E/I Hz" for s in sims) + " |")
    lines.append("|---|---|" + "---|" * len(sims))
    for model in summary:
        seeds = meta["seed_list"]
        for k, seed in enumerate(seeds):
            cells = []
            for s in sims:
                r = summary[model].get(s, {})
                ps = [p for p in r.get("per_seed", []) if p["seed"] == seed]
                cells.append(f"{ps[0]['s_per_bio_s_median']:.3f}, {ps[0]['rate_E']:.2f}/{ps[0]['rate_I']:.2f}"
                             if ps else "—")
            lines.append(f"| {model.upper()} | {seed} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def machine_info() -> dict:
    info = {"platform": platform.platform(), "nproc": os.cpu_count()}
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        for line in out.splitlines():
            if line.startswith("Model name:"):
                info["cpu"] = line.split(":", 1)[1].strip()
    except OSError:
        pass
    try:
        info["loadavg_start"] = os.getloadavg()
    except OSError:
        pass
    try:
        info["git_commit"] = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                                            capture_output=True, text=True).stdout.strip()
        info["git_dirty"] = bool(subprocess.run(["git", "-C", str(REPO), "status", "--porcelain",
                                                 "--untracked-files=no"],
                                                capture_output=True, text=True).stdout.strip())
    except OSError:
        pass
    return info


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        description="Vogels-Abbott COBA/CUBA: neuromesh CLI vs Brian2 C++ standalone vs NEST, "
                    "1 thread, h = 0.1 ms (workload 1 of the benchmark spec).",
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--json", metavar="PATH", help="write all raw results and the summary as JSON here")
    ap.add_argument("--markdown", metavar="PATH", help="also write the markdown table here")
    ap.add_argument("--quick", action="store_true", help="smoke run: 1 seed, 1 repeat, 2 s (warm-up 0.1 s)")
    ap.add_argument("--seeds", type=int, default=5, help="number of seeds (1..N) for the rates (default 5)")
    ap.add_argument("--repeats", type=int, default=3, help="timed repeats per seed (default 3)")
    ap.add_argument("--duration", type=float, default=10.0, help="timed biological seconds (default 10)")
    ap.add_argument("--nest-repeats", type=int, default=1,
                    help="timed repeats per seed for NEST (default 1: its COBA runs at several s per bio s)")
    ap.add_argument("--warmup", type=float, default=0.2,
                    help="untimed warm-up in biological seconds (default 0.2; neuromesh: simulated and timed)")
    ap.add_argument("--models", default="coba,cuba", help="comma list of coba,cuba,adex,cobahh")
    ap.add_argument("--simulators", default=",".join(SIMULATORS), help=f"comma list of {','.join(SIMULATORS)}")
    ap.add_argument("--neuromesh", default=str(REPO / "build" / "apps" / "neuromesh"), help="neuromesh CLI binary")
    ap.add_argument("--build-commit", metavar="REV",
                    help="build neuromesh_cli from `git archive REV` under WORKDIR (Release) and use it, "
                         "instead of --neuromesh; pins the measurement to a commit")
    ap.add_argument("--peer-python", default=sys.executable,
                    help="interpreter with brian2 / nest importable (default: this one)")
    ap.add_argument("--workdir", default=os.path.join(tempfile.gettempdir(), "neuromesh_compare_peers"),
                    help="Brian2 standalone project directories")
    ap.add_argument("--fresh-brian-build", action="store_true",
                    help="delete the Brian2 project directories first, so the first build is a clean one")
    ap.add_argument("--brian-coba-method", default="euler",
                    help="Brian2 integration method for COBA (default euler, as Brian2's COBA examples)")
    ap.add_argument("--brian-hh-method", default="exponential_euler",
                    help="Brian2 integration method for COBAHH (default exponential_euler, as its COBAHH example)")
    ap.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)

    if a.worker:
        kind = a.worker[0]
        model, seed, warmup, duration, repeats = a.worker[1], int(a.worker[2]), float(a.worker[3]), float(a.worker[4]), int(a.worker[5])
        if kind == "brian2":
            res = worker_brian2(model, seed, warmup, duration, repeats, a.worker[6], a.worker[7])
        else:
            res = worker_nest(model, seed, warmup, duration, repeats)
        print(json.dumps(res))
        return 0

    if a.quick:
        a.seeds, a.repeats, a.nest_repeats, a.duration, a.warmup = 1, 1, 1, 2.0, 0.1
    models = [m for m in a.models.split(",") if m]
    sims = [s for s in a.simulators.split(",") if s]
    for m in models:
        if m not in MODELS:
            ap.error(f"unknown model {m}")
    for s in sims:
        if s not in SIMULATORS:
            ap.error(f"unknown simulator {s}")
    total_s = a.warmup + a.duration
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    seeds = list(range(1, a.seeds + 1))

    versions, unavailable = {}, {}
    os.makedirs(a.workdir, exist_ok=True)
    nm_info = {}
    if any(s.startswith("neuromesh") for s in sims):
        if a.build_commit:
            print(f"building neuromesh_cli at {a.build_commit} under {a.workdir} ...", file=sys.stderr, flush=True)
            a.neuromesh, sha = build_commit(a.build_commit, a.workdir)
            nm_info = {"source": f"git archive {sha} (Release, clean build)", "commit": sha}
        else:
            if not os.access(a.neuromesh, os.X_OK):
                ap.error(f"neuromesh CLI not found at {a.neuromesh} (cmake --build build --target neuromesh_cli)")
            original = a.neuromesh
            a.neuromesh = snapshot_binary(a.neuromesh, a.workdir)
            nm_info = {"source": f"copy of {original} (mtime "
                                 f"{datetime.datetime.fromtimestamp(os.path.getmtime(original)).isoformat(timespec='seconds')};"
                                 " built from the working tree, which may differ from the commit)"}
        nm_info["binary"] = a.neuromesh
        nm_info["sha256"] = sha256(a.neuromesh)
        v = subprocess.run([a.neuromesh, "--version"], capture_output=True, text=True).stdout.strip()
        versions["neuromesh"] = v
    for sim, module in (("brian2", "brian2"), ("brian2-rk4", "brian2"), ("nest", "nest")):
        if sim in sims:
            v, err = peer_version(a.peer_python, module, env)
            if v:
                versions[sim] = v
            else:
                unavailable[sim] = err
                print(f"[{sim}] unavailable: {err}", file=sys.stderr)
    if any(s.startswith("brian2") for s in sims):
        if a.fresh_brian_build:
            for d in Path(a.workdir).glob("brian2*"):
                shutil.rmtree(d, ignore_errors=True)

    meta = {"date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
            "command": " ".join([os.path.basename(sys.executable)] + sys.argv),
            "warmup_s": a.warmup, "duration_s": a.duration, "seeds": a.seeds, "seed_list": seeds,
            "repeats": a.repeats, "nest_repeats": a.nest_repeats, "models": models, "simulators": sims, "versions": versions,
            "brian_coba_method": a.brian_coba_method, "brian_hh_method": a.brian_hh_method, "machine": machine_info(), "neuromesh_binary": nm_info,
            "notes": ["neuromesh: no untimed warm-up in the CLI; its timed span is warm-up + duration.",
                      "rates of every simulator are over the whole warm-up + duration."]}
    results = {m: {s: ({"unavailable": unavailable[s]} if s in unavailable else {"seeds": []})
                   for s in sims} for m in models}

    t_start = time.perf_counter()
    for seed in seeds:
        for model in models:
            for sim in sims:
                entry = results[model][sim]
                if entry.get("unavailable"):
                    continue
                t0 = time.perf_counter()
                try:
                    if sim.startswith("neuromesh"):
                        runs = [run_neuromesh(a.neuromesh, model, seed, total_s, sim.endswith("double"), env)
                                for _ in range(a.repeats)]
                        # CPU time of the simulation: the process's minus that of a 1-step run
                        # (construction, start-up), as the CLI prints wall time only.
                        base = run_neuromesh(a.neuromesh, model, seed, 1e-4, sim.endswith("double"), env)
                        for r in runs:
                            r["cpu_s"] = r["process_cpu_s"] - base["process_cpu_s"]
                        entry["seeds"].append({"seed": seed, "timed_bio_s": total_s, "runs": runs})
                    elif sim.startswith("brian2"):
                        if sim == "brian2-rk4" and model == "cuba":
                            continue  # CUBA is integrated exactly ('linear') in both variants
                        method = "rk4" if sim == "brian2-rk4" else (
                            a.brian_hh_method if model == "cobahh" else a.brian_coba_method)
                        d = os.path.join(a.workdir, f"{sim}_{model}")
                        res = run_worker(a.peer_python, ["brian2", model, str(seed), str(a.warmup), str(a.duration),
                                                         str(a.repeats), d, method], env, 3600)
                        entry["seeds"].append({"seed": seed, "timed_bio_s": a.duration, **res})
                    else:
                        res = run_worker(a.peer_python, ["nest", model, str(seed), str(a.warmup), str(a.duration),
                                                         str(a.nest_repeats)], env, 3600)
                        entry["seeds"].append({"seed": seed, "timed_bio_s": a.duration, **res})
                except Exception as e:  # noqa: BLE001  (a failing peer must not stop the others)
                    msg = f"{type(e).__name__}: {e}"
                    print(f"[{sim} {model} seed {seed}] failed: {msg}", file=sys.stderr)
                    entry.setdefault("errors", []).append({"seed": seed, "error": msg})
                    if not entry["seeds"]:
                        entry["error"] = msg
                    continue
                last = entry["seeds"][-1]
                ts = ", ".join(f"{r['sim_s']:.3f}" for r in last["runs"])
                r0 = last["runs"][0]
                last["loadavg"] = os.getloadavg()
                extra = f", build {last['build_s']:.1f} s" if sim.startswith("brian2") else ""
                print(f"[{time.perf_counter() - t_start:7.1f} s] {model} {sim:16s} seed {seed}: sim [{ts}] s "
                      f"for {last['timed_bio_s']:g} bio s{extra}; rates E {r0['spikes_E'] / (N_E * total_s):.2f} "
                      f"I {r0['spikes_I'] / (N_I * total_s):.2f} Hz  ({time.perf_counter() - t0:.1f} s)",
                      file=sys.stderr, flush=True)

    for model in models:
        for sim in sims:
            e = results[model][sim]
            if sim == "brian2-rk4" and model == "cuba":
                del results[model][sim]
            elif not e.get("unavailable") and not e.get("seeds"):
                e["unavailable"] = e.get("error", "no successful run")
    summary = summarise(results, total_s, a.duration)
    meta["total_script_s"] = time.perf_counter() - t_start
    try:
        meta["machine"]["loadavg_end"] = os.getloadavg()
    except OSError:
        pass
    md = markdown(summary, meta)
    print(md)
    if a.markdown:
        Path(a.markdown).write_text(md + "\n")
    if a.json:
        Path(a.json).write_text(json.dumps({"meta": meta, "summary": summary, "raw": results}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
