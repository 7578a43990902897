"""Python under mpirun without code changes: the same script on 1 process and on 3 MPI ranks gives
identical spikes and output (rank 0 holds the spikes; NEST's stimulation devices included); the communication-volume model; the locally
connected sheet network script."""
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

nm = pytest.importorskip("neuromesh", reason="the neuromesh Python package is not built")
ROOT = os.environ.get("NEUROMESH_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))

SCRIPT = r'''
import json, sys
import neuromesh as nm
net = nm.Network(dt=0.1, seed=7)
cell = nm.IF_curr_exp(tau_m=20.0, v_thresh=-50.0, v_reset=-60.0, v_rest=-60.0, tau_refrac=2.0)
e = net.population(400, cell, label="E", initial={"v": nm.random.Uniform(-60.0, -50.0)})
i = net.population(100, cell, label="I", initial={"v": nm.random.Uniform(-60.0, -50.0)})
for post in (e, i):
    net.connect(e, post, nm.FixedProbability(0.1), nm.StaticSynapse(weight=0.3, delay=1.5))
    net.connect(i, post, nm.FixedProbability(0.1), nm.StaticSynapse(weight=1.2, delay=1.0), receptor="inhibitory")
    net.poisson_input(post, rate=9000.0, weight=0.25)
    # NEST's devices: per-neuron noise and Poisson draws keyed by gid, whichever rank owns it
    net.stimulus("noise_generator", post, mean=20.0, std=150.0, dt=0.5, start=20.0)
    net.stimulus("sinusoidal_poisson_generator", post, rate=2000.0, amplitude=2500.0, frequency=15.0, weight=0.1)
    post.record("spikes")
net.stimulus("step_current_generator", e, amplitude_times=[50.0, 120.0], amplitude_values=[80.0, -40.0])
net.stimulus("ac_generator", i, amplitude=60.0, frequency=25.0)
e.record("v", interval=1.0, ids=[0, 5, 399])
result = net.run(200.0, threads=1, output=sys.argv[1], exchange=sys.argv[2], decomposition=sys.argv[3])
if result.rank == 0:
    ids, times = result.spikes("E")
    with open(sys.argv[1] + ".json", "w") as f:
        json.dump({"ranks": result.ranks, "ids": ids.tolist(), "times": times.tolist()}, f)
'''


def run_script(tmp_path, launcher, name, exchange="targeted", decomposition="block"):
    script = tmp_path / "net.py"
    script.write_text(SCRIPT)
    out = tmp_path / name
    env = {**os.environ, "OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"}
    proc = subprocess.run([*launcher, sys.executable, str(script), str(out), exchange, decomposition],
                          capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    with open(str(out) + ".json") as f:
        return json.load(f), out


@pytest.mark.requires_mpi
@pytest.mark.parametrize("exchange, decomposition", [("targeted", "block"), ("allgather", "round-robin")])
def test_same_script_under_mpirun_gives_identical_spikes_and_file(tmp_path, exchange, decomposition):
    h5py = pytest.importorskip("h5py")
    mpiexec = shutil.which("mpiexec") or shutil.which("mpirun")
    if mpiexec is None:
        pytest.skip("no mpiexec/mpirun on PATH")
    single, single_h5 = run_script(tmp_path, [], "single.h5")
    multi, multi_h5 = run_script(tmp_path, [mpiexec, "--oversubscribe", "-n", "3"], "multi.h5", exchange,
                                 decomposition)
    assert single["ranks"] == 1 and multi["ranks"] == 3
    assert len(single["ids"]) > 100
    assert multi["ids"] == single["ids"] and multi["times"] == single["times"]
    with h5py.File(single_h5) as a, h5py.File(multi_h5) as b:
        for pop in ("E", "I"):
            for key in ("node_ids", "timestamps"):
                assert np.array_equal(a[f"spikes/{pop}/{key}"][:], b[f"spikes/{pop}/{key}"][:])
        assert np.array_equal(a["report/E/data"][:], b["report/E/data"][:])
        assert b["provenance"].attrs["ranks"] == 3


def test_communication_volume_model():
    net = nm.Network(dt=0.1, seed=3)
    cell = nm.Model("iaf_psc_delta", V_th=20.0, E_L=0.0, V_reset=10.0, tau_m=20.0, t_ref=2.0, C_m=1.0)
    pop = net.population(900, cell, label="E", initial={"v": nm.random.Uniform(0.0, 20.0)})
    net.connect(pop, pop, nm.GaussianDistanceConnector(0.8, 0.05), nm.StaticSynapse(weight=0.2, delay=1.5))
    net.poisson_input(pop, rate=20000.0, weight=0.1)
    result = net.run(200.0, threads=1)
    est = result.communication_volume(ranks=(1, 2, 4, 8))
    assert [e["ranks"] for e in est] == [1, 2, 4, 8]
    assert est[0]["allgather_bytes_per_rank_per_s"] == 0 and est[0]["targeted_bytes_per_rank_per_s"] == 0
    for e in est[1:]:
        assert 0 < e["targeted_bytes_per_rank_per_s"] <= e["allgather_bytes_per_rank_per_s"]
    # A local sheet in strips: each rank's spikes go to its two neighbour strips only.
    assert est[3]["targeted_bytes_per_rank_per_s"] * 2 < est[3]["allgather_bytes_per_rank_per_s"]
    with pytest.raises(nm.ConfigError):
        result.communication_volume(ranks=(2,), decomposition="diagonal")
    with pytest.raises(nm.ConfigError):
        nm.GaussianDistanceConnector(0.5, 0.0)


def test_local_sheet_script_runs(tmp_path):
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "networks", "local_sheet.py"), "--scale", "0.2",
                           "--duration", "200", "--threads", "2", "-o", str(tmp_path / "s.h5")],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "E:" in proc.stdout and (tmp_path / "s.h5").stat().st_size > 1000


HW_SCRIPT = r'''
import json, sys
import neuromesh as nm
net = nm.Network(dt=0.1, seed=11)
cell = nm.IF_curr_exp(tau_m=20.0, v_thresh=-50.0, v_reset=-60.0, v_rest=-60.0, tau_refrac=2.0)
e = net.population(300, cell, label="E", initial={"v": nm.random.Uniform(-60.0, -50.0)})
net.connect(e, e, nm.FixedProbability(0.1), nm.StaticSynapse(weight=0.3, delay=1.5))
net.poisson_input(e, rate=9000.0, weight=0.25)
r = net.run(100.0, threads=1, hardware="loihi", placement="random")
if r.rank == 0:
    ids, times = r.spikes("E")
    with open(sys.argv[1], "w") as f:
        json.dump({"ranks": r.ranks, "decomposition": r.summary["decomposition"], "ids": ids.tolist(),
                   "times": times.tolist(), "energy": r.energy is not None}, f)
'''


@pytest.mark.requires_mpi
def test_hardware_placement_decides_rank_ownership_under_mpirun(tmp_path):
    mpiexec = shutil.which("mpiexec") or shutil.which("mpirun")
    if mpiexec is None:
        pytest.skip("no mpiexec/mpirun on PATH")
    script = tmp_path / "hw.py"
    script.write_text(HW_SCRIPT)
    env = {**os.environ, "OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"}
    out = {}
    for name, launcher in (("single", []), ("multi", [mpiexec, "--oversubscribe", "-n", "3"])):
        proc = subprocess.run([*launcher, sys.executable, str(script), str(tmp_path / name)], capture_output=True,
                              text=True, timeout=300, env=env)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        out[name] = json.loads((tmp_path / name).read_text())
    assert out["multi"]["ranks"] == 3 and out["multi"]["decomposition"] == "explicit"
    assert out["multi"]["ids"] == out["single"]["ids"] and out["multi"]["times"] == out["single"]["times"]
    assert out["multi"]["energy"] and len(out["single"]["ids"]) > 50
