"""The HTTP client: one urllib3 pool manager per client (and one per proxy).

``HttpClient.request`` retries connection errors, timeouts, 5xx and 429
(honouring ``Retry-After``) with exponential backoff, follows redirects
itself (dropping credentials across hosts), applies credentials from an
:class:`~umm.net.auth.AuthStore`, and answers ``file://`` URLs with the same
response interface. Errors are :mod:`umm.net.errors` with masked URLs.
"""
from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from email.utils import parsedate_to_datetime
from typing import Any, Callable, Dict, Iterator, Mapping, Optional, Tuple
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

from umm.net.auth import AuthStore, BasicAuth, BearerToken, CondaToken
from umm.net.errors import (ConnectionFailed, HttpError, IncompleteBody, InvalidURL, NetError,
                            SSLFailure, Timeout, TooManyRedirects)
from umm.net.fileurl import FileResponse
from umm.net.masking import mask_url, split_token
from umm.net.options import NetworkOptions

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
CHUNK = 1 << 16


class Response:
    """A response (HTTP or file): status, lower-cased headers, body iterator."""

    def __init__(self, url: str, status: int, reason: str, headers: Mapping[str, str],
                 raw: Any = None, file: Optional[FileResponse] = None) -> None:
        self.url = url
        self.status = status
        self.reason = reason
        self.headers: Dict[str, str] = {k.lower(): v for k, v in headers.items()}
        self._raw = raw
        self._file = file
        self._content: Optional[bytes] = None
        self._consumed = False

    @property
    def masked_url(self) -> str:
        return mask_url(self.url)

    def header(self, name: str, default: Optional[str] = None) -> Optional[str]:
        return self.headers.get(name.lower(), default)

    @property
    def content_length(self) -> Optional[int]:
        value = self.headers.get("content-length")
        try:
            return int(value) if value is not None else None
        except ValueError:
            return None

    def iter_content(self, chunk_size: int = CHUNK) -> Iterator[bytes]:
        """The (decoded) body in chunks; raises a :class:`NetError` if it breaks off."""
        if self._content is not None:
            yield self._content
            return
        if self._consumed:
            return
        self._consumed = True
        if self._file is not None:
            yield from self._file.iter_raw(chunk_size)
            return
        raw = self._raw
        if raw is None:
            return
        try:
            while True:
                data = raw.read(chunk_size)
                if not data:
                    break
                yield data
        except Exception as exc:  # urllib3 / socket errors while reading
            self.close()
            raise map_exception(exc, self.url, self._raw_tell()) from None
        expected = self.content_length
        encoded = self.headers.get("content-encoding", "identity").lower() not in ("", "identity")
        got = self._raw_tell()
        if expected is not None and not encoded and got is not None and got < expected:
            self.close()
            raise IncompleteBody(self.url, got, expected)
        self.release()

    def _raw_tell(self) -> Optional[int]:
        try:
            return int(self._raw.tell())
        except Exception:
            return None

    def read(self) -> bytes:
        if self._content is None:
            self._content = b"".join(self.iter_content())
        return self._content

    @property
    def content(self) -> bytes:
        return self.read()

    def release(self) -> None:
        if self._raw is not None:
            with contextlib.suppress(Exception):
                self._raw.release_conn()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
        if self._raw is not None:
            with contextlib.suppress(Exception):
                self._raw.close()
            with contextlib.suppress(Exception):
                self._raw.release_conn()

    def __enter__(self) -> "Response":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Response {self.status} {self.masked_url}>"


def map_exception(exc: BaseException, url: str, received: Optional[int] = None) -> NetError:
    """An urllib3/socket exception as one of :mod:`umm.net.errors`."""
    import urllib3.exceptions as ue

    if isinstance(exc, NetError):
        return exc
    if isinstance(exc, ue.SSLError):
        return SSLFailure(url, _reason(exc))
    if isinstance(exc, ue.ProxyError):
        return ConnectionFailed(url, "proxy error: " + _reason(exc))
    if isinstance(exc, ue.NewConnectionError):
        return ConnectionFailed(url, _reason(exc))
    if isinstance(exc, ue.ConnectTimeoutError):
        return Timeout(url, "connect")
    if isinstance(exc, (ue.ReadTimeoutError, socket.timeout)):
        return Timeout(url, "read")
    if isinstance(exc, ue.LocationParseError):
        return InvalidURL(url, _reason(exc))
    incomplete = _find_incomplete(exc)
    if incomplete is not None:
        got, expected = incomplete
        return IncompleteBody(url, received if received is not None else got, expected)
    if isinstance(exc, (ue.ProtocolError, ue.DecodeError, OSError, ue.HTTPError)):
        return ConnectionFailed(url, _reason(exc))
    return ConnectionFailed(url, f"{type(exc).__name__}: {exc}")


def _find_incomplete(exc: BaseException) -> Optional[Tuple[int, Optional[int]]]:
    import http.client

    seen = 0
    cur: Optional[BaseException] = exc
    while cur is not None and seen < 6:
        if isinstance(cur, http.client.IncompleteRead):
            partial = cur.partial if isinstance(cur.partial, int) else len(cur.partial or b"")
            return partial, (partial + cur.expected) if isinstance(cur.expected, int) else None
        for arg in getattr(cur, "args", ()):
            if isinstance(arg, http.client.IncompleteRead):
                return _find_incomplete(arg)
        cur = cur.__cause__ or cur.__context__
        seen += 1
    return None


def _reason(exc: BaseException) -> str:
    text = str(exc)
    marker = "Failed to establish a new connection: "
    if marker in text:
        text = text.split(marker, 1)[1]
    if text.startswith("(") and "Connection" in text:
        text = text.strip("()")
    text = " ".join(text.split())
    return text[:300] or type(exc).__name__


def parse_retry_after(value: Optional[str], now: Optional[float] = None) -> Optional[float]:
    """``Retry-After`` in seconds (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when - (time.time() if now is None else now))


class HttpClient:
    """HTTP(S) and file:// requests with retries, auth, proxies and masking.

    One pool manager per client (never shared through a module global); a
    separate ``ProxyManager`` per proxy URL. Thread-safe.
    """

    def __init__(self, options: Optional[NetworkOptions] = None,
                 auth: Optional[AuthStore] = None,
                 sleep: Callable[[float], None] = time.sleep, pool_size: int = 10) -> None:
        self.options = options or NetworkOptions()
        self.auth = auth or AuthStore()
        self._sleep = sleep
        self._pool_size = pool_size
        self._lock = threading.Lock()
        self._direct: Any = None
        self._proxied: Dict[str, Any] = {}
        if self.options.ssl_verify is False:
            import warnings

            import urllib3.exceptions as ue

            warnings.filterwarnings("ignore", category=ue.InsecureRequestWarning)

    # -- pools -----------------------------------------------------------
    def _pool_kw(self) -> Dict[str, Any]:
        o = self.options
        kw: Dict[str, Any] = {"maxsize": self._pool_size, "block": False}
        if o.ssl_verify is False:
            kw["cert_reqs"] = "CERT_NONE"
            kw["assert_hostname"] = False
        else:
            bundle = o.ssl_verify if isinstance(o.ssl_verify, str) else o.cacert_path
            if not bundle:
                import certifi

                bundle = certifi.where()
            kw["cert_reqs"] = "CERT_REQUIRED"
            if os.path.isdir(bundle):
                kw["ca_cert_dir"] = bundle
            else:
                kw["ca_certs"] = bundle
        if o.client_cert:
            kw["cert_file"] = o.client_cert
            if o.client_key:
                kw["key_file"] = o.client_key
        return kw

    def _manager_for(self, url: str) -> Any:
        import urllib3

        from umm.net.proxy import select_proxy

        proxy = select_proxy(url, self.options.proxies, self.options.use_env_proxies)
        with self._lock:
            if proxy is None:
                if self._direct is None:
                    self._direct = urllib3.PoolManager(num_pools=20, **self._pool_kw())
                return self._direct
            mgr = self._proxied.get(proxy)
            if mgr is None:
                parts = urlsplit(proxy)
                headers = None
                if parts.username is not None:
                    creds = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
                    headers = urllib3.make_headers(proxy_basic_auth=creds)
                    proxy_url = urlunsplit((parts.scheme, _netloc(parts), parts.path, "", ""))
                else:
                    proxy_url = proxy
                try:
                    mgr = urllib3.ProxyManager(proxy_url, num_pools=20, proxy_headers=headers,
                                               **self._pool_kw())
                except (ValueError, urllib3.exceptions.ProxySchemeUnknown) as exc:
                    from umm.net.errors import ProxyConfigError

                    raise ProxyConfigError(proxy, str(exc)) from None
                self._proxied[proxy] = mgr
            return mgr

    def close(self) -> None:
        with self._lock:
            managers = ([self._direct] if self._direct else []) + list(self._proxied.values())
            self._direct, self._proxied = None, {}
        for mgr in managers:
            with contextlib.suppress(Exception):
                mgr.clear()

    def __enter__(self) -> "HttpClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- auth ------------------------------------------------------------
    def authorize(self, url: str, headers: Dict[str, str]) -> Tuple[str, Dict[str, str]]:
        """``url`` and ``headers`` with credentials applied (token, basic, bearer)."""
        parts = urlsplit(url)
        out = dict(headers)
        has_auth_header = any(k.lower() == "authorization" for k in out)
        if parts.username is not None or parts.password is not None:
            if not has_auth_header:
                out["Authorization"] = BasicAuth(unquote(parts.username or ""),
                                                 unquote(parts.password or "")).header()
            url = urlunsplit((parts.scheme, _netloc(parts), parts.path, parts.query,
                              parts.fragment))
            return url, out
        info = self.auth.find(url)
        if isinstance(info, CondaToken):
            if split_token(url)[1] is None:
                url = urlunsplit((parts.scheme, parts.netloc, f"/t/{info.token}{parts.path}",
                                  parts.query, parts.fragment))
        elif isinstance(info, (BasicAuth, BearerToken)) and not has_auth_header:
            out["Authorization"] = info.header()
        return url, out

    # -- requests ----------------------------------------------------------
    def _default_headers(self, headers: Optional[Mapping[str, str]]) -> Dict[str, str]:
        out = {"User-Agent": self.options.user_agent, "Accept-Encoding": "gzip, deflate"}
        for k, v in (headers or {}).items():
            for existing in [e for e in out if e.lower() == k.lower()]:
                del out[existing]
            out[k] = v
        if any(k.lower() == "range" for k in out):
            out = {k: v for k, v in out.items() if k.lower() != "accept-encoding"}
            out["Accept-Encoding"] = "identity"
        return out

    def _send_once(self, method: str, url: str, headers: Dict[str, str], body: Optional[bytes],
                   timeout: Optional[Tuple[float, float]]) -> Response:
        scheme = urlsplit(url).scheme.lower()
        if scheme == "file":
            fr = FileResponse(url, method, headers)
            return Response(url, fr.status, fr.reason, fr.headers, file=fr)
        if scheme not in ("http", "https"):
            raise InvalidURL(url, f"unsupported scheme {scheme or '(none)'!r}")
        import urllib3

        connect, read = timeout or (self.options.connect_timeout, self.options.read_timeout)
        current, hdrs, hops = url, dict(headers), 0
        while True:
            req_url, req_headers = self.authorize(current, hdrs)
            mgr = self._manager_for(req_url)
            try:
                raw = mgr.urlopen(method, req_url, headers=req_headers, body=body,
                                  retries=False, redirect=False, preload_content=False,
                                  decode_content=True,
                                  timeout=urllib3.Timeout(connect=connect, read=read))
            except Exception as exc:
                raise map_exception(exc, current) from None
            location = raw.headers.get("location")
            if raw.status in REDIRECT_STATUSES and location:
                with contextlib.suppress(Exception):
                    raw.drain_conn()
                    raw.release_conn()
                hops += 1
                if hops > self.options.max_redirects:
                    raise TooManyRedirects(url, hops - 1)
                target = urljoin(current, location)
                if urlsplit(target).netloc.rsplit("@", 1)[-1].lower() != \
                        urlsplit(current).netloc.rsplit("@", 1)[-1].lower():
                    hdrs = {k: v for k, v in hdrs.items() if k.lower() != "authorization"}
                if raw.status == 303 or (raw.status in (301, 302) and method == "POST"):
                    method, body = "GET", None
                current = target
                continue
            return Response(current, raw.status, raw.reason or "", dict(raw.headers.items()),
                            raw=raw)

    def backoff(self, attempt: int) -> float:
        o = self.options
        return min(o.max_backoff, o.backoff_factor * (2 ** attempt))

    def request(self, method: str, url: str, headers: Optional[Mapping[str, str]] = None,
                body: Optional[bytes] = None, preload_content: bool = False,
                raise_for_status: bool = True, max_retries: Optional[int] = None,
                timeout: Optional[Tuple[float, float]] = None) -> Response:
        """Send a request, retrying transient failures; returns a :class:`Response`.

        With ``raise_for_status`` an error status (>= 400, after retries of
        408/429/5xx) raises :class:`HttpError`. With ``preload_content`` the
        body is read inside the retry loop, so a body that breaks off is
        retried too.
        """
        hdrs = self._default_headers(headers)
        retries = self.options.max_retries if max_retries is None else max_retries
        attempt = 0
        while True:
            try:
                resp = self._send_once(method.upper(), url, hdrs, body, timeout)
                if resp.status in RETRY_STATUSES and attempt < retries:
                    delay = None
                    if resp.status in (429, 503):
                        delay = parse_retry_after(resp.header("retry-after"))
                    resp.close()
                    if delay is None:
                        delay = self.backoff(attempt)
                    self._sleep(min(delay, self.options.retry_after_cap))
                    attempt += 1
                    continue
                if raise_for_status and resp.status >= 400:
                    resp.close()
                    raise HttpError(resp.url, resp.status, resp.reason,
                                    parse_retry_after(resp.header("retry-after")))
                if preload_content and method.upper() != "HEAD":
                    resp.read()
                return resp
            except (ConnectionFailed, Timeout, IncompleteBody) as exc:
                if isinstance(exc, SSLFailure) or attempt >= retries:
                    raise
                self._sleep(self.backoff(attempt))
                attempt += 1

    def get(self, url: str, headers: Optional[Mapping[str, str]] = None, **kw: Any) -> Response:
        return self.request("GET", url, headers, **kw)

    def head(self, url: str, headers: Optional[Mapping[str, str]] = None, **kw: Any) -> Response:
        return self.request("HEAD", url, headers, **kw)

    @contextlib.contextmanager
    def stream(self, url: str, headers: Optional[Mapping[str, str]] = None,
               method: str = "GET", raise_for_status: bool = True) -> Iterator[Response]:
        """``with client.stream(url) as r:`` r.status, r.headers, r.iter_content()."""
        resp = self.request(method, url, headers, raise_for_status=raise_for_status)
        try:
            yield resp
        finally:
            resp.close()

    def download(self, url: str, dest: str, headers: Optional[Mapping[str, str]] = None,
                 on_chunk: Optional[Callable[[int], None]] = None,
                 expected_size: Optional[int] = None) -> Response:
        """Write the body of ``url`` to the file ``dest`` (created or replaced).

        A body that breaks off is retried up to ``max_retries`` times,
        resuming with ``Range``/``If-Range`` when the server supports it.
        Returns the (closed) last response; on 304 nothing is written.
        """
        base = dict(headers or {})
        written = 0
        attempt = 0
        validator: Optional[str] = None
        with open(dest, "wb") as out:
            while True:
                hdrs = dict(base)
                if written and validator:
                    hdrs["Range"] = f"bytes={written}-"
                    hdrs["If-Range"] = validator
                resp = self.request("GET", url, hdrs)
                try:
                    if resp.status == 304:
                        return resp
                    if resp.status == 206 and written:
                        start = _content_range_start(resp.header("content-range"))
                        if start != written:
                            out.seek(0)
                            out.truncate()
                            written = 0
                            resp.close()
                            validator = None
                            continue
                    elif written:
                        out.seek(0)
                        out.truncate()
                        written = 0
                    if resp.header("accept-ranges", "").lower() == "bytes" and \
                            resp.header("content-encoding", "identity") in ("identity", ""):
                        validator = resp.header("etag") or resp.header("last-modified")
                    else:
                        validator = None
                    for chunk in resp.iter_content():
                        out.write(chunk)
                        written += len(chunk)
                        if on_chunk is not None:
                            on_chunk(len(chunk))
                    if expected_size is not None and written != expected_size:
                        got, written, validator = written, 0, None
                        out.seek(0)
                        out.truncate()
                        raise IncompleteBody(url, got, expected_size)
                    return resp
                except (ConnectionFailed, Timeout, IncompleteBody):
                    if attempt >= self.options.max_retries:
                        raise
                    self._sleep(self.backoff(attempt))
                    attempt += 1
                finally:
                    resp.close()


def _content_range_start(value: Optional[str]) -> Optional[int]:
    if not value:
        return None
    try:
        return int(value.split()[1].split("-")[0])
    except (IndexError, ValueError):
        return None


def _netloc(parts: Any) -> str:
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    return host if parts.port is None else f"{host}:{parts.port}"
