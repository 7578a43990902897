"""NEST's stimulation devices against NEST 3.10 (issue 16): step_current_generator, ac_generator,
noise_generator, inhomogeneous_poisson_generator and sinusoidal_poisson_generator, by NEST's names
and parameters (net.stimulus). NEST connects each device with delay = dt (its smallest delay);
neuromesh's default device delay is that same one step, so both are given the same times.

1. Deterministic currents (step, ac): one neuron per model, V_m after every step within the
   model's tolerance (crosscheck_table.MODELS) and identical spike steps; also with delay 1.0 ms.
2. Stochastic devices: the streams differ from NEST's, so the per-step input is recovered from
   V_m of an integrating iaf_psc_delta (tau_m 1e12 ms, no threshold in reach): for the noise the
   current of every neuron in every step, for Poisson generators the spike count. Both
   simulators must put input in exactly the same steps (the device windows), and per time bin
   the mean and variance of the noise current, or the spike count, must agree with the analytic
   value within 5 standard errors (a false failure about once in 1.7 million per bin and
   statistic; ~100 bins in all). NEST's own numbers pass the same test, so the analytic values
   are what NEST does."""
import math
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import crosscheck_table as table  # noqa: E402

nest = table.require_nest()

import neuromesh as nm  # noqa: E402

DT = table.DT
CELL = {"E_L": 0.0, "V_reset": 0.0, "V_th": 1e15, "tau_m": 1e12, "C_m": 1.0, "t_ref": 0.1, "V_m": 0.0}


def _nest_reset():
    nest.ResetKernel()
    table._quiet_nest()
    nest.resolution = DT
    nest.local_num_threads = 1


def run_nest(model, params, n, device, device_params, duration, delay=DT, weight=None):
    """V_m after every step (array steps x n, row 0 the initial value) and the spike steps."""
    _nest_reset()
    neurons = nest.Create(model, n, params=params)
    device_params = dict(device_params)
    if "individual_spike_trains" in device_params:  # NEST: a model default only (CopyModel)
        nest.CopyModel(device, device + "_copy", {"individual_spike_trains": device_params.pop("individual_spike_trains")})
        device += "_copy"
    gen = nest.Create(device, params=device_params)
    syn = {"delay": delay} if weight is None else {"delay": delay, "weight": weight}
    nest.Connect(gen, neurons, syn_spec=syn)
    meter = nest.Create("multimeter", params={"interval": DT, "record_from": ["V_m"]})
    rec = nest.Create("spike_recorder")
    nest.Connect(meter, neurons)
    nest.Connect(neurons, rec)
    v0 = np.atleast_1d(np.asarray(neurons.get("V_m"), dtype=float))
    nest.Simulate(duration + 2 * DT)
    ev = meter.get("events")
    steps = np.rint(np.asarray(ev["times"]) / DT).astype(int)
    senders = np.asarray(ev["senders"]) - neurons[0].global_id
    total = int(round(duration / DT))
    v = np.empty((total + 1, n))
    v[0] = v0
    keep = steps <= total
    v[steps[keep], senders[keep]] = np.asarray(ev["V_m"])[keep]
    spikes = np.sort(np.rint(np.asarray(rec.get("events")["times"]) / DT).astype(int))
    return v, spikes[spikes <= total]


def run_neuromesh(model, params, initial, n, device, device_params, duration):
    net = nm.Network(dt=DT, seed=7)
    pop = net.population(n, nm.Model(model, **params), label="neuron", initial=initial)
    net.stimulus(device, pop, **device_params)
    sim = net.simulator(precision="double", threads=1)
    total = int(round(duration / DT))
    v = np.empty((total + 1, n))
    ids = list(range(n))
    v[0] = sim.state(pop, "V_m", ids)
    spikes = []
    for s in range(1, total + 1):
        sim.step()
        v[s] = sim.state(pop, "V_m", ids)
        spikes += [s] * len(sim.last_spikes(pop))
    sim.close()
    return v, np.asarray(spikes, dtype=int)


# ------------------------------------------------------------------------------------------------
# 1. Deterministic currents
# ------------------------------------------------------------------------------------------------
STEP = {"amplitude_times": [50.0, 120.5, 200.0, 260.0], "amplitude_values": [400.0, 800.0, -100.0, 600.0],
        "start": 20.0, "stop": 280.0}
AC = {"amplitude": 500.0, "offset": 300.0, "frequency": 15.0, "phase": 60.0, "start": 30.0, "stop": 250.0}
DETERMINISTIC = [
    ("iaf_psc_alpha", "step_current_generator", STEP, DT),
    ("iaf_psc_alpha", "ac_generator", AC, DT),
    ("iaf_psc_exp", "step_current_generator", STEP, 1.0),  # NEST's default delay
    ("iaf_cond_exp", "ac_generator", dict(AC, amplitude=600.0, offset=250.0), DT),
    ("aeif_cond_exp", "step_current_generator", dict(STEP, amplitude_values=[900.0, 1200.0, -100.0, 800.0]), DT),
]


@pytest.mark.parametrize("model,device,params,delay", DETERMINISTIC,
                         ids=[f"{m}-{d}-delay{dl}" for m, d, _, dl in DETERMINISTIC])
def test_deterministic_current_matches_nest(model, device, params, delay):
    row = table.MODEL_BY_NAME[model]
    case = table.Case(row, device)
    nest_params = table.case_params(case)
    v_nest, s_nest = run_nest(model, nest_params, 1, device, params, 300.0, delay=delay)
    v_nm, s_nm = run_neuromesh(model, table.neuromesh_params(case), table.neuromesh_initial(case), 1, device,
                               dict(params, delay=delay), 300.0)
    assert len(s_nest) > 3, "the current should make the neuron fire"
    assert np.array_equal(s_nest, s_nm), f"spike steps differ: NEST {s_nest.tolist()}, neuromesh {s_nm.tolist()}"
    dv = np.abs(v_nest[1:, 0] - v_nm[1:, 0])
    assert dv.max() <= row.tol, f"max|dV| {dv.max():.3g} mV at step {int(np.argmax(dv)) + 1} > {row.tol}"


# ------------------------------------------------------------------------------------------------
# 2. Stochastic devices
# ------------------------------------------------------------------------------------------------
def _inputs(v):
    """Per-step input of the integrating iaf_psc_delta: V(u+1) - P33 V(u) (current x P30, or the
    summed spike weights); row u is the update (u h, (u+1) h]."""
    p33 = math.exp(-DT / CELL["tau_m"])
    return v[1:] - p33 * v[:-1]


def _both(device, params, n, duration, weight=None):
    nm_params = {k: v for k, v in CELL.items() if k != "V_m"}
    v_nest, _ = run_nest("iaf_psc_delta", CELL, n, device, params, duration, weight=weight)
    dev = dict(params) if weight is None else dict(params, weight=weight)
    v_nm, _ = run_neuromesh("iaf_psc_delta", nm_params, {"V_m": 0.0}, n, device, dev, duration)
    return _inputs(v_nest), _inputs(v_nm)


NOISE = {"mean": 40.0, "std": 100.0, "std_mod": 80.0, "frequency": 30.0, "phase": 20.0, "dt": 0.5,
         "start": 10.0, "stop": 110.0}


def test_noise_generator_statistics_and_window():
    n, duration = 400, 120.0
    p30 = -CELL["tau_m"] / CELL["C_m"] * math.expm1(-DT / CELL["tau_m"])
    i_nest, i_nm = (x / p30 for x in _both("noise_generator", NOISE, n, duration))
    active_nest = np.any(np.abs(i_nest) > 1e-6, axis=1)
    active_nm = np.any(np.abs(i_nm) > 1e-6, axis=1)
    assert np.array_equal(np.nonzero(active_nest)[0], np.nonzero(active_nm)[0]), "the noise acts in other steps"
    first = int(np.nonzero(active_nm)[0][0])
    assert first == 101, "start 10 ms + one step of delay: the update (10.1, 10.2]"
    omega = 2 * math.pi * NOISE["frequency"] * 1e-3
    failures = []
    for j in range(0, 200, 1):
        u0 = first + 5 * j
        if u0 >= int(NOISE["stop"] / DT) + 1:
            break
        var = NOISE["std"] ** 2 + NOISE["std_mod"] ** 2 * math.sin(omega * (5 * j + 1) * DT + math.radians(NOISE["phase"]))
        for name, cur in (("NEST", i_nest), ("neuromesh", i_nm)):
            block = cur[u0:u0 + 5]
            if not np.allclose(block, block[0], rtol=1e-6, atol=1e-6):
                failures.append(f"{name}: interval {j} not constant over dt")
            x = block[0]
            if abs(x.mean() - NOISE["mean"]) > 5 * math.sqrt(var / n):
                failures.append(f"{name}: interval {j} mean {x.mean():.2f}, expected {NOISE['mean']}")
            if abs(x.var() - var) > 5 * var * math.sqrt(2.0 / (n - 1)):
                failures.append(f"{name}: interval {j} variance {x.var():.1f}, expected {var:.1f}")
    assert not failures, "; ".join(failures)


POISSON = [
    ("inhomogeneous_poisson_generator", {"rate_times": [10.0, 40.0, 70.0], "rate_values": [3000.0, 0.0, 8000.0],
                                          "start": 5.0, "stop": 90.0},
     lambda t: np.select([t > 70.0 - 1e-9, t > 40.0 - 1e-9, t > 10.0 - 1e-9], [8000.0, 0.0, 3000.0], 0.0)),
    ("sinusoidal_poisson_generator", {"rate": 3000.0, "amplitude": 4000.0, "frequency": 20.0, "phase": 45.0,
                                       "start": 5.0, "stop": 90.0},
     lambda t: np.maximum(0.0, 3000.0 + 4000.0 * np.sin(2 * np.pi * 20.0e-3 * t + np.radians(45.0)))),
]


@pytest.mark.parametrize("device,params,rate", POISSON, ids=[p[0] for p in POISSON])
def test_poisson_generator_rate_per_bin_and_window(device, params, rate):
    n, duration = 300, 100.0
    c_nest, c_nm = _both(device, params, n, duration, weight=1.0)
    c_nest, c_nm = np.rint(c_nest), np.rint(c_nm)  # counts: weight 1 mV per spike
    sends_nest = np.nonzero(c_nest.sum(axis=1))[0]
    sends_nm = np.nonzero(c_nm.sum(axis=1))[0]
    # The windows: the first and last steps with input are the same (at these rates x 300 neurons
    # an active step without a spike has probability < 1e-6 there); within them, input only where
    # the rate is above zero, in both.
    assert (sends_nest[0], sends_nest[-1]) == (sends_nm[0], sends_nm[-1]), \
        f"window: NEST steps {sends_nest[0]}..{sends_nest[-1]}, neuromesh {sends_nm[0]}..{sends_nm[-1]}"
    u = np.arange(c_nm.shape[0])
    window = (u >= sends_nest[0]) & (u <= sends_nest[-1])
    positive = window & (rate(u * DT) > 0)
    for name, sends in (("NEST", sends_nest), ("neuromesh", sends_nm)):
        stray = np.setdiff1d(sends, np.nonzero(positive)[0])
        assert stray.size == 0, f"{name}: input in steps where the rate is 0: {stray[:5]}"
    # Expected count per update u: the rate at the spike's stamp (the end of the device's step,
    # (u - 1 + 1) h) over the window.
    lam = np.where(positive, rate(u * DT) * DT * 1e-3 * n, 0.0)
    failures = []
    for b in range(0, len(u), 50):  # 5 ms bins
        expected = lam[b:b + 50].sum()
        for name, c in (("NEST", c_nest), ("neuromesh", c_nm)):
            got = c[b:b + 50].sum()
            if abs(got - expected) > 5 * math.sqrt(expected) + 1e-9:
                failures.append(f"{name}: bin {b * DT:.0f} ms: {got:.0f} spikes, expected {expected:.0f}")
    assert not failures, "; ".join(failures)


def test_shared_sinusoidal_train():
    """individual_spike_trains = False: every neuron receives the same train (NEST too)."""
    params = {"rate": 2000.0, "amplitude": 1000.0, "frequency": 10.0, "individual_spike_trains": False}
    c_nest, c_nm = _both("sinusoidal_poisson_generator", params, 5, 50.0, weight=1.0)
    for c in (c_nest, c_nm):
        assert c.sum() > 20
        assert np.allclose(c, c[:, :1]), "the neurons' trains differ"
