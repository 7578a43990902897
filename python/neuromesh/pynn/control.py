"""setup/end/run/reset and the state queries (PyNN's common implementations where they exist)."""
from pyNN import common
from pyNN.common.control import DEFAULT_MAX_DELAY, DEFAULT_MIN_DELAY, DEFAULT_TIMESTEP
from pyNN.recording import get_io

from . import simulator


def setup(timestep=DEFAULT_TIMESTEP, min_delay=DEFAULT_MIN_DELAY, **extra_params):
    """Starts a new model. neuromesh-specific extra_params: `rng_seed` (the core's seed, also
    for SpikeSourcePoisson and NoisyCurrentSource; default 12345), `threads` (default 1; the
    results do not depend on it)."""
    max_delay = extra_params.get("max_delay", DEFAULT_MAX_DELAY)
    common.setup(timestep, min_delay, **extra_params)
    state = simulator.state
    if state.sim is not None:
        state.sim.close()
        state.sim = None
    state.dt = float(timestep)
    state.min_delay = min_delay
    state.max_delay = max_delay
    state.seed = int(extra_params.get("rng_seed", 12345))
    state.threads = int(extra_params.get("threads", 1))
    state.write_on_end = []
    state.clear()
    return rank()


def end(compatible_output=True):
    """Writes the data that record(..., to_file) asked for, and frees the core simulation."""
    state = simulator.state
    for population, variables, filename in getattr(state, "write_on_end", []):
        population.write_data(get_io(filename), variables)
    state.write_on_end = []
    if state.sim is not None:
        state.sim.close()
        state.sim = None


run, run_until = common.build_run(simulator)
run_for = run
reset = common.build_reset(simulator)
initialize = common.initialize
get_current_time, get_time_step, _get_min_delay, get_max_delay, num_processes, rank = \
    common.build_state_queries(simulator)


def get_min_delay():
    """The smallest delay [ms]: setup's min_delay, or with min_delay='auto' the smallest delay of the
    projections made so far (the time step if there are none)."""
    return simulator.state.min_delay_ms(auto=True)
