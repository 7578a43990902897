"""Synapse types. Weights are in the target cell type's units (PyNN cells: nA or uS; core
models: pA, nS or mV); delays in ms (at least one time step)."""


class StaticSynapse:
    """A fixed weight and delay: numbers, arrays (one_to_one / FromList) or distributions."""

    def __init__(self, weight=0.0, delay=None):
        self.weight = weight
        self.delay = delay

    def __repr__(self):
        return f"StaticSynapse(weight={self.weight!r}, delay={self.delay!r})"
