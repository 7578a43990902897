"""The `neuromesh` command installed with the Python package: `neuromesh report OUT.h5` is
handled in Python (analysis + plots), and so are `run`/`map` of a NIR file (MODEL.nir, docs/nir.md),
`run` of a SONATA config (circuit/simulation config JSON) and `export` (neuromesh.sonata); every
other command runs the bundled C++ CLI."""
import os
import shutil
import sys


def _binary():
    bundled = os.path.join(os.path.dirname(__file__), "bin", "neuromesh")
    if os.path.exists(bundled):
        return bundled
    found = shutil.which("neuromesh")
    return found if found and os.path.realpath(found) != os.path.realpath(sys.argv[0]) else None


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) > 1 and argv[0] in ("run", "map") and argv[1].endswith(".nir"):
        from .nir import _cli  # NIR graphs are read in Python (docs/nir.md)
        return _cli.main(argv[0], argv[1:])
    if argv and argv[0] == "report":
        from . import report
        return report.main(argv[1:])
    if argv and argv[0] == "export":
        from . import sonata_cli
        return sonata_cli.export(argv[1:])
    if len(argv) > 1 and argv[0] == "run":
        from . import sonata_cli
        if any(sonata_cli.is_sonata_config(a) for a in argv[1:] if not a.startswith("-")):
            return sonata_cli.run(argv[1:])
    binary = _binary()
    if binary is None:
        sys.stderr.write("neuromesh: the C++ command-line tool is not installed with this package; "
                         "build it with scripts/build.sh or reinstall with pip install .\n")
        return 1
    os.execv(binary, [binary, *argv])
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
