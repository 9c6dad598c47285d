"""Credential masking for URLs and free text.

``mask_url`` hides conda tokens (``/t/<token>/``), URL passwords
(``user:<password>@``) and secret-looking query parameters; ``mask_text``
does the same for every URL found inside a message.
"""
from __future__ import annotations

import re

MASK = "*****"

_TOKEN_RE = re.compile(r"/t/(?:(?!::)[^/\s?#'\"])+")
_USERINFO_RE = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*://)([^/@\s:]*):([^/@\s]*)@")
_QUERY_SECRET_RE = re.compile(
    r"([?&](?:token|access_token|api_key|apikey|password|passwd|secret|sig|signature)=)[^&#\s]*",
    re.IGNORECASE)
_URL_IN_TEXT_RE = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'\"<>]+")


def mask_url(url: str) -> str:
    """``url`` with every credential replaced by ``*****``."""
    if not url:
        return url
    out = _USERINFO_RE.sub(lambda m: f"{m.group(1)}{m.group(2)}:{MASK}@", url, count=1)
    out = _TOKEN_RE.sub("/t/" + MASK, out)
    out = _QUERY_SECRET_RE.sub(lambda m: m.group(1) + MASK, out)
    return out


def mask_text(text: str) -> str:
    """``text`` with every URL in it masked (and bare ``/t/<token>`` segments)."""
    if not text:
        return text
    out = _URL_IN_TEXT_RE.sub(lambda m: mask_url(m.group(0)), text)
    return _TOKEN_RE.sub("/t/" + MASK, out)


def strip_token(url: str) -> str:
    """``url`` without its ``/t/<token>`` segment (for cache keys and records)."""
    return _TOKEN_RE.sub("", url, count=1)


def split_token(url: str) -> "tuple[str, str | None]":
    """``(url without token, token or None)``."""
    m = _TOKEN_RE.search(url)
    if not m:
        return url, None
    return url[:m.start()] + url[m.end():], m.group(0)[3:]
