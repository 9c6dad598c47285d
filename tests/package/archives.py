"""Building (possibly hostile) package archives for tests, byte by byte.

Headers are written with ``TarInfo.tobuf`` and data appended by hand, so a test
can declare any size, type, mode or link it wants, lies included.
"""
from __future__ import annotations

import bz2
import io
import tarfile
import zipfile
from pathlib import Path
from typing import Iterable, List, Optional, Sequence, Tuple

import zstandard

Member = Tuple[tarfile.TarInfo, bytes]


def member(name: str, data: bytes = b"", *, type: bytes = tarfile.REGTYPE, linkname: str = "",
           mode: int = 0o644, size: Optional[int] = None, mtime: int = 1_600_000_000) -> Member:
    ti = tarfile.TarInfo(name)
    ti.type = type
    ti.linkname = linkname
    ti.mode = mode
    ti.mtime = mtime
    ti.size = len(data) if size is None else size
    if type not in (tarfile.REGTYPE, tarfile.AREGTYPE) and size is None:
        ti.size = 0
    return ti, data


def tar_bytes(members: Iterable[Member], end: bool = True) -> bytes:
    out = io.BytesIO()
    for ti, data in members:
        out.write(ti.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape"))
        out.write(data)
        out.write(b"\0" * ((-len(data)) % 512))
    if end:
        out.write(b"\0" * 1024)
    return out.getvalue()


def write_tar_bz2(path: Path, members: Iterable[Member]) -> Path:
    path.write_bytes(bz2.compress(tar_bytes(members)))
    return path


def write_conda(path: Path, info: Sequence[Member], pkg: Optional[Sequence[Member]] = None,
                extra: Sequence[Tuple[str, bytes]] = (), metadata: Optional[bytes] = None) -> Path:
    stem = path.name[: -len(".conda")]
    cctx = zstandard.ZstdCompressor(level=3)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr("metadata.json", metadata if metadata is not None
                    else b'{"conda_pkg_format_version": 2}')
        if pkg is not None:
            zf.writestr(f"pkg-{stem}.tar.zst", cctx.compress(tar_bytes(pkg)))
        zf.writestr(f"info-{stem}.tar.zst", cctx.compress(tar_bytes(info)))
        for name, data in extra:
            zf.writestr(name, data)
    return path


INDEX = member("info/index.json", b'{"name": "x", "version": "1", "build": "0"}')


def write_package(path: Path, members: List[Member]) -> Path:
    """A .tar.bz2 or .conda (by suffix) of ``info/index.json`` plus ``members``."""
    if path.name.endswith(".tar.bz2"):
        return write_tar_bz2(path, [INDEX] + members)
    return write_conda(path, [INDEX], members)
