#!/usr/bin/env python3
"""Reference values from NEST for tests/unit/test_model_accuracy.cpp.

Run with NEST 3.10 installed (`python3 -c "import nest"`):

    python3 scripts/reference/nest_model_references.py            # C++ arrays for the test
    python3 scripts/reference/nest_model_references.py --traces DIR  # also V_m traces (.npy)
    python3 scripts/reference/nest_model_references.py --fine       # also NEST at h = 0.001 ms

Protocols (all double precision, h = 0.1 ms, NEST defaults unless given):

aeif_cond_exp, 1000 ms
  dc800, dc2000     I_e = 800 / 2000 pA from t = 0
  dc1000_ref2       I_e = 1000 pA, t_ref = 2 ms
  syn               I_e = 800 pA; excitatory input of 40 nS at the steps of train(s, 1, 0.04),
                    inhibitory input of 15 nS at the steps of train(s, 2, 0.02)
  syn_strong        I_e = 0; 120 nS at train(s, 3, 0.15), 25 nS at train(s, 4, 0.03)
izhikevich          defaults, I_e = 10: first spike (NEST's initial U_m = b V_m = -13)
iaf_psc_alpha       V_min = -inf (NEST's default), I_e = 400 pA, 100 ms

Input spikes: a spike_generator spike at t = s h with delay h is added to the conductance at
the end of the step that ends at (s + 1) h, i.e. in neuromesh the input of step call s (the call
that advances the state from s h to (s + 1) h). train(s, seed, p) is a 32-bit integer hash
(`train` below, duplicated in the C++ test) that is true with probability p, s >= 1.

Spike steps are printed as step indices s with spike time (s + 1) h (NEST's spike_recorder time);
V_m samples are the multimeter's values at t = (s + 1) h, i.e. after step call s.
"""
import argparse
import math
import sys

import nest

H = 0.1
T_AEIF = 1000.0
N_STEPS = int(round(T_AEIF / H))
SAMPLE_EVERY = 500  # V_m samples printed every 50 ms


def train(s, seed, p):
    """True when step s carries an input spike: a murmur3-style finaliser of (s, seed)."""
    x = (s * 0x9E3779B9 + seed * 0x85EBCA6B) & 0xFFFFFFFF
    x ^= x >> 16
    x = (x * 0x85EBCA6B) & 0xFFFFFFFF
    x ^= x >> 13
    x = (x * 0xC2B2AE35) & 0xFFFFFFFF
    x ^= x >> 16
    return x < int(p * 4294967296.0)


AEIF = {
    "dc800": dict(params={"I_e": 800.0}),
    "dc2000": dict(params={"I_e": 2000.0}),
    "dc1000_ref2": dict(params={"I_e": 1000.0, "t_ref": 2.0}),
    "syn": dict(params={"I_e": 800.0}, ex=(1, 0.04, 40.0), inh=(2, 0.02, 15.0)),
    "syn_strong": dict(params={"I_e": 0.0}, ex=(3, 0.15, 120.0), inh=(4, 0.03, 25.0)),
}


def input_steps(seed, p):
    return [s for s in range(1, N_STEPS) if train(s, seed, p)]


def run_aeif(proto, h):
    nest.ResetKernel()
    nest.set_verbosity("M_ERROR")
    nest.resolution = h
    n = nest.Create("aeif_cond_exp", params=proto["params"])
    for key, sign in (("ex", 1.0), ("inh", -1.0)):
        if key in proto:
            seed, p, w = proto[key]
            times = [round(s * H, 10) for s in input_steps(seed, p)]
            g = nest.Create("spike_generator", params={"spike_times": times})
            nest.Connect(g, n, syn_spec={"weight": sign * w, "delay": H})
    sr = nest.Create("spike_recorder")
    nest.Connect(n, sr)
    mm = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": H})
    nest.Connect(mm, n)
    nest.Simulate(T_AEIF + 2.0)  # the multimeter hands over its last samples one slice late
    spikes = [int(math.ceil(t / H - 1e-6)) - 1 for t in sr.events["times"] if t <= T_AEIF + 1e-9]
    v = list(mm.events["V_m"])
    assert len(v) >= N_STEPS and abs(mm.events["times"][0] - H) < 1e-9
    return spikes, v[:N_STEPS]


def cxx_list(xs, fmt="{}", per_line=16):
    items = [fmt.format(x) for x in xs]
    lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return "{\n    " + (",\n    ".join(lines)) + "}" if lines else "{}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--traces", help="directory for V_m traces (numpy .npy, one per protocol)")
    ap.add_argument("--fine", action="store_true", help="compare with NEST at h = 0.001 ms")
    args = ap.parse_args()
    print(f"// NEST {nest.__version__}, scripts/reference/nest_model_references.py")
    for name, proto in AEIF.items():
        spikes, v = run_aeif(proto, H)
        print(f"// aeif_cond_exp {name} {proto}: {len(spikes)} spikes")
        print(f"const std::vector<int> aeif_{name}_spike_steps = {cxx_list(spikes)};")
        samples = [v[s] for s in range(SAMPLE_EVERY - 1, N_STEPS, SAMPLE_EVERY)]
        print(f"const std::vector<double> aeif_{name}_v = {cxx_list(samples, '{:.17g}', 4)};")
        if args.traces:
            import numpy as np
            np.save(f"{args.traces}/aeif_{name}_v.npy", np.array(v))
            np.save(f"{args.traces}/aeif_{name}_spikes.npy", np.array(spikes, dtype=np.int64))
        if args.fine:
            fine, _ = run_aeif(proto, 0.001)
            same = sum(1 for a, b in zip(spikes, fine) if a == b)
            print(f"//   NEST h=0.001 ms: {len(fine)} spikes, {same} in the same 0.1 ms step as h=0.1")

    # izhikevich: first spike with defaults and I_e = 10 (NEST starts at V_m = -65, U_m = -13).
    nest.ResetKernel()
    nest.resolution = H
    n = nest.Create("izhikevich", params={"I_e": 10.0})
    print(f"// izhikevich initial U_m = {n.get('U_m')!r}")
    sr = nest.Create("spike_recorder")
    nest.Connect(n, sr)
    nest.Simulate(200.0)
    steps = [int(round(t / H)) - 1 for t in sr.events["times"]]
    print(f"const std::vector<int> izhikevich_spike_steps = {cxx_list(steps)};")

    # iaf_psc_alpha with its default V_min = -inf and strong inhibition: V is not bounded.
    nest.ResetKernel()
    nest.resolution = H
    n = nest.Create("iaf_psc_alpha", params={"I_e": 400.0})
    print(f"// iaf_psc_alpha default V_min = {n.get('V_min')!r}")
    g = nest.Create("spike_generator", params={"spike_times": [50.0]})
    nest.Connect(g, n, syn_spec={"weight": -20000.0, "delay": H})
    sr = nest.Create("spike_recorder")
    nest.Connect(n, sr)
    mm = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": H})
    nest.Connect(mm, n)
    nest.Simulate(102.0)
    steps = [int(round(t / H)) - 1 for t in sr.events["times"]]
    v = list(mm.events["V_m"])[:1000]
    print(f"const std::vector<int> iaf_psc_alpha_spike_steps = {cxx_list(steps)};")
    print(f"// iaf_psc_alpha min V_m = {float(min(v))!r} at step {v.index(min(v))}")
    print(f"const std::vector<double> iaf_psc_alpha_v = {cxx_list(v[99::100], '{:.17g}', 4)};")
    return 0


if __name__ == "__main__":
    sys.exit(main())
