"""PyNN's procedural API (create, connect, record, set) for the neuromesh backend."""
from pyNN import common
from pyNN.connectors import FixedProbabilityConnector

from . import simulator
from .populations import Population
from .projections import Projection
from .standardmodels import StaticSynapse

create = common.build_create(Population)
connect = common.build_connect(Projection, FixedProbabilityConnector, StaticSynapse)
set = common.set
record = common.build_record(simulator)


def record_v(source, filename):
    """PyNN's record_v: records the membrane potential of `source` to `filename`."""
    return record(['v'], source, filename)


def record_gsyn(source, filename):
    """PyNN's record_gsyn: records the synaptic conductances of `source` to `filename`."""
    return record(['gsyn_exc', 'gsyn_inh'], source, filename)
