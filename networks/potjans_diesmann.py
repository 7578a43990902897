#!/usr/bin/env python3
"""Potjans & Diesmann (2014) cortical microcircuit (PD14; Cereb. Cortex 24:785), parameters from
the published reference implementation (INM-6/microcircuit-PD14-model, PyNEST): 8 populations of
iaf_psc_exp neurons (L2/3, L4, L5, L6 x E/I), fixed total numbers of synapses per population
pair, normally distributed weights (PSP 0.15 mV, relative sd 0.1, g = -4, L4E->L2/3E doubled) and
delays (E 1.5 +- 0.75 ms, I 0.75 +- 0.375 ms), Poisson (8 Hz x K_ext) or DC background.

    python3 networks/potjans_diesmann.py --scale 0.1 --duration 1000 -o pd14.h5

--scale multiplies the neuron numbers and keeps the in-degrees (the reference's N_scaling with
K_scaling = 1). Connection probabilities then grow by 1/scale and activity becomes more correlated:
at 0.1, L2/3 fires about 2x and L5 about 1.3x the full-scale rates -- exactly as NEST does with the
same downscaled model (docs/validation.md); at scale 1 the rates match the reference."""
import argparse
import math
import sys

import numpy as np

import neuromesh as nm
from _script import add_run_options, run_and_report

POPULATIONS = ["L23E", "L23I", "L4E", "L4I", "L5E", "L5I", "L6E", "L6I"]
FULL_SIZE = [20683, 5834, 21915, 5479, 4850, 1065, 14395, 2948]
# Connection probabilities, rows: target, columns: source (POPULATIONS order).
CONN_PROBS = np.array([
    [0.1009, 0.1689, 0.0437, 0.0818, 0.0323, 0.0, 0.0076, 0.0],
    [0.1346, 0.1371, 0.0316, 0.0515, 0.0755, 0.0, 0.0042, 0.0],
    [0.0077, 0.0059, 0.0497, 0.135, 0.0067, 0.0003, 0.0453, 0.0],
    [0.0691, 0.0029, 0.0794, 0.1597, 0.0033, 0.0, 0.1057, 0.0],
    [0.1004, 0.0622, 0.0505, 0.0057, 0.0831, 0.3726, 0.0204, 0.0],
    [0.0548, 0.0269, 0.0257, 0.0022, 0.06, 0.3158, 0.0086, 0.0],
    [0.0156, 0.0066, 0.0211, 0.0166, 0.0572, 0.0197, 0.0396, 0.2252],
    [0.0364, 0.001, 0.0034, 0.0005, 0.0277, 0.008, 0.0658, 0.1443]])
K_EXT = [1600, 1500, 2100, 1900, 2000, 1900, 2900, 2100]
BG_RATE = 8.0  # Hz per external input
NEURON = dict(C_m=250.0, tau_m=10.0, tau_syn_ex=0.5, tau_syn_in=0.5, E_L=-65.0, V_th=-50.0, V_reset=-65.0, t_ref=2.0)
PSP_MEAN, PSP_REL_SD, G = 0.15, 0.1, -4.0
DELAY_E, DELAY_I, DELAY_REL_SD = 1.5, 0.75, 0.5
# Full-scale rates [Hz] of the reference implementation (INM-6/microcircuit-PD14-model, PyNEST,
# Poisson background), for the summary; neuromesh at scale 1 is within 0.05 Hz (docs/validation.md).
REFERENCE_RATES = dict(L23E=0.903, L23I=2.965, L4E=4.414, L4I=5.876, L5E=7.569, L5I=8.633, L6E=1.105, L6I=7.829)


def psp_to_psc(c_m, tau_m, tau_syn):
    """PSC amplitude [pA] giving a PSP of 1 mV peak (the reference's postsynaptic_potential_to_current)."""
    sub = 1.0 / (tau_syn - tau_m)
    pre = tau_m * tau_syn / c_m * sub
    frac = (tau_m / tau_syn) ** sub
    return 1.0 / (pre * (frac ** tau_m - frac ** tau_syn))


def synapse_numbers(sizes):
    """Total synapses per (target, source) pair at full in-degree (reference formula)."""
    full = np.array(FULL_SIZE, dtype=float)
    prod = np.outer(full, full)
    k_full = np.log(1.0 - CONN_PROBS) / np.log((prod - 1.0) / prod) / full[:, None]  # in-degree
    return np.round(k_full * np.array(sizes)[:, None]).astype(int)


def build(scale=0.1, seed=55, dt=0.1, background="poisson", k_scale=1.0):
    """k_scale < 1 also scales the in-degrees (synapse numbers), e.g. to fit a chip's input axons
    per core; the lost recurrent input is not compensated (for mapping, not for dynamics)."""
    sizes = [max(1, int(round(n * scale))) for n in FULL_SIZE]
    net = nm.Network(dt=dt, seed=seed, name=f"potjans_diesmann_{scale:g}")
    w_mean = PSP_MEAN * psp_to_psc(NEURON["C_m"], NEURON["tau_m"], NEURON["tau_syn_ex"])  # ~87.8 pA
    pops = []
    for label, n, k_ext in zip(POPULATIONS, sizes, K_EXT):
        params = dict(NEURON)
        if background == "dc":  # mean of the Poisson input as a current
            params["I_e"] = BG_RATE * k_ext * w_mean * NEURON["tau_syn_ex"] * 1e-3
        pop = net.population(n, nm.Model("iaf_psc_exp", **params), label=label,
                             initial={"V_m": nm.random.Normal(-58.0, 10.0)})
        if background == "poisson":
            net.poisson_input(pop, rate=BG_RATE * k_ext, weight=w_mean)
        pop.record("spikes")
        pops.append(pop)
    numbers = np.round(synapse_numbers(sizes) * k_scale).astype(int)
    for t, post in enumerate(pops):
        for s, pre in enumerate(pops):
            if numbers[t, s] <= 0:
                continue
            excitatory = s % 2 == 0
            w = w_mean * (2.0 if (s, t) == (2, 0) else 1.0) * (1.0 if excitatory else G)
            sd = abs(w) * PSP_REL_SD
            weight = nm.random.Normal(w, sd, low=0.0) if excitatory else nm.random.Normal(w, sd, high=0.0)
            d = DELAY_E if excitatory else DELAY_I
            delay = nm.random.Normal(d, d * DELAY_REL_SD, low=dt)
            net.connect(pre, post, nm.FixedTotalNumber(int(numbers[t, s])), nm.StaticSynapse(weight=weight, delay=delay),
                        receptor="excitatory" if excitatory else "inhibitory")
    return net


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=0.1, help="neuron numbers relative to the full model (default 0.1)")
    parser.add_argument("--background", choices=["poisson", "dc"], default="poisson")
    add_run_options(parser, seed=55)
    args = parser.parse_args(argv)
    if not 0 < args.scale <= 1:
        parser.error("--scale must be in (0, 1]")
    return run_and_report("potjans_diesmann.py", lambda: build(args.scale, args.seed, background=args.background), args,
                          reference=REFERENCE_RATES)


if __name__ == "__main__":
    sys.exit(main())
