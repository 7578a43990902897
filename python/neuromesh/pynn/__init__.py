"""pyNN.neuromesh: PyNN's API (PyNN 0.13) on neuromesh. `import pyNN.neuromesh as sim` finds
this package through python/pyNN/neuromesh (docs/pynn.md says how it is installed and what
it supports)."""
from pyNN import errors, random, space  # noqa: F401
from pyNN.connectors import *  # noqa: F401,F403
from pyNN.network import Network  # noqa: F401
from pyNN.random import GSLRNG, NumpyRNG, RandomDistribution  # noqa: F401
from pyNN.recording import *  # noqa: F401,F403
from pyNN.space import Space  # noqa: F401
from pyNN.standardmodels import StandardCellType

from . import simulator  # noqa: F401
from .control import (end, get_current_time, get_max_delay, get_min_delay, get_time_step,  # noqa: F401
                      initialize, num_processes, rank, reset, run, run_for, run_until, setup)
from .populations import Assembly, Population, PopulationView  # noqa: F401
from .procedural_api import connect, create, record, record_gsyn, record_v, set  # noqa: F401
from .projections import Projection  # noqa: F401
from .standardmodels import (ACSource, AdditiveWeightDependence, DCSource, EIF_cond_alpha_isfa_ista,  # noqa: F401
                             EIF_cond_exp_isfa_ista, IF_cond_exp, IF_curr_alpha, IF_curr_delta, IF_curr_exp, Izhikevich,
                             MultiplicativeWeightDependence, NoisyCurrentSource, SpikePairRule, SpikeSourceArray,
                             SpikeSourcePoisson, STDPMechanism, StaticSynapse, StepCurrentSource,
                             TsodyksMarkramSynapse)
from .standardmodels import HH_cond_exp, IF_cond_alpha, SpikeSourceGamma, SpikeSourcePoissonRefractory  # noqa: F401
from .composed import (AdExp, AlphaPSR, BetaPSR, CondAlphaPostSynapticResponse,  # noqa: F401
                       CondBetaPostSynapticResponse, CondExpPostSynapticResponse, CurrExpPostSynapticResponse,
                       ExpPSR, LIF, PointNeuron)


def list_standard_models():
    """The names of the standard cell types this backend runs."""
    return [obj.__name__ for obj in globals().values()
            if isinstance(obj, type) and issubclass(obj, StandardCellType) and obj is not StandardCellType]
