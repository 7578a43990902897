"""Whole NIR graphs: a spiking CNN (conv -> pool -> conv -> linear) and a recurrent LIF network,
imported, run with 1 and 2 threads (bit-identical), checked against a numpy reference, exported
and re-imported; nested graphs, Delay, hardware mapping; bad files (docs/nir.md)."""
import numpy as np
import pytest

nir = pytest.importorskip("nir", reason="the nir package (pip install nir) is not installed")
import neuromesh as nm  # noqa: E402
from nir_reference import neuron  # noqa: E402

H = 1.0


def _q(a):
    return (np.round(np.asarray(a) * 1024) / 1024).astype(np.float32)


def _lif(shape, tau=20.0, th=1.0):
    # r = tau / dt: the gain snnTorch exports, so a spike of weight w moves v by about w
    return nir.LIF(tau=np.full(shape, tau), r=np.full(shape, tau), v_leak=np.zeros(shape),
                   v_threshold=np.full(shape, th), v_reset=np.zeros(shape))


def cnn(rng):
    """28x28 input -> conv 4@3x3 -> LIF -> sumpool 2 -> conv 6@3x3 (stride 2, padding 1) -> LIF ->
    flatten -> affine 10 -> LIF."""
    c1 = nir.Conv2d(input_shape=(28, 28), weight=_q(rng.normal(0.25, 0.3, (4, 1, 3, 3))), stride=1, padding=0,
                    dilation=1, groups=1, bias=_q(rng.normal(0.02, 0.01, 4)))
    c2 = nir.Conv2d(input_shape=(13, 13), weight=_q(rng.normal(0.3, 0.3, (6, 2, 3, 3))), stride=2, padding=1,
                    dilation=1, groups=2, bias=np.zeros(6, np.float32))
    fc = nir.Affine(weight=_q(rng.normal(0.3, 0.4, (10, 6 * 7 * 7))), bias=_q(np.full(10, 0.01)))
    nodes = {"input": nir.Input(input_type={"input": np.array([1, 28, 28])}), "conv1": c1, "lif1": _lif((4, 26, 26)),
             "pool": nir.SumPool2d(kernel_size=np.array([2, 2]), stride=np.array([2, 2]), padding=np.array([0, 0])),
             "conv2": c2, "lif2": _lif((6, 7, 7)), "flat": nir.Flatten(input_type={"input": np.array([6, 7, 7])},
                                                                     start_dim=0, end_dim=-1),
             "fc": fc, "lif3": _lif((10,), th=0.8), "output": nir.Output(output_type={"output": np.array([10])})}
    edges = [("input", "conv1"), ("conv1", "lif1"), ("lif1", "pool"), ("pool", "conv2"), ("conv2", "lif2"),
             ("lif2", "flat"), ("flat", "fc"), ("fc", "lif3"), ("lif3", "output")]
    return nir.NIRGraph(nodes=nodes, edges=edges, type_check=False)


def _conv_ref(x, w, b, stride, pad, groups):
    """Direct loops over PyTorch's conv2d definition (cross-correlation, zero padding)."""
    c_in, h, wd = x.shape
    co, cg, kh, kw = w.shape
    xp = np.zeros((c_in, h + 2 * pad, wd + 2 * pad))
    xp[:, pad:pad + h, pad:pad + wd] = x
    ho, wo = (h + 2 * pad - kh) // stride + 1, (wd + 2 * pad - kw) // stride + 1
    y = np.zeros((co, ho, wo))
    for o in range(co):
        g = o // (co // groups)
        for i in range(ho):
            for j in range(wo):
                y[o, i, j] = np.sum(w[o] * xp[g * cg:(g + 1) * cg, i * stride:i * stride + kh, j * stride:j * stride + kw])
    return y + b[:, None, None]


def _cnn_reference(g, x):
    """Layer by layer: each layer sees the previous layer's spikes one step later."""
    n = g.nodes
    steps = x.shape[0]
    p = lambda node: {k: v for k, v in node.to_dict().items() if k not in ("type", "metadata")}  # noqa: E731
    d1 = np.zeros((steps, 4 * 26 * 26))
    for t in range(1, steps):
        d1[t] = _conv_ref(x[t - 1], n["conv1"].weight.astype(float), n["conv1"].bias.astype(float), 1, 0, 1).ravel()
    d1[0] = np.repeat(n["conv1"].bias.astype(float), 26 * 26)
    s1, _ = neuron("LIF", p(n["lif1"]), d1, H)
    d2 = np.zeros((steps, 6 * 49))
    for t in range(1, steps):
        a = s1[t - 1].reshape(4, 26, 26).astype(float)
        pooled = a.reshape(4, 13, 2, 13, 2).sum(axis=(2, 4))
        d2[t] = _conv_ref(pooled, n["conv2"].weight.astype(float), np.zeros(6), 2, 1, 2).ravel()
    s2, _ = neuron("LIF", p(n["lif2"]), d2, H)
    d3 = np.zeros((steps, 10))
    d3[1:] = s2[:-1] @ n["fc"].weight.astype(float).T
    d3 += n["fc"].bias.astype(float)
    s3, _ = neuron("LIF", p(n["lif3"]), d3, H)
    return s1, s2, s3


def test_cnn_matches_reference_threads_and_round_trip(tmp_path):
    rng = np.random.default_rng(11)
    g = cnn(rng)
    steps = 30
    x = (rng.random((steps, 1, 28, 28)) < 0.15).astype(np.uint8)
    path = tmp_path / "cnn.nir"
    nir.write(path, g)
    model = nm.nir.read(path, dt=H, time_scale=1.0)
    assert len(model.populations["lif1"]) == 4 * 26 * 26
    y1 = model.run(x, threads=1)
    y2 = model.run(x, threads=2)
    np.testing.assert_array_equal(y1, y2)
    s1, s2, s3 = _cnn_reference(g, x.reshape(steps, 1, 28, 28)[:, 0:1].astype(float))
    assert s3.sum() > 0 and s2.sum() > 0
    np.testing.assert_array_equal(y1, s3)
    # export -> import: the same populations and the same spikes
    nm.nir.write(model, tmp_path / "copy.nir")
    again = nm.nir.read(tmp_path / "copy.nir", dt=H, time_scale=1.0)
    assert {k: len(p) for k, p in again.populations.items()} == {k: len(p) for k, p in model.populations.items()}
    np.testing.assert_array_equal(again.run(x.reshape(steps, -1), threads=1), y1)


def recurrent(rng, n_in=20, n=40):
    w_in = _q(rng.normal(0.3, 0.3, (n, n_in)))
    w_rec = _q(rng.normal(-0.05, 0.25, (n, n)))
    nodes = {"in": nir.Input(input_type={"input": np.array([n_in])}), "w_in": nir.Linear(weight=w_in),
             "lif": nir.CubaLIF(tau_syn=np.full(n, 5.0), tau_mem=np.full(n, 10.0), r=np.ones(n), v_leak=np.zeros(n),
                                v_threshold=np.full(n, 0.5), v_reset=np.zeros(n), w_in=np.ones(n)),
             "w_rec": nir.Affine(weight=w_rec, bias=_q(np.full(n, 0.01))),
             "out": nir.Output(output_type={"output": np.array([n])})}
    edges = [("in", "w_in"), ("w_in", "lif"), ("lif", "w_rec"), ("w_rec", "lif"), ("lif", "out")]
    return nir.NIRGraph(nodes=nodes, edges=edges, type_check=False), w_in, w_rec


def _rec_reference(g, x, w_in, w_rec):
    lif = g.nodes["lif"]
    n = w_rec.shape[0]
    e_m, e_s = np.exp(-H / 10.0), np.exp(-H / 5.0)
    resp = 5.0 / (5.0 - 10.0) * (e_s - e_m)
    v, i = np.zeros(n), np.zeros(n)
    prev = np.zeros(n)
    out = np.zeros((x.shape[0], n), np.uint8)
    for t in range(x.shape[0]):
        u = (x[t - 1] @ w_in.T.astype(float) if t else 0) + prev @ w_rec.T.astype(float) + g.nodes["w_rec"].bias
        v = v * e_m + lif.r * (u * (1 - e_m) + (i - u) * resp)
        i = u + (i - u) * e_s
        prev = (v > 0.5).astype(float)
        v = np.where(prev > 0, 0.0, v)
        out[t] = prev
    return out


def test_recurrent_cubalif_matches_reference_threads_batch_and_round_trip(tmp_path):
    rng = np.random.default_rng(5)
    g, w_in, w_rec = recurrent(rng)
    x = (rng.random((3, 80, 20)) < 0.1).astype(np.uint8)  # a batch of 3 samples
    model = nm.nir.read(g, dt=H, time_scale=1.0)
    y = model.run(x, threads=1)
    assert y.shape == (3, 80, 40)
    np.testing.assert_array_equal(model.run(x, threads=2), y)
    for s in range(3):  # each sample from the initial state
        ref = _rec_reference(g, x[s].astype(float), w_in, w_rec)
        assert ref.sum() > 20
        np.testing.assert_array_equal(y[s], ref)
    np.testing.assert_array_equal(model.run(x[1]), y[1])
    # The batch resets one simulation between samples: sample k as in a fresh simulation, on every
    # backend of the build (cuda-omp in CI's build)
    for backend in [b for b in nm.features()["backends"] if b in ("cpu", "cuda-omp")]:
        for threads in (1, 2):
            fresh = nm.nir.read(g, dt=H, time_scale=1.0)
            np.testing.assert_array_equal(fresh.run(x[2], backend=backend, threads=threads), y[2])
    nm.nir.write(model, tmp_path / "rec.nir")
    again = nm.nir.read(tmp_path / "rec.nir", dt=H, time_scale=1.0)
    np.testing.assert_array_equal(again.run(x, threads=1), y)
    g2 = nir.read(tmp_path / "rec.nir")
    assert {type(n).__name__ for n in g2.nodes.values()} == {"Input", "Linear", "Affine", "CubaLIF", "Output"}


def test_nested_subgraph_delay_and_graded_current_input():
    rng = np.random.default_rng(2)
    n = 5
    inner = nir.NIRGraph(nodes={"i": nir.Input(input_type={"input": np.array([n])}), "lif": _lif((n,), 10.0, 0.5),
                                "o": nir.Output(output_type={"output": np.array([n])})},
                         edges=[("i", "lif"), ("lif", "o")], type_check=False)
    w = _q(rng.uniform(0.2, 0.6, (n, 3)))
    g = nir.NIRGraph(nodes={"in": nir.Input(input_type={"input": np.array([3])}), "w": nir.Linear(weight=w),
                            "d": nir.Delay(delay=np.array([2.0, 2.0, 2.0, 2.0, 2.0])), "sub": inner,
                            "out": nir.Output(output_type={"output": np.array([n])})},
                     edges=[("in", "w"), ("w", "d"), ("d", "sub"), ("sub", "out")], type_check=False)
    x = _q(rng.uniform(0, 1, (60, 3))).astype(float)  # graded input: injected as currents
    model = nm.nir.read(g, dt=H, time_scale=1.0)
    y = model.run(x, input_kind="current")
    drive = np.zeros((60, n))
    drive[3:] = x[:-3] @ w.T.astype(float)  # one step through the synapse + a Delay of 2 steps
    ref, _ = neuron("LIF", {k: v for k, v in inner.nodes["lif"].to_dict().items() if k not in ("type", "metadata")},
                    drive, H)
    assert ref.sum() > 3
    np.testing.assert_array_equal(y, ref)
    with pytest.raises(nm.ConfigError, match="spike counts"):
        model.run(x)
    with pytest.raises(nm.nir.NIRError, match="'d'.*not a multiple of dt"):
        nm.nir.read(g, dt=0.3, time_scale=1.0)


def test_hardware_mapping_of_an_imported_cnn():
    rng = np.random.default_rng(11)
    model = nm.nir.read(cnn(rng), dt=H, time_scale=1.0)
    x = (rng.random((20, 1, 28, 28)) < 0.15).astype(np.uint8)
    report = model.energy(x, hardware="loihi")
    assert report.total > 0 and report.components["synaptic"] > 0
    assert report.traffic["synaptic_events"] > 0
    summary = model.map("loihi").summary()
    assert summary["neurons"] == sum(len(p) for p in model.populations.values())
    assert summary["cores_used"] >= 4  # 3792 neurons, 1024 per Loihi core


def _write_raw(path, build):
    import h5py
    with h5py.File(path, "w") as f:
        f.create_dataset("version", data="1.0.8", dtype=h5py.string_dtype())
        build(f.create_group("node"))


def test_bad_files_name_the_node(tmp_path):
    p = tmp_path / "not.nir"
    p.write_bytes(b"this is not hdf5")
    with pytest.raises(nm.nir.NIRError, match="not an HDF5 file"):
        nm.nir.read(p, dt=1.0, time_scale=1.0)
    g, _, _ = recurrent(np.random.default_rng(1))
    good = tmp_path / "good.nir"
    nir.write(good, g)
    import h5py

    def edited(name, edit):
        path = tmp_path / name
        path.write_bytes(good.read_bytes())
        with h5py.File(path, "a") as f:
            edit(f["node/nodes"])
        return path

    def replace(group, key, data, string=False):
        del group[key]
        group.create_dataset(key, data=data, **({"dtype": h5py.string_dtype()} if string else {}))

    bad = edited("unknown.nir", lambda n: replace(n["w_rec"], "type", "Conv3d", string=True))
    with pytest.raises(nm.nir.NIRUnsupported, match="'w_rec'.*Conv3d"):
        nm.nir.read(bad, dt=1.0, time_scale=1.0)

    def negative(n):
        n["lif/tau_mem"][0] = -3.0
    with pytest.raises(nm.nir.NIRError, match="'lif'.*tau_mem must be > 0"):
        nm.nir.read(edited("neg.nir", negative), dt=1.0, time_scale=1.0)
    mis = edited("mismatch.nir", lambda n: replace(n["w_in"], "weight", np.ones((40, 7))))
    with pytest.raises(nm.nir.NIRError, match="'w_in'.*weight"):
        nm.nir.read(mis, dt=1.0, time_scale=1.0)

    def smaller(n):
        replace(n["w_rec"], "weight", np.ones((30, 40)))
        replace(n["w_rec"], "bias", np.ones(30))
    with pytest.raises(nm.nir.NIRError, match="w_rec -> lif: shape mismatch"):
        nm.nir.read(edited("shape.nir", smaller), dt=1.0, time_scale=1.0)
    with pytest.raises(nm.nir.NIRError, match="'lif'.*missing parameter.*tau_syn"):
        nm.nir.read(edited("missing.nir", lambda n: n["lif"].__delitem__("tau_syn")), dt=1.0, time_scale=1.0)
    empty = tmp_path / "empty.nir"
    _write_raw(empty, lambda g: None)
    with pytest.raises(nm.nir.NIRError):
        nm.nir.read(empty, dt=1.0, time_scale=1.0)


def test_unsupported_graded_state_into_synapses():
    n = 3
    g = nir.NIRGraph(nodes={"in": nir.Input(input_type={"input": np.array([n])}),
                            "li": nir.LI(tau=np.ones(n), r=np.ones(n), v_leak=np.zeros(n)),
                            "w": nir.Linear(weight=np.eye(n)), "lif": _lif((n,)),
                            "out": nir.Output(output_type={"output": np.array([n])})},
                     edges=[("in", "li"), ("li", "w"), ("w", "lif"), ("lif", "out")], type_check=False)
    with pytest.raises(nm.nir.NIRUnsupported, match="'li' \\(LI\\).*graded"):
        nm.nir.read(g, dt=1.0, time_scale=1.0)


def test_cnn_same_spikes_on_every_backend(backend):
    """cpu, cuda-omp and cuda (whichever this build has) give the cpu backend's spikes, float and double."""
    rng = np.random.default_rng(11)
    model = nm.nir.read(cnn(rng), dt=H, time_scale=1.0)
    x = (rng.random((25, 1, 28, 28)) < 0.15).astype(np.uint8)
    for precision in ("float", "double"):
        ref = model.run(x, backend="cpu", threads=2, precision=precision)
        assert ref.sum() > 0
        np.testing.assert_array_equal(model.run(x, backend=backend, threads=2, precision=precision), ref)


def test_export_of_a_plain_network_with_delays(tmp_path):
    """A Network built by hand (nir_lif / nir_cuba_lif, delays of 1 and 3 steps, fixed-probability and
    one-to-one connectors) -> NIR (Linear + Delay nodes) -> imported: the same spikes."""
    rng = np.random.default_rng(8)
    x = (rng.random((120, 15)) < 0.1).astype(np.uint8)
    times = [list((np.nonzero(x[:, i])[0] + 1) * H) for i in range(15)]
    net = nm.Network(dt=H, seed=3)
    src = net.population(15, nm.SpikeSourceArray(spike_times=times), label="in")
    a = net.population(20, nm.Model("nir_lif", tau=12.0, r=12.0, v_threshold=0.7, v_reset=-0.2), label="a")
    b = net.population(20, nm.Model("nir_cuba_lif", tau_syn=4.0, tau_mem=9.0, r=9.0, v_threshold=0.3), label="b")
    net.connect(src, a, nm.FixedProbability(0.4), nm.StaticSynapse(weight=0.5, delay=H))
    net.connect(a, b, nm.FixedProbability(0.5), nm.StaticSynapse(weight=0.25, delay=3 * H))
    net.connect(b, a, nm.OneToOne(), nm.StaticSynapse(weight=-0.125, delay=H))
    for p in (src, a, b):
        p.record("spikes")
    result = net.run(120 * H, threads=1, precision="double")
    ref = np.zeros((120, 20), np.uint8)
    ids, t = result.spikes("b")
    ref[np.rint(np.asarray(t) / H).astype(int) - 1, ids] = 1
    assert ref.sum() > 10
    with pytest.raises(nm.nir.NIRError, match="outputs="):
        nm.nir.write(net, tmp_path / "net.nir", time_scale=1.0)  # every population projects: which is read?
    nm.nir.write(net, tmp_path / "net.nir", time_scale=1.0, outputs=["b"])
    g = nir.read(tmp_path / "net.nir")
    assert {type(n).__name__ for n in g.nodes.values()} == {"Input", "LIF", "CubaLIF", "Linear", "Delay", "Output"}
    model = nm.nir.read(tmp_path / "net.nir", dt=H, time_scale=1.0)
    np.testing.assert_array_equal(model.run({"in": x}), ref)
    with pytest.raises(nm.nir.NIRUnsupported, match="population 'c'.*iaf_psc_exp"):
        net.population(3, nm.Model("iaf_psc_exp"), label="c")
        nm.nir.write(net, tmp_path / "bad.nir", time_scale=1.0, outputs=["b"])


def test_outputs_written_as_nirdata(tmp_path):
    if not hasattr(nir, "write_data"):
        pytest.skip(f"nir {nir.version} has no NIRData (nir >= 1.0.8)")
    rng = np.random.default_rng(5)
    g, _, _ = recurrent(rng)
    g.nodes["lif"].tau_syn, g.nodes["lif"].tau_mem = g.nodes["lif"].tau_syn / 1e3, g.nodes["lif"].tau_mem / 1e3
    model = nm.nir.read(g, dt=H, time_scale=1000.0)  # a graph in seconds: NIRData's dt is 1e-3
    x = (rng.random((2, 50, 20)) < 0.1).astype(np.uint8)
    y = model.run(x)
    assert y.sum() > 10
    nm.nir.write_data(model, y, tmp_path / "out.h5")
    back = nir.read_data(tmp_path / "out.h5").nodes["out"].observables["spikes"]
    assert back.dt == pytest.approx(1e-3)
    np.testing.assert_array_equal(back.data, y.astype(bool))


def test_set_spike_times_refuses_what_it_cannot_change():
    """NetworkSpec.set_spike_times (new trains for a description before it is built) names the population."""
    net = nm.Network(dt=H)
    net.population(2, nm.SpikeSourceArray(spike_times=[1.0]), label="src")
    net.population(2, nm.Model("nir_lif"), label="n")
    spec = net.spec()
    spec.set_spike_times("src", [[2.0], []])
    with pytest.raises(nm.ConfigError, match="src.*1 trains for 2 neurons"):
        spec.set_spike_times("src", [[2.0]])
    with pytest.raises(nm.ConfigError, match="n.*not a spike_source_array"):
        spec.set_spike_times("n", [[], []])
    with pytest.raises(nm.ConfigError, match="no population 'x'"):
        spec.set_spike_times("x", [])


def test_core_reset_takes_new_trains_as_arrays_and_names_bad_ids():
    """Simulation.reset: back to t = 0 with (ids, times) arrays per spike source, as a fresh build."""
    net = nm.Network(dt=H, seed=3)
    src = net.population(4, nm.SpikeSourceArray(spike_times=[]), label="src")
    n = net.population(3, nm.Model("nir_lif", tau=5.0, r=5.0, v_leak=0.0, v_threshold=0.5, v_reset=0.0), label="n")
    net.connect(src, n, nm.AllToAllConnector(), nm.StaticSynapse(weight=0.4, delay=2.0))
    ids, times = np.array([0, 3, 3, 1]), np.array([2.0, 5.0, 6.0, 9.0])
    sim = nm._core.Simulation(net.spec(), "cpu", 2, "double", "")
    sim.run(4.0)
    sim.reset(spike_times={"src": (ids, times)})
    assert sim.time == 0.0 and len(sim.spikes()[0]) == 0
    sim.run(20.0)
    spec = net.spec()
    spec.set_spike_times("src", [[2.0], [9.0], [], [5.0, 6.0]])
    fresh = nm._core.Simulation(spec, "cpu", 1, "double", "")
    fresh.run(20.0)
    got, want = sim.spikes(), fresh.spikes()
    assert len(want[0]) > 4
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])
    with pytest.raises(nm.ConfigError, match="src.*id 4 is not in the population"):
        sim.reset(spike_times={"src": (np.array([4]), np.array([1.0]))})
    with pytest.raises(nm.ConfigError, match="populations\\[n\\].*not a spike_source_array"):
        sim.reset(spike_times={"n": [[1.0]]})
    assert sim.time == 20.0  # a refused reset changes nothing
