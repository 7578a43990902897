"""Every public function, class and method of neuromesh's Python API has a docstring (issue 15,
part 3): the walk covers the names neuromesh exports and its public modules (neuromesh.analysis,
.network, .models, ... -- the python/neuromesh modules), their classes and the methods and
properties those classes define -- and likewise the subpackages neuromesh.pynn (pyNN.neuromesh)
and neuromesh.nir with their public modules. Private names (leading _), dunder methods and what
the compiled core (neuromesh._core, pybind11) or other packages (PyNN's base classes) define are
left out; a method overriding a documented base method inherits its docstring."""
import importlib
import inspect
import pkgutil
import types

import pytest

nm = pytest.importorskip("neuromesh", reason="the neuromesh Python package is not built (NEUROMESH_WITH_PYTHON=OFF)")


SUBPACKAGES = ("neuromesh.pynn", "neuromesh.nir")


def _ours(obj, root="neuromesh"):
    module = getattr(obj, "__module__", None) or ""
    if root == "neuromesh":
        return module.startswith("neuromesh") and not module.startswith(("neuromesh._core",) + SUBPACKAGES)
    return module.startswith(root)


def _documented(obj):
    doc = obj.__doc__ if inspect.isclass(obj) else inspect.getdoc(obj)  # a method override inherits its base's
    return bool((doc or "").strip())


def _modules(root):
    """The modules walked for `root`: the package and its public modules."""
    if root == "neuromesh":
        return [nm] + [m for name, m in sorted(vars(nm).items())
                       if isinstance(m, types.ModuleType) and not name.startswith("_")
                       and _ours(types.SimpleNamespace(__module__=m.__name__))]
    package = importlib.import_module(root)
    return [package] + [importlib.import_module(f"{root}.{info.name}")
                        for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name)
                        if not info.name.startswith("_")]


def public_api(root="neuromesh"):
    """(qualified name, object) of every public function, class, method and property walked."""
    modules = _modules(root)
    seen, out = set(), []
    for module in modules:
        for name, obj in sorted(vars(module).items()):
            if name.startswith("_") or not _ours(obj, root) or id(obj) in seen:
                continue
            if not (inspect.isclass(obj) or inspect.isfunction(obj)):
                continue
            seen.add(id(obj))
            qual = f"{obj.__module__}.{obj.__qualname__}"
            out.append((qual, obj))
            if inspect.isclass(obj):
                for attr, value in sorted(vars(obj).items()):
                    if attr.startswith("_"):
                        continue
                    if isinstance(value, property):
                        out.append((f"{qual}.{attr}", value))
                    elif isinstance(value, (staticmethod, classmethod)) or inspect.isfunction(value):
                        out.append((f"{qual}.{attr}", getattr(obj, attr)))
    return out


def test_the_walk_sees_the_api():
    names = {name for name, _ in public_api()}
    for expected in ("neuromesh.network.Network", "neuromesh.network.Network.run", "neuromesh.network.Population.get",
                     "neuromesh.models.IF_cond_exp", "neuromesh.analysis.AnalysisError", "neuromesh.model_names",
                     "neuromesh.network.Simulator.time", "neuromesh.random.Normal"):
        assert expected in names
    assert not any(".pynn." in n or "._core" in n or n.rsplit(".", 1)[-1].startswith("_") for n in names)


@pytest.mark.parametrize("root", ("neuromesh",) + SUBPACKAGES)
def test_every_public_function_class_and_method_has_a_docstring(root):
    if root != "neuromesh":
        try:
            importlib.import_module(root)
        except ImportError as e:  # pyNN.neuromesh needs PyNN; neuromesh.nir needs nir and scipy
            pytest.skip(f"{root} cannot be imported here: {e}")
    api = public_api(root)
    assert len(api) > 5  # the walk found the package's API
    missing = sorted(name for name, obj in api if not _documented(obj))
    assert not missing, "public API without a docstring:\n  " + "\n  ".join(missing)
