"""SONATA circuits in and out (docs/network-format.md § SONATA).

    net = neuromesh.sonata.read("circuit_config.json")   # or a simulation config / bmtk config.json
    result = net.run(net.sonata.tstop)

The reader lives here, in Python, and serves both the Python API and the installed `neuromesh`
command (`neuromesh run circuit_config.json` is routed here by neuromesh/cli.py): SONATA's
circuit description is JSON + space-separated CSV + JSON parameter files + HDF5, which h5py and
the Python Network already handle, and the result is an ordinary `Network` a user can still
record from or extend before running. Edge files are read per dataset into numpy arrays (never
Python lists) and handed to the core's explicit connector.

What is read, as NEST 3.10's `SonataNetwork` does: point-neuron node types with
model_template "nest:<model>" and a dynamics_params JSON file (components.point_neuron_models_dir);
row number = node_id; virtual nodes become spike sources fed from the SONATA spikes file of the
"inputs" entry whose node_set names their population (off-grid times rounded up, as NEST's
spike_train_injector); syn_weight and delay per edge from the edge file's group, else from the
edge-types CSV; the synapse model from the edge type's model_template (static_synapse, or a
plastic NEST synapse with its dynamics_params). Weights and parameters are NEST's units.
"""
import csv
import json
import os
import re

import numpy as np

from .connectors import Connector, FromListConnector
from .errors import ConfigError
from .models import Model, SpikeSourceArray
from .synapses import BY_NEST_NAME, StaticSynapse

_POINT = ("point_neuron", "point_process")
# sonata.read streams an edge population (SonataEdges) from this many edges on, by default.
STREAM_EDGES = 1_000_000
_CHUNK = 1 << 20  # edges per read of the streamed path's scan


class SonataError(ConfigError):
    """A SONATA circuit that cannot be read as it is; the message names the file and key."""


class EdgeArrays(FromListConnector):
    """An explicit edge list held as numpy arrays (sources, targets, and per-edge "weight" /
    "delay"), as read from a SONATA edge file: the core's `explicit` connector without building
    Python lists."""

    def __init__(self, sources, targets, weight=None, delay=None):
        super().__init__([])
        self.sources = np.ascontiguousarray(sources, dtype=np.uint32)
        self.targets = np.ascontiguousarray(targets, dtype=np.uint32)
        self.values = {k: np.ascontiguousarray(v, dtype=np.float64)
                       for k, v in (("weight", weight), ("delay", delay)) if v is not None}

    def __repr__(self):
        return f"EdgeArrays({len(self.sources)} edges)"


class SonataEdges(Connector):
    """The core's `sonata` connector: the edges of one SONATA edge population, read by each shard
    at build time for the targets it owns (docs/network-format.md, "Streamed SONATA edges") --
    the edge list is never held in memory, here or in the core. Node ids minus source_first /
    target_first are the pre / post indices; edges outside the two populations, of types not in
    edge_types, or whose weight has the other sign (sign +1: >= 0, -1: < 0) are left to other
    projections. type_weight / type_delay: per edge type, the value used where the file has no
    syn_weight / delay column (NaN: none). The synapse's weight is a factor of |syn_weight|.
    `count`: the number of edges this connector yields (a size hint)."""

    kind = "sonata"

    def __init__(self, file, population, source_nodes, target_nodes, source_first=0, target_first=0,
                 edge_types=(), type_weight=(), type_delay=(), sign=0, count=0, chunk=1 << 20):
        super().__init__()
        self.count = int(count)
        self.sonata = dict(file=str(file), population=str(population), source_first=int(source_first),
                           target_first=int(target_first), source_nodes=int(source_nodes),
                           target_nodes=int(target_nodes), edge_types=[int(t) for t in edge_types],
                           type_weight=[float(x) for x in type_weight], type_delay=[float(x) for x in type_delay],
                           sign=int(sign), chunk=int(chunk))

    def core_args(self):
        return {**super().core_args(), "n": self.count, "sonata": self.sonata}

    def __repr__(self):
        e = self.sonata
        return (f"SonataEdges({e['file']!r}, {e['population']!r}, types {e['edge_types']}, sign {e['sign']}, "
                f"{self.count} edges)")


class CircuitInfo:
    """What the reader found besides the network: run settings and where each SONATA
    population went (`populations[name]` = list of (neuromesh label, node ids))."""

    def __init__(self, config_path, conf):
        self.config_path, self.config = config_path, conf
        run = conf.get("run", {})
        self.tstop = float(run["tstop"]) if "tstop" in run else None
        self.dt = float(run["dt"]) if "dt" in run else None
        out = conf.get("output", {})
        self.output = os.path.join(out.get("output_dir", "."), out.get("spikes_file", "spikes.h5")) if out else None
        self.populations = {}

    def spikes(self, result, population):
        """(SONATA node ids, times [ms]) of a SONATA population in a run's Result, gathered from
        the neuromesh populations it became (one per model)."""
        if population not in self.populations:
            raise ConfigError(f"{self.config_path}: no node population {population!r} "
                              f"(populations: {', '.join(self.populations)})")
        ids, times = [], []
        for label, rows in self.populations[population]:
            local, t = result.spikes(label)
            ids.append(np.asarray(rows)[np.asarray(local, dtype=np.int64)])
            times.append(np.asarray(t))
        return np.concatenate(ids), np.concatenate(times)

    def __repr__(self):
        return f"CircuitInfo({self.config_path!r}, tstop={self.tstop}, populations={list(self.populations)})"


# ---------------------------------------------------------------- config files

def _load_json(path, what):
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        raise SonataError(f"{what}: file {path!r} not found") from None
    except json.JSONDecodeError as e:
        raise SonataError(f"{path}: not valid JSON: {e}") from None


def _substitute(conf, base_dir, path):
    """Manifest substitution ($VAR or ${VAR} in any string; manifest entries may use each other;
    $BASE_DIR defaults to the config's directory); relative paths are relative to the config's
    directory, as NEST's SonataNetwork takes them."""
    # bmtk's built-ins: ${configdir} (the config's folder), ${workingdir}, ${configfname}
    manifest = {"BASE_DIR": base_dir, "configdir": base_dir, "workingdir": os.getcwd(),
                "configfname": os.path.basename(path)}
    raw = conf.get("manifest", {})
    if not isinstance(raw, dict):
        raise SonataError(f"{path}: manifest must be an object of \"$NAME\": \"path\"")
    pending = {k.lstrip("$"): str(v) for k, v in raw.items()}
    for _ in range(len(pending) + 1):
        for k, v in list(pending.items()):
            refs = re.findall(r"\$\{?(\w+)\}?", v)
            if all(r in manifest for r in refs):
                manifest[k] = _expand(v, manifest)
                del pending[k]
    if pending:
        raise SonataError(f"{path}: manifest entries {sorted(pending)} refer to undefined or circular variables")

    def walk(obj, where):
        if isinstance(obj, dict):
            return {k: walk(v, f"{where}.{k}") for k, v in obj.items() if k != "manifest"}
        if isinstance(obj, list):
            return [walk(v, f"{where}[{i}]") for i, v in enumerate(obj)]
        if isinstance(obj, str) and "$" in obj:
            for r in re.findall(r"\$\{?(\w+)\}?", obj):
                if r not in manifest:
                    raise SonataError(f"{path}: {where}: ${r} is not defined in the manifest")
            return _expand(obj, manifest)
        return obj
    return walk(conf, "")


def _expand(s, manifest):
    return re.sub(r"\$\{?(\w+)\}?", lambda m: manifest[m.group(1)], s)


def load_config(path):
    """The merged configuration: a circuit config, a simulation config naming its circuit
    ("network"), or bmtk's config.json naming both ("network", "simulation"); paths made
    absolute."""
    path = os.path.abspath(str(path))
    conf = _substitute(_load_json(path, "SONATA config"), os.path.dirname(path), path)
    merged = {}
    for key in ("network", "simulation"):
        sub = conf.get(key)
        if isinstance(sub, str):
            merged.update(load_config(_abs(sub, path)))
    merged.update({k: v for k, v in conf.items() if not (k in ("network", "simulation") and isinstance(v, str))})
    merged.setdefault("_paths", []).append(path)
    merged["_base"] = {**merged.get("_base", {}), **{k: path for k in conf}}
    return merged


def _abs(p, config_path):
    return p if os.path.isabs(p) else os.path.normpath(os.path.join(os.path.dirname(config_path), p))


def _file(conf, value, key):
    """A path from the config (key names where it came from), absolute, existing."""
    if not isinstance(value, str):
        raise SonataError(f"{conf['_paths'][-1]}: {key} must be a file name, not {value!r}")
    top = key.split(".")[0].split("[")[0]
    path = _abs(value, conf["_base"].get(top, conf["_paths"][-1]))
    if not os.path.exists(path):
        raise SonataError(f"{conf['_base'].get(top, conf['_paths'][-1])}: {key}: file {path!r} not found")
    return path


def read_types_csv(path, id_column):
    """A node/edge types CSV (columns separated by one or more spaces, quoted values allowed):
    {type_id: {column: value}}; numbers converted, NULL / empty left out."""
    with open(path, newline="") as f:
        rows = [r for r in csv.reader(f, delimiter=" ", skipinitialspace=True) if r and any(c.strip() for c in r)]
    if not rows:
        raise SonataError(f"{path}: empty types file")
    header = [h for h in rows[0] if h != ""]
    if id_column not in header:
        raise SonataError(f"{path}: no '{id_column}' column (columns: {', '.join(header)})")
    out = {}
    for line, row in enumerate(rows[1:], start=2):
        row = [c for c in row if c != ""]
        if len(row) != len(header):
            raise SonataError(f"{path}: line {line} has {len(row)} values for {len(header)} columns")
        rec = {h: _scalar(v) for h, v in zip(header, row) if v not in ("NULL", "NONE", "None", "")}
        tid = rec.get(id_column)
        if not isinstance(tid, int):
            raise SonataError(f"{path}: line {line}: {id_column} {row[header.index(id_column)]!r} is not an integer")
        if tid in out:
            raise SonataError(f"{path}: line {line}: {id_column} {tid} appears twice")
        out[tid] = rec
    return out


def _scalar(v):
    for kind in (int, float):
        try:
            return kind(v)
        except ValueError:
            pass
    return v


# ---------------------------------------------------------------- nodes

def _dynamics(conf, rec, csv_path, type_id, components_key):
    """A type's dynamics_params: a JSON file in components.<components_key>, or an inline dict."""
    dyn = rec.get("dynamics_params")
    if dyn is None:
        return {}
    if isinstance(dyn, str) and dyn.strip().startswith("{"):
        return json.loads(dyn)
    comps = conf.get("components", {})
    where = f"{csv_path}: type {type_id}: dynamics_params {dyn!r}"
    if components_key not in comps:
        raise SonataError(f"{where}: the config has no components.{components_key} to find it in")
    path = os.path.join(_abs(comps[components_key], conf["_base"].get("components", conf["_paths"][-1])), str(dyn))
    params = _load_json(path, where)
    if not isinstance(params, dict):
        raise SonataError(f"{path}: dynamics_params must be a JSON object of parameter: value")
    return params


def _node_model(rec, csv_path, type_id):
    model_type = rec.get("model_type")
    if model_type is None:
        raise SonataError(f"{csv_path}: node type {type_id}: no model_type")
    if model_type == "virtual":
        return "virtual"
    if model_type not in _POINT:
        raise SonataError(f"{csv_path}: node type {type_id}: model_type {model_type!r} is not supported "
                          f"(neuromesh simulates point neurons: {', '.join(_POINT)} or virtual)")
    template = rec.get("model_template")
    if not isinstance(template, str) or ":" not in template:
        raise SonataError(f"{csv_path}: node type {type_id}: model_template {template!r} must be 'nest:<model>'")
    schema, name = template.split(":", 1)
    from . import _core
    if schema != "nest" or name not in _core.models() or name == "spike_source_array":
        known = ", ".join(f"nest:{m}" for m in sorted(_core.models()) if m != "spike_source_array")
        raise SonataError(f"{csv_path}: node type {type_id}: model_template {template!r} is not a neuromesh "
                          f"model (known: {known})")
    return name


def _read_node_population(conf, h5pop, pop_name, nodes_path, types, types_path):
    """node_type_id per node (row = node_id) and per-node dynamics_params overrides."""
    for key in ("node_type_id",):
        if key not in h5pop:
            raise SonataError(f"{nodes_path}: /nodes/{pop_name}/{key} is missing")
    type_ids = np.asarray(h5pop["node_type_id"][()], dtype=np.int64)
    n = len(type_ids)
    if "node_id" in h5pop:
        node_id = np.asarray(h5pop["node_id"][()], dtype=np.int64)
        if not np.array_equal(node_id, np.arange(n)):
            raise SonataError(f"{nodes_path}: /nodes/{pop_name}/node_id is not 0..{n - 1} in order "
                              "(neuromesh, like NEST, takes the row number as the node id)")
    unknown = sorted(set(np.unique(type_ids).tolist()) - set(types))
    if unknown:
        raise SonataError(f"{nodes_path}: /nodes/{pop_name}/node_type_id: type(s) {unknown} are not in {types_path}")
    overrides = {}
    groups = [k for k in h5pop if k.isdigit()]
    if groups:
        gid = np.asarray(h5pop["node_group_id"][()]) if "node_group_id" in h5pop else np.zeros(n, dtype=np.int64)
        gidx = np.asarray(h5pop["node_group_index"][()]) if "node_group_index" in h5pop else np.arange(n)
        for g in groups:
            dyn = h5pop[g].get("dynamics_params")
            if dyn is None:
                continue
            rows = np.flatnonzero(gid == int(g))
            for param in dyn:
                values = overrides.setdefault(param, np.full(n, np.nan))
                values[rows] = np.asarray(dyn[param][()], dtype=float)[gidx[rows]]
    return type_ids, overrides


def _spike_inputs(conf, pop_name, n):
    """Spike trains for a virtual population from the "inputs" entry whose node_set is it."""
    for name, inp in conf.get("inputs", {}).items():
        node_set = inp.get("node_set")
        if isinstance(node_set, dict):
            node_set = node_set.get("population")
        if node_set != pop_name:
            continue
        where = f"inputs.{name}"
        if inp.get("input_type", "spikes") != "spikes":
            raise SonataError(f"{conf['_paths'][-1]}: {where}.input_type {inp.get('input_type')!r}: only 'spikes' "
                              "inputs are supported")
        path = _file(conf, inp.get("input_file"), f"{where}.input_file")
        ids, times = read_spikes_file(path, pop_name)
        if len(ids) and (ids.min() < 0 or ids.max() >= n):
            raise SonataError(f"{path}: spikes of population {pop_name!r}: node id {int(ids.max())} outside "
                              f"the population's {n} nodes")
        if len(times) and times.min() <= 0.0:
            raise SonataError(f"{path}: spikes of population {pop_name!r}: time {float(times.min())} ms; input "
                              "spikes must come after t = 0")
        order = np.lexsort((times, ids))
        ids, times = ids[order], times[order]
        bounds = np.searchsorted(ids, np.arange(n + 1))
        return [times[bounds[i]:bounds[i + 1]].tolist() for i in range(n)]
    raise SonataError(f"{conf['_paths'][-1]}: virtual population {pop_name!r} has no spike input: add an entry "
                      f"to \"inputs\" with \"node_set\": \"{pop_name}\" and an \"input_file\"")


def read_spikes_file(path, population=None):
    """(node_ids, timestamps [ms]) from a SONATA spikes file: /spikes/<pop>/{node_ids|gids,
    timestamps} or the flat legacy /spikes/{gids|node_ids, timestamps}."""
    import h5py
    with h5py.File(path, "r") as f:
        if "spikes" not in f:
            raise SonataError(f"{path}: no /spikes group")
        grp = f["spikes"]
        if "timestamps" not in grp:
            if population not in grp:
                raise SonataError(f"{path}: no /spikes/{population} (populations: {', '.join(grp)})")
            grp = grp[population]
        key = "node_ids" if "node_ids" in grp else "gids" if "gids" in grp else None
        if key is None or "timestamps" not in grp:
            raise SonataError(f"{path}: {grp.name} needs node_ids (or gids) and timestamps")
        ids, times = np.asarray(grp[key][()], dtype=np.int64), np.asarray(grp["timestamps"][()], dtype=float)
    if len(ids) != len(times):
        raise SonataError(f"{path}: {grp.name}: {len(ids)} node ids but {len(times)} timestamps")
    return ids, times


# ---------------------------------------------------------------- edges

def _synapse_of_type(conf, rec, csv_path, type_id):
    """(NEST synapse model name, its parameters) of an edge type."""
    model = rec.get("model_template", "static_synapse")
    if isinstance(model, str) and model.startswith("nest:"):
        model = model[5:]
    if model not in BY_NEST_NAME:
        raise SonataError(f"{csv_path}: edge type {type_id}: model_template {model!r} is not a neuromesh synapse "
                          f"(known: {', '.join(sorted(k for k in BY_NEST_NAME if k.endswith('synapse') or '_hom' in k))})")
    params = _dynamics(conf, rec, csv_path, type_id, "synaptic_models_dir")
    return ("static_synapse" if BY_NEST_NAME[model] is StaticSynapse else model), params


def _edge_column(h5pop, name, type_ids, types, edges_path, pop_name, gid, gidx, default=None):
    """A per-edge column: the edge group's dataset where present, else the edge type's value,
    else `default` (None: an error)."""
    out = np.full(len(type_ids), np.nan)
    have = np.zeros(len(type_ids), dtype=bool)
    for g in [k for k in h5pop if k.isdigit()]:
        if name in h5pop[g]:
            rows = np.flatnonzero(gid == int(g))
            out[rows] = np.asarray(h5pop[g][name][()], dtype=float)[gidx[rows]]
            have[rows] = True
    for tid in np.unique(type_ids[~have]).tolist():
        value = types[tid].get(name, default)
        if value is None or isinstance(value, str):
            raise SonataError(f"{edges_path}: /edges/{pop_name}: edges of type {tid} have no {name} (neither in the "
                              "edge file's group nor as a number in the edge-types CSV)")
        out[(type_ids == tid) & ~have] = float(value)
    return out


# ---------------------------------------------------------------- read

def read(config, dt=None, seed=None, nsyns="error", name=None, stream=None):
    """Reads a SONATA circuit into a neuromesh Network; `network.sonata` (CircuitInfo) holds the
    run settings (tstop, dt) and where each SONATA population went. `config` is a circuit
    config, a simulation config with "network", or bmtk's config.json. dt defaults to the
    config's run.dt, else 0.1 ms; seed to run.random_seed, else 12345. nsyns: edges with an `nsyns` column other than 1 are an error
    by default, since readers disagree (NEST ignores it, bmtk multiplies the weight by it):
    "multiply" (bmtk) or "ignore" (NEST) chooses. stream: edge populations are read by the core
    at build time, shard by shard, never held in memory (SonataEdges) -- None: those of at least
    STREAM_EDGES edges that allow it (one edge group, node populations of one model or in
    contiguous blocks per model, an nsyns column of ones only); True: every one (an error where one does
    not allow it); False: none (numpy arrays, EdgeArrays). Both give the same synapses in the same
    order, so the same spikes."""
    from .network import Network
    if nsyns not in ("error", "multiply", "ignore"):
        raise ConfigError(f"sonata.read: nsyns={nsyns!r} must be 'error', 'multiply' or 'ignore'")
    if stream not in (None, True, False):
        raise ConfigError(f"sonata.read: stream={stream!r} must be None (by size), True or False")
    conf = load_config(config)
    info = CircuitInfo(conf["_paths"][-1], conf)
    cfg = conf["_paths"][-1]
    networks = conf.get("networks")
    if not isinstance(networks, dict) or not isinstance(networks.get("nodes"), list):
        raise SonataError(f"{cfg}: networks.nodes (a list of {{nodes_file, node_types_file}}) is missing")
    if float(conf.get("run", {}).get("tstart", 0.0)) != 0.0:
        raise SonataError(f"{cfg}: run.tstart must be 0")
    if seed is None:
        seed = int(conf.get("run", {}).get("random_seed", 12345))
    net = Network(dt=dt if dt is not None else (info.dt or 0.1), seed=seed,
                  name=name or os.path.splitext(os.path.basename(cfg))[0])
    net.sonata = info
    conf["_dt"] = net.dt
    where_of = {}  # SONATA population -> (sub-population per node, local index per node, [Population])
    for path, types, types_path, pop_name, group in _populations(conf, "nodes"):
        if pop_name in where_of:
            raise SonataError(f"{path}: node population {pop_name!r} is defined twice")
        type_ids, overrides = _read_node_population(conf, group, pop_name, path, types, types_path)
        where_of[pop_name] = _add_nodes(net, conf, info, pop_name, type_ids, overrides, types, types_path)
    projections = []
    for path, types, types_path, pop_name, group in _populations(conf, "edges"):
        projections += _edge_projections(conf, group, pop_name, path, types, types_path, where_of, nsyns, stream)
    # In the order of their edge types (an exported circuit's are the projection indices, so
    # export -> import keeps the projections' order), then as read.
    for _, pre, post, conn, spec, receptor, origin in sorted(projections, key=lambda p: p[0]):
        try:
            net.connect(pre, post, conn, spec, receptor=receptor)
        except ConfigError as e:
            raise SonataError(f"{origin}: {e}") from None
    return net


def _populations(conf, kind):
    """(file, types, types file, population name, HDF5 group) of every node or edge population."""
    import h5py
    single = kind[:-1]
    for i, entry in enumerate(conf["networks"].get(kind, [])):
        key = f"networks.{kind}[{i}]"
        path = _file(conf, entry.get(f"{kind}_file"), f"{key}.{kind}_file")
        types_path = _file(conf, entry.get(f"{single}_types_file"), f"{key}.{single}_types_file")
        types = read_types_csv(types_path, f"{single}_type_id")
        with h5py.File(path, "r") as f:
            if kind not in f:
                raise SonataError(f"{path}: no /{kind} group")
            for pop_name in f[kind]:
                yield path, types, types_path, pop_name, f[kind][pop_name]


def _add_nodes(net, conf, info, pop_name, type_ids, overrides, types, types_path):
    n = len(type_ids)
    models = {tid: _node_model(types[tid], types_path, tid) for tid in np.unique(type_ids).tolist()}
    if "virtual" in models.values() and len(set(models.values())) > 1:
        raise SonataError(f"{types_path}: population {pop_name!r} mixes virtual and point-neuron nodes")
    if set(models.values()) == {"virtual"}:
        pop = net.population(n, SpikeSourceArray(spike_times=_spike_inputs(conf, pop_name, n),
                                                 allow_offgrid_times=True), label=pop_name)
        info.populations[pop_name] = [(pop_name, np.arange(n))]
        return np.zeros(n, dtype=np.int64), np.arange(n), [pop]
    from . import _core
    names = sorted(set(models.values()))
    subpop = np.zeros(n, dtype=np.int64)
    local = np.zeros(n, dtype=np.int64)
    pops = []
    info.populations[pop_name] = []
    for k, model in enumerate(names):
        rows = np.flatnonzero(np.isin(type_ids, [t for t, m in models.items() if m == model]))
        subpop[rows], local[rows] = k, np.arange(len(rows))
        label = pop_name if len(names) == 1 else f"{pop_name}.{model}"
        state = set(_core.models()[model]["state"])
        per_type = {tid: _dynamics(conf, types[tid], types_path, tid, "point_neuron_models_dir")
                    for tid in models if models[tid] == model}
        keys = sorted({p for d in per_type.values() for p in d} | set(overrides))
        defaults = {p: v[0] for p, v in _core.models()[model]["parameters"].items()}
        for tid, d in per_type.items():  # the model's own check, so the error can name the file
            given = {p: float(v) for p, v in d.items() if p in defaults and isinstance(v, (int, float))}
            problem = _core.check_parameters(model, given, net.dt)
            if problem:
                raise SonataError(f"{types_path}: node type {tid}: dynamics_params "
                                  f"{types[tid].get('dynamics_params')!r} ({model}): {problem}")
        params, initial = {}, {}
        for p in keys:
            if p not in defaults and p not in state:
                raise SonataError(f"{types_path}: population {pop_name!r}: dynamics_params {p!r} is not a parameter "
                                  f"or state variable of {model} (parameters: {', '.join(sorted(defaults))})")
            col = np.empty(len(rows))
            tids = type_ids[rows]
            for tid, d in per_type.items():
                v = d.get(p, defaults.get(p, np.nan))  # NaN: a state variable this type leaves out
                if not isinstance(v, (int, float)) or isinstance(v, bool):
                    raise SonataError(f"{types_path}: node type {tid}: dynamics_params {p!r} = {v!r} is not a number")
                col[tids == tid] = float(v)
            if p in overrides:
                o = overrides[p][rows]
                col = np.where(np.isnan(o), col, o)
            if np.isnan(col).any():
                tid = int(tids[np.flatnonzero(np.isnan(col))[0]])
                raise SonataError(f"{types_path}: node type {tid}: state {p!r} is set for other nodes of {pop_name!r} "
                                  "but not for this type's; set it for all")
            value = float(col[0]) if np.all(col == col[0]) else col
            (initial if p in state else params)[p] = value
        pop = net.population(len(rows), Model(model, **params), label=label, initial=initial)
        pops.append(pop)
        info.populations[pop_name].append((label, rows))
    return subpop, local, pops


def _edge_projections(conf, h5pop, pop_name, edges_path, types, types_path, where_of, nsyns, stream=False):
    """The projections of one edge population: (order key, pre, post, EdgeArrays or SonataEdges,
    synapse spec, receptor, origin)."""
    def need(key):
        if key not in h5pop:
            raise SonataError(f"{edges_path}: /edges/{pop_name}/{key} is missing")
        return h5pop[key]
    src_ds, tgt_ds = need("source_node_id"), need("target_node_id")
    ends = []
    for ds, role in ((src_ds, "source"), (tgt_ds, "target")):
        node_pop = ds.attrs.get("node_population")
        if isinstance(node_pop, bytes):
            node_pop = node_pop.decode()
        if node_pop is None:
            raise SonataError(f"{edges_path}: /edges/{pop_name}/{role}_node_id has no node_population attribute")
        if str(node_pop) not in where_of:
            raise SonataError(f"{edges_path}: /edges/{pop_name}/{role}_node_id@node_population {str(node_pop)!r} is "
                              f"not a node population of the circuit ({', '.join(where_of)})")
        ends.append(where_of[str(node_pop)])
    why_not = _why_not_streamed(h5pop, ends, types, nsyns)
    if stream is True and why_not:
        raise SonataError(f"{edges_path}: /edges/{pop_name} cannot be streamed: {why_not} (read it with stream=False)")
    if stream is not False and not why_not and (stream or len(src_ds) >= STREAM_EDGES):
        return _streamed_projections(conf, h5pop, pop_name, edges_path, types, types_path, ends, [
            src_ds.attrs.get("node_population"), tgt_ds.attrs.get("node_population")])
    src = np.asarray(src_ds[()], dtype=np.int64)
    tgt = np.asarray(tgt_ds[()], dtype=np.int64)
    type_ids = np.asarray(need("edge_type_id")[()], dtype=np.int64)
    e = len(src)
    if len(tgt) != e or len(type_ids) != e:
        raise SonataError(f"{edges_path}: /edges/{pop_name}: source_node_id, target_node_id and edge_type_id "
                          "differ in length")
    for ids, (subpop, _, _), role in ((src, ends[0], "source"), (tgt, ends[1], "target")):
        if e and (ids.min() < 0 or ids.max() >= len(subpop)):
            raise SonataError(f"{edges_path}: /edges/{pop_name}/{role}_node_id: id {int(ids.max())} is outside "
                              f"the node population's {len(subpop)} nodes")
    unknown = sorted(set(np.unique(type_ids).tolist()) - set(types))
    if unknown:
        raise SonataError(f"{edges_path}: /edges/{pop_name}/edge_type_id: type(s) {unknown} are not in {types_path}")
    if e == 0:
        return []
    gid = np.asarray(h5pop["edge_group_id"][()]) if "edge_group_id" in h5pop else np.zeros(e, dtype=np.int64)
    gidx = np.asarray(h5pop["edge_group_index"][()]) if "edge_group_index" in h5pop else np.arange(e)
    weight = _edge_column(h5pop, "syn_weight", type_ids, types, edges_path, pop_name, gid, gidx)
    delay = _edge_column(h5pop, "delay", type_ids, types, edges_path, pop_name, gid, gidx)
    for name, values in (("syn_weight", weight), ("delay", delay)):
        bad = np.flatnonzero(~np.isfinite(values))
        if len(bad):
            raise SonataError(f"{edges_path}: /edges/{pop_name}: edge {int(bad[0])} has {name} {values[bad[0]]}")
    dt = conf.get("_dt", 0.1)
    short = np.flatnonzero(delay < dt)
    if len(short):  # NEST's rule too: a delay shorter than the resolution is an error
        raise SonataError(f"{edges_path}: /edges/{pop_name}: edge {int(short[0])} has delay {delay[short[0]]} ms, "
                          f"shorter than the time step dt = {dt} ms")
    if nsyns != "ignore":  # bmtk writes nsyns (edges per row); missing means 1
        counts = _edge_column(h5pop, "nsyns", type_ids, types, edges_path, pop_name, gid, gidx, default=1.0)
        if not np.all(counts == 1):
            if nsyns == "error":
                raise SonataError(f"{edges_path}: /edges/{pop_name}: nsyns is not 1, and readers disagree on it (NEST "
                                  "ignores it, bmtk multiplies syn_weight by it): pass nsyns='multiply' or 'ignore'")
            weight = weight * counts
    synapses = {tid: _synapse_of_type(conf, types[tid], types_path, tid) for tid in np.unique(type_ids).tolist()}
    # One projection per (source sub-population, target sub-population, synapse, sign): a
    # neuromesh projection has one synapse model and one sign (the sign rule).
    kinds = sorted({(m, json.dumps(p, sort_keys=True)) for m, p in synapses.values()})
    kind_of_type = {tid: kinds.index((m, json.dumps(p, sort_keys=True))) for tid, (m, p) in synapses.items()}
    lut = np.zeros(max(kind_of_type) + 1, dtype=np.int64)
    for tid, k in kind_of_type.items():
        lut[tid] = k
    kind = lut[type_ids]
    negative = weight < 0
    s_sub, s_loc, s_pops = ends[0]
    t_sub, t_loc, t_pops = ends[1]
    key = ((s_sub[src] * len(t_pops) + t_sub[tgt]) * len(kinds) + kind) * 2 + negative
    out = []
    for k in np.unique(key).tolist():
        rows = np.flatnonzero(key == k)
        neg, rest = k % 2, k // 2
        kd, rest = rest % len(kinds), rest // len(kinds)
        tp, sp = rest % len(t_pops), rest // len(t_pops)
        model, params = kinds[kd]
        params = json.loads(params)
        spec = {"synapse_model": model, **{p: v for p, v in params.items() if p not in ("weight", "delay")}}
        conn = EdgeArrays(s_loc[src[rows]], t_loc[tgt[rows]], weight[rows], delay[rows])
        first = int(type_ids[rows].min())
        out.append((first, s_pops[sp], t_pops[tp], conn, spec, "inhibitory" if neg else None,
                    f"{edges_path}: /edges/{pop_name} (edge type {first} of {types_path})"))
    return out


def _contiguous(ends):
    """Whether each sub-population of a node population is one block of node ids (then node id -
    its first id is the neuron's index, as the core's sonata connector takes it)."""
    subpop, _, pops = ends
    for k in range(len(pops)):
        rows = np.flatnonzero(subpop == k)
        if len(rows) and rows[-1] - rows[0] + 1 != len(rows):
            return False
    return True


def _why_not_streamed(h5pop, ends, types, nsyns):
    """Why an edge population cannot be read by the core's sonata connector ("" if it can)."""
    groups = [k for k in h5pop if k.isdigit()]
    if groups not in ([], ["0"]):
        return f"it has edge groups {groups} (the streamed reader takes one, group 0)"
    if not all(_contiguous(e) for e in ends):
        return "a node population mixes models in interleaved node ids"
    if nsyns != "ignore":
        if "0" in h5pop and "nsyns" in h5pop["0"]:  # bmtk writes one; all 1 means nothing to choose
            column = h5pop["0"]["nsyns"]
            if any((np.asarray(column[i:i + _CHUNK]) != 1).any() for i in range(0, len(column), _CHUNK)):
                return "its nsyns column is not 1 everywhere (nsyns='multiply' multiplies weights: read it " \
                       "with stream=False)"
        if any(float(t.get("nsyns", 1)) != 1 for t in types.values() if not isinstance(t.get("nsyns", 1), str)):
            return "an edge type has nsyns other than 1"
    return ""


def _streamed_projections(conf, h5pop, pop_name, edges_path, types, types_path, ends, node_pops):
    """The projections of one edge population as SonataEdges connectors: one scan in chunks of
    the type ids, the node ids where a node population has several models, and the weights'
    signs finds which (pre, post, synapse, sign) projections exist and how many edges each has
    (the same split, in the same order, as the explicit reader's); the core reads the edges."""
    e = len(h5pop["source_node_id"])
    if len(h5pop["target_node_id"]) != e or "edge_type_id" not in h5pop or len(h5pop["edge_type_id"]) != e:
        raise SonataError(f"{edges_path}: /edges/{pop_name}: source_node_id, target_node_id and edge_type_id "
                          "differ in length (or edge_type_id is missing)")
    if e == 0:
        return []
    group = h5pop["0"] if "0" in h5pop else {}
    columns = {name: name in group for name in ("syn_weight", "delay")}
    known = sorted(types)
    synapses = {tid: _synapse_of_type(conf, types[tid], types_path, tid) for tid in known}
    kinds = sorted({(m, json.dumps(p, sort_keys=True)) for m, p in synapses.values()})
    kind_lut = {tid: kinds.index((m, json.dumps(p, sort_keys=True))) for tid, (m, p) in synapses.items()}
    type_weight = {tid: (float(types[tid]["syn_weight"]) if isinstance(types[tid].get("syn_weight"), (int, float))
                         else np.nan) for tid in known}
    (s_sub, _, s_pops), (t_sub, _, t_pops) = ends
    n_s, n_t, n_k = len(s_pops), len(t_pops), len(kinds)
    # key = (((source sub-pop * n_t + target sub-pop) * kinds + kind) * 2 + negative) * types + type index
    counts = np.zeros(n_s * n_t * n_k * 2 * len(known), dtype=np.int64)
    tpos = {tid: i for i, tid in enumerate(known)}
    lo, hi = min(known), max(known)
    lut = np.full(hi - lo + 1, -1, dtype=np.int64)
    for tid in known:
        lut[tid - lo] = tpos[tid]
    kind_of_pos = np.array([kind_lut[tid] for tid in known], dtype=np.int64)
    weight_of_pos = np.array([type_weight[tid] for tid in known])
    for start in range(0, e, _CHUNK):
        sl = slice(start, min(e, start + _CHUNK))
        tids = np.asarray(h5pop["edge_type_id"][sl], dtype=np.int64)
        inside = (tids >= lo) & (tids <= hi)
        pos = np.where(inside, lut[np.clip(tids - lo, 0, hi - lo)], -1)
        if (pos < 0).any():
            bad = sorted(set(tids[pos < 0].tolist()))
            raise SonataError(f"{edges_path}: /edges/{pop_name}/edge_type_id: type(s) {bad} are not in {types_path}")
        if columns["syn_weight"]:
            w = np.asarray(group["syn_weight"][sl], dtype=float)
        else:
            w = weight_of_pos[pos]
            if np.isnan(w).any():
                tid = known[int(pos[np.flatnonzero(np.isnan(w))[0]])]
                raise SonataError(f"{edges_path}: /edges/{pop_name}: edges of type {tid} have no syn_weight (neither "
                                  "in the edge file's group nor as a number in the edge-types CSV)")
        key = kind_of_pos[pos] * 2 + (w < 0)
        for role, sub, n_sub, scale in (("source", s_sub, n_s, n_t * n_k * 2), ("target", t_sub, n_t, n_k * 2)):
            if n_sub > 1:
                ids = np.asarray(h5pop[f"{role}_node_id"][sl], dtype=np.int64)
                if len(ids) and (ids.min() < 0 or ids.max() >= len(sub)):
                    raise SonataError(f"{edges_path}: /edges/{pop_name}/{role}_node_id: id {int(ids.max())} is "
                                      f"outside the node population's {len(sub)} nodes")
                key = key + sub[ids] * scale
        counts += np.bincount(key * len(known) + pos, minlength=len(counts))
    if not columns["delay"]:
        for tid in known:
            if counts.reshape(-1, len(known))[:, tpos[tid]].any() and \
                    not isinstance(types[tid].get("delay"), (int, float)):
                raise SonataError(f"{edges_path}: /edges/{pop_name}: edges of type {tid} have no delay (neither in "
                                  "the edge file's group nor as a number in the edge-types CSV)")
    firsts = [[int(np.flatnonzero(sub == k)[0]) for k in range(len(pops))] for sub, _, pops in ends]
    per_key = counts.reshape(-1, len(known))
    keys = np.flatnonzero(per_key.sum(axis=1)).tolist()
    # Every edge in one projection (an exported circuit's populations): the core needs no filter,
    # so it reads neither edge_type_id nor, to count, syn_weight.
    unfiltered = len(keys) == 1 and n_s == n_t == 1 and all(columns.values())
    out = []
    for k in keys:
        neg, rest = k % 2, k // 2
        kd, rest = rest % n_k, rest // n_k
        tp, sp = rest % n_t, rest // n_t
        present = [known[i] for i in np.flatnonzero(per_key[k]).tolist()]
        model, params = kinds[kd]
        params = json.loads(params)
        dt = conf.get("_dt", 0.1)
        spec = {"synapse_model": model, **{p: v for p, v in params.items() if p not in ("weight", "delay")},
                "weight": -1.0 if neg else 1.0, "delay": dt}
        conn = SonataEdges(
            _h5_path(h5pop), pop_name, source_nodes=len(s_sub), target_nodes=len(t_sub),
            source_first=firsts[0][sp], target_first=firsts[1][tp], edge_types=[] if unfiltered else present,
            type_weight=[] if unfiltered else [type_weight[t] for t in present],
            type_delay=[] if unfiltered else [
                float(types[t]["delay"]) if isinstance(types[t].get("delay"), (int, float)) else np.nan
                for t in present],
            sign=0 if unfiltered else -1 if neg else 1, count=int(per_key[k].sum()))
        out.append((present[0], s_pops[sp], t_pops[tp], conn, spec, "inhibitory" if neg else None,
                    f"{edges_path}: /edges/{pop_name} (edge type {present[0]} of {types_path})"))
    return out


def _h5_path(h5obj):
    return os.path.abspath(h5obj.file.filename)


# ---------------------------------------------------------------- write

# The core's short synapse names (JSON) -> NEST's; NEST's own names map to themselves.
_NEST_SYNAPSE = {"static": "static_synapse", "stdp": "stdp_synapse", "stdp_hom": "stdp_synapse_hom",
                 "stdp_pl_hom": "stdp_pl_synapse_hom", "tsodyks2": "tsodyks2_synapse", "tsodyks": "tsodyks_synapse",
                 "stdp_nn_symm": "stdp_nn_symm_synapse", "stdp_nn_restr": "stdp_nn_restr_synapse",
                 "stdp_triplet": "stdp_triplet_synapse"}


def write(network, directory, tstop=None, threads=0):
    """Writes a neuromesh Network (or a core NetworkSpec) as a SONATA circuit in `directory` and
    returns the simulation config's path (it names circuit_config.json; both are SONATA configs
    that neuromesh.sonata.read, bmtk and NEST's SonataNetwork read).

    Written: network/nodes.h5 + node_types.csv (one node type per population: model_template
    "nest:<model>", dynamics_params components/point_neuron_models/<label>.json with the values
    that are the same for every neuron; per-neuron values -- arrays, or distributions as drawn --
    in /nodes/<label>/0/dynamics_params/<name>), spike sources as virtual nodes
    (network/virtual_nodes.h5, inputs/spikes.h5 named in the config's "inputs"), the synapses as
    the engine builds them (network/edges.h5 written by the core's edge writer, streamed per
    shard into hyperslabs: one edge population per projection, edge_type_id = its index) with
    network/edge_types.csv (model_template = the NEST synapse, dynamics_params = its parameters).
    tstop (ms; default the description's duration) goes to the config's run block.

    Not representable in SONATA (an error says so): poisson_input and DC sources, and
    projections onto population slices are written as what they are (edges), so they need no
    special case."""
    import h5py

    from . import _core
    spec = network if isinstance(network, _core.NetworkSpec) else network.spec()
    desc = _core.describe_network(spec)
    if desc["stimuli"]:
        kinds = sorted({f"{s['type']} onto {s['target']!r}" for s in desc["stimuli"]})
        raise SonataError(f"sonata.write: {', '.join(kinds)}: SONATA has no Poisson or current generators "
                          "(NEST's SonataNetwork reads only spike-train inputs); give the drive as a spike source "
                          "population (nm.SpikeSourceArray) to export it")
    directory = os.path.abspath(str(directory))
    target = os.path.join(directory, "network", "edges.h5")
    for _, _, conn, _, _ in getattr(network, "_projections", []):  # streamed edges read while the file is written
        if isinstance(conn, SonataEdges) and os.path.exists(target) and os.path.exists(conn.sonata["file"]) \
                and os.path.samefile(conn.sonata["file"], target):
            raise SonataError(f"sonata.write: {target} is where this network's streamed edges are read from; "
                              "write to another directory")
    for sub in ("network", "inputs", "components/point_neuron_models", "components/synaptic_models"):
        os.makedirs(os.path.join(directory, sub), exist_ok=True)
    net_dir = os.path.join(directory, "network")
    config = os.path.join(directory, "simulation_config.json")
    edges = []
    if desc["projections"]:  # collective under mpirun: every rank builds its part, rank 0 writes
        sim = _core.Simulation(spec, "cpu", int(threads), "double", os.path.join(net_dir, "edges.h5"),
                               keep_spikes=False, write_synapses="all")
        sim.finish()
        if _launcher_rank() != 0:
            return config
        names = _write_edge_types(desc, net_dir, os.path.join(directory, "components", "synaptic_models"))
        edges.append({"edges_file": "$NETWORK_DIR/edges.h5", "edge_types_file": "$NETWORK_DIR/edge_types.csv",
                      "populations": {name: {"type": "chemical"} for name in names}})
    elif _launcher_rank() != 0:
        return config
    neurons = [p for p in desc["populations"] if p["model"] != "spike_source_array"]
    sources = [p for p in desc["populations"] if p["model"] == "spike_source_array"]
    nodes = []
    if neurons:
        _write_nodes(spec, neurons, os.path.join(net_dir, "nodes.h5"), os.path.join(net_dir, "node_types.csv"),
                     os.path.join(directory, "components", "point_neuron_models"), h5py)
        nodes.append({"nodes_file": "$NETWORK_DIR/nodes.h5", "node_types_file": "$NETWORK_DIR/node_types.csv",
                      "populations": {p["label"]: {"type": "point_neuron"} for p in neurons}})
    inputs = {}
    if sources:
        _write_nodes(spec, sources, os.path.join(net_dir, "virtual_nodes.h5"),
                     os.path.join(net_dir, "virtual_node_types.csv"), None, h5py)
        nodes.append({"nodes_file": "$NETWORK_DIR/virtual_nodes.h5",
                      "node_types_file": "$NETWORK_DIR/virtual_node_types.csv",
                      "populations": {p["label"]: {"type": "virtual"} for p in sources}})
        _write_input_spikes(sources, os.path.join(directory, "inputs", "spikes.h5"), h5py)
        inputs = {f"{p['label']}_spikes": {"input_type": "spikes", "module": "sonata",
                                           "input_file": "$BASE_DIR/inputs/spikes.h5", "node_set": p["label"]}
                  for p in sources}
    circuit = {"manifest": {"$BASE_DIR": ".", "$NETWORK_DIR": "$BASE_DIR/network",
                            "$COMPONENTS_DIR": "$BASE_DIR/components"},
               "components": {"point_neuron_models_dir": "$COMPONENTS_DIR/point_neuron_models",
                              "synaptic_models_dir": "$COMPONENTS_DIR/synaptic_models"},
               "networks": {"nodes": nodes, "edges": edges}}
    simulation = {"manifest": {"$BASE_DIR": ".", "$OUTPUT_DIR": "$BASE_DIR/output"}, "target_simulator": "NEST",
                  "network": "circuit_config.json",
                  "run": {"tstop": float(desc["duration"] if tstop is None else tstop), "dt": float(desc["dt"]),
                          "random_seed": int(desc["seed"])},
                  "inputs": inputs, "output": {"output_dir": "$OUTPUT_DIR", "spikes_file": "spikes.h5"}}
    for name, conf in (("circuit_config.json", circuit), ("simulation_config.json", simulation)):
        with open(os.path.join(directory, name), "w") as f:
            json.dump(conf, f, indent=2)
    return config


def _launcher_rank():
    """This process's MPI rank from the launcher's environment (0 without mpirun), as the CLI's."""
    for var in ("OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK"):
        if var in os.environ:
            return int(os.environ[var])
    return 0


def _write_nodes(spec, pops, nodes_path, types_path, params_dir, h5py):
    """One node population per neuromesh population, node type id = 100 + its index in this file."""
    from . import _core
    rows = []
    with h5py.File(nodes_path, "w") as f:
        f.attrs["magic"] = np.uint32(0x0A7A)
        f.attrs["version"] = np.array([0, 1], dtype=np.uint32)
        for k, p in enumerate(pops):
            n, tid = int(p["size"]), 100 + k
            g = f.create_group(f"nodes/{p['label']}")
            g["node_type_id"] = np.full(n, tid, dtype=np.uint64)
            g["node_id"] = np.arange(n, dtype=np.uint64)
            g["node_group_id"] = np.zeros(n, dtype=np.uint32)
            g["node_group_index"] = np.arange(n, dtype=np.uint64)
            group = g.create_group("0")
            if params_dir is None:
                rows.append((tid, "virtual", None, None))
                continue
            same = {}
            for names, initial in ((p["params"], False), (p["initial"], True)):
                for name in names:
                    values = np.asarray(_core.neuron_values(spec, p["label"], name, initial), dtype=np.float64)
                    if np.all(values == values[0]):
                        same[name] = float(values[0])
                    else:
                        group.create_dataset(f"dynamics_params/{name}", data=values)
            params_file = f"{p['label']}.json"
            with open(os.path.join(params_dir, params_file), "w") as pf:
                json.dump(same, pf, indent=1)
            rows.append((tid, "point_neuron", f"nest:{p['model']}", params_file))
    with open(types_path, "w") as f:  # virtual node types have no template (bmtk's have none either)
        f.write("node_type_id model_type pop_name\n" if params_dir is None else
                "node_type_id model_type model_template dynamics_params pop_name\n")
        for (tid, mtype, template, params), p in zip(rows, pops):
            f.write(f"{tid} {mtype} {p['label']}\n" if params_dir is None else
                    f"{tid} {mtype} {template} {params} {p['label']}\n")


def _write_input_spikes(sources, path, h5py):
    """The spike sources' times as a SONATA spikes file (/spikes/<label>, sorted by id)."""
    with h5py.File(path, "w") as f:
        f.attrs["magic"] = np.uint32(0x0A7A)
        f.attrs["version"] = np.array([0, 1], dtype=np.uint32)
        for p in sources:
            trains = p["spike_times"] or [[] for _ in range(int(p["size"]))]
            ids = np.concatenate([np.full(len(t), i, dtype=np.uint64) for i, t in enumerate(trains)] or
                                 [np.zeros(0, dtype=np.uint64)])
            times = np.concatenate([np.sort(np.asarray(t, dtype=np.float64)) for t in trains] or [np.zeros(0)])
            g = f.create_group(f"spikes/{p['label']}")
            g.attrs.create("sorting", 1, dtype=h5py.enum_dtype({"none": 0, "by_id": 1, "by_time": 2}, basetype="u1"))
            g["node_ids"] = ids
            g["timestamps"] = times
            g["timestamps"].attrs["units"] = "ms"


def _write_edge_types(desc, net_dir, params_dir):
    """The edge-types CSV beside the edges the core wrote (one type per projection); returns the
    edge population names."""
    import h5py
    with h5py.File(os.path.join(net_dir, "edges.h5"), "r") as f:
        names = list(f["edges"])
    with open(os.path.join(net_dir, "edge_types.csv"), "w") as f:
        f.write("edge_type_id model_template dynamics_params\n")
        for k, pr in enumerate(desc["projections"]):
            model = _NEST_SYNAPSE.get(pr["synapse"], pr["synapse"])
            params_file = f"synapse_{k}.json"
            with open(os.path.join(params_dir, params_file), "w") as pf:
                json.dump(dict(pr["synapse_parameters"]), pf, indent=1)
            f.write(f"{k} {model} {params_file}\n")
    return names


def write_network_file(name_or_path, directory, threads=0):
    """`neuromesh export`: a neuromesh network JSON file (or built-in network) as a SONATA circuit."""
    from . import _core
    return write(_core.NetworkSpec.load(str(name_or_path)), directory, threads=threads)
