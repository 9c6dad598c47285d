"""The candidates of one package name, in conda's order of preference.

For a name the pool gathers the records of every source (highest priority
first), the installed record and the virtual packages, and sorts them as
conda/micromamba do (``conda.resolve.Resolve.version_key``):

1. the installed record first, unless the name is being updated (then every
   record not older than the installed one comes before any downgrade);
2. fewer ``track_features`` first (conda minimises them before anything else);
3. channel priority (``strict``: only the highest-priority channel that has the
   name is kept at all; ``flexible``: a higher-priority channel first;
   ``disabled``: after the version);
4. highest version, highest build number, an arch-specific build before a
   ``noarch`` one, newest timestamp, then the build string.

Match specs are evaluated once per distinct version where the spec only
constrains the version (the common case), and once per record otherwise.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple

from umm.specs._record_match import channel_form, same_channel

def same_package(a: Any, b: Any) -> bool:
    """Two records of one name describe the same package build (channel-insensitively
    when either side does not know its channel)."""
    if a.version != b.version or a.build != b.build:
        return False
    ca, cb = getattr(a, "channel", None), getattr(b, "channel", None)
    if not ca or not cb:
        return True
    return same_channel(channel_form(ca), channel_form(cb))


def version_only(spec: Any) -> bool:
    """True when a spec constrains nothing but its name and version."""
    return (spec.build is None and spec.build_number is None and spec.channel is None
            and spec.subdir is None and spec.md5 is None and spec.sha256 is None
            and spec.fn is None and spec.url is None and spec.license is None
            and spec.license_family is None and spec.track_features is None
            and spec.features is None)


class NameCandidates:
    """One name's candidate records, sorted; ``vars`` are their solver variables."""

    __slots__ = ("name", "records", "vars", "group", "versions", "vidx", "channels",
                 "installed_index", "_match_cache")

    def __init__(self, name: str, records: List[Any], channels: List[int],
                 installed_index: int) -> None:
        self.name = name
        self.records = records            # sorted, most preferred first
        self.channels = channels          # the source index of each (-1 virtual/installed)
        self.installed_index = installed_index
        self.vars: List[int] = []
        self.group = -1
        versions: Dict[str, int] = {}
        vlist: List[Any] = []
        vidx: List[int] = []
        for r in records:
            i = versions.get(r.version)
            if i is None:
                i = versions[r.version] = len(vlist)
                vlist.append(r.version_obj)
            vidx.append(i)
        self.versions = vlist
        self.vidx = vidx
        self._match_cache: Dict[Any, List[int]] = {}

    def matching(self, spec: Any) -> List[int]:
        """The positions of the records matching ``spec``, in preference order."""
        got = self._match_cache.get(spec)
        if got is not None:
            return got
        if version_only(spec):
            vs = spec.version
            if vs is None:
                got = list(range(len(self.records)))
            else:
                m = vs.matcher
                ok = [m(v) for v in self.versions]
                got = [i for i, vi in enumerate(self.vidx) if ok[vi]]
        else:
            got = [i for i, r in enumerate(self.records) if spec.matches(r)]
        self._match_cache[spec] = got
        return got


def sort_candidates(name: str, per_source: Sequence[Tuple[int, Sequence[Any]]],
                    installed: Optional[Any], prefer_installed: bool,
                    channel_priority: str) -> NameCandidates:
    """Merge and sort ``(source index, records)`` lists plus an installed record."""
    if channel_priority == "strict" and per_source:
        per_source = [next((x for x in per_source if x[1]), per_source[0])]
    items: List[Tuple[Any, int]] = []
    for idx, recs in per_source:
        for r in recs:
            items.append((r, idx))
    inst_rec = None
    if installed is not None:
        for r, _ in items:
            if same_package(installed, r):
                inst_rec = r
                break
        if inst_rec is None:   # not in any channel (any more): a candidate of its own
            inst_rec = installed
            items.append((installed, 1 << 30))
    disabled = channel_priority == "disabled"
    # updating: anything not older than the installed build before any downgrade
    floor = None if (inst_rec is None or prefer_installed) else \
        (inst_rec.version_obj.sort_key, inst_rec.build_number or 0)

    def key(item: Tuple[Any, int]) -> tuple:
        r, idx = item
        tf = len(r.track_features or ())
        noarch = 0 if (r.noarch or r.subdir == "noarch") else 1
        if floor is not None:
            first = 1 if (r.version_obj.sort_key, r.build_number or 0) >= floor else 0
        else:
            first = 1 if (prefer_installed and r is inst_rec) else 0
        ch = 0 if disabled else -idx
        return (first, -tf, ch, r.version_obj.sort_key, -idx if disabled else 0,
                r.build_number or 0, noarch, r.timestamp_ms, r.build)

    items.sort(key=key, reverse=True)
    records = [r for r, _ in items]
    channels = [idx if idx < (1 << 30) else -1 for _, idx in items]
    inst_index = -1
    if inst_rec is not None:
        for i, r in enumerate(records):
            if r is inst_rec:
                inst_index = i
                break
    return NameCandidates(name, records, channels, inst_index)
