"""Timing mode from Python: net.run(..., hardware=, timing=) gives result.timing, compared with
the ideal run; congestion changes what the network does; /timing is in the output file; bad
options raise ConfigError naming them."""
import json

import numpy as np
import pytest

nm = pytest.importorskip("neuromesh")
from hardware_networks import sheet  # noqa: E402


def mesh_chip(tmp_path, neurons_per_core=64, mpackets_per_s=1.0):
    """A 4x4 mesh, one core per router: the sheet's cores talk over links."""
    def c(v, unit):
        return {"value": v, "unit": unit, "source": "test value", "status": "verified"}
    spec = {
        "name": "mesh4", "chips": {"x": 1, "y": 1, "links": "mesh"},
        "mesh": {"x": 4, "y": 4, "cores_per_router": 1},
        "limits": {"neurons": neurons_per_core, "fan_in_synapses": 0, "input_axons": 0, "fan_out_edges": 0,
                   "router_entries": 0},
        "routing": "multicast", "time": "real_time",
        "constants": {name: c(1, unit) for name, unit in [
            ("e_synop", "pJ"), ("e_syn_update", "pJ"), ("e_nu_active", "pJ"), ("e_nu_idle", "pJ"),
            ("e_spike_gen", "pJ"), ("e_msg_out", "pJ"), ("e_intra_core", "pJ"), ("e_hop_ew", "pJ"),
            ("e_hop_ns", "pJ"), ("e_router", "pJ"), ("e_chip_link", "pJ"), ("e_barrier", "pJ"),
            ("p_static_chip", "mW"), ("t_hop_ew", "ns"), ("t_hop_ns", "ns"), ("t_synop", "ns"), ("t_nu", "ns"),
            ("t_barrier", "ns"), ("t_barrier_multichip", "us")]},
    }
    spec["constants"]["link_capacity"] = c(mpackets_per_s, "Mpackets/s")
    path = tmp_path / "mesh4.json"
    path.write_text(json.dumps(spec))
    return str(path)


def test_ample_capacity_reproduces_the_ideal_run(tmp_path):
    res = sheet().run(100, hardware=mesh_chip(tmp_path), timing="drop")  # 100 packets per link and step
    t = res.timing
    assert t.deliveries["total"] > 0
    assert t.deliveries["on_time"] == t.deliveries["total"]
    assert t.reference["spikes_identical"] == t.reference["spikes_ideal"] == res.summary["spikes"]
    assert t.reference["isi_ks_distance"] == 0.0
    assert "timing on mesh4" in repr(t)


@pytest.mark.parametrize("mode", ["delay", "drop"])
def test_congestion_changes_what_the_network_receives(tmp_path, mode):
    out = tmp_path / "timed.h5"
    res = sheet().run(100, hardware=mesh_chip(tmp_path), timing=mode, link_capacity=1, output=str(out))
    t = res.timing
    lost = t.deliveries["late"] if mode == "delay" else t.deliveries["dropped"]
    assert lost > 0
    assert t.deliveries["on_time"] + t.deliveries["late"] + t.deliveries["dropped"] == t.deliveries["total"]
    assert t.reference["spikes_identical"] < t.reference["spikes_ideal"]
    assert res.energy is not None  # energy accounting still runs alongside
    if mode == "drop":  # lost packets' remaining links and synapses: part of the energy report's total
        assert t.not_spent["links_not_crossed"] > 0
        assert t.not_spent["synaptic_events_not_delivered"] > 0
        assert 0 < t.not_spent["energy_j"] < res.energy.total
    else:
        assert t.not_spent["energy_j"] == 0
    h5py = pytest.importorskip("h5py")
    with h5py.File(out, "r") as f:
        counts = f["timing/delivery_counts"][:]
        assert counts[0] == t.deliveries["total"]
        assert json.loads(f["timing"].attrs["summary_json"])["mode"] == mode
        assert "energy" in f and "spikes" in f
    if mode == "delay":
        assert np.sum(t.lateness_steps) == t.deliveries["late"]
        pytest.importorskip("matplotlib")
        fig = nm.plots.lateness(t)
        assert "on time" in fig.axes[0].get_title()


def test_the_timed_run_is_deterministic(tmp_path):
    chip = mesh_chip(tmp_path)
    a = sheet().run(50, hardware=chip, timing="delay", link_capacity=1, timing_reference=False, threads=1)
    b = sheet().run(50, hardware=chip, timing="delay", link_capacity=1, timing_reference=False, threads=2)
    assert a.timing.reference is None
    assert a.summary["spikes"] == b.summary["spikes"]
    assert a.timing.deliveries == b.timing.deliveries


def test_bad_timing_options_are_named(tmp_path):
    net = sheet(8)
    with pytest.raises(nm.ConfigError, match="needs hardware"):
        net.run(10, timing="delay")
    with pytest.raises(nm.ConfigError, match="timing = 'late'"):
        net.run(10, hardware=mesh_chip(tmp_path), timing="late")
    with pytest.raises(nm.ConfigError, match="link_capacity"):
        net.run(10, hardware=mesh_chip(tmp_path), timing="drop", link_capacity=0)
    with pytest.raises(nm.ConfigError, match="at least 1"):
        net.run(10, hardware=mesh_chip(tmp_path, mpackets_per_s=0.001), timing="drop")


@pytest.mark.parametrize("backend", ["cpu", "cuda-omp"])
def test_plastic_synapses_are_refused_in_timing_mode(tmp_path, backend):
    """A late packet would give a source's spike different times for different cores while its
    presynaptic trace is one: refused by name on every backend (once a packet is late), never run
    with a wrong order."""
    if backend not in nm.features()["backends"]:
        pytest.skip(f"this build has no {backend} backend")
    net = nm.Network(dt=0.1, seed=3, name="sheet")
    e = net.population(64, nm.IF_curr_exp(), label="sheet")
    net.connect(e, e, nm.FixedProbability(0.2), nm.STDPSynapse(weight=0.3, delay=1.0, Wmax=1.0))
    net.poisson_input(e, rate=8000.0, weight=0.3)
    with pytest.raises(nm.ConfigError, match="plastic synapses"):
        net.run(50, hardware=mesh_chip(tmp_path, neurons_per_core=4), timing="delay", link_capacity=1,
                backend=backend)
