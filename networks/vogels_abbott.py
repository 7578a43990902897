#!/usr/bin/env python3
"""Vogels & Abbott (2005) network as Brette et al. (2007) benchmarks 1 (COBA) and 2 (CUBA),
with the parameters of shared/specs/benchmarks.md, built with the neuromesh Python API.

    python3 networks/vogels_abbott.py coba --duration 1000 --threads 2 -o coba.h5

Writes SONATA output and prints the mean rate per population."""
import argparse
import sys

import neuromesh as nm
from _script import add_run_options, run_and_report


def build(model, seed, dt):
    net = nm.Network(dt=dt, seed=seed, name=f"vogels_abbott_{model}")
    if model == "coba":
        cell = nm.IF_cond_exp(cm=0.2, tau_m=20.0, v_rest=-60.0, v_thresh=-50.0, v_reset=-60.0, tau_refrac=5.0,
                              e_rev_E=0.0, e_rev_I=-80.0, tau_syn_E=5.0, tau_syn_I=10.0)
        init = {"v": nm.random.Normal(-65.0, 5.0), "g_ex": nm.random.Normal(40.0, 15.0), "g_in": nm.random.Normal(200.0, 120.0)}
        w_exc, w_inh = 0.006, 0.067  # uS (6 nS, 67 nS)
    else:
        cell = nm.IF_curr_exp(cm=0.2, tau_m=20.0, v_rest=-49.0, v_thresh=-50.0, v_reset=-60.0, tau_refrac=5.0,
                              tau_syn_E=5.0, tau_syn_I=10.0)
        init = {"v": nm.random.Uniform(-60.0, -50.0)}
        w_exc, w_inh = 0.0162, 0.09  # nA: Brian's 1.62 mV and -9 mV times C/tau_m
    exc = net.population(3200, cell, label="E", initial=init)
    inh = net.population(800, cell, label="I", initial=init)
    for pre, w, receptor in ((exc, w_exc, "excitatory"), (inh, w_inh, "inhibitory")):
        for post in (exc, inh):
            net.connect(pre, post, nm.FixedProbability(0.02), nm.StaticSynapse(weight=w, delay=0.1), receptor=receptor)
    for pop in (exc, inh):
        pop.record("spikes")
    return net


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", choices=["coba", "cuba"])
    parser.add_argument("--dt", type=float, default=0.1, help="ms (default 0.1)")
    add_run_options(parser)
    args = parser.parse_args(argv)
    return run_and_report("vogels_abbott.py", lambda: build(args.model, args.seed, args.dt), args)


if __name__ == "__main__":
    sys.exit(main())
