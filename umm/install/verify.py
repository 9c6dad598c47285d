"""Checking an environment against its ``conda-meta`` records, and a package cache
against its packages' own metadata (what ``umm doctor`` reports).

Public API::

    verify_prefix(prefix, *, hashes=True, untracked=False) -> PrefixReport
    verify_package_cache(pkgs_dirs, *, hashes=True) -> CacheReport
    Drift(kind, where, path, detail)        one problem (immutable)

An environment drifts when a file a record lists is missing, has another type, or
(with ``hashes``) another sha256 than recorded (``sha256_in_prefix`` for files
relocated at link time); when a record cannot be read, names an unsafe path or
repeats a package; when an interrupted transaction was never rolled back; and,
with ``untracked``, when a file no record owns sits in the prefix (link scripts
may create such files on purpose: that check is opt-in).

A package cache is trusted when every extracted dir under its final name has a
readable ``info/repodata_record.json`` and every file of its ``info/paths.json``
(with its sha256), and every archive matches the sha256 of the record extracted
from it. ``.partial`` downloads and extraction scratch are listed as leftovers:
umm never uses them under a final name (a later run resumes or removes them).
"""
from __future__ import annotations

import hashlib
import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from umm.install.journal import ROLLBACK_DIR, Interrupted, pending
from umm.install.package_info import DIRECTORY, SOFTLINK

MISSING, MODIFIED, WRONG_TYPE, UNTRACKED = "missing", "modified", "wrong-type", "untracked"
BAD_RECORD, UNSAFE_PATH, DUPLICATE, INTERRUPTED = "bad-record", "unsafe-path", "duplicate", \
    "interrupted"
_HASH_THREADS = 4


class Drift:
    """One problem: ``kind``, the package (or dist dir) it concerns, a path, a detail."""

    __slots__ = ("kind", "where", "path", "detail")

    def __init__(self, kind: str, where: str, path: str, detail: str = "") -> None:
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "where", where)
        object.__setattr__(self, "path", path)
        object.__setattr__(self, "detail", detail)

    def __setattr__(self, key: str, value: object) -> None:
        raise AttributeError("Drift is immutable")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Drift) and self.to_json() == other.to_json()

    def __hash__(self) -> int:
        return hash((self.kind, self.where, self.path, self.detail))

    def to_json(self) -> Dict[str, str]:
        return {"kind": self.kind, "package": self.where, "path": self.path,
                "detail": self.detail}

    def __str__(self) -> str:
        detail = f": {self.detail}" if self.detail else ""
        return f"{self.kind} {self.path} ({self.where}){detail}"

    def __repr__(self) -> str:
        return f"Drift({self.kind!r}, {self.where!r}, {self.path!r})"


class PrefixReport:
    """What :func:`verify_prefix` found."""

    __slots__ = ("prefix", "packages", "files", "problems", "interrupted")

    def __init__(self, prefix: Path, packages: int, files: int, problems: Sequence[Drift],
                 interrupted: Sequence[Interrupted]) -> None:
        object.__setattr__(self, "prefix", prefix)
        object.__setattr__(self, "packages", packages)
        object.__setattr__(self, "files", files)
        object.__setattr__(self, "problems", tuple(problems))
        object.__setattr__(self, "interrupted", tuple(interrupted))

    def __setattr__(self, key: str, value: object) -> None:
        raise AttributeError("PrefixReport is immutable")

    @property
    def ok(self) -> bool:
        return not self.problems

    def drifted_packages(self) -> List[str]:
        """Packages whose files drifted (those a forced reinstall would repair)."""
        names = {p.where for p in self.problems if p.kind in (MISSING, MODIFIED, WRONG_TYPE)}
        return sorted(names)


class CacheReport:
    """What :func:`verify_package_cache` found."""

    __slots__ = ("dirs", "packages", "archives", "problems", "leftovers")

    def __init__(self, dirs: Sequence[str], packages: int, archives: int,
                 problems: Sequence[Drift], leftovers: Sequence[str]) -> None:
        object.__setattr__(self, "dirs", tuple(dirs))
        object.__setattr__(self, "packages", packages)
        object.__setattr__(self, "archives", archives)
        object.__setattr__(self, "problems", tuple(problems))
        object.__setattr__(self, "leftovers", tuple(leftovers))

    def __setattr__(self, key: str, value: object) -> None:
        raise AttributeError("CacheReport is immutable")

    @property
    def ok(self) -> bool:
        return not self.problems


def sha256_file(path: "os.PathLike[str] | str") -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while True:
            block = fh.read(1 << 20)
            if not block:
                return h.hexdigest()
            h.update(block)


def _safe_rel(rel: Any) -> bool:
    if not isinstance(rel, str) or not rel or "\0" in rel or rel.startswith("/"):
        return False
    return ".." not in rel.split("/")


def _load_json(path: Path) -> Tuple[Optional[Dict[str, Any]], str]:
    try:
        with open(path, "rb") as fh:
            doc = json.loads(fh.read().decode("utf-8"))
    except (OSError, ValueError, UnicodeError) as exc:
        return None, str(exc)
    if not isinstance(doc, dict):
        return None, "not a JSON object"
    return doc, ""


def _entries(rec: Dict[str, Any]) -> List[Dict[str, Any]]:
    pd = rec.get("paths_data")
    paths = pd.get("paths") if isinstance(pd, dict) else None
    out = [p for p in paths if isinstance(p, dict)] if isinstance(paths, list) else []
    listed = {p.get("_path") for p in out}
    files = rec.get("files")
    if isinstance(files, list):
        out += [{"_path": f} for f in files if f not in listed]
    return out


class _Checker:
    """Collects the file checks, hashing in a few threads."""

    def __init__(self, base: Path, hashes: bool) -> None:
        self.base = base
        self.hashes = hashes
        self.problems: List[Drift] = []
        self.to_hash: List[Tuple[str, str, str]] = []  # (where, rel, expected sha256)
        self.count = 0

    def entry(self, where: str, entry: Dict[str, Any], use_prefix_hash: bool) -> None:
        rel = entry.get("_path")
        if not _safe_rel(rel):
            self.problems.append(Drift(UNSAFE_PATH, where, str(rel), "outside the directory"))
            return
        self.count += 1
        path = self.base / rel
        kind = entry.get("path_type") or "hardlink"
        if not os.path.lexists(path):
            self.problems.append(Drift(MISSING, where, rel))
            return
        if kind == DIRECTORY:
            if not path.is_dir():
                self.problems.append(Drift(WRONG_TYPE, where, rel, "not a directory"))
            return
        if os.path.islink(path) or kind == SOFTLINK:
            return  # a link's target may legitimately be relocated or absent
        if path.is_dir():
            self.problems.append(Drift(WRONG_TYPE, where, rel, "a directory, not a file"))
            return
        want = (entry.get("sha256_in_prefix") if use_prefix_hash else None) or entry.get("sha256")
        if self.hashes and isinstance(want, str) and want:
            self.to_hash.append((where, rel, want.lower()))
        elif entry.get("size_in_bytes") is not None and not entry.get("prefix_placeholder") \
                and not entry.get("sha256_in_prefix"):
            try:
                size = path.stat().st_size
            except OSError:
                return
            if size != entry["size_in_bytes"]:
                self.problems.append(Drift(MODIFIED, where, rel,
                                           f"size {size}, recorded {entry['size_in_bytes']}"))

    def finish(self) -> None:
        if not self.to_hash:
            return

        def one(item: Tuple[str, str, str]) -> Optional[Drift]:
            where, rel, want = item
            try:
                got = sha256_file(self.base / rel)
            except OSError as exc:
                return Drift(MISSING, where, rel, exc.strerror or str(exc))
            return None if got == want else Drift(MODIFIED, where, rel, "sha256 differs")

        if len(self.to_hash) < 64:
            results = [one(i) for i in self.to_hash]
        else:
            with ThreadPoolExecutor(_HASH_THREADS) as pool:
                results = list(pool.map(one, self.to_hash))
        self.problems += [r for r in results if r is not None]
        self.to_hash.clear()


def verify_prefix(prefix: "os.PathLike[str] | str", *, hashes: bool = True,
                  untracked: bool = False) -> PrefixReport:
    """Check ``prefix`` against its ``conda-meta`` records; see the module docstring."""
    p = Path(os.path.abspath(prefix))
    meta = p / "conda-meta"
    checker = _Checker(p, hashes)
    problems: List[Drift] = []
    owned: set = set()
    names: Dict[str, str] = {}
    try:
        record_files = sorted(f for f in os.listdir(meta)
                              if f.endswith(".json") and not f.startswith("."))
    except OSError:
        record_files = []
    for fname in record_files:
        rec, why = _load_json(meta / fname)
        if rec is None or not isinstance(rec.get("name"), str):
            problems.append(Drift(BAD_RECORD, fname, f"conda-meta/{fname}",
                                  why or "no package name"))
            continue
        where = f"{rec['name']}-{rec.get('version')}-{rec.get('build')}"
        if rec["name"] in names:
            problems.append(Drift(DUPLICATE, rec["name"], f"conda-meta/{fname}",
                                  f"also in conda-meta/{names[rec['name']]}"))
        names[rec["name"]] = fname
        for entry in _entries(rec):
            checker.entry(where, entry, use_prefix_hash=True)
            if isinstance(entry.get("_path"), str):
                owned.add(entry["_path"])
    checker.finish()
    interrupted = pending(p)
    for item in interrupted:
        problems.append(Drift(INTERRUPTED, f"pid {item.pid or '?'}",
                              f"{ROLLBACK_DIR}/{item.directory.name}",
                              f"{item.changes} changes to roll back"))
    if untracked:
        for rel in _untracked(p, owned):
            problems.append(Drift(UNTRACKED, "-", rel))
    problems += checker.problems
    problems.sort(key=lambda d: (d.kind != INTERRUPTED, d.where, d.path))
    return PrefixReport(p, len(names), checker.count, problems, interrupted)


def _untracked(prefix: Path, owned: set) -> List[str]:
    out = []
    skip_top = {"conda-meta", ROLLBACK_DIR}
    for dirpath, dirnames, filenames in os.walk(prefix):
        rel_dir = os.path.relpath(dirpath, prefix)
        if rel_dir == ".":
            dirnames[:] = [d for d in dirnames if d not in skip_top]
            rel_dir = ""
        for name in filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
            rel = f"{rel_dir}/{name}" if rel_dir else name
            if rel not in owned:
                out.append(rel)
    return sorted(out)


# -- package caches --------------------------------------------------------------------
def verify_package_cache(pkgs_dirs: Iterable["os.PathLike[str] | str"], *,
                         hashes: bool = True) -> CacheReport:
    """Check every package of the caches ``pkgs_dirs``; see the module docstring."""
    dirs = [os.path.abspath(os.fspath(d)) for d in pkgs_dirs]
    problems: List[Drift] = []
    leftovers: List[str] = []
    packages = archives = 0
    for d in dirs:
        try:
            names = sorted(os.listdir(d))
        except OSError:
            continue
        base = Path(d)
        for name in names:
            path = base / name
            if name.endswith(".partial"):
                leftovers.append(str(path))
            elif name == ".umm_trash":
                leftovers += [str(path / n) for n in sorted(os.listdir(path))]
            elif name.startswith(".") or name == "cache":
                continue
            elif path.is_dir() and not path.is_symlink():
                packages += 1
                problems += _check_extracted(path, hashes)
            elif name.endswith((".conda", ".tar.bz2")) and path.is_file():
                archives += 1
                problem = _check_archive(path, hashes)
                if problem is not None:
                    problems.append(problem)
    return CacheReport(dirs, packages, archives, problems, leftovers)


def _check_extracted(path: Path, hashes: bool) -> List[Drift]:
    name = path.name
    rec, why = _load_json(path / "info" / "repodata_record.json")
    if rec is None:
        return [Drift(BAD_RECORD, name, "info/repodata_record.json", why)]
    if f"{rec.get('name')}-{rec.get('version')}-{rec.get('build')}" != name:
        return [Drift(BAD_RECORD, name, "info/repodata_record.json",
                      "describes another package")]
    paths_doc, why = _load_json(path / "info" / "paths.json")
    checker = _Checker(path, hashes)
    if paths_doc is not None and isinstance(paths_doc.get("paths"), list):
        for entry in paths_doc["paths"]:
            if isinstance(entry, dict):
                checker.entry(name, entry, use_prefix_hash=False)
    elif (path / "info" / "files").is_file():
        for line in (path / "info" / "files").read_text(errors="replace").splitlines():
            if line.strip():
                checker.entry(name, {"_path": line.strip()}, use_prefix_hash=False)
    else:
        return [Drift(BAD_RECORD, name, "info/paths.json", why or "no file list")]
    checker.finish()
    return checker.problems


def _check_archive(path: Path, hashes: bool) -> Optional[Drift]:
    from umm.package.formats import strip_extension

    dist = strip_extension(path.name)
    rec, _ = _load_json(path.parent / dist / "info" / "repodata_record.json")
    if rec is None or rec.get("fn") not in (None, path.name):
        return None  # nothing to compare with (no record, or the record of the other format)
    size = rec.get("size")
    try:
        actual = path.stat().st_size
    except OSError as exc:
        return Drift(MISSING, dist, path.name, exc.strerror or str(exc))
    if isinstance(size, int) and size and size != actual:
        return Drift(MODIFIED, dist, path.name, f"size {actual}, recorded {size}")
    want = rec.get("sha256")
    if hashes and isinstance(want, str) and want and sha256_file(path) != want.lower():
        return Drift(MODIFIED, dist, path.name, "sha256 differs from its record")
    return None
