"""The cpu backend stores no synapses for conv2d projections (their plan generates them wherever
they are read: backends/cpu/src/conv_delivery.hpp); connectivity="stored" stores them as rows. On
the N-MNIST-sized CNN of benchmarks/macro/nir_cnn.py (conv 8@3x3 -> LIF -> sumpool 2 + conv
16@3x3 folded into one strided conv2d -> LIF -> affine -> LIF), both give identical spikes,
identical Projection.get("weight", format="list"), identical SONATA edges in the output file,
identical energy and timing-mode reports of the hardware model, on 1, 2 and 3 threads; and the
plan-only store holds no bytes per synapse."""
import importlib.util
import pathlib
import re

import h5py
import numpy as np
import pytest

nir = pytest.importorskip("nir", reason="the nir package (pip install nir) is not installed")
import neuromesh as nm  # noqa: E402
from neuromesh.network import Projection  # noqa: E402

STEPS = 60
LINK_CAPACITY = 2000  # packets per link and step: some arrive late


def _benchmark():
    """benchmarks/macro/nir_cnn.py, whose graph() is the N-MNIST-sized CNN."""
    path = pathlib.Path(__file__).resolve().parents[2] / "benchmarks" / "macro" / "nir_cnn.py"
    spec = importlib.util.spec_from_file_location("nir_cnn_benchmark", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def cnn():
    rng = np.random.default_rng(1)
    model = nm.nir.read(_benchmark().graph(rng), dt=1.0, time_scale=1.0)
    x = (rng.random((STEPS, 2, 34, 34)) < 0.05).astype(np.uint8)
    model._set_spike_inputs(model.populations, {"input": x.reshape(STEPS, -1)})
    return model.network


def edges(path):
    with h5py.File(path, "r") as f:
        return {name: {k: np.asarray(v) for k, v in _datasets(f["edges"][name])} for name in f["edges"]}


def _datasets(group, prefix=""):
    for k, v in group.items():
        if isinstance(v, h5py.Dataset):
            yield prefix + k, v
        else:
            yield from _datasets(v, prefix + k + "/")


def without_times(d):
    """A report without its wall-clock timings (keys ending in "seconds")."""
    if isinstance(d, dict):
        return {k: without_times(v) for k, v in d.items() if not str(k).endswith("seconds")}
    if isinstance(d, str):
        return re.sub(r"took [0-9.e+-]+ s", "took - s", d)
    return np.asarray(d).tolist() if isinstance(d, np.ndarray) else d


def run(net, threads, connectivity, path):
    out = {}
    result = net.run(float(STEPS), threads=threads, connectivity=connectivity, precision="double", output=str(path),
                     write_synapses="all")
    out["spikes"] = {p.label: [np.asarray(a) for a in result.spikes(p.label)] for p in net.populations}
    out["synapses"] = result.summary["synapses"]
    out["weights"] = [Projection(net, i, pre, post).get("weight", format="list")
                      for i, (pre, post, conn, _, _) in enumerate(net._projections)
                      if type(conn).__name__ == "Conv2dConnector"]
    net.reset()
    out["edges"] = edges(path)
    hw = net.run(float(STEPS), threads=threads, connectivity=connectivity, hardware="loihi", timing="delay",
                 link_capacity=LINK_CAPACITY)  # late packets: partial deliveries
    out["energy"], out["timing"] = without_times(hw.energy._r), without_times(hw.timing._r)
    net.reset()
    return out


def test_plan_only_conv2d_storage_reads_back_as_stored_rows(tmp_path):
    net = cnn()
    kinds = [type(c).__name__ for _, _, c, _, _ in net._projections]
    assert kinds.count("Conv2dConnector") >= 3  # conv1 (both signs) and the folded pool + conv2
    ref = run(net, 1, "stored", tmp_path / "ref.h5")
    assert sum(len(a) for a in ref["spikes"]["lif2"]) > 100 and len(ref["weights"][0]) > 50000
    assert ref["timing"]["deliveries"]["late"] > 1000  # the timing mode delivers in parts
    for threads in (1, 2, 3):
        got = run(net, threads, None, tmp_path / f"plan{threads}.h5")
        assert got["synapses"] == ref["synapses"]
        for label, trains in ref["spikes"].items():
            assert all(np.array_equal(a, b) for a, b in zip(trains, got["spikes"][label])), (threads, label)
        assert got["weights"] == ref["weights"], threads
        assert got["edges"].keys() == ref["edges"].keys()
        for name, cols in ref["edges"].items():
            assert cols.keys() == got["edges"][name].keys()
            for k, v in cols.items():
                np.testing.assert_array_equal(got["edges"][name][k], v, err_msg=f"{threads} threads: {name}/{k}")
        assert got["energy"] == ref["energy"], threads
        assert got["timing"] == ref["timing"], threads


def test_plan_only_storage_holds_no_bytes_per_synapse():
    net = cnn()
    sizes = {}
    for connectivity in ("stored", None):
        sim = net.simulator(threads=1, connectivity=connectivity)
        try:
            sizes[connectivity] = sim._sim.summary()
        finally:
            sim.close()
    stored, plan = sizes["stored"], sizes[None]
    assert plan["synapses"] == stored["synapses"] > 10**6
    assert stored["bytes_per_synapse"] > 8  # 8 per synapse (u32 target, float weight) + the row index
    # stored: only the Affine's 31,360 synapses (~0.27 MB); the conv2d plans are ~86 kB for 1.05 M
    # synapses (docs/benchmarks.md, "NIR")
    assert plan["bytes_per_synapse"] < 0.35


def test_cpu_connectivity_choices_are_checked():
    net = cnn()
    with pytest.raises(nm.ConfigError, match="conv2d"):
        net.run(5.0, threads=1, connectivity="procedural")
