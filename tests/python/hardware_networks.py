"""A network shared by the hardware-model tests: a locally connected, Poisson-driven sheet (Mundy's
locally connected workload in miniature) whose spikes cross cores."""
import neuromesh as nm


def sheet(side=24, seed=3):
    net = nm.Network(dt=0.1, seed=seed, name="sheet")
    e = net.population(side * side, nm.IF_curr_exp(), label="sheet")
    net.connect(e, e, nm.GaussianDistanceConnector(0.5, 0.08), nm.StaticSynapse(weight=0.3, delay=1.0))
    net.poisson_input(e, rate=4000.0, weight=0.3)
    return net
