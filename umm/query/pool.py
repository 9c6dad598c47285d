"""The package pool queries run on: record sources, looked up lazily by name.

A :class:`PackagePool` wraps the same ``RecordSource`` objects the solver uses
(``umm.repodata`` channel sources, or a ``MemoryRecordSource`` of an installed
prefix), in channel priority order. Records are loaded one name at a time, so a
search for one name parses one name. Only globs (``num*``) and reverse
dependencies (``whoneeds``) need the list of names; reverse dependencies are
found without loading the whole channel when a source keeps its records in the
repodata index cache (one blob per name): one pass of ``find`` over the cache file
names the packages whose blobs contain the wanted name, and only those are loaded.
That pass looks for the name in lower case, as repodata writes package names; a
dependency spelled in another case is only seen by sources without an index cache
(installed prefixes).
"""
from __future__ import annotations

import fnmatch
import mmap
import os
import re
from bisect import bisect_right
from typing import Any, Callable, Dict, FrozenSet, Iterable, List, Optional, Sequence, Set, Tuple

from umm.query.errors import CannotListNames

_DEP_NAME = re.compile(r"\s*(?:[^\s:]+::)?([^\s<>=!~\[\(,|;]+)")


def dependency_name(dep: str) -> Optional[str]:
    """The package a dependency string is about: ``"numpy >=1.2"`` -> ``numpy``."""
    m = _DEP_NAME.match(dep)
    if not m:
        return None
    return m.group(1).lower() or None


def sort_key(rec: Any) -> Tuple[Any, int, float]:
    """Newest last: version, then build number, then timestamp."""
    return (rec.version_obj, int(rec.build_number or 0), float(rec.timestamp or 0))


class PackagePool:
    """Records of several sources (highest priority first), loaded by name on demand.

    ``virtual`` records (``__glibc`` ...) only satisfy dependencies; they are not
    search or ``whoneeds`` results.
    """

    def __init__(self, sources: Sequence[Any], virtual: Iterable[Any] = ()) -> None:
        self.sources: Tuple[Any, ...] = tuple(sources)
        self._virtual: Dict[str, Tuple[Any, ...]] = {}
        for rec in virtual:
            self._virtual[rec.name] = self._virtual.get(rec.name, ()) + (rec,)
        self._records: Dict[str, Tuple[Any, ...]] = {}
        self._priority: Dict[int, int] = {}
        self._deps: Dict[str, Optional[Any]] = {}
        self._specs: Dict[str, Any] = {}
        self._names: Optional[FrozenSet[str]] = None

    # -- lookups -------------------------------------------------------------------
    def records(self, name: str) -> Tuple[Any, ...]:
        """Every record called ``name`` in every source, in priority order."""
        key = name.lower()
        got = self._records.get(key)
        if got is not None:
            return got
        out: List[Any] = []
        for prio, src in enumerate(self.sources):
            for rec in src.records(key):
                self._priority[id(rec)] = prio
                out.append(rec)
        got = tuple(out)
        self._records[key] = got
        return got

    def virtual(self, name: str) -> Tuple[Any, ...]:
        return self._virtual.get(name.lower(), ())

    def priority(self, rec: Any) -> int:
        """0 for the first source; virtual or unknown records come last."""
        return self._priority.get(id(rec), len(self.sources))

    def source_of(self, rec: Any) -> Optional[Any]:
        prio = self._priority.get(id(rec))
        return None if prio is None else self.sources[prio]

    def names(self) -> FrozenSet[str]:
        """Every package name of every source (asks each source for its names)."""
        if self._names is None:
            out: Set[str] = set()
            for src in self.sources:
                lister = getattr(src, "names", None)
                if lister is None:
                    raise CannotListNames(str(getattr(src, "channel", src)),
                                          "the source has no list of names")
                out.update(n.lower() for n in lister())
            self._names = frozenset(out)
        return self._names

    def loaded_names(self) -> FrozenSet[str]:
        """The names whose records were loaded so far (for tests and benchmarks)."""
        return frozenset(self._records)

    def parse_spec(self, text: str) -> Optional[Any]:
        """A cached ``MatchSpec`` of a dependency string (None if it does not parse)."""
        if text in self._specs:
            return self._specs[text]
        from umm.specs import MatchSpec
        from umm.specs.errors import SpecError

        try:
            spec: Optional[Any] = MatchSpec.parse(text)
        except SpecError:
            spec = None
        self._specs[text] = spec
        return spec

    def matching(self, spec: Any) -> List[Any]:
        """Records matching ``spec`` (a ``MatchSpec``), newest first within each name."""
        exact = spec.exact_name
        if exact is not None:
            names: Iterable[str] = [exact]
        else:
            pattern = spec.name
            names = sorted(n for n in self.names() if fnmatch.fnmatchcase(n, pattern))
        out: List[Any] = []
        for name in names:
            found = [r for r in self.records(name) if spec.matches(r)]
            found.sort(key=sort_key, reverse=True)
            out.extend(found)
        return out

    def best(self, candidates: Sequence[Any]) -> Optional[Any]:
        """The record a user would get: highest channel priority, then the newest."""
        if not candidates:
            return None
        return max(candidates, key=lambda r: (-self.priority(r),) + sort_key(r))

    def resolve(self, dep: str) -> Optional[Any]:
        """The best record satisfying dependency string ``dep`` (virtual packages too)."""
        if dep in self._deps:
            return self._deps[dep]
        spec = self.parse_spec(dep)
        found: Optional[Any] = None
        if spec is not None and spec.exact_name is not None:
            name = spec.exact_name
            pool = self.virtual(name) if name.startswith("__") else self.records(name)
            found = self.best([r for r in pool if spec.matches(r)])
        self._deps[dep] = found
        return found

    # -- reverse dependencies ----------------------------------------------------------
    def dependents(self, name: str, spec: Optional[Any] = None) -> List[Any]:
        """Records depending on ``name`` (on a record matching ``spec``, when given).

        Without ``spec`` any dependency on the name counts (``numpy >=99`` needs
        numpy even if no such numpy exists); with it, the dependency must be
        satisfiable by one of the records matching ``spec``.
        """
        name = name.lower()
        targets = self.matching(spec) if spec is not None else None
        out: List[Any] = []
        for cand in sorted(self._mentioning(name)):
            for rec in self.records(cand):
                dep = self.dependency_on(rec, name)
                if dep is None:
                    continue
                if targets is not None:
                    dspec = self.parse_spec(dep)
                    if dspec is None or not any(dspec.matches(t) for t in targets):
                        continue
                out.append(rec)
        return out

    def dependency_on(self, rec: Any, name: str) -> Optional[str]:
        """The first dependency string of ``rec`` on package ``name``, if any."""
        for dep in rec.depends or ():
            if dependency_name(dep) == name:
                return dep
        return None

    def _mentioning(self, name: str) -> Set[str]:
        """Names whose records may depend on ``name`` (a superset, never parsing it all)."""
        needle = name.encode("utf-8")
        out: Set[str] = set()
        for src in self.sources:
            scanned = self._scan_source(src, name, needle)
            if scanned is not None:
                out |= scanned
                continue
            lister = getattr(src, "names", None)
            if lister is None:
                raise CannotListNames(str(getattr(src, "channel", src)),
                                      "the source has no list of names")
            every = sorted(lister())
            prefetch = getattr(src, "prefetch", None)
            if prefetch is not None:
                prefetch(every)
            out.update(n.lower() for n in every)
        out.discard(name)
        return out

    def _scan_source(self, src: Any, name: str, needle: bytes) -> Optional[Set[str]]:
        subdirs = getattr(src, "subdirs", None)
        if not subdirs:
            return None
        out: Set[str] = set()
        for sub in subdirs:
            if getattr(sub, "builder", True) is None:
                continue  # an empty (missing) subdir
            got = self._scan_subdir(sub, needle)
            if got is None:
                return None
            if name == "pip" and getattr(sub.builder, "add_pip", False):
                out.add("python")  # add_pip_as_python_dependency: added on load, not stored
            out |= got
        return out

    def _scan_subdir(self, sub: Any, needle: bytes) -> Optional[Set[str]]:
        """The names of the index cache entries whose bytes contain ``needle``.

        The index cache stores each name's records as one marshal blob, in which
        every string appears verbatim at least once; so a blob without the needle
        has no record depending on it. ``None`` when the subdir has no such index.
        """
        index = getattr(sub, "index", None)
        finder = getattr(index, "names_mentioning", None)
        if finder is not None:
            return set(finder(needle))
        path = getattr(index, "path", None)
        names = getattr(index, "names", None)
        offsets = getattr(index, "_off", None)
        base = getattr(index, "_base", None)
        if path is None or names is None or offsets is None or base is None or \
                len(offsets) != len(names) + 1:
            return None
        out: Set[str] = set()
        try:
            with open(path, "rb") as f:
                size = os.fstat(f.fileno()).st_size
                if size <= base or not names:
                    return out
                if size != base + offsets[-1]:
                    return None  # not the layout expected: do not guess
                with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
                    pos = mm.find(needle, base)
                    while pos != -1:
                        i = bisect_right(offsets, pos - base) - 1
                        if 0 <= i < len(names):
                            out.add(names[i])
                            pos = mm.find(needle, base + offsets[i + 1])  # the next blob
                        else:
                            break
        except (OSError, ValueError):
            return None
        return out


def make_channel_namer(resolve: Callable[[str], str]) -> Callable[[Any], str]:
    """A cached ``record -> channel display name`` from ``resolve(channel_url)``."""
    cache: Dict[str, str] = {}

    def name_of(rec: Any) -> str:
        ch = str(getattr(rec, "channel", "") or "")
        got = cache.get(ch)
        if got is None:
            got = cache[ch] = resolve(ch) if ch else ""
        return got

    return name_of
