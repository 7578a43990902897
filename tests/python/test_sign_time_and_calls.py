"""Regression tests of the issue "No silent wrong results" for the sign rule, the time layer,
connectors, spike sources, running twice, closed-loop advance and Python argument errors. Each
failed (gave a wrong number without a word, or a raw error) before the fix it names."""
import json

import h5py
import numpy as np
import pytest

import neuromesh as nm


def _driven(cell, weight, receptor=None, delay=1.0, times=(1.0,), connector=None):
    """One spike source onto one neuron; V_m [mV] after every step up to 6 ms (double precision)."""
    net = nm.Network(dt=0.1)
    src = net.population(1, nm.SpikeSourceArray(spike_times=list(times)), label="S")
    post = net.population(1, cell, label="N")
    net.connect(src, post, connector or nm.OneToOne(), nm.StaticSynapse(weight=weight, delay=delay), receptor=receptor)
    sim = net.simulator(precision="double")
    v = []
    for _ in range(60):
        sim.step()
        v.append(sim.state(post, "V_m")[0])
    sim.close()
    return np.array(v)


REST = -70.0
PSC_EXP = dict(tau_syn_ex=2.0, tau_syn_in=8.0)  # different time constants: the receptor is visible


# --- 1-3: one sign rule -------------------------------------------------------------------------

def test_inhibitory_distribution_inhibits_like_the_scalar():  # defect 1
    scalar = _driven(nm.IF_curr_exp(), 0.5, "inhibitory")
    dist = _driven(nm.IF_curr_exp(), nm.random.Normal(0.5, 0.05), "inhibitory")
    assert scalar.min() < -65.0 - 1e-3 and dist.min() < -65.0 - 1e-3  # PyNN's v_rest -65 mV
    assert dist.max() <= -65.0 + 1e-12


def test_negative_conductance_distribution_inhibits_by_sign_and_is_refused_as_excitatory():  # defect 1
    cell = nm.Model("iaf_cond_exp")
    v = _driven(cell, nm.random.Normal(-5.0, 0.5))
    assert v.min() < REST - 1e-3 and v.max() <= REST + 1e-12
    with pytest.raises(nm.ConfigError, match=r"projections\[0\] \(S->N\).*negative weight on the excitatory"):
        _driven(cell, nm.random.Normal(-5.0, 0.5), "excitatory")


def test_negative_weight_on_a_conductance_model_inhibits_in_python_as_in_nest():  # defect 2
    v = _driven(nm.Model("iaf_cond_exp"), -5.0)
    assert v.min() < REST - 1e-3 and v.max() <= REST + 1e-12
    with pytest.raises(nm.ConfigError, match="negative weight on the excitatory receptor"):
        _driven(nm.Model("iaf_cond_exp"), -5.0, "excitatory")


def test_negative_psc_weight_uses_the_inhibitory_time_constant():  # defect 3
    neg = _driven(nm.Model("iaf_psc_exp", **PSC_EXP), -100.0)
    inh = _driven(nm.Model("iaf_psc_exp", **PSC_EXP), 100.0, "inhibitory")
    np.testing.assert_array_equal(neg, inh)
    exc_mirror = _driven(nm.Model("iaf_psc_exp", **PSC_EXP), 100.0)
    # tau_syn_in = 8 ms: the inhibitory trough is deeper than the excitatory peak is high.
    assert REST - neg.min() > exc_mirror.max() - REST + 0.1


def test_mixed_signs_in_one_projection_are_an_error():
    conn = nm.FromList([(0, 0, 50.0), (0, 0, -50.0)])
    with pytest.raises(nm.ConfigError, match="both signs"):
        _driven(nm.Model("iaf_psc_exp"), 0.0, connector=conn)


def _json_run(tmp_path, weight, receptor):
    proj = {"pre": "S", "post": "N", "connector": {"type": "one_to_one"},
            "synapse": {"model": "static", "weight": weight, "delay": 1.0}}
    if receptor:
        proj["receptor"] = receptor
    spec = {"dt": 0.1, "populations": [
        {"label": "S", "size": 1, "model": "spike_source_array", "spike_times": [[1.0]]},
        {"label": "N", "size": 1, "model": "iaf_psc_exp", "params": PSC_EXP}],
        "projections": [proj], "recorders": [{"population": "N", "variable": "V_m", "interval": 0.1}]}
    path = tmp_path / "net.json"
    path.write_text(json.dumps(spec))
    net = nm._core.NetworkSpec.load(str(path))
    sim = nm._core.Simulation(net, "cpu", 1, "double", "")
    v = []
    for _ in range(60):
        sim.step()
        v.append(sim.state("N", "V_m", [0])[0])
    return np.array(v)


def test_json_positive_weight_on_the_inhibitory_receptor_inhibits(tmp_path):  # defect 3
    v = _json_run(tmp_path, 100.0, "inhibitory")
    assert v.min() < REST - 1e-3 and v.max() <= REST + 1e-12
    np.testing.assert_array_equal(v, _json_run(tmp_path, -100.0, None))
    with pytest.raises(nm.ConfigError, match=r"projections\[0\] \(S->N\)\.synapse\.weight"):
        _json_run(tmp_path, -100.0, "excitatory")


# --- 5: FromListConnector with weights and delays -----------------------------------------------

def test_from_list_honours_per_connection_weights_and_delays():  # defect 5
    v_list = _driven(nm.Model("iaf_psc_delta"), 0.0, connector=nm.FromList([(0, 0, 2.0, 2.5)]))
    v_syn = _driven(nm.Model("iaf_psc_delta"), 2.0, delay=2.5)
    np.testing.assert_array_equal(v_list, v_syn)
    assert v_list[34] == pytest.approx(REST + 2.0, abs=1e-9) and v_list[33] == REST  # 1.0 + 2.5 ms
    named = nm.FromList([(0, 0, 2.5, 2.0)], column_names=["delay", "weight"])
    np.testing.assert_array_equal(_driven(nm.Model("iaf_psc_delta"), 0.0, connector=named), v_syn)
    with pytest.raises(nm.ConfigError, match="tau_plus"):
        nm.FromList([(0, 0, 1.0)], column_names=["tau_plus"])


# --- 6: spike sources like NEST's spike_generator ------------------------------------------------

def test_spike_source_multiplicity_and_off_grid_times():  # defect 6
    once = _driven(nm.Model("iaf_psc_delta"), 1.0, times=[1.0])
    twice = _driven(nm.Model("iaf_psc_delta"), 1.0, times=[1.0, 1.0])
    assert twice.max() - REST == pytest.approx(2 * (once.max() - REST), rel=1e-12)
    with pytest.raises(nm.ConfigError, match="1.05 ms is not a multiple of dt"):
        _driven(nm.Model("iaf_psc_delta"), 1.0, times=[1.05])
    net = nm.Network(dt=0.1)
    src = net.population(1, nm.SpikeSourceArray(spike_times=[1.05, 2.0, 2.0], allow_offgrid_times=True), label="S")
    src.record("spikes")
    net.run(3.0)
    np.testing.assert_allclose(src.spikes[1], [1.1, 2.0, 2.0])


# --- 7: delays and refractory periods as NEST rounds them ---------------------------------------

@pytest.mark.parametrize("delay,arrival_step", [(0.15, 12), (0.35, 14), (1.45, 25), (2.05, 31)])
def test_half_step_delays_arrive_in_nests_step(delay, arrival_step):  # defect 7
    v = _driven(nm.Model("iaf_psc_delta"), 1.0, delay=delay)
    first = int(np.argmax(v > REST + 0.5)) + 1  # steps completed when V_m jumped
    assert first == arrival_step


def test_refractory_period_rounds_up_like_nest():  # defect 7
    def isi(t_ref):
        net = nm.Network(dt=0.1)
        n = net.population(1, nm.Model("iaf_psc_delta", I_e=1e6, t_ref=t_ref), label="N")
        n.record("spikes")
        net.run(20.0)
        t = n.spikes[1]
        return round(t[1] - t[0], 6)
    assert isi(2.0) == 2.1 and isi(2.04) == 2.2 and isi(2.05) == 2.2 and isi(2.15) == 2.3


# --- 8: closed-loop advance -------------------------------------------------------------------

def test_advance_refuses_what_it_cannot_do_and_matches_run():  # defect 8
    net = nm.Network(dt=0.1)
    net.population(1, nm.Model("iaf_psc_delta"), label="N")
    sim = net.simulator()
    for bad in (0.25, 0.05, -1.0):
        with pytest.raises(nm.ConfigError):
            sim.advance(bad)
    assert sim.time == 0.0
    sim.advance(0.3)
    assert sim.time == pytest.approx(0.3)
    sim.close()
    with pytest.raises(nm.ConfigError, match="finished"):
        sim.advance(1.0)
    with pytest.raises(nm.ConfigError, match="not a multiple"):
        net.run(0.25)


# --- 9: a second run continues ----------------------------------------------------------------

def _poisson_net():
    net = nm.Network(dt=0.1, seed=3)
    n = net.population(20, nm.Model("iaf_psc_exp"), label="N")
    net.poisson_input(n, rate=20000.0, weight=30.0)
    n.record("spikes")
    n.record("V_m", interval=1.0, ids=[0])
    return net, n


def test_second_run_continues_and_appends_to_the_file(tmp_path):  # defect 9
    net, n = _poisson_net()
    out = tmp_path / "twice.h5"
    net.run(50.0, output=str(out))
    with h5py.File(out, "r") as f:  # readable between runs
        first = len(f["/spikes/N/timestamps"])
    net.run(50.0)
    ids2, t2 = n.spikes
    ref_net, ref_n = _poisson_net()
    ref_net.run(100.0, output=str(tmp_path / "once.h5"))
    ids1, t1 = ref_n.spikes
    np.testing.assert_array_equal(t2, t1)
    np.testing.assert_array_equal(ids2, ids1)
    assert 0 < first < len(t1) and t2.max() > 50.0
    net.reset()
    with h5py.File(out, "r") as f, h5py.File(tmp_path / "once.h5", "r") as g:
        np.testing.assert_array_equal(f["/spikes/N/timestamps"][:], g["/spikes/N/timestamps"][:])
        np.testing.assert_array_equal(f["/report/N/data"][:], g["/report/N/data"][:])
        assert f["/provenance"].attrs["runs"] == 2 and f["/provenance"].attrs["duration_ms"] == pytest.approx(100.0)
    net.run(10.0)  # after reset: from t = 0
    assert n.spikes[1].max() <= 10.0


def test_a_changed_network_or_setting_does_not_continue_silently():  # defect 9
    net, n = _poisson_net()
    net.run(10.0)
    with pytest.raises(nm.ConfigError, match="threads"):
        net.run(10.0, threads=2)
    net.population(1, nm.Model("iaf_psc_exp"), label="M")
    with pytest.raises(nm.ConfigError, match="reset"):
        net.run(10.0)
    net.reset()
    net.run(10.0)


# --- 14-15: errors at the call ------------------------------------------------------------------

def test_population_size_errors_name_the_argument():  # defect 14
    net = nm.Network()
    with pytest.raises(nm.ConfigError, match="exceeds"):
        net.population(2**32, nm.IF_curr_exp(), label="E")
    with pytest.raises(TypeError, match="size must be an integer, not str"):
        net.population("100", nm.IF_curr_exp(), label="E")


def test_wrong_types_raise_type_error_at_the_call():  # defect 15
    net = nm.Network()
    a = net.population(2, nm.IF_curr_exp(), label="A")
    with pytest.raises(nm.ArgumentTypeError, match="synapse must be a synapse type.*stdp_synapse"):
        net.connect(a, a, nm.AllToAll(), "stdp_synapse")
    with pytest.raises(TypeError, match="connector must be a neuromesh connector"):
        net.connect(a, a, 0.1)
    with pytest.raises(nm.ConfigError, match="synapse model 'tsodyks3_synapse' is not available"):
        net.connect(a, a, nm.AllToAll(), {"synapse_model": "tsodyks3_synapse", "weight": 1.0})
    with pytest.raises(nm.ConfigError, match="static_synapse takes weight and delay only"):
        net.connect(a, a, nm.AllToAll(), {"weight": 1.0, "tau_plus": 20.0})
    with pytest.raises(nm.ConfigError, match="unknown parameter"):
        net.connect(a, a, nm.AllToAll(), {"synapse_model": "stdp_synapse", "weight": 1.0, "tau_pluss": 20.0})
    net.connect(a, a, nm.AllToAll(), {"synapse_model": "stdp_synapse", "weight": 1.0})  # plastic works
    net.connect(a, a, nm.AllToAll(), {"weight": 0.1, "delay": 1.0})  # NEST's syn_spec dict works


def test_a_refused_duration_keeps_the_run_to_continue():  # defect 9, with defect 8's grid rule
    net, n = _poisson_net()
    net.run(10.0)
    with pytest.raises(nm.ConfigError, match="0.25 ms is not a multiple of the time step"):
        net.run(0.25)
    net.run(10.0)
    assert n.spikes[1].max() > 10.0


def test_settings_left_out_continue_and_changed_values_do_not(tmp_path):  # defect 9 (review)
    net, n = _poisson_net()
    net.run(10.0, threads=2, output=str(tmp_path / "a.h5"))
    net.run(10.0)  # threads, output left out: as before (README's example)
    net.run(10.0, threads=2)
    assert n.spikes[1].max() > 20.0
    net.seed = 4
    with pytest.raises(nm.ConfigError, match="changed since the last run"):
        net.run(10.0)
    net.seed = 3
    n.initial["v"] = -60.0
    with pytest.raises(nm.ConfigError, match="changed since the last run"):
        net.run(10.0)


def test_a_continued_run_refuses_a_file_written_by_someone_else(tmp_path):  # defect 9 (review)
    out = str(tmp_path / "shared.h5")
    a, _ = _poisson_net()
    a.run(10.0, output=out)
    b, _ = _poisson_net()
    b.run(5.0, output=out)  # replaces the file a was writing
    with pytest.raises(nm.NeuromeshIOError, match="written by something else"):
        a.run(10.0)
    b.run(5.0)  # b's own file continues
    a.reset()


def test_a_refused_first_run_leaves_no_file_open(tmp_path):  # review: the file must be closed
    out = str(tmp_path / "y.h5")
    net, _ = _poisson_net()
    with pytest.raises(nm.ConfigError):
        net.run(0.25, output=out)
    net.run(10.0, output=out)
    net.reset()
    with h5py.File(out, "r") as f:
        assert f["/provenance"].attrs["duration_ms"] == pytest.approx(10.0)


def test_hardware_energy_does_not_depend_on_what_is_recorded():
    # The energy is counted by the engine during the run (neuromesh::run, as in the CLI), not
    # replayed from recorded spikes: recording two neurons or a window must not change it.
    def energy(**record):
        net = nm.Network(dt=0.1, seed=3)
        n = net.population(100, nm.Model("iaf_psc_exp"), label="N")
        net.poisson_input(n, rate=8000.0, weight=30.0)
        net.connect(n, n, nm.FixedProbability(0.1), nm.StaticSynapse(weight=5.0, delay=1.0))
        n.record("spikes", **record)
        result = net.run(50.0, hardware="loihi")
        assert sum(len(t) for t in result.spikes("N")) > 0
        return result.energy
    whole = energy()
    for subset in (energy(ids=[0, 1]), energy(start=10.0, stop=20.0)):
        assert subset.components == whole.components
        assert subset.total == whole.total
