"""Linking one extracted package into a prefix (and the options that steer it)."""
from __future__ import annotations

import errno
import hashlib
import os
import shutil
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Set, Tuple

from umm.install.errors import (BinaryPrefixTooLong, LinkError, NoPythonForNoarch,
                                PathConflictError, SafetyCheckFailed)
from umm.install.journal import Journal
from umm.install.noarch import PythonInfo, entry_point_script, parse_entry_point
from umm.install.package_info import DIRECTORY, ENTRY_POINT, SOFTLINK, PackageInfo, PathEntry
from umm.install.relocate import PrefixTooLong, replace_binary, replace_text

# conda's LinkType values, as written in conda-meta's "link": {"type": N}
LINK_HARD, LINK_SOFT, LINK_COPY, LINK_DIRECTORY = 1, 2, 3, 4


class LinkOptions:
    """How files get into the prefix (micromamba's link configuration keys)."""

    __slots__ = ("always_copy", "allow_softlinks", "always_softlink", "compile_pyc",
                 "relocate_prefix", "execute_link_scripts", "extra_safety_checks")

    def __init__(self, always_copy: bool = False, allow_softlinks: bool = False,
                 always_softlink: bool = False, compile_pyc: bool = True,
                 relocate_prefix: Optional[str] = None, execute_link_scripts: bool = True,
                 extra_safety_checks: bool = False) -> None:
        for k, v in (("always_copy", always_copy), ("allow_softlinks", allow_softlinks),
                     ("always_softlink", always_softlink), ("compile_pyc", compile_pyc),
                     ("relocate_prefix", relocate_prefix),
                     ("execute_link_scripts", execute_link_scripts),
                     ("extra_safety_checks", extra_safety_checks)):
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
    another's file. The files of one package are linked by a few threads (the
    system calls release the GIL); directories are made first, in order, so the
    journal always records a directory before anything inside it.
    """

    THREADS = 4
    PARALLEL_MIN = 64

    def __init__(self, prefix: Path, journal: Journal, options: LinkOptions,
                 owners: Dict[str, str],
                 on_clobber: Callable[[str, Optional[str], str], None],
                 on_warning: Optional[Callable[[str], None]] = None) -> None:
        self.prefix = prefix
        self._prefix = str(prefix)
        self.on_warning = on_warning or (lambda text: None)
        self.journal = journal
        self.options = options
        self.owners = owners
        self.on_clobber = on_clobber
        self.text_prefix = options.relocate_prefix or str(prefix)
        self._dirs: Set[str] = set()     # known to exist
        self._fresh: Set[str] = set()    # made by this transaction: only our files inside

    # -- helpers -----------------------------------------------------------
    def _ensure_dir(self, pkg: str, rel_dir: str, what: str) -> None:
        if not rel_dir or rel_dir in self._dirs:
            return
        full = os.path.join(self._prefix, rel_dir)
        probe = full
        missing = []
        while not os.path.lexists(probe):
            missing.append(probe)
            probe = os.path.dirname(probe)
        if not os.path.isdir(probe):
            raise PathConflictError(pkg, what, f"below the file {os.path.relpath(probe, self._prefix)}")
        if missing:
            self.journal.makedirs(Path(full))
            for m in missing:
                self._fresh.add(os.path.relpath(m, self._prefix))
        d = rel_dir
        while d and d not in self._dirs:
            self._dirs.add(d)
            d = os.path.dirname(d)

    def _make_room(self, pkg: str, rel: str, dst: str) -> None:
        if rel not in self.owners and os.path.dirname(rel) in self._fresh:
            return  # a directory we just made holds only files we linked
        if not os.path.lexists(dst):
            return
        if os.path.isdir(dst) and not os.path.islink(dst):
            raise PathConflictError(pkg, rel, "a directory")
        previous = self.owners.get(rel)
        if previous is not None and previous != pkg:
            self.on_clobber(rel, previous, pkg)
        self.journal.move_away(Path(dst))

    def _place(self, src: str, dst: str) -> int:
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

    # -- packages ----------------------------------------------------------
    def _targets(self, info: PackageInfo, python: Optional[PythonInfo]) -> List[Tuple[PathEntry, str]]:
        out = []
        for entry, rel in target_paths(info, python):
            if entry.path_type == SOFTLINK and not os.path.lexists(info.directory / entry.path):
                # archives whose symlink has no target (an empty link name) extract
                # to nothing: there is no file to link, so the record must not list one
                self.on_warning(f"{info.name}: symlink {entry.path} has no target in the package; "
                                "skipped")
                continue
            out.append((entry, rel))
        return out

    def link(self, info: PackageInfo, python: Optional[PythonInfo]) -> Tuple[List[str], List[dict]]:
        """Link every path of one package; returns (files, paths_data entries)."""
        return self.link_many([info], python)[0]

    def link_many(self, infos: List[PackageInfo],
                  python: Optional[PythonInfo]) -> List[Tuple[List[str], List[dict]]]:
        """Link packages (given in dependency order); returns (files, paths_data) of each.

        Packages are linked concurrently, except paths that several of them write:
        those are linked afterwards, in order, so the last package wins.
        """
        targets = [self._targets(info, python) for info in infos]
        seen: Dict[str, int] = {}
        for tlist in targets:
            for _, rel in tlist:
                seen[rel] = seen.get(rel, 0) + 1
        contested = {rel for rel, n in seen.items() if n > 1}
        results: List[Dict[str, dict]] = [{} for _ in infos]

        def task(i: int) -> None:
            info = infos[i]
            out = results[i]
            for _entry, rel in targets[i]:
                self._ensure_dir(info.name, os.path.dirname(rel), rel)
            for entry, rel in targets[i]:
                if rel not in contested:
                    out[rel] = self.link_entry(info.name, info.directory, entry, rel)
            if self.options.extra_safety_checks:
                for _entry, rel in targets[i]:
                    if rel in out:
                        self._verify(info.name, out[rel])

        total = sum(len(t) for t in targets)
        if len(infos) > 1 and total >= self.PARALLEL_MIN and self.THREADS > 1:
            from concurrent.futures import ThreadPoolExecutor

            pool = ThreadPoolExecutor(self.THREADS)
            try:
                futures = [pool.submit(task, i) for i in range(len(infos))]
                for f in futures:
                    f.result()
            finally:
                pool.shutdown(wait=True, cancel_futures=True)
        else:
            for i in range(len(infos)):
                task(i)
        for i, info in enumerate(infos):  # shared paths, in order: last writer wins
            for entry, rel in targets[i]:
                if rel in contested:
                    results[i][rel] = self.link_entry(info.name, info.directory, entry, rel)
        out: List[Tuple[List[str], List[dict]]] = []
        for i, info in enumerate(infos):
            paths = [results[i][rel] for _, rel in targets[i]]
            files = [rel for entry, rel in targets[i] if entry.path_type != DIRECTORY]
            if info.noarch == "python" and info.entry_points and python is not None:
                for ep in info.entry_points:
                    f, d = self._entry_point(info.name, ep, python)
                    files.append(f)
                    paths.append(d)
            out.append((files, paths))
        return out

    def _verify(self, pkg: str, data: Dict[str, Any]) -> None:
        problem = verify_file(self.prefix, data)
        if problem is not None:
            raise SafetyCheckFailed(pkg, data["_path"], problem)

    def link_entry(self, pkg: str, directory: Path, entry: PathEntry, rel: str) -> dict:
        """Link one path of a package to ``rel``; returns its paths_data entry."""
        src = os.path.join(directory, entry.path)
        dst = os.path.join(self._prefix, rel)
        data = entry.to_json()
        data["_path"] = rel
        try:
            if entry.path_type == DIRECTORY:
                if os.path.lexists(dst) and not os.path.isdir(dst):
                    raise PathConflictError(pkg, rel, "a file")
                self._ensure_dir(pkg, rel, rel)
                return data
            self._ensure_dir(pkg, os.path.dirname(rel), rel)
            self._make_room(pkg, rel, dst)
            self.journal.created(dst)  # recorded first: a kill may come at any point
            if entry.path_type == SOFTLINK and os.path.islink(src):
                os.symlink(os.readlink(src), dst)
            elif entry.prefix_placeholder and not entry.no_link:
                self._relocated_copy(pkg, rel, entry, Path(src), Path(dst), data)
            elif entry.no_link:
                shutil.copy2(src, dst, follow_symlinks=False)
            else:
                self._place(src, dst)
        except (PathConflictError, BinaryPrefixTooLong):
            raise
        except FileNotFoundError as exc:
            missing = exc.filename if exc.filename else src
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
        if "/" in name or "\\" in name or name in (".", ".."):
            raise LinkError(pkg, text, "an entry point's name must be a plain file name")
        rel = f"{python.bin_dir}/{name}"
        dst = self.prefix / rel
        self._ensure_dir(pkg, os.path.dirname(rel), rel)
        self._make_room(pkg, rel, str(dst))
        python_path = os.path.join(self.text_prefix, python.executable)
        body = entry_point_script(python_path, module, func).encode()
        self.journal.created(dst)
        with open(dst, "wb") as f:
            f.write(body)
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
