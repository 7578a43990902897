"""The Python code blocks of README.md, docs/tutorial.md, docs/nir.md and docs/python.md run as written (in a temp dir)."""
import os
import re

import pytest

pytest.importorskip("neuromesh", reason="the neuromesh Python package is not built")
pytest.importorskip("matplotlib", reason="matplotlib is needed for the tutorial's plot")
ROOT = os.environ.get("NEUROMESH_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))


def python_blocks(name):
    with open(os.path.join(ROOT, name)) as f:
        return re.findall(r"```python\n(.*?)```", f.read(), re.S)


@pytest.mark.parametrize("doc", ["README.md", "docs/tutorial.md", "docs/nir.md", "docs/python.md"])
def test_python_blocks_run(doc, tmp_path, monkeypatch):
    if doc == "docs/nir.md":
        pytest.importorskip("nir", reason="the nir package (pip install nir) is not installed")
    monkeypatch.chdir(tmp_path)
    blocks = python_blocks(doc)
    assert blocks, f"{doc} has no python blocks"
    namespace = {}
    for code in blocks:  # the blocks of one page share their variables, as in a session
        exec(compile(code, doc, "exec"), namespace)
    if doc == "docs/tutorial.md":
        png = tmp_path / "tutorial_raster.png"
        assert png.stat().st_size > 10000
        assert namespace["result"].rates()["E"] > 1.0
    if doc == "docs/nir.md":
        assert namespace["y"].sum() > 0 and namespace["energy"].total > 0
