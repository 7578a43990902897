"""The hardware model from Python: presets, mapping with errors that name the problem,
net.run(..., hardware=, placement=) with result.energy, /energy in the output file, plots."""
import json

import numpy as np
import pytest

nm = pytest.importorskip("neuromesh")
from hardware_networks import sheet  # noqa: E402


def test_presets_and_their_sources():
    assert set(nm.hardware.presets()) >= {"loihi", "loihi-measured", "spinnaker", "spinnaker2", "truenorth"}
    tn = nm.hardware.info("truenorth")
    assert tn["limits"]["neurons"] == 256
    assert any(u.startswith("e_hop_ew") for u in tn["unverified"])
    assert all(c["source"] for c in tn["constants"].values())


def test_errors_name_the_problem(tmp_path):
    net = sheet(8)
    with pytest.raises(nm.ConfigError, match="placement 'clever'"):
        net.run(10, hardware="loihi", placement="clever")
    with pytest.raises(nm.ConfigError, match="neither a preset"):
        nm.hardware.map_network(net, "loihi-9000")
    bad = tmp_path / "chip.json"
    spec = json.loads(json.dumps({"name": "x"}))
    bad.write_text(json.dumps(spec))
    with pytest.raises(nm.ConfigError, match="chips"):
        nm.hardware.map_network(net, str(bad))
    with pytest.raises(nm.ConfigError, match="single_destination|one destination core"):
        nm.hardware.map_network(sheet(24), "truenorth")  # 3 cores: neurons reach several
    with pytest.raises(nm.ConfigError, match="needs .* cores"):
        nm.hardware.map_network(sheet(72), "spinnaker", chips=(1, 1))  # 21 cores of 256 > 16


def test_run_on_hardware_gives_an_energy_table(tmp_path):
    out = tmp_path / "run.h5"
    res = sheet().run(100, hardware="spinnaker", placement="sequential", output=str(out))
    e = res.energy
    assert e.traffic["spikes"] == res.summary["spikes"] > 0
    assert e.total == pytest.approx(sum(e.components.values()))
    assert e.components["synaptic"] > 0
    assert e.unverified, "SpiNNaker's per-hop energy is an assumption and must be flagged"
    rows = e.table()
    assert len(rows) == len(e.components)
    assert "UNVERIFIED" in repr(e)
    h5py = pytest.importorskip("h5py")
    with h5py.File(out, "r") as f:
        assert np.allclose(f["energy/component_joules"][:], list(e.components.values()))
        assert "spikes" in f
    assert json.loads((tmp_path / "run.h5.energy.json").read_text())["traffic"]["spikes"] == e.traffic["spikes"]


def test_energy_aware_placement_cuts_packets_and_is_deterministic():
    net = sheet(32)
    seq = nm.hardware.map_network(net, "spinnaker", placement="sequential").summary()
    # profile_ms=0: the same 1 Hz estimate as the sequential summary, so the cuts compare
    ea1 = nm.hardware.map_network(net, "spinnaker", placement="energy-aware", profile_ms=0)
    ea2 = nm.hardware.map_network(net, "spinnaker", placement="energy-aware", profile_ms=0)
    assert np.array_equal(ea1.core_of(), ea2.core_of())
    assert ea1.summary()["cut_packets_per_s"] < seq["cut_packets_per_s"]
    owner = ea1.rank_of_gid(2)
    assert set(np.unique(owner)) <= {0, 1}
    assert ea1.inter_rank_traffic(2)["bytes_per_s"] >= 0


def test_traffic_objective_halves_microcircuit_packets_on_loihi():
    """The microcircuit (1543 neurons, in-degrees x 0.05) on Loihi: PACMAN's one-population-per-core
    packing needs 8 cores; the traffic objective fills cores across populations (3 cores, one tile),
    at least halving the inter-core packets; the energy objective keeps sequential's short steps."""
    import potjans_diesmann
    net = potjans_diesmann.build(scale=0.02, k_scale=0.05)
    seq = nm.hardware.map_network(net, "loihi", "sequential", profile_ms=0).summary()
    by_energy = nm.hardware.map_network(net, "loihi", "energy-aware", profile_ms=0).summary()
    by_traffic = nm.hardware.map_network(net, "loihi", "energy-aware", profile_ms=0, objective="traffic").summary()
    assert by_traffic["placement_objective"] == "traffic"
    assert by_traffic["cut_packets_per_s"] * 2 <= seq["cut_packets_per_s"]
    assert by_traffic["network_power_w"] < seq["network_power_w"] * 0.6
    assert by_traffic["cores_used"] < seq["cores_used"]
    assert by_energy["estimated_power_w"] <= seq["estimated_power_w"]
    assert by_energy["estimated_power_w"] < by_traffic["estimated_power_w"]  # fuller cores, longer steps
    with pytest.raises(nm.ConfigError, match="objective 'cheap'"):
        nm.hardware.map_network(net, "loihi", "energy-aware", objective="cheap")
    with pytest.raises(nm.ConfigError, match="only applies to energy-aware"):
        nm.hardware.map_network(net, "loihi", "sequential", objective="traffic")


def test_plots(tmp_path):
    pytest.importorskip("matplotlib")
    e = sheet(16).run(50, hardware="loihi", placement="random", chips=(1, 1)).energy
    for f in (nm.plots.energy_components(e), nm.plots.core_load(e), nm.plots.link_heatmap(e)):
        f.savefig(tmp_path / "x.png")
    with pytest.raises(ValueError, match="quantity"):
        nm.plots.core_load(e, quantity="heat")


def test_learning_synapses_cost_a_synaptic_update_per_delivered_spike():
    """Loihi's learning engine: every spike through a plastic synapse is one e_syn_update (120 pJ,
    Davies et al. 2018, Table 2); static and short-term (tsodyks) synapses are not counted."""
    net = nm.Network()
    times = [[5.0, 15.0, 25.0]] * 4 + [[7.0]] * 4
    pre = net.population(8, nm.SpikeSourceArray(spike_times=times), label="pre")
    post = net.population(6, nm.IF_cond_exp(), label="post")
    net.connect(pre[0:4], post, nm.AllToAll(), nm.STDPSynapse(weight=0.001, delay=1.0))
    net.connect(pre[4:8], post, nm.AllToAll(), nm.StaticSynapse(weight=0.001, delay=1.0))
    net.connect(pre[4:8], post[0:3], nm.AllToAll(), nm.Tsodyks2Synapse(weight=0.001, delay=1.0))
    e = net.run(50, hardware="loihi", placement="sequential", chips=(1, 1)).energy
    updates = 4 * 3 * 6  # 4 learning sources x 3 spikes x 6 targets
    assert e.traffic["synaptic_updates"] == updates
    assert e.traffic["synaptic_events"] == updates + 4 * 1 * 6 + 4 * 1 * 3
    assert e.components["plasticity"] == pytest.approx(updates * 120e-12, rel=1e-12)
    assert e.total == pytest.approx(sum(e.components.values()))
    static_only = nm.Network()
    src = static_only.population(4, nm.SpikeSourceArray(spike_times=[[5.0]] * 4))
    static_only.connect(src, static_only.population(2, nm.IF_cond_exp()), nm.AllToAll(), nm.StaticSynapse(weight=0.001))
    e = static_only.run(20, hardware="loihi", chips=(1, 1)).energy
    assert e.traffic["synaptic_updates"] == 0 and e.components["plasticity"] == 0
