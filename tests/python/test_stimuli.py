"""NEST's stimulation devices from Python (net.stimulus) and from a JSON file: the step they act
in, that the file and the call mean the same network, and errors naming the device and the
parameter. Statistics and the comparison with NEST: tests/crosscheck/test_crosscheck_stimuli.py."""
import json

import numpy as np
import pytest

import neuromesh as nm

CELL = dict(tau_m=1e12, C_m=1.0, E_L=0.0, V_reset=0.0, V_th=1e15)


def _trace(net, pop, steps):
    sim = net.simulator(precision="double", threads=2)
    v = [sim.state(pop, "V_m", [0])[0]]
    for _ in range(steps):
        sim.step()
        v.append(sim.state(pop, "V_m", [0])[0])
    sim.close()
    return np.diff(np.array(v))  # the input of each update (u h, (u+1) h]


def test_step_current_acts_one_step_after_its_time_as_nest():
    net = nm.Network(dt=0.1)
    pop = net.population(1, nm.Model("iaf_psc_delta", **CELL), label="N", initial={"V_m": 0.0})
    net.stimulus("step_current_generator", pop, amplitude_times=[1.0, 2.0], amplitude_values=[5.0, -1.0], stop=3.0)
    dv = _trace(net, pop, 40)
    moved = np.nonzero(np.abs(dv) > 1e-12)[0]
    assert moved[0] == 11, "amplitude_times 1.0 ms with delay dt: the update (1.1, 1.2] ms"
    assert moved[-1] == 30 and dv[21] < 0 < dv[20]


def test_delay_and_start_shift_the_current():
    net = nm.Network(dt=0.1)
    pop = net.population(1, nm.Model("iaf_psc_delta", **CELL), label="N", initial={"V_m": 0.0})
    net.stimulus("ac_generator", pop, offset=2.0, start=1.0, delay=0.5)
    moved = np.nonzero(np.abs(_trace(net, pop, 30)) > 1e-12)[0]
    assert moved[0] == 15


def _core_spikes(spec_core, steps):
    sim = nm._core.Simulation(spec_core, "cpu", 2, "float", "")
    fired = []
    for s in range(steps):
        sim.step()
        fired += [(s, int(i)) for i in sim.last_spikes("N")]
    return fired


def test_json_file_and_python_call_give_the_same_spikes(tmp_path):
    devices = [
        {"type": "noise_generator", "target": "N", "mean": 300.0, "std": 200.0, "dt": 0.3},
        {"type": "sinusoidal_poisson_generator", "target": "N", "rate": 3000.0, "amplitude": 2000.0,
         "frequency": 40.0, "weight": 60.0, "start": 5.0},
        {"type": "inhomogeneous_poisson_generator", "target": "N", "rate_times": [10.0], "rate_values": [9000.0],
         "weight": 40.0},
        {"type": "step_current_generator", "target": "N", "amplitude_times": [20.0], "amplitude_values": [200.0]},
    ]
    spec = {"dt": 0.1, "seed": 3, "populations": [{"label": "N", "size": 50, "model": "iaf_psc_exp"}],
            "stimuli": devices}
    path = tmp_path / "net.json"
    path.write_text(json.dumps(spec))
    from_file = _core_spikes(nm._core.NetworkSpec.load(str(path)), 400)
    net = nm.Network(dt=0.1, seed=3)
    pop = net.population(50, nm.Model("iaf_psc_exp"), label="N")
    for d in devices:
        net.stimulus(d["type"], pop, **{k: v for k, v in d.items() if k not in ("type", "target")})
    from_python = _core_spikes(net.spec(), 400)
    assert len(from_file) > 20
    assert from_file == from_python


def test_errors_name_the_device_and_parameter():
    net = nm.Network(dt=0.1)
    pop = net.population(3, nm.Model("iaf_psc_exp"), label="N")
    with pytest.raises(nm.ConfigError, match="unknown stimulus 'gamma_generator'"):
        net.stimulus("gamma_generator", pop, rate=1.0)
        net.spec()
    net = nm.Network(dt=0.1)
    pop = net.population(3, nm.Model("iaf_psc_exp"), label="N")
    net.stimulus("step_current_generator", pop, amplitude_times=[1.0, 2.0], amplitude_values=[1.0])
    with pytest.raises(nm.ConfigError, match="amplitude_values: step_current_generator: amplitude_times has 2"):
        net.spec()
    net = nm.Network(dt=0.1)
    pop = net.population(3, nm.Model("iaf_psc_exp"), label="N")
    net.stimulus("inhomogeneous_poisson_generator", pop, rate_times=[1.0], rate_values=[-2.0], weight=1.0)
    with pytest.raises(nm.ConfigError, match="rate_values.0.: inhomogeneous_poisson_generator: rates must be >= 0"):
        net.spec()
    with pytest.raises(nm.ConfigError, match="not a view"):
        net.stimulus("ac_generator", pop[0:2], amplitude=1.0)
    with pytest.raises(nm.ArgumentTypeError, match="frequency must be a number"):
        net.stimulus("ac_generator", pop, frequency="fast")
