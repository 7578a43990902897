"""The conductance-based multisynapse models against NEST 3.10 (neurons/include/neuromesh/neurons/
aeif_cond_alpha_multisynapse.hpp, aeif_cond_beta_multisynapse.hpp): one neuron with three receptor
ports of different time constants and E_rev (fast excitatory, slow excitatory, inhibitory; the beta
model's port 2 with tau_rise == tau_decay, NEST's alpha case of its normalisation), held below
threshold by I_e, receives spike trains on every port through NEST's receptor_type 1..3, with
supra-threshold volleys that make it fire (the upswing and the reset with b included). The spike
steps must be NEST's, V_m within AEIF_TOL (the aeif family's tolerance, crosscheck_table.py: both
integrate with RKF45 and GSL's step-size control; neuromesh integrates the upswing in u) and each
port's conductance g_r within G_TOL of NEST's at every step; a float run keeps NEST's spike steps.
Measured (double): alpha 15 spikes in NEST's steps, max |dV_m| 1.7e-4 mV, max |dg_r| 3.5e-7 nS (on
a 94 nS peak); beta 13 spikes in NEST's steps, max |dV_m| 2.5e-4 mV, max |dg_r| 1.1e-7 nS (on a
134 nS peak). Then what NEST refuses -- receptor_type 0 and n + 1, a negative weight, lists of
different lengths, (beta) a rise time above the decay time or a time constant <= 0 -- is refused,
naming the projection or parameter."""
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
AEIF_TOL = table.MODEL_BY_NAME["aeif_cond_alpha"].tol  # mV
G_TOL = 1e-5  # nS: linear ODEs under the same RKF45 control
COMMON = {"I_e": 450.0, "t_ref": 1.0, "V_reset": -55.0, "b": 40.0}
# model -> its per-port lists (NEST's names)
PORT_LISTS = {
    "aeif_cond_alpha_multisynapse": {"tau_syn": [0.5, 5.0, 2.0], "E_rev": [0.0, 0.0, -85.0]},
    "aeif_cond_beta_multisynapse": {"tau_rise": [0.2, 3.0, 0.5], "tau_decay": [1.7, 3.0, 8.0],
                                    "E_rev": [0.0, 0.0, -85.0]},
}
MODELS = list(PORT_LISTS)
TRAINS = [  # (times ms, weight nS, delay ms, receptor_type)
    ((5.0, 20.0, 20.0, 61.3, 140.0, 250.0, 251.0), 8.0, 1.0, 1),
    ((30.0, 80.0, 80.5, 150.0, 300.0), 3.0, 1.5, 2),
    ((12.0, 45.0, 100.0, 100.1, 200.0, 320.0), 6.0, 1.0, 3),
    ((110.0, 111.0, 112.0, 260.0, 261.0, 262.0, 263.0, 340.0, 341.0), 60.0, 2.0, 1),  # volleys: spikes
    ((170.0, 171.0, 172.0, 173.0, 174.0), 25.0, 1.0, 2),
]
PORTS = 3


def steps(times):
    return np.sort(np.rint(np.asarray(times, dtype=float) / DT).astype(np.int64))


def run_nest(model):
    nest.ResetKernel()
    nest.resolution = DT
    neuron = nest.Create(model, params={**COMMON, **PORT_LISTS[model]})
    for times, w, d, port in TRAINS:
        gen = nest.Create("spike_generator", params={"spike_times": list(times)})
        nest.Connect(gen, neuron, syn_spec={"weight": w, "delay": d, "receptor_type": port})
    rec = nest.Create("spike_recorder")
    nest.Connect(neuron, rec)
    names = ["V_m"] + [f"g_{r + 1}" for r in range(PORTS)]
    meter = nest.Create("multimeter", params={"interval": DT, "record_from": names})
    nest.Connect(meter, neuron)
    nest.Simulate(DURATION + 2 * DT)
    ev = meter.get("events")
    keep = steps(ev["times"]) <= round(DURATION / DT)
    order = np.argsort(ev["times"][keep])
    return steps(rec.get("events")["times"]), {n: np.asarray(ev[n][keep])[order] for n in names}


def build_neuromesh(model, lists=None, receptor_types=None, weights=None):
    net = nm.Network(dt=DT, seed=1)
    neuron = net.population(1, nm.Model(model, **COMMON, **(lists or PORT_LISTS[model])), label="neuron")
    for j, (times, w, d, port) in enumerate(TRAINS):
        src = net.population(1, nm.SpikeSourceArray(spike_times=list(times)), label=f"source{j}")
        rt = port if receptor_types is None else receptor_types[j]
        w = w if weights is None else weights[j]
        net.connect(src, neuron, nm.AllToAll(), nm.StaticSynapse(weight=w, delay=d), receptor_type=rt)
    return net, neuron


@pytest.mark.parametrize("model", MODELS)
def test_ports_as_nest(model):
    nest_spikes, nest_state = run_nest(model)
    assert len(nest_spikes) >= 5  # the volleys make the neuron fire
    net, neuron = build_neuromesh(model)
    sim = net.simulator(precision="double", threads=1)
    n = round(DURATION / DT)
    names = list(nest_state)
    got_state = {name: np.empty(n) for name in names}
    got = []
    for s in range(1, n + 1):
        sim.step()
        for name in names:
            got_state[name][s - 1] = sim.state(neuron, name, [0])[0]
        if len(sim.last_spikes(neuron)):
            got.append(s)
    sim.close()
    np.testing.assert_array_equal(np.asarray(got), nest_spikes)
    err = np.max(np.abs(got_state["V_m"] - nest_state["V_m"][:n]))
    assert err <= AEIF_TOL, f"max |V_m - NEST| = {err:.3g} mV"
    for r in range(PORTS):
        name = f"g_{r + 1}"
        assert np.max(nest_state[name]) > 1.0  # every port is driven
        g_err = np.max(np.abs(got_state[name] - nest_state[name][:n]))
        assert g_err <= G_TOL, f"max |{name} - NEST| = {g_err:.3g} nS"

    net, neuron = build_neuromesh(model)  # float, 2 threads: NEST's spike steps here too (measured)
    neuron.record("spikes")
    net.run(DURATION, threads=2, precision="float")
    _, times = neuron.spikes
    np.testing.assert_array_equal(steps(times), nest_spikes)


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("port", [0, PORTS + 1])
def test_receptor_type_out_of_range_refused(model, port):
    nest.ResetKernel()
    neuron = nest.Create(model, params=PORT_LISTS[model])
    gen = nest.Create("spike_generator")
    with pytest.raises(Exception, match="Receptor type"):
        nest.Connect(gen, neuron, syn_spec={"receptor_type": port})
    types = [t[3] for t in TRAINS]
    types[1] = port
    net, _ = build_neuromesh(model, receptor_types=types)
    with pytest.raises(nm.ConfigError, match=r"projections\[1\].*receptor_type"):
        net.run(5.0, threads=1)


@pytest.mark.parametrize("model", MODELS)
def test_negative_weight_refused(model):
    nest.ResetKernel()
    neuron = nest.Create(model, params=PORT_LISTS[model])
    gen = nest.Create("spike_generator", params={"spike_times": [1.0]})
    nest.Connect(gen, neuron, syn_spec={"weight": -1.0, "receptor_type": 3})
    with pytest.raises(Exception, match="must be positive"):
        nest.Simulate(5.0)
    weights = [t[1] for t in TRAINS]
    weights[2] = -1.0
    net, _ = build_neuromesh(model, weights=weights)
    with pytest.raises(nm.ConfigError, match=r"projections\[2\].*weight.*>= 0"):
        net.run(5.0, threads=1)


@pytest.mark.parametrize("model,change,nest_error,slot", [
    ("aeif_cond_alpha_multisynapse", {"E_rev": [0.0, -85.0]}, "same size", r"E_rev\[3\]"),
    ("aeif_cond_beta_multisynapse", {"E_rev": [0.0, -85.0]}, "same size", r"E_rev\[3\]"),
    ("aeif_cond_beta_multisynapse", {"tau_rise": [0.2, 3.0, 0.5, 1.0]}, "same size", r"tau_rise\[4\]"),
    ("aeif_cond_beta_multisynapse", {"tau_rise": [0.2, 3.5, 0.5]}, "smaller than or equal to decay time",
     r"tau_rise\[2\]"),
    ("aeif_cond_beta_multisynapse", {"tau_decay": [1.7, 3.0, -8.0]}, "strictly positive", r"tau_decay\[3\]"),
])
def test_lists_refused_as_nest(model, change, nest_error, slot):
    lists = {**PORT_LISTS[model], **change}
    nest.ResetKernel()
    with pytest.raises(Exception, match=nest_error):
        nest.Create(model, params=lists)
    net, _ = build_neuromesh(model, lists=lists)
    with pytest.raises(nm.ConfigError, match=slot):
        net.run(5.0, threads=1)
