"""Plotting recorded state and Neo conversion (issue 15, part 3): nm.plots.traces draws exactly the
recorded samples, report_figure gains a V_m panel when state was recorded, raster dots are visible
at any size, and nm.to_neo / Result.to_neo give SpikeTrains and AnalogSignals equal to the file's
data that neo's own io writes and reads back unchanged."""
import pytest

nm = pytest.importorskip("neuromesh", reason="the neuromesh Python package is not built (NEUROMESH_WITH_PYTHON=OFF)")
np = pytest.importorskip("numpy")
pytest.importorskip("h5py", reason="reading the output files needs h5py")
matplotlib = pytest.importorskip("matplotlib", reason="plotting needs matplotlib")
matplotlib.use("Agg")
from neuromesh import analysis, plots  # noqa: E402

DURATION = 200.0


def network(output_ids=(0, 4, 9)):
    net = nm.Network(dt=0.1, seed=11, name="plots")
    drive = net.population(10, nm.SpikeSourceArray(spike_times=[[5.0 + 7 * k, 60.0 + 3 * k] for k in range(10)]),
                           label="drive")
    cells = net.population(10, nm.IF_curr_exp(i_offset=np.linspace(0.5, 1.5, 10)), label="cells")
    net.connect(drive, cells, nm.OneToOne(), nm.StaticSynapse(weight=4.0, delay=1.0))
    cells.record("spikes")
    drive.record("spikes")
    cells.record("v", interval=0.5, ids=list(output_ids))
    return net


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("plots") / "out.h5"
    result = network().run(DURATION, threads=1, output=str(out))
    (report,) = analysis.read_reports(str(out)).values()
    return result, str(out), report


def test_traces_draw_exactly_the_recorded_samples(run):
    result, path, report = run
    for source in (path, result):
        fig = plots.traces(source, "cells", "V_m", ids=[9, 0])
        lines = fig.axes[0].get_lines()
        assert [line.get_label() for line in lines] == ["cells[9]", "cells[0]"]
        for line, column in zip(lines, (2, 0)):
            np.testing.assert_array_equal(line.get_xdata(), report.times)
            np.testing.assert_array_equal(line.get_ydata(), report.data[:, column])
        assert "mV" in fig.axes[0].get_ylabel()
    assert len(plots.traces(path, "cells").axes[0].get_lines()) == 3  # default: every recorded neuron (<= 10)
    with pytest.raises(ValueError, match=r"neurons \[5\].*no recorded V_m"):
        plots.traces(path, "cells", ids=[5])
    with pytest.raises(ValueError, match="holds no g_ex of population 'cells'"):
        plots.traces(path, "cells", "g_ex")


def test_report_figure_has_a_state_panel_when_state_was_recorded(run, tmp_path):
    _, path, report = run
    fig = plots.report_figure(path)
    state_axes = [ax for ax in fig.axes if ax.get_ylabel().startswith("V_m")]
    assert len(state_axes) == 1
    lines = state_axes[0].get_lines()
    assert len(lines) == 3
    np.testing.assert_array_equal(lines[1].get_ydata(), report.data[:, 1])
    # without state: no such panel
    net = network()
    net.populations[1]._recording = [r for r in net.populations[1]._recording if r[0] == "spikes"]
    net.run(50.0, threads=1, output=str(tmp_path / "spikes_only.h5"))
    assert not [ax for ax in plots.report_figure(str(tmp_path / "spikes_only.h5")).axes
                if ax.get_ylabel().startswith("V_m")]


def test_raster_dots_are_visible_for_few_and_readable_for_many_spikes():
    few = {"P": analysis.SpikeData("P", np.array([0, 1, 2], np.uint64), np.array([1.0, 2.0, 3.0]), 100_000, 0.0, 10.0)}
    fig = plots.raster(few)
    (coll,) = fig.axes[0].collections
    assert coll.get_sizes()[0] >= 20 and coll.get_alpha() == 1.0  # three dots among 10^5 neurons: large, opaque
    n = 150_000
    many = {"P": analysis.SpikeData("P", np.arange(n, dtype=np.uint64) % 1000, np.linspace(0, 10, n), 1000, 0.0, 10.0)}
    (coll,) = plots.raster(many).axes[0].collections
    assert 1.0 <= coll.get_sizes()[0] < 5 and coll.get_alpha() < 1.0
    assert len(coll.get_offsets()) == n


def test_to_neo_gives_spike_trains_and_analog_signals_equal_to_the_file(run):
    pytest.importorskip("neo", reason="pip install neo")
    pq = pytest.importorskip("quantities")
    result, path, report = run
    spikes = analysis.read_spikes(path)
    for block in (nm.to_neo(path), result.to_neo(), result.get_data()):
        (segment,) = block.segments
        assert sorted(g.name for g in block.groups) == ["cells", "drive"]
        trains = [t for t in segment.spiketrains if t.annotations["population"] == "cells"]
        assert [t.annotations["source_id"] for t in trains] == list(range(10))
        for train in trains:
            i = train.annotations["source_id"]
            want = np.sort(spikes["cells"].times[spikes["cells"].ids == i])
            np.testing.assert_array_equal(train.rescale(pq.ms).magnitude, want)
            assert float(train.t_stop.rescale(pq.ms)) == DURATION
        (signal,) = segment.analogsignals
        assert signal.units == pq.mV and signal.name == "V_m"
        assert float(signal.sampling_period.rescale(pq.ms)) == pytest.approx(0.5)
        assert float(signal.t_start.rescale(pq.ms)) == 0.0
        np.testing.assert_array_equal(signal.array_annotations["channel_ids"], [0, 4, 9])
        np.testing.assert_array_equal(signal.magnitude, report.data)
    only_v = nm.to_neo(path, population="cells", variables=["V_m"])
    assert not only_v.segments[0].spiketrains and len(only_v.segments[0].analogsignals) == 1
    with pytest.raises(nm.ConfigError, match="no recorded state"):
        nm.to_neo(path, variables=["g_ex"])


@pytest.mark.parametrize("io_name", ["PickleIO", "NixIO"])
def test_neo_io_writes_and_reads_the_block_back_equal(run, tmp_path, io_name):
    neo = pytest.importorskip("neo", reason="pip install neo")
    if io_name == "NixIO":
        pytest.importorskip("nixio", reason="neo's NixIO needs nixio (pip install nixio)")
    _, path, _ = run
    block = nm.to_neo(path)
    target = str(tmp_path / f"out.{io_name}")
    if io_name == "NixIO":
        with neo.io.NixIO(target, mode="ow") as io:
            io.write_block(block)
        with neo.io.NixIO(target, mode="ro") as io:
            back = io.read_block()
    else:
        neo.io.PickleIO(target).write_block(block)
        back = neo.io.PickleIO(target).read_block()
    assert [g.name for g in back.groups] == [g.name for g in block.groups]
    a, b = block.segments[0], back.segments[0]
    assert len(a.spiketrains) == len(b.spiketrains) == 20
    for x, y in zip(a.spiketrains, b.spiketrains):
        np.testing.assert_array_equal(x.magnitude, y.magnitude)
        assert x.annotations == y.annotations and x.t_stop == y.t_stop
    (x,), (y,) = a.analogsignals, b.analogsignals
    np.testing.assert_array_equal(x.magnitude, y.magnitude)
    assert x.units == y.units and x.sampling_period == y.sampling_period
    np.testing.assert_array_equal(x.array_annotations["channel_ids"], y.array_annotations["channel_ids"])


def test_to_neo_without_a_file_gives_the_spikes_in_memory_and_refuses_state():
    pytest.importorskip("neo", reason="pip install neo")
    net = network()
    result = net.run(DURATION, threads=1)
    with pytest.raises(nm.ConfigError, match="output="):
        result.to_neo()
    block = result.to_neo(variables="spikes")
    trains = {t.annotations["source_id"]: t for t in block.segments[0].spiketrains
              if t.annotations["population"] == "cells"}
    ids, times = result.spikes("cells")
    for i, train in trains.items():
        np.testing.assert_array_equal(train.magnitude, np.sort(times[ids == i]))
