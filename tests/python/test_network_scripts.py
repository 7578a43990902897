"""The runnable reference-network scripts in networks/: they run, write SONATA output and print
a rate per population in the expected range."""
import os
import re
import subprocess
import sys

import pytest

pytest.importorskip("neuromesh", reason="the neuromesh Python package is not built")
ROOT = os.environ.get("NEUROMESH_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))


def run_script(*args):
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "networks", args[0]), *args[1:]],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return {m[0]: float(m[1]) for m in re.findall(r"^\s*(\w+):\s+([0-9.]+) Hz", proc.stdout, re.M)}


@pytest.mark.parametrize("model, low, high", [("coba", 10.0, 30.0), ("cuba", 3.0, 9.0)])
def test_vogels_abbott(tmp_path, model, low, high):
    rates = run_script("vogels_abbott.py", model, "--duration", "500", "-o", str(tmp_path / "va.h5"))
    assert set(rates) == {"E", "I"}
    assert all(low < r < high for r in rates.values()), rates
    assert (tmp_path / "va.h5").stat().st_size > 10000


def test_brunel_reference_regime():
    rates = run_script("brunel.py", "--duration", "200", "--threads", "2")
    assert all(20.0 < r < 60.0 for r in rates.values()), rates


def test_scripts_have_help():
    for script in ("brunel.py", "vogels_abbott.py"):
        out = subprocess.run([sys.executable, os.path.join(ROOT, "networks", script), "--help"],
                             capture_output=True, text=True, timeout=60)
        assert out.returncode == 0 and "usage" in out.stdout


def test_potjans_diesmann_small_scale_runs():
    rates = run_script("potjans_diesmann.py", "--scale", "0.02", "--duration", "300", "--threads", "2")
    assert set(rates) == {"L23E", "L23I", "L4E", "L4I", "L5E", "L5I", "L6E", "L6I"}
    assert all(0.0 < r < 50.0 for r in rates.values()), rates


def test_hpc_benchmark_small_scale_runs():
    # Scale 0.02 (180 E + 45 I neurons, in-degrees 9000 + 2250, i.e. 50 synapses per E pair) is far
    # below NEST's recommended scale > 10, so the rate is seed dependent: 0.1 to 28 Hz (E) and 2.4
    # to 29 Hz (I) over 8 seeds, 33.4 / 33.1 Hz with the default seed (25.7 / 26.6 before the
    # ziggurat normal sampler). Zero would mean the Poisson drive is missing; the drive alone makes
    # the neurons fire at about 104 Hz, so > 60 Hz would mean recurrent inhibition is lost (runaway
    # excitation).
    # These bounds are for static E->E synapses (--static). With NEST's plastic E->E (the default,
    # stdp_pl_synapse_hom, unbounded power-law potentiation) this tiny network is chaotic: over 8
    # seeds 0.1 to 446 Hz with the Box-Muller normal sampler, 0.1 to 427 Hz with the ziggurat that
    # replaced it (issue 16; the default seed now gives 404 Hz, before 66 Hz). So the plastic run is
    # only checked to be finite, non-zero and different from the static one.
    import math
    rates = run_script("hpc_benchmark.py", "--scale", "0.02", "--duration", "200", "--threads", "2", "--static")
    assert set(rates) == {"E", "I"}
    assert all(math.isfinite(r) and 0.0 < r < 60.0 for r in rates.values()), rates
    plastic = run_script("hpc_benchmark.py", "--scale", "0.02", "--duration", "200", "--threads", "2")
    assert all(math.isfinite(r) and r > 0.0 for r in plastic.values()), plastic
    assert plastic != rates, "the plastic E->E synapses must change the dynamics"
