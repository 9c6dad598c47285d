"""Helpers for the solver tests: channels from compact descriptions, solution checks."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Sequence, Union

from umm.specs import MatchSpec, MemoryRecordSource, PackageRecord, PrefixRecord, RepoDataRecord

PackageDesc = Union[str, Mapping[str, Any]]


def package_dict(desc: PackageDesc, subdir: str = "linux-64") -> Dict[str, Any]:
    """``"name version [build [build_number]]"`` or a mapping of record fields."""
    if isinstance(desc, str):
        parts = desc.split()
        d: Dict[str, Any] = {"name": parts[0], "version": parts[1],
                             "build": parts[2] if len(parts) > 2 else "0",
                             "build_number": int(parts[3]) if len(parts) > 3 else 0}
    else:
        d = dict(desc)
        d["version"] = str(d["version"])
        d.setdefault("build", "0")
        d.setdefault("build_number", 0)
    d.setdefault("depends", [])
    d.setdefault("subdir", "noarch" if d.get("noarch") else subdir)
    return d


def channel_url(channel: str, subdir: str) -> str:
    return f"https://conda.example.org/{channel}/{subdir}"


def repodata_record(desc: PackageDesc, channel: str) -> RepoDataRecord:
    d = package_dict(desc)
    fn = f"{d['name']}-{d['version']}-{d['build']}.conda"
    base = channel_url(channel, d["subdir"])
    d.update(fn=fn, url=f"{base}/{fn}", channel=base)
    return RepoDataRecord.from_json(d)


def source(channel: str, packages: Iterable[PackageDesc]) -> MemoryRecordSource:
    return MemoryRecordSource(channel, [repodata_record(p, channel) for p in packages])


def installed_record(desc: PackageDesc, channel: str = "main") -> PrefixRecord:
    """An installed package; ``channel::`` may prefix a string description."""
    if isinstance(desc, str) and "::" in desc:
        channel, desc = desc.split("::", 1)
    if isinstance(desc, Mapping) and "channel" in desc:
        desc = dict(desc)
        channel = desc.pop("channel")
    requested = None
    if isinstance(desc, Mapping):
        desc = dict(desc)
        requested = desc.pop("requested_spec", None)
    rec = repodata_record(desc, channel)
    d = rec.to_json()
    if requested:
        d["requested_spec"] = requested
    return PrefixRecord.from_json(d)


def virtual_record(desc: str) -> PackageRecord:
    parts = desc.split()
    return PackageRecord(parts[0], parts[1], parts[2] if len(parts) > 2 else "0",
                         subdir="linux-64")


def load_repodata(path: Path, channel: str) -> MemoryRecordSource:
    """A repodata.json (one subdir) as a memory source; ``.conda`` wins over ``.tar.bz2``."""
    data = json.loads(Path(path).read_text())
    subdir = (data.get("info") or {}).get("subdir") or "noarch"
    base = channel_url(channel, subdir)
    recs = []
    conda = data.get("packages.conda") or {}
    for fn, e in conda.items():
        recs.append(RepoDataRecord.from_repodata(e, fn, f"{base}/{fn}", base))
    for fn, e in (data.get("packages") or {}).items():
        if fn[:-len(".tar.bz2")] + ".conda" not in conda:
            recs.append(RepoDataRecord.from_repodata(e, fn, f"{base}/{fn}", base))
    return MemoryRecordSource(channel, recs)


def problems(records: Sequence[Any], specs: Sequence[Any] = (),
             virtual: Sequence[Any] = ()) -> List[str]:
    """Everything wrong with an environment: duplicates, unmet depends/constrains/specs."""
    out: List[str] = []
    by: Dict[str, Any] = {}
    for r in list(records) + list(virtual):
        if r.name in by:
            out.append(f"two records of {r.name}")
        by[r.name] = r
    for s in specs:
        m = MatchSpec.parse(s) if isinstance(s, str) else s
        if m.name not in by or not m.matches(by[m.name]):
            out.append(f"requested {m} not satisfied")
    from umm.specs.errors import SpecError

    for r in records:
        for d in r.depends:
            try:
                m = MatchSpec.parse(d)
            except SpecError:
                out.append(f"{r.dist_name}: depends on an invalid spec {d}")
                continue
            if m.name not in by or not m.matches(by[m.name]):
                out.append(f"{r.dist_name}: depends {d} not satisfied")
        for c in r.constrains:
            try:
                m = MatchSpec.parse(c)
            except SpecError:
                continue   # an invalid constraint constrains nothing
            if m.name in by and not m.matches(by[m.name]):
                out.append(f"{r.dist_name}: constrains {c} violated")
    return out


def stub_missing(sources: Sequence[Any], channel: str = "stubs") -> MemoryRecordSource:
    """A channel giving every dependency name the sources lack: records for the version
    literals (and build strings) its specs mention, plus ``0.1`` and ``9999`` — so slices of real
    channels that rely on another channel become solvable, their own structure intact."""
    import re

    have = set()
    for s in sources:
        have |= set(s.names())
    want: Dict[str, set] = {}
    for s in sources:
        for n in s.names():
            for r in s.records(n):
                for d in r.depends:
                    m = MatchSpec.parse(d)
                    if m.name in have:
                        continue
                    parts = d.split()
                    got = want.setdefault(m.name, {("9999", "0"), ("0.1", "0")})
                    versions = re.findall(r"[0-9][0-9a-zA-Z._]*", parts[1]) \
                        if len(parts) > 1 else []
                    versions = [v.rstrip("._") for v in versions] or ["9999"]
                    build = parts[2].replace("*", "x") if len(parts) > 2 else "0"
                    got.update((v, build) for v in versions if v)
    return source(channel, [f"{n} {v} {b}" for n, vb in sorted(want.items())
                            for v, b in sorted(vb)])
