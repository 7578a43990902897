"""PyNN's standard cells, synapse types and current sources for the neuromesh backend.

Native parameters are PyNN's own names and units (identity translations): the neuromesh
Python API takes PyNN units for its PyNN cell types (neuromesh.IF_curr_exp, ...), which
convert them once to the core's NEST units (python/neuromesh/models.py). Each cell type
says which neuromesh cell builds it (`nm_cell`) and how its recordable variables map to
the core's state variables (`state_map`: PyNN name -> (core name, factor core -> PyNN)).
"""
from pyNN.standardmodels import build_translations, cells, electrodes, synapses

import neuromesh as nm

from .simulator import state


def _identity(cls):
    return build_translations(*[(name, name) for name in cls.default_parameters])


def _cell(base, nm_cell, state_map):
    """A PyNN standard cell class running on the neuromesh cell `nm_cell`."""
    return type(base.__name__, (base,), {
        "__doc__": base.__doc__,
        "translations": _identity(base),
        "nm_cell": staticmethod(nm_cell),
        "state_map": state_map,
    })


_LIF_CURR = {"v": ("V_m", 1.0), "isyn_exc": ("I_syn_ex", 1e-3), "isyn_inh": ("I_syn_in", 1e-3)}
_COND = {"v": ("V_m", 1.0), "gsyn_exc": ("g_ex", 1e-3), "gsyn_inh": ("g_in", 1e-3)}


class _IF_curr_delta_nm(nm.Model):
    """PyNN's IF_curr_delta on the core's iaf_psc_delta (PyNN units in; weights are mV)."""

    def __init__(self, cm, tau_m, v_rest, v_thresh, v_reset, tau_refrac, i_offset):
        super().__init__("iaf_psc_delta", C_m=_times(cm, 1000.0), tau_m=tau_m, E_L=v_rest, V_th=v_thresh,
                         V_reset=v_reset, t_ref=tau_refrac, I_e=_times(i_offset, 1000.0))

    def core_initial(self, initial):
        return {("V_m" if k == "v" else k): v for k, v in initial.items()}


def _times(value, factor):
    return [float(x) * factor for x in value] if hasattr(value, "__len__") else float(value) * factor


IF_curr_exp = _cell(cells.IF_curr_exp, nm.IF_curr_exp, _LIF_CURR)
IF_curr_alpha = _cell(cells.IF_curr_alpha, nm.IF_curr_alpha, _LIF_CURR)
IF_curr_delta = _cell(cells.IF_curr_delta, _IF_curr_delta_nm, {"v": ("V_m", 1.0)})
IF_cond_exp = _cell(cells.IF_cond_exp, nm.IF_cond_exp, _COND)
IF_cond_alpha = _cell(cells.IF_cond_alpha, nm.IF_cond_alpha, _COND)
EIF_cond_exp_isfa_ista = _cell(cells.EIF_cond_exp_isfa_ista, nm.EIF_cond_exp_isfa_ista,
                               {**_COND, "w": ("w", 1e-3)})
EIF_cond_alpha_isfa_ista = _cell(cells.EIF_cond_alpha_isfa_ista, nm.EIF_cond_alpha_isfa_ista,
                                 {**_COND, "w": ("w", 1e-3)})
HH_cond_exp = _cell(cells.HH_cond_exp, nm.HH_cond_exp,
                    {**_COND, "m": ("Act_m", 1.0), "h": ("Inact_h", 1.0), "n": ("Act_n", 1.0)})
Izhikevich = _cell(cells.Izhikevich, nm.Izhikevich, {"v": ("V_m", 1.0), "u": ("U_m", 1.0)})
SpikeSourceArray = _cell(cells.SpikeSourceArray, nm.SpikeSourceArray, {})


class SpikeSourcePoisson(cells.SpikeSourcePoisson):
    """PyNN's SpikeSourcePoisson. The core has no Poisson population: each neuron gets a Poisson
    count of spikes per time step (NEST's poisson_generator: rate * dt expected) from a generator
    seeded by setup(rng_seed=...), the population and the segment; the spikes up to the end of
    the first run become a core spike_source_array, later ones (a continued run, or rates set
    after a run) reach the core through Simulator.inject_spikes as the run gets to them. They are
    recorded and delivered by the core like any other spikes (populations.Population._build)."""

    translations = _identity(cells.SpikeSourcePoisson)
    state_map = {}



class SpikeSourceGamma(cells.SpikeSourceGamma):
    """PyNN's SpikeSourceGamma: per neuron a gamma renewal process (inter-spike intervals
    Gamma(alpha, scale 1000/beta ms), mean rate beta/alpha Hz) from `start` for `duration` ms,
    drawn here like SpikeSourcePoisson's spikes (seeded by setup(rng_seed=...)) and carried on
    across runs; each spike at the first time-grid point at or after its time."""

    translations = _identity(cells.SpikeSourceGamma)
    state_map = {}


class SpikeSourcePoissonRefractory(cells.SpikeSourcePoissonRefractory):
    """PyNN's SpikeSourcePoissonRefractory: per neuron a Poisson process with dead time
    (inter-spike intervals tau_refrac + Exponential(1000/rate - tau_refrac) ms, mean rate `rate`),
    drawn here like SpikeSourcePoisson's spikes and carried on across runs; each spike at the first
    time-grid point at or after its time."""

    translations = _identity(cells.SpikeSourcePoissonRefractory)
    state_map = {}


def _minimum_delay(self):
    return state.min_delay_ms()


class StaticSynapse(synapses.StaticSynapse):
    __doc__ = synapses.StaticSynapse.__doc__
    translations = _identity(synapses.StaticSynapse)
    _get_minimum_delay = _minimum_delay


class TsodyksMarkramSynapse(synapses.TsodyksMarkramSynapse):
    __doc__ = synapses.TsodyksMarkramSynapse.__doc__
    translations = _identity(synapses.TsodyksMarkramSynapse)
    _get_minimum_delay = _minimum_delay


class STDPMechanism(synapses.STDPMechanism):
    __doc__ = synapses.STDPMechanism.__doc__
    base_translations = build_translations(('weight', 'weight'), ('delay', 'delay'),
                                           ('dendritic_delay_fraction', 'dendritic_delay_fraction'))
    _get_minimum_delay = _minimum_delay


class AdditiveWeightDependence(synapses.AdditiveWeightDependence):
    __doc__ = synapses.AdditiveWeightDependence.__doc__
    translations = _identity(synapses.AdditiveWeightDependence)


class MultiplicativeWeightDependence(synapses.MultiplicativeWeightDependence):
    __doc__ = synapses.MultiplicativeWeightDependence.__doc__
    translations = _identity(synapses.MultiplicativeWeightDependence)


class SpikePairRule(synapses.SpikePairRule):
    __doc__ = synapses.SpikePairRule.__doc__
    translations = _identity(synapses.SpikePairRule)


def _electrode(base):
    from .electrodes import CurrentSource
    return type(base.__name__, (CurrentSource, base), {"__doc__": base.__doc__, "translations": _identity(base)})


DCSource = _electrode(electrodes.DCSource)
StepCurrentSource = _electrode(electrodes.StepCurrentSource)
ACSource = _electrode(electrodes.ACSource)
NoisyCurrentSource = _electrode(electrodes.NoisyCurrentSource)
