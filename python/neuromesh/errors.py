"""The exception types, shared with the C++ core: ConfigError is a ValueError (ParameterError a
ConfigError), NeuromeshIOError an OSError, BackendUnavailable a RuntimeError."""
from ._core import BackendUnavailable, ConfigError, Error, NeuromeshIOError, ParameterError

__all__ = ["Error", "ConfigError", "ParameterError", "NeuromeshIOError", "BackendUnavailable"]
