"""parrot_neuron against NEST 3.10 (neurons/include/neuromesh/neurons/parrot_neuron.hpp): spike
trains with repeated times (multiplicity) from three sources converge on two parrots through
weights NEST ignores (positive, negative, zero) and delays on and off the grid; the parrots drive
an iaf_psc_delta, whose V_m shows each repeated spike's weight times its multiplicity. The
parrots' spike steps (with multiplicity) and the target's V_m (exact integration: 1e-9 mV) must be
NEST's; then a poisson_generator drive onto a parrot must come out one spike per Poisson event
(its weight ignored), and what NEST refuses or ignores is refused."""
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
DURATION = 300.0
TRAINS = [  # (times, weight, delay, target parrot)
    ((10.0, 10.0, 50.0, 120.0, 120.0, 120.0, 200.0), 1.0, 1.0, 0),
    ((10.0, 60.0, 120.0, 250.0), -3.0, 1.0, 0),  # arrives with the first train's: multiplicity 3, 4
    ((30.0, 30.0, 149.9, 200.0), 0.0, 2.05, 1),  # weight 0 still counts; delay 2.05 -> 21 steps
]
TARGET_W = (2.5, -1.5)  # parrot -> iaf_psc_delta weights [mV]


def steps(times):
    return np.sort(np.rint(np.asarray(times, dtype=float) / DT).astype(np.int64))


def run_nest():
    nest.ResetKernel()
    nest.resolution = DT
    parrots = nest.Create("parrot_neuron", 2)
    target = nest.Create("iaf_psc_delta")
    for times, w, d, k in TRAINS:
        gen = nest.Create("spike_generator", params={"spike_times": list(times)})
        nest.Connect(gen, parrots[k], syn_spec={"weight": w, "delay": d})
    for k, w in enumerate(TARGET_W):
        nest.Connect(parrots[k], target, syn_spec={"weight": w, "delay": 1.0})
    recs = [nest.Create("spike_recorder") for _ in range(2)]
    for k in range(2):
        nest.Connect(parrots[k], recs[k])
    meter = nest.Create("multimeter", params={"interval": DT, "record_from": ["V_m"]})
    nest.Connect(meter, target)
    nest.Simulate(DURATION + 2 * DT)
    ev = meter.get("events")
    keep = steps(ev["times"]) <= round(DURATION / DT)
    order = np.argsort(ev["times"][keep])
    return [steps(r.get("events")["times"]) for r in recs], np.asarray(ev["V_m"][keep])[order]


def build_neuromesh():
    net = nm.Network(dt=DT, seed=1)
    parrots = net.population(2, nm.Model("parrot_neuron"), label="parrots")
    target = net.population(1, nm.Model("iaf_psc_delta"), label="target")
    for j, (times, w, d, k) in enumerate(TRAINS):
        src = net.population(1, nm.SpikeSourceArray(spike_times=list(times)), label=f"source{j}")
        net.connect(src, parrots[k:k + 1], nm.AllToAll(), nm.StaticSynapse(weight=w, delay=d))
    for k, w in enumerate(TARGET_W):
        net.connect(parrots[k:k + 1], target, nm.AllToAll(), nm.StaticSynapse(weight=w, delay=1.0))
    return net, parrots, target


def test_parrot_repeats_spikes_as_nest():
    nest_spikes, nest_v = run_nest()
    assert [len(s) for s in nest_spikes] == [11, 4]  # the protocol exercises multiplicity 2, 3 and 4
    net, parrots, target = build_neuromesh()
    sim = net.simulator(precision="double", threads=1)
    n = round(DURATION / DT)
    v = np.empty(n)
    got = [[], []]
    for s in range(1, n + 1):
        sim.step()
        v[s - 1] = sim.state(target, "V_m", [0])[0]
        for gid in sim.last_spikes(parrots):
            got[int(gid)].append(s)
    sim.close()
    for k in range(2):
        np.testing.assert_array_equal(np.asarray(got[k]), nest_spikes[k], err_msg=f"parrot {k}")
    assert np.max(np.abs(v - nest_v[:n])) <= table.EXACT_TOL

    net, parrots, _ = build_neuromesh()
    parrots.record("spikes")
    net.run(DURATION, threads=2, precision="float")
    ids, times = parrots.spikes
    for k in range(2):
        np.testing.assert_array_equal(steps(np.asarray(times)[np.asarray(ids) == k]), nest_spikes[k])


def test_poisson_drive_counts_events_not_weights():
    """One parrot per weight under the same Poisson drive seed: the spike trains are the Poisson
    counts, identical whatever the weight (NEST ignores it), with repeats at a high rate."""
    trains = []
    for w in (0.5, 7.0):
        net = nm.Network(dt=DT, seed=5)
        p = net.population(20, nm.Model("parrot_neuron"), label="p")
        net.poisson_input(p, rate=3000.0, weight=w)
        p.record("spikes")
        net.run(100.0, threads=1)
        ids, times = p.spikes
        trains.append(sorted(zip(np.asarray(ids).tolist(), steps(times).tolist())))
    assert trains[0] == trains[1]
    n = len(trains[0])
    assert abs(n - 20 * 3000.0 * 0.1) < 5 * np.sqrt(20 * 300.0)  # the Poisson mean, 5 sigma
    assert len(set(trains[0])) < n  # some steps carry two or more events: multiplicity


@pytest.mark.parametrize("what", ["inhibitory receptor", "dc", "plastic"])
def test_refused(what):
    net = nm.Network(dt=DT)
    src = net.population(1, nm.SpikeSourceArray(spike_times=[1.0]), label="s")
    p = net.population(1, nm.Model("parrot_neuron"), label="p")
    if what == "inhibitory receptor":
        net.connect(src, p, nm.OneToOne(), nm.StaticSynapse(weight=1.0, delay=1.0), receptor="inhibitory")
    elif what == "dc":
        nm.DCSource(0.1, 0.0, 5.0).inject_into(p)
    else:
        net.connect(src, p, nm.OneToOne(), nm.STDPSynapse(weight=1.0, delay=1.0))
    with pytest.raises(nm.ConfigError, match="parrot"):
        net.run(5.0, threads=1)
