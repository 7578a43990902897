"""Recorder start/stop windows (issue 15, part 3): pop.record(..., start=, stop=) records only
[start, stop) -- spikes stamped t with start <= t < stop, state frames at the multiples of the
interval in it -- in the shared core, so the file, Result.spikes(), the rates and `neuromesh
info` hold the window; the JSON keys "start"/"stop" do the same from the CLI. Checked exactly
against an unwindowed run filtered to the window, and the validation errors name the population
and the key."""
import json
import re
import subprocess
from pathlib import Path

import pytest

nm = pytest.importorskip("neuromesh", reason="the neuromesh Python package is not built (NEUROMESH_WITH_PYTHON=OFF)")
np = pytest.importorskip("numpy")
pytest.importorskip("h5py", reason="reading the output files needs h5py")
from neuromesh import analysis  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
DURATION = 300.0
START, STOP = 100.0, 220.0


def build(windowed, interval=0.5):
    """A small recurrent network that fires irregularly; V_m and spikes recorded, in the window
    [START, STOP) when `windowed`."""
    net = nm.Network(dt=0.1, seed=7, name="windows")
    cell = nm.IF_curr_exp(i_offset=np.linspace(0.8, 1.2, 120), tau_refrac=2.0)
    e = net.population(120, cell, label="E", initial={"v": np.linspace(-70.0, -52.0, 120)})
    i = net.population(30, nm.IF_curr_exp(i_offset=0.9), label="I")
    net.connect(e, i, nm.FixedProbability(0.2), nm.StaticSynapse(weight=0.3, delay=1.0))
    net.connect(i, e, nm.FixedProbability(0.2), nm.StaticSynapse(weight=0.6, delay=1.5), receptor="inhibitory")
    window = dict(start=START, stop=STOP) if windowed else {}
    e.record("spikes", **window)
    e[10:40].record("v", interval=interval, ids=[0, 3, 7], **window)  # view-local ids: 10, 13, 17
    i.record("spikes", ids=[1, 5, 9], **window)
    return net


def _in_window(ids, times):
    keep = (times >= START) & (times < STOP)
    return ids[keep], times[keep]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("windows")
    full = build(False).run(DURATION, threads=2, output=str(tmp / "full.h5"))
    part = build(True).run(DURATION, threads=2, output=str(tmp / "part.h5"))
    return full, part


def test_spikes_in_the_window_equal_the_full_runs_spikes_there(runs):
    full, part = runs
    for pop in ("E", "I"):
        ids, times = part.spikes(pop)
        want_ids, want_times = _in_window(*full.spikes(pop))
        assert len(want_times) > 5, f"{pop}: too few spikes in the window to compare"
        np.testing.assert_array_equal(times, want_times)
        np.testing.assert_array_equal(ids, want_ids)
        # the file holds the same window, and nothing outside it
        got = analysis.read_spikes(part.output, pop)[pop]
        np.testing.assert_array_equal(got.times, want_times)
        np.testing.assert_array_equal(got.ids, want_ids)
        assert (got.t_start, got.t_stop) == (START, STOP)


def test_every_backend_records_the_same_window(runs, backend, tmp_path):
    _, part = runs
    result = build(True).run(DURATION, backend=backend, threads=2, output=str(tmp_path / "b.h5"))
    for pop in ("E", "I"):
        np.testing.assert_array_equal(result.spikes(pop)[1], part.spikes(pop)[1])
        np.testing.assert_array_equal(result.spikes(pop)[0], part.spikes(pop)[0])
    (a,), (b,) = analysis.read_reports(part.output).values(), analysis.read_reports(result.output).values()
    np.testing.assert_array_equal(a.times, b.times)
    np.testing.assert_array_equal(a.data, b.data)


def test_state_samples_in_the_window_equal_the_full_runs_samples_there(runs):
    full, part = runs
    (a,), (b,) = analysis.read_reports(full.output).values(), analysis.read_reports(part.output).values()
    keep = (a.times >= START - 1e-9) & (a.times < STOP - 1e-9)
    assert b.times[0] == pytest.approx(START) and b.data.shape == (keep.sum(), 3)
    np.testing.assert_allclose(b.times, a.times[keep], rtol=0, atol=1e-9)
    np.testing.assert_array_equal(b.data, a.data[keep])
    np.testing.assert_array_equal(b.node_ids, [10, 13, 17])


def test_rates_are_over_the_window(runs):
    _, part = runs
    for pop, recorded in (("E", 120), ("I", 3)):
        count = len(part.spikes(pop)[1])
        want = count / (recorded * (STOP - START) * 1e-3)
        assert part.rates()[pop] == pytest.approx(want, rel=1e-12)
        assert analysis.population_rate(analysis.read_spikes(part.output, pop)[pop]) == pytest.approx(want, rel=1e-12)


def test_a_continued_run_records_the_same_window(tmp_path, runs):
    _, part = runs
    net = build(True)
    net.run(150.0, threads=1, output=str(tmp_path / "cont.h5"))  # the window opens in the first run ...
    result = net.run(DURATION - 150.0)                              # ... and closes in the second
    for pop in ("E", "I"):
        np.testing.assert_array_equal(result.spikes(pop)[1], part.spikes(pop)[1])
    (a,), (b,) = analysis.read_reports(part.output).values(), analysis.read_reports(str(tmp_path / "cont.h5")).values()
    np.testing.assert_array_equal(a.data, b.data)
    np.testing.assert_array_equal(a.times, b.times)


def test_a_resumed_run_keeps_the_window(tmp_path, runs):
    _, part = runs
    out = str(tmp_path / "ckpt.h5")
    build(True).run(160.0, threads=1, output=out, checkpoint_every=80.0)  # checkpoint at 160 ms, in the window
    result = build(True).run(DURATION, threads=2, output=out, resume=out + ".ckpt")
    (a,), (b,) = analysis.read_reports(part.output).values(), analysis.read_reports(out).values()
    np.testing.assert_array_equal(a.times, b.times)
    np.testing.assert_array_equal(a.data, b.data)
    for pop in ("E", "I"):
        np.testing.assert_array_equal(analysis.read_spikes(out, pop)[pop].times, part.spikes(pop)[1])
    assert result.spikes("E")[1].min() >= 160.0


@pytest.mark.parametrize("kwargs, key, words", [
    (dict(start=0.25), "start", "nearest"),
    (dict(start=-1.0), "start", ">= 0"),
    (dict(start=50.0, stop=50.0), "stop", "after start"),
    (dict(start=60.0, stop=20.0), "stop", "after start"),
    (dict(stop=10.05), "stop", "nearest"),
])
def test_bad_windows_are_refused_naming_population_and_key(kwargs, key, words):
    net = nm.Network(dt=0.1)
    pop = net.population(5, nm.IF_curr_exp(), label="P")
    pop.record("v", **kwargs)
    with pytest.raises(nm.ConfigError) as err:
        net.run(10.0)
    assert "population 'P'" in str(err.value) and f".{key}" in str(err.value) and words in str(err.value)


def test_spike_recorders_of_one_population_share_a_window():
    net = nm.Network(dt=0.1)
    pop = net.population(10, nm.IF_curr_exp(), label="P")
    pop.record("spikes", start=10.0, stop=20.0)
    pop[0:5].record("spikes")  # the whole run: a different window
    with pytest.raises(nm.ConfigError, match=r"population 'P'.*different windows"):
        net.spec()
    with pytest.raises(nm.ArgumentTypeError, match="start must be a time"):
        pop.record("spikes", start="10")


def test_json_start_stop_from_the_cli(tmp_path, cli):
    """The CLI honours "start"/"stop" on a JSON recorder; `neuromesh info` rates are over the window."""
    base = json.loads((REPO / "networks" / "vogels_abbott_cuba.json").read_text())
    outputs = {}
    for name, window in (("full", {}), ("part", {"start": START, "stop": STOP})):
        net = dict(base, recorders=[{"population": "E", "variable": "spikes", **window},
                                    {"population": "I", "variable": "spikes", "ids": [0, 1, 2, 3], **window}])
        (tmp_path / f"{name}.json").write_text(json.dumps(net))
        outputs[name] = tmp_path / f"{name}.h5"
        proc = subprocess.run([cli, "run", str(tmp_path / f"{name}.json"), "--duration", "250", "--threads", "2",
                               "-o", str(outputs[name]), "--quiet"], capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr
    full, part = (analysis.read_spikes(outputs[k]) for k in ("full", "part"))
    for pop in ("E", "I"):
        keep = (full[pop].times >= START) & (full[pop].times < STOP)
        np.testing.assert_array_equal(part[pop].times, full[pop].times[keep])
        np.testing.assert_array_equal(part[pop].ids, full[pop].ids[keep])
    info = subprocess.run([cli, "info", str(outputs["part"])], capture_output=True, text=True, timeout=60).stdout
    rate = float(re.search(r"^  E: \d+ spikes.*?mean rate (\S+) Hz \(([^)]*)\)", info, re.M)[1])
    assert rate == pytest.approx(len(part["E"]) / (part["E"].size * (STOP - START) * 1e-3), rel=1e-5)
    assert f"recorded in [{START:g}, {STOP:g}) ms" in info

    bad = dict(base, recorders=[{"population": "I", "variable": "spikes", "start": 0.05}])
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    proc = subprocess.run([cli, "run", str(tmp_path / "bad.json"), "--duration", "10"], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode != 0 and "population 'I'" in proc.stderr and ".start" in proc.stderr


@pytest.mark.requires_mpi
def test_three_mpi_ranks_record_the_same_window(tmp_path, cli, mpirun):
    launch, env = mpirun
    base = json.loads((REPO / "networks" / "vogels_abbott_cuba.json").read_text())
    window = {"start": START, "stop": STOP}
    net = dict(base, recorders=[{"population": "E", "variable": "spikes", "ids": list(range(0, 3200, 7)), **window},
                                {"population": "I", "variable": "V_m", "interval": 1.0, "ids": [3, 500], **window}])
    (tmp_path / "net.json").write_text(json.dumps(net))
    files = {}
    for ranks in (1, 3):
        files[ranks] = tmp_path / f"r{ranks}.h5"
        cmd = launch(ranks) + [cli, "run", str(tmp_path / "net.json"), "--duration", "250", "--threads", "1",
                               "-o", str(files[ranks]), "--quiet"]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    one, three = (analysis.read_spikes(files[k], "E")["E"] for k in (1, 3))
    assert len(one) > 20 and one.times.min() >= START and one.times.max() < STOP
    np.testing.assert_array_equal(one.times, three.times)
    np.testing.assert_array_equal(one.ids, three.ids)
    (a,), (b,) = (analysis.read_reports(files[k]).values() for k in (1, 3))
    assert a.times[0] == START and a.times[-1] == STOP - 1.0
    np.testing.assert_array_equal(a.data, b.data)
