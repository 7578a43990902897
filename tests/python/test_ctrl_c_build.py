"""Ctrl-C while Python builds a large network (issue 17): the build stops within about a second
with KeyboardInterrupt -- it used to run to the end (the binding checked signals only in the run
loop). The network is built in a child process, which gets SIGINT once it is building."""
import os
import signal
import subprocess
import sys
import time

import pytest

pytest.importorskip("neuromesh")

SCRIPT = r"""
import sys, time
import neuromesh as nm
net = nm.Network()
a = net.population(40000, nm.IF_curr_exp(), label="a")
net.connect(a, a, nm.FixedInDegree(4000), nm.StaticSynapse(weight=0.001, delay=1.0))  # 1.6e8 synapses
print("building", flush=True)
t = time.monotonic()
try:
    net.run(10.0, threads=1)
except KeyboardInterrupt:
    print(f"interrupted after {time.monotonic() - t:.2f} s", flush=True)
    sys.exit(3)
print("finished the build and the run", flush=True)
"""


def test_ctrl_c_stops_a_python_build_within_a_second():
    env = dict(os.environ)
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)
    try:
        line = proc.stdout.readline()
        assert line.strip() == "building", (line, proc.stderr.read() if proc.poll() is not None else "")
        time.sleep(1.5)  # inside the build (it takes tens of seconds here)
        assert proc.poll() is None, f"the build ended before Ctrl-C: {proc.stdout.read()} {proc.stderr.read()}"
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
        stopped_after = time.monotonic() - sent
    finally:
        proc.kill()
    assert proc.returncode == 3, f"exit {proc.returncode}: {out!r} {err[-2000:]!r}"
    assert "interrupted after" in out
    assert stopped_after < 3.0, f"took {stopped_after:.1f} s to stop after Ctrl-C"
