"""Synapse types. Weights are in the target cell type's units (PyNN cells: nA or uS; core
models: pA, nS or mV); delays in ms (at least one time step).

Static: StaticSynapse. Plastic (cpu backend; docs/plasticity.md): STDPSynapse with NEST's
stdp_synapse parameters (STDPSynapseHom, STDPPowerLawSynapse, the nearest-neighbour
STDPNearestSymmetricSynapse / STDPNearestRestrictedSynapse and STDPTripletSynapse likewise), or
PyNN's STDPMechanism(timing_dependence=SpikePairRule(...), weight_dependence=
AdditiveWeightDependence(...) | MultiplicativeWeightDependence(...)), which maps onto the same rule
exactly as PyNN's NEST backend does; short-term plasticity: Tsodyks2Synapse (NEST's
tsodyks2_synapse), TsodyksSynapse (NEST's tsodyks_synapse) or PyNN's TsodyksMarkramSynapse
(tsodyks_synapse, tau_psc from the post cell, as PyNN's NEST backend). NEST-style dicts work in
connect():
{"synapse_model": "stdp_synapse", "weight": 1.0, "tau_plus": 20.0, "lambda": 0.01, ...}."""
from .errors import ConfigError


class StaticSynapse:
    """A fixed weight and delay: numbers, arrays (one_to_one / FromList) or distributions."""

    core_model = "static"

    def __init__(self, weight=0.0, delay=None):
        self.weight = weight
        self.delay = delay

    def core_parameters(self, weight_scale):
        """The core synapse model's parameters besides weight and delay."""
        return {}

    def __repr__(self):
        return f"StaticSynapse(weight={self.weight!r}, delay={self.delay!r})"


class STDPSynapse:
    """NEST's stdp_synapse: pair-based STDP, all-to-all pairing, weight update at each presynaptic
    spike (Guetig et al. 2003). mu_plus = mu_minus = 0: additive; 1: multiplicative. Wmax is in the
    unit of the weights. tau_minus belongs to the projection here (NEST: to the post neuron)."""

    core_model = "stdp_synapse"
    _defaults = {"tau_plus": 20.0, "tau_minus": 20.0, "lambda": 0.01, "alpha": 1.0, "mu_plus": 1.0,
                 "mu_minus": 1.0, "Wmax": 100.0}

    def __init__(self, weight=1.0, delay=None, **params):
        unknown = sorted(set(params) - set(self._defaults) - {"lambda_"})
        if unknown:
            raise ConfigError(f"{type(self).__name__}: unknown parameter(s) {unknown} (known: weight, delay, "
                              f"{', '.join(self._defaults)})")
        if "lambda_" in params:  # `lambda` is a Python keyword; both spellings are accepted
            params["lambda"] = params.pop("lambda_")
        self.weight = weight
        self.delay = delay
        self.params = {**self._defaults, **params}

    def core_parameters(self, weight_scale):
        """The core synapse model's parameters besides weight and delay (Wmax scaled by
        weight_scale into the core's weight unit)."""
        out = dict(self.params)
        out["Wmax"] = out["Wmax"] * weight_scale  # in the weights' unit, as the weights are scaled
        return out

    def __repr__(self):
        return f"STDPSynapse(weight={self.weight!r}, delay={self.delay!r}, {self.params!r})"


class SpikePairRule:
    """PyNN's pair-based timing dependence: A_plus potentiates, A_minus depresses."""

    def __init__(self, tau_plus=20.0, tau_minus=20.0, A_plus=0.01, A_minus=0.01):
        self.tau_plus, self.tau_minus, self.A_plus, self.A_minus = tau_plus, tau_minus, A_plus, A_minus


class AdditiveWeightDependence:
    """PyNN's additive weight dependence (NEST: mu_plus = mu_minus = 0); w_min must be 0."""
    mu = 0.0

    def __init__(self, w_min=0.0, w_max=1.0):
        self.w_min, self.w_max = w_min, w_max


class MultiplicativeWeightDependence(AdditiveWeightDependence):
    """PyNN's multiplicative weight dependence (NEST: mu_plus = mu_minus = 1); w_min must be 0."""
    mu = 1.0


class STDPMechanism(STDPSynapse):
    """PyNN's STDPMechanism, mapped onto stdp_synapse as PyNN's NEST backend maps it:
    lambda = A_plus, alpha = A_minus / A_plus, Wmax = w_max, mu = 0 (additive) or 1
    (multiplicative). The whole delay is dendritic (dendritic_delay_fraction = 1)."""

    def __init__(self, timing_dependence=None, weight_dependence=None, voltage_dependence=None,
                 dendritic_delay_fraction=1.0, weight=0.0, delay=None):
        where = "STDPMechanism"
        timing = timing_dependence or SpikePairRule()
        dependence = weight_dependence or AdditiveWeightDependence()
        if not isinstance(timing, SpikePairRule):
            raise ConfigError(f"{where}: timing_dependence must be SpikePairRule, not {type(timing).__name__}")
        if not isinstance(dependence, AdditiveWeightDependence):
            raise ConfigError(f"{where}: weight_dependence must be AdditiveWeightDependence or "
                              f"MultiplicativeWeightDependence, not {type(dependence).__name__}")
        if voltage_dependence is not None:
            raise ConfigError(f"{where}: voltage_dependence is not supported")
        if dendritic_delay_fraction != 1.0:
            raise ConfigError(f"{where}: dendritic_delay_fraction must be 1.0 (the whole delay is dendritic, "
                              "as in NEST's stdp_synapse)")
        if dependence.w_min != 0.0:
            raise ConfigError(f"{where}: w_min = {dependence.w_min}: stdp_synapse bounds weights to [0, w_max] "
                              "(w_min must be 0, as with PyNN's NEST backend)")
        if not timing.A_plus > 0:
            raise ConfigError(f"{where}: A_plus = {timing.A_plus} must be > 0 (it is NEST's lambda; "
                              "alpha = A_minus / A_plus)")
        super().__init__(weight=weight, delay=delay, tau_plus=timing.tau_plus, tau_minus=timing.tau_minus,
                         lambda_=timing.A_plus, alpha=timing.A_minus / timing.A_plus, mu_plus=dependence.mu,
                         mu_minus=dependence.mu, Wmax=dependence.w_max)


class Tsodyks2Synapse(STDPSynapse):
    """NEST's tsodyks2_synapse: short-term depression (tau_rec) and facilitation (tau_fac); a spike
    transmits weight * u * x. u and x are the values before the first spike (NEST's defaults: U)."""

    core_model = "tsodyks2_synapse"
    _defaults = {"U": 0.5, "u": 0.5, "x": 1.0, "tau_rec": 800.0, "tau_fac": 0.0}

    def core_parameters(self, weight_scale):
        return dict(self.params)

    def __repr__(self):
        return f"Tsodyks2Synapse(weight={self.weight!r}, delay={self.delay!r}, {self.params!r})"




class TsodyksSynapse(Tsodyks2Synapse):
    """NEST's tsodyks_synapse: Tsodyks-Markram short-term plasticity with recovered (x), active (y)
    and inactive resources; tau_psc is the decay of the active fraction (NEST: set it to the target's
    synaptic time constant). A spike transmits weight * u * x. x, y, u are the values at t = 0."""

    core_model = "tsodyks_synapse"
    _defaults = {"U": 0.5, "tau_psc": 3.0, "tau_rec": 800.0, "tau_fac": 0.0, "x": 1.0, "y": 0.0, "u": 0.0}

    def __repr__(self):
        return f"TsodyksSynapse(weight={self.weight!r}, delay={self.delay!r}, {self.params!r})"


class TsodyksMarkramSynapse(TsodyksSynapse):
    """PyNN's TsodyksMarkramSynapse(U, tau_rec, tau_facil), mapped as PyNN's NEST backend maps it:
    NEST's tsodyks_synapse with U, tau_rec, tau_fac = tau_facil, NEST's initial u, x, y, and tau_psc
    taken from the post cell's synaptic time constant (tau_syn_E, or tau_syn_I for
    receptor="inhibitory"; core models: tau_syn_ex / tau_syn_in)."""

    def __init__(self, U=0.5, tau_rec=100.0, tau_facil=0.0, weight=0.0, delay=None):
        super().__init__(weight=weight, delay=delay, U=U, tau_rec=tau_rec, tau_fac=tau_facil)

    def core_parameters_for(self, cell, receptor):
        """The core parameters for a projection onto `cell` with `receptor` (tau_psc from the cell)."""
        inhibitory = receptor == "inhibitory"
        names = ("tau_syn_I", "tau_syn_in") if inhibitory else ("tau_syn_E", "tau_syn_ex")
        tau = next((cell.params[n] for n in names if n in cell.params), None)  # given or default
        if not isinstance(tau, (int, float)) or isinstance(tau, bool):
            raise ConfigError(f"TsodyksMarkramSynapse: tau_psc is the post cell's {names[0]} (as PyNN's NEST "
                              f"backend sets it), but {type(cell).__name__} has "
                              f"{'none' if tau is None else 'no single value: ' + repr(tau)}; use "
                              "nm.TsodyksSynapse(tau_psc=...) instead")
        return {**self.core_parameters(cell.weight_scale), "tau_psc": float(tau)}

    def __repr__(self):
        return f"TsodyksMarkramSynapse(weight={self.weight!r}, delay={self.delay!r}, {self.params!r})"


class STDPSynapseHom(STDPSynapse):
    """NEST's stdp_synapse_hom: stdp_synapse with parameters common to the projection."""

    core_model = "stdp_synapse_hom"


class STDPPowerLawSynapse(STDPSynapse):
    """NEST's stdp_pl_synapse_hom (Morrison et al. 2007; NEST's hpc_benchmark): facilitation
    lambda w^mu K+, depression alpha lambda w K-; no upper bound."""

    core_model = "stdp_pl_synapse_hom"
    _defaults = {"tau_plus": 20.0, "tau_minus": 20.0, "lambda": 0.1, "alpha": 1.0, "mu": 0.4}

    def core_parameters(self, weight_scale):
        return dict(self.params)


class STDPNearestSymmetricSynapse(STDPSynapse):
    """NEST's stdp_nn_symm_synapse: stdp_synapse's parameters, symmetric nearest-neighbour pairing
    (each spike pairs only with the nearest spike of the other side)."""

    core_model = "stdp_nn_symm_synapse"


class STDPNearestRestrictedSynapse(STDPSynapse):
    """NEST's stdp_nn_restr_synapse: stdp_synapse's parameters, presynaptic-centred restricted
    nearest-neighbour pairing (a change only when a postsynaptic spike lies between two
    presynaptic ones)."""

    core_model = "stdp_nn_restr_synapse"


class STDPTripletSynapse(STDPSynapse):
    """NEST's stdp_triplet_synapse (Pfister & Gerstner 2006, all-to-all): pair and triplet terms
    Aplus, Aminus, Aplus_triplet, Aminus_triplet (in the weights' unit), time constants tau_plus,
    tau_minus, tau_plus_triplet, tau_minus_triplet (the last two on the projection here; NEST: on the
    post neuron), Wmax; Kplus, Kplus_triplet: the presynaptic traces at t = 0. Defaults: NEST's
    (the visual-cortex fit, with NEST's neuron defaults tau_minus 20, tau_minus_triplet 110)."""

    core_model = "stdp_triplet_synapse"
    _defaults = {"tau_plus": 16.8, "tau_minus": 20.0, "tau_plus_triplet": 101.0, "tau_minus_triplet": 110.0,
                 "Aplus": 5e-10, "Aminus": 7e-3, "Aplus_triplet": 6.2e-3, "Aminus_triplet": 2.3e-4, "Wmax": 100.0,
                 "Kplus": 0.0, "Kplus_triplet": 0.0}

    def core_parameters(self, weight_scale):
        out = dict(self.params)
        for key in ("Wmax", "Aplus", "Aminus", "Aplus_triplet", "Aminus_triplet"):  # in the weights' unit
            out[key] = out[key] * weight_scale
        return out


# NEST model names (and the JSON short names) -> Python synapse types, for syn_spec dicts.
BY_NEST_NAME = {"static_synapse": StaticSynapse, "static": StaticSynapse,
                "stdp_synapse": STDPSynapse, "stdp": STDPSynapse,
                "stdp_synapse_hom": STDPSynapseHom, "stdp_hom": STDPSynapseHom,
                "stdp_pl_synapse_hom": STDPPowerLawSynapse, "stdp_pl_hom": STDPPowerLawSynapse,
                "tsodyks2_synapse": Tsodyks2Synapse, "tsodyks2": Tsodyks2Synapse,
                "tsodyks_synapse": TsodyksSynapse, "tsodyks": TsodyksSynapse,
                "stdp_nn_symm_synapse": STDPNearestSymmetricSynapse, "stdp_nn_symm": STDPNearestSymmetricSynapse,
                "stdp_nn_restr_synapse": STDPNearestRestrictedSynapse, "stdp_nn_restr": STDPNearestRestrictedSynapse,
                "stdp_triplet_synapse": STDPTripletSynapse, "stdp_triplet": STDPTripletSynapse}
