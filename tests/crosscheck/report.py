"""Runs the cross-check table against NEST and writes the markdown table of docs/validation.md.

    PYTHONPATH=build/python python3 tests/crosscheck/report.py                      # print it
    PYTHONPATH=build/python python3 tests/crosscheck/report.py --update docs/validation.md

With --update, the text between the markers <!-- crosscheck:begin --> and <!-- crosscheck:end -->
of the given file is replaced; the rest of the file is left as it is.
"""
import argparse
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import crosscheck_table as table  # noqa: E402

BEGIN, END = "<!-- crosscheck:begin -->", "<!-- crosscheck:end -->"
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def _dv(x):
    if x != x or x == float("inf"):
        return "-"
    return "0" if x == 0 else f"{x:.2g}"


def _short(text, n=110):
    text = " ".join(str(text).split()).replace("|", "\\|")
    return text if len(text) <= n else text[: n - 1] + "…"


def _commit():
    try:
        head = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, check=True).stdout.strip()
        return head + (" plus uncommitted changes" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def build_table():
    t0 = time.perf_counter()
    rows = []
    failing = 0
    for case in table.cases():
        out = table.run_case(case)
        failing += not out.passed
        if out.passed:
            result = "pass"
        elif out.error is not None:  # "ConfigError: projections[1] (a->b).weight: what" -> "refused: what"
            what = re.sub(r"^\w+Error: (projections\[[^]]*\][^:]*: )?", "", out.error)
            result = "**FAIL**: refused: " + _short(what, 90)
        else:
            result = "**FAIL**: " + _short("; ".join(out.failures()), 150)
        rows.append(f"| {case.model.name} | {case.protocol} | {_short(case.note, 90)} | {out.spike_ratio} | "
                    f"{_dv(out.max_dv)} | {case.tol:g} | {result} |")
    defaults = []
    for m in table.MODELS:
        mismatches = table.default_mismatches(m.name)
        text = "as NEST" if not mismatches else "**differ**: " + "; ".join(
            f"{name} neuromesh {a!r}, NEST {b!r}" for name, a, b in mismatches)
        defaults.append(f"| {m.name} | {text} |")
        failing += bool(mismatches)
    seconds = time.perf_counter() - t0
    import neuromesh
    lines = [
        f"Measured with NEST {table.nest_version()} and neuromesh {neuromesh.__version__} "
        f"(commit {_commit()}); {len(rows)} cases and {len(defaults)} default checks in {seconds:.0f} s, "
        f"{failing} failing.",
        "",
        "| model | protocol | what | spikes equal (x/y) | max \\|dV\\| [mV] | tolerance [mV] | result |",
        "|---|---|---|---|---|---|---|",
        *rows,
        "",
        "Tolerances (max |V_nest - V_neuromesh| over all steps; spike steps must be identical in every case):",
        "",
        "| model | tolerance [mV] | why |",
        "|---|---|---|",
        *[f"| {m.name} | {m.tol:g} | {_short(m.tol_reason, 200)} |" for m in table.MODELS],
        "",
        "Defaults (parameters and initial state of `nm.Model(name)` against `nest.GetDefaults(name)`):",
        "",
        "| model | defaults |",
        "|---|---|",
        *defaults,
    ]
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--update", metavar="FILE", help="replace the table between the markers in FILE")
    args = parser.parse_args()
    if table.nest is None:
        sys.exit(f"NEST is not importable ({table.NEST_IMPORT_ERROR}); pip install nest-simulator")
    text = build_table()
    if not args.update:
        sys.stdout.write(text)
        return
    with open(args.update) as f:
        doc = f.read()
    if BEGIN not in doc or END not in doc:
        sys.exit(f"{args.update}: no {BEGIN} ... {END} markers to put the table between")
    head, rest = doc.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    with open(args.update, "w") as f:
        f.write(f"{head}{BEGIN}\n{text}{END}{tail}")
    print(f"{args.update}: table updated")


if __name__ == "__main__":
    main()
