"""neuromesh: an event-driven spiking network simulator with bit-identical results for any
thread count. See README.md and docs/python.md."""
from . import analysis, hardware, neo_convert, plots, random, report, sonata
from .analysis import AnalysisError
from ._core import features, models as _models
from .connectors import (AllToAll, AllToAllConnector, Conv2dConnector, FixedInDegree, FixedNumberPostConnector,
                         FixedNumberPreConnector, FixedOutDegree, FixedProbability, FixedProbabilityConnector,
                         FixedTotalNumber, FixedTotalNumberConnector, FromList, FromListConnector,
                         GaussianDistanceConnector, OneToOne, OneToOneConnector, Pool2dConnector)
from .errors import ArgumentTypeError, BackendUnavailable, ConfigError, Error, NeuromeshIOError, ParameterError
from .models import (EIF_cond_alpha_isfa_ista, EIF_cond_exp_isfa_ista, IF_cond_exp, IF_curr_alpha, IF_curr_exp,
                     Izhikevich, Model, SpikeSourceArray)
from .models import HH_cond_exp, IF_cond_alpha, IF_curr_delta  # noqa: F401
from .network import DCSource, Network, Population, PopulationView, Projection, Result, Simulator
from .synapses import (AdditiveWeightDependence, MultiplicativeWeightDependence, SpikePairRule, StaticSynapse,
                       STDPMechanism, STDPNearestRestrictedSynapse, STDPNearestSymmetricSynapse,
                       STDPPowerLawSynapse, STDPSynapse, STDPSynapseHom, STDPTripletSynapse, Tsodyks2Synapse,
                       TsodyksMarkramSynapse, TsodyksSynapse)

__version__ = features()["version"]


def to_neo(source, population=None, variables="all"):
    """A neo.Block of an output file's spikes (SpikeTrains) and recorded state (AnalogSignals),
    or of a Result: neuromesh.to_neo("out.h5"), then any neo.io writer, e.g.
    neo.io.PickleIO("out.pkl").write_block(block). Needs `neo`; layout: neuromesh.neo_convert."""
    if isinstance(source, Result):
        return neo_convert.block_from_result(source, population, variables)
    return neo_convert.block_from_file(source, population, variables)


def model_names():
    """The core model names (NEST names) usable with neuromesh.Model."""
    return sorted(_models())


def cmake_prefix():
    """The install prefix of the C++ package inside this Python package: C++ projects use
    cmake -DCMAKE_PREFIX_PATH=$(python3 -c "import neuromesh; print(neuromesh.cmake_prefix())")
    and find_package(neuromesh)."""
    import os
    return os.path.dirname(os.path.abspath(__file__))


def __getattr__(name):
    """neuromesh.nir (NIR import/export, docs/nir.md) loads on first use: it needs scipy and nir."""
    if name == "nir":
        import importlib
        return importlib.import_module(".nir", __name__)
    raise AttributeError(f"module 'neuromesh' has no attribute {name!r}")
