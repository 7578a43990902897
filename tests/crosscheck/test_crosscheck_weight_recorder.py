"""The weight recorder against NEST 3.10's weight_recorder (docs/plasticity.md, "Weight
recorder"): stdp_synapse all-to-all from presynaptic parrots (spike_source_array in neuromesh) onto
driven iaf_psc_exp neurons, 20 Hz Poisson trains for 5 s, a recorder restricted to some senders
and targets. Every event -- time, sender, target -- identical, and each weight equal to NEST's to
1e-12 relative (double precision); delays 1.0 and 0.1 ms."""
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import crosscheck_table as table  # noqa: E402

table.require_nest()

import neuromesh as nm  # noqa: E402
from plasticity_runs import DT, TARGETS, poisson_protocol  # noqa: E402

nest = table.nest
SYN = {"weight": 50.0, "Wmax": 100.0, "lambda": 0.02, "alpha": 1.05, "mu_plus": 0.0, "mu_minus": 0.0}
N_PRE, N_POST = 6, 4
SENDERS, TARGETS_REC = [0, 2, 3], [1, 3]  # recorded synapses: these pre x these post


def protocol():
    pre, post, _ = poisson_protocol(n=max(N_PRE, N_POST), duration=5000.0, seed=11)
    return pre[:N_PRE], post[:N_POST], 5050.0


def run_nest(pre, post, duration, delay):
    nest.ResetKernel()
    nest.resolution = DT
    params, drive_w = TARGETS["iaf_psc_exp"]
    gens = nest.Create("spike_generator", N_PRE, params=[{"spike_times": [t - DT for t in tr]} for tr in pre])
    parrots = nest.Create("parrot_neuron", N_PRE)
    nest.Connect(gens, parrots, "one_to_one", {"delay": DT})
    drivers = nest.Create("spike_generator", N_POST, params=[{"spike_times": tr} for tr in post])
    neurons = nest.Create("iaf_psc_exp", N_POST, params=params)
    nest.Connect(drivers, neurons, "one_to_one", {"weight": drive_w, "delay": DT})
    wr = nest.Create("weight_recorder", params={"senders": parrots[SENDERS], "targets": neurons[TARGETS_REC]})
    nest.CopyModel("stdp_synapse", "stdp_recorded", {"weight_recorder": wr})
    nest.Connect(parrots, neurons, "all_to_all", {"synapse_model": "stdp_recorded", "delay": delay, **SYN})
    nest.Simulate(duration)
    ev = wr.get("events")
    rows = sorted(zip(np.asarray(ev["times"]), np.asarray(ev["senders"]) - parrots[0].global_id,
                      np.asarray(ev["targets"]) - neurons[0].global_id, np.asarray(ev["weights"])))
    return np.array(rows)


def run_neuromesh(pre, post, duration, delay, threads=1):
    params, drive_w = TARGETS["iaf_psc_exp"]
    net = nm.Network(dt=DT)
    src = net.population(N_PRE, nm.SpikeSourceArray(spike_times=pre), label="pre")
    drv = net.population(N_POST, nm.SpikeSourceArray(spike_times=post), label="drive")
    cells = net.population(N_POST, nm.Model("iaf_psc_exp", **params), label="post")
    net.connect(drv, cells, nm.OneToOne(), nm.StaticSynapse(weight=drive_w, delay=DT))
    proj = net.connect(src, cells, nm.AllToAll(), {"synapse_model": "stdp_synapse", "delay": delay, **SYN})
    net.record_weights(proj, pre=SENDERS, post=TARGETS_REC)
    result = net.run(duration, threads=threads, precision="double")
    w = result.weights(proj)
    net.reset()
    return np.column_stack([w["times"], w["pre"], w["post"], w["weight"]])


@pytest.mark.parametrize("delay", [1.0, 0.1])
def test_weight_recorder_events_equal_nests(delay):
    pre, post, duration = protocol()
    ref = run_nest(pre, post, duration, delay)
    got = run_neuromesh(pre, post, duration, delay)
    assert len(ref) > 200, "the protocol must record many updates"
    assert got.shape == ref.shape
    np.testing.assert_array_equal(np.round(got[:, 0] / DT), np.round(ref[:, 0] / DT))  # spike times, in steps
    np.testing.assert_array_equal(got[:, 1:3], ref[:, 1:3])
    assert np.ptp(ref[:, 3]) > 1.0, "the weights must change"
    np.testing.assert_allclose(got[:, 3], ref[:, 3], rtol=1e-12, atol=0)
