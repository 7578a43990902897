"""Backend and device choice from Python: a bad GPU index is a ConfigError; without a GPU the cuda
backend says what is missing (BackendUnavailable); cuda-omp runs the CUDA backend's code on the CPU."""
import pytest

nm = pytest.importorskip("neuromesh", reason="the neuromesh Python package is not built")


def small_network():
    net = nm.Network(seed=3)
    pop = net.population(20, nm.IF_curr_exp(), label="E")
    net.poisson_input(pop, rate=8000.0, weight=0.1)
    return net


def test_negative_device_is_rejected():
    with pytest.raises(nm.ConfigError, match="device"):
        small_network().run(10.0, device=-1)


@pytest.mark.requires_cuda
def test_cuda_backend_without_gpu_names_the_problem():
    if "cuda" in nm.features()["backends"]:
        result = small_network().run(50.0, backend="cuda", device=0)  # a GPU is here: it must run
        assert result.summary["spikes"] > 0
        return
    with pytest.raises(nm.BackendUnavailable, match="GPU"):
        small_network().run(10.0, backend="cuda", device=0)


@pytest.mark.requires_cuda
def test_cuda_omp_gives_the_cpu_spikes():
    cpu = small_network().run(100.0, threads=1)
    omp = small_network().run(100.0, backend="cuda-omp", threads=1)
    for a, b in zip(cpu.spikes("E"), omp.spikes("E")):
        assert a.tolist() == b.tolist()
    assert cpu.summary["spikes"] > 0
