"""Each NIR neuron primitive, built with the `nir` package, imported and run in neuromesh and
compared step by step with tests/python/nir_reference.py (docs/nir.md)."""
import numpy as np
import pytest

nir = pytest.importorskip("nir", reason="the nir package (pip install nir) is not installed")
import neuromesh as nm  # noqa: E402
from nir_reference import affine_input, neuron  # noqa: E402

H = 0.5  # ms
T = 200


def _grid(rng, shape, scale):
    """Values on a 2^-12 grid: float32 weights whose fixed-point sums are exact."""
    return np.round(rng.normal(0, scale, shape) * 4096) / 4096


def _graph(node, n_in, w, b):
    aff = nir.Affine(weight=w.astype(np.float32), bias=b.astype(np.float32)) if b is not None else \
        nir.Linear(weight=w.astype(np.float32))
    return nir.NIRGraph(nodes={"in": nir.Input(input_type={"input": np.array([n_in])}), "w": aff, "n": node,
                               "out": nir.Output(output_type={"output": np.array([w.shape[0]])})},
                        edges=[("in", "w"), ("w", "n"), ("n", "out")])


def _case(kind, n, rng):
    f = lambda lo, hi: rng.uniform(lo, hi, n)  # noqa: E731
    if kind == "LIF":
        return nir.LIF(tau=f(5, 20), r=f(10, 30), v_leak=f(-0.2, 0.2), v_threshold=f(0.5, 1), v_reset=f(-0.3, 0))
    if kind == "LI":
        return nir.LI(tau=f(5, 20), r=f(10, 30), v_leak=f(-0.2, 0.2))
    if kind == "IF":
        return nir.IF(r=f(1, 3), v_threshold=f(0.5, 1), v_reset=f(-0.3, 0))
    if kind == "I":
        return nir.I(r=f(1, 3))
    if kind == "CubaLIF":
        return nir.CubaLIF(tau_syn=f(2, 6), tau_mem=f(8, 20), r=f(40, 80), v_leak=f(-0.2, 0.2),
                           v_threshold=f(0.3, 0.6), v_reset=f(-0.3, 0), w_in=f(0.5, 1.5))
    if kind == "CubaLI":
        return nir.CubaLI(tau_syn=f(2, 6), tau_mem=f(8, 20), r=f(40, 80), v_leak=f(-0.2, 0.2), w_in=f(0.5, 1.5))
    return nir.Threshold(threshold=f(0.1, 0.5))


def _params(node):
    d = node.to_dict()
    return {k: v for k, v in d.items() if k not in ("type", "metadata")}


@pytest.mark.parametrize("method", ["exact", "euler"])
@pytest.mark.parametrize("kind", ["LIF", "LI", "IF", "I", "CubaLIF", "CubaLI", "Threshold"])
def test_primitive_matches_reference_step_by_step(kind, method):
    rng = np.random.default_rng(7)
    n_in, n = 12, 9
    node = _case(kind, n, rng)
    w = _grid(rng, (n, n_in), 0.6 if kind not in ("CubaLIF",) else 0.4)
    b = _grid(rng, (n,), 0.05)
    x = (rng.random((T, n_in)) < 0.1).astype(np.uint8)
    model = nm.nir.read(_graph(node, n_in, w, b), dt=H, time_scale=1.0, method=method)
    y = model.run(x, threads=1)
    ref_spikes, ref_v = neuron(kind, _params(node), affine_input(x.astype(float), w, b), H, euler=method == "euler")
    if kind in ("LI", "I", "CubaLI"):
        np.testing.assert_allclose(y, ref_v, rtol=1e-12, atol=1e-12)
    else:
        assert ref_spikes.sum() > 5, "the case must spike to test anything"
        np.testing.assert_array_equal(y, ref_spikes)


def test_time_scale_converts_nir_seconds_to_ms():
    """tau = 0.01 (s) with time_scale 1000 is tau = 10 ms: same spikes as tau = 10 with scale 1."""
    rng = np.random.default_rng(3)
    w = _grid(rng, (4, 6), 0.8)
    x = (rng.random((100, 6)) < 0.2).astype(np.uint8)
    lif = lambda tau: nir.LIF(tau=np.full(4, tau), r=np.ones(4), v_leak=np.zeros(4),  # noqa: E731
                              v_threshold=np.full(4, 0.5), v_reset=np.zeros(4))
    a = nm.nir.read(_graph(lif(0.01), 6, w, None), dt=1.0, time_scale=1000.0).run(x)
    b = nm.nir.read(_graph(lif(10.0), 6, w, None), dt=1.0, time_scale=1.0).run(x)
    assert a.sum() > 0
    np.testing.assert_array_equal(a, b)
    with pytest.raises(nm.ConfigError, match="time_scale"):
        nm.nir.read(_graph(lif(10.0), 6, w, None), dt=1.0, time_scale=0)


@pytest.mark.parametrize("kind", ["Threshold", "IF"])
def test_bias_alone_above_threshold_fires_every_step(kind):
    """The state repeats exactly (reset, then the same value over threshold): the neuron must stay
    on the engine's active list (its step reports a spike as a change) and fire every step."""
    n = 3
    node = nir.Threshold(threshold=np.full(n, 0.5)) if kind == "Threshold" else \
        nir.IF(r=np.ones(n), v_threshold=np.full(n, 0.5), v_reset=np.zeros(n))
    g = _graph(node, 2, np.zeros((n, 2)), np.full(n, 1.0))
    y = nm.nir.read(g, dt=1.0, time_scale=1.0).run(np.zeros((300, 2), np.uint8), threads=1)
    np.testing.assert_array_equal(y, np.ones((300, n), np.uint8))
