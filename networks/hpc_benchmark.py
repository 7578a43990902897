#!/usr/bin/env python3
"""NEST's HPC benchmark (weak-scaling balanced random network; pynest/examples/hpc_benchmark.py in
nest/nest-simulator, after Morrison et al. 2007 Neural Comput 19:1437, Helias et al. 2012 Front.
Neuroinform. 6:26, Kunkel et al. 2014 Front. Neuroinform. 8:78) with the neuromesh Python API.

NE = int(9000 scale) excitatory and NI = int(2250 scale) inhibitory iaf_psc_alpha neurons
(E_L 0, V_th 20, V_reset 0 mV, C_m 250 pF, tau_m 10 ms, t_ref 0.5 ms, tau_syn 0.3258 ms, V_m
initially Normal(5.7, 7.2) mV). Every neuron has the fixed in-degrees CE = int(NE / scale) = 9000
and CI = int(NI / scale) = 2250 whatever the scale (multapses allowed, no autapses, as NEST), so
scale 1 is 11,250 neurons with 11,250 inputs each (1.3e8 synapses). All weights derive from a
0.14 mV EPSP peak converted to a PSC amplitude by NEST's convert_synapse_weight (45.61 pA),
inhibitory ones g = -5 times that, delays 1.5 ms, Poisson drive eta = 1.685 times the threshold
rate.

E->E synapses are plastic as in NEST's benchmark: stdp_pl_synapse_hom (NEST uses its variant
stdp_pl_synapse_hom_hpc, the same rule with a smaller connection object): power-law potentiation
mu = 0.4, multiplicative depression alpha = 0.0513, lambda = 0.1, tau_plus = 15 ms, tau_minus =
30 ms (docs/plasticity.md). --static makes them static synapses with the same initial weight (the
network at t = 0 of NEST's; what this script ran before plasticity existed).

NEST's only statement on the expected activity (docstring of hpc_benchmark.py): use scale > 10
and check that the reported firing rate is below 10 spikes/s (asynchronous irregular, low rate).
The asynchronous state's diffusion-approximation (Siegert) rate for these parameters is about
7 Hz. Below scale 1 every neuron receives on average 1/scale synapses from each presynaptic
neuron, so inputs are fully shared: the activity oscillates synchronously (fast population
rhythm) and rates are higher and seed dependent. Measured with neuromesh (static E->E, seed
12345): E 23.9 Hz at scale 0.1, 9.4 Hz at scale 1 (500 ms), 8.4 Hz at scale 3 (400 ms); scale
0.02, 200 ms: 0.1 to 28 Hz across seeds.

    python3 networks/hpc_benchmark.py --scale 0.1 --duration 500 -o hpc.h5

Writes SONATA output and prints the mean rate per population."""
import argparse
import math
import sys

import neuromesh as nm
from _script import add_run_options, run_and_report

# Parameters of pynest/examples/hpc_benchmark.py (nest/nest-simulator; brunel_params, build_network).
TAU_SYN = 0.32582722403722841  # ms; chosen by NEST so that the PSP rise time is 1.700759 ms
NEURON = dict(E_L=0.0, C_m=250.0, tau_m=10.0, t_ref=0.5, V_th=20.0, V_reset=0.0,
              tau_syn_ex=TAU_SYN, tau_syn_in=TAU_SYN)
V_MEAN, V_SIGMA = 5.7, 7.2  # mV; 'randomize_Vm': True, nest.random.normal(mean, sigma)
DELAY = 1.5  # ms, all connections
JE = 0.14  # mV, EPSP peak
G = -5.0
ETA = 1.685
STDP = dict(alpha=0.0513, lambda_=0.1, mu=0.4, tau_plus=15.0, tau_minus=30.0)  # stdp_pl_synapse_hom_hpc


def lambertw_m1(x):
    """Lambert W on the branch k = -1 for x in [-1/e, 0) (NEST uses GSL's gsl_sf_lambert_Wm1 or
    scipy.special.lambertw(x, k=-1)); Halley iteration."""
    if not -1.0 / math.e <= x < 0.0:
        raise ValueError(f"lambertw_m1: x = {x} is outside [-1/e, 0)")
    if x > -0.25:  # asymptotic start
        w = math.log(-x) - math.log(-math.log(-x))
    else:  # series about the branch point x = -1/e
        w = -1.0 - math.sqrt(max(2.0 * (1.0 + math.e * x), 0.0)) - 1e-9
    for _ in range(100):
        ew = math.exp(w)
        f = w * ew - x
        step = f / (ew * (w + 1.0) - (w + 2.0) * f / (2.0 * w + 2.0))
        w -= step
        if abs(step) <= 1e-15 * abs(w):
            break
    return w


def convert_synapse_weight(tau_m, tau_syn, C_m):
    """PSC amplitude [pA] per mV of PSP peak for iaf_psc_alpha: NEST's convert_synapse_weight in
    pynest/examples/hpc_benchmark.py, formula copied."""
    a = tau_m / tau_syn
    b = 1.0 / tau_syn - 1.0 / tau_m
    t_rise = 1.0 / b * (-lambertw_m1(-math.exp(-1.0 / a) / a) - 1.0 / a)  # time of the PSP peak
    v_max = math.e / (tau_syn * C_m * b) * (
        (math.exp(-t_rise / tau_m) - math.exp(-t_rise / tau_syn)) / b - t_rise * math.exp(-t_rise / tau_syn))
    return 1.0 / v_max


def parameters(scale=0.1):
    """Sizes, in-degrees, weights [pA] and the Poisson rate [Hz], computed as NEST does."""
    NE, NI = int(9000 * scale), int(2250 * scale)
    CE, CI = int(1.0 * NE / scale), int(1.0 * NI / scale)
    JE_pA = convert_synapse_weight(NEURON["tau_m"], NEURON["tau_syn_ex"], NEURON["C_m"]) * JE
    nu_thresh = NEURON["V_th"] / (CE * NEURON["tau_m"] / NEURON["C_m"] * JE_pA * math.exp(1.0) * TAU_SYN)  # per ms
    p_rate = nu_thresh * ETA * CE * 1000.0  # Hz
    return dict(NE=NE, NI=NI, CE=CE, CI=CI, JE_pA=JE_pA, JI_pA=G * JE_pA, p_rate=p_rate)


def build(scale=0.1, seed=12345, dt=0.1, plastic=True):
    p = parameters(scale)
    if p["NE"] < 1 or p["NI"] < 1:
        raise nm.ConfigError(f"scale {scale}: the network needs at least one neuron per population")
    cell = nm.Model("iaf_psc_alpha", **NEURON)
    net = nm.Network(dt=dt, seed=seed, name=f"hpc_benchmark_{scale:g}")
    init = {"V_m": nm.random.Normal(V_MEAN, V_SIGMA)}
    exc = net.population(p["NE"], cell, label="E", initial=init)
    inh = net.population(p["NI"], cell, label="I", initial=init)
    for post in (exc, inh):
        net.poisson_input(post, rate=p["p_rate"], weight=p["JE_pA"])
        # E->E: stdp_pl_synapse_hom_hpc in NEST; E->I static.
        ee = plastic and post is exc
        synapse = (nm.STDPPowerLawSynapse(weight=p["JE_pA"], delay=DELAY, **STDP) if ee
                   else nm.StaticSynapse(weight=p["JE_pA"], delay=DELAY))
        net.connect(exc, post, nm.FixedInDegree(p["CE"], allow_self_connections=post is not exc), synapse)
        net.connect(inh, post, nm.FixedInDegree(p["CI"], allow_self_connections=post is not inh),
                    nm.StaticSynapse(weight=p["JI_pA"], delay=DELAY), receptor="inhibitory")
        post.record("spikes")
    return net


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=0.1,
                        help="network size relative to 11,250 neurons; in-degrees stay 9000 + 2250 (default 0.1)")
    parser.add_argument("--static", action="store_true",
                        help="static E->E synapses (NEST's: stdp_pl_synapse_hom_hpc)")
    add_run_options(parser, duration=500.0)
    args = parser.parse_args(argv)
    if not args.scale > 0:
        parser.error("--scale must be > 0")
    p = parameters(args.scale)
    print(f"NE {p['NE']}, NI {p['NI']}, CE {p['CE']}, CI {p['CI']}, J {p['JE_pA']:.3f} pA, "
          f"g {G:g}, Poisson {p['p_rate']:.1f} Hz per neuron")
    print("E->E synapses: " + ("static (--static)" if args.static else "stdp_pl_synapse_hom (as NEST)"))
    return run_and_report("hpc_benchmark.py", lambda: build(args.scale, args.seed, plastic=not args.static), args,
                          footer="; NEST expects < 10 Hz at scale > 10")


if __name__ == "__main__":
    sys.exit(main())
