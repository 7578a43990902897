"""Neo (https://neo.readthedocs.io) views of neuromesh output: spikes as neo.SpikeTrain, recorded
state as neo.AnalogSignal, in one neo.Block -- what PyNN's get_data() returns, so Elephant, the
neo.io writers and PyNN's plotting take neuromesh results.

    block = neuromesh.to_neo("out.h5")          # any output file (or a Result, or a Population)
    neo.io.PickleIO("out.pkl").write_block(block)
    with neo.io.NixIO("out.nix", mode="ow") as io:   # NIX/HDF5, with the nixio package
        io.write_block(block)

Layout: one Segment holding every SpikeTrain and AnalogSignal; block.groups has one neo.Group per
population with its trains and signals. A SpikeTrain per recorded neuron (also those that did
not fire), annotated population and source_id (the population-local node id), t_start/t_stop
the recorded window; an AnalogSignal per recorded state variable of a population, one channel
per recorded neuron (array annotation channel_ids: node ids), with the file's units,
sampling_period the recording interval and t_start its first sample. Needs the optional `neo`
package (pip install neo)."""
import os

import numpy as np

from . import analysis
from .errors import ConfigError


def _neo():
    try:
        import neo
        import quantities as pq
    except ImportError as exc:
        raise ImportError("neuromesh's neo conversion needs the 'neo' package: pip install neo") from exc
    return neo, pq


def _units(pq, text):
    """quantities units of a report's `units` attribute ("mV", "nS", "pA"; "" or unknown:
    dimensionless, the text kept in the signal's annotations)."""
    try:
        return pq.Quantity(1.0, text).units if text else pq.dimensionless
    except (LookupError, ValueError, TypeError):  # quantities raises LookupError for unknown names
        return pq.dimensionless


def spike_trains(spikes):
    """One neo.SpikeTrain [ms] per recorded neuron of an analysis.SpikeData, in node id order."""
    neo, pq = _neo()
    trains = spikes.trains()
    ids = np.arange(spikes.size) if spikes.recorded is None else spikes.recorded.astype(np.intp)
    return [neo.SpikeTrain(np.asarray(trains[i]) * pq.ms, t_start=spikes.t_start * pq.ms,
                           t_stop=spikes.t_stop * pq.ms, name=f"{spikes.population}[{i}]",
                           population=spikes.population, source_id=int(i), source_index=int(i))
            for i in ids]


def analog_signal(report):
    """A neo.AnalogSignal of an analysis.ReportData: data[frame, channel] in the report's units,
    sampling_period the interval, t_start the first frame's time, channel_ids the node ids."""
    neo, pq = _neo()
    period = float(report.dt) if report.dt else (float(report.times[1] - report.times[0])
                                                  if report.times.size > 1 else 1.0)
    t_start = float(report.times[0]) if report.times.size else 0.0
    return neo.AnalogSignal(np.asarray(report.data), units=_units(pq, report.units),
                            sampling_period=period * pq.ms, t_start=t_start * pq.ms, name=report.variable,
                            population=report.population, variable=report.variable, units_text=report.units,
                            array_annotations={"channel_ids": np.asarray(report.node_ids, dtype=np.int64)})


def _block(name, spikes_by_pop, reports, description):
    neo, _ = _neo()
    block = neo.Block(name=name, description=description)
    segment = neo.Segment(name=f"{name} run")
    block.segments.append(segment)
    members = {}  # population -> its trains and signals; added in one extend each (neo's append is O(n))
    for pop, spikes in spikes_by_pop.items():
        members.setdefault(pop, ([], []))[0].extend(spike_trains(spikes))
    for report in reports:
        members.setdefault(report.population, ([], []))[1].append(analog_signal(report))
    for pop, (trains, signals) in members.items():
        segment.spiketrains.extend(trains)
        segment.analogsignals.extend(signals)
        group = neo.Group(name=pop)
        group.spiketrains.extend(trains)
        group.analogsignals.extend(signals)
        block.groups.append(group)
    block.check_relationships()
    return block


def block_from_file(path, population=None, variables="all"):
    """The spikes and recorded state of an output file as a neo.Block (see the module's text).
    population: a name or list of names (default all); variables: "all", "spikes", or a state
    variable name or list of names (with or without "spikes")."""
    path = os.fspath(path)
    wanted = None if variables == "all" else ({variables} if isinstance(variables, str) else set(variables))
    pops = None if population is None else ({population} if isinstance(population, str) else set(population))
    spikes = {}
    if wanted is None or "spikes" in wanted:
        try:
            spikes = analysis.read_spikes(path, None if pops is None else sorted(pops))
        except analysis.AnalysisError:
            if not analysis.read_reports(path):  # a file with neither spikes nor reports
                raise
    reports = [r for r in analysis.read_reports(path).values()
               if (pops is None or r.population in pops) and (wanted is None or r.variable in wanted)]
    if wanted is not None:
        missing = sorted(wanted - {"spikes"} - {r.variable for r in reports})
        if missing:
            raise ConfigError(f"{path}: no recorded state {missing} (recorded: "
                              f"{sorted({r.variable for r in analysis.read_reports(path).values()}) or 'none'})")
    prov = analysis.read_provenance(path)
    return _block(str(prov.get("network", os.path.basename(path))), spikes, reports,
                  f"neuromesh output {path}")


def block_from_result(result, population=None, variables="all"):
    """A Result as a neo.Block: read from its output file when it has one (spikes and state);
    without one, the spikes held in memory (state is only recorded into a file: ConfigError when
    state variables are asked for or were recorded)."""
    if result.output:
        return block_from_file(result.output, population, variables)
    net = result._network
    pops = [p for p in net.populations
            if population is None or p.label == population or (not isinstance(population, str) and p.label in population)]
    state = sorted({var for p in pops for var, *_ in p._recording if var != "spikes"})
    if state and variables != "spikes":
        raise ConfigError(f"to_neo: state {state} is recorded into the output file only; run with output=... to "
                          "get it as neo.AnalogSignal (or ask for variables='spikes')")
    summary = result.summary
    spikes = {}
    for p in pops:
        recorded = summary.get("recorded_neurons", {}).get(p.label, p.size)
        if not recorded:
            continue
        ids, times = result.spikes(p.label)
        start, stop = summary.get("recorded_window_ms", {}).get(p.label, (0.0, float("inf")))
        t_stop = min(stop, summary["simulated_ms"])
        chosen = sorted({i for var, _, rec_ids, *_ in p._recording if var == "spikes" for i in rec_ids})
        whole = not chosen or any(var == "spikes" and not rec_ids for var, _, rec_ids, *_ in p._recording)
        spikes[p.label] = analysis.SpikeData(p.label, np.asarray(ids, np.uint64), np.asarray(times, np.float64),
                                             p.size, start, max(t_stop, start),
                                             recorded=None if whole else np.asarray(chosen, np.uint64),
                                             t_end=summary["simulated_ms"])
    return _block(net.name, spikes, [], "neuromesh run (spikes in memory)")
