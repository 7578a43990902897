"""Reading and changing a population's parameters (PyNN's Population.get/set, NEST's
GetStatus/SetStatus) and the HTML summaries Jupyter shows for networks and run results.

Values are in the cell type's units (PyNN's for the PyNN cells, NEST's for nm.Model); they are
the description's values, so a parameter given as an nm.random distribution (drawn in C++ when
the network is built) cannot be read back as numbers.
"""
import copy
import html

import numpy as np

from .errors import ConfigError
from .models import Model, SpikeSourceArray
from .random import Distribution

_WHOLE_POPULATION_ONLY = ("allow_offgrid_times",)  # population-wide flags a view cannot set


def _known(cell, name, where):
    if name not in cell.defaults:
        raise ConfigError(f"{where}: {type(cell).__name__} has no parameter {name!r} "
                          f"(known: {', '.join(sorted(cell.defaults))})")


def _trains(value, n):
    """SpikeSourceArray spike_times as one list of times per neuron."""
    if len(value) and hasattr(value[0], "__len__"):
        return [list(map(float, t)) for t in value]
    return [list(map(float, value))] * n


def get_values(pop, begin, end, names, simplify, where):
    """Population.get for neurons [begin, end) of population `pop` (see Population.get)."""
    single = isinstance(names, str)
    out = []
    for name in [names] if single else list(names):
        _known(pop.cell, name, where)
        value = pop.cell.params[name]
        if isinstance(value, Distribution):
            raise ConfigError(f"{where}: parameter {name!r} is {value!r}, drawn in C++ when the network is built; "
                              "its values are not known in Python (give numbers or arrays to read them back)")
        if isinstance(pop.cell, SpikeSourceArray) and name == "spike_times":
            trains = [np.asarray(t) for t in _trains(value, pop.size)[begin:end]]
            same = all(len(t) == len(trains[0]) and np.array_equal(t, trains[0]) for t in trains)
            out.append(trains[0] if simplify and same else trains)
            continue
        if name in _WHOLE_POPULATION_ONLY:
            out.append(value)
            continue
        arr = np.asarray(value, dtype=float)
        arr = np.full(pop.size, float(arr)) if arr.ndim == 0 else arr.copy()
        arr = arr[begin:end]
        out.append(float(arr[0]) if simplify and np.all(arr == arr[0]) else arr)
    return out[0] if single else out


def _checked(pop, name, value, n, where):
    """A new value of parameter `name` for n neurons: a number, an array of n values or a
    distribution (ConfigError otherwise, naming the parameter)."""
    if isinstance(value, Distribution) or isinstance(pop.cell, SpikeSourceArray):
        return value
    if isinstance(value, bool) or isinstance(value, str):
        raise ConfigError(f"{where}: parameter {name!r}: {value!r} is not a number, array or distribution")
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ConfigError(f"{where}: parameter {name!r}: {value!r} is not a number, array or distribution") from None
    if arr.ndim == 0:
        return float(arr)
    if arr.ndim != 1 or len(arr) != n:
        raise ConfigError(f"{where}: parameter {name!r}: {arr.size} values for {n} neurons "
                          "(give one number, or one value per neuron)")
    return arr


def refuse_while_built(pop, where):
    """set() changes the description; a run in progress keeps what it was built with."""
    if pop.network._live is not None:
        raise ConfigError(f"{where}: the network has run, and its simulation keeps the parameters it was built "
                          "with; call net.reset() first -- the next run() then builds the network again with the "
                          "new values")


def replace_params(pop, changes):
    """Gives population `pop` a copy of its cell type with `changes` (the cell type object may be
    shared with other populations, which keep their values)."""
    cell = copy.copy(pop.cell)
    cell.params = {**pop.cell.params, **changes}
    if isinstance(cell, Model):
        cell._given = {**pop.cell._given, **changes}
    pop.cell = cell
    pop.network._changed()


def set_population(pop, params, where):
    """Population.set: whole-population values, checked here."""
    refuse_while_built(pop, where)
    for name in params:
        _known(pop.cell, name, where)
    replace_params(pop, {k: _checked(pop, k, v, pop.size, where) for k, v in params.items()})


def set_view(view, params, where):
    """PopulationView.set: the view's neurons get the new values, the others keep theirs
    (parameters are per neuron in the description; distributions and population-wide flags
    cannot be split and raise ConfigError naming the parameter)."""
    pop = view.parent
    refuse_while_built(pop, where)
    changes = {}
    for name, value in params.items():
        _known(pop.cell, name, where)
        old = pop.cell.params[name]
        if name in _WHOLE_POPULATION_ONLY:
            raise ConfigError(f"{where}: parameter {name!r} applies to the whole population; "
                              f"set it on population '{pop.label}'")
        for v, whose in ((value, "the value given"), (old, f"the value of population '{pop.label}'")):
            if isinstance(v, Distribution):
                raise ConfigError(f"{where}: parameter {name!r}: {whose} is a distribution ({v!r}), which "
                                  "cannot cover only some neurons; set it on the whole population, or give numbers "
                                  "or arrays")
        if isinstance(pop.cell, SpikeSourceArray):  # spike_times: one train per neuron
            trains = _trains(old, pop.size)
            new = _trains(value, view.size)
            if len(new) != view.size:
                raise ConfigError(f"{where}: parameter 'spike_times': {len(new)} spike trains for {view.size} neurons")
            changes[name] = trains[:view.begin] + new + trains[view.end:]
            continue
        full = np.asarray(old, dtype=float)
        full = np.full(pop.size, float(full)) if full.ndim == 0 else full.copy()
        full[view.begin:view.end] = _checked(pop, name, value, view.size, where)
        changes[name] = full
    replace_params(pop, changes)


def _table(header, rows):
    head = "".join(f"<th style='text-align:left'>{html.escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td style='text-align:left'>{html.escape(str(c))}</td>" for c in row) + "</tr>"
                   for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def network_html(net):
    """Network._repr_html_: the populations and projections as tables."""
    pops = [(p.label, p.size, type(p.cell).__name__ if not isinstance(p.cell, Model) else p.cell.core_model,
             ", ".join(sorted({var for var, *_ in p._recording})) or "-") for p in net.populations]
    built = net._last_projection_count if net._last is not None else 0
    projs = []
    for k, (pre, post, conn, syn, receptor) in enumerate(net._projections):
        count = "-"
        if k < built:
            try:
                count = len(net._last.synapses(k)["pre"])
            except Exception:  # a closed simulation: the count is not available, shown as "-"
                pass
        projs.append((repr(pre) if hasattr(pre, "parent") else pre.label,
                      repr(post) if hasattr(post, "parent") else post.label,
                      repr(conn), repr(syn), receptor.replace("by_sign", "by sign"), count))
    neurons = sum(p.size for p in net.populations)
    return (f"<div><b>neuromesh.Network {html.escape(repr(net.name))}</b>: dt = {net.dt} ms, seed = {net.seed}, "
            f"{len(net.populations)} populations ({neurons} neurons), {len(net._projections)} projections"
            + _table(("population", "size", "cell type", "recorded"), pops)
            + (_table(("pre", "post", "connector", "synapse", "receptor", "synapses (last build)"), projs)
               if projs else "") + "</div>")


def result_html(result):
    """Result._repr_html_: duration, counts, rates per population and the output file."""
    s = result.summary
    recorded = s.get("recorded_neurons", {})
    rows = [(label, recorded.get(label, "-"), s.get("spikes_per_population", {}).get(label, "-"),
             f"{rate:.3f}" if recorded.get(label) else "- (not recorded)")
            for label, rate in sorted(s.get("rates_hz", {}).items())]
    facts = [("duration", f"{s.get('simulated_ms', 0.0)} ms"), ("neurons", s.get("neurons")),
             ("synapses", s.get("synapses")), ("spikes", s.get("spikes")),
             ("build / simulate", f"{s.get('build_seconds', 0.0):.3g} s / {s.get('simulate_seconds', 0.0):.3g} s"),
             ("ranks", s.get("ranks", 1)), ("output file", result.output or "none")]
    return ("<div><b>neuromesh.Result</b>" + _table(("quantity", "value"), facts)
            + _table(("population", "recorded neurons", "spikes", "rate [Hz]"), rows) + "</div>")


_PROJECTION_ATTRIBUTES = ("weight", "delay")


def _per_synapse(proj, name, value, where):
    """A Projection.set value as the description holds it: numbers and distributions as given, a
    1-D array as one value per synapse, an (n_pre, n_post) array read at each synapse's pair."""
    from .connectors import FromListConnector, OneToOneConnector
    if isinstance(value, Distribution):
        return value
    if isinstance(value, (bool, str)) or value is None:
        raise ConfigError(f"{where}: parameter {name!r}: {value!r} is not a number, array or distribution")
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ConfigError(f"{where}: parameter {name!r}: {value!r} is not a number, array or distribution") from None
    if arr.ndim == 0:
        return float(arr)
    conn = proj.network._projections[proj.index][2]
    if not isinstance(conn, (FromListConnector, OneToOneConnector)):
        raise ConfigError(f"{where}: parameter {name!r}: arrays need a connector that fixes the synapses before "
                          f"the build (OneToOne, FromList); {type(conn).__name__} draws them when the network is "
                          "built -- give a number or a distribution")
    if arr.ndim == 2:
        shape = (len(proj.pre), len(proj.post))
        if arr.shape != shape:
            raise ConfigError(f"{where}: parameter {name!r}: a {arr.shape[0]}x{arr.shape[1]} array for a "
                              f"{shape[0]}x{shape[1]} projection (give (n_pre, n_post) or one value per synapse)")
        if isinstance(conn, FromListConnector):
            pre, post = np.asarray(conn.sources, dtype=np.intp), np.asarray(conn.targets, dtype=np.intp)
            if pre.size and (pre.max() >= shape[0] or post.max() >= shape[1]):
                raise ConfigError(f"{where}: the connector's rows name neurons outside the projection")
            arr = arr[pre, post]
        else:
            arr = np.diagonal(arr).copy()
    if arr.ndim != 1:
        raise ConfigError(f"{where}: parameter {name!r}: a {arr.ndim}-dimensional array (give a number, one "
                          "value per synapse or an (n_pre, n_post) array)")
    return arr


def set_projection(proj, attributes, where):
    """Projection.set: new weights/delays in the description, checked by the core's validation
    (network.spec()); on any error the projection keeps its values."""
    net = proj.network
    if net._live is not None:
        raise ConfigError(f"{where}: the network has run, and its simulation keeps the synapses it built; call "
                          "net.reset() first -- the next run() then builds the projection with the new values")
    unknown = sorted(set(attributes) - set(_PROJECTION_ATTRIBUTES))
    if unknown:
        raise ConfigError(f"{where}: {unknown} cannot be set (known: {', '.join(_PROJECTION_ATTRIBUTES)})")
    values = {k: _per_synapse(proj, k, v, where) for k, v in attributes.items()}
    old = net._projections[proj.index]
    pre, post, conn, syn, receptor = old
    syn = copy.copy(syn)
    for name, value in values.items():
        setattr(syn, name, value)
    if hasattr(conn, "values") and any(k in conn.values for k in values):  # FromList's per-row columns
        conn = copy.copy(conn)
        conn.values = {k: v for k, v in conn.values.items() if k not in values}
    net._projections[proj.index] = (pre, post, conn, syn, receptor)
    try:
        net.spec()  # the shared validation layer: lengths, delays on the grid, sign rule, magnitudes
    except Exception as exc:
        net._projections[proj.index] = old
        if isinstance(exc, ConfigError):
            raise type(exc)(f"{where}: {exc}") from None
        raise
    net._set_since_build.add(proj.index)
    net._changed()
