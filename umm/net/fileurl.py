"""``file://`` URLs answered like HTTP: status, headers, conditional requests, ranges."""
from __future__ import annotations

import os
from email.utils import formatdate, parsedate_to_datetime
from typing import IO, Dict, Iterator, Optional
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

CHUNK = 1 << 16


def file_url_to_path(url: str) -> str:
    parts = urlsplit(url)
    path = unquote(parts.path, errors="surrogateescape")  # non-UTF-8 paths round-trip
    if parts.netloc and parts.netloc not in ("", "localhost"):
        path = f"//{parts.netloc}{path}"  # UNC share
    return url2pathname(path) if os.name == "nt" else path


def file_etag(st: os.stat_result) -> str:
    return f'"{st.st_mtime_ns:x}-{st.st_size:x}"'


class FileResponse:
    """A response read from a local file, with the interface of an HTTP response."""

    def __init__(self, url: str, method: str = "GET",
                 headers: Optional[Dict[str, str]] = None) -> None:
        self.url = url
        self.reason = "OK"
        self._fp: Optional[IO[bytes]] = None
        self._remaining = 0
        self.bytes_read = 0
        req = {k.lower(): v for k, v in (headers or {}).items()}
        path = file_url_to_path(url)
        self.path = path
        try:
            st = os.stat(path)
            if not os.path.isfile(path):
                raise FileNotFoundError(path)
        except FileNotFoundError:
            self._set_error(404, "Not Found")
            return
        except PermissionError:
            self._set_error(403, "Forbidden")
            return
        except OSError as exc:
            self._set_error(500, exc.strerror or "I/O error")
            return
        etag = file_etag(st)
        mod = formatdate(st.st_mtime, usegmt=True)
        self.headers: Dict[str, str] = {"etag": etag, "last-modified": mod,
                                        "accept-ranges": "bytes"}
        if self._not_modified(req, etag, st.st_mtime):
            self.status, self.reason = 304, "Not Modified"
            self.headers["content-length"] = "0"
            return
        start, end = 0, st.st_size
        self.status = 200
        rng = req.get("range")
        if rng and self._if_range_ok(req, etag, mod):
            parsed = _parse_range(rng, st.st_size)
            if parsed is None:
                self._set_error(416, "Range Not Satisfiable")
                self.headers["content-range"] = f"bytes */{st.st_size}"
                return
            start, end = parsed
            self.status, self.reason = 206, "Partial Content"
            self.headers["content-range"] = f"bytes {start}-{end - 1}/{st.st_size}"
        self.headers["content-length"] = str(end - start)
        if method.upper() == "HEAD":
            return
        try:
            self._fp = open(path, "rb")
        except OSError as exc:
            self._set_error(403 if isinstance(exc, PermissionError) else 500,
                            exc.strerror or "I/O error")
            return
        if start:
            self._fp.seek(start)
        self._remaining = end - start

    def _set_error(self, status: int, reason: str) -> None:
        self.status, self.reason = status, reason
        self.headers = {"content-length": "0"}

    @staticmethod
    def _not_modified(req: Dict[str, str], etag: str, mtime: float) -> bool:
        inm = req.get("if-none-match")
        if inm is not None:
            tags = [t.strip() for t in inm.split(",")]
            return "*" in tags or etag in tags or ("W/" + etag) in tags
        ims = req.get("if-modified-since")
        if ims:
            try:
                return int(mtime) <= parsedate_to_datetime(ims).timestamp()
            except (TypeError, ValueError, IndexError):
                return False
        return False

    @staticmethod
    def _if_range_ok(req: Dict[str, str], etag: str, mod: str) -> bool:
        cond = req.get("if-range")
        return cond is None or cond.strip() in (etag, mod)

    @property
    def content_length(self) -> Optional[int]:
        return int(self.headers["content-length"])

    def read_chunk(self, size: int = CHUNK) -> bytes:
        if self._fp is None or self._remaining <= 0:
            return b""
        data = self._fp.read(min(size, self._remaining))
        self._remaining -= len(data)
        self.bytes_read += len(data)
        return data

    def iter_raw(self, size: int = CHUNK) -> Iterator[bytes]:
        while True:
            data = self.read_chunk(size)
            if not data:
                return
            yield data

    def close(self) -> None:
        if self._fp is not None:
            self._fp.close()
            self._fp = None


def _parse_range(value: str, size: int) -> "Optional[tuple[int, int]]":
    """One ``bytes=a-b`` range as a half-open (start, end), or None if unsatisfiable."""
    unit, _, spec = value.partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    first, _, last = spec.strip().partition("-")
    try:
        if first == "":
            n = int(last)
            if n <= 0:
                return None
            return max(0, size - n), size
        start = int(first)
        end = int(last) + 1 if last else size
    except ValueError:
        return None
    if start >= size or start < 0 or end <= start:
        return None
    return start, min(end, size)
