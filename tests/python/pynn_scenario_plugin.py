"""pytest plugin (-p pynn_scenario_plugin) for PyNN's own scenario tests
(test/system/scenarios of the PyNN 0.13 sdist): every test parametrised over simulators with
fixtures.run_with_simulators(...) runs on pyNN.nest and pyNN.neuromesh (neuron and brian2 are
dropped). PyNN's files are not changed: the parametrize mark's list of simulators is edited in
memory when pytest generates the tests."""
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
