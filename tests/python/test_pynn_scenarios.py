"""PyNN's own backend-independent tests (test/system/scenarios of the PyNN 0.13.0 sdist) on
pyNN.nest and pyNN.neuromesh side by side.

The sdist is downloaded by scripts/test.sh (pip download --no-binary :all: pynn==0.13.0 into
build/pynn-sdist; or NEUROMESH_PYNN_SDIST names the .tar.gz). Its scenarios directory is unpacked
into a temporary directory and run by pytest in a subprocess with tests/python/pynn_scenario_plugin.py,
which adds "neuromesh" to each scenario's list of simulators in memory (PyNN's files unchanged,
nothing copied into this project). The table (passed / failed / skipped per scenario and
simulator) is printed; the test fails when a scenario that passes on pyNN.nest does not pass on
pyNN.neuromesh and docs/pynn.md does not list it with its reason, or when a listed one now passes
(the list only shrinks: update docs/pynn.md)."""
import glob
import os
import re
import subprocess
import sys
import tarfile
import xml.etree.ElementTree as ET

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
VERSION = "0.13.0"


def _sdist():
    given = os.environ.get("NEUROMESH_PYNN_SDIST")
    if given:
        return given
    import neuromesh
    build = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(neuromesh.__file__))))
    for folder in (os.path.join(build, "pynn-sdist"), os.path.join(ROOT, "build", "pynn-sdist")):
        found = sorted(glob.glob(os.path.join(folder, f"[pP]y[nN][nN]-{VERSION}.tar.gz")))
        if found:
            return found[0]
    return None


def _results(xml_path):
    """{(file, test): {simulator: (status, message)}} from pytest's JUnit XML."""
    out = {}
    for case in ET.parse(xml_path).getroot().iter("testcase"):
        m = re.match(r"(.+)\[(\w+)\]$", case.get("name"))
        if not m:
            continue
        status, message = "passed", ""
        for tag in ("failure", "error", "skipped"):
            child = case.find(tag)
            if child is not None:
                status = "skipped" if tag == "skipped" else "failed"
                message = (child.get("message") or "").splitlines()[0][:100] if child.get("message") else ""
        module = case.get("classname").split(".")[-1]
        out.setdefault((module, m.group(1)), {})[m.group(2)] = (status, message)
    return out


def _documented():
    """Scenarios docs/pynn.md lists as passing on pyNN.nest but not on pyNN.neuromesh."""
    text = open(os.path.join(ROOT, "docs", "pynn.md"), encoding="utf-8").read()
    section = text.split("## Scenarios neuromesh does not pass", 1)[-1].split("\n## ", 1)[0]
    return {tuple(m.groups()) for m in re.finditer(r"^\| `(\w+)::(\w+)` \|", section, re.M)}


def test_pynn_scenarios(tmp_path):
    pytest.importorskip("pyNN", reason="PyNN is not installed (pip install pynn==0.13.0)")
    pytest.importorskip("nest", reason="NEST is not importable (the side-by-side table needs pyNN.nest)")
    import pyNN
    if pyNN.__version__ != VERSION:
        pytest.skip(f"PyNN {pyNN.__version__} is installed; the scenarios are PyNN {VERSION}'s")
    sdist = _sdist()
    if sdist is None:
        pytest.skip("the PyNN sdist is not downloaded: pip download --no-binary :all: --no-deps "
                    f"pynn=={VERSION} -d build/pynn-sdist (scripts/test.sh does)")
    with tarfile.open(sdist) as tar:
        prefix = f"{os.path.basename(sdist)[:-len('.tar.gz')]}/test/system/scenarios/"
        members = [m for m in tar.getmembers() if m.name.startswith(prefix) and m.isfile()]
        for m in members:
            m.name = "scenarios/" + m.name[len(prefix):]
        tar.extractall(tmp_path, members=members)
    xml = tmp_path / "results.xml"
    paths = [os.path.abspath(p) for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([HERE] + paths),
               PYNEST_QUIET="1", MPLBACKEND="Agg")
    run = subprocess.run([sys.executable, "-m", "pytest", "scenarios", "-p", "pynn_scenario_plugin", "-q",
                          "-p", "no:cacheprovider", f"--junitxml={xml}", "-W", "ignore"],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=1500)
    assert xml.exists(), run.stdout[-3000:] + run.stderr[-3000:]
    results = _results(xml)
    unavailable = [k for k, r in results.items() if "not available" in r.get("neuromesh", ("-", ""))[1]
                   and "neuromesh" in r["neuromesh"][1]]
    assert not unavailable, f"pyNN.neuromesh did not import in the scenario run:\n{run.stdout[-3000:]}"
    assert len(results) >= 60, f"only {len(results)} scenarios ran:\n{run.stdout[-3000:]}"
    lines = [f"{'scenario':62} {'pyNN.nest':10} {'pyNN.neuromesh':14} neuromesh message"]
    gap = set()
    for (module, test), by_sim in sorted(results.items()):
        nest, nm = by_sim.get("nest", ("-", "")), by_sim.get("neuromesh", ("-", ""))
        lines.append(f"{module + '::' + test:62} {nest[0]:10} {nm[0]:14} {nm[1] if nm[0] != 'passed' else ''}")
        if nest[0] == "passed" and nm[0] != "passed":
            gap.add((module, test))
    counts = {s: sum(1 for r in results.values() if r.get("neuromesh", ("-",))[0] == s)
              for s in ("passed", "failed", "skipped")}
    nest_counts = {s: sum(1 for r in results.values() if r.get("nest", ("-",))[0] == s)
                   for s in ("passed", "failed", "skipped")}
    lines.append(f"pyNN.nest: {nest_counts}; pyNN.neuromesh: {counts}")
    print("\n".join(lines))
    documented = _documented()
    missing = sorted(gap - documented)
    assert not missing, ("scenarios that pass on pyNN.nest but not on pyNN.neuromesh, not listed in docs/pynn.md: "
                         f"{missing}\n" + "\n".join(lines))
    now_passing = sorted(k for k in documented if results.get(k, {}).get("neuromesh", ("-",))[0] == "passed")
    assert not now_passing, f"listed in docs/pynn.md as failing but passing now (remove them): {now_passing}"
