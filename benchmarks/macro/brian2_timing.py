"""Loop-only timing of a Brian2 C++ standalone run, shared by the peer comparisons.

Brian2's standalone binary also spends time loading its arrays and writing results; the comparisons
report the simulation loop alone too, timed inside the generated main() with CLOCK_MONOTONIC around
the run() of interest (the warm-up run, if any, is outside the window)."""
from __future__ import annotations

import os

_RESULT = "nm_wall_seconds.txt"


def run_timed(device, run, second, duration, warmup=0.0):
    """Queues `warmup` s (untimed) then `duration` s (timed) of simulation in the standalone main().
    Brian2's run() collects the objects and resolves names in its caller's frame: level=1 makes
    that the frame that called run_timed."""
    if warmup > 0:
        run(warmup * second, level=1)
    device.insert_code("main", "struct timespec _nm_t0, _nm_t1; clock_gettime(CLOCK_MONOTONIC, &_nm_t0);")
    run(duration * second, level=1)
    device.insert_code("main", """
clock_gettime(CLOCK_MONOTONIC, &_nm_t1);
{
    std::ofstream _nm_f(brian::results_dir + "%s");
    _nm_f.precision(9);
    _nm_f << ((_nm_t1.tv_sec - _nm_t0.tv_sec) + 1e-9 * (_nm_t1.tv_nsec - _nm_t0.tv_nsec)) << std::endl;
}
""" % _RESULT)


def loop_seconds(device):
    """The timed loop's wall seconds, after device.run()."""
    with open(os.path.join(device.results_dir, _RESULT)) as f:
        return float(f.read())
