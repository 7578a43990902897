"""What the runnable network scripts share: the common command-line options and running a
network with a per-population rate summary (`  NAME:  12.34 Hz` lines, then sizes and timings)."""
import sys


def add_run_options(parser, duration=1000.0, seed=12345):
    parser.add_argument("--duration", type=float, default=duration, help=f"ms (default {duration:g})")
    parser.add_argument("--seed", type=int, default=seed)
    parser.add_argument("--threads", type=int, default=0, help="0: all cores")
    parser.add_argument("-o", "--output", default=None, help="SONATA HDF5 output file")


def run_and_report(script, build, args, reference=None, footer=""):
    """Builds with build(), runs for args.duration, prints rates (and reference rates if given).
    Bad input ends with the error message and exit status 1."""
    try:
        result = build().run(args.duration, threads=args.threads, output=args.output, progress=True)
    except ValueError as e:
        print(f"{script}: {e}", file=sys.stderr)
        return 1
    if result.rank != 0:  # under mpirun rank 0 holds every spike and reports
        return 0
    for label, rate in result.rates().items():
        extra = f"   (reference {reference[label]:g} Hz)" if reference else ""
        print(f"{label:>6}: {rate:8.2f} Hz{extra}")
    s = result.summary
    print(f"{s['neurons']} neurons, {s['synapses']} synapses ({s['bytes_per_synapse']:.2f} bytes/synapse); "
          f"construction {s['build_seconds']:.2f} s, simulation {s['simulate_seconds']:.2f} s "
          f"(real-time factor {s['real_time_factor']:.3f}){footer}")
    return 0
