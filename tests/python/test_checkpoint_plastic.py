"""Checkpoints of a plastic network through the CLI (docs/reliability.md, "What a checkpoint
holds"): Brunel with stdp_synapse on E->E and a weight recorder, killed with SIGKILL after a
checkpoint and resumed with another thread count, ends with the spikes, the learnt weights
(/edges) and the weight recorder's events (/weights) of an uninterrupted run, bit for bit."""
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

h5py = pytest.importorskip("h5py")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_synapses_output import plastic_brunel_json  # noqa: E402

DURATION = "3000"


def network(tmp_path):
    path = plastic_brunel_json(tmp_path / "net.json")
    net = json.loads(path.read_text())
    net["weight_recorders"] = [{"projection": 0, "pre": list(range(20))}]
    path.write_text(json.dumps(net))
    return path


def contents(path):
    with h5py.File(path, "r") as f:
        out = {f"spikes/{p}/{k}": f["spikes"][p][k][()] for p in f["spikes"] for k in ("node_ids", "timestamps")}
        for group in ("edges/E_to_E", "weights/E_to_E"):
            f[group].visititems(lambda name, obj: out.__setitem__(f"{group}/{name}", obj[()])
                                if isinstance(obj, h5py.Dataset) else None)
        status = f["provenance"].attrs["status"]
    return out, status


def test_killed_plastic_run_resumed_gives_the_uninterrupted_weights(cli, tmp_path):
    net = network(tmp_path)
    common = [cli, "run", str(net), "--duration", DURATION, "--quiet"]
    ref = tmp_path / "ref.h5"
    subprocess.run([*common, "--threads", "2", "-o", str(ref)], check=True, timeout=600)
    out, ckpt = tmp_path / "out.h5", tmp_path / "out.h5.ckpt"
    proc = subprocess.Popen([*common, "--threads", "2", "-o", str(out), "--checkpoint-every", "100"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 300
        while not ckpt.exists() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.01)
        assert ckpt.exists(), "no checkpoint appeared"
        time.sleep(0.1)
        assert proc.poll() is None, "the run ended before it could be killed; make DURATION longer"
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
    with h5py.File(ckpt, "r") as f:
        saved_ms = float(f.attrs["time_ms"])
        assert "synapses/0" in f and "weight_events" in f
    assert 0 < saved_ms < float(DURATION)
    subprocess.run([*common, "--threads", "3", "-o", str(out), "--resume", str(ckpt)], check=True, timeout=600)
    want, _ = contents(ref)
    got, status = contents(out)
    assert status == "complete"
    assert sorted(got) == sorted(want)
    assert len(want["weights/E_to_E/times"]) > 1000 and len(np.unique(want["edges/E_to_E/0/syn_weight"])) > 100
    for key, value in want.items():
        assert np.array_equal(got[key], value), key


@pytest.mark.requires_mpi
def test_written_by_two_ranks_resumed_by_one(cli, tmp_path):
    import shutil
    mpiexec = shutil.which("mpiexec") or shutil.which("mpirun")
    if mpiexec is None:
        pytest.skip("no mpiexec/mpirun on PATH")
    env = {**os.environ, "OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"}
    net = network(tmp_path)
    common = [cli, "run", str(net), "--duration", "600", "--quiet"]
    ref, out = tmp_path / "ref.h5", tmp_path / "out.h5"
    subprocess.run([*common, "--threads", "1", "-o", str(ref)], check=True, timeout=600)
    # Two ranks (round-robin ownership) run to the end, checkpointing at 250 and 500 ms; one
    # process with two threads goes on from 500 ms.
    subprocess.run([mpiexec, "--oversubscribe", "-n", "2", *common, "--threads", "1", "-o", str(out),
                    "--decomposition", "round-robin", "--checkpoint-every", "250"], check=True, timeout=600, env=env)
    subprocess.run([*common, "--threads", "2", "-o", str(out), "--resume", str(out) + ".ckpt"], check=True,
                   timeout=600)
    want, _ = contents(ref)
    got, status = contents(out)
    assert status == "complete" and sorted(got) == sorted(want)
    for key, value in want.items():
        assert np.array_equal(got[key], value), key
