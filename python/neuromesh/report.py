"""`neuromesh report OUT.h5`: a per-population table of spike statistics and an optional figure.

    neuromesh report OUT.h5 [--plot out.png] [--t-start MS] [--t-stop MS] [--population P]

Also runnable as ``python -m neuromesh.report``. ``main(argv)`` returns the exit code: 0 on
success, 1 on any error (message on stderr, no traceback).
"""
import argparse
import math
import os
import sys


def _sibling(name):
    """neuromesh.<name> inside the package, else python/neuromesh/<name>.py loaded standalone."""
    import importlib
    import importlib.util
    if __package__:
        return importlib.import_module(f"{__package__}.{name}")
    key = f"neuromesh_{name}"
    if key not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            key, os.path.join(os.path.dirname(os.path.abspath(__file__)), f"{name}.py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules[key] = module
        spec.loader.exec_module(module)
    return sys.modules[key]


analysis = _sibling("analysis")


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # usage errors exit 1 like the C++ CLI, not argparse's 2
        self.print_usage(sys.stderr)
        self.exit(1, f"{self.prog}: error: {message}\n")


def _parser():
    p = _Parser(prog="neuromesh report",
                description="Summarise the spikes in a neuromesh/SONATA output file: spikes, neurons, "
                            "mean rate, CV of the inter-spike intervals and Fano factor per population.")
    p.add_argument("path", metavar="OUT.h5", help="output file written by 'neuromesh run ... -o OUT.h5'")
    p.add_argument("--plot", metavar="PNG", help="also write an overview figure (raster, rates) to PNG")
    p.add_argument("--t-start", type=float, metavar="MS", help="analyse spikes from this time on (ms)")
    p.add_argument("--t-stop", type=float, metavar="MS", help="analyse spikes before this time (ms)")
    p.add_argument("--population", action="append", metavar="P",
                   help="only this population (repeat for several; default all)")
    p.add_argument("--bin-size", type=float, default=10.0, metavar="MS",
                   help="bin width for the Fano factor of the population count (default 10 ms)")
    return p


def _fmt(value, spec):
    return "-" if value is None or (isinstance(value, float) and math.isnan(value)) else format(value, spec)


def format_table(stats, bin_size=10.0):
    """The per-population table printed by the command, as a string. `neurons` are the neurons
    whose spikes were recorded (the rate is over them); a population recorded in part gets a note."""
    header = f"{'population':<16}{'spikes':>12}{'neurons':>10}{'rate [Hz]':>11}{'CV ISI':>9}" \
             f"{f'Fano ({bin_size:g} ms)':>16}"
    rows, notes = [header], []
    for name, s in stats.items():
        recorded = s.get("recorded", s["size"])
        rows.append(f"{name:<16}{s['count']:>12}{recorded:>10}{_fmt(s['rate_hz'], '.3f'):>11}"
                    f"{_fmt(s['cv_isi_mean'], '.3f'):>9}{_fmt(s['fano_factor'], '.3f'):>16}")
        if recorded != s["size"]:
            notes.append(f"{name}: spikes of {recorded} of {s['size']} neurons recorded (recorder ids); "
                         "its rate is over those")
    return "\n".join(rows + notes)


def _header(path, prov, stats):
    """One line naming the file, network and window analysed."""
    parts = [f"file: {path}"]
    if "network" in prov:
        parts.append(f"network {prov['network']}")
    if "dt_ms" in prov:
        parts.append(f"dt {prov['dt_ms']:g} ms")
    first = next(iter(stats.values()), None)
    if first is not None:
        parts.append(f"window {first['t_start']:g}-{first['t_stop']:g} ms")
    return ", ".join(parts)


def _run(args):
    if args.bin_size <= 0:
        raise analysis.AnalysisError(f"--bin-size must be > 0 ms (got {args.bin_size:g})")
    stats = analysis.summary(args.path, args.population, args.t_start, args.t_stop, args.bin_size)
    print(_header(args.path, analysis.read_provenance(args.path), stats))
    print(format_table(stats, args.bin_size))
    print("CV ISI: mean over neurons with >= 3 spikes; Fano: population spike count per bin")
    if args.plot:
        try:
            plots = _sibling("plots")
            plots.report_figure(args.path, args.plot, args.t_start, args.t_stop, args.population)
        except ImportError as exc:
            raise RuntimeError(f"--plot needs matplotlib ({exc}); install it with "
                               "'pip install matplotlib' or run without --plot") from exc
        except OSError as exc:
            raise RuntimeError(f"cannot write the figure {args.plot!r} ({exc.strerror or exc}); "
                               "check that its folder exists and is writable") from exc
        print(f"figure: {args.plot}")


def main(argv=None):
    """Runs `neuromesh report` with argv (default sys.argv[1:]); returns the exit code."""
    args = _parser().parse_args(argv)
    try:
        _run(args)
    except (OSError, RuntimeError, ValueError) as exc:  # AnalysisError is a ValueError
        print(f"neuromesh report: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
