"""Spike recorders with `ids` record those neurons only (issue "No silent wrong results", item 4).

A population recorded in part holds only the recorded neurons' spikes in the file (with
/spikes/<pop>/recorded_node_ids and provenance spikes_recorded.<pop>), and every rate -- `neuromesh
info`, neuromesh.analysis, the run summary and Result.rates() -- is over the recorded neurons.
"""
import json
import re
import subprocess
from pathlib import Path

import pytest

try:
    import h5py
    import numpy as np
except ImportError as exc:  # skipped with a reason, never a silent pass
    pytest.skip(f"h5py/numpy not available ({exc}); install python3-h5py", allow_module_level=True)

REPO = Path(__file__).resolve().parents[2]
RECORDED_E = [7, 0, 2, 1, 2, 30, 99]  # unsorted, with a repeat: the union {0, 1, 2, 7, 30, 99}
DURATION = 300.0




def _analysis():
    try:
        from neuromesh import analysis
    except ImportError:
        import importlib.util
        path = REPO / "python" / "neuromesh" / "analysis.py"
        spec = importlib.util.spec_from_file_location("neuromesh_analysis", path)
        analysis = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(analysis)
    return analysis


def info_lines(cli, path):
    """`neuromesh info` per spike population: (count, rate Hz or None, the text in parentheses)."""
    proc = subprocess.run([cli, "info", str(path)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = {}
    for m in re.finditer(r"^  (\S+): (\d+) spikes(?:.*?mean rate (\S+) Hz \(([^)]*)\))?", proc.stdout, re.M):
        out[m[1]] = (int(m[2]), float(m[3]) if m[3] else None, m[4] or "")
    return out, proc.stdout


@pytest.fixture(scope="module")
def cuba_run(tmp_path_factory, cli):
    """The CUBA network for 300 ms with E's spikes recorded for 6 neurons only, I's for all."""
    tmp = tmp_path_factory.mktemp("subsets")
    net = json.loads((REPO / "networks" / "vogels_abbott_cuba.json").read_text())
    net["recorders"] = [{"population": "E", "variable": "spikes", "ids": RECORDED_E},
                        {"population": "I", "variable": "spikes"}]
    (tmp / "net.json").write_text(json.dumps(net))
    out = tmp / "out.h5"
    cmd = [cli, "run", str(tmp / "net.json"), "--duration", str(DURATION), "-o", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"{' '.join(cmd)} failed:\n{proc.stdout}\n{proc.stderr}"
    return cli, out, proc.stdout


def test_file_holds_only_the_recorded_neurons(cuba_run):
    _, out, _ = cuba_run
    wanted = sorted(set(RECORDED_E))
    with h5py.File(out, "r") as f:
        ids = f["spikes/E/node_ids"][...]
        assert ids.size > 0, "the recorded E neurons should fire in 300 ms"
        extra = sorted(set(ids.tolist()) - set(wanted))
        assert not extra, f"spikes of {len(extra)} unrecorded neurons, e.g. {extra[:5]}"
        np.testing.assert_array_equal(f["spikes/E/recorded_node_ids"][...], wanted)
        assert f["spikes/E/recorded_node_ids"].dtype == np.dtype("<u8")
        assert "recorded_node_ids" not in f["spikes/I"], "I is recorded in full"
        assert np.unique(f["spikes/I/node_ids"][...]).size > 100
        prov = f["provenance"].attrs
        assert prov["spikes_recorded_nodes.E"] == len(wanted) and prov["spikes_recorded_nodes.I"] == 800
        text = prov["spikes_recorded.E"]
        assert f"{len(wanted)} of 3200 neurons" in (text.decode() if isinstance(text, bytes) else text)


def test_info_and_analysis_rate_is_over_the_recorded_neurons(cuba_run):
    cli, out, _ = cuba_run
    an = _analysis()
    n_rec = len(set(RECORDED_E))
    lines, text = info_lines(cli, out)
    stats = an.summary(out)
    for pop, recorded in (("E", n_rec), ("I", 800)):
        count, rate, note = lines[pop]
        assert stats[pop]["count"] == count
        assert stats[pop]["recorded"] == recorded
        expected = count / recorded / (DURATION / 1000.0)
        assert rate == pytest.approx(expected, rel=1e-5), text
        assert stats[pop]["rate_hz"] == pytest.approx(expected, rel=1e-12)
    assert f"{n_rec} of 3200 nodes recorded" in lines["E"][2], text
    spikes = an.read_spikes(out)["E"]
    assert (spikes.size, spikes.n_recorded) == (3200, n_rec)
    per_neuron = an.mean_firing_rate(spikes)
    recorded = sorted(set(RECORDED_E))
    assert np.all(np.isfinite(per_neuron[recorded]))
    assert np.isnan(np.delete(per_neuron, recorded)).all(), "unrecorded neurons have no rate, not 0 Hz"
    assert np.nanmean(per_neuron) == pytest.approx(stats["E"]["rate_hz"])


def test_report_table_says_the_population_is_recorded_in_part(cuba_run, capsys):
    _, out, _ = cuba_run
    try:
        from neuromesh import report
    except ImportError:
        pytest.skip("the neuromesh package is not importable")
    assert report.main([str(out)]) == 0
    table = capsys.readouterr().out
    n_rec = len(set(RECORDED_E))
    assert re.search(rf"^E\s+\d+\s+{n_rec}\s", table, re.M), table
    assert f"E: spikes of {n_rec} of 3200 neurons recorded" in table


def test_cli_run_summary_rate_is_over_the_recorded_neurons(cuba_run):
    cli, out, stdout = cuba_run
    stats = _analysis().summary(out)
    for pop in ("E", "I"):
        line = re.search(rf"^{pop}\s+(\d+)\s+([\d.]+)", stdout, re.M)
        assert line, stdout
        assert int(line[1]) == stats[pop]["count"]
        assert float(line[2]) == pytest.approx(stats[pop]["rate_hz"], abs=1e-3)


def _python_network(nm):
    net = nm.Network(dt=0.1, seed=7)
    cell = nm.IF_curr_exp(tau_m=20.0, cm=0.25, v_rest=-65.0, v_thresh=-50.0, v_reset=-65.0, tau_refrac=2.0,
                          i_offset=0.5)
    exc = net.population(50, cell, label="E", initial={"v": nm.random.Uniform(-65.0, -50.0)})
    inh = net.population(20, cell, label="I", initial={"v": nm.random.Uniform(-65.0, -50.0)})
    return net, exc, inh


def test_python_record_spikes_ids(tmp_path):
    nm = pytest.importorskip("neuromesh", reason="the neuromesh Python package is not built")
    net, exc, inh = _python_network(nm)
    exc.record("spikes", ids=[3, 1, 4])
    inh.record("spikes")
    out = tmp_path / "py.h5"
    result = net.run(200.0, threads=1, output=str(out))
    ids, times = exc.spikes
    assert ids.size > 0 and set(ids.tolist()) <= {1, 3, 4}, sorted(set(ids.tolist()))
    with h5py.File(out, "r") as f:
        np.testing.assert_array_equal(f["spikes/E/node_ids"][...], ids)
        np.testing.assert_array_equal(f["spikes/E/timestamps"][...], times)
    rates = result.rates()
    assert rates["E"] == pytest.approx(ids.size / 3 / 0.2)
    assert rates["I"] == pytest.approx(inh.spikes[0].size / 20 / 0.2)
    assert result.summary["spikes_per_population"]["E"] == ids.size
    assert rates["E"] == pytest.approx(_analysis().summary(out)["E"]["rate_hz"])


def test_python_record_spikes_ids_without_output_file():
    nm = pytest.importorskip("neuromesh", reason="the neuromesh Python package is not built")
    net, exc, _ = _python_network(nm)
    exc.record("spikes", ids=[0, 10])
    result = net.run(100.0, threads=2)
    ids, _ = exc.spikes
    assert ids.size > 0 and set(ids.tolist()) <= {0, 10}
    assert result.rates()["E"] == pytest.approx(ids.size / 2 / 0.1)
