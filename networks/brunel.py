#!/usr/bin/env python3
"""Brunel (2000) balanced random network (NEST's brunel_delta example) with the neuromesh Python
API: N_E = 4 N_I iaf_psc_delta neurons, in-degree 10 %, J = 0.1 mV, g = 5, delay 1.5 ms, Poisson
drive nu_ext / nu_thr = eta (2: asynchronous irregular regime).

    python3 networks/brunel.py --scale 1.0 --duration 1000 -o brunel.h5

J stays fixed when --scale changes the in-degree (as in NEST), so only --scale 1 is the reference
regime (about 38 Hz); smaller networks fire faster.

Writes SONATA output and prints the mean rate per population."""
import argparse
import sys

import neuromesh as nm
from _script import add_run_options, run_and_report


def build(scale=1.0, g=5.0, eta=2.0, J=0.1, delay=1.5, seed=12345, dt=0.1):
    n_exc, n_inh = int(10000 * scale), int(2500 * scale)
    c_exc, c_inh = max(1, n_exc // 10), max(1, n_inh // 10)
    tau_m, theta = 20.0, 20.0
    cell = nm.Model("iaf_psc_delta", C_m=1.0, tau_m=tau_m, t_ref=2.0, E_L=0.0, V_reset=10.0, V_th=theta)
    net = nm.Network(dt=dt, seed=seed, name="brunel")
    init = {"v": nm.random.Uniform(0.0, theta)}
    exc = net.population(n_exc, cell, label="E", initial=init)
    inh = net.population(n_inh, cell, label="I", initial=init)
    for post in (exc, inh):
        net.connect(exc, post, nm.FixedInDegree(c_exc), nm.StaticSynapse(weight=J, delay=delay))
        net.connect(inh, post, nm.FixedInDegree(c_inh), nm.StaticSynapse(weight=-g * J, delay=delay), receptor="inhibitory")
        nu_thr = theta / (J * c_exc * tau_m)  # per ms
        net.poisson_input(post, rate=eta * nu_thr * c_exc * 1000.0, weight=J)
        post.record("spikes")
    return net


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="network size relative to 12,500 neurons")
    parser.add_argument("--g", type=float, default=5.0, help="relative inhibition")
    parser.add_argument("--eta", type=float, default=2.0, help="external rate / threshold rate")
    add_run_options(parser)
    args = parser.parse_args(argv)
    return run_and_report("brunel.py", lambda: build(args.scale, args.g, args.eta, seed=args.seed), args)


if __name__ == "__main__":
    sys.exit(main())
