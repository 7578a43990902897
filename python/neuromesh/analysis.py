"""Reading neuromesh/SONATA output files and spike-train statistics.

Times are in ms everywhere, rates in Hz (spikes per second per neuron). Node ids are 0-based and
population-local (shared/specs/sonata.md §2). Statistic names follow elephant (mean_firing_rate,
isi, cv, fanofactor, time_histogram, instantaneous_rate, correlation_coefficient); all of them
are vectorised with numpy, so 10^7 spikes take about a second.

Windows are [t_start, t_stop), except at the end of the run: a spike fired in the last step
[T - dt, T) is stamped T (docs/architecture.md, "Time and spikes"), so a window that reaches the
run's end T (provenance duration_ms, else the last spike) includes the spikes stamped T. The whole
run is therefore every spike in the file, as `neuromesh info` counts it, and rates are
spikes / recorded neurons / duration there as here.

A recorder with a window (start/stop) leaves only the window's spikes in the file; its
provenance spikes_window_start_ms.<pop> / spikes_window_stop_ms.<pop> cut every window read here
to it, so rates are over the recorded time.

Rates are over the neurons whose spikes were recorded: a recorder with `ids` records only those
neurons (the file lists them in /spikes/<pop>/recorded_node_ids), and the others have no rate
(NaN in mean_firing_rate) rather than a false 0 Hz.
"""
import dataclasses
import os

import h5py
import numpy as np

BLOCK = 1 << 20  # rows read per block
FLAT_POPULATION = "default"  # name given to the legacy flat /spikes/{gids,timestamps} layout
_SECONDS = ("s", "sec", "second", "seconds")
_MILLISECONDS = ("ms", "msec", "millisecond", "milliseconds", "")


class AnalysisError(ValueError):
    """An output file cannot be read or analysed: the message names the path and what exists."""


@dataclasses.dataclass
class SpikeData:
    """The spikes of one population within [t_start, t_stop) ms ([t_start, t_stop] when t_stop is
    the end of the run, t_end).

    ids: node ids (uint64), times: spike times (float64, ms), in the file's order; size: number
    of neurons (provenance ``population_size.<pop>``, else max id + 1); recorded: sorted node ids
    whose spikes were recorded (/spikes/<pop>/recorded_node_ids), None when all ``size`` were;
    t_end: end of the run (provenance duration_ms, else the last spike; None if unknown).
    """
    population: str
    ids: np.ndarray
    times: np.ndarray
    size: int
    t_start: float
    t_stop: float
    recorded: np.ndarray = None
    t_end: float = None
    _by_id: tuple = dataclasses.field(default=None, repr=False, compare=False)

    def __len__(self):
        return int(self.ids.size)

    @property
    def n_recorded(self):
        """Number of neurons whose spikes were recorded (``size`` unless a recorder named ids)."""
        return self.size if self.recorded is None else int(self.recorded.size)

    def recorded_mask(self):
        """Boolean array of length ``size``: True for the neurons whose spikes were recorded."""
        if self.recorded is None:
            return np.ones(self.size, bool)
        mask = np.zeros(self.size, bool)
        mask[self.recorded.astype(np.intp)] = True
        return mask

    def counts(self):
        """Spikes per neuron (int64 array of length ``size``)."""
        return np.bincount(self.ids.astype(np.intp), minlength=self.size)[: max(self.size, 0)]

    def by_neuron(self):
        """(ids, times) ordered by node id, times ascending within a neuron (cached)."""
        if self._by_id is None:
            order = _order_by_id_then_time(self.ids, self.times)
            self._by_id = (self.ids[order], self.times[order])
        return self._by_id

    def trains(self):
        """List of ``size`` sorted spike-time arrays (ms), one per neuron."""
        _, times = self.by_neuron()
        return np.split(times, np.cumsum(self.counts())[:-1])


@dataclasses.dataclass
class ReportData:
    """One /report/<group>: data[frame, column] for node_ids[column] at times (ms), one frame every
    dt ms. data keeps the
    stored precision: float32 from single-precision runs, float64 from double-precision ones (other
    numeric types are read as float64)."""
    population: str
    variable: str
    units: str
    node_ids: np.ndarray
    times: np.ndarray
    data: np.ndarray
    index_pointers: np.ndarray
    dt: float = None  # the sampling interval (ms)


# ---------------------------------------------------------------- reading
# Output files may come from other tools, damaged disks or hostile hands: every size, type and
# value is checked against the file before anything is read or allocated, reads go in blocks of
# BLOCK rows, and every failure is an AnalysisError naming the file and the dataset at fault.
MAX_ROWS = 1 << 40  # no dataset may declare more rows than this
MAX_POPULATION = 1 << 32  # largest population size (and node id + 1) accepted
MAX_BINS = 1 << 27  # time_histogram refuses more bins (1 GiB of counts)
_MAX_COMPRESSION = 1100  # declared bytes per stored byte for filtered (compressed) data: deflate tops out at 1032
_H5_ERRORS = (OSError, RuntimeError, KeyError, ValueError, TypeError, IndexError, OverflowError, UnicodeError,
              AttributeError)


class _reading:
    """Context manager: any h5py/numpy failure inside becomes an AnalysisError naming `where`."""

    def __init__(self, where):
        self.where = where

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb):
        if exc is None or isinstance(exc, AnalysisError) or not isinstance(exc, _H5_ERRORS):
            return False
        raise AnalysisError(f"{self.where}: cannot be read ({type(exc).__name__}: {exc}); the file is damaged "
                            "or was not written as a neuromesh/SONATA output file") from exc


def _open(path):
    """Opens an HDF5 file for reading, raising AnalysisError for a missing or non-HDF5 path."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise AnalysisError(f"{path!r}: file not found; check the path of the neuromesh/SONATA output file")
    with _reading(repr(path)):
        if os.path.isdir(path) or not h5py.is_hdf5(path):
            raise AnalysisError(f"{path!r}: not an HDF5 file; expected the output of 'neuromesh run ... -o OUT.h5'")
    try:
        return h5py.File(path, "r")
    except _H5_ERRORS as exc:
        raise AnalysisError(f"{path!r}: cannot open the HDF5 file ({exc})") from exc


def _file_size(f):
    try:
        return os.path.getsize(f.filename)
    except OSError:
        return 0


def _checked(ds, where, kinds, ndim):
    """ds, after checking it against the file: a Dataset of rank ndim whose dtype kind is in
    kinds (numbers of at most 8 bytes), at most MAX_ROWS rows, stored in this file (no external or
    virtual storage) and with every declared byte stored (or, compressed, at most
    _MAX_COMPRESSION times the stored bytes). Runs before libhdf5 reads a byte of data."""
    with _reading(where):
        if not isinstance(ds, h5py.Dataset):
            raise AnalysisError(f"{where}: expected a dataset, found a {type(ds).__name__}")
        dtype, shape = ds.dtype, ds.shape
        if dtype.kind not in kinds or dtype.itemsize > 8 or dtype.names is not None:
            want = {"iu": "integers", "iuf": "numbers"}.get(kinds, kinds)
            raise AnalysisError(f"{where}: holds {dtype} values; expected {want}")
        if shape is None or len(shape) != ndim:
            raise AnalysisError(f"{where}: has shape {shape}; expected {ndim} dimension(s)")
        rows = int(np.prod(shape, dtype=object)) if shape else 1
        if rows > MAX_ROWS:
            raise AnalysisError(f"{where}: declares {rows} values (more than {MAX_ROWS})")
        if ds.is_virtual or ds.external:
            raise AnalysisError(f"{where}: keeps its data outside this file (external or virtual storage), "
                                "which is not read")
        declared, stored = rows * dtype.itemsize, int(ds.id.get_storage_size())
        size = _file_size(ds.file)
        if stored > size:
            raise AnalysisError(f"{where}: claims {stored} stored bytes but the file has only {size}")
        filtered = ds.id.get_create_plist().get_nfilters() > 0
        if declared > (stored * _MAX_COMPRESSION if filtered else stored):
            raise AnalysisError(f"{where}: declares {rows} values ({declared} bytes) but the file stores only "
                                f"{stored} bytes of them: rows that were never written, or a damaged file")
    return ds


def _read(ds, where, start=0, stop=None):
    """Rows [start, stop) of a checked dataset, read in blocks of BLOCK rows."""
    stop = ds.shape[0] if stop is None else stop
    with _reading(where):
        if stop - start <= BLOCK:
            return np.asarray(ds[start:stop])
        return np.concatenate([np.asarray(ds[i:min(i + BLOCK, stop)]) for i in range(start, stop, BLOCK)])


def _text(value):
    """Decodes bytes/str/numpy scalars from h5py attributes to str."""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _value(v):
    if isinstance(v, (bytes, str)):
        return _text(v)
    if np.ndim(v) == 0 and getattr(v, "dtype", np.dtype(float)).kind in "iufb":
        return float(v)
    return v


def _provenance(f, path=""):
    """Attributes of /provenance: numbers as float, strings as str (other values as stored)."""
    with _reading(f"{path}:/provenance"):
        group = f.get("provenance")
        if not isinstance(group, h5py.Group):
            return {}
        out = {}
        for key in group.attrs:
            with _reading(f"{path}:/provenance attribute {key!r}"):
                out[key] = _value(group.attrs[key])
        return out


def _prov_number(prov, key, path, lo=0.0, hi=np.inf, integral=False):
    """A provenance number checked to be finite and in [lo, hi] (an integer if asked); None if
    absent."""
    if key not in prov:
        return None
    value = prov[key]
    ok = isinstance(value, float) and np.isfinite(value) and lo <= value <= hi
    if not ok or (integral and value != int(value)):
        want = f"{'an integer' if integral else 'a number'} in [{lo:g}, {hi:g}]"
        raise AnalysisError(f"{path}:/provenance attribute {key!r} is {value!r}; expected {want}")
    return value


def read_provenance(path):
    """The /provenance attributes of an output file as a dict (numbers as float; {} if absent)."""
    path = os.fspath(path)
    with _open(path) as f, _reading(repr(path)):
        return _provenance(f, path)


def _time_scale(dataset, where):
    """Factor converting the timestamps dataset to ms from its `units` attribute."""
    units = _text(dataset.attrs.get("units", "ms")).strip().lower()
    if units in _MILLISECONDS or units in _SECONDS:
        return 1000.0 if units in _SECONDS else 1.0
    raise AnalysisError(f"{where}/timestamps: unknown time units {units!r} (expected 'ms' or 's')")


def _population_source(group, where, required):
    """(group, node id dataset, timestamps dataset), checked; None when the group holds neither
    and is not required to. A population with only one of the two is an error."""
    with _reading(where):
        ids_name = next((n for n in ("node_ids", "gids") if n in group), None)
        ids_ds = group.get(ids_name) if ids_name else None
        ts_ds = group.get("timestamps")
        if ids_ds is None and ts_ds is None and not required:
            return None
        for name, ds in (("node_ids", ids_ds), ("timestamps", ts_ds)):
            if ds is None:
                have = ", ".join(group) or "nothing"
                raise AnalysisError(f"{where}/{name}: missing (a spike population needs node_ids (or gids) and "
                                    f"timestamps; the group has: {have})")
    ids_ds = _checked(ids_ds, f"{where}/{ids_name}", "iu", 1)
    ts_ds = _checked(ts_ds, f"{where}/timestamps", "iuf", 1)
    if ids_ds.shape != ts_ds.shape:
        raise AnalysisError(f"{where}: {ids_name} has {ids_ds.shape[0]} entries but timestamps {ts_ds.shape[0]}")
    return group, ids_ds, ts_ds


def _spike_sources(f, path):
    """pop -> (group holding `sorting` and recorded_node_ids, node id dataset, timestamps dataset)
    of every layout."""
    with _reading(f"{path}:/spikes"):
        spikes = f.get("spikes")
        if not isinstance(spikes, h5py.Group):
            raise AnalysisError(f"{path!r}: no /spikes group (top level has: {', '.join(f) or 'nothing'})")
        found = {}
        flat = _population_source(spikes, f"{path}:/spikes", required=False)  # legacy flat layout first
        if flat is not None:
            found[FLAT_POPULATION] = flat
        for name in spikes:
            if name in ("node_ids", "gids", "timestamps"):
                continue
            with _reading(f"{path}:/spikes/{name}"):
                group = spikes.get(name)
            if isinstance(group, h5py.Group):
                found[name] = _population_source(group, f"{path}:/spikes/{name}", required=True)
        return found


def _select(found, population, path):
    """The requested subset of populations; AnalysisError naming the ones that exist."""
    if population is None:
        return list(found)
    wanted = [population] if isinstance(population, str) else list(population)
    missing = [p for p in wanted if p not in found]
    if missing:
        have = ", ".join(found) or "none"
        raise AnalysisError(f"{path!r}: no spike population {', '.join(map(repr, missing))} "
                            f"(populations in /spikes: {have})")
    return wanted


def _recorded_ids(group, where):
    """Sorted uint64 ids of /spikes/<pop>/recorded_node_ids, or None (every neuron recorded)."""
    with _reading(where):
        if "recorded_node_ids" not in group:
            return None
        ds = group.get("recorded_node_ids")
    where = f"{where}/recorded_node_ids"
    ids = _read(_checked(ds, where, "iu", 1), where)
    if ids.size and ids.dtype.kind == "i" and int(ids.min()) < 0:
        raise AnalysisError(f"{where}: negative node id {int(ids.min())}")
    ids = ids.astype(np.uint64, copy=False)
    if ids.size > 1 and not np.all(ids[1:] > ids[:-1]):
        raise AnalysisError(f"{where} is not sorted and unique")
    return ids


def _scan(ids_ds, ts_ds, where, ids_name, scale, lo, hi, recorded):
    """(ids uint64, times ms, largest id or None, latest time or None) of the rows with
    lo <= t < hi (ms; None = open end), read in blocks of BLOCK rows. Every row of the file is
    checked whatever the window -- times finite and >= 0, ids >= 0 and in recorded (when given) --
    so a file is valid or not whatever is asked of it. No order is assumed: a `sorting`
    attribute that lies changes nothing."""
    ids_out, times_out, top, last = [], [], None, None
    for start in range(0, ts_ds.shape[0], BLOCK):
        stop = min(start + BLOCK, ts_ds.shape[0])
        ids = _read(ids_ds, f"{where}/{ids_name}", start, stop)
        times = _read(ts_ds, f"{where}/timestamps", start, stop).astype(np.float64, copy=False)
        if scale != 1.0:
            times = times * scale
        bad = ~(np.isfinite(times) & (times >= 0.0))
        if np.any(bad):
            row = int(np.argmax(bad))
            raise AnalysisError(f"{where}/timestamps: row {start + row} holds {float(times[row])!r} ms; spike "
                                "times must be finite and >= 0")
        if not ids.size:
            continue
        if ids.dtype.kind == "i" and int(ids.min()) < 0:
            row = int(np.argmin(ids))
            raise AnalysisError(f"{where}/{ids_name}: row {start + row} holds the negative node id {int(ids[row])}")
        ids = ids.astype(np.uint64, copy=False)
        if recorded is not None and not np.all(np.isin(ids, recorded)):
            row = int(np.argmin(np.isin(ids, recorded)))
            raise AnalysisError(f"{where}/{ids_name}: row {start + row} holds node id {int(ids[row])}: spikes of "
                                "neurons outside recorded_node_ids")
        top = int(ids.max()) if top is None else max(top, int(ids.max()))
        last = float(times.max()) if last is None else max(last, float(times.max()))
        keep = np.ones(times.shape, bool) if lo is None else times >= lo
        if hi is not None:
            keep &= times < hi
        ids_out.append(ids[keep])
        times_out.append(times[keep])
    ids = np.concatenate(ids_out) if ids_out else np.empty(0, np.uint64)
    times = np.concatenate(times_out) if times_out else np.empty(0, np.float64)
    return ids, times, top, last


def _load_population(name, source, prov, t_start, t_stop, where, path):
    group, ids_ds, ts_ds = source
    ids_name = ids_ds.name.rsplit("/", 1)[-1]
    with _reading(f"{where}/timestamps"):
        scale = _time_scale(ts_ds, where)
    duration = _prov_number(prov, "duration_ms", path)
    size = _prov_number(prov, f"population_size.{name}", path, hi=MAX_POPULATION, integral=True)
    if t_stop is not None and duration is not None:
        t_stop = min(t_stop, duration)
    # A recorder window (start=/stop=): the file holds only its spikes, so windows are cut to it
    # and rates are over it, not over the whole run.
    w_start = _prov_number(prov, f"spikes_window_start_ms.{name}", path)
    w_stop = _prov_number(prov, f"spikes_window_stop_ms.{name}", path)
    if w_start is not None:
        t_start = w_start if t_start is None else max(t_start, w_start)
    if w_stop is not None and (duration is None or w_stop < duration):
        t_stop = w_stop if t_stop is None else min(t_stop, w_stop)
    # A window reaching the end of the run keeps the spikes stamped at the end (the last step's).
    to_end = t_stop is None or (duration is not None and t_stop >= duration)
    recorded = _recorded_ids(group, where)
    ids, times, top, last = _scan(ids_ds, ts_ds, where, ids_name, scale, t_start, None if to_end else t_stop,
                                  recorded)
    if size is not None:
        size = int(size)
    else:  # as `neuromesh info`: the largest id known, + 1
        known = [top] if top is not None else []
        known += [int(recorded[-1])] if recorded is not None and recorded.size else []
        size = max(known, default=-1) + 1
        if size > MAX_POPULATION:
            raise AnalysisError(f"{where}/{ids_name}: node id {size - 1} is beyond any population "
                                f"(at most {MAX_POPULATION} neurons)")
    if top is not None and top >= size:
        raise AnalysisError(f"{where}/{ids_name}: node id {top} >= population size {size}")
    if recorded is not None and recorded.size and int(recorded[-1]) >= size:
        raise AnalysisError(f"{where}/recorded_node_ids: node id {int(recorded[-1])} >= population size {size}")
    begin = 0.0 if t_start is None else float(t_start)
    t_end = float(duration) if duration is not None else last
    end = t_stop if t_stop is not None else t_end
    end = float(end) if end is not None else begin
    return SpikeData(name, ids, times, size, begin, max(end, begin), recorded=recorded, t_end=t_end)


def read_spikes(path, population=None, t_start=None, t_stop=None):
    """Reads /spikes of a SONATA file into {population: SpikeData}.

    population: a name, a list of names or None (all). t_start/t_stop (ms) select spikes with
    t_start <= t < t_stop; t_stop is capped at provenance duration_ms, and a window that reaches
    the end of the run (no t_stop, or t_stop >= duration_ms) also keeps the spikes stamped exactly
    at the end (fired in the last step), so the default window is every spike in the file, as
    `neuromesh info` counts them. A population recorded in a window (recorder start/stop;
    provenance spikes_window_start_ms/stop_ms.<pop>) has t_start/t_stop cut to that window, so
    rates are over the recorded time. Every row of a population is read (in blocks of BLOCK rows) and
    checked whatever the window: a `sorting` attribute is never trusted. Accepts
    /spikes/<pop>/{node_ids|gids, timestamps} and the legacy flat /spikes/{gids|node_ids,
    timestamps} (named ``FLAT_POPULATION``); `sorting` as enum, string or missing; timestamps in s
    when `units` says so.

    Raises AnalysisError, naming the file and the dataset, for anything that is not a valid
    output file: missing or mistyped datasets, sizes the file does not hold, times that are NaN,
    infinite or negative, node ids beyond the population or outside recorded_node_ids, provenance
    duration_ms / population_size.<pop> that are not finite non-negative numbers.
    """
    if t_start is not None and t_stop is not None and t_stop < t_start:
        raise AnalysisError(f"t_stop ({t_stop} ms) is before t_start ({t_start} ms)")
    path = os.fspath(path)
    with _open(path) as f, _reading(repr(path)):
        found = _spike_sources(f, path)
        if not found:
            raise AnalysisError(f"{path!r}: /spikes holds no population with node_ids and "
                                f"timestamps (it has: {', '.join(f['spikes']) or 'nothing'})")
        prov = _provenance(f, path)
        return {name: _load_population(name, found[name], prov, t_start, t_stop, f"{path}:{found[name][0].name}",
                                       path)
                for name in _select(found, population, path)}


def _read_report(name, group, where):
    with _reading(where):
        data_ds, mapping = group.get("data"), group.get("mapping")
        if not isinstance(mapping, h5py.Group):
            raise AnalysisError(f"{where}/mapping: missing (a report needs data and mapping/{{node_ids, time}})")
        time_ds, ids_ds = mapping.get("time"), mapping.get("node_ids")
        pointers = mapping.get("index_pointers", mapping.get("index_pointer"))
        for key, ds in (("data", data_ds), ("mapping/time", time_ds), ("mapping/node_ids", ids_ds)):
            if ds is None:
                raise AnalysisError(f"{where}/{key}: missing (a report needs data and mapping/{{node_ids, time}})")
    data_ds = _checked(data_ds, f"{where}/data", "iuf", 2)
    time_ds = _checked(time_ds, f"{where}/mapping/time", "iuf", 1)
    ids_ds = _checked(ids_ds, f"{where}/mapping/node_ids", "iu", 1)
    if pointers is not None:
        pointers = _read(_checked(pointers, f"{where}/mapping/index_pointers", "iu", 1),
                         f"{where}/mapping/index_pointers")
    if time_ds.shape != (3,):
        raise AnalysisError(f"{where}/mapping/time: holds {time_ds.shape[0]} values; expected 3 (tstart, tstop, dt)")
    tstart, tstop, dt = (float(x) for x in _read(time_ds, f"{where}/mapping/time"))
    if not (np.isfinite([tstart, tstop, dt]).all() and dt > 0 and tstop >= tstart):
        raise AnalysisError(f"{where}/mapping/time: (tstart, tstop, dt) = ({tstart}, {tstop}, {dt}); expected "
                            "finite values with dt > 0 and tstop >= tstart")
    node_ids = _read(ids_ds, f"{where}/mapping/node_ids")
    if node_ids.size and node_ids.dtype.kind == "i" and int(node_ids.min()) < 0:
        raise AnalysisError(f"{where}/mapping/node_ids: negative node id {int(node_ids.min())}")
    with _reading(f"{where}/mapping/time"):
        scale = 1000.0 if _text(time_ds.attrs.get("units", "ms")).lower() in _SECONDS else 1.0
    data = _read(data_ds, f"{where}/data")  # as stored: float32 (single-precision runs) or float64 (double)
    if data.dtype not in (np.float32, np.float64):
        data = data.astype(np.float64)
    with _reading(f"{where}/data"):
        variable = _text(data_ds.attrs.get("variable", data_ds.attrs.get("variable_name", name)))
        units = _text(data_ds.attrs.get("units", ""))
    with _reading(where):
        population = _text(group.attrs.get("population", name))
    return ReportData(population=population, variable=variable, units=units,
                      node_ids=node_ids.astype(np.uint64, copy=False),
                      times=(tstart + dt * np.arange(data.shape[0])) * scale, data=data,
                      index_pointers=np.asarray(pointers if pointers is not None else [], np.uint64),
                      dt=dt * scale)


def read_reports(path):
    """Reads every /report/<group> into {group: ReportData} ({} when the file has no reports);
    AnalysisError naming the dataset for a report that is not valid."""
    path = os.fspath(path)
    with _open(path) as f, _reading(repr(path)):
        reports = f.get("report")
        if not isinstance(reports, h5py.Group):
            return {}
        out = {}
        for name in reports:
            with _reading(f"{path}:/report/{name}"):
                group = reports.get(name)
            if isinstance(group, h5py.Group):
                out[name] = _read_report(name, group, f"{path}:/report/{name}")
        return out


# ---------------------------------------------------------------- statistics
def _order_by_id_then_time(ids, times):
    """Stable order by node id, times ascending within an id (LSD radix on 16-bit digits)."""
    pre = None
    if times.size > 1 and not np.all(times[1:] >= times[:-1]):
        pre = np.argsort(times, kind="stable")
        ids = ids[pre]
    top = int(ids.max()) if ids.size else 0
    order = np.argsort(ids if top >= 1 << 32 else ids.astype(np.uint16), kind="stable")  # radix on u16
    if (1 << 16) <= top < (1 << 32):
        order = order[np.argsort((ids >> 16).astype(np.uint16)[order], kind="stable")]
    return order if pre is None else pre[order]


def _reaches_end(spikes, t1):
    """Whether a window ending at t1 reaches the end of the run (then it is closed at t1)."""
    return spikes.t_end is not None and t1 >= spikes.t_end


def _window(spikes, t_start, t_stop):
    """(t_start, t_stop, times mask) with SpikeData defaults: [t0, t1), or [t0, t1] when t1 is
    the end of the run (spikes of the last step are stamped there)."""
    t0 = spikes.t_start if t_start is None else float(t_start)
    t1 = spikes.t_stop if t_stop is None else float(t_stop)
    if not t1 > t0:
        raise AnalysisError(f"empty time window [{t0}, {t1}) ms for population {spikes.population!r}")
    before_end = spikes.times <= t1 if _reaches_end(spikes, t1) else spikes.times < t1
    return t0, t1, (spikes.times >= t0) & before_end


def _bin_index(spikes, times, t0, t1, bin_size, n_bins):
    """Bin of each time in bins [t0 + k*bin_size, ...); a spike stamped at the end of the run goes
    into the last bin when that bin ends there (indices >= n_bins fall outside)."""
    index = ((times - t0) / bin_size).astype(np.intp)
    if _reaches_end(spikes, t1) and abs(t0 + n_bins * bin_size - t1) <= 1e-9 * max(1.0, abs(t1)):
        index[(index >= n_bins) & (times <= t1)] = n_bins - 1
    return index


def mean_firing_rate(spikes, t_start=None, t_stop=None):
    """Per-neuron mean firing rate (Hz, float array of length size) in [t_start, t_stop) ms; NaN
    for the neurons whose spikes were not recorded (a recorder with ids)."""
    t0, t1, keep = _window(spikes, t_start, t_stop)
    counts = np.bincount(spikes.ids[keep].astype(np.intp), minlength=spikes.size)
    rates = counts / ((t1 - t0) / 1000.0)
    if spikes.recorded is not None:
        rates[~spikes.recorded_mask()] = np.nan
    return rates


def population_rate(spikes, t_start=None, t_stop=None):
    """Mean firing rate over the recorded neurons of the population (Hz per neuron, float): all of
    them unless a recorder named ids (then n_recorded)."""
    t0, t1, keep = _window(spikes, t_start, t_stop)
    return float(np.count_nonzero(keep) / max(spikes.n_recorded, 1) / ((t1 - t0) / 1000.0))


def isi(times):
    """Inter-spike intervals (ms) of one neuron's spike times (sorted first)."""
    return np.diff(np.sort(np.asarray(times, dtype=np.float64)))


def cv(isis):
    """Coefficient of variation std/mean (ddof 0) of intervals; NaN for < 2 intervals."""
    isis = np.asarray(isis, dtype=np.float64)
    return float(isis.std() / isis.mean()) if isis.size >= 2 and isis.mean() != 0 else float("nan")


def _cv_isi_of_active(spikes):
    """(node ids that spiked, their CV of the ISIs): memory in the spikes, not in ``size``."""
    ids, times = spikes.by_neuron()
    if not ids.size:
        return np.empty(0, np.uint64), np.empty(0)
    active, first, counts = np.unique(ids, return_index=True, return_counts=True)
    row = np.repeat(np.arange(active.size), counts)
    n = (counts - 1).astype(np.float64)
    span = times[first + counts - 1] - times[first]
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        mean = span / n  # ms per interval
        dev = np.diff(times) - mean[row[1:]]
        dev[row[1:] != row[:-1]] = 0.0  # the interval between two neurons' trains
        out = np.sqrt(np.bincount(row[1:], dev * dev, minlength=active.size) / n) / mean
    out[(n < 2) | ~(mean > 0)] = np.nan
    return active, out


def cv_isi(spikes):
    """Per-neuron CV of the ISIs (float array of length size); NaN for neurons with < 3 spikes."""
    out = np.full(spikes.size, np.nan)
    active, values = _cv_isi_of_active(spikes)
    out[active.astype(np.intp)] = values
    return out


def mean_cv_isi(spikes):
    """Mean of cv_isi over neurons with >= 3 spikes (NaN if there are none)."""
    _, values = _cv_isi_of_active(spikes)
    return float(np.nanmean(values)) if np.any(~np.isnan(values)) else float("nan")


def fanofactor(counts):
    """Fano factor var/mean (ddof 0) of a sequence of spike counts; NaN if the mean is 0."""
    counts = np.asarray(counts, dtype=np.float64)
    return float(counts.var() / counts.mean()) if counts.size and counts.mean() != 0 else float("nan")


def fano_factor(spikes, bin_size=10.0, t_start=None, t_stop=None):
    """Fano factor of the population spike count in bins of bin_size ms (1 for Poisson, >1 when
    neurons fire together)."""
    t0, t1, keep = _window(spikes, t_start, t_stop)
    n_bins = _n_bins(t0, t1, bin_size)
    if n_bins <= 1 << 22:
        return fanofactor(time_histogram(spikes, bin_size, t_start, t_stop)[1])
    # a long run in short bins: count the occupied bins only (the others hold 0)
    index = _bin_index(spikes, spikes.times[keep], t0, t1, bin_size, n_bins)
    _, counts = np.unique(index[index < n_bins], return_counts=True)
    mean = counts.sum() / n_bins
    var = float((counts.astype(np.float64) ** 2).sum() / n_bins - mean * mean)
    return float(max(var, 0.0) / mean) if mean != 0 else float("nan")


def _n_bins(t0, t1, bin_size):
    """Number of whole bins of bin_size ms in [t0, t1) (an incomplete last bin is dropped)."""
    n_bins = int(np.floor((t1 - t0) / bin_size + 1e-9)) if bin_size > 0 else 0
    if n_bins < 1:
        raise AnalysisError(f"bin_size {bin_size} ms must be > 0 and fit in the window [{t0}, {t1}) ms")
    if n_bins >= 1 << 53:  # bin indices must stay exact in float64 and fit an intp
        raise AnalysisError(f"the window [{t0}, {t1}) ms holds {float(n_bins):.3g} bins of {bin_size} ms, too many to "
                            "count")
    return n_bins


def time_histogram(spikes, bin_size, t_start=None, t_stop=None):
    """(bin_edges ms, spike counts) of all neurons in bins of bin_size ms; an incomplete last bin
    is dropped."""
    t0, t1, keep = _window(spikes, t_start, t_stop)
    n_bins = _n_bins(t0, t1, bin_size)
    if n_bins > MAX_BINS:
        raise AnalysisError(f"[{t0}, {t1}) ms in bins of {bin_size} ms makes {n_bins} bins (more than {MAX_BINS}); "
                            "choose a larger bin_size or a shorter window")
    index = _bin_index(spikes, spikes.times[keep], t0, t1, bin_size, n_bins)
    counts = np.bincount(index[index < n_bins], minlength=n_bins)
    return t0 + bin_size * np.arange(n_bins + 1), counts


def binned_population_rate(spikes, bin_size, t_start=None, t_stop=None):
    """(bin_edges ms, rate Hz per recorded neuron) of the population in bins of bin_size ms."""
    edges, counts = time_histogram(spikes, bin_size, t_start, t_stop)
    return edges, counts / (max(spikes.n_recorded, 1) * bin_size / 1000.0)


def instantaneous_rate(spikes, sampling_period=1.0, sigma=5.0, t_start=None, t_stop=None):
    """(times ms, rate Hz per neuron): population rate smoothed by a Gaussian kernel of width
    sigma ms, sampled every sampling_period ms (bin centres)."""
    edges, rate = binned_population_rate(spikes, sampling_period, t_start, t_stop)
    half = int(np.ceil(4 * sigma / sampling_period))
    kernel = np.exp(-0.5 * (np.arange(-half, half + 1) * sampling_period / sigma) ** 2)
    smooth = np.convolve(rate, kernel / kernel.sum(), mode="same")
    return 0.5 * (edges[:-1] + edges[1:]), smooth


def correlation_coefficient(spikes, bin_size=5.0, n_pairs=100, seed=0, t_start=None, t_stop=None):
    """Pearson correlation of binned spike counts (bin_size ms) for n_pairs random pairs of
    distinct neurons that fired in the window; deterministic for a seed. Returns a float array
    (NaN for a pair whose counts are constant; empty if fewer than 2 neurons fired)."""
    t0, t1, keep = _window(spikes, t_start, t_stop)
    active = np.unique(spikes.ids[keep])  # memory in the spikes, not in the population size
    if active.size < 2 or n_pairs < 1:
        return np.empty(0)
    rng = np.random.default_rng(seed)
    first = rng.integers(0, active.size, n_pairs)
    second = (first + rng.integers(1, active.size, n_pairs)) % active.size
    chosen, rows = np.unique(np.concatenate([active[first], active[second]]), return_inverse=True)
    n_bins = _n_bins(t0, t1, bin_size)
    if chosen.size * n_bins > MAX_BINS:
        raise AnalysisError(f"{chosen.size} neurons x {n_bins} bins of {bin_size} ms is more than {MAX_BINS} "
                            "counts; choose a larger bin_size, a shorter window or fewer pairs")
    ids, times = spikes.ids[keep], spikes.times[keep]
    slot = np.minimum(np.searchsorted(chosen, ids), chosen.size - 1)
    row_of = np.where(chosen[slot] == ids, slot, -1)
    cols = _bin_index(spikes, times, t0, t1, bin_size, n_bins)
    use = (row_of >= 0) & (cols < n_bins)
    binned = np.bincount(row_of[use] * n_bins + cols[use], minlength=chosen.size * n_bins)
    binned = binned.reshape(chosen.size, n_bins).astype(np.float64)
    binned -= binned.mean(axis=1, keepdims=True)
    a, b = binned[rows[:n_pairs]], binned[rows[n_pairs:]]
    with np.errstate(invalid="ignore", divide="ignore"):
        return (a * b).sum(1) / np.sqrt((a * a).sum(1) * (b * b).sum(1))


def to_neo(spikes):
    """One neo.SpikeTrain (ms) per neuron of a SpikeData; needs the optional `neo` package."""
    try:
        import neo
        import quantities as pq
    except ImportError as exc:
        raise ImportError("to_neo needs the 'neo' package: pip install neo") from exc
    return [neo.SpikeTrain(train * pq.ms, t_start=spikes.t_start * pq.ms, t_stop=spikes.t_stop * pq.ms,
                           population=spikes.population, node_id=i)
            for i, train in enumerate(spikes.trains())]


def summary(path, population=None, t_start=None, t_stop=None, bin_size=10.0):
    """{population: {count, size, recorded, rate_hz, cv_isi_mean, fano_factor, t_start, t_stop}}
    for the report CLI; rates in Hz per recorded neuron (``recorded`` of ``size`` neurons), Fano
    factor of the population count in bin_size ms."""
    out = {}
    for name, s in read_spikes(path, population, t_start, t_stop).items():
        span = s.t_stop - s.t_start
        out[name] = {"count": len(s), "size": s.size, "recorded": s.n_recorded, "t_start": s.t_start,
                     "t_stop": s.t_stop,
                     "rate_hz": population_rate(s) if span > 0 else float("nan"), "cv_isi_mean": mean_cv_isi(s),
                     "fano_factor": fano_factor(s, bin_size) if span >= bin_size else float("nan")}
    return out
