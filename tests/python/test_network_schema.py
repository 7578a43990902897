"""The built-in networks validate against docs/network.schema.json, and the schema rejects the
mistakes the C++ reader rejects (so editors and CI can check network files before a run)."""
import glob
import json
import os

import pytest

jsonschema = pytest.importorskip("jsonschema", reason="jsonschema not installed (pip install jsonschema)")

ROOT = os.environ.get("NEUROMESH_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))


def schema():
    with open(os.path.join(ROOT, "docs", "network.schema.json")) as f:
        return json.load(f)


@pytest.mark.parametrize("path", sorted(glob.glob(os.path.join(ROOT, "networks", "*.json"))))
def test_builtin_networks_match_schema(path):
    with open(path) as f:
        jsonschema.validate(json.load(f), schema())


@pytest.mark.parametrize("bad", [
    {"populations": []},
    {"populations": [{"label": "E", "size": 0, "model": "iaf_psc_exp"}]},
    {"populations": [{"label": "E", "size": 5, "model": "iaf_psc_exp", "sise": 3}]},
    {"populations": [{"label": "E", "size": 5, "model": "iaf_psc_exp"}],
     "projections": [{"pre": "E", "post": "E", "connector": {"type": "fixed_probability", "p": 1.5},
                      "synapse": {"weight": 1.0, "delay": 1.0}}]},
])
def test_schema_rejects_bad_networks(bad):
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema())
