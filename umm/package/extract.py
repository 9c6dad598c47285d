"""Safe, streamed extraction of ``.conda`` and ``.tar.bz2`` packages.

Public API::

    extract(archive, dest, *, limits=DEFAULT_LIMITS, reporter=NULL) -> ExtractResult
    extract_many(jobs, *, threads, limits=DEFAULT_LIMITS, reporter=NULL) -> list[ExtractResult]
    ExtractLimits(max_total_size, max_ratio, ratio_floor, max_members)

Decompression of each tar component is streamed (no temp copy) and, for
components larger than 1 MiB, runs in its own thread ahead of the writes
(zstd and bz2 release the GIL); ``extract_many`` extracts several packages in
parallel. Everything a member would do is checked before it is done, and an
offending member raises :class:`UnsafeArchive` naming it:

* absolute names, ``..`` components -> rejected;
* a write whose parent path is a symlink (link-then-write-through) -> rejected;
* symlinks whose target is absolute or resolves (through other links of the
  archive or of ``dest``) outside ``dest`` -> rejected, checked again once the
  whole archive is out (ordering tricks);
* hardlinks to anything but a regular file extracted earlier from the archive;
* character/block devices and fifos -> rejected; unknown member types -> invalid;
* setuid/setgid/sticky bits dropped; owners never changed;
* sizes: a member or the total over ``max_total_size``, or an expansion ratio
  over ``max_ratio`` (once past ``ratio_floor`` bytes) -> rejected as a bomb;
* duplicated members: the last one wins, never writing through what the first
  one left (existing paths are unlinked, files are created ``O_EXCL``).

A symlink with an empty target cannot exist on POSIX; it is written as an
empty file (what the ``.tar.bz2`` of the same package holds) with a warning.
"""
from __future__ import annotations

import os
import stat
import tarfile
import threading
from functools import partial
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

from umm.package._pool import DaemonPool, wait_all
from umm.package.errors import ExtractError, InvalidArchive, UnsafeArchive
from umm.package.formats import open_components
from umm.package.tarstream import ChunkReader, iter_members, write_all
from umm.reporter import NULL, Reporter

GiB = 1 << 30


class ExtractLimits:
    """Limits against archive bombs (immutable)."""

    __slots__ = ("max_total_size", "max_ratio", "ratio_floor", "max_members")

    def __init__(self, max_total_size: int = 64 * GiB, max_ratio: float = 1000.0,
                 ratio_floor: int = 1 * GiB, max_members: int = 2_000_000) -> None:
        object.__setattr__(self, "max_total_size", int(max_total_size))
        object.__setattr__(self, "max_ratio", float(max_ratio))
        object.__setattr__(self, "ratio_floor", int(ratio_floor))
        object.__setattr__(self, "max_members", int(max_members))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("ExtractLimits is immutable")

    def allowed_size(self, compressed: int) -> int:
        """The most bytes an archive of ``compressed`` bytes may expand to."""
        by_ratio = max(int(compressed * self.max_ratio), self.ratio_floor)
        return min(self.max_total_size, by_ratio)

    def __repr__(self) -> str:
        return (f"ExtractLimits(max_total_size={self.max_total_size}, max_ratio={self.max_ratio:g}, "
                f"ratio_floor={self.ratio_floor}, max_members={self.max_members})")


DEFAULT_LIMITS = ExtractLimits()


class ExtractResult:
    """What an extraction wrote (immutable)."""

    __slots__ = ("archive", "dest", "members", "files", "size")

    def __init__(self, archive: str, dest: str, members: int, files: int, size: int) -> None:
        object.__setattr__(self, "archive", archive)
        object.__setattr__(self, "dest", dest)
        object.__setattr__(self, "members", members)
        object.__setattr__(self, "files", files)
        object.__setattr__(self, "size", size)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("ExtractResult is immutable")

    def __repr__(self) -> str:
        return (f"ExtractResult({self.archive!r} -> {self.dest!r}: {self.members} members, "
                f"{self.files} files, {self.size} bytes)")


_umask_lock = threading.Lock()
_umask_value: Optional[int] = None


def _umask() -> int:
    global _umask_value
    if _umask_value is None:
        with _umask_lock:
            if _umask_value is None:
                value = None
                try:
                    with open("/proc/self/status", "rb") as fh:
                        for line in fh:
                            if line.startswith(b"Umask:"):
                                value = int(line.split()[1], 8)
                except (OSError, ValueError):
                    value = None
                if value is None:
                    value = os.umask(0o022)
                    os.umask(value)
                _umask_value = value
    return _umask_value


def normalize_member(archive: str, name: str) -> str:
    """The safe relative path of a member name ('' for the root itself)."""
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":" and name[0].isalpha()):
        raise UnsafeArchive(archive, name, "has an absolute path")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise UnsafeArchive(archive, name, "has a '..' component (path traversal)")
    return "/".join(parts)


_O_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) \
    | getattr(os, "O_CLOEXEC", 0)


class _Writer:
    """Extracts members below ``root``, keeping the state the safety checks need."""

    def __init__(self, archive: str, root: str, limits: ExtractLimits, compressed: int,
                 reporter: Reporter) -> None:
        self.archive = archive
        self.root = root
        self.limits = limits
        self.allowed = limits.allowed_size(compressed)
        self.reporter = reporter
        self.dirs: Set[str] = {""}  # relative dirs known to be real directories
        self.symlinks: Dict[str, str] = {}  # relative path -> link target
        self.files: Set[str] = set()  # regular files written by this archive
        self.dir_modes: Dict[str, int] = {}
        self.members = 0
        self.nfiles = 0
        self.size = 0

    # -- paths -------------------------------------------------------------
    def _abs(self, rel: str) -> str:
        return os.path.join(self.root, rel) if rel else self.root

    def _ensure_dir(self, rel: str, member: str) -> None:
        """``rel`` (and its parents) exist as real directories, never through a symlink."""
        if rel in self.dirs:
            return
        parts = rel.split("/")
        for i in range(1, len(parts) + 1):
            sub = "/".join(parts[:i])
            if sub in self.dirs:
                continue
            if sub in self.symlinks:
                raise UnsafeArchive(self.archive, member, f"would write through the symlink '{sub}'")
            path = self._abs(sub)
            try:
                st = os.lstat(path)
            except FileNotFoundError:
                try:
                    os.mkdir(path)
                except FileExistsError:
                    st = os.lstat(path)
                else:
                    self.dirs.add(sub)
                    continue
            if stat.S_ISLNK(st.st_mode):
                raise UnsafeArchive(self.archive, member, f"would write through the symlink '{sub}'")
            if not stat.S_ISDIR(st.st_mode):
                raise InvalidArchive(self.archive, f"'{sub}' is a file, not a directory", member)
            self.dirs.add(sub)

    def _clear(self, rel: str, member: str) -> str:
        """The absolute path for ``rel`` with its parents ready and nothing at it."""
        parent = rel.rpartition("/")[0]
        self._ensure_dir(parent, member)
        path = self._abs(rel)
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            return path
        if stat.S_ISDIR(st.st_mode):
            raise InvalidArchive(self.archive, "a directory of the same name is already there",
                                 member)
        os.unlink(path)
        self.files.discard(rel)
        self.symlinks.pop(rel, None)
        return path

    def _check_target(self, rel: str, target: str, member: str) -> None:
        """``target`` of a symlink at ``rel`` must resolve inside the root."""
        if target.startswith("/"):
            raise UnsafeArchive(self.archive, member, f"is a symlink to the absolute path '{target}'")
        stack = rel.split("/")[:-1]
        pending = target.split("/")
        hops = 0
        while pending:
            comp = pending.pop(0)
            if comp in ("", "."):
                continue
            if comp == "..":
                if not stack:
                    raise UnsafeArchive(self.archive, member,
                                        f"is a symlink to '{target}', outside the package")
                stack.pop()
                continue
            stack.append(comp)
            cur = "/".join(stack)
            link = self.symlinks.get(cur)
            if link is None and cur not in self.dirs and cur not in self.files:
                try:
                    link = os.readlink(self._abs(cur))
                except OSError:
                    link = None  # missing or not a symlink: a plain component
            if link is not None:
                hops += 1
                if hops > 40:
                    raise UnsafeArchive(self.archive, member, "is part of a symlink loop")
                if link.startswith("/"):
                    raise UnsafeArchive(self.archive, member,
                                        f"resolves through '{cur}' to the absolute path '{link}'")
                stack.pop()
                pending = link.split("/") + pending

    def _count(self, member: str, size: int) -> None:
        self.members += 1
        if self.members > self.limits.max_members:
            raise UnsafeArchive(self.archive, member,
                                f"is over the limit of {self.limits.max_members} members")
        if size > self.limits.max_total_size or self.size + size > self.allowed:
            raise UnsafeArchive(self.archive, member,
                                f"declares {size} bytes: the archive would expand past "
                                f"{self.allowed} bytes (bomb limit)")
        self.size += size

    # -- members -----------------------------------------------------------
    def member(self, info: tarfile.TarInfo, data: int, reader: ChunkReader) -> None:
        name = info.name
        rel = normalize_member(self.archive, name)
        try:
            self._member(info, rel, data, reader)
        except OSError as exc:
            raise ExtractError(self.archive, name, exc) from None

    def _member(self, info: tarfile.TarInfo, rel: str, data: int, reader: ChunkReader) -> None:
        name = info.name
        if info.type in (tarfile.CHRTYPE, tarfile.BLKTYPE):
            raise UnsafeArchive(self.archive, name, "is a device file")
        if info.type == tarfile.FIFOTYPE:
            raise UnsafeArchive(self.archive, name, "is a fifo")
        if info.isdir():
            self._count(name, 0)
            self._ensure_dir(rel, name)
            self.dir_modes[rel] = info.mode
            return
        if not rel:
            raise InvalidArchive(self.archive, "a non-directory member names the root", name)
        if info.issym():
            self._count(name, 0)
            self._symlink(info, rel)
        elif info.islnk():
            self._count(name, 0)
            self._hardlink(info, rel)
        elif info.isreg():
            self._count(name, info.size)
            self._file(info, rel, data, reader)
        else:
            raise InvalidArchive(self.archive, f"unsupported tar member type {info.type!r}", name)

    def _create(self, rel: str, member: str, mode: int) -> int:
        """A new file at ``rel`` (whatever was there unlinked first, never written through)."""
        parent = rel.rpartition("/")[0]
        if parent not in self.dirs:
            self._ensure_dir(parent, member)
        try:
            return os.open(self._abs(rel), _O_CREATE, mode)
        except FileExistsError:
            return os.open(self._clear(rel, member), _O_CREATE, mode)

    def _file(self, info: tarfile.TarInfo, rel: str, data: int, reader: ChunkReader) -> None:
        fd = self._create(rel, info.name, (info.mode & 0o777) | 0o400)
        write = partial(write_all, fd)
        try:
            if info.sparse is not None:
                for offset, length in info.sparse:
                    if offset < 0 or length < 0 or offset + length > info.size:
                        raise InvalidArchive(self.archive, "bad sparse map", info.name)
                    os.lseek(fd, offset, os.SEEK_SET)
                    if reader.copy_to(write, length) != length:
                        raise InvalidArchive(self.archive, "truncated tar stream (data ends early)",
                                             info.name)
                os.ftruncate(fd, info.size)
            elif reader.copy_to(write, data) != data:
                raise InvalidArchive(self.archive, "truncated tar stream (data ends early)",
                                     info.name)
            mtime = int(info.mtime) if info.mtime and info.mtime > 0 else 0
            os.utime(fd, (mtime, mtime))
        finally:
            os.close(fd)
        self.files.add(rel)
        self.nfiles += 1

    def _symlink(self, info: tarfile.TarInfo, rel: str) -> None:
        target = info.linkname
        if not target:
            os.close(self._create(rel, info.name, 0o644))
            self.files.add(rel)
            self.nfiles += 1
            self.reporter.warning(f"{os.path.basename(self.archive)}: symlink '{info.name}' has "
                                  "an empty target; written as an empty file")
            return
        self._check_target(rel, target, info.name)
        path = self._clear(rel, info.name)
        os.symlink(target, path)
        self.symlinks[rel] = target
        self.nfiles += 1

    def _hardlink(self, info: tarfile.TarInfo, rel: str) -> None:
        try:
            src = normalize_member(self.archive, info.linkname) if info.linkname else ""
        except UnsafeArchive:
            raise UnsafeArchive(self.archive, info.name,
                                f"is a hardlink to '{info.linkname}', outside the package") from None
        if src in self.symlinks:
            target = self.symlinks[src]
            self._check_target(rel, target, info.name)
            path = self._clear(rel, info.name)
            os.symlink(target, path)
            self.symlinks[rel] = target
            self.nfiles += 1
            return
        if src not in self.files:
            raise UnsafeArchive(self.archive, info.name,
                                f"is a hardlink to '{info.linkname}', which is not a file "
                                "extracted from this archive")
        if src == rel:
            return
        path = self._clear(rel, info.name)
        source = self._abs(src)
        try:
            os.link(source, path, follow_symlinks=False)
        except OSError:
            import shutil

            shutil.copy2(source, path, follow_symlinks=False)
        self.files.add(rel)
        self.nfiles += 1

    def finish(self) -> None:
        """Re-check every symlink against the final tree, then set directory modes."""
        for rel, target in list(self.symlinks.items()):
            try:
                self._check_target(rel, target, rel)
            except UnsafeArchive:
                try:
                    os.unlink(self._abs(rel))
                except OSError:
                    pass
                raise
        if self.dir_modes:
            umask = _umask()
            for rel, mode in self.dir_modes.items():
                wanted = ((mode & 0o777) | 0o700) & ~umask
                os.chmod(self._abs(rel), wanted)


def extract(archive: "str | os.PathLike[str]", dest: "str | os.PathLike[str]", *,
            limits: ExtractLimits = DEFAULT_LIMITS, reporter: Reporter = NULL,
            threaded: Optional[bool] = None) -> ExtractResult:
    """Extract ``archive`` into ``dest`` (created if missing); see the module doc.

    ``threaded`` forces decompression in a producer thread on or off (default:
    on for components over 1 MiB compressed).
    """
    spath = os.fspath(archive)
    dest_path = os.path.abspath(os.fspath(dest))
    try:
        os.makedirs(dest_path, exist_ok=True)
    except OSError as exc:
        raise ExtractError(spath, ".", exc) from None
    try:
        compressed = os.path.getsize(spath)
    except OSError:
        compressed = 0
    with open_components(spath) as components:
        writer = _Writer(spath, os.path.realpath(dest_path), limits, compressed, reporter)
        for comp in components:
            with comp.source(spath, threaded) as src:
                reader = ChunkReader(src, spath)
                for info, data in iter_members(reader):
                    writer.member(info, data, reader)
        try:
            writer.finish()
        except OSError as exc:
            raise ExtractError(spath, ".", exc) from None
    return ExtractResult(spath, dest_path, writer.members, writer.nfiles, writer.size)


def extract_many(jobs: Iterable[Tuple["str | os.PathLike[str]", "str | os.PathLike[str]"]], *,
                 threads: int = 0, limits: ExtractLimits = DEFAULT_LIMITS,
                 reporter: Reporter = NULL) -> List[ExtractResult]:
    """Extract ``(archive, dest)`` pairs, ``threads`` at a time (0: one per CPU, max 8).

    Results are in the order of ``jobs``. The first error is raised once the
    running extractions are over; jobs not started yet are dropped.
    """
    pairs: Sequence[Tuple["str | os.PathLike[str]", "str | os.PathLike[str]"]] = list(jobs)
    if not pairs:
        return []
    workers = threads if threads and threads > 0 else min(8, os.cpu_count() or 1)
    workers = max(1, min(workers, len(pairs)))

    def one(pair: Tuple["str | os.PathLike[str]", "str | os.PathLike[str]"]) -> ExtractResult:
        key = os.path.basename(os.fspath(pair[0]))
        reporter.start("extract", key, key, None)
        try:
            result = extract(pair[0], pair[1], limits=limits, reporter=reporter)
        except BaseException:
            reporter.finish("extract", key, ok=False)
            raise
        reporter.finish("extract", key, ok=True)
        return result

    if workers == 1:
        return [one(p) for p in pairs]
    pool = DaemonPool(workers, "umm-extract")
    futures = [pool.submit(one, p) for p in pairs]
    try:
        wait_all(futures)
    except BaseException:
        for f in futures:
            f.cancel()
        pool.shutdown(wait=False)
        raise
    pool.shutdown(wait=True)
    return [f.result() for f in futures]
