#!/usr/bin/env python3
"""A locally connected E/I sheet: Brunel's balanced network laid out on a periodic unit square,
connection probability falling with distance (Gaussian kernel of width sigma, a fraction of the
side), N_E = 4 N_I iaf_psc_delta neurons, J = 0.2 mV, g = 6, delay 1.5 ms, Poisson drive
1.2 x threshold rate (about 18 Hz, asynchronous).

    python3 networks/local_sheet.py --scale 1.0 --sigma 0.05 --duration 1000 -o sheet.h5

Neurons are numbered row by row over the sheet, so a block decomposition gives each MPI rank a
strip of the sheet: most targets of a neuron live on its own rank, which is what the targeted
spike exchange exploits (docs/mpi.md). Writes SONATA output and prints the mean rate per population."""
import argparse
import math
import sys

import neuromesh as nm
from _script import add_run_options, run_and_report


def build(scale=1.0, sigma=0.05, p_peak=0.8, g=6.0, eta=1.2, J=0.2, delay=1.5, seed=12345, dt=0.1):
    n_exc, n_inh = int(10000 * scale), int(2500 * scale)
    tau_m, theta = 20.0, 20.0
    cell = nm.Model("iaf_psc_delta", C_m=1.0, tau_m=tau_m, t_ref=2.0, E_L=0.0, V_reset=10.0, V_th=theta)
    net = nm.Network(dt=dt, seed=seed, name="local_sheet")
    init = {"v": nm.random.Uniform(0.0, theta)}
    exc = net.population(n_exc, cell, label="E", initial=init)
    inh = net.population(n_inh, cell, label="I", initial=init)
    c_exc = p_peak * 2 * math.pi * sigma ** 2 * n_exc  # expected in-degree from E (kernel integral)
    for post in (exc, inh):
        net.connect(exc, post, nm.GaussianDistanceConnector(p_peak, sigma), nm.StaticSynapse(weight=J, delay=delay))
        net.connect(inh, post, nm.GaussianDistanceConnector(p_peak, sigma),
                    nm.StaticSynapse(weight=-g * J, delay=delay), receptor="inhibitory")
        nu_thr = theta / (J * c_exc * tau_m)  # per ms
        net.poisson_input(post, rate=eta * nu_thr * c_exc * 1000.0, weight=J)
        post.record("spikes")
    return net


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="network size relative to 12,500 neurons")
    parser.add_argument("--sigma", type=float, default=0.05, help="kernel width, fraction of the sheet's side")
    parser.add_argument("--eta", type=float, default=1.2, help="external rate / threshold rate")
    add_run_options(parser)
    args = parser.parse_args(argv)
    return run_and_report("local_sheet.py", lambda: build(args.scale, args.sigma, eta=args.eta, seed=args.seed), args)


if __name__ == "__main__":
    sys.exit(main())
