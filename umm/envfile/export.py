"""Exporting an environment: environment YAML, ``@EXPLICIT`` lists, JSON, and
conda-lock files built from records.

* :func:`export_environment` -> :class:`EnvironmentFile` (``name=version=build``
  dependencies, or the user's requested specs from ``conda-meta/history``; packages
  installed by pip and not by conda under ``pip:``; ``conda-meta/state`` variables);
* :func:`explicit_packages` -> the env's packages as :class:`ExplicitPackage`;
* :func:`lock_from_records` -> a :class:`CondaLock` (version 1) for one or more platforms.
"""
from __future__ import annotations

import glob
import hashlib
import json
import os
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from umm.envfile.errors import ExportError
from umm.envfile.explicit import ExplicitPackage, from_record
from umm.envfile.lockfile import CondaLock, LockedPackage
from umm.envfile.yamlenv import EnvironmentFile

ChannelNamer = Callable[[str], str]


def channel_of(record: Any, namer: Optional[ChannelNamer] = None) -> str:
    """The channel a record came from, as a name for ``channels:`` (no subdir)."""
    ch = str(record.channel or "").rstrip("/")
    subdir = record.subdir or ""
    if subdir and ch.endswith("/" + subdir):
        ch = ch[: -len(subdir) - 1]
    if ch and namer is not None:
        try:
            ch = namer(ch)
        except ValueError:
            pass
    return ch


def dependency_string(record: Any, build: bool = True, channel_subdir: bool = False,
                      namer: Optional[ChannelNamer] = None) -> str:
    text = f"{record.name}={record.version}"
    if build:
        text += f"={record.build}"
    if channel_subdir:
        ch = channel_of(record, namer)
        if ch:
            text = f"{ch}/{record.subdir}::{text}" if record.subdir else f"{ch}::{text}"
    return text


def _metadata(path: str) -> Tuple[Optional[str], Optional[str]]:
    name = version = None
    try:
        with open(path, "r", encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if not line.strip():
                    break  # the headers end at the first blank line
                if line.startswith("Name:") and name is None:
                    name = line[5:].strip()
                elif line.startswith("Version:") and version is None:
                    version = line[8:].strip()
    except OSError:
        return None, None
    return name, version


def site_packages_dirs(prefix: str) -> List[str]:
    found = glob.glob(os.path.join(prefix, "lib", "python*", "site-packages"))
    win = os.path.join(prefix, "Lib", "site-packages")
    if os.path.isdir(win):
        found.append(win)
    return sorted(found)


def pip_installed(prefix: str, records: Iterable[Any]) -> List[Tuple[str, str]]:
    """``(name, version)`` of the distributions in the env's site-packages that conda
    did not install (not in any record's files, ``INSTALLER`` not ``conda``)."""
    owned = set()
    for rec in records:
        owned.update(rec.files)
    out: Dict[str, Tuple[str, str]] = {}
    for sp in site_packages_dirs(prefix):
        try:
            entries = sorted(os.listdir(sp))
        except OSError:
            continue
        for entry in entries:
            if not entry.endswith(".dist-info"):
                continue
            meta = os.path.join(sp, entry, "METADATA")
            rel = os.path.relpath(meta, prefix).replace(os.sep, "/")
            if rel in owned:
                continue
            try:
                with open(os.path.join(sp, entry, "INSTALLER"), encoding="utf-8") as fh:
                    if fh.read().strip() == "conda":
                        continue
            except OSError:
                pass
            name, version = _metadata(meta)
            if name and version:
                out[name.lower()] = (name, version)
    return [out[k] for k in sorted(out)]


def export_environment(prefix: str, name: Optional[str], records: Sequence[Any], *,
                       build: bool = True, channel_subdir: bool = False,
                       from_history: bool = False, namer: Optional[ChannelNamer] = None,
                       include_pip: bool = True) -> EnvironmentFile:
    """The environment file describing ``prefix`` (``records``: its installed records)."""
    from umm.envfile.state import read_env_vars

    recs = sorted(records, key=lambda r: r.name)
    channels: List[str] = []
    for rec in recs:
        ch = channel_of(rec, namer)
        if ch and ch not in channels:
            channels.append(ch)
    if from_history:
        from umm.install.history import requested_specs

        deps = list(requested_specs(prefix).values())
    else:
        deps = [dependency_string(r, build, channel_subdir, namer) for r in recs]
    pip = [f"{n}=={v}" for n, v in pip_installed(prefix, recs)] if include_pip else []
    variables = sorted(read_env_vars(prefix).items())
    return EnvironmentFile(name, channels, deps, pip, variables)


def explicit_packages(records: Sequence[Any]) -> List[ExplicitPackage]:
    """The records as explicit packages, in name order."""
    out = []
    for rec in sorted(records, key=lambda r: r.name):
        try:
            out.append(from_record(rec))
        except ValueError as exc:
            raise ExportError(f"cannot export {rec.name} explicitly: {exc}") from None
    return out


def export_json(env: EnvironmentFile) -> str:
    return json.dumps(env.to_dict(), indent=2) + "\n"


# -- lock files -----------------------------------------------------------------------
def _split_dep(dep: str) -> Tuple[str, str]:
    parts = dep.strip().split(None, 1)
    name = parts[0]
    rest = parts[1].strip() if len(parts) > 1 else "*"
    return name, rest or "*"


def lock_dependencies(depends: Sequence[str]) -> List[Tuple[str, str]]:
    """A record's ``depends`` as conda-lock's ``{name: constraint}`` (``*`` for none)."""
    out: Dict[str, str] = {}
    for dep in depends:
        name, rest = _split_dep(dep)
        if name in out and out[name] != "*" and rest != "*":
            out[name] = f"{out[name]},{rest}"
        elif name not in out or out[name] == "*":
            out[name] = rest
    return list(out.items())


def locked_package(record: Any, platform: str, category: str = "main") -> LockedPackage:
    pkg = from_record(record)
    if not (pkg.md5 or pkg.sha256):
        raise ExportError(f"cannot lock {record.name}: its record has no md5 or sha256")
    return LockedPackage(record.name, str(record.version), "conda", platform, pkg.url, pkg.md5,
                         pkg.sha256, category, category != "main",
                         lock_dependencies(record.depends))


def content_hash(platform: str, inputs: Mapping[str, Any]) -> str:
    """A stable hash of what a platform's lock was made from."""
    blob = json.dumps({"platform": platform, **inputs}, sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()


def lock_from_records(per_platform: Mapping[str, Sequence[Any]], channels: Sequence[str],
                      sources: Sequence[str] = (),
                      inputs: Optional[Mapping[str, Any]] = None) -> CondaLock:
    """A conda-lock file holding ``per_platform`` records (in name order per platform)."""
    packages: List[LockedPackage] = []
    hashes = []
    for platform in per_platform:
        recs = sorted(per_platform[platform], key=lambda r: r.name)
        packages.extend(locked_package(r, platform) for r in recs)
        hashes.append((platform, content_hash(platform, dict(
            inputs or {}, channels=list(channels), packages=[from_record(r).url for r in recs]))))
    return CondaLock(packages, list(per_platform), channels, hashes, sources)
