"""SONATA layout of what `neuromesh run` writes: shared/specs/sonata.md §8, items 1-4 (and 6
with libsonata when it is installed). Run by ctest with NEUROMESH_CLI set to the CLI binary."""
import json
import os
import subprocess

import pytest

try:
    import h5py
    import numpy as np
except ImportError as exc:  # skipped with a reason, never a silent pass
    pytest.skip(f"h5py/numpy not available ({exc}); install python3-h5py", allow_module_level=True)

SORTING_ENUM = {"none": 0, "by_id": 1, "by_time": 2}


def run_cuba(tmp_path_factory, *extra):
    """Runs the Vogels-Abbott CUBA network for 200 ms (CLI arguments `extra`) with recorders and
    returns the output path."""
    cli = os.environ.get("NEUROMESH_CLI")
    if not cli:
        pytest.skip("NEUROMESH_CLI is not set; run through ctest or export the CLI path")
    if not (os.path.isfile(cli) and os.access(cli, os.X_OK)):
        pytest.skip(f"NEUROMESH_CLI={cli} does not exist or is not executable (CLI not built?)")
    tmp = tmp_path_factory.mktemp("sonata")
    out = tmp / "out.h5"
    # The built-in CUBA network plus recorders, so the report layout is checked as well.
    root = os.environ.get("NEUROMESH_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
    with open(os.path.join(root, "networks", "vogels_abbott_cuba.json")) as f:
        net = json.load(f)
    net["recorders"] = [{"population": "E", "variable": "spikes"}, {"population": "I", "variable": "spikes"},
                        {"population": "E", "variable": "V_m", "interval": 0.5, "ids": [0, 1, 2, 3]},
                        {"population": "E", "variable": "I_syn_ex", "interval": 1.0, "ids": [5]}]
    network_file = tmp / "cuba_recorded.json"
    network_file.write_text(json.dumps(net))
    cmd = [cli, "run", str(network_file), "--duration", "200", "-o", str(out), *extra]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"{' '.join(cmd)} failed:\n{proc.stdout}\n{proc.stderr}"
    assert out.is_file(), f"{' '.join(cmd)} wrote no {out}"
    return out


@pytest.fixture(scope="module")
def out_h5(tmp_path_factory):
    """The single-precision (default) run."""
    return run_cuba(tmp_path_factory)


@pytest.fixture(scope="module")
def out_double_h5(tmp_path_factory):
    """The same run in double precision (--double)."""
    return run_cuba(tmp_path_factory, "--double")


def text(value):
    """h5py returns str for variable-length strings and bytes for fixed-length ones."""
    return value.decode() if isinstance(value, bytes) else str(value)


def spike_populations(f):
    assert "spikes" in f, "no /spikes group"
    pops = {name: grp for name, grp in f["spikes"].items() if isinstance(grp, h5py.Group)}
    assert pops, "/spikes has no population groups"
    return pops


def is_sorted_by_id(ids, times):
    """Ordered by node id, then by time among equal ids (sonata.md §2)."""
    d_id = np.diff(ids.astype(np.int64))
    return bool(np.all(d_id >= 0) and np.all((d_id > 0) | (np.diff(times) >= 0)))


def test_root_attributes(out_h5):  # §8.1
    with h5py.File(out_h5, "r") as f:
        magic = f.attrs.get_id("magic")
        assert magic.dtype == np.uint32 and magic.shape == ()
        assert int(f.attrs["magic"]) == 0x0A7A == 2682
        version = f.attrs.get_id("version")
        assert version.dtype == np.uint32 and version.shape == (2,)
        assert list(f.attrs["version"]) == [0, 1]


def test_spike_datasets(out_h5):  # §8.2
    with h5py.File(out_h5, "r") as f:
        for name, grp in spike_populations(f).items():
            ts, ids = grp["timestamps"], grp["node_ids"]
            assert ts.dtype == np.dtype("<f8"), f"{name}: timestamps dtype {ts.dtype}"
            assert ids.dtype == np.dtype("<u8"), f"{name}: node_ids dtype {ids.dtype}"
            assert ts.ndim == 1 and ids.ndim == 1
            assert ts.shape == ids.shape, f"{name}: {ts.shape} timestamps vs {ids.shape} node_ids"
            assert text(ts.attrs["units"]) == "ms"


def test_sorting_enum_and_order(out_h5):  # §8.3
    with h5py.File(out_h5, "r") as f:
        for name, grp in spike_populations(f).items():
            assert "sorting" in grp.attrs, f"{name}: no sorting attribute"
            dtype = grp.attrs.get_id("sorting").dtype
            assert h5py.check_enum_dtype(dtype) == SORTING_ENUM, f"{name}: sorting dtype {dtype}"
            assert dtype == np.uint8, f"{name}: enum base {dtype}, expected uint8"
            htype = grp.attrs.get_id("sorting").get_type()
            assert htype.get_class() == h5py.h5t.ENUM
            assert htype.get_super() == h5py.h5t.STD_U8LE
            value = int(grp.attrs["sorting"])
            times, ids = grp["timestamps"][...], grp["node_ids"][...]
            if value == SORTING_ENUM["by_time"]:
                assert np.all(np.diff(times) >= 0), f"{name}: says by_time but is not"
            elif value == SORTING_ENUM["by_id"]:
                assert is_sorted_by_id(ids, times), f"{name}: says by_id but is not"


def check_report(name, grp, dtype="<f4"):
    data = grp["data"]
    mapping = grp["mapping"]
    assert data.ndim == 2 and data.dtype == np.dtype(dtype), f"{name}: data {data.dtype} {data.shape}"
    assert text(data.attrs["units"]), f"{name}: data@units empty"
    assert "variable" in data.attrs
    node_ids = mapping["node_ids"][...]
    ptr = mapping["index_pointers"][...]
    assert len(ptr) == len(node_ids) + 1, f"{name}: index_pointers has {len(ptr)} for {len(node_ids)} nodes"
    assert ptr[0] == 0 and np.all(np.diff(ptr.astype(np.int64)) >= 0)
    assert ptr[-1] == data.shape[1]
    assert len(mapping["element_ids"]) == data.shape[1]
    time = mapping["time"][...]
    assert time.shape == (3,)
    tstart, tstop, dt = time
    assert round((tstop - tstart) / dt) == data.shape[0]
    assert int((tstop - tstart) / dt) == data.shape[0], "bmtk's int() frame count would be off by one"
    assert text(mapping["time"].attrs["units"]) == "ms"
    assert isinstance(mapping.get("index_pointer", getlink=True), h5py.HardLink)
    assert mapping["index_pointer"] == mapping["index_pointers"], "index_pointer is not the same object"


def test_reports(out_h5):  # §8.4
    with h5py.File(out_h5, "r") as f:
        if "report" not in f:
            pytest.skip("the run recorded no state variables (no /report group)")
        for name, grp in f["report"].items():
            check_report(name, grp)


# The part of the fix that passes the run's precision to `recording` lives in core/src/simulation.cpp
# (not in the files of this change); remove the marker when it is in.
def test_reports_of_a_double_run_are_float64(out_double_h5):
    """Reports are stored in the run's precision: float32 would lose up to ~4e-6 mV of V_m."""
    with h5py.File(out_double_h5, "r") as f:
        for name, grp in f["report"].items():
            check_report(name, grp, "<f8")
        v = f["report/E/data"][...]
        prov = f["provenance"].attrs
        assert (prov["precision"].decode() if isinstance(prov["precision"], bytes) else prov["precision"]) == "double"
    assert np.any(v != v.astype(np.float32).astype(np.float64)), "values look rounded to float32"


def test_libsonata_reads_output(out_h5):  # §8.6, optional
    libsonata = pytest.importorskip("libsonata")
    with h5py.File(out_h5, "r") as f:
        expected = {name: len(grp["node_ids"]) for name, grp in spike_populations(f).items()}
        names = {v: k for k, v in SORTING_ENUM.items()}
        sorting = {name: names[int(grp.attrs["sorting"])] for name, grp in spike_populations(f).items()}
        report_frames = {name: grp["data"].shape[0] for name, grp in f.get("report", {}).items()}
    spikes = libsonata.SpikeReader(str(out_h5))
    assert sorted(spikes.get_population_names()) == sorted(expected)
    for name, count in expected.items():
        assert len(spikes[name].get()) == count
        assert spikes[name].sorting == sorting[name]
    if report_frames:
        reports = libsonata.ElementReportReader(str(out_h5))
        for name, frames in report_frames.items():
            assert len(reports[name].get().times) == frames
