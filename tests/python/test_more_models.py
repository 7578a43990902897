"""The models of issue 16 from Python and the command line: PyNN's IF_cond_alpha and HH_cond_exp
map to iaf_cond_alpha and hh_cond_exp_traub with pyNN.nest's unit conversions and run to the same
spikes as the core models given NEST's names; `neuromesh list` and nm.model_names() show every new
model. (Against NEST: tests/crosscheck; backends: tests/validation/test_backend_equivalence.cpp.)"""
import subprocess

import pytest

nm = pytest.importorskip("neuromesh", reason="the neuromesh Python package is not built (NEUROMESH_WITH_PYTHON=OFF)")

NEW = ("iaf_cond_alpha", "hh_psc_alpha", "hh_cond_exp_traub", "parrot_neuron")


def _spikes(cell, duration=200.0, initial=None):
    net = nm.Network(dt=0.1, seed=1)
    pop = net.population(2, cell, label="P", initial=initial)
    net.run(duration, threads=1, precision="double")
    ids, times = pop.spikes
    return list(zip(ids.tolist(), times.tolist()))


def test_model_names():
    assert set(NEW) <= set(nm.model_names())


def test_cli_lists_them(cli):
    out = subprocess.run([cli, "list"], capture_output=True, text=True, check=True).stdout
    for name in NEW:
        assert f"  {name}:" in out


def test_if_cond_alpha_is_iaf_cond_alpha_in_pynn_units():
    cell = nm.IF_cond_alpha(i_offset=0.5, cm=0.25, tau_m=15.0)
    assert cell.core_model == "iaf_cond_alpha"
    p = cell.core_params()
    assert p["I_e"] == pytest.approx(500.0) and p["C_m"] == pytest.approx(250.0)
    assert p["g_L"] == pytest.approx(250.0 / 15.0) and p["tau_syn_ex"] == 0.3 and p["tau_syn_in"] == 0.5
    pynn = _spikes(cell)
    assert len(pynn) > 4
    assert pynn == _spikes(nm.Model("iaf_cond_alpha", **p))


def test_hh_cond_exp_is_hh_cond_exp_traub_in_pynn_units():
    cell = nm.HH_cond_exp(i_offset=0.2)
    assert cell.core_model == "hh_cond_exp_traub"
    p = cell.core_params()
    # pyNN.nest's translations: uS -> nS, nF -> pF, nA -> pA, v_offset -> V_T.
    assert p["g_Na"] == pytest.approx(20000.0) and p["g_K"] == pytest.approx(6000.0)
    assert p["g_L"] == pytest.approx(10.0) and p["C_m"] == pytest.approx(200.0)
    assert p["V_T"] == -63.0 and p["E_L"] == -65.0 and p["I_e"] == pytest.approx(200.0)
    initial = {"v": -65.0, "m": 0.0, "h": 1.0, "n": 0.0}  # PyNN's initial values
    pynn = _spikes(cell, initial=initial)
    assert len(pynn) > 4
    core_initial = {"V_m": -65.0, "Act_m": 0.0, "Inact_h": 1.0, "Act_n": 0.0}
    assert pynn == _spikes(nm.Model("hh_cond_exp_traub", **p), initial=core_initial)
