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
