"""NIR's weight and shape nodes (Conv1d/Conv2d with stride, padding incl. 'same', dilation and
groups; SumPool2d/AvgPool2d; Scale; Flatten) checked through a graph Input -> op -> Output, whose
graded readout applies the imported matrix: compared with direct loops over PyTorch's
definitions (docs/nir.md)."""
import numpy as np
import pytest

nir = pytest.importorskip("nir", reason="the nir package (pip install nir) is not installed")
import neuromesh as nm  # noqa: E402
from nir_reference import conv2d_ref  # noqa: E402


def readout(op, in_shape, x):
    g = nir.NIRGraph(nodes={"in": nir.Input(input_type={"input": np.array(in_shape)}), "op": op,
                            "out": nir.Output(output_type={"output": None})},
                     edges=[("in", "op"), ("op", "out")], type_check=False)
    return nm.nir.read(g, dt=1.0, time_scale=1.0).run(x, input_kind="current")


@pytest.mark.parametrize("stride, padding, dilation, groups", [
    ((1, 1), (0, 0), (1, 1), 1), ((2, 1), (1, 2), (1, 1), 1), ((1, 1), (2, 2), (2, 2), 2), ((1, 1), "same", (2, 1), 3)])
def test_conv2d(stride, padding, dilation, groups):
    rng = np.random.default_rng(4)
    w = rng.normal(size=(6, 6 // groups, 3, 2))
    b = rng.normal(size=6)
    x = rng.normal(size=(3, 6, 9, 8))
    op = nir.Conv2d(input_shape=(9, 8), weight=w, stride=stride, padding=padding, dilation=dilation, groups=groups,
                    bias=b)
    y = readout(op, [6, 9, 8], x)
    if padding == "same":  # PyTorch: total padding d (k - 1), the extra one at the end
        tot = [dilation[i] * (k - 1) for i, k in enumerate((3, 2))]
        xs = [np.pad(xt, ((0, 0), (tot[0] // 2, tot[0] - tot[0] // 2), (tot[1] // 2, tot[1] - tot[1] // 2))) for xt in x]
        ref = np.stack([conv2d_ref(xt, w, b, stride, (0, 0), dilation, groups) for xt in xs])
    else:
        ref = np.stack([conv2d_ref(xt, w, b, stride, padding, dilation, groups) for xt in x])
    assert y.shape == ref.shape
    np.testing.assert_allclose(y, ref, rtol=1e-12, atol=1e-12)


def test_conv1d_pools_scale_flatten():
    rng = np.random.default_rng(5)
    w = rng.normal(size=(4, 2, 3))
    x = rng.normal(size=(2, 2, 11))
    y = readout(nir.Conv1d(input_shape=11, weight=w, stride=2, padding=1, dilation=2, groups=1, bias=np.zeros(4)),
                [2, 11], x)
    ref = np.stack([conv2d_ref(xt[:, None, :], w[:, :, None, :], np.zeros(4), (1, 2), (0, 1), (1, 2), 1)[:, 0]
                    for xt in x])
    np.testing.assert_allclose(y, ref, rtol=1e-12, atol=1e-12)
    x = rng.normal(size=(2, 3, 7, 6))
    for kind, scale in (("SumPool2d", 1.0), ("AvgPool2d", 1.0 / 6)):
        op = getattr(nir, kind)(kernel_size=np.array([3, 2]), stride=np.array([2, 2]), padding=np.array([1, 0]))
        ones = np.ones((3, 3, 3, 2)) * scale * np.eye(3)[:, :, None, None]
        ref = np.stack([conv2d_ref(xt, ones, np.zeros(3), (2, 2), (1, 0), (1, 1), 1) for xt in x])
        np.testing.assert_allclose(readout(op, [3, 7, 6], x), ref, rtol=1e-12, atol=1e-12)
    s = rng.normal(size=5)
    x = rng.normal(size=(4, 5))
    np.testing.assert_allclose(readout(nir.Scale(scale=s), [5], x), x * s, rtol=1e-15)
    x = rng.normal(size=(3, 2, 3, 4))
    y = readout(nir.Flatten(input_type={"input": np.array([2, 3, 4])}, start_dim=1, end_dim=2), [2, 3, 4], x)
    np.testing.assert_array_equal(y, x.reshape(3, 2, 12))
