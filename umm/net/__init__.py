"""umm.net: the HTTP client (urllib3), credentials and URL masking.

Imports are lazy: ``from umm.net import HttpClient`` loads urllib3 only then.
"""
from __future__ import annotations

from typing import Any

_EXPORTS = {
    "HttpClient": "umm.net.client",
    "Response": "umm.net.client",
    "NetworkOptions": "umm.net.options",
    "parse_ssl_verify": "umm.net.options",
    "AuthStore": "umm.net.auth",
    "CondaToken": "umm.net.auth",
    "BasicAuth": "umm.net.auth",
    "BearerToken": "umm.net.auth",
    "default_auth_path": "umm.net.auth",
    "mask_url": "umm.net.masking",
    "mask_text": "umm.net.masking",
    "strip_token": "umm.net.masking",
    "NetError": "umm.net.errors",
    "HttpError": "umm.net.errors",
    "ConnectionFailed": "umm.net.errors",
    "SSLFailure": "umm.net.errors",
    "Timeout": "umm.net.errors",
    "TooManyRedirects": "umm.net.errors",
    "IncompleteBody": "umm.net.errors",
    "InvalidURL": "umm.net.errors",
    "AuthFileError": "umm.net.errors",
    "ProxyConfigError": "umm.net.errors",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'umm.net' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
