"""The exception types, shared with the C++ core: ConfigError is a ValueError (ParameterError a
ConfigError), NeuromeshIOError an OSError, BackendUnavailable a RuntimeError."""
from ._core import BackendUnavailable, ConfigError, Error, NeuromeshIOError, ParameterError

__all__ = ["Error", "ConfigError", "ParameterError", "NeuromeshIOError", "BackendUnavailable"]


class ArgumentTypeError(TypeError):
    """An argument of the wrong type, raised at the call that received it (not later, in run()),
    naming the argument, e.g. `connect(E->I): connector must be a neuromesh connector ...`."""


__all__.append("ArgumentTypeError")
