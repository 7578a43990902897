"""Random distributions for parameters, initial values, weights and delays.

They are evaluated in C++ from keyed Philox streams (seed, purpose, entity), so every neuron's
and synapse's value is the same for any number of threads -- never with numpy here.
"""
import math

from . import _core


class Distribution:
    """Base class: a distribution the core draws from, with optional clipping bounds."""

    kind = ""

    def __init__(self, a, b=0.0, low=None, high=None):
        self.a, self.b = float(a), float(b)
        self.low = -math.inf if low is None else float(low)
        self.high = math.inf if high is None else float(high)

    def scaled(self, factor):
        """The same distribution of values multiplied by factor > 0 (unit conversion)."""
        return type(self)._from_raw(self.a * factor, self.b * factor, self.low * factor, self.high * factor)

    @classmethod
    def _from_raw(cls, a, b, low, high):
        d = cls.__new__(cls)
        Distribution.__init__(d, a, b, low, high)
        return d

    def to_core(self):
        """The distribution as the core's Distribution value."""
        return _core.Distribution(self.kind, self.a, self.b, self.low, self.high)

    def __repr__(self):
        return f"{type(self).__name__}(a={self.a}, b={self.b}, low={self.low}, high={self.high})"


class Uniform(Distribution):
    """Uniform on [low, high)."""

    kind = "uniform"

    def __init__(self, low, high):
        super().__init__(low, high)


class Normal(Distribution):
    """Normal(mu, sigma); values outside [low, high] are redrawn (NEST's normal_clipped)."""

    kind = "normal"

    def __init__(self, mu, sigma, low=None, high=None):
        super().__init__(mu, sigma, low, high)


NormalClipped = Normal


class Exponential(Distribution):
    """Exponential with mean beta."""

    kind = "exponential"

    def __init__(self, beta, low=None, high=None):
        super().__init__(beta, 0.0, low, high)


class LogNormal(Distribution):
    """exp(Normal(mu, sigma)) as numpy's lognormal."""

    kind = "lognormal"

    def __init__(self, mu, sigma, low=None, high=None):
        super().__init__(mu, sigma, low, high)

    def scaled(self, factor):
        return LogNormal._from_raw(self.a + math.log(factor), self.b, self.low * factor, self.high * factor)
