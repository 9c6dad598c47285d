"""The tar stream reader gives what tarfile gives, on every tar dialect."""
from __future__ import annotations

import io
import tarfile

import pytest

from umm.package.errors import InvalidArchive
from umm.package.tarstream import ChunkReader, ChunkSource, fast_header, iter_members


def _build(fmt: int) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=fmt) as tf:
        def add(name: str, data: bytes = b"", **kw) -> None:
            ti = tarfile.TarInfo(name)
            for k, v in kw.items():
                setattr(ti, k, v)
            if ti.type == tarfile.REGTYPE:
                ti.size = len(data)
            tf.addfile(ti, io.BytesIO(data) if ti.type == tarfile.REGTYPE else None)

        add("info/index.json", b"{}", mtime=1_600_000_000, mode=0o644)
        add("bin", type=tarfile.DIRTYPE, mode=0o755)
        add("bin/tool", b"#!/bin/sh\n" * 100, mode=0o755)
        add("lib/libx.so", type=tarfile.SYMTYPE, linkname="libx.so.1")
        add("lib/hard", type=tarfile.LNKTYPE, linkname="bin/tool")
        add("share/" + "p" * 90 + "/" + "q" * 60 + ".txt", b"prefix-split name")
        add("share/" + "long" * 80, b"very long name")
        add("share/ünïcödé.txt", "non-ascii".encode())
        add("share/big.bin", bytes(range(256)) * 5000)
        add("share/empty", b"")
    return out.getvalue()


def _ours(data: bytes, chunk: int):
    view = memoryview(data)
    pos = [0]

    def read(n: int) -> bytes:
        piece = view[pos[0]:pos[0] + min(n, chunk)].tobytes()
        pos[0] += len(piece)
        return piece

    reader = ChunkReader(ChunkSource(read), "t.tar")
    out = []
    for info, size in iter_members(reader):
        body = io.BytesIO()
        reader.copy_to(body.write, size)
        out.append((info.name, info.type, info.mode, info.mtime, info.linkname, info.size,
                    body.getvalue()))
    return out


def _theirs(data: bytes):
    tf = tarfile.open(fileobj=io.BytesIO(data))
    out = []
    for m in tf.getmembers():
        body = tf.extractfile(m).read() if m.isreg() else b""
        out.append((m.name, m.type, m.mode, m.mtime, m.linkname, m.size, body))
    return out


@pytest.mark.parametrize("fmt", [tarfile.USTAR_FORMAT, tarfile.GNU_FORMAT, tarfile.PAX_FORMAT])
@pytest.mark.parametrize("chunk", [1 << 20, 700, 512, 97])
def test_same_members_as_tarfile(fmt: int, chunk: int) -> None:
    if fmt == tarfile.USTAR_FORMAT:
        data = _build_ustar()
    else:
        data = _build(fmt)
    assert _ours(data, chunk) == _theirs(data)


def _build_ustar() -> bytes:
    """USTAR cannot hold the very long or non-ASCII names: a smaller set."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as tf:
        for name, data in [("a.txt", b"a"), ("dir/" + "x" * 120 + "/file", b"split"),
                           ("b.bin", b"\0" * 3000)]:
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            tf.addfile(ti, io.BytesIO(data))
        ti = tarfile.TarInfo("d/")
        ti.type = tarfile.DIRTYPE
        tf.addfile(ti)
    return out.getvalue()


def test_fast_path_declines_what_it_does_not_know() -> None:
    ti = tarfile.TarInfo("x" * 150)  # needs a GNU long-name header first
    gnu = ti.tobuf(tarfile.GNU_FORMAT)
    assert fast_header(memoryview(gnu[:512])) is None
    plain = tarfile.TarInfo("ok.txt").tobuf(tarfile.GNU_FORMAT)
    assert fast_header(memoryview(plain)).name == "ok.txt"
    broken = bytearray(plain)
    broken[0] ^= 1  # checksum no longer matches: tarfile decides (and refuses)
    assert fast_header(memoryview(bytes(broken))) is None
    reader = ChunkReader(ChunkSource(io.BytesIO(bytes(broken) + b"\0" * 1024).read), "b.tar")
    with pytest.raises(InvalidArchive, match="bad tar header"):
        list(iter_members(reader))


def test_producer_thread_errors_reach_the_consumer() -> None:
    def read(n: int) -> bytes:
        raise InvalidArchive("x.conda", "corrupt data: boom")

    src = ChunkSource(read, threaded=True)
    try:
        with pytest.raises(InvalidArchive, match="boom"):
            src()
    finally:
        src.close()
