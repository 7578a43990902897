"""The aeif family from Python: PyNN's EIF_cond_alpha_isfa_ista maps to aeif_cond_alpha with the
same units and mapping as EIF_cond_exp_isfa_ista, and runs to the same spikes as the core model
given NEST's names. (Thread invariance of the AdEx network: tests/validation/test_determinism.cpp.)"""
import pytest

nm = pytest.importorskip("neuromesh", reason="the neuromesh Python package is not built (NEUROMESH_WITH_PYTHON=OFF)")


def _spikes(cell, duration=300.0):
    net = nm.Network(dt=0.1, seed=1)
    pop = net.population(3, cell, label="P")
    net.run(duration, threads=1, precision="double")
    ids, times = pop.spikes
    return list(zip(ids.tolist(), times.tolist()))


def test_eif_cond_alpha_is_aeif_cond_alpha_in_pynn_units():
    cell = nm.EIF_cond_alpha_isfa_ista(i_offset=0.8, b=0.04, tau_syn_E=3.0)
    assert cell.core_model == "aeif_cond_alpha"
    p = cell.core_params()
    assert p["I_e"] == pytest.approx(800.0) and p["b"] == pytest.approx(40.0) and p["tau_syn_ex"] == 3.0
    pynn = _spikes(cell)
    assert len(pynn) > 3  # fires under 0.8 nA
    core = _spikes(nm.Model("aeif_cond_alpha", **p))
    assert pynn == core


def test_alpha_and_exp_differ_only_in_the_synapse():
    # Without synaptic input both models integrate the same equations: identical spikes.
    kw = dict(i_offset=0.8)
    assert _spikes(nm.EIF_cond_alpha_isfa_ista(**kw)) == _spikes(nm.EIF_cond_exp_isfa_ista(**kw))

