"""Errors of ``umm.config``: every one an :class:`~umm.errors.UmmError` carrying its data."""
from __future__ import annotations

from typing import Optional

from umm.errors import UmmError


class ConfigError(UmmError):
    """Base class of configuration errors."""

    exit_code = 1


class ConfigFileError(ConfigError):
    """An rc file that cannot be read or parsed, or holds a value of the wrong type.

    ``line`` is 1-based (None when unknown); ``key`` is the offending key when known.
    """

    def __init__(self, path: str, reason: str, line: Optional[int] = None,
                 key: Optional[str] = None) -> None:
        where = path if line is None else f"{path}:{line}"
        what = f"key '{key}': {reason}" if key else reason
        super().__init__(f"invalid configuration file {where}: {what}")
        self.path = path
        self.reason = reason
        self.line = line
        self.key = key


class ConfigValueError(ConfigError):
    """A value of the wrong type from an environment variable, the CLI or the API."""

    def __init__(self, key: str, value: object, source: str, expected: str) -> None:
        super().__init__(
            f"invalid value {value!r} for configuration key '{key}' from {source}: "
            f"expected {expected}")
        self.key = key
        self.value = value
        self.source = source
        self.expected = expected


class UnknownConfigKey(ConfigError, KeyError):
    """A key that umm does not know (also a ``KeyError``: a Config is a Mapping)."""

    def __init__(self, key: str, reason: str = "") -> None:
        super().__init__(f"unknown configuration key '{key}'" + (f": {reason}" if reason else ""))
        self.key = key
        self.reason = reason


class NotRcConfigurable(ConfigError):
    """A known key that cannot be written to an rc file (e.g. ``dry_run``)."""

    def __init__(self, key: str) -> None:
        super().__init__(f"configuration key '{key}' cannot be set in an rc file")
        self.key = key


class NotASequenceKey(ConfigError):
    """``config append/prepend/remove`` on a key that is not a list."""

    def __init__(self, key: str, operation: str) -> None:
        super().__init__(f"cannot {operation} on configuration key '{key}': it is not a list")
        self.key = key
        self.operation = operation


class RcFileNotFound(ConfigError):
    """An rc file named explicitly (``--rc-file``, ``config get --file``) does not exist."""

    def __init__(self, path: str, reason: str = "configuration file does not exist") -> None:
        super().__init__(f"{reason}: {path}")
        self.path = path


class ConflictingOptions(ConfigError):
    """Options that cannot be used together (``-n`` and ``-p``, ``--no-rc`` and ``--rc-file``)."""

    exit_code = 2

    def __init__(self, first: str, second: str, reason: str = "cannot be used together") -> None:
        super().__init__(f"{first} and {second} {reason}")
        self.first = first
        self.second = second


class RootPrefixError(ConfigError):
    """The root prefix cannot be used (exists, is not empty and is not a conda prefix)."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"cannot use root prefix {path}: {reason}; set MAMBA_ROOT_PREFIX "
                         f"or pass -r/--root-prefix")
        self.path = path
        self.reason = reason


class InvalidEnvName(ConfigError):
    """An environment name holding a path separator or otherwise unusable."""

    exit_code = 2

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"invalid environment name '{name}': {reason}")
        self.name = name
        self.reason = reason


class PrefixNotFound(ConfigError):
    """The target prefix does not exist."""

    def __init__(self, prefix: str, name: Optional[str] = None) -> None:
        label = f"environment '{name}'" if name else "environment"
        super().__init__(f"{label} not found at prefix {prefix} "
                         "(create it first with `umm create -n NAME` or `-p PATH`)")
        self.prefix = prefix
        self.name = name


class NotACondaPrefix(ConfigError):
    """The target prefix exists but is not a conda environment (no ``conda-meta``)."""

    def __init__(self, prefix: str) -> None:
        super().__init__(f"not a conda environment: {prefix} (no conda-meta directory)")
        self.prefix = prefix


class NoTargetPrefix(ConfigError):
    """A command needs a target prefix and none was given or active."""

    exit_code = 2

    def __init__(self) -> None:
        super().__init__("no target prefix: pass -n NAME or -p PATH, or activate an environment")


class PrefixExists(ConfigError):
    """A prefix that must not exist yet already exists (``create`` without ``-y``)."""

    def __init__(self, prefix: str) -> None:
        super().__init__(f"prefix already exists: {prefix}")
        self.prefix = prefix


class ConfigWriteError(ConfigError):
    """An rc file cannot be written."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"cannot write configuration file {path}: {reason}")
        self.path = path
        self.reason = reason
