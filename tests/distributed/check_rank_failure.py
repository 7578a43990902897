"""Failure behaviour under MPI (run by ctest): an error seen by one rank ends every rank, with its
message printed once, within a time bound -- never a hang.

usage: check_rank_failure.py MPIEXEC NEUROMESH_CLI
"""
import json
import os
import subprocess
import sys
import tempfile
import time

MPIEXEC, CLI = sys.argv[1], sys.argv[2]
BOUND_S = 60
ENV = {**os.environ, "OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"}


def run(ranks, *args):
    t0 = time.monotonic()
    p = subprocess.run([MPIEXEC, "--oversubscribe", "-n", str(ranks), CLI, "run", *args], env=ENV,
                       capture_output=True, text=True, timeout=BOUND_S)
    return p.returncode, p.stdout + p.stderr, time.monotonic() - t0


def expect_once(out, needle, what):
    count = out.count(needle)
    if count != 1:
        sys.exit(f"FAIL ({what}): expected {needle!r} once in the output, found {count} times:\n{out}")


tmp = tempfile.mkdtemp()
# tau_m of neuron 60 is invalid; block decomposition over 4 ranks gives ids 50-74 to rank 2 only.
tau = [20.0] * 100
tau[60] = -5.0
net = {"name": "bad_on_rank_2", "dt": 0.1, "seed": 1,
       "populations": [{"label": "E", "size": 100, "model": "iaf_psc_delta", "params": {"tau_m": tau}}],
       "stimuli": [{"type": "poisson_generator", "target": "E", "rate": 8000.0, "weight": 0.1}]}
bad = os.path.join(tmp, "bad.json")
with open(bad, "w") as f:
    json.dump(net, f)

rc, out, dt = run(4, bad, "--duration", "50", "-o", os.path.join(tmp, "out.h5"))
if rc == 0:
    sys.exit(f"FAIL: a bad parameter on rank 2 did not fail the run:\n{out}")
expect_once(out, "neuromesh: error", "bad parameter on rank 2")
expect_once(out, "neuron 60", "bad parameter on rank 2")
if "tau_m" not in out:
    sys.exit(f"FAIL: the message does not name the parameter:\n{out}")
print(f"bad parameter on rank 2: all ranks ended in {dt:.1f} s (bound {BOUND_S} s), message printed once")

good = os.path.join(tmp, "good.json")
tau[60] = 20.0
with open(good, "w") as f:
    json.dump(net, f)
rc, out, dt = run(3, good, "--duration", "50", "-o", os.path.join(tmp, "no_such_dir", "out.h5"))
if rc == 0:
    sys.exit(f"FAIL: an unwritable output on rank 0 did not fail the run:\n{out}")
expect_once(out, "neuromesh: error", "unwritable output")
print(f"unwritable output (rank 0): all ranks ended in {dt:.1f} s, message printed once")

rc, out, dt = run(4, good, "--exchange", "sideways")
if rc == 0:
    sys.exit(f"FAIL: a bad option did not fail the run:\n{out}")
expect_once(out, "neuromesh: error", "bad option")
print(f"bad option: all ranks ended in {dt:.1f} s, message printed once")

rc, out, dt = run(2, good, "--duration", "20", "-o", os.path.join(tmp, "ok.h5"))
if rc != 0:
    sys.exit(f"FAIL: the corrected network failed:\n{out}")
print("corrected network runs")
