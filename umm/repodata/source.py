"""Record sources: the lazy, per-name view of a channel the solver consumes.

A :class:`ChannelSource` implements ``umm.specs.index.RecordSource``:
``.channel`` (the canonical name) and ``.records(name)``, which builds the
records of one name from every subdir of the channel (arch first, then
noarch) the first time it is asked, and caches them.
"""
from __future__ import annotations

import os
import threading
from typing import (Any, Callable, Dict, FrozenSet, Iterable, List, Optional, Sequence, Set,
                    Tuple)

from umm.repodata.errors import CacheError
from umm.repodata.fetch import SubdirTarget
from umm.repodata.index import SubdirIndex
from umm.repodata.records import RecordBuilder, dependency_name

Raw = Tuple[Dict[str, Any], Dict[str, Any]]  # (packages, packages.conda) raw entries


class SubdirSource:
    """The protocol of one subdir: its names, the wire tuples of a name, a builder."""

    target: SubdirTarget
    builder: Optional[RecordBuilder]
    note: str = ""

    def names(self) -> FrozenSet[str]:
        raise NotImplementedError

    def wire(self, name: str) -> Tuple[List[tuple], Sequence[str], int]:
        """(wire tuples, problems met making them, number of problems)."""
        raise NotImplementedError

    def close(self) -> None:
        pass


class EmptySubdir(SubdirSource):
    """A subdir that does not exist (a tolerated 404) or is not cached offline."""

    def __init__(self, target: SubdirTarget, note: str = "missing") -> None:
        self.target = target
        self.builder = None
        self.note = note

    def names(self) -> FrozenSet[str]:
        return frozenset()

    def wire(self, name: str) -> Tuple[List[tuple], Sequence[str], int]:
        return [], (), 0


class JsonSubdir(SubdirSource):
    """A cached repodata.json read through its index cache (only asked names are loaded)."""

    def __init__(self, target: SubdirTarget, json_path: "os.PathLike[str]", index: SubdirIndex,
                 builder: RecordBuilder, note: str = "",
                 rebuild: Optional[Callable[[], SubdirIndex]] = None) -> None:
        self.target = target
        self.json_path = os.fspath(json_path)
        self.index = index
        self.builder = builder
        self.note = note
        self._rebuild = rebuild
        self._fd: Optional[int] = None
        self._lock = threading.Lock()

    def names(self) -> FrozenSet[str]:
        return frozenset(self.index.names)

    def _file(self) -> int:
        with self._lock:
            if self._fd is None:
                self._fd = os.open(self.index.path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
            return self._fd

    def wire(self, name: str) -> Tuple[List[tuple], Sequence[str], int]:
        if name not in self.index:
            problems, count = self.index.problems(name)  # only invalid records
            return [], problems, count
        try:
            wires = self.index.wire(self._file(), name)
        except CacheError:
            if self._rebuild is None:
                raise
            self.close()  # damaged on disk: rebuild it from the JSON once
            with self._lock:
                self.index, self._rebuild = self._rebuild(), None
            wires = self.index.wire(self._file(), name)
        problems, count = self.index.problems(name)
        return wires, problems, count

    def close(self) -> None:
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass


class ChannelSource:
    """All subdirs of one channel, as a ``RecordSource`` (lazy, thread-safe)."""

    def __init__(self, channel: str, subdirs: Sequence[SubdirSource]) -> None:
        self.channel = channel
        self.subdirs: Tuple[SubdirSource, ...] = tuple(subdirs)
        self._records: Dict[str, Tuple[Any, ...]] = {}
        self._lock = threading.Lock()
        self._name_locks: Dict[str, threading.Lock] = {}
        self._dep_names: Dict[str, Optional[str]] = {}

    def __repr__(self) -> str:
        subs = ", ".join(s.target.subdir + (f"({s.note})" if s.note else "")
                         for s in self.subdirs)
        return f"<ChannelSource {self.channel} [{subs}]>"

    def names(self) -> FrozenSet[str]:
        """Every package name the channel's subdirs know (for globs and search)."""
        out: Set[str] = set()
        for s in self.subdirs:
            out |= s.names()
        return frozenset(out)

    def _lock_for(self, name: str) -> threading.Lock:
        with self._lock:
            lock = self._name_locks.get(name)
            if lock is None:
                lock = self._name_locks[name] = threading.Lock()
            return lock

    def records(self, name: str) -> Tuple[Any, ...]:
        """Every record of ``name`` in this channel (arch subdirs first, then noarch)."""
        got = self._records.get(name)
        if got is not None:
            return got
        with self._lock_for(name):
            got = self._records.get(name)
            if got is not None:
                return got
            out: List[Any] = []
            for sub in self.subdirs:
                if sub.builder is None:
                    continue
                wires, problems, count = sub.wire(name)
                if wires or count:
                    out.extend(sub.builder.to_records(name, wires, problems, count))
            got = tuple(out)
            self._records[name] = got
            return got

    def loaded_names(self) -> FrozenSet[str]:
        return frozenset(self._records)

    def dependency_names(self, name: str) -> Set[str]:
        """Names the records of ``name`` depend on (after loading them)."""
        from itertools import chain

        out: Set[str] = set()
        cache = self._dep_names
        for dep in set(chain.from_iterable(rec.depends for rec in self.records(name))):
            n = cache.get(dep)
            if n is None and dep not in cache:
                n = cache[dep] = dependency_name(dep)
            if n:
                out.add(n)
        return out

    def prefetch(self, names: Iterable[str]) -> None:
        """Make the given names cheap to load (fetch shards); no-op for JSON subdirs."""
        for sub in self.subdirs:
            fetch = getattr(sub, "prefetch", None)
            if fetch is not None:
                fetch(list(names))

    def close(self) -> None:
        for sub in self.subdirs:
            sub.close()

