"""Differential tests of neuromesh against NEST 3.10: the table of cases and the two runners.

Every case is one neuron of a model both simulators have, with NEST's default parameters (plus
the overrides the protocol names), driven for 1000 ms at dt = 0.1 ms by DC steps and/or fixed
spike trains; both runs are in double precision. What is compared, step by step:

  * spikes: the set of steps (with multiplicity) in which the neuron fires must be identical;
  * V_m at every step: max |V_nest - V_neuromesh| must be within the model's tolerance (MODELS);
    neuromesh's V_m is read in double precision through the closed-loop Simulator
    (`state()` after every `step()`), because SONATA reports are float32 even in a double run;
  * the SONATA report written by `net.run(..., precision="double")` with
    `pop.record("V_m", interval=dt)`: the same V_m within the tolerance plus one float32 ulp,
    at the same times as NEST's multimeter (which checks the report's time axis).

The table: MODELS (one row per model: weights, drive, tolerance) x PROTOCOLS (protocol builders
that turn a model row into a Case), plus the semantics cases (delays and refractory periods on
and off the grid, multiplicity, off-grid spike times, V_min). A model added later is one row of
MODELS. `cases()` lists them all; `run_case(case)` runs both simulators and compares.

Conventions of a Case (neuromesh semantics):
  * dc = [(amplitude pA, start ms, stop ms)]: the current acts on the neuron in the steps
    (start, stop], i.e. as neuromesh's dc_source acts from `start`. NEST's dc_generator acts one
    connection delay later than its `start`/`stop`, so the NEST run starts and stops it
    DC_DELAY earlier and connects it with delay DC_DELAY (see run_nest).
  * trains = [Train(times, weight, delay)]: one spike source per train, connected with a static
    synapse. Weights are NEST-style signed (negative = inhibitory); neuromesh gets NO receptor,
    so the sign must choose the receptor as in NEST.
"""
import dataclasses
import math
import os
import sys
import tempfile

os.environ.setdefault("PYNEST_QUIET", "1")  # before `import nest`: no banner

import numpy as np

DT = 0.1            # ms, both simulators
DURATION = 1000.0   # ms per case
DC_DELAY = DT       # connection delay of NEST's dc_generator (see run_nest)
EXACT_TOL = 1e-9    # mV, exactly integrated models
F32_ULP = 2.0 ** -23  # relative resolution of the float32 report
NEST_DEFAULT = "NEST's default"  # a case parameter value: NEST's default, passed explicitly to both

try:  # the caller decides what a missing NEST means (pytest: skip with the reason)
    import nest
    NEST_IMPORT_ERROR = None
except Exception as exc:  # noqa: BLE001 - any failure to import NEST is "NEST unavailable"
    nest, NEST_IMPORT_ERROR = None, f"{type(exc).__name__}: {exc}"

import neuromesh as nm  # a missing neuromesh is a failure, not a skip


def _quiet_nest():
    if hasattr(nest, "VerbosityLevel"):
        nest.verbosity = nest.VerbosityLevel.ERROR
    else:
        nest.set_verbosity("M_ERROR")


def require_nest():
    """NEST for a crosscheck test module, quietened; without it the whole module is skipped (pytest)
    with the reason -- the import boilerplate every crosscheck file shares."""
    if nest is None:
        import pytest
        pytest.skip(f"NEST is not importable ({NEST_IMPORT_ERROR}); pip install nest-simulator",
                    allow_module_level=True)
    _quiet_nest()
    return nest


def nest_version():
    return getattr(nest, "__version__", "unknown") if nest else "not installed"


# ------------------------------------------------------------------------------------------------
# The table
# ------------------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class ModelRow:
    """One neuron model both simulators have. Weights in the model's NEST unit (mV, pA or nS)."""
    name: str
    tol: float            # mV: allowed max |dV| over the whole run (spike steps must be identical)
    tol_reason: str       # why this tolerance (exact propagators, integrator, ...)
    dc: float             # pA: a DC amplitude that makes the neuron fire repeatedly
    w_sub: float          # one excitatory input well below threshold
    w_supra: float        # one excitatory input that makes the neuron fire from rest
    w_inh: float          # one inhibitory input (negative: NEST's sign convention)
    reset: dict           # parameters that make the reset visible (V_reset != E_L, ...)
    has_t_ref: bool = True
    has_V_min: bool = False


HH_TOL = 1e-5
HH_REASON = ("both: GSL's RKF45 with its step-size control (absolute tolerance 1e-3 on every component) "
             "from the same state; neuromesh's exp is the in-project one")
MODELS = [
    ModelRow("iaf_psc_delta", EXACT_TOL, "exact integration (Rotter & Diesmann 1999), as NEST",
             dc=450.0, w_sub=2.0, w_supra=20.0, w_inh=-4.0, reset={"V_reset": -62.5}, has_V_min=True),
    ModelRow("iaf_psc_exp", EXACT_TOL, "exact integration, as NEST",
             dc=450.0, w_sub=300.0, w_supra=4000.0, w_inh=-900.0, reset={"V_reset": -62.5}),
    ModelRow("iaf_psc_alpha", EXACT_TOL, "exact integration, as NEST",
             dc=450.0, w_sub=200.0, w_supra=2000.0, w_inh=-600.0, reset={"V_reset": -62.5}, has_V_min=True),
    # NEST's RKF45 keeps the local error below 1e-3 mV (its eps_abs), so that is the tolerance.
    # Measured: 1.5e-10 mV without synaptic input, <= 1.0e-4 mV with excitatory trains, 3.2e-4 mV
    # with excitatory + inhibitory trains (run with the sign rule emulated by receptor=).
    ModelRow("iaf_cond_exp", 1e-3, "neuromesh: RK4 for V, exact conductance decay; NEST: adaptive "
             "GSL RKF45 with absolute error tolerance 1e-3 mV",
             dc=400.0, w_sub=20.0, w_supra=500.0, w_inh=-60.0, reset={"V_reset": -62.5}),
    # As iaf_cond_exp, the alpha conductance pair propagated exactly, two RK4 substeps for V
    # (iaf_cond_alpha.hpp). Measured: every spike in NEST's step, max |dV| 8.2e-5 mV (trains_supra),
    # 9e-12 mV under DC alone.
    ModelRow("iaf_cond_alpha", 1e-3, "neuromesh: RK4 for V, exact alpha conductances; NEST: adaptive "
             "GSL RKF45 with absolute error tolerance 1e-3",
             dc=400.0, w_sub=10.0, w_supra=300.0, w_inh=-30.0, reset={"V_reset": -62.5}),
    # Hodgkin-Huxley: both integrate with GSL's RKF45 and control (absolute tolerance 1e-3) from
    # the same state, neuromesh with the in-project exp (rkf45.hpp: gsl_try). Measured: every
    # spike in NEST's step; max |dV| 1.1e-10 mV (hh_psc_alpha, 5.5e-9 under 200 Hz input) and
    # 7.6e-7 mV (hh_cond_exp_traub) -- the exp's last bits, through the step-size choice.
    ModelRow("hh_psc_alpha", HH_TOL, HH_REASON,
             dc=800.0, w_sub=200.0, w_supra=3000.0, w_inh=-200.0, reset={"E_K": -80.0}),
    ModelRow("hh_cond_exp_traub", HH_TOL, HH_REASON,
             dc=200.0, w_sub=2.0, w_supra=50.0, w_inh=-20.0, reset={"E_K": -85.0}),
    # Measured: bit-identical (max |dV| = 0).
    ModelRow("izhikevich", EXACT_TOL, "forward Euler in NEST's operation order: bit-identical",
             dc=10.0, w_sub=3.0, w_supra=40.0, w_inh=-9.0, reset={"c": -55.0, "d": 4.0},
             has_t_ref=False, has_V_min=True),
    # neuromesh ports NEST's GSL RKF45 with its step-size control below V_th + 3 Delta_T and
    # integrates the upswing in u = exp(-(V - V_th)/Delta_T) (aeif_cond_exp.hpp). Measured: every
    # spike in NEST's step in every case; max |dV| <= 1e-13 mV without spikes, <= 1e-2 mV with
    # them, 0.16 mV at a step that ends in the upswing (V rising by mV per us, where a crossing
    # time 1e-6 ms apart is 0.1 mV; 0.12 before the upswing's step control of 2026-12-06) -- the
    # tolerance is 0.2 mV.
    ModelRow("aeif_cond_exp", 0.2, "both: RKF45 with GSL's step-size control, gsl_error_tol 1e-6; "
             "neuromesh integrates the upswing (V >= V_th + 3 Delta_T) in u = exp(-(V - V_th)/Delta_T)",
             dc=800.0, w_sub=20.0, w_supra=1000.0, w_inh=-60.0, reset={"V_reset": -55.0, "b": 40.0}),
    # The same integrator on (V, w, g_ex, g_in, dg_ex, dg_in) (aeif_cond_alpha.hpp); measured as
    # aeif_cond_exp: every spike in NEST's step, max |dV| 0.16 mV (in the upswing), else <= 1e-2.
    ModelRow("aeif_cond_alpha", 0.2, "both: RKF45 with GSL's step-size control, gsl_error_tol 1e-6; "
             "neuromesh integrates the upswing (V >= V_th + 3 Delta_T) in u = exp(-(V - V_th)/Delta_T)",
             dc=800.0, w_sub=10.0, w_supra=500.0, w_inh=-30.0, reset={"V_reset": -55.0, "b": 40.0}),
]
MODEL_BY_NAME = {m.name: m for m in MODELS}


@dataclasses.dataclass(frozen=True)
class Train:
    """A fixed spike train from one source (NEST spike_generator / neuromesh spike_source_array)."""
    times: tuple
    weight: float
    delay: float
    offgrid: bool = False  # NEST's allow_offgrid_times (times rounded UP to the grid)


@dataclasses.dataclass(frozen=True)
class Case:
    model: ModelRow
    protocol: str
    params: dict = dataclasses.field(default_factory=dict)  # overrides of NEST's defaults
    dc: tuple = ()        # ((amplitude pA, start, stop), ...) acting in (start, stop]
    trains: tuple = ()
    duration: float = DURATION
    note: str = ""        # what the case is about (shown in the report)

    @property
    def id(self):
        return f"{self.model.name}-{self.protocol}"

    @property
    def tol(self):
        return self.model.tol


def _grid_times(rate_hz, seed, t0=5.0, t1=DURATION - 5.0):
    """A fixed Poisson-like train on the grid (seeded; the same on every machine)."""
    rng = np.random.default_rng(seed)
    n = rng.poisson(rate_hz * (t1 - t0) / 1000.0)
    steps = np.sort(rng.integers(int(round(t0 / DT)), int(round(t1 / DT)), size=n))
    return tuple(float(s) / 10.0 for s in steps)  # s * 0.1 written as s / 10: the nearest double


SUPRA_TIMES = (150.0, 400.0, 401.0, 650.5, 900.0)  # 400/401: the second input in refractoriness


def _dc_step(m):
    return Case(m, "dc_step", dc=((m.dc, 100.0, 600.0), (0.5 * m.dc, 650.0, 900.0)),
                note="DC on at 100 ms (fires), off at 600; half amplitude 650-900 ms")


def _trains(m, supra):
    trains = [Train(_grid_times(40.0, 1), m.w_sub, 1.0),
              Train(_grid_times(25.0, 2), m.w_inh, 2.3)]
    if supra:
        trains.append(Train(SUPRA_TIMES, m.w_supra, 1.5))
    return trains


def _trains_sub(m):
    return Case(m, "trains_sub", trains=tuple(_trains(m, False)),
                note="exc. (delay 1.0) and inh. (2.3) sub-threshold trains, signed weights")


def _trains_supra(m):
    return Case(m, "trains_supra", trains=tuple(_trains(m, True)),
                note="as trains_sub plus supra-threshold inputs (delay 1.5)")


OFFGRID_DELAYS = (0.15, 0.35, 1.45, 2.05)  # NEST: half up -> 2, 4, 15, 21 steps


def _delays(m):
    trains = tuple(Train(tuple(10.0 + 240.0 * j + 40.0 * i for i in range(5)), m.w_sub * (1 + 0.25 * j), d)
                   for j, d in enumerate(OFFGRID_DELAYS))
    return Case(m, "delays_offgrid", trains=trains,
                note="delays 0.15/0.35/1.45/2.05 ms: NEST rounds half up (2/4/15/21 steps)")


def _multiplicity(m):
    # Excitatory only, so that this case does not depend on the sign rule.
    times = (20.0, 20.0, 300.0, 300.0, 300.0, 600.0)
    return Case(m, "multiplicity", trains=(Train(times, m.w_sub, 1.0), Train((300.0, 300.0, 800.0), m.w_sub, 2.0)),
                note="a time given 2 or 3 times in one source counts 2 or 3 times")


OFFGRID_TIMES = (10.03, 100.05, 250.099, 250.1, 500.0, 700.001)  # NEST: rounded UP to the grid


def _offgrid_times(m):
    return Case(m, "offgrid_spike_times", trains=(Train(OFFGRID_TIMES, m.w_sub, 1.0, offgrid=True),),
                note="allow_offgrid_times: 10.03 -> 10.1, 250.099 -> 250.1 (+ the on-grid 250.1)")


def _reset(m):
    return Case(m, "reset", params=dict(m.reset), dc=((m.dc, 100.0, 600.0),),
                note="reset values after a spike: " + ", ".join(f"{k}={v}" for k, v in m.reset.items()))


T_REFS = (2.0, 2.04, 2.05, 2.15)  # NEST: ceil of the tics -> 20, 21, 21, 22 steps


def _t_ref(m, t_ref):
    # Strong drive (short ISIs, refractoriness matters) and input arriving during refractoriness.
    return Case(m, f"t_ref={t_ref}", params={"t_ref": t_ref, "I_e": 2.0 * m.dc},
                trains=(Train(_grid_times(200.0, 3), m.w_sub, 1.0),),
                note=f"refractory period {t_ref} ms -> {math.ceil(round(t_ref * 1000) / 100)} steps (NEST: ceil)")


def _v_min(m, v_min):
    # Strong inhibition drives V far below rest; with NEST's default V_min (-inf for
    # iaf_psc_alpha, -DBL_MAX for iaf_psc_delta and izhikevich) nothing bounds it. The default is
    # passed to neuromesh explicitly (the other cases leave non-finite defaults out).
    params = {"V_min": NEST_DEFAULT if v_min is None else v_min}
    return Case(m, "V_min=default" if v_min is None else f"V_min={v_min}", params=params,
                trains=(Train(_grid_times(100.0, 4), 10.0 * m.w_inh, 1.0),
                        Train(SUPRA_TIMES, m.w_supra, 1.0)),
                note="NEST's default lower bound (-inf / -DBL_MAX)" if v_min is None else "a finite lower bound")


# Protocols every model gets: (a) DC step, (b) spike trains, and the semantics cases.
PROTOCOLS = [_dc_step, _trains_sub, _trains_supra, _delays, _multiplicity, _offgrid_times, _reset]


def cases():
    out = []
    for m in MODELS:
        out += [p(m) for p in PROTOCOLS]
        if m.has_t_ref:
            out += [_t_ref(m, t) for t in T_REFS]
        if m.has_V_min:
            out += [_v_min(m, None), _v_min(m, -80.0)]
    return out


# ------------------------------------------------------------------------------------------------
# Parameters: NEST's defaults, passed explicitly to neuromesh
# ------------------------------------------------------------------------------------------------
STATE_NAMES = ("V_m", "U_m", "w", "g_ex", "g_in", "Act_m", "Inact_h", "Act_n")  # NEST state entries neuromesh can set initially
_nest_defaults_cache = {}


def nest_defaults(model):
    """NEST's numeric defaults of a model (parameters and initial state)."""
    if model not in _nest_defaults_cache:
        d = nest.GetDefaults(model)
        _nest_defaults_cache[model] = {k: float(v) for k, v in d.items()
                                       if isinstance(v, (int, float)) and not isinstance(v, bool)}
    return _nest_defaults_cache[model]


def nm_model_info(model):
    return nm._core.models()[model]


def case_params(case):
    """The case's parameter overrides, NEST_DEFAULT resolved to NEST's value."""
    nd = nest_defaults(case.model.name)
    return {k: nd[k] if v is NEST_DEFAULT else v for k, v in case.params.items()}


def neuromesh_params(case):
    """NEST's defaults for every parameter neuromesh's model has, plus the case's overrides (an
    override neuromesh does not know is passed on, so that neuromesh names it in its error).
    Non-finite defaults (iaf_psc_alpha's V_min = -inf) are left to neuromesh's own default
    (test_defaults checks it is NEST's), unless the case names them."""
    known = nm_model_info(case.model.name)["parameters"]
    nd = nest_defaults(case.model.name)
    params = {k: nd[k] for k in known if k in nd and math.isfinite(nd[k])}
    params.update(case_params(case))
    return params


def neuromesh_initial(case):
    nd = nest_defaults(case.model.name)
    state = nm_model_info(case.model.name)["state"]
    return {k: nd[k] for k in STATE_NAMES if k in state and k in nd}


# ------------------------------------------------------------------------------------------------
# Runners
# ------------------------------------------------------------------------------------------------
@dataclasses.dataclass
class Trace:
    steps: np.ndarray        # int: the step count at which V was sampled (V after that many steps)
    v: np.ndarray            # float64 mV
    spike_steps: np.ndarray  # int, sorted: a spike stamped t is fired in step round(t / dt)


def _steps(times_ms):
    return np.rint(np.asarray(times_ms, dtype=float) / DT).astype(np.int64)


def run_nest(case):
    nest.ResetKernel()
    _quiet_nest()
    nest.resolution = DT
    nest.local_num_threads = 1
    neuron = nest.Create(case.model.name, params=case_params(case))
    for amplitude, start, stop in case.dc:
        # ALIGNMENT: NEST's dc_generator acts one connection delay after its `start` (and stops
        # one delay after `stop`), neuromesh's dc_source acts at `start`. Connected with delay
        # DC_DELAY and started/stopped DC_DELAY earlier, NEST's current acts in the same steps
        # (start, stop] as neuromesh's dc_source(start, stop).
        gen = nest.Create("dc_generator", params={"amplitude": amplitude, "start": start - DC_DELAY,
                                                   "stop": stop - DC_DELAY})
        nest.Connect(gen, neuron, syn_spec={"delay": DC_DELAY})
    for train in case.trains:
        gen = nest.Create("spike_generator", params={"spike_times": list(train.times),
                                                      "allow_offgrid_times": train.offgrid})
        nest.Connect(gen, neuron, syn_spec={"weight": train.weight, "delay": train.delay})
    meter = nest.Create("multimeter", params={"interval": DT, "record_from": ["V_m"]})
    recorder = nest.Create("spike_recorder")
    nest.Connect(meter, neuron)
    nest.Connect(neuron, recorder)
    # The multimeter's last samples reach it a little after they are taken: simulate two steps
    # more than the case and keep what lies within it.
    nest.Simulate(case.duration + 2 * DT)
    events = meter.get("events")
    steps = _steps(events["times"])
    keep = steps <= _steps(case.duration)
    spikes = np.sort(_steps(recorder.get("events")["times"]))
    return Trace(steps[keep], np.asarray(events["V_m"], dtype=float)[keep], spikes[spikes <= _steps(case.duration)])


def build_neuromesh(case):
    net = nm.Network(dt=DT, seed=1)
    cell = nm.Model(case.model.name, **neuromesh_params(case))
    neuron = net.population(1, cell, label="neuron", initial=neuromesh_initial(case))
    for amplitude, start, stop in case.dc:
        nm.DCSource(amplitude / 1000.0, start, stop).inject_into(neuron)  # nA, acts from start
    for k, train in enumerate(case.trains):
        if train.offgrid:
            # EXPECTED API (being built): the spike_source_array's allow_offgrid_times flag, as
            # NEST's spike_generator (core: population.allow_offgrid_times); until the Python
            # layer takes it, SpikeSourceArray rejects the keyword and the case fails.
            source = nm.SpikeSourceArray(spike_times=list(train.times), allow_offgrid_times=True)
        else:
            source = nm.SpikeSourceArray(spike_times=list(train.times))
        pre = net.population(1, source, label=f"source{k}")
        # No receptor: the sign of the weight chooses it, as in NEST (the rule being made).
        net.connect(pre, neuron, nm.OneToOne(), nm.StaticSynapse(weight=train.weight, delay=train.delay))
    return net, neuron


def run_neuromesh(case):
    """(Trace from the closed-loop simulator in double precision, report Trace from net.run)."""
    net, neuron = build_neuromesh(case)
    sim = net.simulator(precision="double", threads=1)
    n = int(_steps(case.duration))
    v = np.empty(n + 1)
    spikes = []
    v[0] = sim.state(neuron, "V_m", [0])[0]
    for s in range(1, n + 1):
        sim.step()
        v[s] = sim.state(neuron, "V_m", [0])[0]
        spikes += [s] * len(sim.last_spikes(neuron))
    sim.close()
    stepped = Trace(np.arange(n + 1), v, np.asarray(spikes, dtype=np.int64))

    net, neuron = build_neuromesh(case)
    neuron.record("V_m", interval=DT)
    neuron.record("spikes")
    with tempfile.TemporaryDirectory(prefix="crosscheck-") as tmp:
        out = os.path.join(tmp, "run.h5")
        net.run(case.duration, threads=1, precision="double", output=out)
        ids, times = neuron.spikes
        reports = nm.analysis.read_reports(out)
    rep = [r for r in reports.values() if r.population == "neuron" and r.variable == "V_m"]
    if len(rep) != 1:
        raise AssertionError(f"expected one V_m report of 'neuron' in the output, found {sorted(reports)}")
    rep = rep[0]
    reported = Trace(_steps(rep.times), np.asarray(rep.data[:, 0], dtype=float), np.sort(_steps(times)))
    return stepped, reported


# ------------------------------------------------------------------------------------------------
# Comparison
# ------------------------------------------------------------------------------------------------
@dataclasses.dataclass
class Outcome:
    case: Case
    nest_spikes: np.ndarray = None
    nm_spikes: np.ndarray = None
    matched: int = 0
    max_dv: float = math.nan          # closed-loop double V vs NEST
    worst_step: int = -1
    max_dv_report: float = math.nan   # float32 report vs NEST, minus the float32 rounding allowance
    report_steps_ok: bool = False
    stepped_spikes_equal: bool = False
    compared: int = 0
    error: str = None                 # neuromesh (or NEST) refused the case

    @property
    def spikes_equal(self):
        return self.error is None and np.array_equal(self.nest_spikes, self.nm_spikes)

    @property
    def spike_ratio(self):
        if self.error is not None:
            return "-"
        return f"{self.matched}/{max(len(self.nest_spikes), len(self.nm_spikes))}"

    def failures(self):
        """What differs from NEST, in words ([] when the case passes)."""
        if self.error is not None:
            return [f"neuromesh refused the case ({self.error})"]
        out = []
        if not self.spikes_equal:
            out.append(f"spike steps differ (NEST {len(self.nest_spikes)} spikes, neuromesh {len(self.nm_spikes)}, "
                       f"{self.matched} in the same step; first difference: {self.first_spike_difference()})")
        if not self.stepped_spikes_equal:
            out.append("the closed-loop simulator's spikes differ from net.run's")
        if not self.max_dv <= self.case.tol:
            out.append(f"max|dV| {self.max_dv:.3g} mV > {self.case.tol:g} mV (step {self.worst_step})")
        if not self.report_steps_ok:
            out.append("the V_m report's time axis differs from NEST's multimeter")
        elif not self.max_dv_report <= self.case.tol:
            out.append(f"the V_m report differs by {self.max_dv_report:.3g} mV beyond float32 rounding")
        return out

    @property
    def passed(self):
        return not self.failures()

    def first_spike_difference(self):
        a, b = list(self.nest_spikes), list(self.nm_spikes)
        for i in range(max(len(a), len(b))):
            x = a[i] if i < len(a) else None
            y = b[i] if i < len(b) else None
            if x != y:
                return f"spike #{i}: NEST step {x}, neuromesh step {y}"
        return "none"

    def describe(self):
        if self.error is not None:
            return f"{self.case.id}: neuromesh refused the case: {self.error}"
        return (f"{self.case.id}: spikes NEST {len(self.nest_spikes)}, neuromesh {len(self.nm_spikes)}, "
                f"matched {self.spike_ratio} (first difference: {self.first_spike_difference()}); "
                f"max|dV| {self.max_dv:.3g} mV at step {self.worst_step} (tolerance {self.case.tol:g}); "
                f"report max|dV| {self.max_dv_report:.3g} mV beyond float32 rounding, time axis "
                f"{'as NEST' if self.report_steps_ok else 'DIFFERENT'}; closed-loop spikes "
                f"{'=' if self.stepped_spikes_equal else '!='} net.run spikes; {self.compared} steps compared")


def _matched(a, b):
    """Spikes fired in the same step by both (a multiset intersection)."""
    va, ca = np.unique(a, return_counts=True)
    vb, cb = np.unique(b, return_counts=True)
    common, ia, ib = np.intersect1d(va, vb, return_indices=True)
    return int(np.minimum(ca[ia], cb[ib]).sum())


def run_case(case):
    out = Outcome(case)
    ref = run_nest(case)
    out.nest_spikes = ref.spike_steps
    try:
        stepped, reported = run_neuromesh(case)
    except nm.ConfigError as exc:
        out.error = f"{type(exc).__name__}: {exc}"
        return out
    out.nm_spikes = reported.spike_steps
    out.stepped_spikes_equal = np.array_equal(stepped.spike_steps, reported.spike_steps)
    out.matched = _matched(ref.spike_steps, reported.spike_steps)

    # V after step s: NEST's multimeter sample stamped s*dt, neuromesh's state after s steps.
    common, i_ref, i_nm = np.intersect1d(ref.steps, stepped.steps, return_indices=True)
    out.compared = int(common.size)
    dv = np.abs(ref.v[i_ref] - stepped.v[i_nm])
    out.worst_step = int(common[np.argmax(dv)]) if dv.size else -1
    out.max_dv = float(dv.max()) if dv.size else math.inf
    if out.compared < _steps(case.duration) - 2:
        out.max_dv = math.inf  # a sample missing on one side is a failure

    # The report's frame stamped t holds V after round(t/dt) steps, like NEST's multimeter.
    common_r, j_ref, j_nm = np.intersect1d(ref.steps, reported.steps, return_indices=True)
    out.report_steps_ok = common_r.size >= _steps(case.duration) - 2
    allowance = F32_ULP * np.abs(ref.v[j_ref])
    excess = np.abs(ref.v[j_ref] - reported.v[j_nm]) - allowance
    out.max_dv_report = float(max(excess.max(), 0.0)) if excess.size else math.inf
    return out


# ------------------------------------------------------------------------------------------------
# Defaults: neuromesh's parameter and initial-state defaults against NEST's
# ------------------------------------------------------------------------------------------------
def _same(a, b):
    unbounded = -1e300
    if a <= unbounded and b <= unbounded:  # -inf and NEST's -DBL_MAX: both "no lower bound"
        return True
    return a == b or abs(a - b) <= 1e-12 * max(abs(a), abs(b))


def default_mismatches(model):
    """[(name, neuromesh value, NEST value)] for parameters and initial state that differ, and
    neuromesh parameters NEST's model does not have."""
    info = nm_model_info(model)
    nd = nest_defaults(model)
    out = []
    for name, spec in info["parameters"].items():
        if name not in nd:
            out.append((name, spec[0], "not a NEST parameter"))
        elif not _same(spec[0], nd[name]):
            out.append((name, spec[0], nd[name]))
    net = nm.Network(dt=DT)
    pop = net.population(1, nm.Model(model), label="neuron")
    sim = net.simulator(precision="double", threads=1)
    for name in STATE_NAMES:
        if name in info["state"] and name in nd:
            value = float(sim.state(pop, name, [0])[0])
            if not _same(value, nd[name]):
                out.append((f"initial {name}", value, nd[name]))
    sim.close()
    return out


def main():  # a quick look from the command line: python3 crosscheck_table.py [case-id substring]
    if nest is None:
        sys.exit(f"NEST is not available: {NEST_IMPORT_ERROR}")
    pattern = sys.argv[1] if len(sys.argv) > 1 else ""
    for case in cases():
        if pattern in case.id:
            out = run_case(case)
            print(("PASS " if out.passed else "FAIL ") + out.describe())


if __name__ == "__main__":
    main()
