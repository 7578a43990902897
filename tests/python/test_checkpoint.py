"""Checkpoint and restart through the CLI (issue 17, docs/reliability.md): a run killed with
SIGKILL after it wrote a checkpoint, resumed with --resume (another thread count, or another MPI
rank count), leaves an output file whose spikes are bit-identical to an uninterrupted run's; a
checkpoint of another network or a damaged one is one clear error."""
import os
import shutil
import signal
import subprocess
import time

import pytest

h5py = pytest.importorskip("h5py")
np = pytest.importorskip("numpy")

DURATION = "2000"
NET = ["brunel", "--duration", DURATION, "--quiet"]
MPI_ENV = {**os.environ, "OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"}


def spikes_and_status(path):
    with h5py.File(path, "r") as f:
        status = f["provenance"].attrs["status"]
        status = status.decode() if isinstance(status, bytes) else str(status)
        spikes = {pop: (f["spikes"][pop]["node_ids"][()], f["spikes"][pop]["timestamps"][()]) for pop in f["spikes"]}
        prov = dict(f["provenance"].attrs)
    return spikes, status, prov


def run(cmd, env=None):
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def assert_same_spikes(got, ref):
    assert sorted(got) == sorted(ref)
    for pop, (ids, times) in ref.items():
        assert len(ids) > 1000, f"{pop}: too few spikes for a meaningful comparison"
        assert np.array_equal(got[pop][1], times), f"{pop}: timestamps differ from the uninterrupted run"
        assert np.array_equal(got[pop][0], ids), f"{pop}: node ids differ from the uninterrupted run"


@pytest.fixture(scope="module")
def reference(cli, tmp_path_factory):
    """The uninterrupted run's spikes (brunel, DURATION ms, 2 threads)."""
    ref = tmp_path_factory.mktemp("reference") / "ref.h5"
    run([cli, "run", *NET, "--threads", "2", "-o", str(ref)])
    return spikes_and_status(ref)[0]


def test_killed_run_resumed_gives_the_uninterrupted_spikes(cli, tmp_path, reference):
    out, ckpt = tmp_path / "out.h5", tmp_path / "out.h5.ckpt"
    proc = subprocess.Popen([cli, "run", *NET, "--threads", "2", "-o", str(out), "--checkpoint-every", "100"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 300
        while not ckpt.exists() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.02)
        assert ckpt.exists(), f"no checkpoint appeared: {proc.stderr.read() if proc.poll() is not None else ''!r}"
        time.sleep(0.2)
        assert proc.poll() is None, "the run ended before it could be killed; make DURATION longer"
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    _, status, _ = spikes_and_status(out)
    assert status == "running", "the killed run's file should be marked incomplete"
    with h5py.File(ckpt, "r") as f:
        saved_ms = float(f.attrs["time_ms"])
    assert 0 < saved_ms < float(DURATION)
    # Resumed with one thread instead of two, and the same command line otherwise.
    run([cli, "run", *NET, "--threads", "1", "-o", str(out), "--checkpoint-every", "100", "--resume", str(ckpt)])
    got, status, prov = spikes_and_status(out)
    assert status == "complete"
    assert float(prov["resumed_at_ms"]) >= saved_ms
    assert float(prov["duration_ms"]) == float(DURATION)
    assert_same_spikes(got, reference)
    assert not (tmp_path / "out.h5.before-resume").exists()
    info = subprocess.run([cli, "info", str(out)], capture_output=True, text=True, timeout=60)
    assert info.returncode == 0 and "complete" in info.stdout


def test_sigterm_saves_a_checkpoint_where_the_run_stopped(cli, tmp_path, reference):
    """A scheduler's time limit sends SIGTERM first: a checkpointing run saves its state there."""
    out, ckpt = tmp_path / "out.h5", tmp_path / "out.h5.ckpt"
    proc = subprocess.Popen([cli, "run", *NET, "--threads", "2", "-o", str(out), "--checkpoint-every", DURATION],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    while not out.exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
    time.sleep(1.0)
    assert proc.poll() is None, "the run ended before SIGTERM; make DURATION longer"
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 130, err
    assert "checkpoint" in err and str(ckpt) in err, err
    with h5py.File(ckpt, "r") as f:
        saved_ms = float(f.attrs["time_ms"])
    assert 0 < saved_ms < float(DURATION), "no periodic checkpoint was due: this one is SIGTERM's"
    assert spikes_and_status(out)[1] == "interrupted"
    run([cli, "run", *NET, "--threads", "3", "-o", str(out), "--resume", str(ckpt)])
    got, status, prov = spikes_and_status(out)
    assert status == "complete" and float(prov["resumed_at_ms"]) == saved_ms
    assert_same_spikes(got, reference)


def test_resume_refuses_another_network_and_a_damaged_checkpoint(cli, tmp_path):
    short = ["brunel", "--duration", "20", "--quiet", "--threads", "1"]
    ckpt = tmp_path / "c.ckpt"
    run([cli, "run", *short, "--checkpoint-every", "10", "--checkpoint", str(ckpt)])
    assert ckpt.exists() and not (tmp_path / "c.ckpt.tmp").exists()
    other = subprocess.run([cli, "run", *short, "--seed", "99", "--resume", str(ckpt)], capture_output=True, text=True,
                           timeout=300)
    assert other.returncode == 1
    assert "seed" in other.stderr and str(ckpt) in other.stderr, other.stderr
    dbl = subprocess.run([cli, "run", *short, "--double", "--resume", str(ckpt)], capture_output=True, text=True,
                         timeout=300)
    assert dbl.returncode == 1 and "precision" in dbl.stderr, dbl.stderr
    junk = tmp_path / "junk.ckpt"
    junk.write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 100)
    bad = subprocess.run([cli, "run", *short, "--resume", str(junk)], capture_output=True, text=True, timeout=300)
    assert bad.returncode == 1 and str(junk) in bad.stderr, bad.stderr
    off_grid = subprocess.run([cli, "run", *short, "--checkpoint-every", "0.05"], capture_output=True, text=True,
                              timeout=300)
    assert off_grid.returncode == 1 and "checkpoint" in off_grid.stderr, off_grid.stderr


@pytest.mark.requires_mpi
def test_checkpoint_written_by_two_ranks_resumes_on_three(cli, tmp_path):
    mpiexec = shutil.which("mpiexec") or shutil.which("mpirun")
    if mpiexec is None:
        pytest.skip("no mpiexec/mpirun on PATH")
    net = ["brunel", "--quiet", "--threads", "1"]
    ref = tmp_path / "ref.h5"
    run([cli, "run", *net, "--duration", "300", "-o", str(ref)])
    out = tmp_path / "out.h5"
    # Two ranks run to 150 ms (checkpoint at 150 ms), three go on from there to 300 ms.
    run([mpiexec, "--oversubscribe", "-n", "2", cli, "run", *net, "--duration", "150", "-o", str(out),
         "--checkpoint-every", "150"], env=MPI_ENV)
    run([mpiexec, "--oversubscribe", "-n", "3", cli, "run", *net, "--duration", "300", "-o", str(out), "--resume",
         str(out) + ".ckpt"], env=MPI_ENV)
    got, status, prov = spikes_and_status(out)
    assert status == "complete" and float(prov["ranks"]) == 3
    assert_same_spikes(got, spikes_and_status(ref)[0])


def small_network(nm):
    net = nm.Network(dt=0.1, seed=7)
    cell = nm.IF_curr_exp(tau_m=20.0, v_thresh=-50.0, v_reset=-60.0, v_rest=-60.0, tau_refrac=2.0)
    e = net.population(400, cell, label="E", initial={"v": nm.random.Uniform(-60.0, -50.0)})
    net.connect(e, e, nm.FixedProbability(0.1), nm.StaticSynapse(weight=0.3, delay=1.5))
    net.poisson_input(e, rate=9000.0, weight=0.25)
    e.record("spikes")
    e.record("v", interval=1.0, ids=[0, 5, 399])
    return net, e


def test_python_run_with_checkpoints_and_resume(tmp_path):
    nm = pytest.importorskip("neuromesh", reason="the neuromesh Python package is not built")
    ref, out = str(tmp_path / "ref.h5"), str(tmp_path / "out.h5")
    net, _ = small_network(nm)
    net.run(100.0, threads=1, output=ref)
    net.reset()
    net, _ = small_network(nm)
    net.run(60.0, threads=2, output=out, checkpoint_every=25.0)  # checkpoints at 25 and 50 ms
    net.reset()
    net, _ = small_network(nm)
    result = net.run(100.0, threads=1, output=out, resume=out + ".ckpt")  # on from 50 ms to 100 ms
    net.reset()
    assert result.spikes("E")[1].min() > 50.0, "a resumed run's spikes() start at the checkpoint"
    got, status, prov = spikes_and_status(out)
    assert status == "complete" and float(prov["resumed_at_ms"]) == 50.0
    want = spikes_and_status(ref)[0]
    assert np.array_equal(got["E"][0], want["E"][0]) and np.array_equal(got["E"][1], want["E"][1])
    with h5py.File(out, "r") as a, h5py.File(ref, "r") as b:
        assert np.array_equal(a["report/E/data"][()], b["report/E/data"][()])
    with pytest.raises(nm.ConfigError, match="seed"):
        other = nm.Network(dt=0.1, seed=8)
        other.population(10, nm.IF_curr_exp(), label="E")
        other.run(100.0, resume=out + ".ckpt")


def test_every_backend_checkpoints_and_resumes_across_backends(backend, tmp_path):
    """State is bit-identical across backends, and so is a checkpoint: one written on `backend`
    resumes on the same backend and on cpu, and one written on cpu resumes on `backend`, each
    giving the state of an uninterrupted cpu run."""
    nm = pytest.importorskip("neuromesh", reason="the neuromesh Python package is not built")
    net, e = small_network(nm)
    try:
        first = net.simulator(backend=backend, threads=2)
    except nm.BackendUnavailable as err:  # e.g. cuda without a GPU
        pytest.skip(f"backend {backend} cannot run here: {err}")
    whole = net.simulator(threads=1)
    whole.advance(40.0)
    want = whole.state(e, "v")
    whole.close()
    first.advance(20.0)
    path = str(tmp_path / f"{backend}.ckpt")
    first.checkpoint(path)
    first.close()
    cpu_path = str(tmp_path / "cpu.ckpt")
    on_cpu = net.simulator(threads=1)
    on_cpu.advance(20.0)
    on_cpu.checkpoint(cpu_path)
    on_cpu.close()
    for resume_on, ckpt in ((backend, path), ("cpu", path), (backend, cpu_path)):
        sim = net.simulator(backend=resume_on, threads=3, resume=ckpt)
        assert sim.time == 20.0
        sim.advance(20.0)
        assert np.array_equal(sim.state(e, "v"), want), f"written by {ckpt}, resumed on {resume_on}"
        sim.close()
