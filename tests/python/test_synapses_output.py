"""The synapses in the output file (docs/plasticity.md, "Weights in the output file"): a plastic
projection's learnt weights as a SONATA edge population, the same bytes for 1, 2 and 3 threads and
for 1 and 2 MPI ranks, equal to Projection.get(), readable by h5py and libsonata; the
write_synapses option ("plastic" default, "all", "none")."""
import os
import subprocess
import sys

import numpy as np
import pytest

nm = pytest.importorskip("neuromesh", reason="the neuromesh Python package is not built")
h5py = pytest.importorskip("h5py")

COLUMNS = ("source_node_id", "target_node_id", "edge_type_id", "edge_group_id", "edge_group_index", "0/syn_weight",
           "0/delay", "indices/target_to_source/node_id_to_ranges", "indices/target_to_source/range_to_edge_id")

SCRIPT = r'''
import sys
import numpy as np
import neuromesh as nm

def build():
    rng = np.random.default_rng(1)
    net = nm.Network(seed=7)
    trains = [sorted(set(np.round(rng.uniform(0.0, 200.0, 8), 1))) for _ in range(40)]
    pre = net.population(40, nm.SpikeSourceArray(spike_times=trains), label="pre")
    post = net.population(30, nm.IF_cond_exp(), label="post")
    net.poisson_input(post, 8000.0, 0.002)
    stdp = nm.STDPMechanism(timing_dependence=nm.SpikePairRule(tau_plus=20.0, tau_minus=20.0, A_plus=0.01,
                                                               A_minus=0.012),
                            weight_dependence=nm.AdditiveWeightDependence(w_min=0.0, w_max=0.02), weight=0.01,
                            delay=1.0)
    proj = net.connect(pre, post, nm.FixedProbabilityConnector(0.5), stdp)
    net.connect(pre, post, nm.FixedProbabilityConnector(0.1), nm.StaticSynapse(weight=0.001, delay=1.5))
    return net, proj

if __name__ == "__main__":
    net, proj = build()
    net.run(200.0, threads=1, output=sys.argv[1], decomposition=sys.argv[2])
'''


def script_module(tmp_path_factory, name, text):
    """`text` as an importable module (and a script for mpirun) in a temporary folder."""
    import importlib
    path = tmp_path_factory.mktemp(name) / f"{name}.py"
    path.write_text(text)
    sys.path.insert(0, str(path.parent))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(path.parent))


@pytest.fixture(scope="module")
def script(tmp_path_factory):
    return script_module(tmp_path_factory, "plastic_net", SCRIPT)


def columns(path, name="pre_to_post_0", group="edges", keys=COLUMNS):
    with h5py.File(path) as f:
        g = f[group][name]
        return {key: g[key][:] for key in keys}


def test_learnt_weights_are_in_the_file_identically_for_any_thread_count(script, tmp_path):
    files = []
    for threads in (1, 2, 3):
        net, proj = script.build()
        out = tmp_path / f"t{threads}.h5"
        net.run(200.0, threads=threads, output=str(out))
        files.append(out)
        if threads == 1:
            learnt = proj.get(["weight", "delay"], format="list")
    first = columns(files[0])
    for other in files[1:]:
        for key, value in columns(other).items():
            assert np.array_equal(first[key], value), key
    with h5py.File(files[0]) as f:
        assert list(f["edges"]) == ["pre_to_post_0"]  # the static projection is left out by default
        g = f["edges/pre_to_post_0"]
        assert g["source_node_id"].attrs["node_population"] == "pre"
        assert g["target_node_id"].attrs["node_population"] == "post"
        assert g.attrs["synapse_model"] == "stdp_synapse"
        target = g["target_node_id"][:]
        assert np.all(np.diff(target.astype(np.int64)) >= 0)  # ordered by target
        # The file's weights are NEST's units (nS here); get() gives the cell type's (uS).
        rows = sorted(zip(g["source_node_id"][:], target, g["0/syn_weight"][:] * 1e-3, g["0/delay"][:]))
    expected = sorted(tuple(r) for r in learnt)
    assert len(rows) == len(expected) > 500
    np.testing.assert_allclose(np.array(rows), np.array(expected), rtol=1e-12, atol=0)
    assert len(set(r[2] for r in rows)) > 50  # the weights really moved apart


def test_cuda_omp_writes_the_cpu_backends_edges(script, tmp_path):
    if "cuda-omp" not in nm.features()["backends"]:
        pytest.skip("this build has no cuda-omp backend (NEUROMESH_WITH_CUDA off)")
    files = []
    for backend in ("cpu", "cuda-omp"):
        net, _ = script.build()
        out = tmp_path / f"{backend}.h5"
        net.run(200.0, threads=2, output=str(out), backend=backend)
        files.append(out)
    cpu, device = columns(files[0]), columns(files[1])
    assert len(cpu["source_node_id"]) > 500
    for key, value in cpu.items():
        assert np.array_equal(value, device[key]), key


def test_libsonata_reads_the_edges(script, tmp_path):
    libsonata = pytest.importorskip("libsonata")
    net, proj = script.build()
    out = tmp_path / "out.h5"
    net.run(200.0, threads=2, output=str(out))
    learnt = proj.get("weight", format="array")  # (pre, post), uS
    storage = libsonata.EdgeStorage(str(out))
    assert storage.population_names == {"pre_to_post_0"}
    pop = storage.open_population("pre_to_post_0")
    assert (pop.source, pop.target) == ("pre", "post")
    assert pop.size == np.count_nonzero(~np.isnan(learnt))
    for t in (0, 7, 29):  # the target_to_source index
        sel = pop.afferent_edges([t])
        pre = pop.source_nodes(sel)
        assert np.all(pop.target_nodes(sel) == t)
        np.testing.assert_allclose(pop.get_attribute("syn_weight", sel) * 1e-3, learnt[pre, t], rtol=1e-12)
        assert sorted(pre) == sorted(np.flatnonzero(~np.isnan(learnt[:, t])))


def test_write_synapses_all_none_and_invalid(script, tmp_path):
    net, _ = script.build()
    net.run(50.0, threads=1, output=str(tmp_path / "all.h5"), write_synapses="all")
    with h5py.File(tmp_path / "all.h5") as f:
        assert sorted(f["edges"]) == ["pre_to_post_0", "pre_to_post_1"]
        static = f["edges/pre_to_post_1"]
        assert np.all(static["0/syn_weight"][:] == np.float32(1.0))  # 0.001 uS, unchanged
        assert np.all(static["0/delay"][:] == 1.5) and np.all(static["edge_type_id"][:] == 1)
    net, _ = script.build()
    net.run(50.0, threads=1, output=str(tmp_path / "none.h5"), write_synapses="none")
    with h5py.File(tmp_path / "none.h5") as f:
        assert "edges" not in f
    net, _ = script.build()
    with pytest.raises(nm.ConfigError, match="write_synapses"):
        net.run(50.0, output=str(tmp_path / "bad.h5"), write_synapses="some")


def test_a_continued_run_replaces_the_weights(script, tmp_path):
    net, proj = script.build()
    out = tmp_path / "out.h5"
    net.run(100.0, threads=1, output=str(out))
    with h5py.File(out) as f:
        early = f["edges/pre_to_post_0/0/syn_weight"][:]
        assert f["edges/pre_to_post_0"].attrs["weights_at_ms"].startswith("100")
    net.run(100.0)
    w = proj.get("weight", format="list")
    with h5py.File(out) as f:
        g = f["edges/pre_to_post_0"]
        assert g.attrs["weights_at_ms"].startswith("200")
        late = g["0/syn_weight"][:]
        assert len(late) == len(early) and not np.array_equal(late, early)
        np.testing.assert_allclose(sorted(late * 1e-3), sorted(r[2] for r in w), rtol=1e-12)


@pytest.mark.requires_mpi
def test_same_bytes_on_two_mpi_ranks(script, tmp_path, mpirun):
    ranks, env = mpirun
    path = os.path.join(os.path.dirname(script.__file__), "plastic_net.py")
    outs = []
    for launcher, decomposition in (([], "block"), (ranks(2), "round-robin")):
        out = tmp_path / f"{len(launcher)}.h5"
        proc = subprocess.run([*launcher, sys.executable, path, str(out), decomposition], capture_output=True,
                              text=True, timeout=300, env=env)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        outs.append(columns(out))
    for key in COLUMNS:
        assert np.array_equal(outs[0][key], outs[1][key]), key


def plastic_brunel_json(path):
    """A small Brunel network with stdp_synapse on E->E (JSON network file, for the CLI)."""
    import json
    cell = {"C_m": 1.0, "tau_m": 20.0, "t_ref": 2.0, "E_L": 0.0, "V_reset": 10.0, "V_th": 20.0}
    pop = lambda label, n: {"label": label, "size": n, "model": "iaf_psc_delta", "params": cell,
                            "initial": {"V_m": {"distribution": "uniform", "low": 0.0, "high": 20.0}}}
    conn = lambda pre, post, n, w, model="static": {
        "pre": pre, "post": post, "connector": {"type": "fixed_indegree", "n": n},
        "synapse": {"model": model, "weight": w, "delay": 1.5,
                    **({"Wmax": 0.3, "lambda": 0.02, "alpha": 1.1, "mu_plus": 0.0, "mu_minus": 0.0}
                       if model != "static" else {})}}
    net = {"name": "plastic_brunel", "dt": 0.1, "seed": 5, "duration": 1000.0,
           "populations": [pop("E", 800), pop("I", 200)],
           "projections": [conn("E", "E", 80, 0.1, "stdp_synapse"), conn("E", "I", 80, 0.1),
                           conn("I", "E", 20, -0.5), conn("I", "I", 20, -0.5)],
           "stimuli": [{"type": "poisson_generator", "target": t, "rate": 20000.0, "weight": 0.1} for t in "EI"]}
    path.write_text(json.dumps(net))
    return path


def test_an_interrupted_run_writes_the_weights_reached(cli, tmp_path):
    import signal
    import time
    netfile = plastic_brunel_json(tmp_path / "net.json")
    out = tmp_path / "out.h5"
    proc = subprocess.Popen([cli, "run", str(netfile), "--duration", "1000000", "--threads", "2", "-o", str(out),
                             "--quiet"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not out.exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
    time.sleep(1.0)
    assert proc.poll() is None
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    with h5py.File(out) as f:
        assert f["provenance"].attrs["status"] == "interrupted"
        g = f["edges/E_to_E"]
        assert float(g.attrs["weights_at_ms"]) == f["provenance"].attrs["duration_ms"] > 0
        assert len(g["0/syn_weight"]) == 800 * 80 and list(f["edges"]) == ["E_to_E"]
        assert len(np.unique(g["0/syn_weight"][:])) > 10
    info = subprocess.run([cli, "info", str(out)], capture_output=True, text=True, timeout=60)
    assert info.returncode == 0 and "E_to_E: 64000 synapses" in info.stdout, info.stdout + info.stderr
