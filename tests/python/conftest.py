"""Shared pytest fixtures: `backend` runs a test once per backend this build has
(neuromesh.features()), and the markers requires_mpi / requires_cuda skip, with the reason, when
that part is not built -- never a silent pass."""
import os
import sys

import pytest

# The network scripts and generators of networks/ (potjans_diesmann, mundy_synthetic) import as modules.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "networks"))

try:
    import neuromesh as _nm
    _FEATURES = _nm.features()
except ImportError:  # package not built: the tests that need it skip themselves
    _FEATURES = {"backends": [], "mpi": False, "cuda": False}


def pytest_configure(config):
    config.addinivalue_line("markers", "requires_mpi: needs the MPI backend")
    config.addinivalue_line("markers", "requires_cuda: needs the CUDA backend")


def pytest_runtest_setup(item):
    for marker, feature in (("requires_mpi", "mpi"), ("requires_cuda", "cuda")):
        if item.get_closest_marker(marker) and not _FEATURES.get(feature):
            pytest.skip(f"this build has no {feature.upper()} backend (features: {_FEATURES})")


@pytest.fixture(params=_FEATURES["backends"] or ["none"])
def backend(request):
    if request.param == "none":
        pytest.skip("the neuromesh Python package is not built")
    return request.param


@pytest.fixture(scope="session")
def cli():
    """Path of the neuromesh CLI (ctest sets NEUROMESH_CLI); skips with the reason when it is not there."""
    path = os.environ.get("NEUROMESH_CLI")
    if not path:
        pytest.skip("NEUROMESH_CLI is not set; run through ctest or export the CLI path")
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        pytest.skip(f"NEUROMESH_CLI={path} does not exist or is not executable (CLI not built?)")
    return path


@pytest.fixture
def mpirun():
    """(launcher prefix for N ranks, environment) for running a script under MPI as root; skips
    with the reason when there is no mpiexec/mpirun."""
    import shutil
    mpiexec = shutil.which("mpiexec") or shutil.which("mpirun")
    if mpiexec is None:
        pytest.skip("no mpiexec/mpirun on PATH")
    env = {**os.environ, "OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"}
    return (lambda n: [mpiexec, "--oversubscribe", "-n", str(n)]), env
