"""Readers of output files never hang, crash or raise an unexpected error type (issue 17, item 8).

A valid output file in neuromesh's SONATA layout is written with h5py, then mutated: hand-made
hostile cases (datasets declaring 2^31-2^40 unwritten rows, a provenance population_size of 1e9,
NaN/inf/negative times, ids beyond the population, data marked sorted that is not, missing or
mistyped datasets, dangling links, external storage, ...) and seeded random byte flips and
truncations. Every copy must either read fine -- with valid data and a windowed read equal to
the filtered full read -- or raise neuromesh.analysis.AnalysisError; `neuromesh info` (run by
ctest with NEUROMESH_CLI set) must exit 0, or 1 with "neuromesh: error:", within seconds.

The Python reader runs in a child process with a 3 GiB address-space limit, so a crash, a hang or
an allocation sized by an untrusted number is reported against the case that caused it instead of
taking pytest down. Deterministic: the same seed gives the same files.

On the readers before issue 17 item 8: 88 of 291 files mishandled by neuromesh.analysis (wrong
error types, NaN times and lying `sorting` accepted, missing node_ids dropped silently, 8-256 GiB
allocations) and 31 of 97 by `neuromesh info` (4 hangs on 2^31-2^40 declared rows, invalid data
accepted); with every random file given to info, also flip_181 (SIGSEGV inside libhdf5 1.10.8).
"""
import os
import selectors
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

try:
    import h5py
    import numpy as np
except ImportError as exc:  # skipped with a reason, never a silent pass
    pytest.skip(f"h5py/numpy not available ({exc}); install python3-h5py", allow_module_level=True)

REPO = Path(__file__).resolve().parents[2]
ANALYSIS = REPO / "python" / "neuromesh" / "analysis.py"
SORTING = h5py.enum_dtype({"none": 0, "by_id": 1, "by_time": 2}, basetype="u1")
SEED = 20261206
N_FLIPS = 200  # random byte-flip copies
N_TRUNCATIONS = 24  # random truncations
N_CLI_RANDOM = N_FLIPS + N_TRUNCATIONS  # random copies also given to `neuromesh info` (all: ~25 ms each;
# flip_181 crashed libhdf5 1.10.8 itself (SIGSEGV) before describe_file read in a child process)
CASE_TIMEOUT_S = 10.0  # Python reader, per case
CLI_TIMEOUT_S = 5.0  # `neuromesh info`, per file
DURATION = 1000.0
SIZES = {"E": 80, "I": 20}


def _h5(path, mode="r+"):
    return h5py.File(path, mode, libver=("earliest", "v110"))  # readable by libhdf5 1.10


def write_base(path):
    """A valid file as `neuromesh run` writes it: two spike populations (I recorded in part),
    a float32 report, provenance; extendible chunked datasets."""
    rng = np.random.default_rng(SEED)
    with _h5(path, "w") as f:
        f.attrs["magic"] = np.uint32(0x0A7A)
        f.attrs["version"] = np.array([0, 1], np.uint32)
        recorded_i = np.arange(0, SIZES["I"], 2, dtype=np.uint64)
        for name, n, pool in (("E", 2000, np.arange(SIZES["E"], dtype=np.uint64)), ("I", 500, recorded_i)):
            times = np.sort(np.round(rng.uniform(0.0, DURATION, n), 1))
            ids = rng.choice(pool, n)
            g = f.create_group(f"spikes/{name}")
            g.attrs.create("sorting", 2, dtype=SORTING)
            ts = g.create_dataset("timestamps", data=times, maxshape=(None,), chunks=(256,))
            ts.attrs["units"] = "ms"
            g.create_dataset("node_ids", data=ids, maxshape=(None,), chunks=(256,))
            if name == "I":
                g.create_dataset("recorded_node_ids", data=recorded_i)
        r = f.create_group("report/E")
        r.attrs["population"] = "E"
        data = r.create_dataset("data", data=rng.uniform(-70, -50, (100, 4)).astype(np.float32),
                                maxshape=(None, 4), chunks=(64, 4))
        data.attrs["variable"], data.attrs["units"] = "V_m", "mV"
        r.create_dataset("mapping/node_ids", data=np.arange(4, dtype=np.uint64))
        r.create_dataset("mapping/index_pointers", data=np.arange(5, dtype=np.uint64))
        r.create_dataset("mapping/element_ids", data=np.zeros(4, np.uint32))
        r.create_dataset("mapping/time", data=np.array([0.0, 100.0, 1.0])).attrs["units"] = "ms"
        p = f.create_group("provenance")
        p.attrs["network"], p.attrs["status"] = "fuzz", "complete"
        p.attrs["dt_ms"], p.attrs["duration_ms"] = 0.1, DURATION
        for name, size in SIZES.items():
            p.attrs[f"population_size.{name}"] = np.uint64(size)


# ---------------------------------------------------------------- hand-made hostile cases
def _replace(f, path, **kwargs):
    attrs = dict(f[path].attrs) if path in f else {}
    if path in f:
        del f[path]
    ds = f.create_dataset(path, **kwargs)
    for k, v in attrs.items():
        ds.attrs[k] = v
    return ds


def _huge_rows(bits, layout="chunked", datasets=("timestamps", "node_ids")):
    def mutate(f):
        for name in datasets:
            dtype = np.float64 if name == "timestamps" else np.uint64
            if layout == "chunked":
                _replace(f, f"spikes/E/{name}", shape=(1 << bits,), maxshape=(None,), chunks=(1024,), dtype=dtype)
            else:  # contiguous, never written: libhdf5 allocates it late, so the file stays small
                _replace(f, f"spikes/E/{name}", shape=(1 << bits,), dtype=dtype)
    return mutate


def _set_rows(dataset, row, value):
    def mutate(f):
        f[dataset][row] = value
    return mutate


def _prov(key, value):
    def mutate(f):
        f["provenance"].attrs[key] = value
    return mutate


def _shuffle_e(sorting_value):
    def mutate(f):
        rng = np.random.default_rng(1)
        order = rng.permutation(f["spikes/E/timestamps"].shape[0])
        for name in ("timestamps", "node_ids"):
            f[f"spikes/E/{name}"][...] = f[f"spikes/E/{name}"][...][order]
        if sorting_value is not None:
            del f["spikes/E"].attrs["sorting"]
            f["spikes/E"].attrs["sorting"] = sorting_value
    return mutate


def _swap_two_rows(f):
    """One out-of-order pair far from the windows' edges: a lie only a full check catches."""
    ts = f["spikes/E/timestamps"]
    a, b = 10, ts.shape[0] - 10
    va, vb = ts[a], ts[b]
    ts[a], ts[b] = vb, va


def _retype(path, dtype, shape=None):
    def mutate(f):
        old = f[path][...]
        new_shape = old.shape if shape is None else shape
        if np.dtype(dtype).kind in "SO":
            data = np.array([b"x"] * int(np.prod(new_shape)), dtype="S8").reshape(new_shape)
        elif np.dtype(dtype).names:
            data = np.zeros(new_shape, dtype)
        else:
            data = np.resize(old, new_shape).astype(dtype)
        _replace(f, path, data=data)
    return mutate


def _delete(path):
    def mutate(f):
        del f[path]
    return mutate


def _dangling(path):
    def mutate(f):
        del f[path]
        f[path] = h5py.SoftLink("/nowhere/at/all")
    return mutate


def _external_link(path):
    def mutate(f):
        del f[path]
        f[path] = h5py.ExternalLink("no_such_file.h5", "/x")
    return mutate


def _external_storage(path):
    def mutate(f):
        n = f[path].shape[0]
        ext = os.path.join(os.path.dirname(f.filename), "external.bin")
        with open(ext, "wb") as out:
            out.write(b"\0" * (8 * n))
        _replace(f, path, shape=(n,), dtype=np.float64, external=[(ext, 0, 8 * n)])
    return mutate


def _negative_ids(f):
    ids = f["spikes/E/node_ids"][...].astype(np.int64)
    ids[3] = -1
    _replace(f, "spikes/E/node_ids", data=ids)


def _attr(path, key, value):
    def mutate(f):
        if key in f[path].attrs:
            del f[path].attrs[key]
        f[path].attrs[key] = value
    return mutate


def _empty_population(f):
    for name in ("timestamps", "node_ids"):
        _replace(f, f"spikes/E/{name}", shape=(0,), maxshape=(None,), chunks=(256,),
                 dtype=np.float64 if name == "timestamps" else np.uint64)


def _big_population(f):
    f["provenance"].attrs["population_size.E"] = 1e9


# name -> (mutation, expected: "error" = both readers must report an error, "ok" = both must read
# it, with correct results; "any" = either, but nothing else)
CASES = {
    "rows_2^31_chunked": (_huge_rows(31), "error"),
    "rows_2^35_chunked": (_huge_rows(35), "error"),
    "rows_2^40_chunked": (_huge_rows(40), "error"),
    "rows_2^35_contiguous": (_huge_rows(35, "contiguous"), "error"),
    "rows_2^35_timestamps_only": (_huge_rows(35, datasets=("timestamps",)), "error"),
    "rows_2^35_recorded_node_ids": (lambda f: _replace(f, "spikes/I/recorded_node_ids", shape=(1 << 35,),
                                                       maxshape=(None,), chunks=(1024,), dtype=np.uint64), "error"),
    "rows_2^35_report": (lambda f: _replace(f, "report/E/data", shape=(1 << 35, 4), maxshape=(None, 4),
                                            chunks=(64, 4), dtype=np.float32), "error"),
    "population_size_1e9": (_big_population, "ok"),
    "population_size_1e300": (_prov("population_size.E", 1e300), "error"),
    "population_size_nan": (_prov("population_size.E", np.nan), "error"),
    "population_size_inf": (_prov("population_size.E", np.inf), "error"),
    "population_size_negative": (_prov("population_size.E", -5.0), "error"),
    "population_size_fraction": (_prov("population_size.E", 80.5), "error"),
    "population_size_too_small": (_prov("population_size.E", 10), "error"),
    "population_size_text": (_prov("population_size.E", "eighty"), "any"),
    "population_size_array": (_prov("population_size.E", np.array([80, 80])), "any"),
    "duration_nan": (_prov("duration_ms", np.nan), "error"),
    "duration_inf": (_prov("duration_ms", np.inf), "error"),
    "duration_negative": (_prov("duration_ms", -1.0), "error"),
    "duration_text": (_prov("duration_ms", "long"), "any"),
    "time_nan": (_set_rows("spikes/E/timestamps", 100, np.nan), "error"),
    "time_inf": (_set_rows("spikes/E/timestamps", 1999, np.inf), "error"),
    "time_minus_inf": (_set_rows("spikes/E/timestamps", 0, -np.inf), "error"),
    "time_negative": (_set_rows("spikes/E/timestamps", 0, -1.0), "error"),
    "id_equals_size": (_set_rows("spikes/E/node_ids", 5, SIZES["E"]), "error"),
    "id_huge": (_set_rows("spikes/E/node_ids", 5, np.uint64(1) << np.uint64(63)), "error"),
    "id_not_recorded": (_set_rows("spikes/I/node_ids", 5, 1), "error"),
    "id_negative": (_negative_ids, "error"),
    "sorted_lie_enum": (_shuffle_e(None), "ok"),
    "sorted_lie_string": (_shuffle_e("by_time"), "ok"),
    "sorted_lie_int": (_shuffle_e(np.int32(2)), "ok"),
    "sorted_lie_one_pair": (_swap_two_rows, "ok"),
    "sorting_float_array": (_attr("spikes/E", "sorting", np.array([2.5, 1.0])), "any"),
    "sorting_text_garbage": (_attr("spikes/E", "sorting", "\u00e9\u00e9"), "any"),
    "node_ids_missing": (_delete("spikes/E/node_ids"), "error"),
    "timestamps_missing": (_delete("spikes/E/timestamps"), "error"),
    "node_ids_dangling": (_dangling("spikes/E/node_ids"), "error"),
    "timestamps_external_link": (_external_link("spikes/E/timestamps"), "error"),
    "timestamps_external_storage": (_external_storage("spikes/E/timestamps"), "error"),
    "node_ids_float": (_retype("spikes/E/node_ids", np.float64), "error"),
    "node_ids_text": (_retype("spikes/E/node_ids", "S8"), "error"),
    "node_ids_compound": (_retype("spikes/E/node_ids", np.dtype([("a", "<u8"), ("b", "<f8")])), "error"),
    "node_ids_2d": (_retype("spikes/E/node_ids", np.uint64, (2000, 1)), "error"),
    "node_ids_scalar": (lambda f: _replace(f, "spikes/E/node_ids", data=np.uint64(3)), "error"),
    "timestamps_text": (_retype("spikes/E/timestamps", "S8"), "error"),
    "timestamps_2d": (_retype("spikes/E/timestamps", np.float64, (1000, 2)), "error"),
    "timestamps_int": (_retype("spikes/E/timestamps", np.int64), "any"),
    "length_mismatch": (lambda f: f["spikes/E/node_ids"].resize((1500,)), "error"),
    "units_unknown": (_attr("spikes/E/timestamps", "units", "furlongs"), "error"),
    "units_number": (_attr("spikes/E/timestamps", "units", 3), "any"),
    "units_seconds": (_attr("spikes/E/timestamps", "units", "s"), "ok"),
    "recorded_unsorted": (lambda f: _replace(f, "spikes/I/recorded_node_ids",
                                             data=np.arange(18, -1, -2, dtype=np.uint64)), "error"),
    "recorded_beyond_size": (_set_rows("spikes/I/recorded_node_ids", 9, 999), "error"),
    "recorded_float": (_retype("spikes/I/recorded_node_ids", np.float64), "error"),
    "spikes_is_dataset": (lambda f: (_delete("spikes")(f), f.create_dataset("spikes", data=[1, 2])), "any"),
    "population_is_dataset": (lambda f: (_delete("spikes/E")(f), f.create_dataset("spikes/E", data=[1])), "any"),
    "provenance_is_dataset": (lambda f: (_delete("provenance")(f), f.create_dataset("provenance", data=[1])),
                              "any"),
    "empty_population": (_empty_population, "ok"),
    "report_1d": (_retype("report/E/data", np.float32, (400,)), "error"),
    "report_text": (_retype("report/E/data", "S8", (100, 4)), "error"),
    "report_time_short": (lambda f: _replace(f, "report/E/mapping/time", data=np.array([0.0, 100.0])), "error"),
    "report_time_nan": (_set_rows("report/E/mapping/time", 2, np.nan), "error"),
    "report_dt_zero": (_set_rows("report/E/mapping/time", 2, 0.0), "error"),
    "report_node_ids_2^35": (lambda f: _replace(f, "report/E/mapping/node_ids", shape=(1 << 35,),
                                                maxshape=(None,), chunks=(1024,), dtype=np.uint64), "error"),
    "report_mapping_missing": (_delete("report/E/mapping"), "any"),
    "report_node_ids_text": (_retype("report/E/mapping/node_ids", "S8"), "error"),
}


def _random_cases(base_bytes):
    """(name, bytes) of seeded byte flips and truncations of the base file."""
    rng = np.random.default_rng(SEED)
    n = len(base_bytes)
    out = []
    for k in range(N_FLIPS):
        data = bytearray(base_bytes)
        for _ in range(int(rng.integers(1, 9))):
            # half of the flips land in the first 4 KiB, where the superblock and the metadata are
            pos = int(rng.integers(0, 4096 if rng.random() < 0.5 else n))
            data[pos] ^= 1 << int(rng.integers(0, 8)) if rng.random() < 0.7 else int(rng.integers(1, 256))
        out.append((f"flip_{k:03d}", bytes(data)))
    for k in range(N_TRUNCATIONS):
        out.append((f"truncate_{k:02d}", base_bytes[: int(rng.integers(0, n))]))
    return out


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """[(name, path, expected)] of every case; the files are made once per test session."""
    root = tmp_path_factory.mktemp("reader_fuzz")
    base = root / "base.h5"
    write_base(base)
    base_bytes = base.read_bytes()
    cases = [("base", base, "ok")]
    for name, (mutate, expected) in CASES.items():
        d = root / name
        d.mkdir()
        path = d / "out.h5"
        path.write_bytes(base_bytes)
        with _h5(path) as f:
            mutate(f)
        cases.append((name, path, expected))
    for name, data in _random_cases(base_bytes):
        path = root / f"{name}.h5"
        path.write_bytes(data)
        cases.append((name, path, "any"))
    return cases


# ---------------------------------------------------------------- the Python reader, in a child
WORKER = textwrap.dedent(r"""
    import importlib.util, resource, sys
    import numpy as np
    resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
    spec = importlib.util.spec_from_file_location("neuromesh_analysis_fuzz", sys.argv[1])
    an = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(an)

    def check_spikes(s):
        assert s.ids.shape == s.times.shape and s.ids.ndim == 1, "ids and times differ in shape"
        assert np.all(np.isfinite(s.times)) and np.all(s.times >= 0), "invalid times accepted"
        assert 0 <= s.size, f"size {s.size}"
        assert s.ids.size == 0 or int(s.ids.max()) < s.size, "ids beyond the population accepted"
        if s.recorded is not None:
            assert np.all(np.isin(s.ids, s.recorded)), "ids outside recorded_node_ids accepted"

    def check(path):
        full = an.read_spikes(path)
        for s in full.values():
            check_spikes(s)
        for a, b in ((100.0, 400.0), (0.0, 250.05), (333.3, 333.4)):
            window = an.read_spikes(path, t_start=a, t_stop=b)
            for name, s in full.items():
                if s.t_end is None or b >= s.t_end:
                    continue
                keep = (s.times >= a) & (s.times < b)
                want = sorted(zip(s.ids[keep].tolist(), s.times[keep].tolist()))
                got = sorted(zip(window[name].ids.tolist(), window[name].times.tolist()))
                assert got == want, f"{name}: window [{a}, {b}) has {len(got)} spikes, the full read {len(want)}"
        an.summary(path)
        an.read_reports(path)
        an.read_provenance(path)

    for line in sys.stdin:
        index, path = line.rstrip("\n").split("\t", 1)
        print("START", index, flush=True)
        try:
            check(path)
            status = "ok"
        except an.AnalysisError:
            status = "error"
        except BaseException as exc:
            status = f"unexpected {type(exc).__name__}: {str(exc)[:300]!r}"
        print("RESULT", index, status, flush=True)
""")


def _run_python_reader(cases):
    """{index: status} for every case: 'ok', 'error' (AnalysisError), or a failure description."""
    results, todo = {}, list(range(len(cases)))
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    while todo:
        errors = tempfile.TemporaryFile()  # a file, not a pipe: a chatty child never blocks on it
        child = subprocess.Popen([sys.executable, "-c", WORKER, str(ANALYSIS)], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, stderr=errors, env=env)
        try:
            child.stdin.write("".join(f"{i}\t{cases[i][1]}\n" for i in todo).encode())
            child.stdin.close()
        except BrokenPipeError:  # the child died at start: reported below against todo[0]
            pass
        sel = selectors.DefaultSelector()
        sel.register(child.stdout, selectors.EVENT_READ)
        fd, current, pending, ended = child.stdout.fileno(), None, b"", False
        while not ended:
            if not sel.select(timeout=CASE_TIMEOUT_S if current is not None else 60.0):
                child.kill()
                results[current if current is not None else todo[0]] = f"hang (> {CASE_TIMEOUT_S} s)"
                break
            chunk = os.read(fd, 1 << 16)  # unbuffered: select() sees every byte not yet read
            ended = not chunk  # the child ended: done, or crashed in `current`
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                word, index, *rest = line.decode().split(" ", 2)
                if word == "START":
                    current = int(index)
                elif word == "RESULT":
                    results[int(index)] = rest[0].strip()
                    current = None
        child.wait()
        if current is None and todo[0] not in results and child.returncode != 0:
            current = todo[0]  # no progress at all: the child cannot start
        if current is not None and current not in results:
            errors.seek(0)
            results[current] = f"crash (exit {child.returncode}): {errors.read()[-500:].decode(errors='replace')}"
        errors.close()
        child.stdout.close()
        todo = [i for i in todo if i not in results]
    return results


def _verdict(status, expected):
    if status not in ("ok", "error"):
        return status
    if expected != "any" and status != expected:
        return f"expected {expected}, got {status}"
    return None


def test_python_reader_survives_hostile_files(corpus):
    results = _run_python_reader(corpus)
    failures = [f"{name}: {why}" for i, (name, _, expected) in enumerate(corpus)
                if (why := _verdict(results[i], expected))]
    counts = {s: sum(1 for r in results.values() if r == s) for s in ("ok", "error")}
    assert not failures, (f"{len(failures)} of {len(corpus)} files mishandled by neuromesh.analysis "
                          f"({counts}):\n" + "\n".join(failures))
    assert counts["ok"] >= 20 and counts["error"] >= 50, counts  # the fuzzer reaches both outcomes


# ---------------------------------------------------------------- `neuromesh info`


def test_info_survives_hostile_files(corpus, cli):
    named = [c for c in corpus if c[2] != "any" or not c[0].startswith(("flip_", "truncate_"))]
    rng = np.random.default_rng(SEED + 1)
    random = [c for c in corpus if c[0].startswith(("flip_", "truncate_"))]
    chosen = named + [random[i] for i in sorted(rng.choice(len(random), N_CLI_RANDOM, replace=False))]
    failures = []
    for name, path, expected in chosen:
        try:
            proc = subprocess.run([cli, "info", str(path)], capture_output=True, text=True, errors="replace",
                                  timeout=CLI_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            failures.append(f"{name}: hang (> {CLI_TIMEOUT_S} s)")
            continue
        if proc.returncode == 1 and "neuromesh: error:" in proc.stderr:
            status = "error"
        elif proc.returncode == 0:
            status = "ok"
        else:
            failures.append(f"{name}: exit {proc.returncode}: {proc.stderr[-300:]!r}")
            continue
        if (why := _verdict(status, expected)):
            failures.append(f"{name}: {why} ({(proc.stderr or proc.stdout)[-200:]!r})")
    assert not failures, f"{len(failures)} of {len(chosen)} files mishandled by `neuromesh info`:\n" + \
        "\n".join(failures)
