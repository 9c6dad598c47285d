"""Lock files: conda-lock's unified format (version 1), read and written, and the
JSON lock files of mambajs (``lockVersion: 1.x``), read.

A conda-lock file lists packages per platform and category::

    version: 1
    metadata: {platforms: [linux-64], channels: [{url: conda-forge, used_env_vars: []}], ...}
    package:
      - name: zlib
        version: 1.2.13
        manager: conda            # or pip
        platform: linux-64
        dependencies: {libgcc-ng: ">=12"}
        url: https://conda.anaconda.org/conda-forge/linux-64/zlib-1.2.13-hd590300_5.conda
        hash: {md5: ..., sha256: ...}
        category: main
        optional: false

:meth:`CondaLock.select` picks the packages of one platform and some categories
(``main`` by default), each package once. Other lock formats (pixi's ``version: 4``
``environments`` files, unknown versions) are refused with a message saying so.
"""
from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Sequence, Tuple

from umm.envfile import _yaml
from umm.envfile.errors import (ConflictingPackages, InvalidLockFile, LockPlatformMissing,
                                UnsupportedLockFile)
from umm.envfile.explicit import ExplicitPackage, ExplicitPackageError

MANAGERS = ("conda", "pip")
LOCK_SUFFIXES = ("-lock.yml", "-lock.yaml", "-lock.json")
_REQUIRED = ("name", "version", "manager", "platform", "url", "hash")


def is_lock_file_name(path: str) -> bool:
    """micromamba's rule: the file name ends with ``-lock.yml``/``.yaml`` (or ``.json``)."""
    return path.lower().endswith(LOCK_SUFFIXES)


class PipPackage:
    """A locked PyPI package: installed with ``pip install --no-deps``."""

    __slots__ = ("name", "version", "url", "sha256")

    def __init__(self, name: str, version: str, url: Optional[str] = None,
                 sha256: Optional[str] = None) -> None:
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "version", version)
        object.__setattr__(self, "url", url or None)
        object.__setattr__(self, "sha256", sha256.lower() if sha256 else None)

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError("PipPackage is immutable")

    def requirement(self, with_hash: bool = True) -> str:
        """A requirements-file line: ``name @ url --hash=sha256:…`` or ``name==version``."""
        req = f"{self.name} @ {self.url}" if self.url else f"{self.name}=={self.version}"
        if with_hash and self.sha256:
            req += f" --hash=sha256:{self.sha256}"
        return req

    def __str__(self) -> str:
        return self.requirement()

    def __repr__(self) -> str:
        return f"PipPackage({self.requirement()!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PipPackage) and \
            (self.name, self.version, self.url, self.sha256) == \
            (other.name, other.version, other.url, other.sha256)

    def __hash__(self) -> int:
        return hash((self.name, self.version, self.url, self.sha256))


class LockedPackage:
    """One ``package:`` entry of a conda-lock file (immutable)."""

    __slots__ = ("name", "version", "manager", "platform", "url", "md5", "sha256", "category",
                 "optional", "dependencies")

    def __init__(self, name: str, version: str, manager: str, platform: str, url: str,
                 md5: Optional[str] = None, sha256: Optional[str] = None,
                 category: str = "main", optional: bool = False,
                 dependencies: Sequence[Tuple[str, str]] = ()) -> None:
        for key, value in (("name", name), ("version", version), ("manager", manager),
                           ("platform", platform), ("url", url), ("md5", md5 or None),
                           ("sha256", sha256 or None), ("category", category or "main"),
                           ("optional", bool(optional)), ("dependencies", tuple(dependencies))):
            object.__setattr__(self, key, value)

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError("LockedPackage is immutable")

    def _ident(self) -> tuple:
        return tuple(getattr(self, k) for k in self.__slots__)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LockedPackage) and self._ident() == other._ident()

    def __hash__(self) -> int:
        return hash(self._ident())

    def __repr__(self) -> str:
        return f"LockedPackage({self.manager}:{self.name}={self.version} {self.platform}/{self.category})"

    def to_dict(self) -> Dict[str, Any]:
        """The YAML entry (keys in the order conda-lock writes them)."""
        h: Dict[str, str] = {}
        if self.md5:
            h["md5"] = self.md5
        if self.sha256:
            h["sha256"] = self.sha256
        return {"category": self.category, "dependencies": dict(self.dependencies), "hash": h,
                "manager": self.manager, "name": self.name, "optional": self.optional,
                "platform": self.platform, "url": self.url, "version": self.version}

    def explicit(self) -> ExplicitPackage:
        return ExplicitPackage(self.url, self.md5, self.sha256)

    def pip(self) -> PipPackage:
        return PipPackage(self.name, self.version, self.url, self.sha256)


class LockSelection:
    """What to install from a lock file for one platform: conda packages and pip packages."""

    __slots__ = ("conda", "pip", "channels", "platform")

    def __init__(self, conda: Sequence[ExplicitPackage], pip: Sequence[PipPackage],
                 channels: Sequence[str], platform: str) -> None:
        object.__setattr__(self, "conda", tuple(conda))
        object.__setattr__(self, "pip", tuple(pip))
        object.__setattr__(self, "channels", tuple(channels))
        object.__setattr__(self, "platform", platform)

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError("LockSelection is immutable")


def _str_field(entry: Dict[str, Any], key: str, path: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value:
        raise InvalidLockFile(path, f"{where}: field '{key}' must be a non-empty string")
    return value


class CondaLock:
    """A conda-lock unified lock file, version 1."""

    __slots__ = ("platforms", "channels", "content_hash", "sources", "packages", "path")

    def __init__(self, packages: Sequence[LockedPackage], platforms: Sequence[str] = (),
                 channels: Sequence[str] = (), content_hash: Sequence[Tuple[str, str]] = (),
                 sources: Sequence[str] = (), path: str = "") -> None:
        for key, value in (("packages", tuple(packages)), ("platforms", tuple(platforms)),
                           ("channels", tuple(channels)), ("content_hash", tuple(content_hash)),
                           ("sources", tuple(sources)), ("path", path)):
            object.__setattr__(self, key, value)

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError("CondaLock is immutable")

    # -- reading ----------------------------------------------------------------------
    @classmethod
    def parse(cls, text: str, path: str = "") -> "CondaLock":
        try:
            doc = _yaml.load(text)
        except _yaml.YamlSyntaxError as exc:
            raise InvalidLockFile(path, exc.reason, exc.line) from None
        if not isinstance(doc, dict):
            raise InvalidLockFile(path, "not a lock file: expected a mapping with 'version' "
                                        "and 'package'")
        check_version(doc, path)
        meta = doc.get("metadata") or {}
        if not isinstance(meta, dict):
            raise InvalidLockFile(path, "'metadata' must be a mapping")
        platforms = meta.get("platforms") or []
        if not isinstance(platforms, list) or not all(isinstance(p, str) for p in platforms):
            raise InvalidLockFile(path, "'metadata.platforms' must be a list of platforms")
        channels: List[str] = []
        for ch in meta.get("channels") or []:
            url = ch.get("url") if isinstance(ch, dict) else ch
            if not isinstance(url, str) or not url:
                raise InvalidLockFile(path, f"'metadata.channels': invalid entry {ch!r}")
            channels.append(url)
        hashes = meta.get("content_hash") or {}
        content_hash = tuple((str(k), str(v)) for k, v in hashes.items()) \
            if isinstance(hashes, dict) else ()
        sources = tuple(str(s) for s in meta.get("sources") or () if s is not None)
        entries = doc.get("package")
        if entries is None:
            entries = []
        if not isinstance(entries, list):
            raise InvalidLockFile(path, "'package' must be a list of packages")
        packages = [_package(e, i, path) for i, e in enumerate(entries)]
        return cls(packages, platforms, channels, content_hash, sources, path)

    def select(self, platform: str, categories: Optional[Sequence[str]] = None) -> LockSelection:
        """The packages for ``platform`` in ``categories`` (default ``["main"]``)."""
        cats = set(categories or ("main",))
        available = list(self.platforms) or sorted({p.platform for p in self.packages})
        if self.platforms and platform not in self.platforms:
            raise LockPlatformMissing(self.path, platform, available)
        chosen: Dict[Tuple[str, str], LockedPackage] = {}
        for pkg in self.packages:
            if pkg.platform != platform or pkg.category not in cats:
                continue
            key = (pkg.manager, pkg.name)
            prev = chosen.get(key)
            if prev is None:
                chosen[key] = pkg
            elif prev.url != pkg.url:
                raise ConflictingPackages(self.path, pkg.name, prev.url, pkg.url)
        conda = [p.explicit() for p in chosen.values() if p.manager == "conda"]
        pip = [p.pip() for p in chosen.values() if p.manager == "pip"]
        return LockSelection(conda, pip, self.channels, platform)

    # -- writing ----------------------------------------------------------------------
    def to_dict(self) -> Dict[str, Any]:
        meta: Dict[str, Any] = {
            "channels": [{"url": c, "used_env_vars": []} for c in self.channels],
            "content_hash": dict(self.content_hash),
            "platforms": list(self.platforms),
            "sources": list(self.sources),
        }
        return {"version": 1, "metadata": meta,
                "package": [p.to_dict() for p in self.packages]}

    def __str__(self) -> str:
        head = ("# This lock file was generated by umm (conda-lock's unified format, "
                "version 1).\n# Install it with: umm create -n ENV -f THIS_FILE\n")
        return head + _yaml.dump(self.to_dict())

    def _ident(self) -> tuple:
        return (self.packages, self.platforms, self.channels, self.content_hash, self.sources)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CondaLock) and self._ident() == other._ident()

    def __hash__(self) -> int:
        return hash(self._ident())


def check_version(doc: Dict[str, Any], path: str) -> None:
    version = doc.get("version")
    if version is None:
        raise UnsupportedLockFile(path, "not a conda-lock file: it has no 'version'")
    if str(version).strip() == "1":
        return
    if "environments" in doc:
        raise UnsupportedLockFile(path, f"pixi/rattler lock files (version {version}) are not "
                                        "supported: use a conda-lock unified lock file "
                                        "(version 1)")
    raise UnsupportedLockFile(path, f"unsupported lock file version {version} (umm reads "
                                    "conda-lock version 1)")


def _package(entry: Any, index: int, path: str) -> LockedPackage:
    where = f"package #{index + 1}"
    if not isinstance(entry, dict):
        raise InvalidLockFile(path, f"{where} is not a mapping")
    if isinstance(entry.get("name"), str):
        where += f" ({entry['name']})"
    missing = [k for k in _REQUIRED if entry.get(k) in (None, "")]
    if missing:
        raise InvalidLockFile(path, f"{where}: missing field(s) " + ", ".join(missing))
    name = _str_field(entry, "name", path, where)
    version = str(entry["version"])
    manager = _str_field(entry, "manager", path, where)
    if manager not in MANAGERS:
        raise InvalidLockFile(path, f"{where}: unsupported manager {manager!r} "
                                    "(expected conda or pip)")
    platform = _str_field(entry, "platform", path, where)
    url = _str_field(entry, "url", path, where)
    h = entry["hash"]
    if not isinstance(h, dict) or not (h.get("md5") or h.get("sha256")):
        raise InvalidLockFile(path, f"{where}: 'hash' must have an md5 or a sha256")
    deps = entry.get("dependencies") or {}
    if not isinstance(deps, dict):
        raise InvalidLockFile(path, f"{where}: 'dependencies' must be a mapping")
    pkg = LockedPackage(name, version, manager, platform, url, h.get("md5"), h.get("sha256"),
                        str(entry.get("category") or "main"), entry.get("optional") is True,
                        [(str(k), "*" if v is None else str(v)) for k, v in deps.items()])
    if manager == "conda":
        try:
            pkg.explicit()
        except ExplicitPackageError as exc:
            raise InvalidLockFile(path, f"{where}: {exc}") from None
    return pkg


# -- mambajs JSON lock files ---------------------------------------------------------
def parse_json_lock(text: str, path: str, platform: str) -> LockSelection:
    """A mambajs lock file (``{"lockVersion": "1.x", "platform": …, "packages": {fn: …}}``)."""
    try:
        doc = json.loads(text)
    except ValueError as exc:
        line = getattr(exc, "lineno", None)
        raise InvalidLockFile(path, f"invalid JSON: {getattr(exc, 'msg', exc)}", line) from None
    if not isinstance(doc, dict):
        raise InvalidLockFile(path, "not a lock file: expected a JSON object")
    version = str(doc.get("lockVersion", ""))
    if version.split(".")[0] != "1":
        raise UnsupportedLockFile(path, f"unsupported lockVersion {version or 'missing'} "
                                        "(umm reads JSON lock files of version 1.x)")
    lock_platform = doc.get("platform")
    if not isinstance(lock_platform, str) or not lock_platform:
        raise InvalidLockFile(path, "'platform' must be a platform name")
    if lock_platform != platform:
        raise LockPlatformMissing(path, platform, [lock_platform])
    info = doc.get("channelInfo") or {}
    channels = [str(c) for c in doc.get("channels") or []]
    conda: List[ExplicitPackage] = []
    for fn, entry in (doc.get("packages") or {}).items():
        where = f"package {fn}"
        if not isinstance(entry, dict):
            raise InvalidLockFile(path, f"{where} is not an object")
        missing = [k for k in ("name", "version", "build", "subdir", "channel") if not entry.get(k)]
        if missing:
            raise InvalidLockFile(path, f"{where}: missing field(s) " + ", ".join(missing))
        mirrors = info.get(entry["channel"]) or []
        base = mirrors[0].get("url") if mirrors and isinstance(mirrors[0], dict) else None
        if not base:
            if "://" not in entry["channel"]:
                raise InvalidLockFile(path, f"{where}: channel {entry['channel']!r} is not in "
                                            "'channelInfo'")
            base = entry["channel"]
        h = entry.get("hash") or {}
        try:
            pkg = ExplicitPackage(f"{base.rstrip('/')}/{entry['subdir']}/{fn}", h.get("md5"),
                                  h.get("sha256"), entry.get("size"))
        except ExplicitPackageError as exc:
            raise InvalidLockFile(path, f"{where}: {exc}") from None
        if pkg.name != entry["name"]:
            raise InvalidLockFile(path, f"{where}: the file name does not match its name "
                                        f"{entry['name']!r}")
        conda.append(pkg)
    pip: List[PipPackage] = []
    for key, entry in (doc.get("pipPackages") or {}).items():
        if not isinstance(entry, dict) or not entry.get("name") or not entry.get("version"):
            raise InvalidLockFile(path, f"pip package {key}: needs 'name' and 'version'")
        h = entry.get("hash") or {}
        pip.append(PipPackage(entry["name"], str(entry["version"]), entry.get("url"),
                              h.get("sha256")))
    return LockSelection(conda, pip, channels, platform)
