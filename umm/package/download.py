"""Package downloads: verified, resumable, parallel, interrupt-safe.

Public API::

    DownloadRequest(url, dest, size=None, sha256=None, md5=None, label=None)
    Downloader(client=None, reporter=NULL, threads=5, retries=None)
        .fetch(request) -> DownloadResult
        .fetch_all(requests) -> list[DownloadResult]     # bounded thread pool
        .cancel()

Each file streams to ``<dest>.partial`` while its sha256 and md5 are computed;
size and sha256 (else md5) are checked against the request before the rename
to ``dest``, so a final name only ever holds verified bytes. A body that
breaks off is retried with backoff (``client.options.max_retries`` times),
resuming with ``Range`` when the server answers 206 and restarting otherwise;
a ``.partial`` left by an interrupted run is resumed too, and thrown away if
the result does not verify. A download that fails for good (retries spent,
HTTP error, checksum mismatch) leaves no file at all. ``file://`` URLs are hardlinked (or copied) from
the local channel. Ctrl-C (or :meth:`Downloader.cancel`) stops every transfer
at the next chunk; only ``.partial`` files remain.
"""
from __future__ import annotations

import hashlib
import os
import threading
import time
from typing import Any, Callable, List, Optional, Sequence

from umm.errors import Cancelled
from umm.package._pool import DaemonPool, wait_all
from umm.package.errors import ChecksumMismatch, DownloadError
from umm.reporter import NULL, Reporter

CHUNK = 1 << 18
PARTIAL = ".partial"
_RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


def _mask(url: str) -> str:
    from umm.net.masking import mask_url

    return mask_url(url)


class DownloadRequest:
    """What to fetch and what it must hash to (immutable)."""

    __slots__ = ("url", "dest", "size", "sha256", "md5", "label")

    def __init__(self, url: str, dest: "str | os.PathLike[str]", size: Optional[int] = None,
                 sha256: Optional[str] = None, md5: Optional[str] = None,
                 label: Optional[str] = None) -> None:
        s = object.__setattr__
        s(self, "url", url)
        s(self, "dest", os.fspath(dest))
        s(self, "size", int(size) if size else None)
        s(self, "sha256", sha256.lower() if sha256 else None)
        s(self, "md5", md5.lower() if md5 else None)
        s(self, "label", label or os.path.basename(os.fspath(dest)))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("DownloadRequest is immutable")

    def __repr__(self) -> str:
        return f"DownloadRequest({_mask(self.url)!r} -> {self.dest!r})"


class DownloadResult:
    """A verified file at ``path`` (immutable)."""

    __slots__ = ("request", "path", "size", "sha256", "md5", "attempts", "resumed")

    def __init__(self, request: DownloadRequest, path: str, size: int, sha256: str, md5: str,
                 attempts: int, resumed: bool) -> None:
        s = object.__setattr__
        s(self, "request", request)
        s(self, "path", path)
        s(self, "size", size)
        s(self, "sha256", sha256)
        s(self, "md5", md5)
        s(self, "attempts", attempts)
        s(self, "resumed", resumed)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("DownloadResult is immutable")

    def __repr__(self) -> str:
        return f"DownloadResult({self.path!r}, {self.size} bytes, attempts={self.attempts})"


class _Hashes:
    __slots__ = ("sha256", "md5", "size")

    def __init__(self) -> None:
        self.sha256 = hashlib.sha256()
        self.md5 = hashlib.md5()
        self.size = 0

    def update(self, data: "bytes | memoryview") -> None:
        self.sha256.update(data)
        self.md5.update(data)
        self.size += len(data)


def verify(what: str, hashes: "_Hashes", size: Optional[int], sha256: Optional[str],
           md5: Optional[str]) -> None:
    """Raise :class:`ChecksumMismatch` when ``hashes`` disagree with the expectations."""
    if size is not None and hashes.size != size:
        raise ChecksumMismatch(what, "size", str(size), str(hashes.size))
    if sha256:
        got = hashes.sha256.hexdigest()
        if got != sha256:
            raise ChecksumMismatch(what, "sha256", sha256, got)
    elif md5:
        got = hashes.md5.hexdigest()
        if got != md5:
            raise ChecksumMismatch(what, "md5", md5, got)


def hash_file(path: str, hashes: Optional[_Hashes] = None,
              cancel: Optional[threading.Event] = None) -> _Hashes:
    h = hashes or _Hashes()
    with open(path, "rb") as fh:
        while True:
            if cancel is not None and cancel.is_set():
                raise Cancelled("download cancelled")
            block = fh.read(1 << 20)
            if not block:
                return h
            h.update(block)


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


class _Restart(Exception):
    """Internal: throw the partial file away and start again."""


class Downloader:
    """Fetches :class:`DownloadRequest` s over an :class:`umm.net.HttpClient`."""

    def __init__(self, client: Any = None, reporter: Reporter = NULL, threads: int = 5,
                 retries: Optional[int] = None,
                 sleep: Optional[Callable[[float], None]] = None) -> None:
        if client is None:
            from umm.net import HttpClient

            client = HttpClient()
        self.client = client
        self.reporter = reporter
        self.threads = max(1, int(threads or 1))
        opts = getattr(client, "options", None)
        self.retries = retries if retries is not None else getattr(opts, "max_retries", 3)
        self._sleep = sleep or time.sleep
        self._cancel = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def _check(self) -> None:
        if self._cancel.is_set():
            raise Cancelled("download cancelled")

    def _backoff(self, attempt: int) -> float:
        backoff = getattr(self.client, "backoff", None)
        return backoff(attempt) if backoff is not None else min(30.0, 2.0 ** attempt)

    def _retry_delay(self, exc: Any, attempt: int) -> float:
        """``Retry-After`` of a 429/503 (capped), else the backoff."""
        after = getattr(exc, "retry_after", None)
        if after is not None and exc.status in (429, 503):
            cap = getattr(getattr(self.client, "options", None), "retry_after_cap", 60.0)
            return min(float(after), float(cap))
        return self._backoff(attempt)

    # -- one file ----------------------------------------------------------
    def fetch(self, req: DownloadRequest) -> DownloadResult:
        key = req.label
        self.reporter.start("download", key, req.label, req.size)
        ok = False
        try:
            if req.url.startswith("file:"):
                result = self._fetch_file(req, key)
            else:
                result = self._fetch_http(req, key)
            ok = True
            return result
        finally:
            self.reporter.finish("download", key, ok=ok)

    def _finish(self, req: DownloadRequest, partial: str, hashes: _Hashes, attempts: int,
                resumed: bool) -> DownloadResult:
        verify(_mask(req.url), hashes, req.size, req.sha256, req.md5)
        os.replace(partial, req.dest)
        return DownloadResult(req, req.dest, hashes.size, hashes.sha256.hexdigest(),
                              hashes.md5.hexdigest(), attempts, resumed)

    def _fetch_file(self, req: DownloadRequest, key: str) -> DownloadResult:
        from umm.net.fileurl import file_url_to_path

        src = file_url_to_path(req.url)
        if not os.path.isfile(src):
            raise DownloadError(_mask(req.url), "no such file", 404)
        partial = req.dest + PARTIAL
        _unlink(partial)
        os.makedirs(os.path.dirname(os.path.abspath(req.dest)), exist_ok=True)
        try:
            os.link(src, partial)
            linked = True
        except OSError:
            linked = False
        try:
            if linked:
                hashes = hash_file(partial, cancel=self._cancel)
                self.reporter.advance("download", key, hashes.size)
            else:
                hashes = _Hashes()
                with open(src, "rb") as fin, open(partial, "wb") as fout:
                    while True:
                        self._check()
                        block = fin.read(1 << 20)
                        if not block:
                            break
                        fout.write(block)
                        hashes.update(block)
                        self.reporter.advance("download", key, len(block))
            return self._finish(req, partial, hashes, 1, False)
        except OSError as exc:
            _unlink(partial)
            raise DownloadError(_mask(req.url), exc.strerror or str(exc)) from None
        except BaseException:
            _unlink(partial)
            raise

    def _fetch_http(self, req: DownloadRequest, key: str) -> DownloadResult:
        partial = req.dest + PARTIAL
        os.makedirs(os.path.dirname(os.path.abspath(req.dest)), exist_ok=True)
        resumable = os.path.exists(partial)
        fresh_restart_done = False
        while True:
            try:
                return self._transfer(req, key, partial, resume=resumable)
            except ChecksumMismatch:
                _unlink(partial)
                if resumable and not fresh_restart_done:
                    # the bytes kept from earlier may be stale: once more from scratch
                    resumable = False
                    fresh_restart_done = True
                    self.reporter.debug(f"{req.label}: resumed data did not verify, "
                                        "downloading again")
                    continue
                raise
            except _Restart:
                _unlink(partial)
                resumable = False
                continue
            except DownloadError:
                # a definitive failure leaves nothing behind
                _unlink(partial)
                raise
            except BaseException:
                # interrupted (Ctrl-C, cancel): a non-empty partial is kept for a resume
                if _size(partial) == 0:
                    _unlink(partial)
                raise

    def _transfer(self, req: DownloadRequest, key: str, partial: str,
                  resume: bool) -> DownloadResult:
        from umm.net.errors import ConnectionFailed, HttpError, IncompleteBody, NetError, Timeout

        hashes = _Hashes()
        offset = 0
        resumed = False
        if resume:
            try:
                have = os.path.getsize(partial)
            except OSError:
                have = 0
            if have and (req.size is None or have <= req.size):
                hash_file(partial, hashes, self._cancel)
                offset = have
                resumed = True
                self.reporter.advance("download", key, have)
            else:
                _unlink(partial)
        attempts = 0
        with open(partial, "ab" if offset else "wb") as out:
            while True:
                self._check()
                attempts += 1
                headers = {"Range": f"bytes={offset}-"} if offset else {}
                try:
                    # one retry budget for everything (connection, status, body): the
                    # client must not retry on its own as well, or tries multiply
                    resp = self.client.request("GET", req.url, headers, max_retries=0)
                except HttpError as exc:
                    if exc.status == 416 and offset:
                        if req.size is not None and offset == req.size:
                            break  # we already had everything
                        raise _Restart() from None
                    if exc.status in _RETRY_STATUSES and attempts <= self.retries:
                        self.reporter.debug(f"{req.label}: {exc}; retrying")
                        self._sleep(self._retry_delay(exc, attempts - 1))
                        continue
                    raise DownloadError(_mask(req.url), _reason(exc), exc.status) from None
                except NetError as exc:
                    if attempts > self.retries:
                        raise DownloadError(_mask(req.url), _reason(exc)) from None
                    self.reporter.debug(f"{req.label}: {exc}; retrying")
                    self._sleep(self._backoff(attempts - 1))
                    continue
                try:
                    if offset and resp.status == 206 and \
                            _range_start(resp.header("content-range")) == offset:
                        resumed = True
                    elif offset:
                        # the server ignored the range: start over on this response
                        out.seek(0)
                        out.truncate()
                        hashes = _Hashes()
                        offset = 0
                    for chunk in resp.iter_content(CHUNK):
                        if self._cancel.is_set():
                            raise Cancelled("download cancelled")
                        out.write(chunk)
                        hashes.update(chunk)
                        offset += len(chunk)
                        if req.size is not None and offset > req.size:
                            raise ChecksumMismatch(_mask(req.url), "size", str(req.size),
                                                   f"more than {req.size}")
                        self.reporter.advance("download", key, len(chunk))
                    break
                except (ConnectionFailed, Timeout, IncompleteBody) as exc:
                    out.flush()
                    if attempts > self.retries:
                        raise DownloadError(_mask(req.url), _reason(exc)) from None
                    self.reporter.debug(f"{req.label}: {exc}; retrying")
                    self._sleep(self._backoff(attempts - 1))
                finally:
                    resp.close()
        return self._finish(req, partial, hashes, attempts, resumed)

    # -- many files ----------------------------------------------------------
    def fetch_all(self, requests: Sequence[DownloadRequest]) -> List[DownloadResult]:
        """Fetch all, ``threads`` at a time; results in request order.

        The first failure cancels the others and is raised once they stopped
        (so is a KeyboardInterrupt).
        """
        reqs = list(requests)
        if not reqs:
            return []
        if self.threads == 1 or len(reqs) == 1:
            return [self.fetch(r) for r in reqs]
        pool = DaemonPool(min(self.threads, len(reqs)), "umm-download")
        futures = [pool.submit(self.fetch, r) for r in reqs]
        try:
            wait_all(futures)
        except BaseException:
            self.cancel()
            for f in futures:
                f.cancel()
            pool.shutdown(wait=False)
            raise
        pool.shutdown(wait=True)
        return [f.result() for f in futures]


def _reason(exc: BaseException) -> str:
    """A network error's message without the URL (the DownloadError names it)."""
    text = str(exc)
    url = getattr(exc, "url", "")
    if url:
        for joint in (f" for {url}", f" from {url}", f" {url}"):
            text = text.replace(joint, "")
    return text


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return -1


def _range_start(value: Optional[str]) -> Optional[int]:
    if not value:
        return None
    try:
        return int(value.split()[1].split("-")[0])
    except (IndexError, ValueError):
        return None
