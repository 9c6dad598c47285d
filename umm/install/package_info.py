"""What an extracted package directory says about its files (``info/``)."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from umm.install.errors import InvalidPackageDir

HARDLINK, SOFTLINK, DIRECTORY = "hardlink", "softlink", "directory"
ENTRY_POINT, PYC_FILE = "unix_python_entry_point", "pyc_file"
PACKAGE_PATH_TYPES = (HARDLINK, SOFTLINK, DIRECTORY)


def unsafe_path(path: object) -> Optional[str]:
    """Why ``path`` may not name a file of a package (None when it may).

    A package's paths are relative, stay below the prefix (no ``..``), and hold no
    NUL byte: anything else would let a package write outside the environment."""
    if not isinstance(path, str):
        return f"the path {path!r} is not a string"
    if not path or "\0" in path:
        return f"the path {path!r} is empty or holds a NUL byte"
    if path.startswith(("/", "\\")) or \
            (path[0].isalpha() and path[1:2] == ":" and path[2:3] in ("", "/", "\\")):
        return f"the path {path!r} is absolute"
    parts = [c for c in path.replace("\\", "/").split("/") if c not in ("", ".")]
    if ".." in parts:
        return f"the path {path!r} leaves the package ('..')"
    if not parts:
        return f"the path {path!r} names the prefix itself"
    return None


class PathEntry:
    """One path of a package as ``info/paths.json`` describes it."""

    __slots__ = ("path", "path_type", "sha256", "size", "prefix_placeholder", "file_mode",
                 "no_link")

    def __init__(self, path: str, path_type: str = HARDLINK, sha256: Optional[str] = None,
                 size: Optional[int] = None, prefix_placeholder: Optional[str] = None,
                 file_mode: Optional[str] = None, no_link: bool = False) -> None:
        object.__setattr__(self, "path", path)
        object.__setattr__(self, "path_type", path_type)
        object.__setattr__(self, "sha256", sha256)
        object.__setattr__(self, "size", size)
        object.__setattr__(self, "prefix_placeholder", prefix_placeholder)
        object.__setattr__(self, "file_mode", file_mode)
        object.__setattr__(self, "no_link", no_link)

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError("PathEntry is immutable")

    @classmethod
    def from_json(cls, d: Dict[str, Any]) -> "PathEntry":
        """An entry of ``paths.json``; raises ``ValueError`` for anything unsafe or malformed."""
        if not isinstance(d, dict):
            raise ValueError(f"an entry of paths.json is not an object: {d!r:.60}")
        path = d.get("_path")
        why = unsafe_path(path)
        if why is not None:
            raise ValueError(why)
        ptype = d.get("path_type", HARDLINK)
        if ptype not in PACKAGE_PATH_TYPES:
            raise ValueError(f"{path}: unknown path_type {ptype!r:.40}")
        sha256, size = d.get("sha256"), d.get("size_in_bytes")
        placeholder, mode = d.get("prefix_placeholder"), d.get("file_mode")
        if not isinstance(sha256, (str, type(None))) or \
                not isinstance(placeholder, (str, type(None))) or \
                mode not in (None, "text", "binary") or \
                not (size is None or (isinstance(size, int) and not isinstance(size, bool))):
            raise ValueError(f"{path}: malformed sha256, size_in_bytes, prefix_placeholder "
                             "or file_mode")
        return cls(path, ptype, sha256, size, placeholder, mode, bool(d.get("no_link", False)))

    def to_json(self) -> Dict[str, Any]:
        d: Dict[str, Any] = {"_path": self.path, "path_type": self.path_type}
        if self.prefix_placeholder is not None:
            d["prefix_placeholder"] = self.prefix_placeholder
            d["file_mode"] = self.file_mode or "text"
        if self.no_link:
            d["no_link"] = True
        if self.sha256 is not None:
            d["sha256"] = self.sha256
        if self.size is not None:
            d["size_in_bytes"] = self.size
        return d

    def __repr__(self) -> str:
        return f"PathEntry({self.path!r}, {self.path_type!r})"


class PackageInfo:
    """``info/index.json``, the package's paths and its ``info/link.json`` noarch data."""

    __slots__ = ("directory", "index", "paths", "noarch", "entry_points")

    def __init__(self, directory: Path, index: Dict[str, Any], paths: Tuple[PathEntry, ...],
                 noarch: Optional[str], entry_points: Tuple[str, ...]) -> None:
        object.__setattr__(self, "directory", directory)
        object.__setattr__(self, "index", index)
        object.__setattr__(self, "paths", paths)
        object.__setattr__(self, "noarch", noarch)
        object.__setattr__(self, "entry_points", entry_points)

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError("PackageInfo is immutable")

    @property
    def name(self) -> str:
        return str(self.index.get("name", self.directory.name))

    @classmethod
    def load(cls, directory: "os.PathLike[str] | str") -> "PackageInfo":
        d = Path(directory)
        index = _read_json(d / "info" / "index.json", d, required=True)
        assert index is not None
        paths_json = _read_json(d / "info" / "paths.json", d, required=False)
        try:
            if paths_json is not None:
                entries = paths_json.get("paths", [])
                if not isinstance(entries, list):
                    raise ValueError("'paths' is not a list")
                paths = tuple(PathEntry.from_json(p) for p in entries)
            else:
                paths = _legacy_paths(d)
        except ValueError as exc:
            which = "paths.json" if paths_json is not None else "files"
            raise InvalidPackageDir(str(d), f"info/{which}: {exc}") from None
        link = _read_json(d / "info" / "link.json", d, required=False) or {}
        noarch_data = link.get("noarch") if isinstance(link.get("noarch"), dict) else {}
        noarch = index.get("noarch") or noarch_data.get("type")
        if noarch is True:  # very old packages: "noarch": true means generic
            noarch = "generic"
        if not isinstance(noarch, (str, type(None))):
            raise InvalidPackageDir(str(d), f"info/index.json: bad noarch {noarch!r:.40}")
        entry_points = noarch_data.get("entry_points") or ()
        if not isinstance(entry_points, (list, tuple)) or \
                not all(isinstance(e, str) for e in entry_points):
            raise InvalidPackageDir(str(d), "info/link.json: entry_points is not a list of "
                                    "strings")
        return cls(d, index, paths, noarch or None, tuple(entry_points))


def _read_json(path: Path, pkg: Path, required: bool) -> Optional[Dict[str, Any]]:
    try:
        with open(path, "rb") as f:
            doc = json.load(f)
    except FileNotFoundError:
        if required:
            raise InvalidPackageDir(str(pkg), f"missing {path.relative_to(pkg)}") from None
        return None
    except (OSError, ValueError, RecursionError) as exc:
        raise InvalidPackageDir(str(pkg), f"{path.relative_to(pkg)}: {exc}") from None
    if not isinstance(doc, dict):
        raise InvalidPackageDir(str(pkg), f"{path.relative_to(pkg)} is not a JSON object")
    return doc


def _legacy_paths(d: Path) -> Tuple[PathEntry, ...]:
    """Old packages without paths.json: ``info/files`` + ``info/has_prefix`` + ``info/no_link``."""
    try:
        files = [ln for ln in (d / "info" / "files").read_text(errors="surrogateescape")
                 .splitlines() if ln.strip()]
    except FileNotFoundError:
        files = []
    prefixes: Dict[str, Tuple[str, str]] = {}
    try:
        for line in (d / "info" / "has_prefix").read_text(errors="surrogateescape").splitlines():
            placeholder, mode, path = parse_has_prefix_line(line)
            if path:
                prefixes[path] = (placeholder, mode)
    except FileNotFoundError:
        pass
    except ValueError as exc:  # shlex: unbalanced quotes
        raise ValueError(f"unreadable info/has_prefix ({exc})") from None
    try:
        no_link = set((d / "info" / "no_link").read_text(errors="surrogateescape").split())
    except FileNotFoundError:
        no_link = set()
    out: List[PathEntry] = []
    for f in files:
        why = unsafe_path(f)
        if why is not None:
            raise ValueError(why)
        ptype = SOFTLINK if os.path.islink(d / f) else HARDLINK
        ph = prefixes.get(f)
        out.append(PathEntry(f, ptype, None, None, ph[0] if ph else None, ph[1] if ph else None,
                             f in no_link))
    return tuple(out)


def parse_has_prefix_line(line: str) -> Tuple[str, str, str]:
    """``placeholder mode path`` or just ``path`` (text mode, the default placeholder)."""
    import shlex

    parts = shlex.split(line.strip()) if line.strip() else []
    if len(parts) == 3:
        return parts[0], parts[1], parts[2]
    if len(parts) == 1:
        return "/opt/anaconda1anaconda2anaconda3", "text", parts[0]
    return "", "", ""
