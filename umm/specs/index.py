"""What the solver reads packages from: :class:`RecordSource`.

A record source is one channel's records (all requested subdirs), looked up by
package name. The repodata layer implements it lazily (parsing only the names the
solver asks for); :class:`MemoryRecordSource` is a plain in-memory implementation for
tests, ``@EXPLICIT`` files and installed prefixes.
"""
from __future__ import annotations

from typing import Dict, Iterable, List, Sequence, Tuple

try:  # Python >= 3.8
    from typing import Protocol, runtime_checkable
except ImportError:  # pragma: no cover
    from typing_extensions import Protocol, runtime_checkable  # type: ignore

from umm.specs.records import RepoDataRecord


@runtime_checkable
class RecordSource(Protocol):
    """One channel's packages, by name."""

    @property
    def channel(self) -> str:
        """The channel's canonical name (``conda-forge``, ``pkgs/main``, a URL)."""
        ...

    def records(self, name: str) -> Sequence[RepoDataRecord]:
        """Every record called ``name`` in this channel (all subdirs); empty if none."""
        ...


class MemoryRecordSource:
    """A :class:`RecordSource` over records held in memory."""

    __slots__ = ("_channel", "_by_name")

    def __init__(self, channel: str, records: Iterable[RepoDataRecord] = ()) -> None:
        self._channel = channel
        by_name: Dict[str, List[RepoDataRecord]] = {}
        for rec in records:
            by_name.setdefault(rec.name, []).append(rec)
        self._by_name: Dict[str, Tuple[RepoDataRecord, ...]] = {
            k: tuple(v) for k, v in by_name.items()}

    @property
    def channel(self) -> str:
        return self._channel

    def records(self, name: str) -> Sequence[RepoDataRecord]:
        return self._by_name.get(name, ())

    def names(self) -> Tuple[str, ...]:
        """Every package name in this source, sorted."""
        return tuple(sorted(self._by_name))

    def __len__(self) -> int:
        return sum(len(v) for v in self._by_name.values())

    def __repr__(self) -> str:
        return f"MemoryRecordSource({self._channel!r}, {len(self)} records)"
