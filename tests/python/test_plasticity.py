"""Plastic synapses from Python (docs/plasticity.md): NEST dicts, nm.STDPSynapse and PyNN's
STDPMechanism give the same rule; Projection.get reads the learnt weights as PyNN does."""
import numpy as np
import pytest

import neuromesh as nm


def _network(synapse, w_scale=1.0):
    net = nm.Network()
    rng = np.random.default_rng(3)
    trains = [sorted(set(np.round(rng.uniform(1, 190, 12), 1))) for _ in range(4)]
    drive = [sorted(set(np.round(rng.uniform(1, 190, 12), 1))) for _ in range(3)]
    pre = net.population(4, nm.SpikeSourceArray(spike_times=trains), label="pre")
    drv = net.population(3, nm.SpikeSourceArray(spike_times=drive), label="drive")
    post = net.population(3, nm.IF_curr_exp(), label="post")
    net.connect(drv, post, nm.OneToOne(), nm.StaticSynapse(weight=100.0, delay=0.1))
    proj = net.connect(pre, post, nm.AllToAll(), synapse)
    return net, proj


def test_pynn_stdp_mechanism_is_nests_stdp_synapse():
    mech = nm.STDPMechanism(timing_dependence=nm.SpikePairRule(tau_plus=15.0, tau_minus=25.0, A_plus=0.02,
                                                               A_minus=0.03),
                            weight_dependence=nm.AdditiveWeightDependence(w_min=0.0, w_max=0.5),
                            weight=0.25, delay=1.0)
    # IF_curr_exp weights are nA; the core works in pA (x1000), Wmax too.
    nest_dict = {"synapse_model": "stdp_synapse", "weight": 0.25, "delay": 1.0, "tau_plus": 15.0,
                 "tau_minus": 25.0, "lambda": 0.02, "alpha": 1.5, "mu_plus": 0.0, "mu_minus": 0.0, "Wmax": 0.5}
    weights = []
    for synapse in (mech, nest_dict):
        net, proj = _network(synapse)
        net.run(200.0, threads=1, precision="double")
        weights.append(proj.get("weight", format="array"))
    assert weights[0].shape == (4, 3)
    np.testing.assert_array_equal(weights[0], weights[1])
    assert np.all(weights[0] >= 0) and np.all(weights[0] <= 0.5)
    assert np.any(np.abs(weights[0] - 0.25) > 1e-6), "the weights must have changed"


def test_projection_get_list_and_array_as_pynn():
    net, proj = _network(nm.StaticSynapse(weight=0.1, delay=1.5))
    with pytest.raises(nm.ConfigError, match="nothing is built yet"):
        proj.get("weight")
    net.run(10.0, threads=2)
    rows = proj.get(["weight", "delay"], format="list")
    assert len(rows) == 12 == len(proj)
    assert rows[0] == (0, 0, pytest.approx(0.1), pytest.approx(1.5))
    assert [r[:2] for r in rows] == sorted(r[:2] for r in rows)
    w, d = proj.get(["weight", "delay"], format="array")
    assert w.shape == d.shape == (4, 3) and np.allclose(w, 0.1) and np.allclose(d, 1.5)
    with pytest.raises(nm.ConfigError, match="not readable"):
        proj.get("tau_plus")


def test_stdp_weights_bit_identical_for_one_and_two_threads():
    out = []
    for threads in (1, 2):
        net, proj = _network({"synapse_model": "stdp_synapse", "weight": 0.05, "Wmax": 0.2, "lambda": 0.1})
        net.run(200.0, threads=threads)
        out.append(proj.get("weight", format="array"))
    assert np.array_equal(out[0], out[1])


def test_pynn_mechanism_refuses_what_stdp_synapse_cannot_do():
    with pytest.raises(nm.ConfigError, match="w_min"):
        nm.STDPMechanism(weight_dependence=nm.AdditiveWeightDependence(w_min=0.1, w_max=1.0))
    with pytest.raises(nm.ConfigError, match="dendritic_delay_fraction"):
        nm.STDPMechanism(dendritic_delay_fraction=0.5)


def test_read_back_weights_keep_the_sign_convention_of_connect():
    """NEST's convention (negative inhibits) for currents and conductances; PyNN's receptor=
    "inhibitory" gets its positive magnitudes back -- never the engine's internal sign."""
    for cell in (nm.IF_curr_exp(), nm.IF_cond_exp()):
        net = nm.Network()
        a = net.population(3, cell, label="a")
        nest_style = net.connect(a, a, nm.AllToAll(), nm.StaticSynapse(weight=-0.02, delay=1.0))
        pynn_style = net.connect(a, a, nm.AllToAll(), nm.StaticSynapse(weight=0.03, delay=1.0),
                                 receptor="inhibitory")
        excitatory = net.connect(a, a, nm.AllToAll(), nm.StaticSynapse(weight=0.01, delay=1.0))
        net.run(1.0, threads=1)
        assert np.allclose(nest_style.get("weight", format="array"), -0.02), type(cell).__name__
        assert np.allclose(pynn_style.get("weight", format="array"), 0.03), type(cell).__name__
        assert np.allclose(excitatory.get("weight", format="array"), 0.01), type(cell).__name__


def test_array_format_combines_multapses_as_pynn():
    """Two synapses of one pair (FromList rows repeated): PyNN's default sums them in the array;
    they must not silently collapse to one."""
    net = nm.Network()
    a = net.population(2, nm.IF_curr_exp(), label="a")
    proj = net.connect(a, a, nm.FromList([(0, 1, 0.01, 1.0), (0, 1, 0.03, 2.0), (1, 0, 0.02, 1.0)]))
    net.run(1.0, threads=1)
    assert len(proj.get("weight", format="list")) == 3
    w = proj.get("weight", format="array")
    assert w[0, 1] == pytest.approx(0.04) and w[1, 0] == pytest.approx(0.02) and np.isnan(w[0, 0])
    assert proj.get("weight", format="array", multiple_synapses="max")[0, 1] == pytest.approx(0.03)
    assert proj.get("weight", format="array", multiple_synapses="first")[0, 1] == pytest.approx(0.01)
    assert proj.get("delay", format="array", multiple_synapses="last")[0, 1] == pytest.approx(2.0)
    with pytest.raises(nm.ConfigError, match="multiple_synapses"):
        proj.get("weight", format="array", multiple_synapses="mean")


# The rules added after stdp_synapse: each by its NEST dict and by its class gives the same weights;
# the STDP rules learn, the short-term one leaves its stored weights.
NEW_RULES = [
    (nm.STDPNearestSymmetricSynapse, {"synapse_model": "stdp_nn_symm_synapse"}, {"Wmax": 0.2, "lambda_": 0.1}),
    (nm.STDPNearestRestrictedSynapse, {"synapse_model": "stdp_nn_restr_synapse"}, {"Wmax": 0.2, "lambda_": 0.1}),
    (nm.STDPTripletSynapse, {"synapse_model": "stdp_triplet_synapse"},
     {"Wmax": 0.2, "Aplus": 0.01, "Aminus": 0.012, "Aplus_triplet": 0.01, "Aminus_triplet": 0.002}),
    (nm.TsodyksSynapse, {"synapse_model": "tsodyks_synapse"}, {"U": 0.3, "tau_psc": 5.0, "tau_rec": 150.0}),
]


@pytest.mark.parametrize("cls,nest_dict,params", NEW_RULES, ids=[r[1]["synapse_model"] for r in NEW_RULES])
def test_new_rules_by_nest_name_and_by_class(cls, nest_dict, params):
    as_dict = {k.rstrip("_"): v for k, v in params.items()}
    weights = []
    for synapse in (cls(weight=0.05, delay=1.0, **params), {**nest_dict, "weight": 0.05, "delay": 1.0, **as_dict}):
        net, proj = _network(synapse)
        net.run(200.0, threads=1, precision="double")
        weights.append(proj.get("weight", format="array"))
    np.testing.assert_array_equal(weights[0], weights[1])
    if cls is nm.TsodyksSynapse:
        assert np.allclose(weights[0], 0.05)
    else:
        assert np.all(weights[0] >= 0) and np.all(weights[0] <= 0.2)
        assert np.any(np.abs(weights[0] - 0.05) > 1e-6), "the weights must have changed"


def test_triplet_amplitudes_are_in_the_weights_unit():
    """On a PyNN cell (weights in nA) Aplus... are nA too: the changes are of their order, not 1000x
    smaller (the core works in pA)."""
    net, proj = _network(nm.STDPTripletSynapse(weight=0.05, delay=1.0, Wmax=0.2, Aplus=1e-4, Aminus=0.0,
                                               Aplus_triplet=0.0, Aminus_triplet=0.0))
    net.run(200.0, threads=1, precision="double")
    dw = proj.get("weight", format="array") - 0.05
    assert np.all(dw >= 0) and 1e-3 < dw.max() < 0.149  # unscaled: 1000x smaller


def test_new_rules_refuse_unknown_parameters_naming_them():
    with pytest.raises(nm.ConfigError, match="tau_psc"):
        nm.STDPTripletSynapse(tau_psc=2.0)
    with pytest.raises(nm.ConfigError, match="STDPNearestSymmetricSynapse.*tau_psc"):
        _network({"synapse_model": "stdp_nn_symm_synapse", "weight": 0.05, "tau_psc": 2.0})
    net, _ = _network({"synapse_model": "tsodyks_synapse", "weight": 0.05, "tau_psc": 100.0, "tau_rec": 100.0})
    with pytest.raises(nm.ConfigError, match=r"pre->post\).synapse.tau_psc"):
        net.run(10.0)


def test_pynn_tsodyks_markram_is_nests_tsodyks_synapse_with_the_cells_tau_syn():
    """PyNN's NEST backend maps TsodyksMarkramSynapse to tsodyks_synapse with tau_psc = the post
    cell's tau_syn_E (tau_syn_I for inhibitory projections) and NEST's initial u, x, y."""
    def v_after(synapse, receptor=None):
        net = nm.Network()
        pre = net.population(2, nm.SpikeSourceArray(spike_times=[[5.0, 15.0, 25.0, 35.0]] * 2), label="pre")
        post = net.population(1, nm.IF_curr_exp(tau_syn_E=2.5, tau_syn_I=7.0, v_thresh=100.0), label="post")
        net.connect(pre, post, nm.AllToAll(), synapse, receptor=receptor)
        sim = net.simulator(threads=1, precision="double")
        trace = []
        for _ in range(40):
            sim.advance(1.0)
            trace.append(sim.state(post, "v")[0])
        sim.close()
        return np.array(trace)

    pynn = v_after(nm.TsodyksMarkramSynapse(U=0.4, tau_rec=200.0, tau_facil=50.0, weight=0.5, delay=1.0))
    nest_dict = v_after({"synapse_model": "tsodyks_synapse", "weight": 0.5, "delay": 1.0, "U": 0.4,
                         "tau_rec": 200.0, "tau_fac": 50.0, "tau_psc": 2.5})
    np.testing.assert_array_equal(pynn, nest_dict)
    other_tau = v_after({"synapse_model": "tsodyks_synapse", "weight": 0.5, "delay": 1.0, "U": 0.4,
                         "tau_rec": 200.0, "tau_fac": 50.0, "tau_psc": 7.0})
    assert np.max(np.abs(pynn - other_tau)) > 1e-6, "tau_psc must matter"
    inhibitory = v_after(nm.TsodyksMarkramSynapse(U=0.4, tau_rec=200.0, tau_facil=50.0, weight=0.5, delay=1.0),
                         receptor="inhibitory")
    inhibitory_dict = v_after({"synapse_model": "tsodyks_synapse", "weight": 0.5, "delay": 1.0, "U": 0.4,
                               "tau_rec": 200.0, "tau_fac": 50.0, "tau_psc": 7.0}, receptor="inhibitory")
    np.testing.assert_array_equal(inhibitory, inhibitory_dict)
    net = nm.Network()
    a = net.population(1, nm.Model("iaf_psc_delta"), label="a")
    net.connect(a, a, nm.AllToAll(), nm.TsodyksMarkramSynapse(weight=1.0, delay=1.0))
    with pytest.raises(nm.ConfigError, match="tau_syn_E.*TsodyksSynapse"):
        net.run(1.0)
