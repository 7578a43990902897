"""Build tree only (copied to <build>/python/pyNN/__init__.py by python/CMakeLists.txt; never
installed): makes `import pyNN.neuromesh` work with PYTHONPATH=<build>/python. It finds the
installed PyNN further along sys.path, runs PyNN's own __init__.py as this module, and puts
PyNN's directory after this one on the package path, so pyNN.nest, pyNN.common, ... are PyNN's
and pyNN.neuromesh is ours (docs/pynn.md)."""
import importlib.machinery
import os
import sys

_here = os.path.dirname(os.path.abspath(__file__))
_outside = [p for p in sys.path if os.path.abspath(p or os.curdir) != os.path.dirname(_here)]
_spec = importlib.machinery.PathFinder.find_spec("pyNN", _outside)
if _spec is None or not _spec.submodule_search_locations or not _spec.origin:
    raise ImportError("pyNN.neuromesh needs PyNN itself: pip install pynn==0.13.0")
__path__ = [_here] + [p for p in _spec.submodule_search_locations if os.path.abspath(p) != _here]
__file__ = _spec.origin
with open(_spec.origin, encoding="utf-8") as _f:
    exec(compile(_f.read(), _spec.origin, "exec"))
