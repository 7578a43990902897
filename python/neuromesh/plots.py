"""Figures of neuromesh/SONATA output files (matplotlib, imported lazily).

Every spike function takes {population: SpikeData} as returned by ``analysis.read_spikes``
(``traces`` takes an output file or a Result) and returns the matplotlib Figure it drew on; times are in ms, rates in Hz per neuron. Without a display the
Agg backend is used, so the functions work on headless machines and in CI.
"""
import os
import sys

import numpy as np

try:  # inside the neuromesh package
    from . import analysis
except ImportError:  # loaded standalone (tests, or python/neuromesh on sys.path without the package)
    import importlib.util

    _spec = importlib.util.spec_from_file_location(
        "neuromesh_analysis", os.path.join(os.path.dirname(os.path.abspath(__file__)), "analysis.py"))
    analysis = sys.modules.get("neuromesh_analysis") or importlib.util.module_from_spec(_spec)
    if "neuromesh_analysis" not in sys.modules:
        sys.modules["neuromesh_analysis"] = analysis
        _spec.loader.exec_module(analysis)

MAX_POINTS = 200_000  # raster points drawn before neurons are subsampled


def _pyplot():
    """matplotlib.pyplot, switched to Agg first when there is no display to draw on."""
    import matplotlib
    if "matplotlib.pyplot" not in sys.modules and sys.platform.startswith("linux") \
            and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def _axes(ax, figsize):
    """(figure, axes): the given axes, or a new pyplot figure with one axes."""
    if ax is not None:
        return ax.figure, ax
    fig, ax = _pyplot().subplots(figsize=figsize)
    return fig, ax


def _colours(names):
    """One colour per population, in order (tab10 cycle)."""
    import matplotlib
    cmap = matplotlib.colormaps["tab10"]
    return {name: cmap(i % 10) for i, name in enumerate(names)}


def raster_marker(n_points):
    """(marker area [pt^2], alpha) for a raster of n_points dots: large opaque dots for a few
    spikes (visible at any population size), shrinking and fading as they crowd (area 30 pt^2 up to
    1000 points, down to 1 pt^2 from 10^6; alpha 1 up to 10^4 points, down to 0.35 from 10^6), so dense rasters stay readable."""
    n = max(int(n_points), 1)
    size = float(np.clip(30.0 * (1000.0 / n) ** 0.5, 1.0, 30.0)) if n > 1000 else 30.0
    alpha = float(np.clip(1.0 - 0.65 * np.log10(max(n, 10_000) / 10_000) / 2.0, 0.35, 1.0))
    return size, alpha


def raster(spikes_by_pop, ax=None, max_points=MAX_POINTS, colours=None):
    """Spike raster: time (ms) against neuron, populations stacked bottom-up in dict order and
    labelled on the y axis. Above max_points spikes only every k-th neuron is drawn and the
    title says so."""
    fig, ax = _axes(ax, (10, 5))
    colours = colours or _colours(list(spikes_by_pop))
    total = sum(len(s) for s in spikes_by_pop.values())
    stride = max(1, int(np.ceil(total / max_points))) if max_points else 1
    offset, ticks, labels = 0, [], []
    size, alpha = raster_marker(min(total, max_points) if max_points else total)
    for name, s in spikes_by_pop.items():
        keep = s.ids % stride == 0 if stride > 1 else slice(None)
        ax.scatter(s.times[keep], s.ids[keep].astype(np.float64) + offset, s=size, marker="o", alpha=alpha,
                   linewidths=0, color=colours[name], rasterized=True, label=name)
        ticks.append(offset + s.size / 2.0)
        labels.append(f"{name}\n({s.size})")
        offset += s.size
        ax.axhline(offset, color="0.75", lw=0.6)
    ax.set_yticks(ticks, labels)
    ax.set_ylim(0, max(offset, 1))
    _set_time_limits(ax, spikes_by_pop)
    ax.set_ylabel("neuron (population)")
    title = "spike raster"
    if stride > 1:
        title += f" (1 neuron in {stride} shown; {total:,} spikes in total)"
    ax.set_title(title, fontsize=10)
    return fig


MAX_TRACES = 10  # state traces drawn when no ids are given


def _report_of(source, population, variable):
    """The ReportData of `variable` of `population` in an output file or a Result's file."""
    path = getattr(source, "output", source)
    if path is None or path == "":
        raise ValueError("traces: this Result has no output file; state is recorded into one (run with "
                         "output='run.h5')")
    reports = analysis.read_reports(path)
    for report in reports.values():
        if report.population == population and report.variable == variable:
            return report
    recorded = sorted(f"{r.population}.{r.variable}" for r in reports.values())
    raise ValueError(f"traces: {os.fspath(path)!r} holds no {variable} of population {population!r} (recorded: "
                     f"{', '.join(recorded) or 'no state'}; record it with pop.record({variable!r}))")


def traces(source, population, variable="V_m", ids=None, ax=None, max_traces=MAX_TRACES):
    """Recorded state against time: one line per neuron of `population` (its label) for state
    variable `variable` ("V_m", "g_ex", ...), read from an output file or a Result's file.
    ids: population-local node ids to draw (each must have been recorded, else ValueError);
    default the first max_traces recorded ones (the title says how many were recorded). Lines
    hold the recorded samples exactly (x: sample times [ms], y: values in the file's units)."""
    report = _report_of(source, population, variable)
    recorded = report.node_ids.astype(np.int64)
    if ids is None:
        columns = np.arange(min(len(recorded), max_traces))
    else:
        where = {int(i): k for k, i in enumerate(recorded)}
        missing = [int(i) for i in ids if int(i) not in where]
        if missing:
            raise ValueError(f"traces: neurons {missing[:10]} of population {population!r} have no recorded "
                             f"{variable} (recorded ids: {recorded[:10].tolist()}{' ...' if len(recorded) > 10 else ''})")
        columns = np.array([where[int(i)] for i in ids], dtype=np.intp)
    fig, ax = _axes(ax, (10, 3))
    for k in columns:
        ax.plot(report.times, report.data[:, k], lw=1.0, label=f"{population}[{int(recorded[k])}]")
    ax.set_xlabel("time [ms]")
    ax.set_ylabel(f"{variable}" + (f" [{report.units}]" if report.units else ""))
    shown = f"{len(columns)} of {len(recorded)} recorded neurons" if len(columns) < len(recorded) else \
        f"{len(columns)} neuron{'s' if len(columns) != 1 else ''}"
    ax.set_title(f"{population}: {variable} ({shown})", fontsize=10)
    if 0 < len(columns) <= MAX_TRACES:
        ax.legend(loc="upper right", fontsize=7, frameon=False, ncol=min(len(columns), 5))
    return fig


def _state_panel_report(path, population):
    """The report the overview figure draws: V_m of the first population that has it, else the
    first state variable recorded (None without reports)."""
    reports = [r for r in analysis.read_reports(path).values()
               if population is None or r.population in ([population] if isinstance(population, str) else population)]
    reports = [r for r in reports if r.data.shape[0] > 0]
    if not reports:
        return None
    return next((r for r in reports if r.variable == "V_m"), reports[0])


def _set_time_limits(ax, spikes_by_pop):
    if spikes_by_pop:
        first = next(iter(spikes_by_pop.values()))
        if first.t_stop > first.t_start:
            ax.set_xlim(first.t_start, first.t_stop)


def population_rate(spikes_by_pop, bin_size=5.0, ax=None, colours=None):
    """Population firing rate (Hz per neuron) in bins of bin_size ms, one line per population."""
    fig, ax = _axes(ax, (10, 3))
    colours = colours or _colours(list(spikes_by_pop))
    for name, s in spikes_by_pop.items():
        if s.t_stop - s.t_start < bin_size:
            continue
        edges, rate = analysis.binned_population_rate(s, bin_size)
        ax.step(edges[:-1], rate, where="post", color=colours[name], lw=1.0,
                label=f"{name} ({analysis.population_rate(s):.2f} Hz)")
    _set_time_limits(ax, spikes_by_pop)
    ax.set_xlabel("time [ms]")
    ax.set_ylabel(f"rate [Hz]\n({bin_size:g} ms bins)")
    ax.legend(loc="upper right", fontsize=8, frameon=False)
    return fig


def rate_histogram(spikes_by_pop, ax=None, bins=30, colours=None):
    """Histogram of the per-neuron mean firing rates (Hz), one outline per population."""
    fig, ax = _axes(ax, (4, 3))
    colours = colours or _colours(list(spikes_by_pop))
    live = {n: s for n, s in spikes_by_pop.items() if s.t_stop > s.t_start and s.size > 0}
    rates = {n: analysis.mean_firing_rate(s) for n, s in live.items()}
    rates = {n: r[~np.isnan(r)] for n, r in rates.items()}  # the recorded neurons (recorder ids)
    top = max((float(r.max()) for r in rates.values() if r.size), default=1.0)
    # rates are multiples of 1/window: whole multiples per bin avoid empty and doubled bins
    quantum = max((1000.0 / (s.t_stop - s.t_start) for s in live.values()), default=1.0)
    width = quantum * max(1, int(np.ceil(top / bins / quantum)))
    edges = np.arange(-0.5 * quantum, top + width, width)
    for name, r in rates.items():
        ax.hist(r, bins=edges, histtype="step", lw=1.4, color=colours[name],
                label=f"{name}: mean {r.mean():.2f} Hz")
    ax.set_xlabel("firing rate [Hz]")
    ax.set_ylabel("neurons")
    ax.set_title("per-neuron rates", fontsize=10)
    ax.legend(loc="best", fontsize=8, frameon=False)
    return fig


def _stats_text(spikes_by_pop, bin_size):
    """Monospaced per-population table for the figure's side panel."""
    lines = [f"{'pop':<8}{'rate Hz':>8}{'CV ISI':>8}{'Fano':>7}"]
    for name, s in spikes_by_pop.items():
        ok = s.t_stop - s.t_start >= bin_size
        rate = analysis.population_rate(s) if ok else float("nan")
        fano = analysis.fano_factor(s, bin_size) if ok else float("nan")
        lines.append(f"{name[:8]:<8}{rate:>8.2f}{analysis.mean_cv_isi(s):>8.2f}{fano:>7.2f}")
    return "\n".join(lines) + f"\n\nFano: population count\nin {bin_size:g} ms bins"


def _title(path, prov, spikes_by_pop):
    network = prov.get("network", os.path.basename(os.fspath(path)))
    parts = [f"{network}"]
    if "duration_ms" in prov:
        parts.append(f"{prov['duration_ms']:g} ms simulated")
    if "dt_ms" in prov:
        parts.append(f"dt {prov['dt_ms']:g} ms")
    if "backend" in prov:
        parts.append(f"backend {prov['backend']}")
    first = next(iter(spikes_by_pop.values()), None)
    if first is not None:
        parts.append(f"window {first.t_start:g}–{first.t_stop:g} ms")
    return " · ".join(parts)


def report_figure(path, out_png=None, t_start=None, t_stop=None, population=None,
                  bin_size=5.0, max_points=MAX_POINTS):
    """One overview figure of an output file: raster on top, population rate (bin_size ms) below,
    then, when a state variable was recorded, a panel of its traces (V_m of the first population
    that has it, else the first report; up to 5 neurons), per-neuron rate histogram and a
    statistics table on the side, title from /provenance.
    Saves it to out_png when given; returns the Figure."""
    from matplotlib.figure import Figure  # not registered with pyplot: no leak, no display needed

    spikes = analysis.read_spikes(path, population, t_start, t_stop)
    prov = analysis.read_provenance(path)
    state = _state_panel_report(path, population)
    colours = _colours(list(spikes))
    fig = Figure(figsize=(13, 7.5 if state is None else 9.5), layout="constrained")
    heights = (2.2, 1) if state is None else (2.2, 1, 1)
    grid = fig.add_gridspec(len(heights), 2, width_ratios=(3.2, 1), height_ratios=heights)
    ax_raster = fig.add_subplot(grid[0, 0])
    ax_rate = fig.add_subplot(grid[1, 0], sharex=ax_raster)
    raster(spikes, ax=ax_raster, max_points=max_points, colours=colours)
    ax_raster.tick_params(labelbottom=False)
    population_rate(spikes, bin_size, ax=ax_rate, colours=colours)
    if state is not None:  # a state variable was recorded: its traces under the rates
        ax_rate.tick_params(labelbottom=False)
        ax_rate.set_xlabel("")
        ax_state = fig.add_subplot(grid[2, 0], sharex=ax_raster)
        traces(path, state.population, state.variable, ax=ax_state, max_traces=5)
    rate_histogram(spikes, ax=fig.add_subplot(grid[0, 1]), colours=colours)
    ax_text = fig.add_subplot(grid[1, 1])
    ax_text.axis("off")
    ax_text.text(0.0, 1.0, _stats_text(spikes, 10.0), family="monospace", fontsize=9, va="top",
                 transform=ax_text.transAxes)
    fig.suptitle(_title(path, prov, spikes), fontsize=12)
    if out_png is not None:
        fig.savefig(os.fspath(out_png), dpi=110)
    return fig


# Hardware model (docs/routing.md): figures of a neuromesh.hardware.EnergyReport.

def energy_components(energy, ax=None):
    """Horizontal bars of the energy per component [J]; unverified constants named in the title."""
    fig, ax = _axes(ax, (7, 4))
    names = [k for k, v in energy.components.items() if v > 0] or list(energy.components)
    ax.barh(names, [energy.components[k] for k in names], color="tab:blue")
    ax.set_xlabel("energy [J]")
    ax.invert_yaxis()
    flag = f" ({len(energy.unverified)} unverified constants)" if energy.unverified else ""
    ax.set_title(f"{energy.summary['hardware']}, {energy.summary['placement']}: {energy.total:.3g} J{flag}")
    return fig


def _mesh_grid(energy, values_of_core):
    """An image of per-core values over the router grid (cores of one router summed)."""
    lay = energy.mapping.layout()
    grid = np.zeros((int(lay["core_y"].max()) + 1, int(lay["core_x"].max()) + 1))
    for core, value in values_of_core:
        grid[lay["core_y"][core], lay["core_x"][core]] += value
    return grid


def core_load(energy, ax=None, quantity="energy"):
    """Per-core load over the mesh: energy [J] or received synaptic events ('synaptic_events')."""
    fig, ax = _axes(ax, (6, 5))
    if quantity == "energy":
        cores, values = energy.per_core
    elif quantity == "synaptic_events":
        values = energy._r["core_synaptic_events"]
        cores = np.arange(len(values))
    else:
        raise ValueError(f"quantity {quantity!r} must be 'energy' or 'synaptic_events'")
    im = ax.imshow(_mesh_grid(energy, zip(cores, values)), origin="lower", cmap="viridis")
    fig.colorbar(im, ax=ax, label="energy [J]" if quantity == "energy" else "synaptic events")
    ax.set_xlabel("router x")
    ax.set_ylabel("router y")
    ax.set_title(f"per-core {quantity.replace('_', ' ')}")
    return fig


def link_heatmap(energy, ax=None):
    """Every link of the mesh as a line between its routers, coloured by the packets it carried
    (both directions drawn side by side)."""
    from matplotlib.collections import LineCollection
    fig, ax = _axes(ax, (7, 5))
    lay = energy.mapping.layout()
    load = np.asarray(energy.links, dtype=float)
    fx, fy, tx, ty = (np.asarray(lay[k], dtype=float) for k in ("link_from_x", "link_from_y", "link_to_x", "link_to_y"))
    long_way = (np.abs(tx - fx) > 1) | (np.abs(ty - fy) > 1)  # torus wrap-around links are not drawn
    dx, dy = tx - fx, ty - fy
    norm = np.hypot(dx, dy) + 1e-12
    off_x, off_y = -dy / norm * 0.08, dx / norm * 0.08  # each direction on its own side
    segs = [((a + ox, b + oy), (c + ox, d + oy)) for a, b, c, d, ox, oy, w in
            zip(fx, fy, tx, ty, off_x, off_y, long_way) if not w]
    lc = LineCollection(segs, array=load[~long_way], cmap="inferno", linewidths=3)
    ax.add_collection(lc)
    ax.autoscale()
    ax.set_aspect("equal")
    fig.colorbar(lc, ax=ax, label="packets")
    ax.set_xlabel("router x")
    ax.set_ylabel("router y")
    t = energy.traffic
    ax.set_title(f"link load (busiest {t['max_link_load']:.0f}, mean {t['mean_link_load']:.1f} packets)")
    return fig


def lateness(timing, ax=None):
    """Histogram of how late packets reached their cores in the timing mode (steps late, log
    counts), with the on-time and dropped shares in the title."""
    fig, ax = _axes(ax, (6, 4))
    hist = np.asarray(timing.lateness_steps, dtype=float)
    steps = np.arange(len(hist))
    late = hist > 0
    ax.bar(steps[late], hist[late], width=1.0, color="tab:red")
    if late.any():
        ax.set_yscale("log")
    ax.set_xlabel("steps late")
    ax.set_ylabel("deliveries to cores")
    d = timing.deliveries
    total = max(1, d["total"])
    ax.set_title(f"{timing.mode} mode: {100 * d['on_time'] / total:.1f} % on time, "
                 f"{100 * d['late'] / total:.1f} % late, {100 * d['dropped'] / total:.1f} % dropped")
    return fig
