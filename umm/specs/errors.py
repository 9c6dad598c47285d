"""Errors of ``umm.specs``: one per kind of value that failed to parse.

Every error is an :class:`umm.errors.UmmError` (so the CLI prints it as one line)
and a :class:`ValueError` (so plain Python callers can catch it the usual way).
Each carries the offending ``text``, a short ``reason`` and, where it is known,
the ``position`` (0-based character offset into ``text``) of the bad part.
"""
from __future__ import annotations

from typing import Optional

from umm.errors import UmmError


class SpecError(UmmError, ValueError):
    """Base class: ``text`` could not be parsed as a :attr:`kind`."""

    kind: str = "spec"

    def __init__(self, text: str, reason: str, position: Optional[int] = None) -> None:
        self.text = text
        self.reason = reason
        self.position = position
        super().__init__(f"invalid {self.kind} '{text}': {reason}")

    def __reduce__(self):  # keep errors picklable (multiprocessing, caches)
        return (self.__class__, (self.text, self.reason, self.position))


class InvalidVersion(SpecError):
    """A version string that is not a conda version."""

    kind = "version"


class InvalidVersionSpec(SpecError):
    """A version constraint (``>=1.2,<2|3.*``) that does not parse."""

    kind = "version spec"


class InvalidMatchSpec(SpecError):
    """A match spec (``conda-forge::numpy>=1.2``) that does not parse."""

    kind = "match spec"


class InvalidChannel(SpecError):
    """A channel name, URL or path that cannot be resolved."""

    kind = "channel"


class InvalidPlatform(SpecError):
    """An unknown platform/subdir name."""

    kind = "platform"


class InvalidRecord(SpecError):
    """A repodata / conda-meta record with missing or malformed fields."""

    kind = "record"

    def __init__(self, text: str, reason: str, position: Optional[int] = None,
                 field: Optional[str] = None) -> None:
        self.field = field
        super().__init__(text, reason, position)

    def __reduce__(self):
        return (self.__class__, (self.text, self.reason, self.position, self.field))


__all__ = [
    "SpecError",
    "InvalidVersion",
    "InvalidVersionSpec",
    "InvalidMatchSpec",
    "InvalidChannel",
    "InvalidPlatform",
    "InvalidRecord",
]
