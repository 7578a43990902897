"""The multisynapse models (neurons/multisynapse.hpp) from Python and JSON / the CLI: NEST's
tau_syn list, receptor_type as a connect() argument or in a NEST-style synapse dict, the same
spikes from JSON through the CLI (aeif_cond_alpha_multisynapse with its E_rev list too);
nm.IF_curr_delta (PyNN's name for iaf_psc_delta); and spike_source_array's start / stop / origin
from Python. (Against NEST: tests/crosscheck.)"""
import json
import re
import subprocess

import numpy as np
import pytest

nm = pytest.importorskip("neuromesh", reason="the neuromesh Python package is not built (NEUROMESH_WITH_PYTHON=OFF)")

TAU_SYN = [2.0, 8.0, 0.5]
TRAINS = [((5.0, 20.0, 40.0), 900.0, 1), ((10.0, 30.0), -400.0, 2), ((12.0, 41.0, 60.0), 1500.0, 3)]


def _net(model, dict_form=False):
    net = nm.Network(dt=0.1, seed=3)
    n = net.population(2, nm.Model(model, tau_syn=TAU_SYN, I_e=360.0), label="N")
    for j, (times, w, port) in enumerate(TRAINS):
        s = net.population(1, nm.SpikeSourceArray(spike_times=list(times)), label=f"S{j}")
        if dict_form:
            net.connect(s, n, nm.AllToAll(), {"weight": w, "delay": 1.0, "receptor_type": port})
        else:
            net.connect(s, n, nm.AllToAll(), nm.StaticSynapse(weight=w, delay=1.0), receptor_type=port)
    n.record("spikes")
    return net, n


@pytest.mark.parametrize("model", ["iaf_psc_exp_multisynapse", "iaf_psc_alpha_multisynapse"])
def test_ports_from_python(model):
    assert model in nm.model_names()
    runs = []
    for dict_form in (False, True):
        net, n = _net(model, dict_form)
        net.run(100.0, threads=1, precision="double")
        ids, times = n.spikes
        runs.append(sorted(zip(np.asarray(ids).tolist(), np.round(np.asarray(times), 6).tolist())))
    assert len(runs[0]) >= 4 and runs[0] == runs[1]
    net, n = _net(model)  # float, two threads: the same spike steps here
    net.run(100.0, threads=2, precision="float")
    ids, times = n.spikes
    assert sorted(zip(np.asarray(ids).tolist(), np.round(np.asarray(times), 6).tolist())) == runs[0]


def test_receptor_type_errors_name_the_projection():
    net, _ = _net("iaf_psc_exp_multisynapse")
    s = net.population(1, nm.SpikeSourceArray(spike_times=[1.0]), label="X")
    net.connect(s, net.populations[0], nm.AllToAll(), nm.StaticSynapse(weight=1.0, delay=1.0), receptor_type=4)
    with pytest.raises(nm.ConfigError, match=r"X->N.*receptor_type 4 is not a port"):
        net.run(1.0)
    net = nm.Network()
    a = net.population(1, nm.Model("iaf_psc_exp_multisynapse"), label="A")
    with pytest.raises(nm.ArgumentTypeError, match="receptor_type"):
        net.connect(a, a, nm.AllToAll(), nm.StaticSynapse(weight=1.0, delay=1.0), receptor_type="AMPA")
    net.connect(a, a, nm.AllToAll(), nm.StaticSynapse(weight=1.0, delay=1.0))  # no receptor_type: NEST refuses 0
    with pytest.raises(nm.ConfigError, match="receptor_type 0"):
        net.run(1.0)


def test_json_and_cli_give_the_same_spikes(tmp_path, cli):
    model = "iaf_psc_alpha_multisynapse"
    net, n = _net(model)
    net.run(100.0, threads=1)
    expected = len(n.spikes[0])
    doc = {"dt": 0.1, "seed": 3,
           "populations": [{"label": "N", "size": 2, "model": model, "params": {"tau_syn": TAU_SYN, "I_e": 360.0}}]
           + [{"label": f"S{j}", "size": 1, "model": "spike_source_array", "spike_times": [list(t)]}
              for j, (t, _, _) in enumerate(TRAINS)],
           "projections": [{"pre": f"S{j}", "post": "N", "connector": {"type": "all_to_all"}, "receptor_type": port,
                            "synapse": {"weight": w, "delay": 1.0}} for j, (_, w, port) in enumerate(TRAINS)],
           "recorders": [{"population": "N", "variable": "spikes"}]}
    (tmp_path / "net.json").write_text(json.dumps(doc))
    cmd = [cli, "run", str(tmp_path / "net.json"), "--duration", "100", "-o", str(tmp_path / "out.h5")]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    line = re.search(r"^N\s+(\d+)\s", proc.stdout, re.M)
    assert line and int(line[1]) == expected, proc.stdout


def test_if_curr_delta_is_iaf_psc_delta_in_pynn_units():
    cell = nm.IF_curr_delta(i_offset=0.8, cm=0.25, tau_m=15.0, tau_refrac=2.0)
    assert cell.core_model == "iaf_psc_delta"
    p = cell.core_params()
    assert p["I_e"] == pytest.approx(800.0) and p["C_m"] == pytest.approx(250.0) and p["t_ref"] == 2.0

    def spikes(c):
        net = nm.Network(dt=0.1, seed=1)
        pop = net.population(2, c, label="P")
        net.run(200.0, threads=1, precision="double")
        return np.asarray(pop.spikes[1]).tolist()

    got = spikes(cell)
    assert len(got) > 4 and got == spikes(nm.Model("iaf_psc_delta", **p))


def test_spike_source_window_from_python():
    net = nm.Network(dt=0.1)
    s = net.population(1, nm.SpikeSourceArray(spike_times=[1.0, 2.0, 3.0, 4.0], start=1.0, stop=3.0, origin=0.5),
                       label="S")
    s.record("spikes")
    net.run(10.0)
    np.testing.assert_allclose(np.asarray(s.spikes[1]), [2.5, 3.5])


def test_aeif_multisynapse_lists_json_and_cli(tmp_path, cli):
    """aeif_cond_alpha_multisynapse: NEST's two lists (tau_syn, E_rev) from Python and JSON, the same
    spikes through the CLI; the ports' conductances readable as g_r; lists of unequal length refused."""
    model, params = "aeif_cond_alpha_multisynapse", {"tau_syn": [0.5, 5.0, 2.0], "E_rev": [0.0, 0.0, -85.0],
                                                     "I_e": 400.0}
    trains = [((5.0, 6.0, 7.0, 40.0, 41.0, 42.0), 40.0, 1), ((20.0, 60.0), 5.0, 2), ((30.0, 70.0), 20.0, 3)]

    def build():
        net = nm.Network(dt=0.1, seed=3)
        n = net.population(2, nm.Model(model, **params), label="N")
        for j, (times, w, port) in enumerate(trains):
            s = net.population(1, nm.SpikeSourceArray(spike_times=list(times)), label=f"S{j}")
            net.connect(s, n, nm.AllToAll(), nm.StaticSynapse(weight=w, delay=1.0), receptor_type=port)
        n.record("spikes")
        return net, n

    net, n = build()
    net.run(131.5, threads=1, precision="double")
    expected = len(n.spikes[0])
    assert expected > 0
    net, n = build()
    sim = net.simulator(precision="double", threads=1)
    sim.advance(31.5)  # port 3's spike at 30 ms arrived at 31 ms: g_3 rises; port 2's (20 ms) decays
    assert sim.state(n, "g_3", [0])[0] > 1.0 and sim.state(n, "g_2", [0])[0] > 0.1
    sim.close()
    doc = {"dt": 0.1, "seed": 3,
           "populations": [{"label": "N", "size": 2, "model": model, "params": params}]
           + [{"label": f"S{j}", "size": 1, "model": "spike_source_array", "spike_times": [list(t)]}
              for j, (t, _, _) in enumerate(trains)],
           "projections": [{"pre": f"S{j}", "post": "N", "connector": {"type": "all_to_all"}, "receptor_type": port,
                            "synapse": {"weight": w, "delay": 1.0}} for j, (_, w, port) in enumerate(trains)],
           "recorders": [{"population": "N", "variable": "spikes"}]}
    (tmp_path / "net.json").write_text(json.dumps(doc))
    cmd = [cli, "run", str(tmp_path / "net.json"), "--duration", "131.5", "--double", "-o", str(tmp_path / "out.h5")]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    line = re.search(r"^N\s+(\d+)\s", proc.stdout, re.M)
    assert line and int(line[1]) == expected, proc.stdout
    doc["populations"][0]["params"]["E_rev"] = [0.0, 0.0]  # NEST: E_rev and tau_syn of equal length
    (tmp_path / "bad.json").write_text(json.dumps(doc))
    proc = subprocess.run([cli, "run", str(tmp_path / "bad.json"), "--duration", "1", "-o", str(tmp_path / "b.h5")],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0 and "E_rev[3]" in proc.stderr, proc.stderr


@pytest.mark.parametrize("variable,model", [("g_3", "aeif_cond_alpha_multisynapse"),
                                            ("dg_2", "aeif_cond_alpha_multisynapse"),
                                            ("I_syn_3", "iaf_psc_exp_multisynapse")])
def test_initial_state_of_a_port_the_population_lacks_is_refused(variable, model):
    """An absent port's state is never decayed (aeif_cond_alpha_multisynapse: g_3 = 10 nS would be a
    constant leak for the whole run), so only 0 is accepted there; ports that exist take any value."""
    def ports(n):
        lists = {"tau_syn": [2.0, 3.0, 4.0][:n]}
        if model.startswith("aeif"):
            lists["E_rev"] = [0.0, -85.0, 0.0][:n]
        return nm.Model(model, **lists)

    net = nm.Network(dt=0.1)
    net.population(2, ports(1), label="N", initial={variable: 10.0})
    with pytest.raises(nm.ConfigError, match=rf"initial\.{variable}.*port \d does not exist.*1 port"):
        net.run(1.0)
    ok = nm.Network(dt=0.1)
    ok.population(2, ports(3), label="N", initial={variable: 10.0})
    ok.population(2, ports(1), label="Z", initial={variable: 0.0})
    ok.run(1.0)
