"""The weight recorder (docs/plasticity.md, "Weight recorder"; NEST's weight_recorder, compared
with NEST itself in tests/crosscheck/test_crosscheck_weight_recorder.py): the same events, bit for
bit, in memory and in /weights/<name> for 1, 2 and 3 threads and 1 and 2 MPI ranks; the selection
by pre and post ids; JSON and CLI; refused on static synapses and for ids out of range."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

nm = pytest.importorskip("neuromesh", reason="the neuromesh Python package is not built")
h5py = pytest.importorskip("h5py")

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_synapses_output import SCRIPT, columns, plastic_brunel_json, script_module  # noqa: E402

RECORDED = SCRIPT.replace("    return net, proj\n", "    net.record_weights(proj, pre=[0, 3, 5, 39], post=list(range(10, 30)))\n"
                          "    return net, proj\n")


@pytest.fixture(scope="module")
def script(tmp_path_factory):
    return script_module(tmp_path_factory, "recorded_net", RECORDED)


def table(path, name="pre_to_post_0"):
    return columns(path, name, "weights", ("times", "pre", "post", "weight"))


def test_the_same_events_for_any_thread_count_in_memory_and_in_the_file(script, tmp_path):
    runs = []
    for threads in (1, 2, 3):
        net, proj = script.build()
        out = tmp_path / f"t{threads}.h5"
        result = net.run(200.0, threads=threads, output=str(out))
        runs.append((result.weights(proj), table(out)))
        if threads == 1:
            final = proj.get("weight", format="array")
    mem, disk = runs[0]
    assert len(mem["times"]) > 100
    assert set(np.unique(mem["pre"])) <= {0, 3, 5, 39} and mem["post"].min() >= 10
    order = np.lexsort((mem["post"], mem["pre"], mem["times"]))
    assert np.array_equal(order, np.arange(len(order)))  # sorted by (time, pre, post)
    for m, d in runs[1:]:
        for key in mem:
            assert np.array_equal(m[key], mem[key]), key
            assert np.array_equal(d[key], disk[key]), key
    # The file has NEST's units (nS), memory the cell type's (uS); the same events.
    assert np.array_equal(disk["times"], mem["times"]) and np.array_equal(disk["pre"], mem["pre"])
    np.testing.assert_allclose(disk["weight"] * 1e-3, mem["weight"], rtol=1e-12)
    # Each recorded synapse's last event is its final weight.
    for i, j in {(int(a), int(b)) for a, b in zip(mem["pre"], mem["post"])}:
        last = np.flatnonzero((mem["pre"] == i) & (mem["post"] == j))[-1]
        assert mem["weight"][last] == pytest.approx(final[i, j], rel=1e-12)
    with h5py.File(tmp_path / "t1.h5") as f:
        g = f["weights/pre_to_post_0"]
        assert g["times"].attrs["units"] == "ms" and g["pre"].attrs["node_population"] == "pre"
        assert g.attrs["edges"] == "pre_to_post_0" and g.attrs["synapse_model"] == "stdp_synapse"


def test_refused_on_static_synapses_and_ids_out_of_range(script, tmp_path):
    net, proj = script.build()
    static = net.connect(net.populations[0], net.populations[1], nm.AllToAll(), nm.StaticSynapse(weight=0.001))
    net.record_weights(static)
    with pytest.raises(nm.ConfigError, match=r"weight_recorders\[1\].*static"):
        net.run(10.0)
    net, proj = script.build()
    with pytest.raises(nm.ConfigError, match="pre"):
        net.record_weights(proj, pre=[40])


@pytest.mark.requires_mpi
def test_the_same_file_on_two_mpi_ranks(script, tmp_path, mpirun):
    ranks, env = mpirun
    path = os.path.join(os.path.dirname(script.__file__), "recorded_net.py")
    tables = []
    for launcher in ([], ranks(2)):
        out = tmp_path / f"{len(launcher)}.h5"
        proc = subprocess.run([*launcher, sys.executable, path, str(out), "round-robin"], capture_output=True,
                              text=True, timeout=300, env=env)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        tables.append(table(out))
    assert len(tables[0]["times"]) > 100
    for key in tables[0]:
        assert np.array_equal(tables[0][key], tables[1][key]), key


def test_json_and_cli(cli, tmp_path):
    netfile = plastic_brunel_json(tmp_path / "net.json")
    net = json.loads(netfile.read_text())
    net["weight_recorders"] = [{"projection": 0, "pre": [1, 2], "label": "some"}]
    netfile.write_text(json.dumps(net))
    out = tmp_path / "out.h5"
    proc = subprocess.run([cli, "run", str(netfile), "--duration", "100", "--threads", "2", "-o", str(out),
                           "--record-weights", "0", "--quiet"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    some, every = table(out, "some"), table(out, "E_to_E")
    assert set(np.unique(some["pre"])) == {1, 2}
    assert len(every["times"]) > len(some["times"]) > 10
    keep = np.isin(every["pre"], [1, 2])
    for key in some:
        assert np.array_equal(every[key][keep], some[key]), key
    bad = subprocess.run([cli, "run", str(netfile), "--duration", "10", "--record-weights", "1", "--quiet"],
                         capture_output=True, text=True, timeout=300)
    assert bad.returncode == 1 and "weight_recorders[1]" in bad.stderr, bad.stderr
