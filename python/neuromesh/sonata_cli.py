"""`neuromesh run CONFIG.json` for SONATA configs and `neuromesh export`, handled in Python by the
installed `neuromesh` command (neuromesh/cli.py routes them here; the C++ tool, given a SONATA
config, says to use this one). One reader, neuromesh.sonata, serves Python and the command line."""
import argparse
import json
import os
import sys

from .errors import Error


def is_sonata_config(path):
    """Whether `path` is a SONATA circuit/simulation config (bmtk's config.json included) rather
    than a neuromesh network file."""
    if not str(path).endswith(".json") or not os.path.isfile(path):
        return False
    try:
        with open(path) as f:
            conf = json.load(f)
    except (OSError, ValueError):
        return False  # let the C++ tool report it
    return isinstance(conf, dict) and (any(k in conf for k in ("networks", "manifest", "target_simulator"))
                                       or isinstance(conf.get("network"), str))


def _run_parser():
    p = argparse.ArgumentParser(prog="neuromesh run", description="Run a SONATA circuit (neuromesh.sonata.read).")
    p.add_argument("config")
    p.add_argument("-o", "--output", help="output file (default: the config's output.output_dir/spikes_file)")
    p.add_argument("--duration", type=float, help="ms (default: the config's run.tstop)")
    p.add_argument("--dt", type=float, help="ms (default: the config's run.dt, else 0.1)")
    p.add_argument("--seed", type=int, help="default: the config's run.random_seed, else 12345")
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--backend", default="cpu")
    p.add_argument("--device", type=int, default=0)
    p.add_argument("--double", action="store_true", help="double precision")
    p.add_argument("--nsyns", default="error", choices=("error", "multiply", "ignore"),
                   help="edges with nsyns != 1: error (default), multiply the weight (bmtk) or ignore it (NEST)")
    p.add_argument("--quiet", action="store_true")
    return p


def run(argv):
    """`neuromesh run CONFIG.json [options]` for a SONATA config; returns the exit status."""
    from . import sonata
    args = _run_parser().parse_args(argv)
    try:
        net = sonata.read(args.config, dt=args.dt, seed=args.seed, nsyns=args.nsyns)
        duration = args.duration if args.duration is not None else net.sonata.tstop
        if duration is None:
            raise sonata.SonataError(f"{args.config}: no run.tstop; give --duration")
        output = args.output or net.sonata.output
        if output and os.path.dirname(output):
            os.makedirs(os.path.dirname(output), exist_ok=True)
        result = net.run(duration, backend=args.backend, threads=args.threads, device=args.device,
                         precision="double" if args.double else "float", output=output)
    except Error as e:
        sys.stderr.write(f"neuromesh: error: {e}\n")
        return 1
    if not args.quiet and result.rank == 0:
        s = result.summary
        print(f"\nSONATA circuit {args.config}: {s['neurons']} neurons, {s['synapses']} synapses")
        print(f"{'population':<16} {'spikes':>10} {'rate [Hz]':>12}")
        spikes = s.get("spikes_per_population", {})
        for label, rate in result.rates().items():
            n = spikes.get(label, "-") if isinstance(spikes, dict) else "-"
            print(f"{label:<16} {n!s:>10} {rate:12.3f}")
        if output:
            print(f"output: {output}")
    return 0


def export(argv):
    """`neuromesh export NETWORK OUTDIR`: a neuromesh network file or built-in network written as a
    SONATA circuit (neuromesh.sonata.write_spec)."""
    from . import sonata
    p = argparse.ArgumentParser(prog="neuromesh export", description="Write a network as a SONATA circuit.")
    p.add_argument("network", help="a neuromesh network JSON file or built-in network name")
    p.add_argument("outdir")
    p.add_argument("--threads", type=int, default=0)
    args = p.parse_args(argv)
    try:
        config = sonata.write_network_file(args.network, args.outdir, threads=args.threads)
    except Error as e:
        sys.stderr.write(f"neuromesh: error: {e}\n")
        return 1
    print(f"wrote {config}")
    return 0
