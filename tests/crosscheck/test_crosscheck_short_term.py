"""tsodyks2_synapse against NEST 3.10 (issue "Synaptic plasticity"): Poisson trains from parrot
neurons (NEST) / spike_source_array (neuromesh) through tsodyks2_synapse onto iaf_psc_delta
neurons that only integrate (E_L = 0, no threshold in reach, tau_m 1e9 ms), so V_m is the sum of
the transmitted w u x. V_m is compared every 100 ms for depressing, facilitating and mixed
parameters and delays 1.0 / 0.1 ms (the fixed-point input carries 2^-32 mV per spike: 1e-8 mV)."""
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import crosscheck_table as table  # noqa: E402

if table.nest is None:
    pytest.skip(f"NEST is not importable ({table.NEST_IMPORT_ERROR}); pip install nest-simulator",
                allow_module_level=True)

import neuromesh as nm  # noqa: E402

nest = table.nest
DT = 0.1
CELL = {"E_L": 0.0, "V_reset": 0.0, "V_th": 1e9, "tau_m": 1e9, "C_m": 1.0, "t_ref": 0.1}
PARAMS = {
    "depressing": {"U": 0.5, "u": 0.5, "x": 1.0, "tau_rec": 800.0, "tau_fac": 0.0},
    "facilitating": {"U": 0.1, "u": 0.1, "x": 1.0, "tau_rec": 100.0, "tau_fac": 1000.0},
    "mixed": {"U": 0.3, "u": 0.2, "x": 0.9, "tau_rec": 120.0, "tau_fac": 60.0},
}


def trains(n=6, rate=20.0, duration=1000.0, seed=11):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        t = np.cumsum(rng.exponential(1000.0 / rate, int(rate * duration / 1000 * 3)))
        out.append(sorted({round(x / DT) * DT for x in t if 1.0 < x < duration}))
    return out


def v_nest(pre, syn, delay, checkpoints):
    nest.ResetKernel()
    nest.resolution = DT
    n = len(pre)
    gens = nest.Create("spike_generator", n, params=[{"spike_times": [t - DT for t in tr]} for tr in pre])
    parrots = nest.Create("parrot_neuron", n)
    nest.Connect(gens, parrots, "one_to_one", {"delay": DT})
    cells = nest.Create("iaf_psc_delta", n, params={**CELL, "V_m": 0.0})
    nest.Connect(parrots, cells, "one_to_one", {"synapse_model": "tsodyks2_synapse", "delay": delay, **syn})
    out, now = [], 0.0
    for t in checkpoints:
        nest.Simulate(t - now)
        now = t
        out.append(np.asarray(cells.get("V_m"), dtype=float))
    return np.array(out)


def v_neuromesh(pre, syn, delay, checkpoints):
    n = len(pre)
    net = nm.Network(dt=DT)
    src = net.population(n, nm.SpikeSourceArray(spike_times=pre), label="pre")
    cells = net.population(n, nm.Model("iaf_psc_delta", **CELL), label="post")
    net.connect(src, cells, nm.OneToOne(), {"synapse_model": "tsodyks2_synapse", "delay": delay, **syn})
    sim = net.simulator(threads=1, precision="double")
    out, now = [], 0.0
    for t in checkpoints:
        sim.advance(t - now)
        now = t
        out.append(np.asarray(sim.state(cells, "V_m"), dtype=float))
    sim.close()
    return np.array(out)


@pytest.mark.parametrize("delay", [1.0, 0.1])
@pytest.mark.parametrize("name", sorted(PARAMS))
def test_tsodyks2_transmits_nests_weights(name, delay):
    pre = trains()
    syn = {"weight": 10.0, **PARAMS[name]}
    checkpoints = [100.0 * k for k in range(1, 11)]
    a, b = v_nest(pre, syn, delay, checkpoints), v_neuromesh(pre, syn, delay, checkpoints)
    assert np.all(a[-1] > 10.0), "every neuron must have received spikes"
    np.testing.assert_allclose(b, a, rtol=0, atol=1e-7)
    # The factor u x must matter: a static synapse would give a different sum.
    static = 10.0 * np.array([[sum(1 for t in tr if t + delay < c) for tr in pre] for c in checkpoints])
    assert np.max(np.abs(static - a)) > 1.0
