"""Projection.set (PyNN) before a build, checked by the shared validation layer, and consistent
with Projection.get after the next build; after a run it refuses rather than do nothing. Also
the progress bars: tqdm.auto (a widget in Jupyter, text on a console). Issue 15, part 3."""
import pytest

nm = pytest.importorskip("neuromesh", reason="the neuromesh Python package is not built (NEUROMESH_WITH_PYTHON=OFF)")
np = pytest.importorskip("numpy")


def network(connector=None, receptor=None):
    net = nm.Network(dt=0.1, seed=5)
    pre = net.population(6, nm.SpikeSourceArray(spike_times=[5.0]), label="pre")
    post = net.population(6, nm.IF_cond_exp(), label="post")
    proj = net.connect(pre, post, connector or nm.OneToOne(), nm.StaticSynapse(weight=0.01, delay=1.0),
                       receptor=receptor)
    return net, proj


def test_scalar_and_per_synapse_values_reach_the_build():
    net, proj = network()
    proj.set(weight=0.02, delay=np.arange(1, 7) * 0.5)
    net.run(1.0, threads=1)
    rows = proj.get(["weight", "delay"], format="list")
    assert [r[:2] for r in rows] == [(i, i) for i in range(6)]
    np.testing.assert_allclose([r[2] for r in rows], 0.02, rtol=1e-6)
    np.testing.assert_allclose([r[3] for r in rows], np.arange(1, 7) * 0.5)


def test_an_n_pre_by_n_post_array_is_read_at_each_synapse():
    rows = [(0, 5), (2, 1), (4, 4), (5, 0)]
    net, proj = network(nm.FromListConnector([(i, j, 0.5) for i, j in rows], column_names=["weight"]))
    w = np.arange(36, dtype=float).reshape(6, 6) / 100.0
    proj.set(weight=w)  # replaces the list's per-row weights
    net.run(1.0, threads=1)
    got = proj.get("weight", format="array")
    for i, j in rows:
        assert got[i, j] == pytest.approx(w[i, j], rel=1e-6)
    assert np.isnan(got).sum() == 36 - len(rows)


def test_a_distribution_is_drawn_at_the_build():
    net, proj = network(nm.AllToAll())
    proj.set(weight=nm.random.Uniform(0.01, 0.02))
    net.run(1.0, threads=1)
    w = np.array([r[2] for r in proj.get("weight")])
    assert w.size == 36 and (w >= 0.01).all() and (w <= 0.02).all() and np.unique(w).size > 30


def test_get_between_set_and_build_says_so():
    net, proj = network()
    net.run(1.0, threads=1)
    net.reset()
    proj.set(weight=0.03)
    with pytest.raises(nm.ConfigError, match="changed by Projection.set after the last build"):
        proj.get("weight")
    net.run(1.0, threads=1)
    assert proj.get("weight")[0][2] == pytest.approx(0.03, rel=1e-6)


def test_after_a_run_set_refuses_and_says_why():
    net, proj = network()
    net.run(1.0, threads=1)
    with pytest.raises(nm.ConfigError, match=r"pre->post.*net\.reset\(\)"):
        proj.set(weight=0.5)
    assert proj.get("weight")[0][2] == pytest.approx(0.01, rel=1e-6)  # nothing changed


@pytest.mark.parametrize("connector, kwargs, words", [
    (None, dict(tau=1.0), r"\['tau'\] cannot be set"),
    (None, dict(weight=[0.1, 0.2]), r"synapse\.weight"),            # 2 values for 6 synapses (core's check)
    (None, dict(delay=0.04), r"synapse\.delay"),                     # below half a step: no whole step
    (None, dict(weight="heavy"), "not a number"),
    (nm.FixedProbability(0.5), dict(weight=np.ones(6)), "arrays need a connector"),
    (None, dict(weight=np.ones((3, 3))), "3x3 array for a 6x6"),
])
def test_bad_values_are_refused_naming_projection_and_parameter(connector, kwargs, words):
    net, proj = network(connector)
    before = repr(net._projections[0][3])
    with pytest.raises(nm.ConfigError, match=words) as err:
        proj.set(**kwargs)
    assert "pre->post" in str(err.value)
    assert repr(net._projections[0][3]) == before  # the projection keeps its values


def test_the_sign_rule_applies():
    net, proj = network(receptor="excitatory")
    with pytest.raises(nm.ConfigError, match="pre->post"):
        proj.set(weight=-0.01)


def test_progress_bars_are_tqdm_auto(capsys):
    tqdm_auto = pytest.importorskip("tqdm.auto", reason="pip install tqdm")
    from neuromesh.network import _progress_bar
    report = _progress_bar(10.0)
    assert isinstance(report.bar, tqdm_auto.tqdm)
    report(0.5)
    assert report.bar.n == pytest.approx(5.0)
    report(1.0)
    net, _ = network()
    net.run(20.0, threads=1, progress=True)
    err = capsys.readouterr().err
    assert "building" in err and "simulating" in err and "100%" in err
