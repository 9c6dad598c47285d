"""Writing conda packages: ``compress`` a folder, ``transmute`` between formats.

Public API::

    compress(folder, archive, *, level=None, threads=None) -> str
    transmute(infile, outfile=None, *, level=None, threads=None) -> str

The format follows the archive's extension. Output is deterministic: members
sorted by path (``info/`` first in a ``.tar.bz2``; in a ``.conda`` ``info/``
goes to ``info-<stem>.tar.zst`` and the rest to ``pkg-<stem>.tar.zst``), owners
anonymised (uid/gid 0, no names), modes limited to the permission bits, mtimes
those of the files (clamped to ``$SOURCE_DATE_EPOCH`` when set), zip entries
stored with a fixed date. Levels default to micromamba's: bzip2 9, zstd 15.
The archive is written next to its final name and renamed into place.
"""
from __future__ import annotations

import os
import stat
import tarfile
import tempfile
import zipfile
from contextlib import contextmanager
from typing import IO, Iterator, List, Optional, Tuple

from umm.package.errors import CompressError, InvalidArchive
from umm.package.extract import normalize_member
from umm.package.formats import CONDA, TAR_BZ2, archive_format, open_components, strip_extension
from umm.package.tarstream import ChunkReader, iter_members

DEFAULT_BZ2_LEVEL = 9
DEFAULT_ZSTD_LEVEL = 15
METADATA_JSON = b'{"conda_pkg_format_version": 2}'
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
_SPOOL = 64 << 20
_ZIP64_MARGIN = 1 << 24


def _levels(fmt: str, level: Optional[int]) -> int:
    if fmt == TAR_BZ2:
        if level is None or level < 0:
            return DEFAULT_BZ2_LEVEL
        if not 0 <= level <= 9:
            raise CompressError(str(level), "bzip2 compression level must be 0-9")
        return max(1, level)
    if level is None or level < 0:
        return DEFAULT_ZSTD_LEVEL
    if not 1 <= level <= 22:
        raise CompressError(str(level), "zstd compression level must be 1-22")
    return level


def _zstd_threads(threads: Optional[int]) -> int:
    if threads is None or threads in (0, 1):
        return 0
    if threads < 0:
        return -1
    return threads


class _Entry:
    __slots__ = ("rel", "path", "st")

    def __init__(self, rel: str, path: str, st: os.stat_result) -> None:
        self.rel = rel
        self.path = path
        self.st = st


def _collect(folder: str) -> List[_Entry]:
    if not os.path.isdir(folder):
        raise CompressError(folder, "not a directory")
    entries: List[_Entry] = []
    for top, dirs, files in os.walk(folder, followlinks=False):
        names = list(files)
        keep = []
        for d in dirs:
            p = os.path.join(top, d)
            if os.path.islink(p):
                names.append(d)
            else:
                keep.append(d)
        dirs[:] = sorted(keep)
        rel_top = os.path.relpath(top, folder)
        if rel_top != "." and not files and not dirs and not names:
            entries.append(_Entry(rel_top.replace(os.sep, "/"), top, os.lstat(top)))
        for name in names:
            p = os.path.join(top, name)
            rel = name if rel_top == "." else os.path.join(rel_top, name)
            entries.append(_Entry(rel.replace(os.sep, "/"), p, os.lstat(p)))
    entries.sort(key=lambda e: e.rel)
    return entries


def _epoch_clamp() -> Optional[int]:
    value = os.environ.get("SOURCE_DATE_EPOCH")
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _tarinfo(entry: _Entry, clamp: Optional[int]) -> tarfile.TarInfo:
    st = entry.st
    ti = tarfile.TarInfo(entry.rel)
    mtime = int(st.st_mtime)
    ti.mtime = min(mtime, clamp) if clamp is not None else mtime
    ti.mode = stat.S_IMODE(st.st_mode) & 0o777
    ti.uid = ti.gid = 0
    ti.uname = ti.gname = ""
    if stat.S_ISLNK(st.st_mode):
        ti.type = tarfile.SYMTYPE
        ti.linkname = os.readlink(entry.path)
    elif stat.S_ISREG(st.st_mode):
        ti.type = tarfile.REGTYPE
        ti.size = st.st_size
    elif stat.S_ISDIR(st.st_mode):
        ti.type = tarfile.DIRTYPE
    else:
        raise CompressError(entry.path, "only files, directories and symlinks can be packed")
    return ti


@contextmanager
def _tar_writer(out: IO[bytes]) -> Iterator[tarfile.TarFile]:
    tar = tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT,
                       encoding="utf-8", bufsize=1 << 16)
    try:
        yield tar
    finally:
        tar.close()


def _add_entries(tar: tarfile.TarFile, entries: List[_Entry], clamp: Optional[int]) -> None:
    for entry in entries:
        ti = _tarinfo(entry, clamp)
        if ti.type == tarfile.REGTYPE:
            with open(entry.path, "rb") as fh:
                tar.addfile(ti, fh)
        else:
            tar.addfile(ti)


@contextmanager
def _atomic_output(dest: str) -> Iterator[IO[bytes]]:
    directory = os.path.dirname(os.path.abspath(dest)) or "."
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(dest) + ".", suffix=".tmp",
                               dir=directory)
    ok = False
    try:
        with os.fdopen(fd, "w+b") as fh:
            yield fh
        os.chmod(tmp, 0o644 & ~_current_umask())
        os.replace(tmp, dest)
        ok = True
    finally:
        if not ok:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def _current_umask() -> int:
    from umm.package.extract import _umask

    return _umask()


def _zinfo(name: str) -> zipfile.ZipInfo:
    zi = zipfile.ZipInfo(name, date_time=ZIP_DATE)
    zi.compress_type = zipfile.ZIP_STORED
    zi.create_system = 3
    zi.external_attr = 0o100644 << 16
    return zi


def _zstd_writer(out: IO[bytes], level: int, threads: int):
    import zstandard

    cctx = zstandard.ZstdCompressor(level=level, threads=threads)
    return cctx.stream_writer(out, closefd=False)


def compress(folder: "str | os.PathLike[str]", archive: "str | os.PathLike[str]", *,
             level: Optional[int] = None, threads: Optional[int] = None) -> str:
    """Pack ``folder`` into ``archive`` (``.conda`` or ``.tar.bz2``); returns its path."""
    src = os.path.abspath(os.fspath(folder))
    dest = os.path.abspath(os.fspath(archive))
    try:
        fmt = archive_format(dest)
    except InvalidArchive:
        raise CompressError(dest, "the archive name must end in .conda or .tar.bz2") from None
    lvl = _levels(fmt, level)
    entries = _collect(src)
    if dest.startswith(src + os.sep):
        entries = [e for e in entries if os.path.abspath(e.path) != dest]
    clamp = _epoch_clamp()
    info = [e for e in entries if e.rel == "info" or e.rel.startswith("info/")]
    rest = [e for e in entries if not (e.rel == "info" or e.rel.startswith("info/"))]
    try:
        with _atomic_output(dest) as out:
            if fmt == TAR_BZ2:
                import bz2

                with bz2.BZ2File(out, "wb", compresslevel=lvl) as bz:
                    with _tar_writer(bz) as tar:  # type: ignore[arg-type]
                        _add_entries(tar, info + rest, clamp)
            else:
                total = sum(e.st.st_size for e in entries)
                big = total + 1024 * len(entries) > zipfile.ZIP64_LIMIT - _ZIP64_MARGIN
                stem = strip_extension(os.path.basename(dest))
                nthreads = _zstd_threads(threads)
                with zipfile.ZipFile(out, "w", allowZip64=True) as zf:
                    zf.writestr(_zinfo("metadata.json"), METADATA_JSON)
                    for prefix, part in (("pkg", rest), ("info", info)):
                        with zf.open(_zinfo(f"{prefix}-{stem}.tar.zst"), "w",
                                     force_zip64=big) as member:
                            with _zstd_writer(member, lvl, nthreads) as zw:
                                with _tar_writer(zw) as tar:
                                    _add_entries(tar, part, clamp)
    except OSError as exc:
        raise CompressError(src, exc.strerror or str(exc)) from None
    return dest


# -- transmute ----------------------------------------------------------------
class _MemberData:
    """``read(n)`` over the next ``size`` bytes of a tar stream."""

    __slots__ = ("_reader", "_left")

    def __init__(self, reader: ChunkReader, size: int) -> None:
        self._reader = reader
        self._left = size

    def read(self, n: int = -1) -> bytes:
        if n < 0 or n > self._left:
            n = self._left
        n = min(n, 1 << 20)
        data = self._reader.read(n) if n else b""
        self._left -= len(data)
        return data


def _copy_member(path: str, info: tarfile.TarInfo, size: int, reader: ChunkReader,
                 tar: tarfile.TarFile) -> None:
    rel = normalize_member(path, info.name)
    if not rel:
        return
    if info.type in (tarfile.CHRTYPE, tarfile.BLKTYPE, tarfile.FIFOTYPE):
        raise InvalidArchive(path, "device files and fifos cannot be packed", info.name)
    if info.sparse is not None:
        raise InvalidArchive(path, "sparse members are not supported by transmute", info.name)
    ti = tarfile.TarInfo(rel)
    ti.mtime = int(info.mtime) if info.mtime and info.mtime > 0 else 0
    ti.mode = info.mode & 0o777
    ti.uid = ti.gid = 0
    ti.uname = ti.gname = ""
    if info.isdir():
        ti.type = tarfile.DIRTYPE
        tar.addfile(ti)
    elif info.issym():
        ti.type = tarfile.SYMTYPE
        ti.linkname = info.linkname
        tar.addfile(ti)
    elif info.islnk():
        ti.type = tarfile.LNKTYPE
        ti.linkname = normalize_member(path, info.linkname)
        tar.addfile(ti)
    elif info.isreg():
        ti.type = tarfile.REGTYPE
        ti.size = size
        try:
            tar.addfile(ti, _MemberData(reader, size))  # type: ignore[arg-type]
        except tarfile.ReadError:
            raise InvalidArchive(path, "truncated tar stream (data ends early)", info.name) from None
    else:
        raise InvalidArchive(path, f"unsupported tar member type {info.type!r}", info.name)


def _is_info(name: str) -> bool:
    parts = [p for p in name.split("/") if p not in ("", ".")]
    return bool(parts) and parts[0] == "info"


def transmute(infile: "str | os.PathLike[str]", outfile: "str | os.PathLike[str] | None" = None,
              *, level: Optional[int] = None, threads: Optional[int] = None) -> str:
    """Convert ``.tar.bz2`` <-> ``.conda``; by default the output sits next to ``infile``."""
    src = os.path.abspath(os.fspath(infile))
    fmt = archive_format(src)
    if outfile is None:
        other = CONDA if fmt == TAR_BZ2 else TAR_BZ2
        dest = strip_extension(src) + other
    else:
        dest = os.path.abspath(os.fspath(outfile))
    out_fmt = archive_format(dest)
    if out_fmt == fmt:
        raise CompressError(src, f"{dest} has the same format as the input")
    lvl = _levels(out_fmt, level)
    try:
        with open_components(src) as comps, _atomic_output(dest) as out:
            if out_fmt == TAR_BZ2:
                import bz2

                with bz2.BZ2File(out, "wb", compresslevel=lvl) as bz:
                    with _tar_writer(bz) as tar:  # type: ignore[arg-type]
                        for comp in comps:
                            with comp.source(src) as source:
                                reader = ChunkReader(source, src)
                                for info, size in iter_members(reader):
                                    _copy_member(src, info, size, reader, tar)
            else:
                _to_conda(src, dest, comps[0], out, lvl, _zstd_threads(threads))
    except OSError as exc:
        raise CompressError(src, exc.strerror or str(exc)) from None
    return dest


def _to_conda(src: str, dest: str, comp, out: IO[bytes], level: int, threads: int) -> None:
    stem = strip_extension(os.path.basename(dest))
    size = os.path.getsize(src)
    big = size * 20 > zipfile.ZIP64_LIMIT - _ZIP64_MARGIN
    with tempfile.SpooledTemporaryFile(max_size=_SPOOL) as spool:
        with zipfile.ZipFile(out, "w", allowZip64=True) as zf:
            zf.writestr(_zinfo("metadata.json"), METADATA_JSON)
            with zf.open(_zinfo(f"pkg-{stem}.tar.zst"), "w", force_zip64=big) as member:
                with _zstd_writer(member, level, threads) as pkg_z, \
                        _zstd_writer(spool, level, threads) as info_z:  # type: ignore[arg-type]
                    with _tar_writer(pkg_z) as pkg_tar, _tar_writer(info_z) as info_tar:
                        with comp.source(src) as source:
                            reader = ChunkReader(source, src)
                            for info, sz in iter_members(reader):
                                tar = info_tar if _is_info(info.name) else pkg_tar
                                _copy_member(src, info, sz, reader, tar)
            spool.seek(0)
            with zf.open(_zinfo(f"info-{stem}.tar.zst"), "w", force_zip64=big) as member:
                while True:
                    block = spool.read(1 << 20)
                    if not block:
                        break
                    member.write(block)


def member_names(archive: "str | os.PathLike[str]") -> List[Tuple[str, str]]:
    """``(component, normalized name)`` of every member, in archive order (for tests/tools)."""
    path = os.fspath(archive)
    names: List[Tuple[str, str]] = []
    with open_components(path) as comps:
        for comp in comps:
            with comp.source(path) as source:
                reader = ChunkReader(source, path)
                for info, _ in iter_members(reader):
                    names.append((comp.kind, normalize_member(path, info.name)))
    return names
