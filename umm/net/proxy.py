"""Proxy selection: ``proxy_servers`` (conda's format) and the environment."""
from __future__ import annotations

import os
from typing import Mapping, Optional
from urllib.parse import urlsplit


def _env(name: str) -> Optional[str]:
    value = os.environ.get(name.lower()) or os.environ.get(name.upper())
    return value.strip() if value and value.strip() else None


def no_proxy_matches(host: str, port: Optional[int], no_proxy: Optional[str]) -> bool:
    """True when ``host`` is excluded by a ``NO_PROXY`` value (curl's rules)."""
    if not no_proxy:
        return False
    host = host.lower().strip("[]")
    for entry in no_proxy.replace(" ", ",").split(","):
        entry = entry.strip().lower()
        if not entry:
            continue
        if entry == "*":
            return True
        e_host, _, e_port = entry.rpartition(":") if entry.count(":") == 1 else (entry, "", "")
        if e_port and not e_port.isdigit():
            e_host, e_port = entry, ""
        if e_port and port is not None and int(e_port) != port:
            continue
        e_host = e_host.lstrip(".").strip("[]")
        if e_host.startswith("*."):
            e_host = e_host[2:]
        if host == e_host or host.endswith("." + e_host):
            return True
    return False


def select_proxy(url: str, proxy_servers: Mapping[str, str], use_env: bool = True) -> Optional[str]:
    """The proxy URL to use for ``url`` or None (direct connection).

    Configured keys, most specific first: ``scheme://host``, ``all://host``,
    ``scheme``, ``all``; then ``<scheme>_proxy``/``all_proxy`` from the
    environment. ``NO_PROXY`` excludes hosts from both.
    """
    parts = urlsplit(url)
    scheme = (parts.scheme or "").lower()
    host = (parts.hostname or "").lower()
    if scheme not in ("http", "https") or not host:
        return None
    if use_env and no_proxy_matches(host, parts.port, _env("no_proxy")):
        return None
    for key in (f"{scheme}://{host}", f"all://{host}", scheme, "all"):
        value = proxy_servers.get(key)
        if value:
            return _with_scheme(value)
    if use_env:
        value = _env(f"{scheme}_proxy") or _env("all_proxy")
        if value:
            return _with_scheme(value)
    return None


def _with_scheme(proxy: str) -> str:
    return proxy if "://" in proxy else "http://" + proxy
