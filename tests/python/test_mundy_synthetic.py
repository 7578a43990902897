"""networks/mundy_synthetic.py: the hexagonal torus distance, the connection statistics of
Mundy et al. 2016's workloads at a small scale, and that the sequential placement puts vertex c
on core c of the chip the generator assumed."""
import os

import numpy as np
import pytest

nm = pytest.importorskip("neuromesh")
import mundy_synthetic as ms  # noqa: E402  (networks/, on the path by conftest.py; needs neuromesh)


def test_hex_torus_distance():
    d = lambda bx, by: int(ms.hex_torus_distance(0, 0, bx, by, 12, 12))  # noqa: E731
    assert d(0, 0) == 0
    assert d(3, 3) == 3  # the NE diagonal moves both axes
    assert d(3, -3 % 12) == 6  # against the diagonal: no shortcut
    assert d(11, 0) == 1 and d(0, 11) == 1 and d(11, 11) == 1  # wrap-around
    assert d(6, 0) == 6 and d(6, 6) == 6


def test_locally_connected_probability_halves_per_hop():
    w = h = 8
    cpc = 8
    src, dst = ms.core_pairs("local", (w, h), cpc, seed=3)
    chip = np.arange(w * h)
    cx, cy = chip % w, chip // w
    dist = ms.hex_torus_distance(cx[:, None], cy[:, None], cx[None, :], cy[None, :], w, h)
    pairs_at = np.bincount(dist.ravel()) * cpc * cpc
    found_at = np.bincount(dist[src // cpc, dst // cpc], minlength=pairs_at.size)
    for d in range(4):
        assert found_at[d] / pairs_at[d] == pytest.approx(0.5 * 0.5 ** d, rel=0.15), d


def test_centroid_adds_distant_sinks_and_uniform_keeps_the_mean():
    chips, cpc = (8, 8), 8
    local_src, local_dst = ms.core_pairs("local", chips, cpc, seed=4)
    centroid_src, centroid_dst = ms.core_pairs("centroid", chips, cpc, seed=4)
    uniform = ms.core_pairs("uniform", chips, cpc, seed=4)[0].size
    assert centroid_src.size > 1.05 * local_src.size
    assert uniform == pytest.approx(local_src.size, rel=0.1)

    def far(src, dst):  # sinks 4 or more hops from their source
        return int(np.sum(ms.hex_torus_distance(src // cpc % 8, src // cpc // 8, dst // cpc % 8, dst // cpc // 8,
                                                8, 8) >= 4))
    assert far(centroid_src, centroid_dst) > 1.3 * far(local_src, local_dst)


def test_sequential_placement_puts_vertex_c_on_core_c():
    net = ms.build("local", chips=(3, 3), cores_per_chip=16, neurons_per_core=256, seed=2)
    # The preset without its table limit: mapping the preset itself would refuse a table over it,
    # so the fit below could not fail.
    unlimited, limit = ms.without_table_limit("spinnaker")
    try:
        m = nm.hardware.map_network(net, unlimited, "sequential", profile_ms=0, chips=(3, 3))
    finally:
        os.unlink(unlimited)
    core = m.core_of()
    assert np.array_equal(core, np.arange(3 * 3 * 16 * 256) // 256)
    lay = m.layout()
    chip = np.arange(3 * 3 * 16) // 16
    assert np.array_equal(lay["core_x"][: chip.size], chip % 3)
    assert np.array_equal(lay["core_y"][: chip.size], chip // 3)
    t = ms.table_report(m, limit)
    assert t["after_max"] <= t["default_max"] <= t["before_max"]
    assert t["fit"] == 1.0
