"""NIR chains of convolutions and poolings with no neuron node between them (Conv2d -> Conv2d,
Conv2d -> SumPool2d, AvgPool2d -> SumPool2d, ...) become one conv2d connector where the composition
is exactly one convolution (python/neuromesh/nir/_ops.py: fold_conv), and are expanded into
explicit synapses otherwise. Either way the LIF layer behind them spikes as the numpy reference
(tests/python/nir_reference.py: the two convolutions applied one after the other, direct loops
over PyTorch's definition) says."""
import numpy as np
import pytest

nir = pytest.importorskip("nir", reason="the nir package (pip install nir) is not installed")
import neuromesh as nm  # noqa: E402
from nir_reference import conv2d_ref, neuron  # noqa: E402

LIF = dict(tau=4.0, r=4.0, v_leak=0.0, v_threshold=0.6, v_reset=0.0)


def _q(a):  # multiples of 1/16: every product and sum of the folded kernel is exact
    return (np.round(np.asarray(a) * 16) / 16).astype(np.float32)


def conv(rng, c_out, c_in, k, stride, padding, dilation, groups):
    return dict(kind="conv", w=_q(rng.normal(0.1, 0.4, (c_out, c_in // groups) + k)), stride=stride, pad=padding,
                dil=dilation, groups=groups)


def pool(c, k, average):
    return dict(kind="avg" if average else "sum", w=np.full((c, 1) + k, 1.0 / (k[0] * k[1]) if average else 1.0),
                stride=k, pad=(0, 0), dil=(1, 1), groups=c)


def node(op, shape):
    if op["kind"] == "conv":
        return nir.Conv2d(input_shape=shape[1:], weight=op["w"], stride=op["stride"], padding=op["pad"],
                          dilation=op["dil"], groups=op["groups"], bias=np.zeros(op["w"].shape[0], np.float32))
    cls = nir.AvgPool2d if op["kind"] == "avg" else nir.SumPool2d
    return cls(kernel_size=np.array(op["stride"]), stride=np.array(op["stride"]), padding=np.array([0, 0]))


def reference(ops, x):
    """LIF spikes behind the chain: each step's input is the chain applied to x[t - 1]."""
    def chain(frame):
        y = frame.astype(float)
        for op in ops:
            y = conv2d_ref(y, op["w"].astype(float), np.zeros(op["w"].shape[0]), op["stride"], op["pad"], op["dil"],
                           op["groups"])
        return y
    ys = [chain(f) for f in x]
    drive = np.zeros((len(x), ys[0].size))
    drive[1:] = np.array([y.ravel() for y in ys[:-1]])
    return neuron("LIF", LIF, drive, 1.0)[0].reshape((len(x),) + ys[0].shape)


def cases():
    rng = np.random.default_rng(3)
    return [  # (input shape, ops, folded)
        ((2, 10, 10), [conv(rng, 4, 2, (3, 3), (1, 1), (1, 1), (1, 1), 1),
                       conv(rng, 4, 4, (3, 3), (2, 2), (0, 0), (1, 1), 1)], True),
        ((2, 10, 10), [conv(rng, 4, 2, (3, 3), (1, 1), (0, 0), (1, 1), 1), pool(4, (2, 2), False)], True),
        ((2, 9, 9), [conv(rng, 4, 2, (3, 3), (1, 1), (2, 2), (2, 2), 2),
                     conv(rng, 4, 4, (2, 2), (1, 1), (0, 0), (1, 1), 2)], True),
        ((2, 8, 8), [pool(2, (2, 2), True), pool(2, (2, 2), False)], True),
        ((3, 8, 12), [conv(rng, 6, 3, (2, 3), (1, 2), (1, 0), (1, 1), 3),
                      conv(rng, 4, 6, (3, 2), (1, 1), (1, 0), (2, 1), 2), pool(4, (2, 1), False)], True),
        # the second convolution pads where the first one dropped input (9 = 2 x 4 + 1): expanded
        ((2, 9, 9), [conv(rng, 4, 2, (2, 2), (2, 2), (0, 0), (1, 1), 1),
                     conv(rng, 4, 4, (3, 3), (1, 1), (1, 1), (1, 1), 1)], False),
    ]


@pytest.mark.parametrize("case", range(6))
def test_conv_chains_fold_where_exact_and_spike_as_the_reference(case):
    in_shape, ops, folded = cases()[case]
    rng = np.random.default_rng(case)
    nodes, order, shape = {"input": nir.Input(input_type={"input": np.array(in_shape)})}, ["input"], in_shape
    for i, op in enumerate(ops):
        nodes[f"op{i}"], shape = node(op, shape), conv2d_ref(np.zeros(shape), op["w"].astype(float),
                                                             np.zeros(op["w"].shape[0]), op["stride"], op["pad"],
                                                             op["dil"], op["groups"]).shape
        order.append(f"op{i}")
    nodes["lif"] = nir.LIF(**{k: np.full(shape, v) for k, v in LIF.items()})
    nodes["output"] = nir.Output(output_type={"output": np.array(shape)})
    order += ["lif", "output"]
    g = nir.NIRGraph(nodes=nodes, edges=list(zip(order, order[1:])), type_check=False)
    model = nm.nir.read(g, dt=1.0, time_scale=1.0)
    assert (model.plan.convs[("input", "lif", 0)] is not None) == folded
    kinds = {type(c).__name__ for _, _, c, _, _ in model.network._projections}
    assert ("Conv2dConnector" in kinds) == folded
    x = (rng.random((30,) + in_shape) < 0.3).astype(np.uint8)
    y = model.run(x, threads=2)
    np.testing.assert_array_equal(y, reference(ops, x))
    assert 0 < y.sum() < y.size
