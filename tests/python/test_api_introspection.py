"""PyNN/NEST-style introspection (Population.get/set, PopulationView.set, Projection.size) and the
Jupyter HTML summaries of networks and results (issue 15, part 3)."""
import html.parser

import numpy as np
import pytest

nm = pytest.importorskip("neuromesh", reason="the neuromesh Python package is not built (NEUROMESH_WITH_PYTHON=OFF)")


def two_populations():
    net = nm.Network(dt=0.1, seed=7)
    cell = nm.IF_curr_exp(tau_m=20.0, v_thresh=-50.0)  # shared by both populations
    e = net.population(20, cell, label="E")
    i = net.population(5, cell, label="I")
    proj = net.connect(e, i, nm.FixedProbability(0.5), nm.StaticSynapse(weight=0.1, delay=1.0))
    return net, cell, e, i, proj


def test_get_simplifies_homogeneous_values_and_returns_arrays_otherwise():
    _, _, e, _, _ = two_populations()
    assert e.get("tau_m") == 20.0 and isinstance(e.get("tau_m"), float)
    tau_m, v_thresh = e.get(["tau_m", "v_thresh"])
    assert (tau_m, v_thresh) == (20.0, -50.0)
    full = e.get("tau_m", simplify=False)
    assert isinstance(full, np.ndarray) and full.shape == (20,) and np.all(full == 20.0)
    assert e.get("cm") == 1.0  # a default, in PyNN's units (nF), not the core's pF


def test_get_of_a_nest_model_uses_nest_names_and_units():
    net = nm.Network()
    pop = net.population(3, nm.Model("iaf_psc_alpha", C_m=200.0), label="P")
    assert pop.get("C_m") == 200.0
    assert pop.get("tau_m") == nm.Model("iaf_psc_alpha").params["tau_m"]


def test_set_whole_population_and_view_changes_only_their_neurons():
    _, cell, e, i, _ = two_populations()
    e.set(v_thresh=-55.0)
    e[5:10].set(tau_m=np.arange(5) + 10.0)
    tau = e.get("tau_m")
    assert np.array_equal(tau[5:10], np.arange(5) + 10.0) and np.all(tau[:5] == 20.0) and np.all(tau[10:] == 20.0)
    assert np.array_equal(e[5:10].get("tau_m"), np.arange(5) + 10.0)
    assert e[0:5].get("tau_m") == 20.0
    assert e.get("v_thresh") == -55.0
    assert i.get("tau_m") == 20.0 and i.get("v_thresh") == -50.0  # the shared cell type object is not changed
    assert cell.params["tau_m"] == 20.0


def test_set_values_reach_the_simulation():
    net = nm.Network(dt=0.1, seed=1)
    pop = net.population(10, nm.IF_curr_exp(), label="P")
    pop.record("spikes")
    pop[2:4].set(i_offset=2.0)  # 2 nA into 250 MOhm: far above threshold, only neurons 2 and 3
    ids, _ = net.run(50.0, threads=1).spikes("P")
    assert set(ids.tolist()) == {2, 3}


def test_set_errors_name_the_parameter():
    net, _, e, _, _ = two_populations()
    with pytest.raises(nm.ConfigError, match="population 'E': set: IF_curr_exp has no parameter 'tau_x'"):
        e.set(tau_x=1.0)
    with pytest.raises(nm.ConfigError, match="'tau_m': 2 values for 20 neurons"):
        e.set(tau_m=[1.0, 2.0])
    with pytest.raises(nm.ConfigError, match="'tau_m': 3 values for 5 neurons"):
        e[0:5].set(tau_m=[1.0, 2.0, 3.0])
    with pytest.raises(nm.ConfigError, match="'v_thresh': the value given is a distribution"):
        e[0:5].set(v_thresh=nm.random.Normal(-50.0, 1.0))
    e.set(v_thresh=nm.random.Normal(-50.0, 1.0))
    with pytest.raises(nm.ConfigError, match="'v_thresh': the value of population 'E' is a distribution"):
        e[0:5].set(v_thresh=-52.0)
    with pytest.raises(nm.ConfigError, match="parameter 'v_thresh' is Normal.*drawn in C\\+\\+"):
        e.get("v_thresh")
    src = net.population(4, nm.SpikeSourceArray(spike_times=[1.0]), label="S")
    with pytest.raises(nm.ConfigError, match="'allow_offgrid_times' applies to the whole population"):
        src[0:2].set(allow_offgrid_times=True)


def test_spike_source_times_per_view():
    net = nm.Network(dt=0.1)
    src = net.population(3, nm.SpikeSourceArray(spike_times=[1.0, 2.0]), label="S")
    assert np.array_equal(src.get("spike_times"), [1.0, 2.0])
    src[1:2].set(spike_times=[5.0])
    trains = src.get("spike_times")
    assert [t.tolist() for t in trains] == [[1.0, 2.0], [5.0], [1.0, 2.0]]
    src.record("spikes")
    ids, times = net.run(10.0, threads=1).spikes("S")
    assert sorted(zip(ids.tolist(), times.tolist())) == [(0, 1.0), (0, 2.0), (1, 5.0), (2, 1.0), (2, 2.0)]


def test_set_after_a_run_asks_for_reset_and_then_rebuilds():
    net, _, e, _, _ = two_populations()
    net.run(10.0, threads=1)
    with pytest.raises(nm.ConfigError, match=r"call net.reset\(\) first"):
        e.set(tau_m=10.0)
    with pytest.raises(nm.ConfigError, match=r"call net.reset\(\) first"):
        e[0:2].set(tau_m=10.0)
    assert e.get("tau_m") == 20.0  # refused: nothing changed
    net.reset()
    e.set(tau_m=10.0)
    assert e.get("tau_m") == 10.0
    net.run(10.0, threads=1)  # builds again


def test_projection_size_is_the_synapse_count_of_the_last_build():
    net, _, e, i, proj = two_populations()
    assert bool(proj)  # truthy before a build, although len() cannot answer yet
    with pytest.raises(nm.ConfigError, match="E->I: nothing is built yet"):
        proj.size()
    with pytest.raises(nm.ConfigError, match="nothing is built yet"):
        len(proj)
    result = net.run(10.0, threads=1)
    assert proj.size() == len(proj) == len(proj.get("weight", format="list")) == result.summary["synapses"] > 0
    later = net.connect(i, e[0:5], nm.OneToOne())
    with pytest.raises(nm.ConfigError, match="I->E: it was added after the last build"):
        later.size()
    net.reset()
    net.run(10.0, threads=1)
    assert later.size() == 5


class _Tables(html.parser.HTMLParser):
    """The text of every table cell, per table (checks the HTML is well-formed enough to parse)."""

    def __init__(self):
        super().__init__()
        self.tables, self._in_cell = [], False

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        self._in_cell = tag in ("td", "th")

    def handle_endtag(self, tag):
        self._in_cell = False

    def handle_data(self, data):
        if self._in_cell:
            self.tables[-1].append(data)


def cells(markup):
    parser = _Tables()
    parser.feed(markup)
    return parser.tables


def test_network_and_result_html():
    net, _, e, i, _ = two_populations()
    net.population(2, nm.Model("iaf_psc_alpha"), label="<odd & name>")
    e.record("spikes")
    net.poisson_input(e, 5000.0, 0.5)
    pops, projs = cells(net._repr_html_())
    assert pops[:4] == ["population", "size", "cell type", "recorded"]
    assert ["E", "20", "IF_curr_exp", "spikes"] == pops[4:8] and "<odd & name>" in pops  # escaped, read back
    assert "iaf_psc_alpha" in pops
    assert projs[:2] == ["pre", "post"] and projs[6:8] == ["E", "I"] and projs[-1] == "-"  # not built yet
    result = net.run(100.0, threads=1, output=None)
    _, projs = cells(net._repr_html_())
    assert projs[-1] == str(result.summary["synapses"])
    facts, rates = cells(result._repr_html_())
    fact = dict(zip(facts[2::2], facts[3::2]))
    assert fact["duration"] == "100.0 ms" and fact["output file"] == "none"
    assert fact["spikes"] == str(result.summary["spikes"])
    row = rates[rates.index("E"):rates.index("E") + 4]
    assert row == ["E", "20", str(result.summary["spikes_per_population"]["E"]), f"{result.rates()['E']:.3f}"]
    assert rates[rates.index("I") + 3] == "- (not recorded)"
