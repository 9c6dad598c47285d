"""Errors of the HTTP layer.

Every error carries the URL it is about, already masked (no token, no
password), so whatever prints it cannot leak a credential.
"""
from __future__ import annotations

from typing import Optional

from umm.errors import UmmError


class NetError(UmmError):
    """Base of every network error; ``url`` is masked."""

    def __init__(self, message: str, url: str = "") -> None:
        from umm.net.masking import mask_text, mask_url

        self.url = mask_url(url) if url else ""
        super().__init__(mask_text(message))


class InvalidURL(NetError):
    def __init__(self, url: str, reason: str = "unsupported or malformed URL") -> None:
        from umm.net.masking import mask_url

        super().__init__(f"invalid URL {mask_url(url)}: {reason}", url)
        self.reason = reason


class HttpError(NetError):
    """The server answered with an error status (after retries, if any)."""

    def __init__(self, url: str, status: int, reason: str = "",
                 retry_after: Optional[float] = None) -> None:
        from umm.net.masking import mask_url

        self.status = status
        self.reason = reason
        self.retry_after = retry_after
        what = f"HTTP {status}" + (f" {reason}" if reason else "")
        super().__init__(f"{what} for {mask_url(url)}", url)


class ConnectionFailed(NetError):
    """Could not connect, or the connection broke (reset, refused, DNS, TLS)."""

    def __init__(self, url: str, reason: str) -> None:
        from umm.net.masking import mask_url

        self.reason = reason
        super().__init__(f"connection failed for {mask_url(url)}: {reason}", url)


class SSLFailure(ConnectionFailed):
    """TLS handshake or certificate verification failed."""


class Timeout(NetError):
    """Connecting or reading took longer than the configured timeout."""

    def __init__(self, url: str, phase: str = "read", seconds: Optional[float] = None) -> None:
        from umm.net.masking import mask_url

        self.phase = phase
        self.seconds = seconds
        after = f" after {seconds:g}s" if seconds else ""
        super().__init__(f"timed out ({phase}){after} for {mask_url(url)}", url)


class TooManyRedirects(NetError):
    def __init__(self, url: str, count: int) -> None:
        from umm.net.masking import mask_url

        self.count = count
        super().__init__(f"too many redirects ({count}) starting at {mask_url(url)}", url)


class IncompleteBody(NetError):
    """The body ended before its announced length (truncated or reset mid-body)."""

    def __init__(self, url: str, received: int, expected: Optional[int]) -> None:
        from umm.net.masking import mask_url

        self.received = received
        self.expected = expected
        exp = f" of {expected}" if expected is not None else ""
        super().__init__(
            f"incomplete response from {mask_url(url)}: got {received}{exp} bytes", url)


class AuthFileError(UmmError):
    """The authentication file exists but cannot be read or parsed."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"cannot read authentication file {path}: {reason}")


class ProxyConfigError(UmmError):
    def __init__(self, value: str, reason: str) -> None:
        from umm.net.masking import mask_url

        self.value = mask_url(value)
        self.reason = reason
        super().__init__(f"invalid proxy setting {self.value}: {reason}")
