"""Zero-copy state views: a read-only numpy array over the engine's memory that follows the
simulation, equal to state()'s copy; a clear error where no view is possible."""
import numpy as np
import pytest

nm = pytest.importorskip("neuromesh", reason="the neuromesh Python package is not built")


def network():
    net = nm.Network(dt=0.1, seed=1)
    pop = net.population(50, nm.IF_cond_exp(), label="E")
    net.poisson_input(pop, rate=5000.0, weight=0.01)
    return net, pop


def test_view_follows_the_simulation_without_copies():
    net, pop = network()
    sim = net.simulator(threads=1)
    g = sim.state_view(pop, "g_ex")
    assert g.dtype == np.float32 and g.shape == (50,) and not g.flags.writeable and not g.flags.owndata
    assert np.all(g == 0.0)
    sim.advance(10.0)
    assert g.max() > 0.0  # the same memory, updated in place
    np.testing.assert_array_equal(g.astype(float), sim.state(pop, "g_ex"))
    with pytest.raises(ValueError):
        g[0] = 1.0
    del sim  # the array keeps the simulation alive
    assert g.max() > 0.0


def test_no_view_says_why():
    net, pop = network()
    with pytest.raises(nm.ConfigError, match="relative to a parameter"):
        net.simulator(threads=1).state_view(pop, "v")
    with pytest.raises(nm.ConfigError, match="threads"):
        net.simulator(threads=2).state_view(pop, "g_ex")
    with pytest.raises(nm.ConfigError, match="no state variable"):
        net.simulator(threads=1).state_view(pop, "banana")
