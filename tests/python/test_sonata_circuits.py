"""SONATA circuits against readers and writers we did not write (issue 15, part 2).

A circuit built with bmtk's NetworkBuilder (nodes, node types, edges, edge types, components and a
virtual population whose spikes bmtk's PoissonSpikeGenerator writes, off the time grid) is read by
neuromesh.sonata and simulated; the same files are simulated by NEST 3.10 through bmtk's PointNet
(bmtk's reader, NEST's neurons) and, where NEST is built with HDF5, by NEST's own
`nest.SonataNetwork`. The inputs are deterministic, so the spikes must be identical, step for step.
"""
import json
import os
import subprocess
import sys

import h5py
import numpy as np
import pytest

import neuromesh as nm
from neuromesh import sonata

BMTK_REASON = "bmtk (PyPI) builds the circuit and runs NEST on SONATA files; scripts/install-deps.sh installs it"

TSTOP, DT = 400.0, 0.1
POPS = ("V1", "L2")

# bmtk's PointNet drives NEST's spike_generator with precise_times=True; NEST's own SonataNetwork
# uses allow_offgrid_times=True (times first rounded to NEST's 1 us tic, then up to the grid), which
# neuromesh follows. They differ for a time within 0.5 us after a grid point, so PointNet is run
# with NEST SonataNetwork's settings.
POINTNET = """
import os
import sys
from bmtk.simulator import pointnet
init = pointnet.PointSimulator.__init__
def as_nest_sonata(self, *a, **k):
    init(self, *a, **k)
    self._sg_params = {"precise_times": False, "allow_offgrid_times": True}
pointnet.PointSimulator.__init__ = as_nest_sonata
for config in sys.argv[1:]:  # one process for all (NEST and bmtk load once; the simulator resets NEST)
    os.chdir(os.path.dirname(os.path.abspath(config)))  # bmtk takes "$BASE_DIR": "." from the working directory
    conf = pointnet.Config.from_json(config)
    conf.build_env()
    net = pointnet.PointNetwork.from_config(conf)
    pointnet.PointSimulator.from_config(conf, net).run()
"""


def build_circuit(d, seed=1):
    """A bmtk circuit in directory d: V1 (iaf_psc_alpha, two node types), L2 (iaf_psc_exp), LGN
    (virtual, Poisson spikes written by bmtk); returns the simulation config's path."""
    from bmtk.builder.networks import NetworkBuilder
    from bmtk.utils.reports.spike_trains import PoissonSpikeGenerator
    rng = np.random.default_rng(seed)

    def p(prob):
        return lambda s, t: int(rng.random() < prob)
    net_dir, comp = os.path.join(d, "network"), os.path.join(d, "components")
    v1 = NetworkBuilder("V1")
    v1.add_nodes(N=8, model_type="point_neuron", model_template="nest:iaf_psc_alpha", dynamics_params="exc.json", ei="e")
    v1.add_nodes(N=4, model_type="point_neuron", model_template="nest:iaf_psc_alpha", dynamics_params="inh.json", ei="i")
    v1.add_edges(source={"ei": "e"}, target={"ei": "i"}, connection_rule=p(0.5), syn_weight=30.0, delay=1.5,
                 dynamics_params="static.json", model_template="static_synapse")
    v1.add_edges(source={"ei": "i"}, target={"ei": "e"}, connection_rule=p(0.5), syn_weight=-60.0, delay=2.0,
                 dynamics_params="static.json", model_template="static_synapse")
    v1.build()
    v1.save(output_dir=net_dir)
    l2 = NetworkBuilder("L2")
    l2.add_nodes(N=6, model_type="point_neuron", model_template="nest:iaf_psc_exp", dynamics_params="l2.json")
    l2.add_edges(target=v1.nodes(ei="e"), connection_rule=p(0.4), syn_weight=-40.0, delay=1.2,
                 dynamics_params="static.json", model_template="static_synapse")
    l2.build()
    l2.save(output_dir=net_dir)
    lgn = NetworkBuilder("LGN")
    lgn.add_nodes(N=5, model_type="virtual")
    lgn.add_edges(target=v1.nodes(), connection_rule=p(0.6), syn_weight=400.0, delay=1.0,
                  dynamics_params="static.json", model_template="static_synapse")
    lgn.add_edges(target=l2.nodes(), connection_rule=p(0.5), syn_weight=500.0, delay=0.8,
                  dynamics_params="static.json", model_template="static_synapse")
    lgn.build()
    lgn.save(output_dir=net_dir)
    os.makedirs(os.path.join(comp, "cell_models"))
    os.makedirs(os.path.join(comp, "synaptic_models"))
    for name, params in (("exc", {"tau_m": 10.0, "C_m": 250.0, "I_e": 100.0, "V_th": -55.0}),
                         ("inh", {"tau_m": 8.0, "C_m": 200.0, "t_ref": 1.0}),
                         ("l2", {"tau_m": 15.0, "I_e": 200.0, "tau_syn_ex": 1.0, "V_m": -60.0})):
        with open(os.path.join(comp, "cell_models", name + ".json"), "w") as f:
            json.dump(params, f)
    with open(os.path.join(comp, "synaptic_models", "static.json"), "w") as f:
        json.dump({}, f)
    psg = PoissonSpikeGenerator(population="LGN", seed=seed + 2)
    psg.add(node_ids=range(5), firing_rate=40.0, times=(0.0, TSTOP / 1000.0))
    psg.to_sonata(os.path.join(d, "lgn_spikes.h5"))
    files = [f"$NETWORK_DIR/{name}" for name in ("V1", "L2", "LGN")]
    circuit = {"manifest": {"$BASE_DIR": ".", "$NETWORK_DIR": "$BASE_DIR/network", "$COMPONENTS_DIR": "$BASE_DIR/components"},
               "components": {"point_neuron_models_dir": "$COMPONENTS_DIR/cell_models",
                              "synaptic_models_dir": "$COMPONENTS_DIR/synaptic_models"},
               "networks": {"nodes": [{"nodes_file": f + "_nodes.h5", "node_types_file": f + "_node_types.csv"}
                                      for f in files],
                            "edges": [{"edges_file": f"$NETWORK_DIR/{e}_edges.h5",
                                       "edge_types_file": f"$NETWORK_DIR/{e}_edge_types.csv"}
                                      for e in ("V1_V1", "L2_V1", "LGN_V1", "LGN_L2")]}}
    simulation = {"manifest": {"$BASE_DIR": ".", "$OUTPUT_DIR": "$BASE_DIR/output"}, "target_simulator": "NEST",
                  "network": "circuit_config.json", "run": {"tstop": TSTOP, "dt": DT},
                  "inputs": {"LGN_spikes": {"input_type": "spikes", "module": "sonata",
                                            "input_file": "$BASE_DIR/lgn_spikes.h5", "node_set": "LGN"}},
                  "output": {"output_dir": "$OUTPUT_DIR", "spikes_file": "spikes.h5"}}
    for name, conf in (("circuit_config.json", circuit), ("simulation_config.json", simulation)):
        with open(os.path.join(d, name), "w") as f:
            json.dump(conf, f, indent=1)
    return os.path.join(d, "simulation_config.json")


@pytest.fixture(scope="module")
def circuit(tmp_path_factory):
    pytest.importorskip("bmtk", reason=BMTK_REASON)
    return build_circuit(str(tmp_path_factory.mktemp("bmtk_circuit")))


@pytest.fixture(scope="module")
def nest_runs(circuit, tmp_path_factory):
    """NEST 3.10 through bmtk's PointNet, in one process, on: the bmtk circuit ("bmtk"), a copy
    whose V1 mixes two models ("two_models") and a circuit neuromesh exported ("exported");
    {name: config, config: {population: sorted (step, id)}}."""
    import shutil
    pytest.importorskip("nest", reason="NEST 3.10 (PyPI nest-simulator) is the reference simulator")
    two = tmp_path_factory.mktemp("two_models") / "c"
    shutil.copytree(os.path.dirname(circuit), two, ignore=shutil.ignore_patterns("output"))
    csv = two / "network" / "V1_node_types.csv"
    lines = csv.read_text().splitlines()
    csv.write_text("\n".join([lines[0], lines[1], lines[2].replace("nest:iaf_psc_alpha", "nest:iaf_psc_exp")]) + "\n")
    exported = sonata.write(small_network(distributions=False), tmp_path_factory.mktemp("exported") / "c", tstop=300.0)
    configs = {"bmtk": circuit, "two_models": str(two / "simulation_config.json"), "exported": exported}
    script = tmp_path_factory.mktemp("pointnet") / "pointnet.py"
    script.write_text(POINTNET)
    run = subprocess.run([sys.executable, str(script), *configs.values()], capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    out = dict(configs)
    for config in configs.values():
        with h5py.File(os.path.join(os.path.dirname(config), "output", "spikes.h5"), "r") as f:
            out[config] = {p: steps(g["node_ids"][()], g["timestamps"][()]) for p, g in f["spikes"].items()}
    return out


def steps(ids, times):
    """Spikes as a sorted list of (step, node id)."""
    return sorted(zip(np.round(np.asarray(times) / DT).astype(int).tolist(), np.asarray(ids).astype(int).tolist()))


def neuromesh_spikes(config, precision="double"):
    net = sonata.read(config)
    result = net.run(net.sonata.tstop, threads=2, precision=precision)
    return {p: steps(*result.spikes(p)) for p in POPS}, result.rates()


def test_reads_the_bmtk_circuit(circuit):
    net = sonata.read(circuit)
    assert net.dt == DT and net.sonata.tstop == TSTOP
    sizes = {p.label: p.size for p in net.populations}
    assert sizes == {"V1": 12, "L2": 6, "LGN": 5}
    v1 = next(p for p in net.populations if p.label == "V1")
    assert v1.cell.core_model == "iaf_psc_alpha"
    np.testing.assert_array_equal(v1.cell.core_params()["C_m"], [250.0] * 8 + [200.0] * 4)
    l2 = next(p for p in net.populations if p.label == "L2")
    assert l2.initial == {"V_m": -60.0}  # a state variable in dynamics_params: the initial value, as NEST sets it
    # every edge of every file, each once, with its weight and sign
    n_edges = 0
    for name in ("V1_V1", "L2_V1", "LGN_V1", "LGN_L2"):
        with h5py.File(os.path.join(os.path.dirname(circuit), "network", f"{name}_edges.h5"), "r") as f:
            n_edges += sum(len(g["source_node_id"]) for g in f["edges"].values())
    assert sum(len(conn.sources) for _, _, conn, _, _ in net._projections) == n_edges
    receptors = {(pre.label, post.label, receptor) for pre, post, _, _, receptor in net._projections}
    assert ("V1", "V1", "inhibitory") in receptors and ("V1", "V1", "by_sign") in receptors


def test_spikes_identical_to_nest_through_bmtk_pointnet(circuit, nest_runs):
    nest_spikes = nest_runs[circuit]
    for precision in ("double", "float"):
        ours, rates = neuromesh_spikes(circuit, precision)
        for p in POPS:
            n = {"V1": 12, "L2": 6}[p]
            print(f"{precision}: {p}: neuromesh {rates[p]:.2f} Hz, NEST (bmtk PointNet) "
                  f"{len(nest_spikes[p]) / n / TSTOP * 1000:.2f} Hz")
            assert len(nest_spikes[p]) > 20  # the comparison means something: the neurons fire
            assert ours[p] == nest_spikes[p], f"{precision}: {p}: first difference " + str(
                next(((a, b) for a, b in zip(ours[p], nest_spikes[p]) if a != b), (len(ours[p]), len(nest_spikes[p]))))


def test_spikes_identical_to_nest_sonata_network(circuit):
    nest = pytest.importorskip("nest")
    if not nest.build_info.get("have_hdf5", False) if hasattr(nest, "build_info") else \
            not nest.GetKernelStatus("build_info")["have_hdf5"]:
        pytest.skip("this NEST (3.10 from PyPI) is built without HDF5, so nest.SonataNetwork is unavailable; "
                    "test_spikes_identical_to_nest_through_bmtk_pointnet runs the same NEST on these files")
    nest.ResetKernel()
    net = nest.SonataNetwork(os.path.join(os.path.dirname(circuit), "circuit_config.json"), sim_config=circuit)
    nodes = net.BuildNetwork()
    recorders = {p: nest.Create("spike_recorder") for p in POPS}
    for p in POPS:
        nest.Connect(nodes[p], recorders[p])
    net.Simulate()
    ours, _ = neuromesh_spikes(circuit)
    for p in POPS:
        ev = recorders[p].events
        assert ours[p] == steps(np.asarray(ev["senders"]) - nodes[p][0].global_id, ev["times"])


def test_population_with_two_models(nest_runs):
    """V1's inhibitory node type switched to iaf_psc_exp: neuromesh makes V1.iaf_psc_alpha and
    V1.iaf_psc_exp, maps every edge onto them, and gives back NEST's spikes under SONATA's ids."""
    config = nest_runs["two_models"]
    net = sonata.read(config)
    assert {p.label: p.size for p in net.populations} == {"V1.iaf_psc_alpha": 8, "V1.iaf_psc_exp": 4, "L2": 6, "LGN": 5}
    result = net.run(net.sonata.tstop, precision="double")
    theirs = nest_runs[config]
    for p in POPS:
        ours = steps(*net.sonata.spikes(result, p))
        assert len(ours) > 20 and ours == theirs[p], p


def test_bmtk_style_config_json(circuit, tmp_path):
    """bmtk's build_env_pointnet layout: config.json naming both configs by absolute path, and
    manifests with "$BASE_DIR": "${configdir}"."""
    d = _copy_circuit(circuit, tmp_path)
    for name in ("circuit_config.json", "simulation_config.json"):
        _edit_json(d / name, lambda c: c["manifest"].update({"$BASE_DIR": "${configdir}"}))
    _edit_json(d / "simulation_config.json", lambda c: c.pop("network"))
    (d / "config.json").write_text(json.dumps({"network": str(d / "circuit_config.json"),
                                               "simulation": str(d / "simulation_config.json")}))
    assert neuromesh_spikes(d / "config.json") == neuromesh_spikes(circuit)


def test_cli_runs_a_sonata_config(circuit, tmp_path):
    out = tmp_path / "out.h5"
    run = subprocess.run([sys.executable, "-m", "neuromesh.cli", "run", circuit, "-o", str(out), "--double",
                          "--threads", "1"], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "V1" in run.stdout and "rate [Hz]" in run.stdout
    ours, _ = neuromesh_spikes(circuit)
    with h5py.File(out, "r") as f:  # the spikes file is SONATA: /spikes/<population>
        for p in POPS:
            assert steps(f["spikes"][p]["node_ids"][()], f["spikes"][p]["timestamps"][()]) == ours[p]


def test_cpp_cli_points_to_the_python_command(circuit, cli):
    run = subprocess.run([cli, "run", circuit], capture_output=True, text=True, timeout=60)
    assert run.returncode != 0 and "SONATA config" in run.stderr and "neuromesh.sonata.read" in run.stderr


# ---------------------------------------------------------------- errors name the file and key

def _copy_circuit(circuit, tmp_path):
    import shutil
    d = tmp_path / "c"
    shutil.copytree(os.path.dirname(circuit), d, ignore=shutil.ignore_patterns("output"))
    return d


def _edit_json(path, change):
    with open(path) as f:
        conf = json.load(f)
    change(conf)
    with open(path, "w") as f:
        json.dump(conf, f)


def test_missing_file_names_the_config_key(circuit, tmp_path):
    d = _copy_circuit(circuit, tmp_path)
    os.remove(d / "network" / "L2_nodes.h5")
    with pytest.raises(sonata.SonataError, match=r"circuit_config.json: networks.nodes\[1\].nodes_file: .*L2_nodes.h5"):
        sonata.read(d / "simulation_config.json")


def test_undefined_manifest_variable(circuit, tmp_path):
    d = _copy_circuit(circuit, tmp_path)
    _edit_json(d / "circuit_config.json", lambda c: c["components"].update(point_neuron_models_dir="$NOPE/x"))
    with pytest.raises(sonata.SonataError, match=r"circuit_config.json: .components.point_neuron_models_dir: \$NOPE"):
        sonata.read(d / "simulation_config.json")


def test_unknown_model_names_the_types_file(circuit, tmp_path):
    d = _copy_circuit(circuit, tmp_path)
    csv = d / "network" / "L2_node_types.csv"
    csv.write_text(csv.read_text().replace("nest:iaf_psc_exp", "nest:ht_neuron"))  # a NEST model neuromesh lacks
    with pytest.raises(sonata.SonataError, match=r"L2_node_types.csv: node type 100: model_template 'nest:ht_neuron'"):
        sonata.read(d / "simulation_config.json")


def test_unknown_parameter_names_the_population(circuit, tmp_path):
    d = _copy_circuit(circuit, tmp_path)
    _edit_json(d / "components" / "cell_models" / "l2.json", lambda c: c.update(tau_q=3.0))
    with pytest.raises(sonata.SonataError, match=r"population 'L2': dynamics_params 'tau_q' is not a parameter"):
        sonata.read(d / "simulation_config.json")


def test_invalid_parameter_names_the_parameter_file(circuit, tmp_path):
    d = _copy_circuit(circuit, tmp_path)
    _edit_json(d / "components" / "cell_models" / "inh.json", lambda c: c.update(tau_m=-8.0))
    with pytest.raises(sonata.SonataError, match=r"V1_node_types.csv: node type 101: dynamics_params 'inh.json' "
                                                 r"\(iaf_psc_alpha\): tau_m"):
        sonata.read(d / "simulation_config.json")


# Python's json writes and reads NaN and Infinity; iaf_psc_alpha's check judges finite numbers only,
# and the reader applies the shared finiteness rule first, so the error still names the file.
@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_non_finite_parameter_names_the_parameter_file(circuit, tmp_path, value):
    d = _copy_circuit(circuit, tmp_path)
    _edit_json(d / "components" / "cell_models" / "inh.json", lambda c: c.update(I_e=value))
    with pytest.raises(sonata.SonataError, match=r"V1_node_types.csv: node type 101: dynamics_params 'inh.json' "
                                                 r"\(iaf_psc_alpha\): I_e: must be a finite number"):
        sonata.read(d / "simulation_config.json")


def _set_column(csv_path, column, value):
    """Sets one column of every row of a space-separated types CSV (bmtk's column order follows
    Python's string hashing, so it differs between processes: edit by name, not by position)."""
    lines = csv_path.read_text().splitlines()
    header = lines[0].split()
    k = header.index(column)
    rows = [line.split() for line in lines[1:] if line.strip()]
    for r in rows:
        r[k] = value
    csv_path.write_text("\n".join(" ".join(r) for r in [header] + rows) + "\n")


def test_bad_edges_name_the_file(circuit, tmp_path):
    d = _copy_circuit(circuit, tmp_path)
    csv = d / "network" / "LGN_L2_edge_types.csv"
    _set_column(csv, "delay", "0.05")
    with pytest.raises(sonata.SonataError, match=r"LGN_L2_edges.h5: /edges/LGN_to_L2: edge 0 has delay 0.05 ms, "
                                                 r"shorter than the time step dt = 0.1 ms"):
        sonata.read(d / "simulation_config.json")
    _set_column(csv, "delay", "0.8")
    csv.write_text(csv.read_text().replace("static_synapse", "stdp_synapse").replace("static.json", "stdp.json"))
    (d / "components" / "synaptic_models" / "stdp.json").write_text(json.dumps({"tau_plux": 3.0}))
    with pytest.raises(sonata.SonataError, match=r"LGN_L2_edges.h5: /edges/LGN_to_L2 \(edge type 101 of "
                                                 r".*LGN_L2_edge_types.csv\): .*tau_plux"):
        sonata.read(d / "simulation_config.json")


def test_virtual_population_without_input(circuit, tmp_path):
    d = _copy_circuit(circuit, tmp_path)
    _edit_json(d / "simulation_config.json", lambda c: c.pop("inputs"))
    with pytest.raises(sonata.SonataError, match=r"virtual population 'LGN' has no spike input"):
        sonata.read(d / "simulation_config.json")


def test_nsyns_other_than_one_must_be_chosen(circuit, tmp_path):
    d = _copy_circuit(circuit, tmp_path)
    with h5py.File(d / "network" / "LGN_V1_edges.h5", "r+") as f:
        ds = f["edges/LGN_to_V1/0/nsyns"]
        ds[0] = 3
    with pytest.raises(sonata.SonataError, match=r"LGN_V1_edges.h5: /edges/LGN_to_V1: nsyns is not 1"):
        sonata.read(d / "simulation_config.json")
    net = sonata.read(d / "simulation_config.json", nsyns="multiply")
    weights = np.concatenate([conn.values["weight"] for pre, post, conn, _, _ in net._projections
                              if pre.label == "LGN" and post.label == "V1"])
    assert sorted(set(weights.tolist())) == [400.0, 1200.0]
    assert nm.sonata is sonata


# ---------------------------------------------------------------- export

def small_network(distributions=True):
    """A network with every part export writes: a PyNN cell (units converted), a NEST-named model,
    per-neuron values (distributions) or not, a spike source, excitatory, PyNN-inhibitory and
    NEST-negative projections, a slice, and an STDP projection."""
    net = nm.Network(dt=DT, seed=7, name="small")
    start = {"v": nm.random.Uniform(-70.0, -55.0)} if distributions else {"v": -60.0}
    e = net.population(40, nm.IF_cond_exp(i_offset=nm.random.Normal(0.8, 0.05) if distributions else 0.8,
                                          tau_refrac=2.0), label="E", initial=start)
    i = net.population(10, nm.Model("iaf_psc_alpha", I_e=400.0, tau_m=12.0), label="I")
    stim = net.population(5, nm.SpikeSourceArray(spike_times=[[5.0, 50.0, 120.0], [7.5], [], [30.0, 30.0], [99.9]]),
                          label="stim")
    net.connect(e, e, nm.FixedProbability(0.2), nm.StaticSynapse(weight=0.004, delay=1.5), receptor="excitatory")
    net.connect(e, i, nm.FixedInDegree(8), nm.StaticSynapse(weight=60.0, delay=nm.random.Uniform(0.5, 2.0)
                                                            if distributions else 1.0))
    net.connect(i, e, nm.FixedProbability(0.5), nm.StaticSynapse(weight=0.02, delay=0.8), receptor="inhibitory")
    net.connect(i, i, nm.AllToAll(allow_self_connections=False), {"weight": -40.0, "delay": 1.0})
    net.connect(stim, e[10:30], nm.FixedOutDegree(6), nm.StaticSynapse(weight=0.05, delay=1.0))
    if distributions:
        net.connect(e, i, nm.FixedProbability(0.1),
                    nm.STDPSynapse(weight=20.0, delay=1.0, tau_plus=15.0, Wmax=80.0, **{"lambda": 0.05}))
    return net


def run_and_synapses(net, duration=300.0, threads=2):
    result = net.run(duration, threads=threads, precision="double")
    spikes = {p.label: steps(*result.spikes(p.label)) for p in net.populations}
    synapses = [net._last.synapses(k) for k in range(len(net._projections))]
    return spikes, synapses


def test_export_import_same_network_and_bit_identical_spikes(tmp_path):
    net = small_network()
    config = sonata.write(net, tmp_path / "exported", tstop=300.0)
    again = sonata.read(config)
    assert again.sonata.tstop == 300.0 and again.dt == DT
    assert [(p.label, p.size, p.cell.core_model) for p in again.populations] == \
        [(p.label, p.size, p.cell.core_model) for p in net.populations]
    assert [(pre.label, post.label) for pre, post, *_ in again._projections] == \
        [("E", "E"), ("E", "I"), ("I", "E"), ("I", "I"), ("stim", "E"), ("E", "I")]
    spikes, synapses = run_and_synapses(net)
    spikes2, synapses2 = run_and_synapses(again, threads=1)
    for p in ("E", "I"):
        assert len(spikes[p]) > 10
    assert spikes2 == spikes  # bit-identical: every spike, same step
    spec, spec2 = net.spec(), again.spec()
    for p in net.populations:  # every parameter and initial value, neuron by neuron (core units)
        for name in p.cell.core_params():
            assert nm._core.neuron_values(spec, p.label, name) == nm._core.neuron_values(spec2, p.label, name)
        for name in p.cell.core_initial(p.initial):
            assert nm._core.neuron_values(spec, p.label, name, True) == \
                nm._core.neuron_values(spec2, p.label, name, True)
    for k, (a, b) in enumerate(zip(synapses, synapses2)):  # same synapses, weights (core units) and delays
        rows = [sorted(zip(*(np.asarray(d[c]).tolist() for c in ("pre", "post", "weight", "delay")))) for d in (a, b)]
        assert len(rows[0]) > 0 and rows[0] == rows[1], f"projection {k}"
    # the STDP projection kept its model and parameters
    syn = again._projections[5][3]
    assert type(syn).__name__ == "STDPSynapse" and syn.params["tau_plus"] == 15.0 and syn.params["lambda"] == 0.05


def test_export_refuses_poisson_and_dc(tmp_path):
    net = nm.Network()
    e = net.population(3, nm.IF_curr_exp(), label="E")
    net.poisson_input(e, 100.0, 10.0)
    with pytest.raises(sonata.SonataError, match="poisson_generator onto 'E'.*SpikeSourceArray"):
        sonata.write(net, tmp_path / "x")


def test_exported_circuit_read_by_libsonata(tmp_path):
    libsonata = pytest.importorskip("libsonata", reason="libsonata (PyPI) reads the exported files")
    net = small_network()
    d = tmp_path / "exported"
    sonata.write(net, d, tstop=100.0)
    nodes = libsonata.NodeStorage(str(d / "network" / "nodes.h5"))
    assert nodes.population_names == {"E", "I"}
    e = nodes.open_population("E")
    assert e.size == 40 and {"I_e", "V_m"} <= set(e.dynamics_attribute_names)
    i_offset = e.get_dynamics_attribute("I_e", libsonata.Selection([[0, 40]]))
    assert len(set(np.round(i_offset, 9))) > 10  # the drawn values, one per neuron
    spikes, synapses = run_and_synapses(net, 50.0)
    edges = libsonata.EdgeStorage(str(d / "network" / "edges.h5"))
    for k, name in enumerate(["E_to_E", "E_to_I_1", "I_to_E", "I_to_I", "stim_to_E", "E_to_I_5"]):
        pop = edges.open_population(name)
        sel = libsonata.Selection([[0, pop.size]])
        assert pop.source == net._projections[k][0].label and pop.size == len(synapses[k]["pre"])
        w = pop.get_attribute("syn_weight", sel)
        if k != 5:  # the STDP projection's weights have changed during the run
            assert sorted(w) == sorted(synapses[k]["weight"])
        if k == 2:
            assert np.all(np.asarray(w) < 0)  # PyNN-positive inhibitory weights, written with NEST's sign
    circuit = libsonata.CircuitConfig.from_file(str(d / "circuit_config.json"))
    assert circuit.node_populations == {"E", "I", "stim"} and circuit.edge_populations == set(edges.population_names)
    assert circuit.node_population("I").size == 10
    # (libsonata's SimulationConfig is BBP's flavour: its spike inputs are module "synapse_replay" with
    # "spike_file"; bmtk's and NEST's are "input_file", as written here.)
    inputs = libsonata.SpikeReader(str(d / "inputs" / "spikes.h5"))
    assert sorted(inputs["stim"].get()) == sorted([(0, 5.0), (0, 50.0), (0, 120.0), (1, 7.5), (3, 30.0), (3, 30.0),
                                                   (4, 99.9)])


def test_exported_circuit_simulated_by_nest_through_bmtk_pointnet(nest_runs):
    net = small_network(distributions=False)  # NEST reads node-type parameters only
    theirs = nest_runs[nest_runs["exported"]]
    ours, _ = run_and_synapses(net)
    for p, n in (("E", 40), ("I", 10)):
        print(f"{p}: neuromesh {len(ours[p]) / n / 0.3:.2f} Hz, NEST (bmtk PointNet, exported circuit) "
              f"{len(theirs[p]) / n / 0.3:.2f} Hz")
        assert len(theirs[p]) > 10 and theirs[p] == ours[p]


def test_cli_export(tmp_path, cli):
    net_file = tmp_path / "net.json"
    net_file.write_text(json.dumps({
        "name": "cli", "dt": 0.1, "duration": 100.0,
        "populations": [{"label": "A", "size": 20, "model": "iaf_psc_exp", "params": {"I_e": 400.0}},
                        {"label": "B", "size": 10, "model": "iaf_psc_exp"}],
        "projections": [{"pre": "A", "post": "B", "connector": {"type": "fixed_indegree", "n": 5},
                         "synapse": {"weight": 1500.0, "delay": 1.0}}]}))
    run = subprocess.run([sys.executable, "-m", "neuromesh.cli", "export", str(net_file), str(tmp_path / "out")],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    config = tmp_path / "out" / "simulation_config.json"
    assert str(config) in run.stdout
    again = sonata.read(config)
    assert again.sonata.tstop == 100.0
    direct = subprocess.run([cli, "run", str(net_file), "-o", str(tmp_path / "a.h5"), "--quiet"], timeout=300)
    assert direct.returncode == 0
    result = again.run(100.0)
    from neuromesh import analysis
    original = analysis.read_spikes(str(tmp_path / "a.h5"))
    for p in ("A", "B"):
        ids, times = result.spikes(p)
        assert steps(ids, times) == steps(original[p].ids, original[p].times) and len(ids) > 0


EXPORT_SCRIPT = r'''
import sys
sys.path.insert(0, sys.argv[2])
from test_sonata_circuits import small_network
import neuromesh as nm
nm.sonata.write(small_network(), sys.argv[1], tstop=100.0, threads=1)
'''


@pytest.mark.requires_mpi
def test_export_under_mpirun_writes_the_same_circuit(tmp_path, mpirun):
    ranks, env = mpirun
    script = tmp_path / "export.py"
    script.write_text(EXPORT_SCRIPT)
    here = os.path.dirname(os.path.abspath(__file__))
    for launcher, name in (([], "single"), (ranks(2), "ranks")):
        run = subprocess.run([*launcher, sys.executable, str(script), str(tmp_path / name), here], env=env,
                             capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stdout + run.stderr
    with h5py.File(tmp_path / "single" / "network" / "edges.h5", "r") as a, \
            h5py.File(tmp_path / "ranks" / "network" / "edges.h5", "r") as b:
        assert sorted(a["edges"]) == sorted(b["edges"]) and len(a["edges"]) == 6
        for name in a["edges"]:  # the same edges, in the same places (the writer's order is rank-independent)
            for key in ("source_node_id", "target_node_id", "edge_type_id", "0/syn_weight", "0/delay"):
                np.testing.assert_array_equal(a["edges"][name][key][()], b["edges"][name][key][()])
    for f in ("network/nodes.h5", "inputs/spikes.h5"):
        with h5py.File(tmp_path / "single" / f, "r") as a, h5py.File(tmp_path / "ranks" / f, "r") as b:
            ga, gb = a[list(a)[0]], b[list(b)[0]]
            for pop in ga:
                for key in ga[pop]:
                    if isinstance(ga[pop][key], h5py.Dataset):
                        np.testing.assert_array_equal(ga[pop][key][()], gb[pop][key][()])
    for f in ("circuit_config.json", "simulation_config.json", "network/node_types.csv", "network/edge_types.csv"):
        assert (tmp_path / "single" / f).read_text() == (tmp_path / "ranks" / f).read_text()
