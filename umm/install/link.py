"""Linking one extracted package into a prefix (and the options that steer it)."""
from __future__ import annotations

import errno
import hashlib
import os
import shutil
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Set, Tuple

from umm.install.errors import BinaryPrefixTooLong, LinkError, NoPythonForNoarch, PathConflictError
from umm.install.journal import Journal
from umm.install.noarch import PythonInfo, entry_point_script, parse_entry_point
from umm.install.package_info import DIRECTORY, ENTRY_POINT, SOFTLINK, PackageInfo, PathEntry
from umm.install.relocate import PrefixTooLong, replace_binary, replace_text

# conda's LinkType values, as written in conda-meta's "link": {"type": N}
LINK_HARD, LINK_SOFT, LINK_COPY, LINK_DIRECTORY = 1, 2, 3, 4


class LinkOptions:
    """How files get into the prefix (micromamba's link configuration keys)."""

    __slots__ = ("always_copy", "allow_softlinks", "always_softlink", "compile_pyc",
                 "relocate_prefix", "execute_link_scripts")

    def __init__(self, always_copy: bool = False, allow_softlinks: bool = False,
                 always_softlink: bool = False, compile_pyc: bool = True,
                 relocate_prefix: Optional[str] = None, execute_link_scripts: bool = True) -> None:
        for k, v in (("always_copy", always_copy), ("allow_softlinks", allow_softlinks),
                     ("always_softlink", always_softlink), ("compile_pyc", compile_pyc),
                     ("relocate_prefix", relocate_prefix),
                     ("execute_link_scripts", execute_link_scripts)):
            object.__setattr__(self, k, v)

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError("LinkOptions is immutable")

    @property
    def link_type(self) -> int:
        if self.always_copy:
            return LINK_COPY
        if self.always_softlink:
            return LINK_SOFT
        return LINK_HARD


def target_paths(info: PackageInfo, python: Optional[PythonInfo]) -> List[Tuple[PathEntry, str]]:
    """(entry, prefix-relative target) for every path of the package."""
    if info.noarch == "python":
        if python is None:
            raise NoPythonForNoarch(info.name)
        return [(e, python.target_path(e.path)) for e in info.paths]
    return [(e, e.path) for e in info.paths]


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class Linker:
    """Links packages into one prefix, recording every change in a :class:`Journal`.

    ``owners`` maps prefix-relative paths to the name of the package that owns
    them (installed or linked earlier in this transaction); ``on_clobber`` is
    called with (path, previous owner, new owner) when a package overwrites
    another's file.
    """

    def __init__(self, prefix: Path, journal: Journal, options: LinkOptions,
                 owners: Dict[str, str],
                 on_clobber: Callable[[str, Optional[str], str], None],
                 on_warning: Optional[Callable[[str], None]] = None) -> None:
        self.prefix = prefix
        self.on_warning = on_warning or (lambda text: None)
        self.journal = journal
        self.options = options
        self.owners = owners
        self.on_clobber = on_clobber
        self.text_prefix = options.relocate_prefix or str(prefix)
        self._dirs: Set[str] = set()

    # -- helpers -----------------------------------------------------------
    def _ensure_parent(self, pkg: str, rel: str) -> None:
        parent = os.path.dirname(rel)
        if not parent or parent in self._dirs:
            return
        d = self.prefix / parent
        probe = d
        while not os.path.lexists(probe):
            probe = probe.parent
        if not os.path.isdir(probe):
            raise PathConflictError(pkg, rel, f"below the file {probe.relative_to(self.prefix)}")
        self.journal.makedirs(d)
        self._dirs.add(parent)

    def _make_room(self, pkg: str, rel: str, dst: Path) -> None:
        if not os.path.lexists(dst):
            return
        if os.path.isdir(dst) and not os.path.islink(dst):
            raise PathConflictError(pkg, rel, "a directory")
        previous = self.owners.get(rel)
        if previous is not None and previous != pkg:
            self.on_clobber(rel, previous, pkg)
        self.journal.move_away(dst)

    def _place(self, src: Path, dst: Path) -> int:
        opts = self.options
        if opts.always_softlink:
            os.symlink(src, dst)
            return LINK_SOFT
        if not opts.always_copy:
            try:
                os.link(src, dst)
                return LINK_HARD
            except OSError as exc:
                if exc.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.EACCES,
                                     errno.ENOTSUP, errno.EOPNOTSUPP):
                    raise
                if opts.allow_softlinks:
                    os.symlink(src, dst)
                    return LINK_SOFT
        shutil.copy2(src, dst, follow_symlinks=False)
        return LINK_COPY

    # -- one package -------------------------------------------------------
    def link(self, info: PackageInfo, python: Optional[PythonInfo]) -> Tuple[List[str], List[dict]]:
        """Link every path of ``info``; returns (files, paths_data entries)."""
        pkg = info.name
        files: List[str] = []
        paths: List[dict] = []
        for entry, rel in target_paths(info, python):
            if entry.path_type == SOFTLINK and not os.path.lexists(info.directory / entry.path):
                # archives whose symlink has no target (an empty link name) extract
                # to nothing: there is no file to link, so the record must not list one
                self.on_warning(f"{pkg}: symlink {entry.path} has no target in the package; skipped")
                continue
            data = self.link_entry(pkg, info.directory, entry, rel)
            paths.append(data)
            if entry.path_type != DIRECTORY:
                files.append(rel)
        if info.noarch == "python" and info.entry_points and python is not None:
            for ep in info.entry_points:
                f, d = self._entry_point(pkg, ep, python)
                files.append(f)
                paths.append(d)
        return files, paths

    def link_entry(self, pkg: str, directory: Path, entry: PathEntry, rel: str) -> dict:
        """Link one path of a package to ``rel``; returns its paths_data entry."""
        src = directory / entry.path
        dst = self.prefix / rel
        data = entry.to_json()
        data["_path"] = rel
        try:
            if entry.path_type == DIRECTORY:
                if os.path.lexists(dst) and not os.path.isdir(dst):
                    raise PathConflictError(pkg, rel, "a file")
                self._ensure_parent(pkg, rel + "/x")
                if not os.path.isdir(dst):
                    self.journal.makedirs(dst)
                return data
            self._ensure_parent(pkg, rel)
            self._make_room(pkg, rel, dst)
            if os.path.islink(src):
                os.symlink(os.readlink(src), dst)
            elif entry.prefix_placeholder and not entry.no_link:
                self._relocated_copy(pkg, rel, entry, src, dst, data)
            elif entry.no_link:
                shutil.copy2(src, dst, follow_symlinks=False)
            else:
                self._place(src, dst)
            self.journal.created(dst)
        except (PathConflictError, BinaryPrefixTooLong):
            raise
        except FileNotFoundError as exc:
            missing = exc.filename if exc.filename else str(src)
            raise LinkError(pkg, rel, f"{missing} is missing") from None
        except OSError as exc:
            raise LinkError(pkg, rel, exc.strerror or str(exc)) from None
        self.owners[rel] = pkg
        return data

    def _relocated_copy(self, pkg: str, rel: str, entry: PathEntry, src: Path, dst: Path,
                        data: dict) -> None:
        raw = src.read_bytes()
        placeholder = entry.prefix_placeholder or ""
        if (entry.file_mode or "text") == "binary":
            try:
                new = replace_binary(raw, placeholder, self.text_prefix)
            except PrefixTooLong:
                raise BinaryPrefixTooLong(pkg, rel, placeholder, self.text_prefix) from None
        else:
            new = replace_text(raw, placeholder, self.text_prefix)
        with open(dst, "wb") as f:
            f.write(new)
        shutil.copymode(src, dst)
        if new != raw:
            data["sha256_in_prefix"] = hashlib.sha256(new).hexdigest()
        data["size_in_bytes"] = len(new) if data.get("size_in_bytes") is None else data["size_in_bytes"]

    def _entry_point(self, pkg: str, text: str, python: PythonInfo) -> Tuple[str, dict]:
        try:
            name, module, func = parse_entry_point(text)
        except ValueError as exc:
            raise LinkError(pkg, text, str(exc)) from None
        rel = f"{python.bin_dir}/{name}"
        dst = self.prefix / rel
        self._ensure_parent(pkg, rel)
        self._make_room(pkg, rel, dst)
        python_path = os.path.join(self.text_prefix, python.executable)
        body = entry_point_script(python_path, module, func).encode()
        with open(dst, "wb") as f:
            f.write(body)
        self.journal.created(dst)
        os.chmod(dst, 0o755)
        self.owners[rel] = pkg
        return rel, {"_path": rel, "path_type": ENTRY_POINT,
                     "sha256": hashlib.sha256(body).hexdigest(), "size_in_bytes": len(body)}


def verify_file(prefix: Path, entry: Dict[str, Any]) -> Optional[str]:
    """Why a linked file does not match its paths_data entry (None when it does)."""
    path = prefix / entry["_path"]
    if not os.path.lexists(path):
        return "missing"
    if entry.get("path_type") in (SOFTLINK, DIRECTORY) or os.path.islink(path):
        return None
    want = entry.get("sha256_in_prefix") or entry.get("sha256")
    if want and _sha256_file(path) != want:
        return "sha256 mismatch"
    return None
