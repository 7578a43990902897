"""neuromesh.analysis, neuromesh.plots and `neuromesh report` (python/neuromesh/*.py).

Statistics are checked against hand-computed values on small synthetic files in our SONATA layout
(shared/specs/sonata.md §2) and in the legacy layouts readers must accept. The end-to-end test
runs the real CLI when NEUROMESH_CLI points to it.
"""
import importlib
import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

try:
    import h5py
    import numpy as np
except ImportError as exc:  # skipped with a reason, never a silent pass
    pytest.skip(f"h5py/numpy not available ({exc}); install python3-h5py", allow_module_level=True)

REPO = Path(__file__).resolve().parents[2]
SORTING = h5py.enum_dtype({"none": 0, "by_id": 1, "by_time": 2}, basetype="u1")


def load(name):
    """neuromesh.<name>, or the file loaded standalone when the package (its compiled extension)
    cannot be imported."""
    try:
        return importlib.import_module(f"neuromesh.{name}")
    except ImportError:
        key = f"neuromesh_{name}"
        if key not in sys.modules:
            spec = importlib.util.spec_from_file_location(key, REPO / "python" / "neuromesh" / f"{name}.py")
            module = importlib.util.module_from_spec(spec)
            sys.modules[key] = module
            spec.loader.exec_module(module)
        return sys.modules[key]


an = load("analysis")
report = load("report")


def write_spikes(path, pops, duration=None, sizes=None, sorting="by_time"):
    """Writes {pop: (ids, times ms)} in our layout, sorted by time, with optional provenance."""
    with h5py.File(path, "w") as f:
        for name, (ids, times) in pops.items():
            ids, times = np.asarray(ids, np.uint64), np.asarray(times, np.float64)
            order = np.argsort(times, kind="stable") if sorting == "by_time" else np.arange(times.size)
            g = f.create_group(f"spikes/{name}")
            if sorting is not None:
                g.attrs.create("sorting", {"none": 0, "by_id": 1, "by_time": 2}[sorting], dtype=SORTING)
            g.create_dataset("timestamps", data=times[order]).attrs["units"] = "ms"
            g.create_dataset("node_ids", data=ids[order])
        prov = f.create_group("provenance")
        prov.attrs["network"] = "synthetic"
        prov.attrs["dt_ms"] = 0.1
        if duration is not None:
            prov.attrs["duration_ms"] = float(duration)
        for name, size in (sizes or {}).items():
            prov.attrs[f"population_size.{name}"] = float(size)
    return path


def regular(n_neurons, period, duration, phase=0.5):
    """Neuron i fires at phase*i + k*period (ms) for k = 0.. while < duration."""
    ids, times = [], []
    for i in range(n_neurons):
        t = np.arange(phase * i, duration, period)
        ids.append(np.full(t.size, i)), times.append(t)
    return np.concatenate(ids), np.concatenate(times)


@pytest.fixture
def regular_file(tmp_path):
    ids, times = regular(10, 10.0, 1000.0)
    return write_spikes(tmp_path / "regular.h5", {"E": (ids, times), "I": (ids[:50], times[:50])},
                        duration=1000.0, sizes={"E": 10, "I": 12})


def test_read_our_layout(regular_file):
    data = an.read_spikes(regular_file)
    assert list(data) == ["E", "I"]
    e = data["E"]
    assert e.ids.dtype == np.uint64 and e.times.dtype == np.float64
    assert (len(e), e.size, e.t_start, e.t_stop, e.population) == (1000, 10, 0.0, 1000.0, "E")
    assert np.all(np.diff(e.times) >= 0)
    assert data["I"].size == 12  # from provenance, although ids only reach 0
    assert list(an.read_spikes(regular_file, population="I")) == ["I"]
    assert an.read_provenance(regular_file)["network"] == "synthetic"


def test_regular_trains_rate_and_cv(regular_file):
    e = an.read_spikes(regular_file)["E"]
    np.testing.assert_allclose(an.mean_firing_rate(e), 100.0)  # 100 spikes in 1 s
    assert an.population_rate(e) == pytest.approx(100.0)
    np.testing.assert_allclose(an.mean_firing_rate(e, 0.0, 500.0), 100.0)
    np.testing.assert_allclose(an.cv_isi(e), 0.0, atol=1e-9)
    assert an.mean_cv_isi(e) == pytest.approx(0.0, abs=1e-9)
    np.testing.assert_allclose(an.isi(e.trains()[3]), 10.0)
    assert an.cv(np.full(5, 10.0)) == 0.0


def test_cv_hand_computed(tmp_path):
    # neuron 0: ISIs 1, 3 -> mean 2, std 1, CV 0.5; neuron 1: 2 spikes -> NaN; neuron 2: silent
    path = write_spikes(tmp_path / "cv.h5", {"P": ([0, 1, 0, 1, 0], [4.0, 2.0, 0.0, 7.0, 1.0])},
                        duration=10.0, sizes={"P": 3})
    p = an.read_spikes(path)["P"]
    cvs = an.cv_isi(p)
    assert cvs[0] == pytest.approx(0.5) and np.isnan(cvs[1]) and np.isnan(cvs[2])
    assert an.mean_cv_isi(p) == pytest.approx(0.5)
    assert an.cv(an.isi([4.0, 0.0, 1.0])) == pytest.approx(0.5)
    assert np.isnan(an.cv([3.0]))
    np.testing.assert_allclose(an.mean_firing_rate(p), [300.0, 200.0, 0.0])


def test_poisson_rate_cv_fano(tmp_path):
    rng = np.random.default_rng(7)
    n, rate, duration = 200, 20.0, 10_000.0
    isis = rng.exponential(1000.0 / rate, size=(n, 400))
    times = np.cumsum(isis, axis=1)
    ids = np.repeat(np.arange(n), 400).reshape(n, 400)
    keep = times < duration
    path = write_spikes(tmp_path / "poisson.h5", {"P": (ids[keep], times[keep])},
                        duration=duration, sizes={"P": n})
    p = an.read_spikes(path)["P"]
    assert an.population_rate(p) == pytest.approx(rate, rel=0.03)
    assert an.mean_cv_isi(p) == pytest.approx(1.0, abs=0.05)
    assert an.fano_factor(p, 10.0) == pytest.approx(1.0, abs=0.15)
    assert abs(np.nanmean(an.correlation_coefficient(p, 5.0, n_pairs=200, seed=1))) < 0.02


def test_fano_factor_constructed(tmp_path):
    assert an.fanofactor([1, 2, 3, 4, 5]) == pytest.approx(2.0 / 3.0)  # var 2, mean 3
    assert np.isnan(an.fanofactor([0, 0]))
    # population counts per 10 ms bin: 0, 4, 0, 4 -> mean 2, var 4 -> Fano 2
    times = [12.0, 13.0, 14.0, 15.0, 31.0, 32.0, 33.0, 39.0]
    path = write_spikes(tmp_path / "ff.h5", {"P": ([0, 1, 2, 3] * 2, times)}, duration=40.0, sizes={"P": 4})
    p = an.read_spikes(path)["P"]
    edges, counts = an.time_histogram(p, 10.0)
    np.testing.assert_array_equal(edges, [0, 10, 20, 30, 40])
    np.testing.assert_array_equal(counts, [0, 4, 0, 4])
    assert an.fano_factor(p, 10.0) == pytest.approx(2.0)
    _, rate = an.binned_population_rate(p, 10.0)
    np.testing.assert_allclose(rate, [0.0, 100.0, 0.0, 100.0])  # 4 spikes / 4 neurons / 10 ms
    edges, counts = an.time_histogram(p, 15.0)  # 40 ms = 2 whole bins; the partial third is dropped
    np.testing.assert_array_equal(edges, [0, 15, 30])
    np.testing.assert_array_equal(counts, [3, 1])  # 12, 13, 14 | 15; 31..39 fall in the dropped bin
    with pytest.raises(an.AnalysisError, match="bin_size"):
        an.time_histogram(p, 50.0)


def test_correlation(tmp_path):
    base = np.arange(1.0, 1000.0, 7.3)
    even = np.arange(0.0, 1000.0, 10.0) + 1.0  # spikes in even 5 ms bins ...
    pops = {"same": (np.repeat([0, 1], base.size), np.tile(base, 2)),
            "anti": (np.repeat([0, 1], even.size), np.concatenate([even, even + 5.0]))}  # ... and odd ones
    path = write_spikes(tmp_path / "corr.h5", pops, duration=1000.0)
    data = an.read_spikes(path)
    np.testing.assert_allclose(an.correlation_coefficient(data["same"], 5.0, n_pairs=20, seed=3), 1.0)
    np.testing.assert_allclose(an.correlation_coefficient(data["anti"], 5.0, n_pairs=5, seed=3), -1.0)
    ids, times = regular(40, 10.0, 1000.0, phase=0.17)
    p = an.read_spikes(write_spikes(tmp_path / "r.h5", {"P": (ids, times)}, duration=1000.0))["P"]
    a, b = (an.correlation_coefficient(p, 2.0, n_pairs=30, seed=11) for _ in range(2))
    np.testing.assert_array_equal(a, b)  # deterministic for a seed
    assert a.shape == (30,)


def test_instantaneous_rate(regular_file):
    e = an.read_spikes(regular_file)["E"]
    t, rate = an.instantaneous_rate(e, sampling_period=1.0, sigma=10.0)
    assert t.shape == rate.shape == (1000,) and t[0] == 0.5
    np.testing.assert_allclose(rate[100:900], 100.0, rtol=0.05)


def test_legacy_layouts(tmp_path):
    ids, times = np.array([2, 0, 1, 0], np.uint64), np.array([0.5, 1.0, 1.5, 2.0])
    with h5py.File(tmp_path / "pynn.h5", "w") as f:  # flat gids, no units, "by_gid" string (PyNN/bmtk)
        f["spikes/gids"] = ids
        f["spikes/timestamps"] = times
        f["spikes"].attrs["sorting"] = "by_gid"
    flat = an.read_spikes(tmp_path / "pynn.h5")
    assert list(flat) == [an.FLAT_POPULATION]
    np.testing.assert_array_equal(flat[an.FLAT_POPULATION].ids, ids)
    assert flat[an.FLAT_POPULATION].size == 3 and flat[an.FLAT_POPULATION].t_stop == 2.0
    with h5py.File(tmp_path / "bmtk.h5", "w") as f:  # gids in a population group, seconds, str sorting
        g = f.create_group("spikes/LGN")
        g.attrs["sorting"] = "by_time"
        g["gids"] = ids[[1, 0, 2, 3]]
        g["timestamps"] = np.array([0.0005, 0.001, 0.0015, 0.002])
        g["timestamps"].attrs["units"] = "s"
    lgn = an.read_spikes(tmp_path / "bmtk.h5", t_start=0.9, t_stop=1.8)["LGN"]
    np.testing.assert_allclose(lgn.times, [1.0, 1.5])
    np.testing.assert_array_equal(lgn.ids, [2, 1])
    with h5py.File(tmp_path / "nest.h5", "w") as f:  # flat node_ids, no sorting attribute
        f["spikes/node_ids"] = ids
        f["spikes/timestamps"] = times
        f["spikes/timestamps"].attrs["units"] = "ms"
    w = an.read_spikes(tmp_path / "nest.h5", t_start=0.7, t_stop=2.0)[an.FLAT_POPULATION]
    np.testing.assert_allclose(w.times, [1.0, 1.5])


@pytest.mark.parametrize("sorting", ["by_time", None])
def test_time_window_equals_filtered_full_read(tmp_path, monkeypatch, sorting):
    monkeypatch.setattr(an, "BLOCK", 7)  # many blocks, so the block search is exercised
    rng = np.random.default_rng(5)
    times = np.round(rng.uniform(0.0, 100.0, 500), 1)  # repeated values at the window edges
    ids = rng.integers(0, 50, 500)
    path = write_spikes(tmp_path / "w.h5", {"P": (ids, times)}, duration=100.0, sorting=sorting)
    full = an.read_spikes(path)["P"]
    for lo, hi in [(10.0, 20.0), (0.0, 0.1), (full.times[123], full.times[321]), (99.95, 100.0),
                   (None, 50.0), (50.0, None), (-5.0, 500.0), (30.0, 30.0)]:
        w = an.read_spikes(path, t_start=lo, t_stop=hi)["P"]
        keep = (full.times >= (lo if lo is not None else -np.inf)) & (full.times < (hi if hi is not None else np.inf))
        np.testing.assert_array_equal(w.times, full.times[keep])
        np.testing.assert_array_equal(w.ids, full.ids[keep])
        assert w.t_stop == (min(hi, 100.0) if hi is not None else 100.0)


def test_errors(tmp_path, regular_file):
    for path, pattern in [(tmp_path / "missing.h5", "missing.h5.*file not found"),
                          (tmp_path, "not an HDF5 file")]:
        with pytest.raises(ValueError, match=pattern):
            an.read_spikes(path)
    text = tmp_path / "notes.txt"
    text.write_text("not hdf5")
    with pytest.raises(an.AnalysisError, match="notes.txt.*not an HDF5 file"):
        an.summary(text)
    with pytest.raises(an.AnalysisError, match=r"'X'.*populations in /spikes: E, I"):
        an.read_spikes(regular_file, population=["E", "X"])
    with pytest.raises(an.AnalysisError, match="before t_start"):
        an.read_spikes(regular_file, t_start=5.0, t_stop=1.0)
    with h5py.File(tmp_path / "empty.h5", "w") as f:
        f.create_group("report")
    with pytest.raises(an.AnalysisError, match="no /spikes group.*report"):
        an.read_spikes(tmp_path / "empty.h5")
    with h5py.File(tmp_path / "units.h5", "w") as f:
        f["spikes/P/node_ids"] = [0]
        f["spikes/P/timestamps"] = [1.0]
        f["spikes/P/timestamps"].attrs["units"] = "fortnights"
    with pytest.raises(an.AnalysisError, match="fortnights"):
        an.read_spikes(tmp_path / "units.h5")
    assert issubclass(an.AnalysisError, ValueError)


def test_read_reports(tmp_path):
    with h5py.File(tmp_path / "rep.h5", "w") as f:
        g = f.create_group("report/E_V_m")
        g.attrs["population"] = "E"
        data = g.create_dataset("data", data=np.arange(12, dtype=np.float32).reshape(4, 3))
        data.attrs["units"], data.attrs["variable"] = "mV", "V_m"
        g["mapping/node_ids"] = np.array([0, 5, 9], np.uint64)
        g["mapping/index_pointers"] = np.arange(4, dtype=np.uint64)
        g["mapping/time"] = [10.0, 14.0, 1.0]
    r = an.read_reports(tmp_path / "rep.h5")["E_V_m"]
    assert (r.population, r.variable, r.units) == ("E", "V_m", "mV")
    np.testing.assert_array_equal(r.times, [10.0, 11.0, 12.0, 13.0])
    assert r.data.dtype == np.float32 and r.data[2, 1] == 7.0
    np.testing.assert_array_equal(r.node_ids, [0, 5, 9])
    assert an.read_reports(write_spikes(tmp_path / "s.h5", {"P": ([0], [1.0])})) == {}


def test_read_reports_keeps_float64(tmp_path):
    """A double-precision run stores float64 reports: read them without rounding to float32."""
    values = np.array([[-65.123456789012345, -0.1 - 1e-12]])
    with h5py.File(tmp_path / "rep64.h5", "w") as f:
        g = f.create_group("report/E")
        g.create_dataset("data", data=values).attrs["units"] = "mV"
        g["mapping/node_ids"] = np.array([0, 1], np.uint64)
        g["mapping/index_pointers"] = np.arange(3, dtype=np.uint64)
        g["mapping/time"] = [0.0, 0.1, 0.1]
    r = an.read_reports(tmp_path / "rep64.h5")["E"]
    assert r.data.dtype == np.float64
    np.testing.assert_array_equal(r.data, values)


def test_spikes_at_the_end_of_the_run_count(tmp_path):
    """A spike fired in the last step is stamped t_end: it belongs to the run (and its rate)."""
    path = write_spikes(tmp_path / "end.h5", {"S": ([0, 1, 0, 1, 1], [10.0, 20.0, 55.0, 100.0, 100.0])},
                        duration=100.0, sizes={"S": 2})
    s = an.read_spikes(path)["S"]
    assert len(s) == 5 and s.t_end == 100.0
    assert an.population_rate(s) == pytest.approx(5 / 2 / 0.1)
    np.testing.assert_allclose(an.mean_firing_rate(s), [20.0, 30.0])
    edges, counts = an.time_histogram(s, 10.0)
    assert counts.sum() == 5 and counts[-1] == 2 and edges[-1] == 100.0
    assert an.summary(path)["S"]["count"] == 5
    assert an.summary(path)["S"]["rate_hz"] == pytest.approx(25.0)
    # Windows partition the run: [0, 55) and [55, end] -- the end closed, nothing counted twice.
    first, rest = an.read_spikes(path, t_stop=55.0)["S"], an.read_spikes(path, t_start=55.0)["S"]
    assert (len(first), len(rest)) == (2, 3)
    assert an.population_rate(s, 0.0, 55.0) == pytest.approx(2 / 2 / 0.055)
    assert an.population_rate(s, 55.0, 100.0) == pytest.approx(3 / 2 / 0.045)
    assert len(an.read_spikes(path, t_stop=100.0)["S"]) == 5  # t_stop at the end reaches it
    # Without provenance the run ends at the last spike, as `neuromesh info` assumes.
    bare = write_spikes(tmp_path / "bare.h5", {"S": ([0, 1, 0, 1, 1], [10.0, 20.0, 55.0, 100.0, 100.0])})
    b = an.read_spikes(bare)["S"]
    assert (len(b), b.t_stop) == (5, 100.0)
    assert an.population_rate(b) == pytest.approx(25.0)


def test_rates_are_over_the_recorded_neurons(tmp_path):
    """/spikes/<pop>/recorded_node_ids (a recorder with ids): rates over those neurons only."""
    path = write_spikes(tmp_path / "part.h5", {"E": ([2, 5, 2], [10.0, 20.0, 30.0])}, duration=1000.0,
                        sizes={"E": 10})
    with h5py.File(path, "a") as f:
        f["spikes/E/recorded_node_ids"] = np.array([2, 5, 7], np.uint64)
    s = an.read_spikes(path)["E"]
    assert (s.size, s.n_recorded) == (10, 3)
    np.testing.assert_array_equal(s.recorded, [2, 5, 7])
    assert an.population_rate(s) == pytest.approx(1.0)  # 3 spikes / 3 neurons / 1 s, not 0.3 Hz
    rates = an.mean_firing_rate(s)
    np.testing.assert_allclose(rates[[2, 5, 7]], [2.0, 1.0, 0.0])
    assert np.isnan(np.delete(rates, [2, 5, 7])).all()
    edges, binned = an.binned_population_rate(s, 500.0)
    np.testing.assert_allclose(binned, [3 / 3 / 0.5, 0.0])
    stats = an.summary(path)["E"]
    assert (stats["size"], stats["recorded"], stats["rate_hz"]) == (10, 3, pytest.approx(1.0))
    table = report.format_table(an.summary(path))
    assert re.search(r"^E\s+3\s+3\s+1\.000\s", table, re.M), table
    assert "E: spikes of 3 of 10 neurons recorded" in table
    with h5py.File(path, "a") as f:
        del f["spikes/E/recorded_node_ids"]
        f["spikes/E/recorded_node_ids"] = np.array([5, 7], np.uint64)
    with pytest.raises(an.AnalysisError, match="outside recorded_node_ids"):
        an.read_spikes(path)


# plots.rate_histogram takes the max of mean_firing_rate, NaN for unrecorded neurons; the fix
# (histogram the recorded neurons' rates only) is in python/neuromesh/plots.py, not in this change.
def test_rate_histogram_of_a_population_recorded_in_part(tmp_path):
    pytest.importorskip("matplotlib", reason="matplotlib is not installed (pip install matplotlib)")
    plots = load("plots")
    path = write_spikes(tmp_path / "part.h5", {"E": ([2, 5, 2], [10.0, 20.0, 30.0])}, duration=1000.0,
                        sizes={"E": 10})
    with h5py.File(path, "a") as f:
        f["spikes/E/recorded_node_ids"] = np.array([2, 5, 7], np.uint64)
    fig = plots.rate_histogram(an.read_spikes(path))  # rates 2, 1 and 0 Hz of the 3 recorded neurons
    assert "mean 1.00 Hz" in fig.axes[0].get_legend().get_texts()[0].get_text()


def test_to_neo_without_neo(regular_file, monkeypatch):
    e = an.read_spikes(regular_file)["E"]
    monkeypatch.setitem(sys.modules, "neo", None)  # makes `import neo` fail
    with pytest.raises(ImportError, match="pip install neo"):
        an.to_neo(e)


def test_to_neo(regular_file):
    pytest.importorskip("neo", reason="optional dependency neo is not installed")
    trains = an.to_neo(an.read_spikes(regular_file)["E"])
    assert len(trains) == 10 and len(trains[0]) == 100


@pytest.mark.slow
def test_summary_of_1e7_spikes(tmp_path):
    """10^7 spikes of 10^5 neurons are summarised correctly (vectorised; about 1 s on a laptop)."""
    rng = np.random.default_rng(0)
    n, size = 10_000_000, 100_000
    path = write_spikes(tmp_path / "big.h5", {"P": (rng.integers(0, size, n), np.sort(rng.uniform(0, 10_000, n)))},
                        duration=10_000.0, sizes={"P": size})
    # Correctness at scale only: how long it takes is measured in benchmarks/, never asserted here.
    stats = an.summary(path)["P"]
    assert stats["count"] == n and stats["rate_hz"] == pytest.approx(10.0)
    assert stats["cv_isi_mean"] == pytest.approx(1.0, abs=0.03)


def test_report_main_errors(tmp_path, capsys):
    assert report.main([str(tmp_path / "nope.h5")]) == 1
    err = capsys.readouterr().err
    assert "nope.h5" in err and "file not found" in err and "Traceback" not in err
    with pytest.raises(SystemExit) as exit_:
        report.main(["--help"])
    assert exit_.value.code == 0 and "--t-start" in capsys.readouterr().out


def test_plots_return_figures(regular_file, tmp_path):
    pytest.importorskip("matplotlib", reason="matplotlib is not installed (pip install matplotlib)")
    from matplotlib.figure import Figure
    plots = load("plots")
    data = an.read_spikes(regular_file)
    for fig in (plots.raster(data), plots.population_rate(data, 10.0), plots.rate_histogram(data)):
        assert isinstance(fig, Figure)
    fig = plots.raster(data, max_points=100)
    assert "1 neuron in" in fig.axes[-1].get_title()
    fig = plots.report_figure(regular_file, tmp_path / "r.png", t_start=100.0, t_stop=600.0)
    assert isinstance(fig, Figure) and "synthetic" in fig.get_suptitle()
    assert (tmp_path / "r.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"




def test_report_on_real_cli_output(tmp_path, capsys, cli):
    pytest.importorskip("matplotlib", reason="matplotlib is not installed (pip install matplotlib)")
    network = json.loads((REPO / "networks" / "vogels_abbott_cuba.json").read_text())
    network["recorders"] = [{"population": "E", "variable": "spikes"}, {"population": "I", "variable": "spikes"},
                            {"population": "E", "variable": "V_m", "interval": 1.0, "ids": [0, 1, 2]}]
    (tmp_path / "net.json").write_text(json.dumps(network))
    out, png = tmp_path / "out.h5", tmp_path / "out.png"
    cmd = [cli, "run", str(tmp_path / "net.json"), "--duration", "300", "-o", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"{' '.join(cmd)} failed:\n{proc.stdout}\n{proc.stderr}"
    assert report.main([str(out), "--plot", str(png)]) == 0
    table = capsys.readouterr().out
    stats = an.summary(out)
    for pop in ("E", "I"):  # the CLI's own per-population line: name, spikes, rate [Hz]
        line = re.search(rf"^{pop}\s+(\d+)\s+([\d.]+)\s*$", proc.stdout, re.M)
        assert line, f"no '{pop}' line in the CLI output:\n{proc.stdout}"
        assert stats[pop]["count"] == int(line[1])
        assert stats[pop]["rate_hz"] == pytest.approx(float(line[2]), abs=1e-3)
        assert re.search(rf"^{pop}\s+{stats[pop]['count']}\s+{stats[pop]['size']}\s", table, re.M), table
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    v_m = an.read_reports(out)["E"]
    assert (v_m.variable, v_m.units, v_m.data.shape) == ("V_m", "mV", (300, 3))
    assert np.all((v_m.data > -80.0) & (v_m.data < -40.0))


def test_info_and_analysis_agree_on_last_step_spikes(tmp_path, cli):
    """`neuromesh info` and neuromesh.analysis count the same spikes and give the same rates, on a
    run whose last step has spikes (stamped exactly at the end of the run)."""
    duration = 200.0
    network = json.loads((REPO / "networks" / "vogels_abbott_cuba.json").read_text())
    network["populations"].append({"label": "S", "size": 3, "model": "spike_source_array",
                                   "spike_times": [[10.0, duration], [50.5, 120.0, duration], [duration]]})
    (tmp_path / "net.json").write_text(json.dumps(network))
    out = tmp_path / "out.h5"
    cmd = [cli, "run", str(tmp_path / "net.json"), "--duration", str(duration), "-o", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"{' '.join(cmd)} failed:\n{proc.stdout}\n{proc.stderr}"
    with h5py.File(out, "r") as f:
        assert f["provenance"].attrs["duration_ms"] == duration
        assert np.count_nonzero(f["spikes/S/timestamps"][...] == duration) == 3, "no last-step spikes"
    info = subprocess.run([cli, "info", str(out)], capture_output=True, text=True, timeout=120)
    assert info.returncode == 0, info.stderr
    stats = an.summary(out)
    assert set(stats) == {"E", "I", "S"}
    for pop, s in stats.items():
        line = re.search(rf"^  {pop}: (\d+) spikes, .*mean rate (\S+) Hz", info.stdout, re.M)
        assert line, info.stdout
        assert s["count"] == int(line[1]), info.stdout
        assert s["rate_hz"] == pytest.approx(float(line[2]), rel=1e-5), info.stdout
        assert s["rate_hz"] == pytest.approx(s["count"] / s["recorded"] / (duration / 1000.0), rel=1e-12)
    assert stats["S"]["count"] == 6 and stats["S"]["rate_hz"] == pytest.approx(10.0)
