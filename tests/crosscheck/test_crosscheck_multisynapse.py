"""iaf_psc_exp_multisynapse and iaf_psc_alpha_multisynapse against NEST 3.10
(neurons/include/neuromesh/neurons/iaf_psc_*_multisynapse.hpp, multisynapse.hpp): one neuron with
four receptor ports of different tau_syn (one close to tau_m -- alpha: equal to it, the
propagators' singular limit; NEST refuses equality for the exp model),
driven near threshold by I_e, receives spike trains on every port with weights of both signs --
one port gets both signs, as NEST allows -- through connections with NEST's receptor_type 1..4.
The spike steps must be NEST's and V_m within EXACT_TOL (exact integration in double precision,
NEST's order of operations) at every step; a float run keeps NEST's spike steps here too. Then
what NEST refuses (receptor_type 0 and n + 1) is refused, naming the projection."""
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import crosscheck_table as table  # noqa: E402

table.require_nest()

import neuromesh as nm  # noqa: E402

nest = table.nest
DT = table.DT
DURATION = 400.0
TAU_SYN = {"iaf_psc_exp_multisynapse": [2.0, 5.0, 0.5, 9.99],  # ms; tau_m is 10 ms (NEST's default)
           "iaf_psc_alpha_multisynapse": [2.0, 5.0, 0.5, 10.0]}


def params(model):
    return {"tau_syn": TAU_SYN[model], "I_e": 360.0, "t_ref": 2.0}
TRAINS = [  # (times ms, weight pA, delay ms, receptor_type)
    ((5.0, 20.0, 20.0, 61.3, 140.0, 250.0, 251.0), 180.0, 1.0, 1),
    ((30.0, 80.0, 80.5, 150.0, 300.0), -250.0, 1.5, 2),
    ((12.0, 45.0, 100.0, 100.1, 200.0, 320.0), 900.0, 1.0, 3),
    ((50.0, 205.0, 330.0), -700.0, 2.0, 3),  # port 3 takes both signs
    ((90.0, 170.0, 172.0, 280.0, 350.0), 60.0, 1.0, 4),
]
MODELS = ["iaf_psc_exp_multisynapse", "iaf_psc_alpha_multisynapse"]


def steps(times):
    return np.sort(np.rint(np.asarray(times, dtype=float) / DT).astype(np.int64))


def run_nest(model):
    nest.ResetKernel()
    nest.resolution = DT
    neuron = nest.Create(model, params=params(model))
    for times, w, d, port in TRAINS:
        gen = nest.Create("spike_generator", params={"spike_times": list(times)})
        nest.Connect(gen, neuron, syn_spec={"weight": w, "delay": d, "receptor_type": port})
    rec = nest.Create("spike_recorder")
    nest.Connect(neuron, rec)
    meter = nest.Create("multimeter", params={"interval": DT, "record_from": ["V_m"]})
    nest.Connect(meter, neuron)
    nest.Simulate(DURATION + 2 * DT)
    ev = meter.get("events")
    keep = steps(ev["times"]) <= round(DURATION / DT)
    order = np.argsort(ev["times"][keep])
    return steps(rec.get("events")["times"]), np.asarray(ev["V_m"][keep])[order]


def build_neuromesh(model, receptor_types=None):
    net = nm.Network(dt=DT, seed=1)
    neuron = net.population(1, nm.Model(model, **params(model)), label="neuron")
    for j, (times, w, d, port) in enumerate(TRAINS):
        src = net.population(1, nm.SpikeSourceArray(spike_times=list(times)), label=f"source{j}")
        rt = port if receptor_types is None else receptor_types[j]
        net.connect(src, neuron, nm.AllToAll(), nm.StaticSynapse(weight=w, delay=d), receptor_type=rt)
    return net, neuron


@pytest.mark.parametrize("model", MODELS)
def test_ports_as_nest(model):
    nest_spikes, nest_v = run_nest(model)
    assert len(nest_spikes) >= 5  # the protocol makes the neuron fire
    net, neuron = build_neuromesh(model)
    sim = net.simulator(precision="double", threads=1)
    n = round(DURATION / DT)
    v = np.empty(n)
    got = []
    for s in range(1, n + 1):
        sim.step()
        v[s - 1] = sim.state(neuron, "V_m", [0])[0]
        if len(sim.last_spikes(neuron)):
            got.append(s)
    sim.close()
    np.testing.assert_array_equal(np.asarray(got), nest_spikes)
    err = np.max(np.abs(v - nest_v[:n]))
    assert err <= table.EXACT_TOL, f"max |V_m - NEST| = {err:.3g} mV"

    net, neuron = build_neuromesh(model)
    neuron.record("spikes")
    net.run(DURATION, threads=2, precision="float")
    _, times = neuron.spikes
    np.testing.assert_array_equal(steps(times), nest_spikes)


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("port", [0, 5])
def test_receptor_type_out_of_range_refused(model, port):
    nest.ResetKernel()
    neuron = nest.Create(model, params={"tau_syn": TAU_SYN[model]})
    gen = nest.Create("spike_generator")
    with pytest.raises(Exception, match="Receptor type"):
        nest.Connect(gen, neuron, syn_spec={"receptor_type": port})
    types = [t[3] for t in TRAINS]
    types[1] = port
    net, _ = build_neuromesh(model, types)
    with pytest.raises(nm.ConfigError, match=r"projections\[1\].*receptor_type"):
        net.run(5.0, threads=1)
