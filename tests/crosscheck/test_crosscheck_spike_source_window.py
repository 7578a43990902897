"""spike_source_array's start / stop / origin against NEST 3.10's spike_generator
(neurons/include/neuromesh/neurons/spike_source_array.hpp): NEST emits a spike time t at origin + t,
and only when start < t <= stop. Spike trains with times on, inside and beyond the window
bounds drive parrots in both simulators; the parrots' spike steps must be NEST's. Off-grid bounds
and stop < start are refused, naming the parameter."""
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
TIMES = [0.1, 1.0, 2.0, 2.1, 3.0, 3.9, 4.0, 4.1, 5.0, 6.0, 6.0, 7.5]
WINDOWS = [  # (start, stop, origin); None: the default
    (2.0, 4.0, None),
    (None, 3.9, None),
    (2.1, None, None),
    (1.0, 3.0, 1.0),
    (0.0, 0.0, 2.0),  # empty window
    (4.0, 6.0, 0.0),  # the repeated 6.0 counts twice
]


def steps(times):
    return np.sort(np.rint(np.asarray(times, dtype=float) / DT).astype(np.int64))


def window_params(w):
    return {k: v for k, v in zip(("start", "stop", "origin"), w) if v is not None}


def run_nest():
    nest.ResetKernel()
    nest.resolution = DT
    out = []
    for w in WINDOWS:
        gen = nest.Create("spike_generator", params={"spike_times": TIMES, **window_params(w)})
        parrot = nest.Create("parrot_neuron")
        nest.Connect(gen, parrot)
        rec = nest.Create("spike_recorder")
        nest.Connect(parrot, rec)
        out.append(rec)
    nest.Simulate(12.0)
    return [steps(r.get("events")["times"]) for r in out]


def test_window_as_nest():
    expected = run_nest()
    assert [len(e) for e in expected] == [4, 6, 8, 3, 0, 4]  # the protocol exercises every bound
    net = nm.Network(dt=DT, seed=1)
    parrots = []
    for j, w in enumerate(WINDOWS):
        src = net.population(1, nm.SpikeSourceArray(spike_times=TIMES, **window_params(w)), label=f"s{j}")
        p = net.population(1, nm.Model("parrot_neuron"), label=f"p{j}")
        net.connect(src, p, nm.OneToOne(), nm.StaticSynapse(weight=1.0, delay=1.0))
        p.record("spikes")
        parrots.append(p)
    net.run(12.0, threads=2)
    for j, p in enumerate(parrots):
        _, times = p.spikes
        np.testing.assert_array_equal(steps(times), expected[j], err_msg=f"window {WINDOWS[j]}")


@pytest.mark.parametrize("params, match", [({"start": 1.05}, "start"), ({"start": 3.0, "stop": 2.0}, "stop"),
                                           ({"origin": -1.0}, "origin")])
def test_bad_window_refused(params, match):
    net = nm.Network(dt=DT)
    net.population(1, nm.SpikeSourceArray(spike_times=[1.0], **params), label="s")
    with pytest.raises(nm.ConfigError, match=match):
        net.run(1.0, threads=1)
