"""A threaded HTTP channel server on 127.0.0.1 for tests (no internet needed).

Serves a directory with ETag/Last-Modified/304, single ``Range`` (206),
``.zst`` variants (from disk, or compressed on the fly with ``auto_zst``),
HEAD, credentials (conda token in the path, Basic, Bearer; 401 without,
403 wrong), per-path extra headers (e.g. Cache-Control), a request log, and
injected faults::

    srv = ChannelServer(root, auto_zst=True).start()
    srv.fault("/linux-64/repodata.json", "status", status=500, times=2)
    srv.fault("*/repodata.json.zst", "reset", fraction=0.5)
    srv.count("/linux-64/repodata.json")   # requests seen for that path
    srv.stop()

Fault kinds: ``delay`` (seconds before the headers), ``stall`` (part of the
body, then ``seconds`` of silence, then the rest), ``status`` (answer
``status``), ``retry_after`` (429/503 with ``Retry-After: seconds``),
``reset`` (part of the body then a TCP reset), ``truncate`` (full
Content-Length, part of the body, then close), ``bad_length`` (a
Content-Length ``extra`` bytes too large), ``drop`` (close before any
response), ``redirect`` (302 to ``location``), ``redirect_loop`` (302 to
itself), ``garbage`` (the body replaced by ``body``), ``corrupt`` (bytes of
the body flipped). ``times`` limits how many requests a fault hits (None:
all); ``fraction`` is the part of the body sent before a break.
"""
from __future__ import annotations

import base64
import fnmatch
import hashlib
import json
import socket
import struct
import threading
import time
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple, Union
from urllib.parse import unquote, urlsplit

FAULT_KINDS = ("delay", "stall", "status", "retry_after", "reset", "truncate", "bad_length",
               "drop", "redirect", "redirect_loop", "garbage", "corrupt")


class Fault:
    __slots__ = ("pattern", "kind", "times", "hits", "params")

    def __init__(self, pattern: str, kind: str, times: Optional[int], params: Dict[str, Any]):
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}")
        self.pattern, self.kind, self.times, self.hits, self.params = \
            pattern, kind, times, 0, params

    def matches(self, path: str) -> bool:
        return (self.times is None or self.hits < self.times) and \
            (path == self.pattern or fnmatch.fnmatchcase(path, self.pattern))


class RequestLog:
    __slots__ = ("method", "path", "raw_path", "status", "headers", "fault", "time")

    def __init__(self, method: str, path: str, raw_path: str, headers: Dict[str, str]) -> None:
        self.method, self.path, self.raw_path, self.headers = method, path, raw_path, headers
        self.status: Optional[int] = None
        self.fault: Optional[str] = None
        self.time = time.time()

    def __repr__(self) -> str:
        return f"<{self.method} {self.path} -> {self.status}{' ' + self.fault if self.fault else ''}>"


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError, OSError)):
            return  # clients hanging up (timeouts, resets) are part of the tests
        super().handle_error(request, client_address)


class ChannelServer:
    """Serves ``root`` on ``http://127.0.0.1:<port>``; see the module docstring."""

    def __init__(self, root: Union[str, Path], auto_zst: bool = False) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.auto_zst = auto_zst
        self.lock = threading.Lock()
        self.log: List[RequestLog] = []
        self.faults: List[Fault] = []
        self.extra_headers: List[Tuple[str, str, str]] = []
        self.auth: Optional[Tuple[str, str, str]] = None  # kind, secret, path prefix
        self.stopping = threading.Event()
        self._zst_cache: Dict[Tuple[str, int, int], bytes] = {}
        self._httpd: Optional[ThreadingHTTPServer] = None
        self._thread: Optional[threading.Thread] = None

    # -- lifecycle ---------------------------------------------------------
    def start(self) -> "ChannelServer":
        handler = type("Handler", (_Handler,), {"srv": self})
        httpd = _QuietServer(("127.0.0.1", 0), handler)
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True, name="channel-server")
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> "ChannelServer":
        return self.start() if self._httpd is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._httpd is not None, "server not started"
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- configuration -------------------------------------------------------
    def fault(self, pattern: str, kind: str, times: Optional[int] = None, **params: Any) -> Fault:
        f = Fault(pattern, kind, times, params)
        with self.lock:
            self.faults.append(f)
        return f

    def clear_faults(self) -> None:
        with self.lock:
            self.faults.clear()

    def set_header(self, pattern: str, name: str, value: str) -> None:
        with self.lock:
            self.extra_headers.append((pattern, name, value))

    def require_auth(self, kind: str, secret: str, user: str = "user", prefix: str = "/") -> None:
        """``kind``: token (``/t/<secret>/`` in the path), basic (``user``:``secret``), bearer."""
        if kind not in ("token", "basic", "bearer"):
            raise ValueError(kind)
        value = f"{user}:{secret}" if kind == "basic" else secret
        with self.lock:
            self.auth = (kind, value, prefix)

    def clear_auth(self) -> None:
        with self.lock:
            self.auth = None

    # -- log -------------------------------------------------------------------
    def requests(self, path: Optional[str] = None, method: Optional[str] = None) -> List[RequestLog]:
        with self.lock:
            return [r for r in self.log
                    if (path is None or r.path == path or fnmatch.fnmatchcase(r.path, path))
                    and (method is None or r.method == method)]

    def count(self, path: Optional[str] = None, method: Optional[str] = None,
              status: Optional[int] = None) -> int:
        return sum(1 for r in self.requests(path, method) if status is None or r.status == status)

    def reset_log(self) -> None:
        with self.lock:
            self.log.clear()

    # -- helpers -----------------------------------------------------------------
    def _pick_fault(self, path: str) -> Optional[Fault]:
        with self.lock:
            for f in self.faults:
                if f.matches(path):
                    f.hits += 1
                    return f
        return None

    def _headers_for(self, path: str) -> List[Tuple[str, str]]:
        with self.lock:
            return [(n, v) for p, n, v in self.extra_headers
                    if path == p or fnmatch.fnmatchcase(path, p)]

    def zst_of(self, source: Path) -> bytes:
        import zstandard

        st = source.stat()
        key = (str(source), st.st_mtime_ns, st.st_size)
        with self.lock:
            data = self._zst_cache.get(key)
        if data is None:
            data = zstandard.ZstdCompressor(level=3).compress(source.read_bytes())
            with self.lock:
                self._zst_cache[key] = data
        return data


class _Handler(BaseHTTPRequestHandler):
    srv: ChannelServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def do_GET(self) -> None:
        self._serve(head=False)

    # -- request handling --------------------------------------------------------
    def _serve(self, head: bool) -> None:
        srv = self.srv
        raw_path = unquote(urlsplit(self.path).path)
        headers = {k.lower(): v for k, v in self.headers.items()}
        path, auth_status = self._check_auth(raw_path, headers)
        entry = RequestLog(self.command, path, raw_path, headers)
        with srv.lock:
            srv.log.append(entry)
        if auth_status is not None:
            entry.status = auth_status
            extra = [("WWW-Authenticate", 'Basic realm="channel"')] if auth_status == 401 else []
            return self._simple(auth_status, b"authentication required\n", head, extra)
        fault = srv._pick_fault(path)
        if fault is not None:
            entry.fault = fault.kind
            handled = self._pre_body_fault(fault, entry, path, head)
            if handled:
                return
        body, meta = self._resolve(path)
        if body is None:
            entry.status = 404
            return self._simple(404, b"not found\n", head)
        etag, mtime = meta
        last_mod = formatdate(mtime, usegmt=True)
        extra = srv._headers_for(path)
        if self._not_modified(headers, etag, mtime):
            entry.status = 304
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", last_mod)
            for n, v in extra:
                self.send_header(n, v)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        status, start, end = 200, 0, len(body)
        rng = headers.get("range")
        if rng and (headers.get("if-range") in (None, etag, last_mod)):
            parsed = _parse_range(rng, len(body))
            if parsed is None:
                entry.status = 416
                return self._simple(416, b"", head, [("Content-Range", f"bytes */{len(body)}")])
            status, (start, end) = 206, parsed
        payload = body[start:end]
        if fault is not None and fault.kind in ("garbage", "corrupt"):
            payload = self._mangle(fault, payload)
        entry.status = status
        self.send_response(status)
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", last_mod)
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Type", "application/octet-stream")
        for n, v in extra:
            self.send_header(n, v)
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{end - 1}/{len(body)}")
        declared = len(payload)
        if fault is not None and fault.kind == "bad_length":
            declared += int(fault.params.get("extra", 100))
        self.send_header("Content-Length", str(declared))
        self.end_headers()
        if head:
            return
        if fault is not None and fault.kind in ("reset", "truncate", "stall", "bad_length"):
            return self._body_fault(fault, payload)
        self._write(payload)

    def _write(self, data: bytes) -> None:
        try:
            self.wfile.write(data)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _simple(self, status: int, body: bytes, head: bool,
                extra: Optional[List[Tuple[str, str]]] = None) -> None:
        self.send_response(status)
        for n, v in extra or []:
            self.send_header(n, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self._write(body)

    def _check_auth(self, raw_path: str, headers: Dict[str, str]) -> Tuple[str, Optional[int]]:
        auth = self.srv.auth
        if auth is None:
            return _strip_token(raw_path), None
        kind, secret, prefix = auth
        path = _strip_token(raw_path)
        if not path.startswith(prefix):
            return path, None
        if kind == "token":
            if not raw_path.startswith("/t/"):
                return path, 401
            return path, (None if raw_path.startswith(f"/t/{secret}/") else 403)
        given = headers.get("authorization")
        if not given:
            return path, 401
        if kind == "basic":
            expected = "Basic " + base64.b64encode(secret.encode()).decode()
        else:
            expected = "Bearer " + secret
        return path, (None if given.strip() == expected else 403)

    def _resolve(self, path: str) -> Tuple[Optional[bytes], Tuple[str, float]]:
        srv = self.srv
        rel = path.lstrip("/")
        target = (srv.root / rel).resolve()
        root = srv.root.resolve()
        if root != target and root not in target.parents:
            return None, ("", 0.0)
        if target.is_file():
            st = target.stat()
            return target.read_bytes(), (f'"{st.st_mtime_ns:x}-{st.st_size:x}"', st.st_mtime)
        if srv.auto_zst and rel.endswith(".zst"):
            source = target.with_name(target.name[:-4])
            if source.is_file():
                st = source.stat()
                return srv.zst_of(source), (f'"{st.st_mtime_ns:x}-{st.st_size:x}-zst"', st.st_mtime)
        return None, ("", 0.0)

    @staticmethod
    def _not_modified(headers: Dict[str, str], etag: str, mtime: float) -> bool:
        inm = headers.get("if-none-match")
        if inm is not None:
            return etag in [t.strip() for t in inm.split(",")] or inm.strip() == "*"
        ims = headers.get("if-modified-since")
        if ims:
            try:
                return int(mtime) <= parsedate_to_datetime(ims).timestamp()
            except (TypeError, ValueError, IndexError):
                return False
        return False

    # -- faults ---------------------------------------------------------------------
    def _pre_body_fault(self, fault: Fault, entry: RequestLog, path: str, head: bool) -> bool:
        p = fault.params
        if fault.kind == "delay":
            self.srv.stopping.wait(float(p.get("seconds", 1.0)))
            return False
        if fault.kind == "status":
            entry.status = int(p.get("status", 500))
            self._simple(entry.status, p.get("body", b"injected failure\n"), head)
            return True
        if fault.kind == "retry_after":
            entry.status = int(p.get("status", 429))
            self._simple(entry.status, b"slow down\n", head,
                         [("Retry-After", str(p.get("seconds", 1)))])
            return True
        if fault.kind == "drop":
            entry.status = 0
            self._reset()
            return True
        if fault.kind in ("redirect", "redirect_loop"):
            entry.status = int(p.get("status", 302))
            location = p.get("location", self.path) if fault.kind == "redirect" else self.path
            self._simple(entry.status, b"", head, [("Location", location)])
            return True
        return False

    def _body_fault(self, fault: Fault, payload: bytes) -> None:
        p = fault.params
        cut = int(len(payload) * float(p.get("fraction", 0.5)))
        if fault.kind == "bad_length":
            self._write(payload)
            self.close_connection = True
            return
        self._write(payload[:cut])
        if fault.kind == "stall":
            self.srv.stopping.wait(float(p.get("seconds", 5.0)))
            if p.get("then", "finish") == "finish":
                self._write(payload[cut:])
            else:
                self.close_connection = True
            return
        if fault.kind == "reset":
            self._reset()
            return
        self.close_connection = True  # truncate: orderly close, short body

    def _reset(self) -> None:
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.close_connection = True
        try:
            self.connection.close()
        except OSError:
            pass

    @staticmethod
    def _mangle(fault: Fault, payload: bytes) -> bytes:
        if fault.kind == "garbage":
            return fault.params.get("body", b"<html>this is not what you asked for</html>")
        data = bytearray(payload)
        step = max(1, len(data) // 16)
        for i in range(0, len(data), step):
            data[i] ^= 0x5A
        return bytes(data)


def _strip_token(path: str) -> str:
    if path.startswith("/t/"):
        rest = path[3:]
        _, sep, tail = rest.partition("/")
        return "/" + tail if sep else "/"
    return path


def _parse_range(value: str, size: int) -> Optional[Tuple[int, int]]:
    unit, _, spec = value.partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    first, _, last = spec.strip().partition("-")
    try:
        if first == "":
            n = int(last)
            return (max(0, size - n), size) if n > 0 else None
        start, end = int(first), (int(last) + 1 if last else size)
    except ValueError:
        return None
    if start < 0 or start >= size or end <= start:
        return None
    return start, min(end, size)


def free_port() -> int:
    """A port nothing listens on (for connection-refused tests)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# -- channel writing helpers ----------------------------------------------------------
def write_repodata(root: Union[str, Path], subdir: str, repodata: Dict[str, Any],
                   zst: bool = False, json_file: bool = True) -> Path:
    """Write ``root/subdir/repodata.json`` (and ``.zst`` when asked)."""
    d = Path(root) / subdir
    d.mkdir(parents=True, exist_ok=True)
    data = json.dumps(repodata, separators=(",", ":"), sort_keys=True).encode()
    p = d / "repodata.json"
    if json_file:
        p.write_bytes(data)
    if zst:
        import zstandard

        (d / "repodata.json.zst").write_bytes(zstandard.ZstdCompressor().compress(data))
    return p


def record(name: str, version: str, build: str = "0", build_number: int = 0,
           depends: Optional[List[str]] = None, subdir: str = "linux-64", **extra: Any) -> Dict[str, Any]:
    """A repodata record with plausible checksums."""
    h = hashlib.sha256(f"{name}-{version}-{build}-{subdir}".encode()).hexdigest()
    rec: Dict[str, Any] = {"name": name, "version": version, "build": build,
                           "build_number": build_number, "depends": list(depends or []),
                           "md5": h[:32], "sha256": h, "size": 1000, "subdir": subdir,
                           "timestamp": 1700000000000, "license": "MIT"}
    rec.update(extra)
    return rec


def repodata(subdir: str, records: List[Dict[str, Any]], conda: bool = True,
             **top: Any) -> Dict[str, Any]:
    """A repodata document holding ``records`` (as .conda or .tar.bz2)."""
    key = "packages.conda" if conda else "packages"
    doc: Dict[str, Any] = {"info": {"subdir": subdir}, "packages": {}, "packages.conda": {},
                           "repodata_version": 1}
    for r in records:
        ext = ".conda" if conda else ".tar.bz2"
        doc[key][f"{r['name']}-{r['version']}-{r['build']}{ext}"] = r
    doc.update(top)
    return doc
