"""The Python API: building, running, reading spikes, errors, determinism and closed loop.
Runs against the in-tree package (PYTHONPATH=build/python, set by ctest) or an installed one."""
import os

import numpy as np
import pytest

nm = pytest.importorskip("neuromesh", reason="the neuromesh Python package is not built (NEUROMESH_WITH_PYTHON=OFF)")


def coba(seed=42, n_exc=800, n_inh=200):
    net = nm.Network(dt=0.1, seed=seed)
    cell = nm.IF_cond_exp(tau_m=20.0, cm=0.2, v_rest=-60.0, v_thresh=-50.0, v_reset=-60.0, tau_refrac=5.0,
                          e_rev_E=0.0, e_rev_I=-80.0, tau_syn_E=5.0, tau_syn_I=10.0)
    init = {"v": nm.random.Normal(-65.0, 5.0), "g_ex": nm.random.Normal(40.0, 15.0), "g_in": nm.random.Normal(200.0, 120.0)}
    exc = net.population(n_exc, cell, label="E", initial=init)
    inh = net.population(n_inh, cell, label="I", initial=init)
    for pre, w, rec in ((exc, 0.006 * 4, "excitatory"), (inh, 0.067 * 4, "inhibitory")):
        for post in (exc, inh):
            net.connect(pre, post, nm.FixedProbability(0.02), nm.StaticSynapse(weight=w, delay=0.1), receptor=rec)
    return net, exc, inh


def test_run_gives_spikes_as_numpy_arrays():
    net, exc, _ = coba()
    result = net.run(200.0, threads=1)
    ids, times = exc.spikes
    assert isinstance(ids, np.ndarray) and isinstance(times, np.ndarray)
    assert len(ids) == len(times) > 100
    assert ids.max() < 800 and times.min() >= 0.1 and times.max() <= 200.0
    assert np.all(np.diff(times) >= 0)
    assert result.summary["spikes_per_population"]["E"] == len(ids)


def test_one_and_two_threads_are_bit_identical(backend):
    a, exc_a, _ = coba()
    b, exc_b, _ = coba()
    a.run(200.0, threads=1, backend=backend)
    b.run(200.0, threads=2, backend=backend)
    for x, y in zip(exc_a.spikes, exc_b.spikes):
        np.testing.assert_array_equal(x, y)


def test_pynn_units_are_converted():
    net = nm.Network()
    pop = net.population(1, nm.IF_curr_exp(cm=0.25, tau_m=10.0, v_rest=-70.0, i_offset=0.3, v_thresh=0.0), label="N")
    sim = net.simulator(precision="double")
    sim.advance(1000.0)
    # i_offset 0.3 nA = 300 pA into R = tau/C = 40 MOhm: V -> -70 + 12 mV
    assert sim.state(pop, "v")[0] == pytest.approx(-58.0, abs=1e-6)


def test_output_file_round_trip(tmp_path):
    h5py = pytest.importorskip("h5py")
    net, exc, _ = coba()
    exc.record("spikes")
    exc.record("v", interval=1.0, ids=[0, 1])
    out = tmp_path / "run.h5"
    net.run(100.0, output=str(out))
    with h5py.File(out, "r") as f:
        np.testing.assert_array_equal(f["spikes/E/node_ids"][:], exc.spikes[0])
        np.testing.assert_allclose(f["spikes/E/timestamps"][:], exc.spikes[1])
        assert f["report/E/data"].shape == (100, 2)


def test_closed_loop():
    net = nm.Network()
    sensor = net.population(5, nm.IF_curr_exp(), label="sensor")
    motor = net.population(5, nm.IF_curr_exp(), label="motor")
    net.connect(sensor, motor, nm.OneToOne(), nm.StaticSynapse(weight=5.0, delay=1.0))
    sim = net.simulator()
    sim.set_current(sensor, range(5), 2.0)
    fired = 0
    for _ in range(100):
        sim.advance(1.0)
        fired += len(sim.last_spikes(motor))
    assert fired > 0
    assert sim.time == pytest.approx(100.0)


@pytest.mark.parametrize("make, message", [
    (lambda net: net.population(0, nm.IF_curr_exp()), "size"),
    (lambda net: net.population(5, nm.IF_curr_exp(tau_mm=3.0)), "tau_mm"),
    (lambda net: nm.FixedProbability(1.5), "outside [0, 1]"),
    (lambda net: nm.Model("iaf_nope"), "unknown model"),
])
def test_bad_input_raises_value_errors(make, message):
    net = nm.Network()
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        make(net)


def test_a_cell_type_given_as_a_string_is_a_type_error_at_the_call():
    net = nm.Network()
    with pytest.raises(nm.ArgumentTypeError, match="cell must be a cell type.*not str 'iaf'"):
        net.population(5, "iaf")


def test_core_validation_names_population_and_parameter():
    net = nm.Network()
    net.population(5, nm.Model("iaf_psc_exp", tau_m=-1.0), label="bad")
    with pytest.raises(nm.ParameterError, match="bad.*tau_m"):
        net.run(10.0)
    assert issubclass(nm.ConfigError, ValueError)


# The models' checks judge finite numbers only: NaN and +-inf parameters and initial values, given
# (numbers, arrays, set()) or drawn (a lognormal that overflows), are refused by the shared
# validation, naming the population and the parameter or state variable.
@pytest.mark.parametrize("cell, param", [
    (lambda v: nm.Model("izhikevich", a=v), "a"),
    (lambda v: nm.Izhikevich(d=v), "d"),
    (lambda v: nm.Model("iaf_psc_alpha", I_e=v), "I_e"),
    (lambda v: nm.IF_curr_alpha(v_rest=v), "E_L"),
    (lambda v: nm.Model("iaf_cond_alpha", E_ex=v), "E_ex"),
    (lambda v: nm.IF_cond_alpha(e_rev_I=v), "E_in"),
])
@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf"), np.array([0.0, np.nan, 0.0])])
def test_non_finite_parameters_name_population_and_parameter(cell, param, value):
    net = nm.Network()
    net.population(3, cell(value), label="bad")
    with pytest.raises(nm.ConfigError, match=rf"bad.*\b{param}\b"):
        net.run(1.0)


@pytest.mark.parametrize("model, param, state", [
    ("izhikevich", "d", "U_m"), ("iaf_psc_alpha", "I_e", "V_m"), ("iaf_cond_alpha", "E_in", "g_ex")])
def test_non_finite_values_drawn_set_or_initial_name_population_and_name(model, param, state):
    huge = nm.random.LogNormal(800.0, 1.0)  # e^800 overflows to +inf
    for params, initial, name in (({param: huge}, None, param), ({}, {state: huge}, state),
                                  ({}, {state: float("nan")}, state), ({}, {state: float("inf")}, state)):
        net = nm.Network()
        net.population(3, nm.Model(model, **params), label="bad", initial=initial)
        with pytest.raises(nm.ConfigError, match=rf"bad.*\b{name}\b"):
            net.run(1.0)
    net = nm.Network()
    pop = net.population(3, nm.Model(model), label="bad")
    net.run(1.0)
    net.reset()
    pop.set(**{param: float("nan")})
    with pytest.raises(nm.ConfigError, match=rf"bad.*\b{param}\b"):
        net.run(1.0)


def test_unknown_backend():
    net, _, _ = coba(n_exc=8, n_inh=2)
    with pytest.raises(nm.BackendUnavailable, match="available: cpu"):
        net.run(1.0, backend="quantum")


def test_builtin_network_and_features():
    assert "cpu" in nm.features()["backends"]
    assert "iaf_cond_exp" in nm.model_names()


def test_population_views_restrict_connections():
    net = nm.Network()
    src = net.population(20, nm.SpikeSourceArray(spike_times=[5.0]), label="S")
    dst = net.population(20, nm.IF_curr_exp(), label="T")
    net.connect(src[0:5], dst[10:15], nm.OneToOne(), nm.StaticSynapse(weight=10.0, delay=1.0))
    net.run(20.0)
    ids, _ = dst.spikes
    assert set(ids.tolist()) == set(range(10, 15))
    assert set(dst[10:12].spikes[0].tolist()) == {10, 11}
    with pytest.raises(ValueError, match="contiguous"):
        dst[::2]


def test_ctrl_c_raises_keyboard_interrupt_and_leaves_a_readable_file(tmp_path):
    h5py = pytest.importorskip("h5py")
    import signal
    import threading
    net = nm.Network()
    pop = net.population(2000, nm.IF_curr_exp(i_offset=1.0), label="P")  # fires steadily
    pop.record("spikes")
    out = tmp_path / "interrupted.h5"
    timer = threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        net.run(1e7, threads=1, output=str(out))  # ~hours if not interrupted
    timer.cancel()
    with h5py.File(out, "r") as f:
        n = len(f["spikes/P/node_ids"])
        assert n == len(f["spikes/P/timestamps"]) > 0
        assert f["provenance"].attrs["status"] == "interrupted"
