"""What ``umm clean`` removes, found and removed without printing.

Public API::

    CleanItem(kind, path, size, cache)       # kind: index, lock, tarball, package, trash, pkgs_dir
    writable_caches(pkgs_dirs) -> list[str]
    find_index_cache(caches) / find_locks(caches) / find_tarballs(caches)
    find_packages(caches, env_prefixes) -> (unused, in_use)
    find_trash(caches, env_prefixes)
    used_packages(env_prefixes) -> UsedPackages
    remove(items) -> (freed_bytes, failures)

Only writable package caches are cleaned (as micromamba). An extracted
package is in use when an environment's ``conda-meta/*.json`` names it
(file name stem, ``fn``, or ``extracted_package_dir``); those are never
removed. Lock files and scratch dirs that a running process holds are left
alone.
"""
from __future__ import annotations

import json
import os
import stat
from typing import Iterable, List, Sequence, Set, Tuple

from umm.package.cache import TRASH, is_writable_dir, remove_tree
from umm.package.formats import EXTENSIONS, strip_extension
from umm.package.lock import LOCK_SUFFIX, remove_if_unlocked

TRASH_SUFFIXES = (".umm_trash", ".mamba_trash", ".c~")
PARTIAL_SUFFIX = ".partial"


class CleanItem:
    """One path ``umm clean`` may remove (immutable)."""

    __slots__ = ("kind", "path", "size", "cache")

    def __init__(self, kind: str, path: str, size: int, cache: str) -> None:
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "path", path)
        object.__setattr__(self, "size", size)
        object.__setattr__(self, "cache", cache)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("CleanItem is immutable")

    @property
    def name(self) -> str:
        return os.path.basename(self.path)

    def __repr__(self) -> str:
        return f"CleanItem({self.kind}, {self.path!r}, {self.size})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CleanItem) and (self.kind, self.path) == (other.kind, other.path)

    def __hash__(self) -> int:
        return hash((self.kind, self.path))


def tree_size(path: str) -> int:
    """Bytes of the regular files below ``path`` (symlinks not followed, each inode once)."""
    try:
        st = os.lstat(path)
    except OSError:
        return 0
    if not os.path.isdir(path) or os.path.islink(path):
        return st.st_size
    total = 0
    seen: Set[Tuple[int, int]] = set()
    for top, _dirs, files in os.walk(path):
        for name in files:
            try:
                fst = os.lstat(os.path.join(top, name))
            except OSError:
                continue
            if not stat.S_ISREG(fst.st_mode) or (fst.st_dev, fst.st_ino) in seen:
                continue
            seen.add((fst.st_dev, fst.st_ino))
            total += fst.st_size
    return total


def writable_caches(pkgs_dirs: Sequence[str]) -> List[str]:
    """The pkgs dirs that exist and can be written (the ones clean may touch)."""
    out = []
    for d in pkgs_dirs:
        p = os.path.abspath(os.path.expanduser(d))
        if os.path.isdir(p) and is_writable_dir(p) and p not in out:
            out.append(p)
    return out


def _listdir(path: str) -> List[str]:
    try:
        return sorted(os.listdir(path))
    except OSError:
        return []


def find_index_cache(caches: Iterable[str]) -> List[CleanItem]:
    items = []
    for c in caches:
        p = os.path.join(c, "cache")
        if os.path.isdir(p):
            items.append(CleanItem("index", p, tree_size(p), c))
    return items


def find_locks(caches: Iterable[str]) -> List[CleanItem]:
    """Lock files in the caches and their index caches (held ones are skipped at removal)."""
    items = []
    for c in caches:
        for name in _listdir(c):
            p = os.path.join(c, name)
            if name.endswith(LOCK_SUFFIX) and os.path.isfile(p):
                items.append(CleanItem("lock", p, tree_size(p), c))
        idx = os.path.join(c, "cache")
        for top, _dirs, files in os.walk(idx):
            for name in sorted(files):
                if name.endswith(LOCK_SUFFIX):
                    p = os.path.join(top, name)
                    items.append(CleanItem("lock", p, tree_size(p), c))
    return items


def find_tarballs(caches: Iterable[str]) -> List[CleanItem]:
    """Package archives (and ``.partial`` downloads) in the caches."""
    items = []
    for c in caches:
        for name in _listdir(c):
            p = os.path.join(c, name)
            if os.path.isfile(p) and (name.endswith(EXTENSIONS) or (
                    name.endswith(PARTIAL_SUFFIX) and
                    name[: -len(PARTIAL_SUFFIX)].endswith(EXTENSIONS))):
                items.append(CleanItem("tarball", p, tree_size(p), c))
    return items


class UsedPackages:
    """What the known environments use: dist names and extracted dirs."""

    __slots__ = ("names", "dirs")

    def __init__(self, names: Set[str], dirs: Set[str]) -> None:
        self.names = names
        self.dirs = dirs

    def uses(self, path: str) -> bool:
        return os.path.basename(path) in self.names or os.path.normpath(path) in self.dirs


def used_packages(env_prefixes: Iterable[str]) -> UsedPackages:
    names: Set[str] = set()
    dirs: Set[str] = set()
    for prefix in env_prefixes:
        meta = os.path.join(prefix, "conda-meta")
        for name in _listdir(meta):
            if not name.endswith(".json"):
                continue
            names.add(name[: -len(".json")])
            try:
                with open(os.path.join(meta, name), "rb") as fh:
                    doc = json.loads(fh.read().decode("utf-8"))
            except (OSError, ValueError, UnicodeError):
                continue
            if not isinstance(doc, dict):
                continue
            if isinstance(doc.get("fn"), str) and doc["fn"]:
                names.add(strip_extension(doc["fn"]))
            epd = doc.get("extracted_package_dir")
            if isinstance(epd, str) and epd:
                dirs.add(os.path.normpath(epd))
                names.add(os.path.basename(os.path.normpath(epd)))
    return UsedPackages(names, dirs)


def find_packages(caches: Iterable[str], env_prefixes: Iterable[str]
                  ) -> Tuple[List[CleanItem], List[CleanItem]]:
    """Extracted packages of the caches: ``(unused, in_use)``."""
    used = used_packages(env_prefixes)
    unused: List[CleanItem] = []
    in_use: List[CleanItem] = []
    for c in caches:
        for name in _listdir(c):
            p = os.path.join(c, name)
            if name.startswith(".") or os.path.islink(p) or not os.path.isdir(p):
                continue
            if not os.path.isfile(os.path.join(p, "info", "index.json")):
                continue
            item = CleanItem("package", p, tree_size(p), c)
            (in_use if used.uses(p) else unused).append(item)
    return unused, in_use


def _is_trash(name: str) -> bool:
    return name.endswith(TRASH_SUFFIXES)


def find_trash(caches: Iterable[str], env_prefixes: Iterable[str]) -> List[CleanItem]:
    """Leftovers of failed removals and extractions: ``*.umm_trash``, ``*.mamba_trash``,
    ``*.c~`` and ``.umm_trash/`` in environments, and the caches' ``.umm_trash/``."""
    items: List[CleanItem] = []
    caches = [os.path.normpath(c) for c in caches]
    prefixes = [os.path.normpath(p) for p in env_prefixes
                if os.path.isdir(os.path.join(p, "conda-meta"))]
    for c in caches:
        trash = os.path.join(c, TRASH)
        for name in _listdir(trash):
            p = os.path.join(trash, name)
            items.append(CleanItem("trash", p, tree_size(p), c))
    for prefix in prefixes:
        # the root prefix holds pkgs/ and envs/: those are walked on their own
        skip = (set(caches) | set(prefixes)) - {prefix}
        for top, dirs, files in os.walk(prefix):
            dirs[:] = [d for d in dirs if os.path.join(top, d) not in skip]
            for d in list(dirs):
                if d == TRASH or _is_trash(d):
                    p = os.path.join(top, d)
                    items.append(CleanItem("trash", p, tree_size(p), prefix))
                    dirs.remove(d)
            for name in files:
                if _is_trash(name):
                    p = os.path.join(top, name)
                    items.append(CleanItem("trash", p, tree_size(p), prefix))
    return items


def _scratch_is_busy(item: CleanItem) -> bool:
    """A cache scratch dir ``<dist>.extract-*`` whose package lock someone holds."""
    if item.kind != "trash" or os.path.basename(os.path.dirname(item.path)) != TRASH:
        return False
    dist = item.name.split(".extract-")[0].split(".old-")[0]
    lock = os.path.join(item.cache, dist + LOCK_SUFFIX)
    if not os.path.exists(lock):
        return False
    import fcntl

    try:
        fd = os.open(lock, os.O_RDWR)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)


def _rm(path: str) -> None:
    if os.path.isdir(path) and not os.path.islink(path):
        remove_tree(path)
    else:
        os.unlink(path)


def remove(items: Iterable[CleanItem]) -> Tuple[int, List[Tuple[CleanItem, str]]]:
    """Remove ``items``; returns the bytes freed and ``(item, reason)`` for each skipped one."""
    freed = 0
    failures: List[Tuple[CleanItem, str]] = []
    for item in items:
        try:
            if item.kind == "lock":
                if not remove_if_unlocked(item.path):
                    if os.path.exists(item.path):
                        failures.append((item, "in use by a running process"))
                    continue
            elif item.kind == "trash" and _scratch_is_busy(item):
                failures.append((item, "in use by a running process"))
                continue
            else:
                _rm(item.path)
        except FileNotFoundError:
            continue
        except OSError as exc:
            failures.append((item, exc.strerror or str(exc)))
            continue
        freed += item.size
    return freed, failures
