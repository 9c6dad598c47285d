"""The two conda package formats, as streams of tar data.

* ``.tar.bz2``: one bzip2-compressed tar of everything.
* ``.conda``: a zip (stored, zip64 allowed) holding ``metadata.json``
  (``{"conda_pkg_format_version": 2}``), ``info-<stem>.tar.zst`` (the ``info/``
  files) and ``pkg-<stem>.tar.zst`` (the rest). ``metadata.json`` and the
  ``pkg-`` component are optional (info-only packages exist).

:func:`open_components` yields, per tar component, a :class:`ChunkSource` of
decompressed tar bytes; nothing is copied to a temp file.
"""
from __future__ import annotations

import json
import os
import zipfile
from contextlib import contextmanager
from typing import IO, Callable, Iterator, List, Optional, Tuple

from umm.package.errors import InvalidArchive
from umm.package.tarstream import ChunkSource

CONDA = ".conda"
TAR_BZ2 = ".tar.bz2"
EXTENSIONS = (CONDA, TAR_BZ2)
ZSTD_MAX_WINDOW = 1 << 31  # as conda-package-streaming: packages made with --long exist
THREAD_THRESHOLD = 1 << 20  # compressed bytes above which decompression gets its own thread
SUPPORTED_CONDA_FORMAT = 2


def archive_format(path: "str | os.PathLike[str]") -> str:
    """``.conda`` or ``.tar.bz2`` by the file name; :class:`InvalidArchive` otherwise."""
    name = os.fspath(path)
    for ext in EXTENSIONS:
        if name.endswith(ext):
            return ext
    raise InvalidArchive(name, "not a conda package (expected a .conda or .tar.bz2 file name)")


def strip_extension(fn: str) -> str:
    """``zlib-1.2.11-h7b6447c_3.conda`` -> ``zlib-1.2.11-h7b6447c_3``."""
    for ext in EXTENSIONS:
        if fn.endswith(ext):
            return fn[: -len(ext)]
    return fn


def _translate(path: str, exc: BaseException) -> BaseException:
    """Decompressor and zip errors as :class:`InvalidArchive`."""
    if isinstance(exc, InvalidArchive):
        return exc
    if isinstance(exc, (EOFError,)):
        return InvalidArchive(path, "compressed data ends early (truncated file)")
    name = exc.__class__.__name__
    if isinstance(exc, zipfile.BadZipFile) or name in ("ZstdError", "BadZipFile") \
            or isinstance(exc, (OSError, ValueError)) and not isinstance(exc, FileNotFoundError):
        return InvalidArchive(path, f"corrupt data: {exc}")
    return exc


class _Guarded:
    """Wraps a ``read(size)`` so decompression errors become :class:`InvalidArchive`."""

    __slots__ = ("_read", "_path")

    def __init__(self, read: Callable[[int], bytes], path: str) -> None:
        self._read = read
        self._path = path

    def __call__(self, size: int) -> bytes:
        try:
            return self._read(size)
        except BaseException as exc:
            raise _translate(self._path, exc) from None


class Component:
    """One tar stream of an archive: ``kind`` is ``info``, ``pkg`` or ``all``."""

    __slots__ = ("kind", "name", "compressed_size", "_opener")

    def __init__(self, kind: str, name: str, compressed_size: int,
                 opener: Callable[[], Tuple[Callable[[int], bytes], Callable[[], None]]]) -> None:
        self.kind = kind
        self.name = name
        self.compressed_size = compressed_size
        self._opener = opener

    @contextmanager
    def source(self, path: str, threaded: Optional[bool] = None) -> Iterator[ChunkSource]:
        if threaded is None:
            threaded = self.compressed_size >= THREAD_THRESHOLD
        read, close = self._opener()
        src = ChunkSource(_Guarded(read, path), threaded=threaded)
        try:
            yield src
        finally:
            src.close()
            close()


def _conda_members(path: str, zf: zipfile.ZipFile) -> Tuple[Optional[zipfile.ZipInfo],
                                                             Optional[zipfile.ZipInfo]]:
    info_entry = pkg_entry = None
    seen = set()
    for entry in zf.infolist():
        name = entry.filename
        if name in seen:
            raise InvalidArchive(path, "duplicated zip entry", name)
        seen.add(name)
        if "/" in name or "\\" in name:
            continue  # never ours; ignored, never written
        if name.startswith("info-") and name.endswith(".tar.zst"):
            if info_entry is not None:
                raise InvalidArchive(path, "more than one info-*.tar.zst component", name)
            info_entry = entry
        elif name.startswith("pkg-") and name.endswith(".tar.zst"):
            if pkg_entry is not None:
                raise InvalidArchive(path, "more than one pkg-*.tar.zst component", name)
            pkg_entry = entry
        elif name == "metadata.json":
            _check_metadata(path, zf, entry)
    if info_entry is None:
        raise InvalidArchive(path, "no info-*.tar.zst component")
    return info_entry, pkg_entry


def _check_metadata(path: str, zf: zipfile.ZipFile, entry: zipfile.ZipInfo) -> None:
    if entry.file_size > 1 << 16:
        raise InvalidArchive(path, "metadata.json is too large", entry.filename)
    try:
        doc = json.loads(zf.read(entry).decode("utf-8"))
    except (ValueError, UnicodeError, zipfile.BadZipFile) as exc:
        raise InvalidArchive(path, f"bad metadata.json: {exc}") from None
    version = doc.get("conda_pkg_format_version") if isinstance(doc, dict) else None
    if isinstance(version, int) and version > SUPPORTED_CONDA_FORMAT:
        raise InvalidArchive(path, f"unsupported .conda format version {version}")


def _zstd_opener(zf: zipfile.ZipFile, entry: zipfile.ZipInfo):
    def opener():
        import zstandard

        raw = zf.open(entry)
        dctx = zstandard.ZstdDecompressor(max_window_size=ZSTD_MAX_WINDOW)
        reader = dctx.stream_reader(raw, read_size=1 << 18, read_across_frames=True,
                                    closefd=False)

        def close() -> None:
            reader.close()
            raw.close()

        return reader.read, close
    return opener


def _bz2_opener(fileobj: IO[bytes]):
    def opener():
        import bz2

        reader = bz2.BZ2File(fileobj, "rb")
        return reader.read, reader.close
    return opener


@contextmanager
def open_components(path: "str | os.PathLike[str]") -> Iterator[List[Component]]:
    """The tar components of an archive, ``info`` first for a ``.conda``."""
    spath = os.fspath(path)
    fmt = archive_format(spath)
    fh = _open_file(spath)
    try:
        if fmt == TAR_BZ2:
            size = os.fstat(fh.fileno()).st_size
            yield [Component("all", os.path.basename(spath), size, _bz2_opener(fh))]
            return
        try:
            zf = zipfile.ZipFile(fh)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise InvalidArchive(spath, f"not a valid zip file: {exc}") from None
        with zf:
            info_entry, pkg_entry = _conda_members(spath, zf)
            comps = [Component("info", info_entry.filename, info_entry.compress_size,
                               _zstd_opener(zf, info_entry))]
            if pkg_entry is not None:
                comps.append(Component("pkg", pkg_entry.filename, pkg_entry.compress_size,
                                       _zstd_opener(zf, pkg_entry)))
            yield comps
    finally:
        fh.close()


def _open_file(path: str) -> IO[bytes]:
    try:
        return open(path, "rb")
    except FileNotFoundError:
        raise InvalidArchive(path, "no such file") from None
    except IsADirectoryError:
        raise InvalidArchive(path, "is a directory") from None
