"""Errors of the query layer (``repoquery``/``search``)."""
from __future__ import annotations

from umm.errors import UmmError


class QueryError(UmmError):
    """Base of every error raised while answering a query."""


class SingleQueryOnly(QueryError):
    """``depends`` and ``whoneeds`` take exactly one spec."""

    exit_code = 2

    def __init__(self, kind: str, count: int) -> None:
        super().__init__(f"only one query is supported for '{kind}' (got {count})")
        self.kind = kind
        self.count = count


class UnknownQueryKind(QueryError):
    exit_code = 2

    def __init__(self, kind: str) -> None:
        super().__init__(f"unknown query type {kind!r} (expected search, depends or whoneeds)")
        self.kind = kind


class CannotListNames(QueryError):
    """A record source cannot enumerate its package names (needed for globs and whoneeds)."""

    def __init__(self, channel: str, why: str) -> None:
        super().__init__(f"cannot list the packages of channel {channel}: {why}")
        self.channel = channel
        self.why = why
