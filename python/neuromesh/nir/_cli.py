"""`neuromesh run MODEL.nir` and `neuromesh map MODEL.nir --hardware HW` (the Python side of the
CLI: the C++ tool has no NIR reader; python/neuromesh/cli.py sends .nir files here)."""
import argparse
import sys
import time

import numpy as np

from ..errors import Error


def _parser(command):
    p = argparse.ArgumentParser(prog=f"neuromesh {command}", description=f"{command} a NIR graph (docs/nir.md)")
    p.add_argument("model", help="a NIR file (HDF5, written by nir.write)")
    p.add_argument("--dt", type=float, required=True, help="simulation step [ms]")
    p.add_argument("--time-scale", type=float, required=True,
                   help="ms per NIR time unit: 1 when tau is in ms, 1000 when in s (NIR does not say)")
    p.add_argument("--method", choices=("exact", "euler"), default="exact")
    p.add_argument("--input", help=".npy array (T, *input_shape) or (batch, T, *input_shape)")
    p.add_argument("--steps", type=int, default=100, help="without --input: T steps of random spikes")
    p.add_argument("--rate", type=float, default=0.1, help="without --input: spike probability per step")
    p.add_argument("--seed", type=int, default=12345)
    if command == "run":
        p.add_argument("--input-kind", choices=("spikes", "current"), default="spikes")
        p.add_argument("--threads", type=int, default=1)
        p.add_argument("--backend", default="cpu")
        p.add_argument("--double", action="store_true", help="double precision (default float)")
        p.add_argument("-o", "--output", help="save the Output node's array as NAME.npy (several Output nodes: "
                       "NAME.npz, one array per node)")
    p.add_argument("--hardware", required=command == "map", help="hardware preset or JSON file")
    p.add_argument("--placement", default="sequential")
    return p


def main(command, argv):
    from . import read
    a = _parser(command).parse_args(argv)
    if command == "run" and a.output and not a.output.endswith((".npy", ".npz")):
        # numpy would append .npy silently; a SONATA-style "-o out.h5" must not become out.h5.npy
        sys.stderr.write(f"neuromesh run: -o {a.output}: a NIR run saves its Output arrays with numpy; "
                         "name the file NAME.npy (one Output node) or NAME.npz (several)\n")
        return 2
    try:
        t0 = time.perf_counter()
        model = read(a.model, dt=a.dt, time_scale=a.time_scale, method=a.method, seed=a.seed)
        t_import = time.perf_counter() - t0
        if a.input:
            x = np.load(a.input)
        else:
            (key, shape), = list(model.input_shapes.items())[:1]
            x = (np.random.default_rng(a.seed).random((a.steps,) + shape) < a.rate).astype(np.uint8)
        sizes = {k: len(p) for k, p in model.populations.items()}
        print(f"{a.model}: {len(sizes)} populations, {sum(sizes.values())} neurons; import {t_import:.3f} s")
        if command == "map" or a.hardware:
            report = model.energy(x, hardware=a.hardware, placement=a.placement)
            print(model.map(a.hardware, placement=a.placement).summary())
            print(report)
            return 0
        t0 = time.perf_counter()
        y = model.run(x, input_kind=a.input_kind, backend=a.backend, threads=a.threads,
                      precision="double" if a.double else "float")
        print(f"run {time.perf_counter() - t0:.3f} s")
        ys = y if isinstance(y, dict) else {next(iter(model.output_shapes)): y}
        for k, v in ys.items():
            print(f"output '{k}': shape {v.shape}, sum {float(np.sum(v)):.6g}")
        if a.output and a.output.endswith(".npz"):
            np.savez(a.output, **ys)
        elif a.output and len(ys) > 1:
            raise OSError(f"-o {a.output}: the graph has {len(ys)} Output nodes ({', '.join(ys)}); "
                          "name the file NAME.npz to save one array per node")
        elif a.output:
            np.save(a.output, next(iter(ys.values())))
        return 0
    except (Error, OSError) as e:
        sys.stderr.write(f"neuromesh {command}: {e}\n")
        return 1
