"""Reading tar streams sequentially, without seeking and without temp files.

A tar stream comes from a decompressor (zstd inside a ``.conda``, bz2 for a
``.tar.bz2``). :class:`ChunkSource` pulls decompressed chunks from it, either
inline or in a producer thread (zstd and bz2 release the GIL, so decompression
then overlaps with the file writes of the consumer). :func:`iter_members`
parses headers with the standard library's :meth:`tarfile.TarInfo.fromtarfile`
(ustar, GNU long names, pax, GNU sparse) over a :class:`ChunkReader`, and hands
out each member with the reader positioned at its data; whatever the consumer
does not read is skipped.
"""
from __future__ import annotations

import os
import queue
import struct
import tarfile
import threading
from typing import Callable, Iterator, List, Optional, Tuple, Union

from umm.package.errors import InvalidArchive

CHUNK = 1 << 20  # decompressed bytes per chunk
MAX_HEADER_READ = 16 << 20  # a pax/GNU long-name header larger than this is refused
_BLOCK = 512

# tar member types that carry data blocks
_DATA_TYPES = (tarfile.REGTYPE, tarfile.AREGTYPE, tarfile.CONTTYPE, tarfile.GNUTYPE_SPARSE)


class ChunkSource:
    """Yields decompressed chunks from ``read(size)``; ``b""`` at the end.

    With ``threaded`` a producer thread calls ``read`` ahead of the consumer,
    ``depth`` chunks at most. Errors of ``read`` are re-raised in the consumer.
    ``close()`` stops the producer (always call it, e.g. in ``finally``).
    """

    __slots__ = ("_read", "_size", "_queue", "_thread", "_stop", "_done")

    def __init__(self, read: Callable[[int], bytes], threaded: bool = False,
                 chunk: int = CHUNK, depth: int = 8) -> None:
        self._read = read
        self._size = chunk
        self._done = False
        self._stop = threading.Event()
        self._queue: Optional["queue.Queue[Union[bytes, BaseException]]"] = None
        self._thread: Optional[threading.Thread] = None
        if threaded:
            self._queue = queue.Queue(maxsize=depth)
            self._thread = threading.Thread(target=self._produce, name="umm-decompress",
                                            daemon=True)
            self._thread.start()

    def _put(self, item: Union[bytes, BaseException]) -> bool:
        assert self._queue is not None
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _produce(self) -> None:
        try:
            while not self._stop.is_set():
                data = self._read(self._size)
                if not self._put(data) or not data:
                    return
        except BaseException as exc:  # handed to the consumer
            self._put(exc)

    def __call__(self) -> bytes:
        if self._done:
            return b""
        if self._queue is None:
            data = self._read(self._size)
        else:
            item = self._queue.get()
            if isinstance(item, BaseException):
                self._done = True
                raise item
            data = item
        if not data:
            self._done = True
        return data

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            assert self._queue is not None
            while self._thread.is_alive():
                try:
                    self._queue.get(timeout=0.05)
                except queue.Empty:
                    pass
            self._thread.join()
            self._thread = None


class ChunkReader:
    """A forward-only reader over a chunk source, counting its position."""

    __slots__ = ("_next", "_buf", "_off", "_pos", "_eof", "archive")

    def __init__(self, next_chunk: Callable[[], bytes], archive: str = "") -> None:
        self._next = next_chunk
        self._buf = memoryview(b"")
        self._off = 0
        self._pos = 0
        self._eof = False
        self.archive = archive

    def _fill(self) -> bool:
        if self._eof:
            return False
        while True:
            data = self._next()
            if not data:
                self._eof = True
                return False
            self._buf = memoryview(data)
            self._off = 0
            return True

    def tell(self) -> int:
        return self._pos

    def read(self, n: int = -1) -> bytes:
        """Exactly ``n`` bytes unless the stream ends (used for headers)."""
        if n is None or n < 0 or n > MAX_HEADER_READ:
            raise InvalidArchive(self.archive, f"tar header of {n} bytes is too large")
        parts: List[bytes] = []
        want = n
        while want > 0:
            avail = len(self._buf) - self._off
            if avail <= 0:
                if not self._fill():
                    break
                continue
            take = avail if avail < want else want
            parts.append(self._buf[self._off:self._off + take].tobytes())
            self._off += take
            want -= take
        got = n - want
        self._pos += got
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def copy_to(self, write: Callable[[memoryview], object], n: int) -> int:
        """Pass the next ``n`` bytes to ``write`` in slices; returns the count passed."""
        want = n
        while want > 0:
            avail = len(self._buf) - self._off
            if avail <= 0:
                if not self._fill():
                    break
                continue
            take = avail if avail < want else want
            write(self._buf[self._off:self._off + take])
            self._off += take
            want -= take
        done = n - want
        self._pos += done
        return done

    def skip(self, n: int) -> int:
        return self.copy_to(_discard, n)

    def peek_block(self) -> Optional[memoryview]:
        """The next 512 bytes without consuming them, if they sit in the current chunk."""
        off = self._off
        if len(self._buf) - off >= _BLOCK:
            return self._buf[off:off + _BLOCK]
        return None

    def consume_block(self) -> None:
        self._off += _BLOCK
        self._pos += _BLOCK


def _discard(_: memoryview) -> None:
    return None


class _TarShim:
    """The few attributes :meth:`tarfile.TarInfo.fromtarfile` uses of a TarFile."""

    __slots__ = ("fileobj", "encoding", "errors", "pax_headers", "offset")

    def __init__(self, reader: ChunkReader) -> None:
        self.fileobj = reader
        self.encoding = "utf-8"
        self.errors = "surrogateescape"
        self.pax_headers: dict = {}
        self.offset = 0


_USTAR_MAGICS = (b"ustar\x0000", b"ustar  \x00")
_FAST_TYPES = frozenset(b"0\x00125")
_CHK = struct.Struct("148B8x356B")


def _octal(field: bytes) -> Optional[int]:
    text = field.split(b"\x00", 1)[0].strip()
    if not text:
        return 0
    try:
        return int(text, 8)
    except ValueError:
        return None


def fast_header(buf: memoryview) -> Optional[tarfile.TarInfo]:
    """A plain ustar/GNU header (file, dir, symlink, hardlink; no extensions) parsed
    directly, or None to let :mod:`tarfile` handle it. Same result as tarfile."""
    raw = bytes(buf)
    if raw[257:265] not in _USTAR_MAGICS or raw[156] not in _FAST_TYPES:
        return None
    if raw[100] & 0x80 or raw[124] & 0x80 or raw[136] & 0x80:
        return None  # base-256 numbers: tarfile knows them
    chksum = _octal(raw[148:156])
    if chksum is None or chksum != 256 + sum(_CHK.unpack_from(raw)):
        return None  # signed checksums and errors: tarfile decides
    mode, size, mtime = _octal(raw[100:108]), _octal(raw[124:136]), _octal(raw[136:148])
    if mode is None or size is None or mtime is None:
        return None
    name = raw[0:100].split(b"\x00", 1)[0].decode("utf-8", "surrogateescape")
    info = tarfile.TarInfo(name)
    info.mode = mode
    info.size = size
    info.mtime = mtime
    typ = raw[156:157]
    info.type = typ
    info.linkname = raw[157:257].split(b"\x00", 1)[0].decode("utf-8", "surrogateescape")
    if typ == tarfile.AREGTYPE and name.endswith("/"):
        info.type = tarfile.DIRTYPE
    if info.type == tarfile.DIRTYPE:
        info.name = info.name.rstrip("/")
    prefix = raw[345:500].split(b"\x00", 1)[0]
    if prefix and raw[257:263] == b"ustar\x00":
        info.name = prefix.decode("utf-8", "surrogateescape") + "/" + info.name
    return info


def stored_size(info: tarfile.TarInfo) -> int:
    """Bytes of data that follow the header of ``info`` in the stream."""
    if info.type == tarfile.GNUTYPE_SPARSE or (info.sparse is not None and info.isreg()):
        return sum(n for _, n in (info.sparse or ()))
    if info.type in _DATA_TYPES:
        return info.size
    if info.type not in tarfile.SUPPORTED_TYPES:
        return info.size  # unknown types: tarfile treats their data as a file's
    return 0


def iter_members(reader: ChunkReader) -> Iterator[Tuple[tarfile.TarInfo, int]]:
    """Yield ``(info, data_size)``; the reader is at the member's data.

    The consumer may read up to ``data_size`` bytes; the rest and the block
    padding are skipped before the next header is parsed.
    """
    shim = _TarShim(reader)
    archive = reader.archive
    while True:
        block = reader.peek_block() if not shim.pax_headers else None
        info = fast_header(block) if block is not None else None
        if info is not None:
            reader.consume_block()
            size = info.size if info.type in _DATA_TYPES else 0
            start = reader.tell()
            yield info, size
            left = size - (reader.tell() - start)
            pad = (-size) % _BLOCK
            if reader.skip(left + pad) != left + pad:
                if reader.tell() - start < size:
                    raise InvalidArchive(archive, "truncated tar stream (data ends early)",
                                         info.name)
                return
            continue
        try:
            info = tarfile.TarInfo.fromtarfile(shim)  # type: ignore[arg-type]
        except tarfile.EOFHeaderError:
            return  # the zero blocks of the end of the archive
        except tarfile.EmptyHeaderError:
            return  # the stream ended exactly after a member (no end blocks)
        except tarfile.TruncatedHeaderError:
            raise InvalidArchive(archive, "truncated tar stream") from None
        except (tarfile.HeaderError, ValueError, UnicodeError, IndexError) as exc:
            raise InvalidArchive(archive, f"bad tar header after offset {reader.tell()}: "
                                 f"{exc or exc.__class__.__name__}") from None
        size = stored_size(info)
        if size < 0:
            raise InvalidArchive(archive, "negative member size", info.name)
        start = reader.tell()
        yield info, size
        left = size - (reader.tell() - start)
        if left < 0:
            raise AssertionError("tar consumer read past the member's data")
        pad = (-size) % _BLOCK
        if reader.skip(left + pad) != left + pad:
            if reader.tell() - start < size:
                raise InvalidArchive(archive, "truncated tar stream (data ends early)", info.name)
            return  # missing padding after the last member: tolerated


def write_all(fd: int, data: memoryview) -> None:
    """``os.write`` until everything is written."""
    while data:
        n = os.write(fd, data)
        data = data[n:]
