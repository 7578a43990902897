"""One run orchestration (neuromesh::run, docs/architecture.md "One run, two front ends"): the CLI
and Python perform the same run -- the same output file, bit for bit in spikes, energy and timing --
and refuse the same option mistakes by the names each front end uses."""
import subprocess

import numpy as np
import pytest

nm = pytest.importorskip("neuromesh")
h5py = pytest.importorskip("h5py")


def _datasets(path, groups=("spikes", "energy", "timing")):
    out = {}
    with h5py.File(path, "r") as f:
        for g in groups:
            f[g].visititems(lambda name, obj: out.__setitem__(f"{g}/{name}", obj[()]) if isinstance(
                obj, h5py.Dataset) else None)
    return out


def test_the_cli_and_python_perform_the_same_run(cli, tmp_path):
    args = dict(duration=30.0, threads=2, hardware="loihi", timing="delay", link_capacity=2.0)
    by_cli, by_python = tmp_path / "cli.h5", tmp_path / "python.h5"
    subprocess.run([cli, "run", "vogels_abbott_cuba", "--duration", "30", "--threads", "2", "--hardware", "loihi",
                    "--timing", "delay", "--link-capacity", "2", "--quiet", "-o", str(by_cli)], check=True, timeout=300)
    sim, energy, timing = nm._core.run(nm._core.NetworkSpec.load("vogels_abbott_cuba"),
                                       nm._core.RunOptions(output=str(by_python), **args))
    assert energy["total_energy_j"] > 0 and timing.report()["deliveries"]["late"] > 0
    a, b = _datasets(by_cli), _datasets(by_python)
    assert sorted(a) == sorted(b) and "timing/delivery_counts" in a and "energy/component_joules" in a
    for name in a:
        assert np.array_equal(a[name], b[name]), name


def test_option_mistakes_are_named_alike(cli, tmp_path):
    cases = [(["--link-capacity", "2"], "--link-capacity: only applies with --timing",
              dict(link_capacity=2.0), "link_capacity: only applies with timing"),
             (["--checkpoint", "x.ckpt"], "--checkpoint: only applies with --checkpoint-every",
              dict(checkpoint="x.ckpt"), "checkpoint: only applies with checkpoint_every"),
             (["--timing", "drop"], "--timing: needs --hardware", dict(timing="drop"), "timing: needs hardware")]
    net = nm.Network()
    net.population(2, nm.IF_cond_exp())
    for argv, cli_message, keywords, python_message in cases:
        r = subprocess.run([cli, "run", "vogels_abbott_cuba", "--duration", "1", *argv], capture_output=True,
                           text=True, timeout=120)
        assert r.returncode == 1 and cli_message in r.stderr, r.stderr
        with pytest.raises(nm.ConfigError, match=python_message):
            net.run(1.0, **keywords)
    with pytest.raises(nm.ConfigError, match="colour: not an option of a run"):
        nm._core.RunOptions(colour="blue")
    with pytest.raises(nm.ConfigError, match="precision: must be 'float' or 'double'"):
        nm._core.RunOptions(precision="half")
