"""The runners the plasticity crosschecks share (test_crosscheck_stdp.py, test_crosscheck_short_term.py):
the same spike trains in NEST 3.10 and neuromesh, and what each synapse does at every presynaptic
spike.

Presynaptic trains come from parrot neurons in NEST (their generators fire one step early; parrots
repeat one step later) and from spike_source_array in neuromesh; postsynaptic neurons (iaf_psc_exp,
iaf_cond_exp) are forced to fire at given times by a strong driver with short synaptic time
constants, so both simulators see the same pre and post spike times (checked: identical steps).
One synapse per (source, target) pair, one_to_one.

Weights after every presynaptic spike: NEST's weight_recorder (on a CopyModel of the synapse
model); neuromesh's Simulator read after each presynaptic spike has been delivered (spikes of a
step are delivered at the start of the next one, so at t_pre + dt). tau_minus and
tau_minus_triplet are neuron parameters in NEST and projection parameters in neuromesh."""
import numpy as np

import crosscheck_table as table
import neuromesh as nm

DT = 0.1
# The driver: one spike makes its neuron fire within a step or two; short synaptic time constants
# so the driven current is gone before the refractory period ends (no extra spikes).
TARGETS = {
    "iaf_psc_exp": ({"tau_syn_ex": 0.2, "tau_syn_in": 0.2}, 2.0e5),
    "iaf_cond_exp": ({"tau_syn_ex": 0.2, "tau_syn_in": 0.2}, 3.0e3),
}
NEURON_KEYS = ("tau_minus", "tau_minus_triplet")  # on the postsynaptic neuron in NEST


def on_grid(times):
    return sorted({round(float(t) / DT) * DT for t in times if t > 1.0})


def pair_protocol():
    """One (pre, post) pair per dt in -100..100 ms (step 5), then a second pre spike."""
    pre, post = [], []
    for dt in range(-100, 101, 5):
        pre.append(on_grid([200.0, 600.0]))
        post.append(on_grid([200.0 + dt]))
    return pre, post, 700.0


def poisson_protocol(n=12, rate=20.0, duration=10_000.0, seed=7):
    """20 Hz Poisson pre and post trains over 10 s (each synapse sees ~200 presynaptic spikes;
    every update feeds the next, so one wrong update shows in every later weight)."""
    rng = np.random.default_rng(seed)
    draw = lambda: on_grid(np.cumsum(rng.exponential(1000.0 / rate, int(rate * duration / 1000 * 2))))
    pre = [[t for t in draw() if t < duration] for _ in range(n)]
    post = [[t for t in draw() if t < duration] for _ in range(n)]
    return pre, post, duration + 50.0


PROTOCOLS = {"pairs": pair_protocol, "poisson": poisson_protocol}


def _steps(times):
    return np.round(np.sort(np.asarray(times, dtype=float)) / DT).astype(int)


def run_nest(model, pre, post, duration, delay, syn, synapse_model):
    """Per synapse i: the weights NEST's weight_recorder saw after each presynaptic spike, and the
    pre/post spike steps."""
    nest = table.nest
    nest.ResetKernel()
    nest.resolution = DT
    n = len(pre)
    params, drive_w = TARGETS[model]
    neuron = {k: v for k, v in syn.items() if k in NEURON_KEYS}
    common = {k: v for k, v in syn.items() if k not in NEURON_KEYS and k != "weight"}
    gens = nest.Create("spike_generator", n, params=[{"spike_times": [t - DT for t in tr]} for tr in pre])
    parrots = nest.Create("parrot_neuron", n)
    nest.Connect(gens, parrots, "one_to_one", {"delay": DT})
    drivers = nest.Create("spike_generator", n, params=[{"spike_times": tr} for tr in post])
    neurons = nest.Create(model, n, params={**params, **neuron})
    nest.Connect(drivers, neurons, "one_to_one", {"weight": drive_w, "delay": DT})
    wr = nest.Create("weight_recorder")
    nest.CopyModel(synapse_model, "plastic", {"weight_recorder": wr, **common})
    nest.Connect(parrots, neurons, "one_to_one", {"synapse_model": "plastic", "delay": delay, "weight": syn["weight"]})
    rec = nest.Create("spike_recorder")
    nest.Connect(neurons, rec)
    nest.Connect(parrots, rec)
    nest.Simulate(duration)
    ev = wr.get("events")
    senders, times, weights = (np.asarray(ev[k]) for k in ("senders", "times", "weights"))
    per_spike = {}
    for i in range(n):
        mine = senders == parrots[i].global_id
        order = np.argsort(times[mine], kind="stable")
        per_spike[i] = weights[mine][order]
    ev = rec.get("events")
    ids = np.asarray(ev["senders"])
    spikes = {"post": {}, "pre": {}}
    for i in range(n):
        spikes["post"][i] = _steps(ev["times"][ids == neurons[i].global_id])
        spikes["pre"][i] = _steps(ev["times"][ids == parrots[i].global_id])
    return per_spike, spikes


def run_neuromesh(model, pre, post, duration, delay, syn, synapse_model, threads=1):
    """The same as run_nest, from neuromesh (double precision)."""
    n = len(pre)
    params, drive_w = TARGETS[model]
    net = nm.Network(dt=DT)
    src = net.population(n, nm.SpikeSourceArray(spike_times=pre), label="pre")
    drv = net.population(n, nm.SpikeSourceArray(spike_times=post), label="drive")
    cells = net.population(n, nm.Model(model, **params), label="post")
    net.connect(drv, cells, nm.OneToOne(), nm.StaticSynapse(weight=drive_w, delay=DT))
    proj = net.connect(src, cells, nm.OneToOne(), {"synapse_model": synapse_model, "delay": delay, **syn})
    cells.record("spikes")
    src.record("spikes")
    sim = net.simulator(threads=threads, precision="double")
    # Sample after each presynaptic spike has been delivered: one step after it.
    pre_steps = [_steps(tr) for tr in pre]
    samples = sorted({int(s) + 1 for st in pre_steps for s in st})
    per_spike = {i: [] for i in range(n)}
    now = 0
    for step in samples:
        sim.advance((step - now) * DT)
        now = step
        w = np.asarray(sim._sim.synapses(proj.index)["weight"])
        for i in range(n):
            if np.any(pre_steps[i] == step - 1):
                per_spike[i].append(w[i])
    end = int(round(duration / DT))
    sim.advance((end - now) * DT)
    spikes = {"post": {}, "pre": {}}
    for label, pop in (("post", cells), ("pre", src)):
        ids, times = pop.spikes
        for i in range(n):
            spikes[label][i] = _steps(times[ids == i])
    sim.close()
    return {i: np.asarray(w) for i, w in per_spike.items()}, spikes


def assert_same_spikes(a, b):
    for kind in ("pre", "post"):
        for i in a[kind]:
            assert np.array_equal(a[kind][i], b[kind][i]), f"{kind} spikes of synapse {i} differ"


def compare_stdp(model, protocol, delay, syn, synapse_model):
    """Both simulators on one protocol: identical spikes, the weight after every presynaptic spike
    equal to 1e-12 relative; returns the largest relative difference seen."""
    pre, post, duration = PROTOCOLS[protocol]()
    w_nest, s_nest = run_nest(model, pre, post, duration, delay, syn, synapse_model)
    w_nm, s_nm = run_neuromesh(model, pre, post, duration, delay, syn, synapse_model)
    assert_same_spikes(s_nm, s_nest)
    worst, changed = 0.0, False
    for i in range(len(pre)):
        assert len(w_nm[i]) == len(w_nest[i]) == len(pre[i]), f"synapse {i}: one weight per presynaptic spike"
        np.testing.assert_allclose(w_nm[i], w_nest[i], rtol=1e-12, atol=0, err_msg=f"synapse {i}")
        changed |= bool(np.any(np.abs(w_nest[i] - syn["weight"]) > 1e-6))
        scale = np.maximum(np.abs(w_nest[i]), 1e-300)
        worst = max(worst, float(np.max(np.abs(w_nm[i] - w_nest[i]) / scale, initial=0.0)))
    assert changed, "the protocol must change the weights"
    return worst
