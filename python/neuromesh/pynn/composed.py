"""PyNN's composed point neurons on neuromesh: `PointNeuron(neuron, name=receptor, ...)`, a neuron
component (`LIF`, `AdExp`) with named post-synaptic receptors (`CurrExpPostSynapticResponse`,
`CondAlphaPostSynapticResponse` alias `AlphaPSR`, `CondBetaPostSynapticResponse` alias `BetaPSR`),
mapped as pyNN.nest 0.13 maps them onto NEST's multisynapse models, which the core has:

====================================  ================================  ==========================
PyNN components                       core model                        receptor variable
====================================  ================================  ==========================
LIF + CurrExpPostSynapticResponse     iaf_psc_exp_multisynapse          isyn [nA] <- I_syn_r [pA]
AdExp + CondAlphaPostSynapticResponse aeif_cond_alpha_multisynapse      gsyn [uS] <- g_r [nS]
AdExp + CondBetaPostSynapticResponse  aeif_cond_beta_multisynapse       gsyn [uS] <- g_r [nS]
====================================  ================================  ==========================

The receptors, sorted by name, are the ports 1..n (`receptor_type="AMPA"` in a Projection is
port index(AMPA) + 1, as on pyNN.nest); their parameters (tau_syn, e_syn, tau_rise, tau_decay)
become NEST's lists tau_syn / E_rev / tau_rise / tau_decay and must be one value per population
(the core takes one list per population). Parameters keep PyNN's names and units in Python,
receptor ones as "<receptor>.<name>" (`population.get("GABAA.e_syn")`). Weights: nA (current
receptors) or uS (conductance receptors, >= 0), x 1000 to the core's pA / nS. Other combinations
raise NoModelAvailableError, as on pyNN.nest: there CondExpPostSynapticResponse maps only to
NEST's gif_cond_exp_multisynapse, which neither LIF nor AdExp offers, so pyNN.nest refuses it with
either neuron ("No possible models for this combination"); so do LIF with a conductance receptor
and AdExp with a current one.
"""
import numpy as np
from pyNN import errors
from pyNN.standardmodels import build_translations, cells, receptors

import neuromesh as nm
from neuromesh.models import _ratio, _scale


def _identity(cls):
    return build_translations(*[(name, name) for name in cls.default_parameters])


class LIF(cells.LIF):
    __doc__ = cells.LIF.__doc__
    translations = _identity(cells.LIF)
    state_map = {"v": ("V_m", 1.0)}


class AdExp(cells.AdExp):
    __doc__ = cells.AdExp.__doc__
    translations = _identity(cells.AdExp)
    state_map = {"v": ("V_m", 1.0), "w": ("w", 1e-3)}


class CurrExpPostSynapticResponse(receptors.CurrExpPostSynapticResponse):
    __doc__ = receptors.CurrExpPostSynapticResponse.__doc__
    translations = _identity(receptors.CurrExpPostSynapticResponse)
    recordable = ["isyn"]
    port_state = {"isyn": ("I_syn_{}", 1e-3)}  # core variable of port r [pA] -> nA


class CondAlphaPostSynapticResponse(receptors.CondAlphaPostSynapticResponse):
    __doc__ = receptors.CondAlphaPostSynapticResponse.__doc__
    translations = _identity(receptors.CondAlphaPostSynapticResponse)
    recordable = ["gsyn"]
    port_state = {"gsyn": ("g_{}", 1e-3)}  # core variable of port r [nS] -> uS


class CondExpPostSynapticResponse(receptors.CondExpPostSynapticResponse):
    __doc__ = receptors.CondExpPostSynapticResponse.__doc__
    translations = _identity(receptors.CondExpPostSynapticResponse)
    recordable = ["gsyn"]
    port_state = {"gsyn": ("g_{}", 1e-3)}


class CondBetaPostSynapticResponse(receptors.CondBetaPostSynapticResponse):
    __doc__ = receptors.CondBetaPostSynapticResponse.__doc__
    translations = _identity(receptors.CondBetaPostSynapticResponse)
    recordable = ["gsyn"]
    port_state = {"gsyn": ("g_{}", 1e-3)}


AlphaPSR = CondAlphaPostSynapticResponse
ExpPSR = CondExpPostSynapticResponse
BetaPSR = CondBetaPostSynapticResponse

# (neuron component, receptor component) -> core model: pyNN.nest's possible_models intersections
_CORE_MODELS = {(LIF, CurrExpPostSynapticResponse): "iaf_psc_exp_multisynapse",
                (AdExp, CondAlphaPostSynapticResponse): "aeif_cond_alpha_multisynapse",
                (AdExp, CondBetaPostSynapticResponse): "aeif_cond_beta_multisynapse"}
# receptor parameter (PyNN) -> NEST's per-port list
_PORT_LISTS = {"tau_syn": "tau_syn", "e_syn": "E_rev", "tau_rise": "tau_rise", "tau_decay": "tau_decay"}


class _PortCell(nm.Model):
    """A core multisynapse model whose weights come in PyNN units (nA or uS: x 1000)."""

    weight_scale = 1000.0


def _port_list(values, name, label):
    """One value per port for the whole population (NEST's lists are per population)."""
    out = []
    for v in values:
        arr = np.asarray(v, dtype=float)
        if arr.size > 1 and not (arr == arr.flat[0]).all():
            raise nm.ConfigError(f"pyNN.neuromesh: {name} of {label} differs between neurons; the core's "
                                 f"{name.split('.')[-1]} list is one value per receptor for a whole population")
        out.append(float(arr.flat[0]))
    return out


class PointNeuron(cells.PointNeuron):
    """PyNN's PointNeuron (a neuron with named post-synaptic receptors) on the core's multisynapse
    models (module docstring)."""

    def __init__(self, neuron, **post_synaptic_receptors):
        super().__init__(neuron, **post_synaptic_receptors)
        if not post_synaptic_receptors:
            raise errors.NoModelAvailableError("pyNN.neuromesh: a PointNeuron needs at least one receptor")
        kinds = {type(psr) for psr in post_synaptic_receptors.values()}
        model = _CORE_MODELS.get((type(neuron), kinds.pop())) if len(kinds) == 1 else None
        if model is None:
            combos = ", ".join(f"{n.__name__} + {r.__name__}" for n, r in _CORE_MODELS)
            given = ", ".join(sorted({type(p).__name__ for p in post_synaptic_receptors.values()}))
            raise errors.NoModelAvailableError(
                f"pyNN.neuromesh: no core model for PointNeuron({type(neuron).__name__}, {given}); available: "
                f"{combos} (all receptors of one kind), as on pyNN.nest (CondExpPostSynapticResponse: NEST's "
                f"gif_cond_exp_multisynapse, which no PyNN neuron component maps to)")
        self.core_model = model

    def get_receptor_type(self, name):
        """The core port of receptor `name`: 1 + its index in the sorted names (as pyNN.nest)."""
        return self.receptor_types.index(name) + 1

    @property
    def state_map(self):
        """Recordable PyNN variable -> (core state variable, factor core -> PyNN units)."""
        out = dict(self.neuron.state_map)
        for name in self.receptor_types:
            for variable, (core, factor) in self.post_synaptic_receptors[name].port_state.items():
                out[f"{name}.{variable}"] = (core.format(self.get_receptor_type(name)), factor)
        return out

    @property
    def native_parameters(self):
        """Native names are PyNN's, receptor parameters flat as "<receptor>.<name>" (no translation)."""
        ps = self.neuron.native_parameters
        for name in self.receptor_types:
            for pname, value in self.post_synaptic_receptors[name].native_parameters.items():
                if pname != "locations":  # point neurons: no synapse locations
                    ps[f"{name}.{pname}"] = value
        return ps

    def get_native_names(self, *names):
        """The native names of `names` (the same), or all."""
        return list(names) if names else list(self.native_parameters.keys())

    def translate(self, parameters, copy=True):
        """Native parameters are PyNN's: no translation."""
        return parameters

    def reverse_translate(self, native_parameters):
        """Native parameters are PyNN's: no translation."""
        return native_parameters

    def computed_parameters(self):
        """None: every native parameter is a PyNN one."""
        return []

    def computed_parameters_include(self, parameter_names):
        """False: no parameter is computed from others."""
        return False

    def get_schema(self):
        """PyNN's schema of the neuron and, as "<receptor>.<name>", of each receptor."""
        schema = dict(self.neuron.get_schema())
        for name, psr in self.post_synaptic_receptors.items():
            schema.update({f"{name}.{k}": v for k, v in psr.get_schema().items() if k != "locations"})
        return schema

    def nm_cell(self, **p):
        """The core cell from the population's values in PyNN names and units."""
        label = f"PointNeuron({type(self.neuron).__name__})"
        ports = {nest: _port_list([p[f"{r}.{pname}"] for r in self.receptor_types], pname, label)
                 for pname, nest in _PORT_LISTS.items() if f"{self.receptor_types[0]}.{pname}" in p}
        common = dict(C_m=_scale(p["cm"], 1000.0), t_ref=p["tau_refrac"], V_reset=p["v_reset"], E_L=p["v_rest"],
                      V_th=p["v_thresh"], I_e=_scale(p["i_offset"], 1000.0), **ports)
        if self.core_model.startswith("aeif_"):
            return _PortCell(self.core_model, **common, g_L=_ratio(p["cm"], p["tau_m"], 1000.0), V_peak=p["v_spike"],
                             a=p["a"], b=_scale(p["b"], 1000.0), Delta_T=p["delta_T"], tau_w=p["tau_w"])
        return _PortCell(self.core_model, **common, tau_m=p["tau_m"])


__all__ = ["PointNeuron", "LIF", "AdExp", "CurrExpPostSynapticResponse", "CondAlphaPostSynapticResponse",
           "CondExpPostSynapticResponse", "CondBetaPostSynapticResponse", "AlphaPSR", "ExpPSR", "BetaPSR"]
