"""Cell types. PyNN's standard cells with PyNN's names and units (ms, mV, nA, uS, nF), mapped to
the core's NEST-named models, and `Model` for any core model with NEST names and units.

PyNN -> core mapping (units converted here, once):

==========================  ===============  ==============================================
PyNN cell                   core model        parameter mapping
==========================  ===============  ==============================================
IF_curr_exp                 iaf_psc_exp       cm [nF] -> C_m [pF] x1000, v_rest -> E_L,
IF_curr_alpha               iaf_psc_alpha     v_thresh -> V_th, v_reset -> V_reset,
IF_curr_delta               iaf_psc_delta     (no tau_syn_E/I; weights are voltage jumps [mV])
                                             tau_refrac -> t_ref, tau_syn_E/I -> tau_syn_ex/in,
                                             i_offset [nA] -> I_e [pA] x1000; weights nA -> pA
IF_cond_exp                 iaf_cond_exp      as above, plus g_L = cm / tau_m [uS] -> nS,
                                             e_rev_E/I -> E_ex/E_in; weights uS -> nS
IF_cond_alpha               iaf_cond_alpha    as IF_cond_exp (alpha-function conductances)
EIF_cond_exp_isfa_ista      aeif_cond_exp     as IF_cond_exp, plus v_spike -> V_peak,
                                             delta_T, tau_w, a [nS], b [nA] -> pA x1000
HH_cond_exp                 hh_cond_exp_traub gbar_Na/gbar_K/g_leak [uS] -> g_Na/g_K/g_L [nS],
                                             cm [nF] -> C_m [pF], v_offset -> V_T,
                                             e_rev_Na/K/leak/E/I -> E_Na/E_K/E_L/E_ex/E_in,
                                             tau_syn_E/I -> tau_syn_ex/in, i_offset [nA] -> I_e;
                                             weights uS -> nS
Izhikevich                  izhikevich        a, b, c, d; i_offset [nA] -> I_e x1000;
                                             weights are voltage jumps [mV]
SpikeSourceArray            spike_source_array spike_times [ms]
==========================  ===============  ==============================================
"""
from . import _core
from .errors import ConfigError
from .random import Distribution


class CellType:
    """A neuron model with parameters; `core_model`, `core_params()` and `weight_scale` tell the
    core what to build and how to convert this type's weights to the core's units."""

    core_model = ""
    defaults = {}
    weight_scale = 1.0

    def __init__(self, **params):
        unknown = sorted(set(params) - set(self.defaults))
        if unknown:
            raise ConfigError(f"{type(self).__name__} has no parameter(s) {', '.join(unknown)} "
                              f"(known: {', '.join(sorted(self.defaults))})")
        self.params = {**self.defaults, **params}

    def core_params(self):
        """The parameters in the core model's names and units (NEST's)."""
        return {}

    def core_initial(self, initial):
        """Initial values named by this type ('v' for PyNN cells) in core names."""
        return {("V_m" if k == "v" else k): v for k, v in initial.items()}

    def __repr__(self):
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.params.items())})"


def _scale(value, factor):
    if isinstance(value, Distribution):
        return value.scaled(factor)
    if hasattr(value, "__len__"):
        return [float(x) * factor for x in value]
    return float(value) * factor


def _ratio(num, den, factor):
    if isinstance(num, Distribution) or isinstance(den, Distribution):
        raise ConfigError("cm and tau_m of conductance-based PyNN cells must be numbers or arrays, "
                          "not distributions (g_L = cm / tau_m)")
    if hasattr(num, "__len__") or hasattr(den, "__len__"):
        n = len(num) if hasattr(num, "__len__") else len(den)
        nums = num if hasattr(num, "__len__") else [num] * n
        dens = den if hasattr(den, "__len__") else [den] * n
        return [float(a) / float(b) * factor for a, b in zip(nums, dens)]
    return float(num) / float(den) * factor


class _PyNNLif(CellType):
    defaults = dict(cm=1.0, tau_m=20.0, tau_refrac=0.1, tau_syn_E=5.0, tau_syn_I=5.0, v_rest=-65.0,
                    v_reset=-65.0, v_thresh=-50.0, i_offset=0.0)
    weight_scale = 1000.0  # nA -> pA

    def core_params(self):
        p = self.params
        return dict(C_m=_scale(p["cm"], 1000.0), tau_m=p["tau_m"], t_ref=p["tau_refrac"],
                    tau_syn_ex=p["tau_syn_E"], tau_syn_in=p["tau_syn_I"], E_L=p["v_rest"],
                    V_reset=p["v_reset"], V_th=p["v_thresh"], I_e=_scale(p["i_offset"], 1000.0))


class IF_curr_exp(_PyNNLif):
    """Leaky integrate-and-fire, exponential current synapses (PyNN)."""

    core_model = "iaf_psc_exp"


class IF_curr_alpha(_PyNNLif):
    """Leaky integrate-and-fire, alpha-shaped current synapses (PyNN)."""

    core_model = "iaf_psc_alpha"
    defaults = {**_PyNNLif.defaults, "tau_syn_E": 0.5, "tau_syn_I": 0.5}


class IF_curr_delta(CellType):
    """Leaky integrate-and-fire, delta synapses: a spike makes V_m jump by its weight [mV] (PyNN)."""

    core_model = "iaf_psc_delta"
    defaults = dict(cm=1.0, tau_m=20.0, tau_refrac=0.1, v_rest=-65.0, v_reset=-65.0, v_thresh=-50.0,
                    i_offset=0.0)

    def core_params(self):
        p = self.params
        return dict(C_m=_scale(p["cm"], 1000.0), tau_m=p["tau_m"], t_ref=p["tau_refrac"], E_L=p["v_rest"],
                    V_reset=p["v_reset"], V_th=p["v_thresh"], I_e=_scale(p["i_offset"], 1000.0))


class IF_cond_exp(_PyNNLif):
    """Leaky integrate-and-fire, exponential conductance synapses (PyNN)."""

    core_model = "iaf_cond_exp"
    defaults = {**_PyNNLif.defaults, "e_rev_E": 0.0, "e_rev_I": -70.0}
    weight_scale = 1000.0  # uS -> nS

    def core_params(self):
        p = self.params
        out = super().core_params()
        del out["tau_m"]
        out.update(g_L=_ratio(p["cm"], p["tau_m"], 1000.0), E_ex=p["e_rev_E"], E_in=p["e_rev_I"])
        return out


class IF_cond_alpha(IF_cond_exp):
    """Leaky integrate-and-fire, alpha-function conductance synapses (PyNN) -> iaf_cond_alpha."""

    core_model = "iaf_cond_alpha"
    defaults = {**IF_cond_exp.defaults, "tau_syn_E": 0.3, "tau_syn_I": 0.5}


class EIF_cond_exp_isfa_ista(IF_cond_exp):
    """Adaptive exponential integrate-and-fire (AdEx), conductance synapses (PyNN)."""

    core_model = "aeif_cond_exp"
    defaults = dict(cm=0.281, tau_refrac=0.1, v_spike=-40.0, v_reset=-70.6, v_rest=-70.6, tau_m=9.3667,
                    i_offset=0.0, a=4.0, b=0.0805, delta_T=2.0, tau_w=144.0, v_thresh=-50.4, e_rev_E=0.0,
                    tau_syn_E=5.0, e_rev_I=-80.0, tau_syn_I=5.0)

    def core_params(self):
        p = self.params
        out = super().core_params()
        out.update(V_peak=p["v_spike"], Delta_T=p["delta_T"], tau_w=p["tau_w"], a=p["a"], b=_scale(p["b"], 1000.0))
        return out


class EIF_cond_alpha_isfa_ista(EIF_cond_exp_isfa_ista):
    """AdEx with alpha-function conductance synapses (PyNN) -> aeif_cond_alpha; the same
    parameters, defaults and mapping as EIF_cond_exp_isfa_ista."""

    core_model = "aeif_cond_alpha"


class HH_cond_exp(CellType):
    """Hodgkin-Huxley (Traub & Miles) neuron with exponential conductance synapses (PyNN) ->
    hh_cond_exp_traub, as pyNN.nest maps it. Initial values v, m, h, n (PyNN names)."""

    core_model = "hh_cond_exp_traub"
    defaults = dict(gbar_Na=20.0, gbar_K=6.0, g_leak=0.01, cm=0.2, v_offset=-63.0, e_rev_Na=50.0, e_rev_K=-90.0,
                    e_rev_leak=-65.0, e_rev_E=0.0, e_rev_I=-80.0, tau_syn_E=0.2, tau_syn_I=2.0, i_offset=0.0)
    weight_scale = 1000.0  # uS -> nS

    def core_params(self):
        p = self.params
        return dict(g_Na=_scale(p["gbar_Na"], 1000.0), g_K=_scale(p["gbar_K"], 1000.0),
                    g_L=_scale(p["g_leak"], 1000.0), C_m=_scale(p["cm"], 1000.0), V_T=p["v_offset"],
                    E_Na=p["e_rev_Na"], E_K=p["e_rev_K"], E_L=p["e_rev_leak"], E_ex=p["e_rev_E"],
                    E_in=p["e_rev_I"], tau_syn_ex=p["tau_syn_E"], tau_syn_in=p["tau_syn_I"],
                    I_e=_scale(p["i_offset"], 1000.0))

    def core_initial(self, initial):
        names = {"v": "V_m", "m": "Act_m", "h": "Inact_h", "n": "Act_n"}
        return {names.get(k, k): v for k, v in initial.items()}


class Izhikevich(CellType):
    """Izhikevich (2003) neuron; weights are membrane potential jumps [mV]."""

    core_model = "izhikevich"
    defaults = dict(a=0.02, b=0.2, c=-65.0, d=2.0, i_offset=0.0)

    def core_params(self):
        p = self.params
        return dict(a=p["a"], b=p["b"], c=p["c"], d=p["d"], I_e=_scale(p["i_offset"], 1000.0))

    def core_initial(self, initial):
        return {{"v": "V_m", "u": "U_m"}.get(k, k): v for k, v in initial.items()}


class SpikeSourceArray(CellType):
    """Sources emitting given spike times [ms]: one list for all neurons, or one per neuron.
    As NEST's spike_generator: a time given twice is two spikes (both delivered and recorded);
    times must be multiples of dt (an error names the first that is not) unless
    allow_offgrid_times=True, which rounds them up to the grid. start, stop, origin [ms] as NEST's
    spike_generator: a time t is emitted at origin + t, and only if start < t <= stop."""

    core_model = "spike_source_array"
    defaults = dict(spike_times=(), allow_offgrid_times=False, start=0.0, stop=float("inf"), origin=0.0)

    def core_params(self):
        """start / stop / origin where given (the core's defaults are NEST's: 0, infinity, 0)."""
        return {k: float(self.params[k]) for k in ("start", "stop", "origin") if self.params[k] != self.defaults[k]}

    def spike_times(self, size):
        """One list of spike times [ms] per neuron of a population of `size` neurons."""
        times = self.params["spike_times"]
        if len(times) and hasattr(times[0], "__len__"):
            if len(times) != size:
                raise ConfigError(f"SpikeSourceArray: {len(times)} spike trains for {size} neurons")
            return [list(map(float, t)) for t in times]
        return [list(map(float, times))] * size


class Model(CellType):
    """Any core model by its NEST name with NEST parameter names and units, e.g.
    Model("iaf_psc_alpha", tau_m=10.0). `neuromesh.model_names()` lists them."""

    def __init__(self, name, **params):
        info = _core.models().get(name)
        if info is None:
            raise ConfigError(f"unknown model '{name}' (known: {', '.join(sorted(_core.models()))})")
        self.core_model = name
        self.defaults = {k: v[0] for k, v in info["parameters"].items()}
        for slot in [k for k in self.defaults if k.endswith("[1]")]:  # multisynapse: NEST's per-port lists
            self.defaults[slot[:-3]] = [self.defaults[slot]]  # tau_syn (default [2.0]), E_rev ([0.0])
        super().__init__(**params)
        self._given = params

    def core_params(self):
        return dict(self._given)

    def __repr__(self):
        return f"Model({self.core_model!r}, {', '.join(f'{k}={v!r}' for k, v in self._given.items())})"
