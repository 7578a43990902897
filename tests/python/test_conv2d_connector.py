"""The conv2d connector (core/conv2d.hpp; Conv2dConnector / Pool2dConnector): its synapses against
direct loops over PyTorch's Conv2d definition for strides, paddings, dilations and groups
(including depthwise pooling), procedural delivery on the cpu against the same synapses as an
explicit list (bit-identical spikes for 1, 2 and 3 threads), the errors naming projection and key,
and the JSON form. The NIR import's use of it (pool -> conv folded into one strided kernel) is
checked against the matrix expansion."""
import itertools
import json

import numpy as np
import pytest

import neuromesh as nm
from nir_reference import conv2d_ref


def _q(a):  # values exact in float32, so stored weights equal the kernel
    return np.round(np.asarray(a) * 256) / 256


def _matrix(conn, n_pre, n_post):
    """The dense (post x pre) weight matrix of a network with `conn` (both sign parts)."""
    net = nm.Network(dt=1.0)
    pre = net.population(n_pre, nm.SpikeSourceArray(spike_times=[]), label="pre")
    post = net.population(n_post, nm.IF_curr_exp(), label="post")
    parts = [p for p in conn.split_signs() if p is not None]
    for p in parts:
        net.connect(pre, post, p, nm.StaticSynapse(weight=1.0, delay=1.0))
    sim = net.simulator(threads=2, precision="double")
    m = np.zeros((n_post, n_pre))
    try:
        for i in range(len(parts)):
            d = sim._sim.synapses(i)
            w = np.asarray(d["weight"], dtype=float)  # engine values: inhibitory currents negative
            np.add.at(m, (np.asarray(d["post"]), np.asarray(d["pre"])), w)
    finally:
        sim.close()
    return m / post.cell.weight_scale  # back to the synapse type's unit (nA)


GEOMETRIES = list(itertools.product([(1, 1), (2, 1), (1, 3)], [(0, 0), (1, 2)], [(1, 1), (2, 1)], [1, 2]))


@pytest.mark.parametrize("stride, padding, dilation, groups", GEOMETRIES)
def test_synapses_are_the_reference_convolution(stride, padding, dilation, groups):
    rng = np.random.default_rng(sum(stride) * 100 + sum(padding) * 10 + sum(dilation) + groups)
    c_in, h, w = 4, 7, 6
    kernel = _q(rng.normal(0.0, 1.0, (6, c_in // groups, 3, 2)))
    kernel[0, 0, 1, 1] = 0.0  # a zero entry makes no synapse
    conn = nm.Conv2dConnector((c_in, h, w), kernel, stride=stride, padding=padding, dilation=dilation, groups=groups)
    out = conn.output_shape()
    m = _matrix(conn, c_in * h * w, int(np.prod(out)))
    for _ in range(3):
        x = rng.normal(size=(c_in, h, w))
        ref = conv2d_ref(x, kernel, np.zeros(6), stride, padding, dilation, groups)
        assert ref.shape == out
        np.testing.assert_allclose(m @ x.ravel(), ref.ravel(), rtol=1e-12, atol=1e-12)
    taps = conv2d_ref(np.ones((c_in, h, w)), (kernel != 0).astype(float), np.zeros(6), stride, padding, dilation,
                      groups)
    assert np.count_nonzero(m) == int(taps.sum())  # each non-zero tap one synapse (none duplicated)


@pytest.mark.parametrize("average", [False, True])
def test_pooling_is_a_depthwise_convolution(average):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(3, 8, 9))
    conn = nm.Pool2dConnector((3, 8, 9), (2, 3), stride=(2, 2), padding=(1, 0), average=average)
    m = _matrix(conn, x.size, int(np.prod(conn.output_shape())))
    xp = np.zeros((3, 10, 9))
    xp[:, 1:9] = x
    ref = np.array([[[xp[c, 2 * i:2 * i + 2, 2 * j:2 * j + 3].sum() for j in range(4)] for i in range(5)]
                    for c in range(3)])
    np.testing.assert_allclose(m @ x.ravel(), (ref / 6.0 if average else ref).ravel(), rtol=1e-6)


def _spiking_pair(conn_or_list, threads, seed=1):
    """A spike source (2 x 10 x 10) -> conv -> 3 x 8 x 8 LIF layer, 60 steps; the LIF layer's spikes."""
    rng = np.random.default_rng(seed)
    net = nm.Network(dt=1.0)
    trains = [sorted(set(np.round(rng.uniform(1, 60, 6)).tolist())) for _ in range(200)]
    pre = net.population(200, nm.SpikeSourceArray(spike_times=trains), label="pre")
    post = net.population(192, nm.IF_curr_exp(tau_m=10.0, v_thresh=-60.0), label="post")
    for conn, w in conn_or_list:
        net.connect(pre, post, conn, nm.StaticSynapse(weight=w, delay=1.0))
    post.record("spikes")
    return net.run(60.0, threads=threads).spikes("post")


def test_procedural_delivery_equals_the_stored_synapses_for_any_threads():
    rng = np.random.default_rng(8)
    kernel = _q(rng.normal(0.2, 0.5, (3, 2, 3, 3)))
    conv = nm.Conv2dConnector((2, 10, 10), kernel)
    pos, neg = conv.split_signs()
    m = _matrix(conv, 200, 192)
    lists = []
    for sign in (1, -1):
        post, pre = np.nonzero(sign * m > 0)
        lists.append((nm.FromListConnector([(int(a), int(b), float(m[b, a])) for a, b in zip(pre, post)],
                                           column_names=["weight"]), 1.0))
    ref = _spiking_pair(lists, 1)
    assert len(ref[0]) > 50  # the layer fires
    for threads in (1, 2, 3):
        got = _spiking_pair([(pos, 1.0), (neg, 1.0)], threads)
        np.testing.assert_array_equal(got[0], ref[0])
        np.testing.assert_array_equal(got[1], ref[1])


def test_errors_name_the_projection_and_key():
    net = nm.Network(dt=1.0)
    pre = net.population(2 * 5 * 5, nm.SpikeSourceArray(spike_times=[]), label="pre")
    post = net.population(3 * 3 * 3, nm.IF_curr_exp(), label="post")
    k = np.ones((3, 2, 3, 3))
    cases = [
        (nm.Conv2dConnector((2, 5, 6), k), "input_shape"),  # 60 neurons, the view has 50
        (nm.Conv2dConnector((2, 5, 5), np.ones((3, 1, 3, 3)), groups=1), "groups"),
        (nm.Conv2dConnector((2, 5, 5), np.ones((3, 2, 7, 3))), "kernel_shape"),  # does not fit
        (nm.Conv2dConnector((2, 5, 5), k, padding=1), "connector"),  # 3 x 5 x 5 outputs, the view has 27
    ]
    for conn, key in cases:
        net._projections.clear()
        net.connect(pre, post, conn, nm.StaticSynapse(weight=1.0, delay=1.0))
        with pytest.raises(nm.ConfigError, match=r"projections\[0\].*" + key):
            net.spec()
    mixed = k.copy()
    mixed[0, 0, 0, 0] = -1.0
    net._projections.clear()
    net.connect(pre, post, nm.Conv2dConnector((2, 5, 5), mixed), nm.StaticSynapse(weight=1.0, delay=1.0))
    with pytest.raises(nm.ConfigError, match=r"projections\[0\].*both signs"):
        net.run(5.0)
    with pytest.raises(nm.ConfigError, match="input_shape"):
        nm.Conv2dConnector((2, 5), k)
    with pytest.raises(nm.ConfigError, match="stride"):
        nm.Conv2dConnector((2, 5, 5), k, stride=0)


def test_json_conv2d_connector():
    kernel = np.arange(1, 1 + 2 * 1 * 2 * 2, dtype=float).reshape(2, 1, 2, 2) / 8
    spec = {"dt": 1.0, "populations": [
        {"label": "in", "size": 9, "model": "spike_source_array", "spike_times": [[1.0]] * 9},
        {"label": "out", "size": 8, "model": "iaf_psc_exp", "params": {"V_th": -69.9}}],
        "projections": [{"pre": "in", "post": "out", "connector": {
            "type": "conv2d", "input_shape": [1, 3, 3], "kernel_shape": [2, 1, 2, 2], "kernel": kernel.ravel().tolist(),
            "stride": 1, "padding": [0, 0], "dilation": 1, "groups": 1}, "synapse": {"weight": 5000.0, "delay": 1.0}}],
        "recorders": [{"population": "out", "variable": "spikes"}]}
    sim = nm._core.Simulation(nm._core.NetworkSpec.from_json(json.dumps(spec)), "cpu", 1, "double", "",
                              keep_spikes=True)
    sim.run(5.0)
    ids, _ = sim.spikes("out")
    sim.finish()
    assert sorted(set(np.asarray(ids).tolist())) == list(range(8))  # every output has 4 inputs firing at once
    spec["projections"][0]["connector"]["kernel"] = [1.0, 2.0]
    with pytest.raises(nm.ConfigError, match=r"projections\[0\] \(in->out\)\.connector\.kernel:"):
        nm._core.NetworkSpec.from_json(json.dumps(spec)).validate()


nir = pytest.importorskip("nir", reason="the nir package (pip install nir) is not installed")


@pytest.mark.parametrize("h, padding, folded", [(12, 1, True), (13, 0, True), (13, 1, False)])
def test_nir_pool_then_conv_is_folded_only_where_exact(h, padding, folded):
    rng = np.random.default_rng(h + padding)
    lif = lambda shape: nir.LIF(tau=np.full(shape, 5.0), r=np.full(shape, 5.0), v_leak=np.zeros(shape),  # noqa
                                v_threshold=np.full(shape, 0.5), v_reset=np.zeros(shape))
    hp = h // 2
    ho = hp + 2 * padding - 2
    nodes = {"input": nir.Input(input_type={"input": np.array([2, h, h])}), "l0": lif((2, h, h)),
             "pool": nir.SumPool2d(kernel_size=np.array([2, 2]), stride=np.array([2, 2]), padding=np.array([0, 0])),
             "conv": nir.Conv2d(input_shape=(hp, hp), weight=_q(rng.normal(0.2, 0.4, (3, 2, 3, 3))).astype(np.float32),
                                stride=1, padding=padding, dilation=1, groups=1, bias=np.zeros(3, np.float32)),
             "l1": lif((3, ho, ho)), "output": nir.Output(output_type={"output": np.array([3, ho, ho])})}
    order = ["input", "l0", "pool", "conv", "l1", "output"]
    g = nir.NIRGraph(nodes=nodes, edges=list(zip(order, order[1:])), type_check=False)
    model = nm.nir.read(g, dt=1.0, time_scale=1.0)
    assert (model.plan.convs[("l0", "l1", 0)] is not None) == folded
    kinds = {type(c).__name__ for _, _, c, _, _ in model.network._projections}
    assert ("Conv2dConnector" in kinds) == folded and ("_Synapses" in kinds) != folded and "OneToOneConnector" in kinds
    x = (rng.random((40, 2, h, h)) < 0.3).astype(np.uint8)
    y = model.run(x, threads=2)
    # the same graph with every term expanded into a matrix (the path without the connector)
    ref_model = nm.nir.read(g, dt=1.0, time_scale=1.0)
    for key in ref_model.plan.convs:  # (the identity edge too)
        ref_model.plan.convs[key] = None
    ref_model._nets.clear()
    ref_model.network, ref_model.populations = ref_model._build("spikes")
    np.testing.assert_array_equal(y, ref_model.run(x, threads=1))
    assert y.sum() > 0
