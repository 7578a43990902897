"""NIR (Neuromorphic Intermediate Representation, nir 1.0) import and export (docs/nir.md):

    model = neuromesh.nir.read("net.nir", dt=1.0, time_scale=1000.0)   # tau in s, dt 1 ms
    y = model.run(x)              # x: (T, *input_shape) spikes -> y: (T, *output_shape)
    neuromesh.nir.write(model, "copy.nir")
"""
from ._export import to_graph, write, write_data
from ._graph import NIRError, NIRUnsupported
from ._model import NIRModel, read

__all__ = ["read", "write", "write_data", "to_graph", "NIRModel", "NIRError", "NIRUnsupported"]
