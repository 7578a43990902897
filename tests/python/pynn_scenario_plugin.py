"""pytest plugin (-p pynn_scenario_plugin) for PyNN's own scenario tests
(test/system/scenarios of the PyNN 0.13 sdist): every test parametrised over simulators with
fixtures.run_with_simulators(...) runs on pyNN.nest and pyNN.neuromesh (neuron and brian2 are
dropped). PyNN's files are not changed: the parametrize mark's list of simulators is edited in
memory when pytest generates the tests.

The scenarios draw initial values, weights and connections from `NumpyRNG()` without a seed, that
is from OS entropy, so each run of the suite is a different experiment and the statistical ones
fail now and then on every simulator (test_scenario3's t-test: p > 0.01 in 1 of 30 runs on
pyNN.nest, measured 2026-12-06). So that the table says the same thing on every run, an unseeded
NumpyRNG here gets a seed: crc32 of the scenario's name (not of the simulator) plus how many
unseeded NumpyRNGs that test made before, so pyNN.nest and pyNN.neuromesh see the same draws. The
seeds are a function of the names, not chosen to make anything pass."""
import itertools
import zlib

import pytest

KEEP = ("nest",)
ADD = "neuromesh"


@pytest.hookimpl(tryfirst=True)
def pytest_generate_tests(metafunc):
    for mark in metafunc.definition.iter_markers("parametrize"):
        if len(mark.args) < 2 or mark.args[0] != "sim" or not isinstance(mark.args[1], list):
            continue
        params = mark.args[1]
        if not params or any(p.id == ADD for p in params):
            continue
        lazy = type(params[0].values[0])  # the suite's LazySimulator
        params[:] = [p for p in params if p.id in KEEP] + [pytest.param(lazy(ADD), id=ADD)]


@pytest.fixture(autouse=True)
def _seed_unseeded_numpy_rngs(request, monkeypatch):
    """Gives every NumpyRNG() made without a seed during one scenario a reproducible seed."""
    try:
        import pyNN.random
    except ImportError:
        yield
        return
    name = request.node.name.split("[", 1)[0]
    counter = itertools.count(zlib.crc32(f"{request.node.module.__name__}::{name}".encode()))
    original = pyNN.random.NumpyRNG.__init__

    def seeded_init(self, seed=None, parallel_safe=True):
        original(self, next(counter) % 2**32 if seed is None else seed, parallel_safe)

    monkeypatch.setattr(pyNN.random.NumpyRNG, "__init__", seeded_init)
    yield
