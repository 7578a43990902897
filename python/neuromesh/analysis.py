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

Rates are over the neurons whose spikes were recorded: a recorder with `ids` records only those
neurons (the file lists them in /spikes/<pop>/recorded_node_ids), and the others have no rate
(NaN in mean_firing_rate) rather than a false 0 Hz.
"""
import dataclasses
import os

import h5py
import numpy as np

BLOCK = 1 << 20  # timestamps read per block when a time window is located
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
            self._by_id = (np.repeat(np.arange(self.size, dtype=np.uint64), self.counts()), self.times[order])
        return self._by_id

    def trains(self):
        """List of ``size`` sorted spike-time arrays (ms), one per neuron."""
        _, times = self.by_neuron()
        return np.split(times, np.cumsum(self.counts())[:-1])


@dataclasses.dataclass
class ReportData:
    """One /report/<group>: data[frame, column] for node_ids[column] at times (ms). data keeps the
    stored precision: float32 from single-precision runs, float64 from double-precision ones (other
    numeric types are read as float64)."""
    population: str
    variable: str
    units: str
    node_ids: np.ndarray
    times: np.ndarray
    data: np.ndarray
    index_pointers: np.ndarray


# ---------------------------------------------------------------- reading
def _open(path):
    """Opens an HDF5 file for reading, raising AnalysisError for a missing or non-HDF5 path."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise AnalysisError(f"{path!r}: file not found; check the path of the neuromesh/SONATA output file")
    if os.path.isdir(path) or not h5py.is_hdf5(path):
        raise AnalysisError(f"{path!r}: not an HDF5 file; expected the output of 'neuromesh run ... -o OUT.h5'")
    try:
        return h5py.File(path, "r")
    except OSError as exc:
        raise AnalysisError(f"{path!r}: cannot open the HDF5 file ({exc})") from exc


def _text(value):
    """Decodes bytes/str/numpy scalars from h5py attributes to str."""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _provenance(f):
    """Attributes of /provenance: numbers as float, strings as str."""
    if "provenance" not in f:
        return {}
    return {key: _text(v) if isinstance(v, (bytes, str)) else float(v) if np.ndim(v) == 0 else v
            for key, v in f["provenance"].attrs.items()}


def read_provenance(path):
    """The /provenance attributes of an output file as a dict (numbers as float; {} if absent)."""
    with _open(path) as f:
        return _provenance(f)


def _sorting(attrs):
    """'by_time', 'by_id' or 'none' from a `sorting` attribute stored as enum, string or missing."""
    value = attrs.get("sorting")
    if isinstance(value, (bytes, str)):
        return {"by_time": "by_time", "by_id": "by_id", "by_gid": "by_id"}.get(_text(value), "none")
    return "none" if value is None else {1: "by_id", 2: "by_time"}.get(int(value), "none")


def _time_scale(dataset, where):
    """Factor converting the timestamps dataset to ms from its `units` attribute."""
    units = _text(dataset.attrs.get("units", "ms")).strip().lower()
    if units in _MILLISECONDS or units in _SECONDS:
        return 1000.0 if units in _SECONDS else 1.0
    raise AnalysisError(f"{where}/timestamps: unknown time units {units!r} (expected 'ms' or 's')")


def _ids_dataset(group):
    return next((group[n] for n in ("node_ids", "gids") if isinstance(group.get(n), h5py.Dataset)), None)


def _spike_sources(f, path):
    """pop -> (group holding `sorting` and recorded_node_ids, node id dataset, timestamps dataset)
    of every layout."""
    if not isinstance(f.get("spikes"), h5py.Group):
        raise AnalysisError(f"{path!r}: no /spikes group (top level has: {', '.join(f) or 'nothing'})")
    candidates = [(FLAT_POPULATION, f["spikes"])] + list(f["spikes"].items())  # legacy flat layout first
    candidates = [(n, g) for n, g in candidates if isinstance(g, h5py.Group) and _ids_dataset(g) is not None]
    return {n: (g, _ids_dataset(g), g["timestamps"])
            for n, g in candidates if isinstance(g.get("timestamps"), h5py.Dataset)}


def _window_range(ts, lo, hi):
    """Index range [i, j) of a time-sorted dataset with lo <= ts < hi, reading about two blocks."""
    heads = ts[::BLOCK] if ts.shape[0] else np.empty(0)

    def first_at_least(value):
        if value is None:
            return 0
        k = max(int(np.searchsorted(heads, value, "left")) - 1, 0)
        return k * BLOCK + int(np.searchsorted(ts[k * BLOCK:(k + 1) * BLOCK], value, "left"))

    return first_at_least(lo), (ts.shape[0] if hi is None else first_at_least(hi))


def _read_window(ids_ds, ts_ds, by_time, lo, hi):
    """(ids, times in file units) of spikes with lo <= t < hi (None = open end)."""
    if by_time:
        i, j = _window_range(ts_ds, lo, hi)
        return ids_ds[i:j], ts_ds[i:j]
    ids, times = ids_ds[...], ts_ds[...]  # no order to exploit: filter the whole population
    keep = np.ones(times.shape, bool) if lo is None else times >= lo
    if hi is not None:
        keep &= times < hi
    return ids[keep], times[keep]


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
    ds = group.get("recorded_node_ids")
    if not isinstance(ds, h5py.Dataset):
        return None
    ids = np.asarray(ds[...]).astype(np.uint64, copy=False)
    if ids.size > 1 and not np.all(ids[1:] > ids[:-1]):
        raise AnalysisError(f"{where}/recorded_node_ids is not sorted and unique")
    return ids


def _load_population(name, source, prov, t_start, t_stop, where):
    group, ids_ds, ts_ds = source
    if ids_ds.shape != ts_ds.shape:
        raise AnalysisError(f"{where}: node_ids has {ids_ds.shape[0]} entries but timestamps {ts_ds.shape[0]}")
    scale = _time_scale(ts_ds, where)
    duration = prov.get("duration_ms")
    if t_stop is not None and duration is not None:
        t_stop = min(t_stop, duration)
    lo = None if t_start is None else t_start / scale
    # A window reaching the end of the run keeps the spikes stamped at the end (the last step's).
    to_end = t_stop is None or (duration is not None and t_stop >= duration)
    hi = None if to_end else t_stop / scale
    ids, times = _read_window(ids_ds, ts_ds, _sorting(group.attrs) == "by_time", lo, hi)
    ids = np.asarray(ids).astype(np.uint64, copy=False)
    times = np.asarray(times, np.float64) if scale == 1.0 else np.asarray(times, np.float64) * scale
    recorded = _recorded_ids(group, where)
    size = prov.get(f"population_size.{name}")
    if size is not None:
        size = int(size)
    else:  # as `neuromesh info`: the largest id known, + 1
        known = [int(ids.max())] if ids.size else []
        known += [int(recorded[-1])] if recorded is not None and recorded.size else []
        size = max(known, default=-1) + 1
    if ids.size and int(ids.max()) >= size:
        raise AnalysisError(f"{where}: node id {int(ids.max())} >= population size {size}")
    if recorded is not None and recorded.size and int(recorded[-1]) >= size:
        raise AnalysisError(f"{where}/recorded_node_ids: node id {int(recorded[-1])} >= population size {size}")
    if recorded is not None and ids.size and not np.all(np.isin(ids, recorded)):
        raise AnalysisError(f"{where}: spikes of neurons outside recorded_node_ids")
    begin = 0.0 if t_start is None else float(t_start)
    t_end = float(duration) if duration is not None else (float(times.max()) if times.size else None)
    end = t_stop if t_stop is not None else t_end
    end = float(end) if end is not None else begin
    return SpikeData(name, ids, times, size, begin, max(end, begin), recorded=recorded, t_end=t_end)


def read_spikes(path, population=None, t_start=None, t_stop=None):
    """Reads /spikes of a SONATA file into {population: SpikeData}.

    population: a name, a list of names or None (all). t_start/t_stop (ms) select spikes with
    t_start <= t < t_stop; t_stop is capped at provenance duration_ms, and a window that reaches
    the end of the run (no t_stop, or t_stop >= duration_ms) also keeps the spikes stamped exactly
    at the end (fired in the last step), so the default window is every spike in the file, as
    `neuromesh info` counts them. Files sorted by_time are
    read only around the window. Accepts /spikes/<pop>/{node_ids|gids, timestamps} and the
    legacy flat /spikes/{gids|node_ids, timestamps} (named ``FLAT_POPULATION``); `sorting` as
    enum, string or missing; timestamps in s when `units` says so.
    """
    if t_start is not None and t_stop is not None and t_stop < t_start:
        raise AnalysisError(f"t_stop ({t_stop} ms) is before t_start ({t_start} ms)")
    path = os.fspath(path)
    with _open(path) as f:
        found = _spike_sources(f, path)
        if not found:
            raise AnalysisError(f"{path!r}: /spikes holds no population with node_ids and "
                                f"timestamps (it has: {', '.join(f['spikes']) or 'nothing'})")
        prov = _provenance(f)
        return {name: _load_population(name, found[name], prov, t_start, t_stop, f"{path}:{found[name][0].name}")
                for name in _select(found, population, path)}


def _read_report(name, group):
    data_ds, mapping = group["data"], group["mapping"]
    pointers = mapping.get("index_pointers", mapping.get("index_pointer"))
    tstart, _, dt = (float(x) for x in mapping["time"][:3])
    scale = 1000.0 if _text(mapping["time"].attrs.get("units", "ms")).lower() in _SECONDS else 1.0
    data = np.asarray(data_ds[...])  # as stored: float32 (single-precision runs) or float64 (double)
    if data.dtype not in (np.float32, np.float64):
        data = data.astype(np.float64)
    variable = _text(data_ds.attrs.get("variable", data_ds.attrs.get("variable_name", name)))
    return ReportData(population=_text(group.attrs.get("population", name)), variable=variable,
                      units=_text(data_ds.attrs.get("units", "")),
                      node_ids=np.asarray(mapping["node_ids"][...], np.uint64),
                      times=(tstart + dt * np.arange(data.shape[0])) * scale, data=data,
                      index_pointers=np.asarray(pointers[...] if pointers is not None else [], np.uint64))


def read_reports(path):
    """Reads every /report/<group> into {group: ReportData} ({} when the file has no reports)."""
    with _open(path) as f:
        reports = f.get("report")
        if not isinstance(reports, h5py.Group):
            return {}
        try:
            return {name: _read_report(name, g) for name, g in reports.items() if isinstance(g, h5py.Group)}
        except KeyError as exc:
            raise AnalysisError(f"{os.fspath(path)!r}: malformed /report ({exc})") from exc


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


def cv_isi(spikes):
    """Per-neuron CV of the ISIs (float array of length size); NaN for neurons with < 3 spikes."""
    ids, times = spikes.by_neuron()
    ids, counts = ids.view(np.intp), spikes.counts()
    n, last = np.maximum(counts - 1, 0).astype(np.float64), np.cumsum(counts) - 1
    span = np.zeros(spikes.size)
    span[counts > 0] = times[last[counts > 0]] - times[(last - counts + 1)[counts > 0]]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = span / n  # ms per interval
        dev = np.diff(times) - mean[ids[1:]]
        dev[ids[1:] != ids[:-1]] = 0.0  # the interval between two neurons' trains
        out = np.sqrt(np.bincount(ids[1:], dev * dev, minlength=spikes.size) / n) / mean
    out[(n < 2) | ~(mean > 0)] = np.nan
    return out


def mean_cv_isi(spikes):
    """Mean of cv_isi over neurons with >= 3 spikes (NaN if there are none)."""
    values = cv_isi(spikes)
    return float(np.nanmean(values)) if np.any(~np.isnan(values)) else float("nan")


def fanofactor(counts):
    """Fano factor var/mean (ddof 0) of a sequence of spike counts; NaN if the mean is 0."""
    counts = np.asarray(counts, dtype=np.float64)
    return float(counts.var() / counts.mean()) if counts.size and counts.mean() != 0 else float("nan")


def fano_factor(spikes, bin_size=10.0, t_start=None, t_stop=None):
    """Fano factor of the population spike count in bins of bin_size ms (1 for Poisson, >1 when
    neurons fire together)."""
    return fanofactor(time_histogram(spikes, bin_size, t_start, t_stop)[1])


def time_histogram(spikes, bin_size, t_start=None, t_stop=None):
    """(bin_edges ms, spike counts) of all neurons in bins of bin_size ms; an incomplete last bin
    is dropped."""
    t0, t1, keep = _window(spikes, t_start, t_stop)
    n_bins = int(np.floor((t1 - t0) / bin_size + 1e-9)) if bin_size > 0 else 0
    if n_bins < 1:
        raise AnalysisError(f"bin_size {bin_size} ms must be > 0 and fit in the window [{t0}, {t1}) ms")
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
    active = np.flatnonzero(np.bincount(spikes.ids[keep].astype(np.intp), minlength=spikes.size))
    if active.size < 2 or n_pairs < 1:
        return np.empty(0)
    rng = np.random.default_rng(seed)
    first = rng.integers(0, active.size, n_pairs)
    second = (first + rng.integers(1, active.size, n_pairs)) % active.size
    chosen, rows = np.unique(np.concatenate([active[first], active[second]]), return_inverse=True)
    row_of = np.full(spikes.size, -1, np.intp)
    row_of[chosen] = np.arange(chosen.size)
    n_bins = int(np.floor((t1 - t0) / bin_size + 1e-9))
    ids, times = spikes.ids[keep].astype(np.intp), spikes.times[keep]
    cols = _bin_index(spikes, times, t0, t1, bin_size, n_bins)
    use = (row_of[ids] >= 0) & (cols < n_bins)
    binned = np.bincount(row_of[ids[use]] * n_bins + cols[use], minlength=chosen.size * n_bins)
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
