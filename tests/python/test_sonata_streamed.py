"""Streamed SONATA edges (issue 15, part 2, large circuits): sonata.read(stream=True) hands each
edge population to the core's `sonata` connector, which every shard reads from the file at build
time for its own targets (through indices/target_to_source, or by a chunked scan where a file has
no index). It must give the very synapses, in the very order, of the explicit reader
(stream=False): bit-identical spikes for any thread count and backend."""
import json
import subprocess
import sys

import h5py
import numpy as np
import pytest

import neuromesh as nm
from neuromesh import sonata

DT = 0.1


def steps(ids, times):
    return sorted(zip(np.asarray(ids).tolist(), np.round(np.asarray(times) / DT).astype(int).tolist()))


def exported_network(tmp_path):
    net = nm.Network(dt=DT, seed=3, name="streamed")
    e = net.population(60, nm.IF_cond_exp(i_offset=nm.random.Normal(0.8, 0.05), tau_refrac=2.0), label="E",
                       initial={"v": nm.random.Uniform(-70.0, -55.0)})
    i = net.population(15, nm.Model("iaf_psc_alpha", I_e=400.0, tau_m=12.0), label="I")
    stim = net.population(5, nm.SpikeSourceArray(spike_times=[[5.0, 50.0], [7.5], [], [30.0], [99.9]]), label="stim")
    net.connect(e, e, nm.FixedProbability(0.2), nm.StaticSynapse(weight=0.004, delay=nm.random.Uniform(0.5, 2.0)))
    net.connect(e, i, nm.FixedTotalNumber(400), nm.StaticSynapse(weight=60.0, delay=1.0))  # multapses
    net.connect(i, e, nm.FixedProbability(0.5), nm.StaticSynapse(weight=0.02, delay=0.8), receptor="inhibitory")
    net.connect(i, i, nm.AllToAll(allow_self_connections=False), {"weight": -40.0, "delay": 1.0})
    net.connect(stim, e[10:30], nm.FixedOutDegree(6), nm.StaticSynapse(weight=0.05, delay=1.0))
    net.connect(e, i, nm.FixedProbability(0.1),
                nm.STDPSynapse(weight=20.0, delay=1.0, tau_plus=15.0, Wmax=80.0, **{"lambda": 0.05}))
    return sonata.write(net, tmp_path / "exported", tstop=200.0)


def run(net, threads, backend="cpu"):
    net.reset()  # each call a new run from t = 0
    result = net.run(200.0, threads=threads, backend=backend, precision="double")
    spikes = {p.label: steps(*result.spikes(p.label)) for p in net.populations}
    return spikes, [net._last.synapses(k) for k in range(len(net._projections))]


def rows(synapses):
    return [list(zip(*(np.asarray(d[c]).tolist() for c in ("pre", "post", "weight", "delay")))) for d in synapses]


def test_streamed_import_of_an_export_is_bit_identical(tmp_path):
    config = exported_network(tmp_path)
    explicit, streamed = sonata.read(config, stream=False), sonata.read(config, stream=True)
    assert all(isinstance(c, sonata.EdgeArrays) for _, _, c, _, _ in explicit._projections)
    assert all(isinstance(c, sonata.SonataEdges) for _, _, c, _, _ in streamed._projections)
    spikes, synapses = run(explicit, 1)
    assert sum(len(s) for s in spikes.values()) > 50
    for threads in (1, 2):
        spikes2, synapses2 = run(streamed, threads)
        assert spikes2 == spikes, f"{threads} thread(s)"
        assert sorted(map(sorted, rows(synapses2))) == sorted(map(sorted, rows(synapses)))
    if "cuda-omp" in nm.features().get("backends", []):  # the cuda backends stream lists on the host
        assert run(streamed, 2, "cuda-omp")[0] == spikes


def handmade_circuit(tmp_path, index=False):
    """A bmtk-style circuit written here: one node population of two models in contiguous blocks,
    one edge population with two edge types (delays only in the types CSV), weights of both
    signs, edges in no particular order, with or without indices."""
    rng = np.random.default_rng(5)
    d = tmp_path / ("indexed" if index else "plain")
    (d / "components").mkdir(parents=True)
    n_a, n_b = 30, 20
    with h5py.File(d / "nodes.h5", "w") as f:
        g = f.create_group("nodes/cortex")
        g["node_type_id"] = np.array([1] * n_a + [2] * n_b)
        g.create_group("0")
    (d / "node_types.csv").write_text("node_type_id model_type model_template dynamics_params\n"
                                      "1 point_neuron nest:iaf_psc_alpha a.json\n"
                                      "2 point_neuron nest:iaf_psc_exp b.json\n")
    (d / "components" / "a.json").write_text(json.dumps({"I_e": 380.0, "tau_m": 10.0}))
    (d / "components" / "b.json").write_text(json.dumps({"I_e": 360.0}))
    n = 1500
    src, tgt = rng.integers(0, n_a + n_b, n), rng.integers(0, n_a + n_b, n)
    types = rng.choice([10, 11], n)
    w = rng.uniform(-30.0, 60.0, n)
    with h5py.File(d / "edges.h5", "w") as f:
        g = f.create_group("edges/cortex_to_cortex")
        g["source_node_id"], g["target_node_id"] = src.astype(np.uint64), tgt.astype(np.uint64)
        g["source_node_id"].attrs["node_population"] = "cortex"
        g["target_node_id"].attrs["node_population"] = "cortex"
        g["edge_type_id"] = types
        g["edge_group_id"] = np.zeros(n, dtype=np.int64)
        g["edge_group_index"] = np.arange(n, dtype=np.uint64)
        g["0/syn_weight"] = w
        if index:  # libsonata's layout: per target, ranges of its edges (here several per target)
            ranges, node = [], []
            for t in range(n_a + n_b):
                first = len(ranges)
                ids = np.flatnonzero(tgt == t)
                for run_ in np.split(ids, np.flatnonzero(np.diff(ids) != 1) + 1) if len(ids) else []:
                    ranges.append([run_[0], run_[-1] + 1])
                node.append([first, len(ranges)])
            g["indices/target_to_source/node_id_to_ranges"] = np.array(node, dtype=np.uint64)
            g["indices/target_to_source/range_to_edge_id"] = np.array(ranges, dtype=np.uint64).reshape(-1, 2)
    (d / "edge_types.csv").write_text("edge_type_id model_template delay\n10 static_synapse 1.5\n"
                                      "11 static_synapse 0.7\n")
    config = {"components": {"point_neuron_models_dir": str(d / "components")},
              "networks": {"nodes": [{"nodes_file": str(d / "nodes.h5"), "node_types_file": str(d / "node_types.csv")}],
                           "edges": [{"edges_file": str(d / "edges.h5"),
                                      "edge_types_file": str(d / "edge_types.csv")}]},
              "run": {"tstop": 200.0, "dt": DT}}
    (d / "circuit_config.json").write_text(json.dumps(config))
    return d / "circuit_config.json"


@pytest.mark.parametrize("index", [False, True], ids=["chunked-scan", "target-index"])
def test_types_signs_and_models_split_as_the_explicit_reader(tmp_path, index):
    config = handmade_circuit(tmp_path, index)
    explicit, streamed = sonata.read(config, stream=False), sonata.read(config, stream=True)
    shape = [(pre.label, post.label, r) for pre, post, _, _, r in explicit._projections]
    assert len(shape) == 8 and shape == [(pre.label, post.label, r) for pre, post, _, _, r in streamed._projections]
    spikes, synapses = run(explicit, 2)
    assert sum(len(s) for s in spikes.values()) > 20
    for threads in (1, 2, 3):  # 3: shard boundaries inside index blocks and chunks
        spikes2, synapses2 = run(streamed, threads)
        assert spikes2 == spikes
        assert sorted(map(sorted, rows(synapses2))) == sorted(map(sorted, rows(synapses)))


def test_small_chunks_read_the_same_edges(tmp_path):
    config = handmade_circuit(tmp_path)
    streamed = sonata.read(config, stream=True)
    spikes, synapses = run(streamed, 1)
    for _, _, conn, _, _ in streamed._projections:
        conn.sonata["chunk"] = 7
    spikes2, synapses2 = run(streamed, 2)
    assert spikes2 == spikes and rows(synapses2) == rows(synapses)


def test_missing_file_population_and_column_name_the_projection(tmp_path):
    config = handmade_circuit(tmp_path)
    net = sonata.read(config, stream=True)
    conn = net._projections[0][2]
    for key, change, message in (("file", "/nonexistent/edges.h5", "connector.file.*not found"),
                                 ("population", "elsewhere", "connector.population.*no edge population")):
        saved = conn.sonata[key]
        conn.sonata[key] = change
        with pytest.raises(nm.ConfigError, match=r"projections\[0\].*" + message):
            net.spec()
        conn.sonata[key] = saved
    conn.sonata["type_delay"] = [float("nan")] * len(conn.sonata["type_delay"])
    with pytest.raises(nm.ConfigError, match=r"projections\[0\].*connector.delay.*no column 0/delay"):
        net.spec()


def test_stream_true_refuses_what_it_cannot_stream(tmp_path):
    config = handmade_circuit(tmp_path)
    with h5py.File(tmp_path / "plain" / "edges.h5", "a") as f:  # bmtk's column of ones: nothing to choose
        f["edges/cortex_to_cortex/0/nsyns"] = np.ones(1500, dtype=np.int64)
    assert all(isinstance(c, sonata.SonataEdges) for _, _, c, _, _ in sonata.read(config, stream=True)._projections)
    with h5py.File(tmp_path / "plain" / "edges.h5", "a") as f:
        del f["edges/cortex_to_cortex/0/nsyns"]
    with h5py.File(tmp_path / "plain" / "edges.h5", "a") as f:
        f["edges/cortex_to_cortex/0/nsyns"] = np.full(1500, 2)
    with pytest.raises(sonata.SonataError, match="cannot be streamed: its nsyns column is not 1"):
        sonata.read(config, stream=True)
    assert not any(isinstance(c, sonata.SonataEdges)
                   for _, _, c, _, _ in sonata.read(config, nsyns="multiply")._projections)


def test_json_network_with_a_sonata_connector(tmp_path):
    """The connector in a network file (docs/network-format.md, "Streamed SONATA edges"): the
    same synapses as the Python reader's first projection; a missing key is a config error."""
    config = handmade_circuit(tmp_path)
    net = sonata.read(config, stream=True)
    pre, post, conn, _, receptor = net._projections[0]
    assert conn.sonata["edge_types"] and conn.sonata["sign"] == 1 and receptor == "by_sign"
    doc = {"dt": DT, "populations": [{"label": p.label, "size": p.size, "model": p.cell.core_model}
                                     for p in (pre, post)],
           "projections": [{"pre": pre.label, "post": post.label,
                            "connector": {"type": "sonata", "n": conn.count, "sonata": conn.sonata},
                            "synapse": {"weight": 1.0, "delay": DT}}]}
    if pre.label == post.label:
        doc["populations"] = doc["populations"][:1]
    spec = nm._core.NetworkSpec.from_json(json.dumps(doc).replace("NaN", "null"), "net.json")
    spec.validate()
    sim = nm._core.Simulation(spec, "cpu", 2, "double", "")
    built = sim.synapses(0)
    sim.finish()
    net.reset()
    net.run(1.0, threads=1, precision="double")
    expected = net._last.synapses(0)
    assert len(built["pre"]) == conn.count > 0
    assert sorted(rows([built])[0]) == sorted(rows([expected])[0])
    del doc["projections"][0]["connector"]["sonata"]["population"]
    with pytest.raises(nm.ConfigError, match=r"projections\[0\]\.connector\.sonata: missing required key 'population'"):
        nm._core.NetworkSpec.from_json(json.dumps(doc).replace("NaN", "null"), "net.json")


def test_write_refuses_to_overwrite_the_file_it_streams_from(tmp_path):
    config = exported_network(tmp_path)
    streamed = sonata.read(config, stream=True)
    with pytest.raises(sonata.SonataError, match="streamed edges are read from; write to another directory"):
        sonata.write(streamed, tmp_path / "exported")
    again = sonata.read(sonata.write(streamed, tmp_path / "elsewhere"), stream=True)  # re-export elsewhere: same
    assert run(again, 2)[0] == run(streamed, 2)[0]


MPI_SCRIPT = '''
import json, sys
import numpy as np
import neuromesh as nm
net = nm.sonata.read(sys.argv[1], stream=True)
result = net.run(200.0, threads=1, precision="double")
if nm.sonata._launcher_rank() == 0:
    spikes = {p.label: sorted(zip(np.asarray(result.spikes(p.label)[0]).tolist(),
                                  np.round(np.asarray(result.spikes(p.label)[1]) / 0.1).astype(int).tolist()))
              for p in net.populations}
    with open(sys.argv[2], "w") as f:
        json.dump(spikes, f)
'''


@pytest.mark.requires_mpi
def test_streamed_import_under_mpirun_gives_the_same_spikes(tmp_path, mpirun):
    """Two ranks each read the edges of their own targets (through the index)."""
    ranks, env = mpirun
    config = handmade_circuit(tmp_path, index=True)
    script = tmp_path / "streamed.py"
    script.write_text(MPI_SCRIPT)
    out = tmp_path / "spikes.json"
    r = subprocess.run([*ranks(2), sys.executable, str(script), str(config), str(out)], env=env,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    expected = run(sonata.read(config, stream=False), 1)[0]
    got = {k: [tuple(x) for x in v] for k, v in json.loads(out.read_text()).items()}
    assert got == expected
