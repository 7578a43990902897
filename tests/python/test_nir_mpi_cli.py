"""An imported NIR network under mpirun (same spikes as one process) and the `neuromesh run/map
MODEL.nir` commands (docs/nir.md)."""
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

nir = pytest.importorskip("nir", reason="the nir package (pip install nir) is not installed")
import neuromesh as nm  # noqa: E402
from test_nir_networks import cnn, recurrent  # noqa: E402

SCRIPT = r'''
import os, sys
import numpy as np
import neuromesh as nm
model = nm.nir.read(sys.argv[1], dt=1.0, time_scale=1.0)
y = model.run(np.load(sys.argv[2]), threads=1)
if int(os.environ.get("OMPI_COMM_WORLD_RANK", "0")) == 0:
    np.save(sys.argv[3], y)
'''


def _env():
    here = os.path.dirname(os.path.abspath(__file__))
    return {**os.environ, "OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
            "PYTHONPATH": os.pathsep.join([here] + sys.path)}


@pytest.fixture
def cnn_file(tmp_path):
    rng = np.random.default_rng(11)
    path = tmp_path / "cnn.nir"
    nir.write(path, cnn(rng))
    x = (rng.random((25, 1, 28, 28)) < 0.15).astype(np.uint8)
    np.save(tmp_path / "x.npy", x)
    return path, tmp_path / "x.npy", x


@pytest.mark.requires_mpi
@pytest.mark.parametrize("network", ["cnn", "recurrent"])
def test_imported_network_under_mpirun_gives_the_same_spikes(tmp_path, cnn_file, network):
    mpiexec = shutil.which("mpiexec") or shutil.which("mpirun")
    if mpiexec is None:
        pytest.skip("no mpiexec/mpirun on PATH")
    path, xfile, x = cnn_file
    if network == "recurrent":  # CubaLIF with a recurrent Affine (test_nir_networks.recurrent)
        rng = np.random.default_rng(5)
        path = tmp_path / "rec.nir"
        nir.write(path, recurrent(rng)[0])
        x = (rng.random((2, 80, 20)) < 0.1).astype(np.uint8)  # a batch of two samples
        np.save(xfile, x)
    script = tmp_path / "run.py"
    script.write_text(SCRIPT)
    out = tmp_path / "y.npy"
    proc = subprocess.run([mpiexec, "--oversubscribe", "-n", "2", sys.executable, str(script), str(path), str(xfile),
                           str(out)], capture_output=True, text=True, timeout=300, env=_env())
    assert proc.returncode == 0, proc.stdout + proc.stderr
    single = nm.nir.read(path, dt=1.0, time_scale=1.0).run(x, threads=1)
    assert single.sum() > 0
    np.testing.assert_array_equal(np.load(out), single)


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "neuromesh.cli", *map(str, args)], capture_output=True, text=True,
                          timeout=300, env=_env())


def test_cli_run_and_map_a_nir_file(tmp_path, cnn_file):
    path, xfile, x = cnn_file
    out = tmp_path / "y.npy"
    proc = _cli("run", path, "--dt", 1, "--time-scale", 1, "--input", xfile, "--double", "-o", out)
    assert proc.returncode == 0, proc.stderr
    assert "output 'output': shape (25, 10)" in proc.stdout
    np.testing.assert_array_equal(np.load(out), nm.nir.read(path, dt=1.0, time_scale=1.0).run(x))
    proc = _cli("map", path, "--dt", 1, "--time-scale", 1, "--input", xfile, "--hardware", "loihi")
    assert proc.returncode == 0, proc.stderr
    assert "energy on 'loihi'" in proc.stdout and "synaptic" in proc.stdout
    proc = _cli("run", path, "--dt", 1)  # no --time-scale: refused, never guessed
    assert proc.returncode != 0 and "--time-scale" in proc.stderr
    bad = tmp_path / "bad.nir"
    bad.write_text("not hdf5")
    proc = _cli("run", bad, "--dt", 1, "--time-scale", 1)
    assert proc.returncode == 1 and "not an HDF5 file" in proc.stderr


def test_cli_output_file_names_are_taken_as_given(tmp_path, cnn_file):
    """-o out.h5 used to become out.h5.npy (numpy appends the suffix); now it is refused up front."""
    path, xfile, x = cnn_file
    proc = _cli("run", path, "--dt", 1, "--time-scale", 1, "--input", xfile, "-o", tmp_path / "y.h5")
    assert proc.returncode == 2 and "NAME.npy" in proc.stderr
    assert list(tmp_path.glob("y.h5*")) == []
    out = tmp_path / "y.npz"
    proc = _cli("run", path, "--dt", 1, "--time-scale", 1, "--input", xfile, "--double", "-o", out)
    assert proc.returncode == 0, proc.stderr
    np.testing.assert_array_equal(np.load(out)["output"], nm.nir.read(path, dt=1.0, time_scale=1.0).run(x))


def test_the_cpp_cli_points_nir_files_to_the_python_command(cli, cnn_file):
    """The C++ binary has no NIR reader: it says so and where to go, instead of a JSON parse error."""
    path = cnn_file[0]
    proc = subprocess.run([cli, "run", str(path)], capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    assert "is a NIR graph" in proc.stderr and "docs/nir.md" in proc.stderr
