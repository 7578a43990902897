"""What a network would cost on neuromorphic hardware (docs/routing.md): hardware presets, mapping
a network onto a chip (placement, routes, routing tables) and the energy of a run, by component,
core, chip, link and time bin.

    net.run(1000, hardware="loihi", placement="energy-aware").energy     # an EnergyReport
    neuromesh.hardware.map_network(net, "spinnaker", placement="energy-aware").summary()
"""
import numpy as np

from . import _core
from .errors import ConfigError

PLACEMENTS = ("sequential", "random", "energy-aware")
OBJECTIVES = ("energy", "traffic")


TIMING_MODES = ("delay", "drop")  # Network.run(timing=...); checked by neuromesh::run


def presets():
    """Names of the built-in hardware descriptions."""
    return sorted(_core.hardware_presets())


def info(name_or_path):
    """A hardware description (preset name or JSON file) as a dict: geometry, limits, every
    constant with its unit, source and status, and the list of unverified constants."""
    return _core.hardware_info(str(name_or_path))


class Mapping:
    """A network placed and routed on a chip family."""

    def __init__(self, core_mapping, network):
        self._m, self.network = core_mapping, network

    def summary(self):
        """Cores and chips used, inter-core packets, hop energy, busiest link, usage against limits,
        routing-table sizes, unverified constants."""
        return self._m.summary()

    def __repr__(self):
        return self._m.describe()

    def core_of(self):
        """Core index of every neuron (global ids)."""
        return self._m.core_of()

    def layout(self):
        """Grid positions of cores and links (for plots over the mesh)."""
        return self._m.layout()

    def table_sizes(self):
        """Routing-table entries per router (table presets): before and after compression."""
        return self._m.table_sizes()

    def rank_of_gid(self, ranks, method="two-level"):
        """Owner MPI rank of every neuron. "two-level": whole chips (or, with more ranks than
        chips, whole cores) grouped by the spikes between them; "plain": contiguous chips, or the
        neurons in core order cut into equal blocks (docs/routing.md, MPI link)."""
        return self._m.rank_of_gid(int(ranks), str(method))

    def inter_rank_traffic(self, ranks, rates=None, method="two-level"):
        """Spike messages and bytes per second between `ranks` ranks under this placement, for
        `rates` (Hz per neuron; default: the rates the placement used)."""
        return self._m.inter_rank_traffic(int(ranks), None if rates is None else [float(r) for r in rates],
                                          str(method))


class EnergyReport:
    """Energy of a run on a chip family. `components` maps each component (hardware.md §6(b)) to
    joules; table() gives them as rows; `per_core`, `per_chip`, `links` and `bins` are arrays."""

    def __init__(self, report, mapping):
        self._r, self.mapping = report, mapping
        self.total = report["total_energy_j"]
        self.power = report["power_w"]
        self.components = dict(zip(report["components"], report["component_joules"]))
        self.unverified = list(report["unverified_constants"])
        self.traffic = dict(report["traffic"])
        self.summary = {k: v for k, v in report.items() if not isinstance(v, np.ndarray)}

    def table(self):
        """Rows (component, joules, share of the total); a pandas DataFrame when pandas is installed."""
        rows = [(k, v, v / self.total if self.total > 0 else 0.0) for k, v in self.components.items()]
        try:
            import pandas as pd
        except ImportError:
            return rows
        return pd.DataFrame(rows, columns=["component", "energy_j", "share"])

    @property
    def per_core(self):
        """(core index, joules) of every used core."""
        return self._r["core_index"], self._r["core_joules"]

    @property
    def per_chip(self):
        """Energy [J] per chip of the mapping."""
        return self._r["chip_joules"]

    @property
    def links(self):
        """Packets that crossed every link of the topology (order of mapping.layout())."""
        return self._r["link_packets"]

    @property
    def bins(self):
        """(bin start times [ms], dynamic joules per bin, spikes per bin)."""
        j = self._r["bin_joules"]
        return np.arange(len(j)) * self._r["bin_ms"], j, self._r["bin_spikes"]

    def __repr__(self):
        return self._r["table"]


class TimingReport:
    """Timing mode results (docs/routing.md, "Timing mode"): deliveries to cores on time, late or
    dropped, lateness, link backlog, spike disorder, received-ISI distortion, and (`reference`)
    how the network's own spikes differ from the ideal run's."""

    def __init__(self, report):
        self._r = report
        self.mode = report["mode"]
        self.deliveries = dict(report["deliveries"])
        self.late = dict(report["late"])
        self.lateness_steps = report["lateness_steps"]
        self.isi_distortion = dict(report["isi_distortion"])
        self.spike_disorder = report["spike_disorder"]
        # what dropped packets did not use, included in result.energy (which counts whole routes)
        self.not_spent = dict(report["not_spent_by_dropped_packets"])
        self.reference = dict(report["against_ideal_run"]) if "against_ideal_run" in report else None
        self.summary = {k: v for k, v in report.items() if not isinstance(v, np.ndarray)}

    def __repr__(self):
        return self._r["table"]


def _check(placement, profile_ms, objective="energy"):
    if placement not in PLACEMENTS:
        raise ConfigError(f"placement {placement!r} is not one of {', '.join(PLACEMENTS)}")
    if objective not in OBJECTIVES:
        raise ConfigError(f"objective {objective!r} is not one of {', '.join(OBJECTIVES)}")
    if not profile_ms >= 0:
        raise ConfigError(f"profile_ms = {profile_ms}: must be >= 0")


def profile_rates(network, duration_ms=200.0, threads=0):
    """Firing rate [Hz] of every neuron (global ids) in a run of `duration_ms` without output."""
    return np.asarray(_core.profile_rates(network.spec(), float(duration_ms), int(threads)))


def map_network(network, hardware="loihi", placement="sequential", seed=None, profile_ms=200.0, routing=None,
                splitters=False, chips=None, threads=0, objective="energy"):
    """Places and routes `network` on `hardware` (preset or JSON file). energy-aware placement uses
    rates from a profiling run of `profile_ms` (0: every neuron 1 Hz) and keeps, of its candidates,
    the one with the least estimated energy (objective="energy": static power over the modelled
    step time plus network) or the least network energy and inter-core packets
    (objective="traffic": fuller cores, longer steps on Loihi). chips=(x, y) overrides the
    preset's board. Raises ConfigError (naming the limit, core and neuron) when it cannot fit."""
    _check(placement, profile_ms, objective)
    if chips is not None and (len(chips) != 2 or min(int(c) for c in chips) < 1):
        raise ConfigError(f"chips = {chips!r}: give (x, y) with positive integers")
    m = _core.map_network(network.spec(), str(hardware), placement, int(network.seed if seed is None else seed),
                          float(profile_ms), routing or "", bool(splitters),
                          tuple(int(c) for c in chips) if chips else (0, 0), int(threads), objective)
    return Mapping(m, network)


def account(mapping, sim, dt, output=None, bin_ms=10.0, detail=False):
    """The energy of a finished core simulation's recorded spikes, replayed through the accountant
    that Network.run and the CLI attach during a run (without the engine's update count: every
    neuron-step counts as active). detail=True adds link serialisation to the
    step time and per-link packets per time bin (slower: walks every route's links)."""
    gids, times = sim.spikes()
    steps = np.rint(np.asarray(times) / dt).astype(np.int64) - 1
    n_steps = int(round(sim.time / dt))
    report = _core.account_energy(mapping._m, np.asarray(gids, dtype=np.uint32), steps, n_steps,
                                  bin_ms=float(bin_ms), output=output or "", detail=bool(detail))
    return EnergyReport(report, mapping)
