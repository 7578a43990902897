"""Short-term plasticity against NEST 3.10 (issue "Synaptic plasticity"): tsodyks2_synapse and
tsodyks_synapse, depressing, facilitating and mixed parameters, delays 1.0 and 0.1 ms.

1. What every presynaptic spike transmits (w u x): NEST's weight_recorder is not comparable to
   neuromesh's stored weight (which never changes), so both simulators drive one integrating
   iaf_psc_delta per source (no threshold in reach, tau_m 1e12 ms) and the increase of V_m over each
   1 ms interval -- the sum of the amplitudes that arrived in it, 0 or 1 spike mostly -- is compared.
   Weights of 2e4 mV make the fixed-point input's resolution (2^-32 mV per spike, fixed_point.hpp)
   a relative ~1e-12 of the smallest amplitude: amplitudes agree to 1e-12 relative plus that
   resolution and a few ulps of V_m (measured: about 1e-12 relative at worst).
2. Spiking targets: the same Poisson trains through the same synapses onto iaf_psc_exp and
   iaf_cond_exp neurons that fire: identical spike times."""
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import crosscheck_table as table  # noqa: E402

nest = table.require_nest()

import neuromesh as nm  # noqa: E402

DT = 0.1
CELL = {"E_L": 0.0, "V_reset": 0.0, "V_th": 1e15, "tau_m": 1e12, "C_m": 1.0, "t_ref": 0.1}
RULES = {
    "tsodyks2 depressing": ("tsodyks2_synapse", {"U": 0.5, "u": 0.5, "x": 1.0, "tau_rec": 800.0, "tau_fac": 0.0}),
    "tsodyks2 facilitating": ("tsodyks2_synapse", {"U": 0.1, "u": 0.1, "x": 1.0, "tau_rec": 100.0,
                                                   "tau_fac": 1000.0}),
    "tsodyks2 mixed": ("tsodyks2_synapse", {"U": 0.3, "u": 0.2, "x": 0.9, "tau_rec": 120.0, "tau_fac": 60.0}),
    "tsodyks depressing": ("tsodyks_synapse", {"U": 0.5, "tau_psc": 3.0, "tau_rec": 800.0, "tau_fac": 0.0}),
    "tsodyks facilitating": ("tsodyks_synapse", {"U": 0.1, "tau_psc": 2.0, "tau_rec": 100.0, "tau_fac": 1000.0}),
    "tsodyks mixed": ("tsodyks_synapse", {"U": 0.3, "u": 0.2, "x": 0.7, "y": 0.2, "tau_psc": 10.0,
                                          "tau_rec": 120.0, "tau_fac": 60.0}),
}


def trains(n=6, rate=20.0, duration=2000.0, seed=11):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        t = np.cumsum(rng.exponential(1000.0 / rate, int(rate * duration / 1000 * 3)))
        out.append(sorted({round(x / DT) * DT for x in t if 1.0 < x < duration}))
    return out


def nest_sources(pre):
    """A fresh NEST kernel and parrot neurons repeating the trains `pre` (their generators fire one
    step early; parrots repeat one step later)."""
    nest.ResetKernel()
    nest.resolution = DT
    gens = nest.Create("spike_generator", len(pre), params=[{"spike_times": [t - DT for t in tr]} for tr in pre])
    parrots = nest.Create("parrot_neuron", len(pre))
    nest.Connect(gens, parrots, "one_to_one", {"delay": DT})
    return parrots


def v_nest(pre, synapse_model, syn, delay, duration):
    n = len(pre)
    parrots = nest_sources(pre)
    cells = nest.Create("iaf_psc_delta", n, params={**CELL, "V_m": 0.0})
    nest.Connect(parrots, cells, "one_to_one", {"synapse_model": synapse_model, "delay": delay, **syn})
    mm = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": 1.0})
    nest.Connect(mm, cells)
    nest.Simulate(duration + 1.0)  # the multimeter's sample at `duration` is taken in the step after it
    ev = mm.get("events")
    out = np.zeros((int(round(duration)) + 1, n))
    steps = np.round(np.asarray(ev["times"])).astype(int) - 1
    cols = np.asarray(ev["senders"]) - cells[0].global_id
    out[steps, cols] = ev["V_m"]
    return out[:-1]


def v_neuromesh(pre, synapse_model, syn, delay, duration):
    n = len(pre)
    net = nm.Network(dt=DT)
    src = net.population(n, nm.SpikeSourceArray(spike_times=pre), label="pre")
    cells = net.population(n, nm.Model("iaf_psc_delta", **CELL), label="post")
    net.connect(src, cells, nm.OneToOne(), {"synapse_model": synapse_model, "delay": delay, **syn})
    sim = net.simulator(threads=1, precision="double")
    out = []
    for _ in range(int(round(duration))):
        sim.advance(1.0)
        out.append(np.asarray(sim.state(cells, "V_m"), dtype=float))
    sim.close()
    return np.array(out)


@pytest.mark.parametrize("delay", [1.0, 0.1])
@pytest.mark.parametrize("rule", sorted(RULES))
def test_amplitude_of_every_spike_equals_nests(rule, delay):
    synapse_model, params = RULES[rule]
    pre = trains()
    w = 2.0e4
    syn = {"weight": w, **params}
    a = v_nest(pre, synapse_model, syn, delay, 2000.0)
    b = v_neuromesh(pre, synapse_model, syn, delay, 2000.0)
    da, db = np.diff(a, axis=0, prepend=0.0), np.diff(b, axis=0, prepend=0.0)
    arrived = da > 1.0  # intervals with at least one spike (amplitudes >= w U x ~ 100 mV here)
    assert arrived.sum() > 150, "the sources must have spiked"
    # Resolution of the measurement: the fixed-point input (2^-32 mV per spike) and the rounding of
    # V_m itself (a few ulps of V_m, which grows to ~1e5 mV: 1e-11 mV per ulp).
    atol = 4 * 2.0**-32 + 4 * np.spacing(np.max(np.abs(a)))
    np.testing.assert_allclose(db[arrived], da[arrived], rtol=1e-12, atol=atol)
    np.testing.assert_allclose(db[~arrived], da[~arrived], rtol=0, atol=atol)
    # The rule must matter: amplitudes vary by far more than the tolerance.
    amplitudes = da[arrived]
    assert amplitudes.max() - amplitudes.min() > 0.05 * w


# Spiking targets: drive strong enough that the targets fire, weak enough that the short-term
# factor decides when (psc: pA; cond: nS).
SPIKING = {"iaf_psc_exp": 3000.0, "iaf_cond_exp": 300.0}


def spikes_nest(model, pre, synapse_model, syn, delay, duration):
    n = len(pre)
    parrots = nest_sources(pre)
    cells = nest.Create(model, n)
    nest.Connect(parrots, cells, "all_to_all", {"synapse_model": synapse_model, "delay": delay, **syn})
    rec = nest.Create("spike_recorder")
    nest.Connect(cells, rec)
    nest.Simulate(duration)
    ev = rec.get("events")
    return sorted(zip(np.asarray(ev["senders"]) - cells[0].global_id, np.round(ev["times"] / DT).astype(int)))


def spikes_neuromesh(model, pre, synapse_model, syn, delay, duration):
    n = len(pre)
    net = nm.Network(dt=DT)
    src = net.population(n, nm.SpikeSourceArray(spike_times=pre), label="pre")
    cells = net.population(n, nm.Model(model), label="post")
    net.connect(src, cells, nm.AllToAll(), {"synapse_model": synapse_model, "delay": delay, **syn})
    cells.record("spikes")
    net.run(duration, threads=1, precision="double")
    ids, times = cells.spikes
    out = sorted(zip(np.asarray(ids), np.round(np.asarray(times) / DT).astype(int)))
    net.reset()
    return out


@pytest.mark.parametrize("delay", [1.0, 0.1])
@pytest.mark.parametrize("model", sorted(SPIKING))
@pytest.mark.parametrize("rule", ["tsodyks2 mixed", "tsodyks mixed", "tsodyks facilitating"])
def test_spiking_targets_fire_at_nests_times(rule, model, delay):
    synapse_model, params = RULES[rule]
    pre = trains(n=8, rate=20.0, duration=2000.0, seed=5)
    syn = {"weight": SPIKING[model], **params}
    a = spikes_nest(model, pre, synapse_model, syn, delay, 2000.0)
    b = spikes_neuromesh(model, pre, synapse_model, syn, delay, 2000.0)
    assert len(a) > 20, "the targets must fire"
    assert [(int(i), int(s)) for i, s in b] == [(int(i), int(s)) for i, s in a]
