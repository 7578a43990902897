#!/usr/bin/env python3
"""Vogels & Abbott (2005) network as Brette et al. (2007) benchmarks 1 (COBA) and 2 (CUBA),
with the parameters of shared/specs/benchmarks.md, built with the neuromesh Python API.

    python3 networks/vogels_abbott.py coba --duration 1000 --threads 2 -o coba.h5

Writes SONATA output and prints the mean rate per population."""
import argparse
import sys

import neuromesh as nm


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
    parser.add_argument("--duration", type=float, default=1000.0, help="ms (default 1000)")
    parser.add_argument("--dt", type=float, default=0.1, help="ms (default 0.1)")
    parser.add_argument("--seed", type=int, default=12345)
    parser.add_argument("--threads", type=int, default=0, help="0: all cores")
    parser.add_argument("-o", "--output", default=None, help="SONATA HDF5 output file")
    args = parser.parse_args(argv)
    try:
        result = build(args.model, args.seed, args.dt).run(args.duration, threads=args.threads, output=args.output, progress=True)
    except ValueError as e:
        print(f"vogels_abbott.py: {e}", file=sys.stderr)
        return 1
    for label, rate in result.rates().items():
        print(f"{label:>4}: {rate:7.2f} Hz")
    print(f"simulation {result.summary['simulate_seconds']:.3f} s (real-time factor {result.summary['real_time_factor']:.3f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
