"""The CUDA backend from Python: backend="cuda-omp" (the GPU code on OpenMP threads) gives the cpu
backend's spikes bit-for-bit, in float and double; backend="cuda" runs them on a GPU when there is
one and otherwise fails with a clear BackendUnavailable-style error; plastic synapses (STDP,
Tsodyks-Markram) learn the cpu backend's weights bit-for-bit. Skipped, with the reason, when the
CUDA backend is not built."""
import numpy as np
import pytest

nm = pytest.importorskip("neuromesh", reason="the neuromesh Python package is not built (NEUROMESH_WITH_PYTHON=OFF)")

pytestmark = pytest.mark.requires_cuda


def brunel_like(seed=7, connector=None, delay=None):
    """400 E + 100 I Poisson-driven neurons; FixedProbability(0.1) with heterogeneous delays unless
    `connector` / `delay` are given."""
    net = nm.Network(dt=0.1, seed=seed)
    cell = nm.IF_curr_exp(tau_m=20.0, cm=0.25, v_rest=-65.0, v_thresh=-50.0, v_reset=-65.0, tau_refrac=2.0,
                          tau_syn_E=0.5, tau_syn_I=0.5)
    exc = net.population(400, cell, label="E", initial={"v": nm.random.Uniform(-65.0, -50.0)})
    inh = net.population(100, cell, label="I", initial={"v": nm.random.Uniform(-65.0, -50.0)})
    if delay is None:
        delay = nm.random.Normal(1.5, 0.7, low=0.5, high=3.0)  # heterogeneous delays, 5..30 steps
    for pre, w, rec in ((exc, 0.06, "excitatory"), (inh, -0.3, "inhibitory")):
        for post in (exc, inh):
            net.connect(pre, post, connector or nm.FixedProbability(0.1), nm.StaticSynapse(weight=w, delay=delay),
                        receptor=rec)
    net.poisson_input(exc, rate=9000.0, weight=0.06)
    net.poisson_input(inh, rate=9000.0, weight=0.06)
    return net, exc, inh


def spikes_on(backend, precision):
    net, exc, inh = brunel_like()
    net.run(200.0, backend=backend, threads=2, precision=precision)
    return [np.asarray(a) for pop in (exc, inh) for a in pop.spikes]


@pytest.mark.parametrize("precision", ["float", "double"])
def test_cuda_omp_spikes_equal_cpu(precision):
    cpu = spikes_on("cpu", precision)
    assert len(cpu[0]) > 200, "the network should be active"
    for a, b in zip(cpu, spikes_on("cuda-omp", precision)):
        assert np.array_equal(a, b)


def test_cuda_needs_a_gpu_or_says_why():
    if "cuda" in nm.features()["backends"]:
        for a, b in zip(spikes_on("cpu", "float"), spikes_on("cuda", "float")):
            assert np.array_equal(a, b)
        return
    net, _, _ = brunel_like()
    with pytest.raises(Exception) as err:
        net.run(10.0, backend="cuda")
    assert 'backend="cpu"' in str(err.value)


def test_procedural_connectivity_from_python():
    """connectivity="procedural": rows of FixedNumberPost projections regenerated per spike on the
    cuda backends give the stored rows' (and the cpu backend's) spikes; a per-target connector is
    refused by name; the cpu backend says the option is not its."""
    def outdegree_net():
        net, exc, _ = brunel_like(seed=11, connector=nm.FixedNumberPostConnector(40), delay=1.0)
        return net, exc

    runs = {}
    for backend, conn in (("cpu", None), ("cuda-omp", "stored"), ("cuda-omp", "procedural")):
        net, exc = outdegree_net()
        net.run(100.0, backend=backend, threads=2, connectivity=conn)
        runs[conn] = [np.asarray(a) for a in exc.spikes]
    assert sum(len(a) for a in runs[None]) > 50
    for key in ("stored", "procedural"):
        assert all(np.array_equal(a, b) for a, b in zip(runs[None], runs[key]))
    net, _, _ = brunel_like()
    with pytest.raises(nm.ConfigError, match="procedural connectivity needs rows"):
        net.run(10.0, backend="cuda-omp", connectivity="procedural")
    with pytest.raises(nm.ConfigError, match="applies to the cuda backends"):
        net.run(10.0, backend="cpu", connectivity="procedural")


def plastic_run(backend, precision, threads=2):
    """brunel_like with STDP (PyNN's STDPMechanism, multiplicative) on E->E and Tsodyks-Markram
    synapses on E->I, beside the static ones: spikes and the learnt weights."""
    net, exc, inh = brunel_like(seed=5)
    stdp = nm.STDPMechanism(timing_dependence=nm.SpikePairRule(tau_plus=20.0, tau_minus=20.0, A_plus=0.05,
                                                               A_minus=0.06),
                            weight_dependence=nm.MultiplicativeWeightDependence(w_min=0.0, w_max=0.15),
                            weight=0.06, delay=nm.random.Uniform(1.0, 2.0))
    ee = net.connect(exc, exc, nm.FixedProbability(0.05), stdp)
    tm = net.connect(exc, inh, nm.FixedProbability(0.05),
                     nm.TsodyksMarkramSynapse(U=0.3, tau_rec=200.0, tau_facil=50.0, weight=0.08, delay=1.5))
    net.run(200.0, backend=backend, threads=threads, precision=precision)
    spikes = [np.asarray(a) for pop in (exc, inh) for a in pop.spikes]
    return spikes, ee.get(["weight", "delay"], format="list"), tm.get("weight", format="list")


@pytest.mark.parametrize("precision", ["float", "double"])
def test_cuda_omp_learns_the_cpu_weights(precision):
    cpu_spikes, cpu_ee, cpu_tm = plastic_run("cpu", precision)
    assert sum(len(a) for a in cpu_spikes) > 1000, "the network should be active"
    learnt = {w for (_, _, w, _) in cpu_ee}  # all started at 0.06
    assert len(learnt) > len(cpu_ee) // 2, "the weights should have learnt, each its own way"
    backends = ["cuda-omp"] + (["cuda"] if "cuda" in nm.features()["backends"] else [])
    for backend in backends:
        for threads in (1, 2):
            spikes, ee, tm = plastic_run(backend, precision, threads)
            assert all(np.array_equal(a, b) for a, b in zip(cpu_spikes, spikes)), backend
            assert ee == cpu_ee, backend  # every (pre, post, weight, delay), exactly
            assert tm == cpu_tm, backend
