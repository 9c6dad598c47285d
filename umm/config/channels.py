"""Channels from the configuration: the ``umm.specs.ChannelContext`` and resolved URLs.

``channel_context(cfg)`` builds the specs layer's context (``defaults`` maps to
``default_channels`` unless ``custom_multichannels`` says otherwise; ``local`` to
the ``conda-bld`` directories that exist). ``channel_urls`` lists the platform
URLs of the configured channels (``info``): through the specs layer when it is
available, else through a small private resolver (:func:`_resolve_urls`) that
knows names, labels, URLs, paths, custom channels and multichannels.
"""
from __future__ import annotations

import os
import re
from typing import Any, Dict, List, Mapping, Optional, Sequence

from umm.config.model import Config

_KNOWN_SUBDIRS = frozenset({
    "noarch", "linux-64", "linux-32", "linux-aarch64", "linux-armv6l", "linux-armv7l",
    "linux-ppc64le", "linux-ppc64", "linux-s390x", "linux-riscv64", "osx-64", "osx-arm64",
    "win-64", "win-32", "win-arm64", "emscripten-wasm32", "wasi-wasm32", "zos-z",
    "freebsd-64"})


def multichannels(cfg: Config) -> Dict[str, List[str]]:
    """``custom_multichannels`` plus ``defaults`` and ``local`` when not redefined."""
    multi = {k: list(v) for k, v in cfg.get("custom_multichannels").items()}
    multi.setdefault("defaults", list(cfg.get("default_channels")))
    if "local" not in multi:
        candidates = [os.path.join(cfg.get("root_prefix"), "conda-bld"),
                      os.path.join(cfg.home, "conda-bld")]
        target = cfg.get("target_prefix")
        if target:
            candidates.insert(1, os.path.join(target, "conda-bld"))
        local = [c for c in dict.fromkeys(candidates) if os.path.isdir(c)]
        if local:
            multi["local"] = local
    return multi


def channel_context(cfg: Config) -> Any:
    """The ``umm.specs.ChannelContext`` of this configuration."""
    try:
        from umm.specs import ChannelContext  # type: ignore[attr-defined]
    except ImportError:
        from umm.errors import NotImplementedYet

        raise NotImplementedYet("umm.specs.ChannelContext (channel resolution)") from None
    return ChannelContext(cfg.get("channel_alias"), dict(cfg.get("custom_channels")),
                          multichannels(cfg))


def channel_urls(cfg: Config, channels: Optional[Sequence[str]] = None,
                 platform: Optional[str] = None) -> List[str]:
    """Platform and noarch URLs of ``channels`` (default: the configured ones), no tokens."""
    names = list(cfg.get("channels") if channels is None else channels)
    plat = platform or cfg.get("platform")
    subdirs = [plat] if plat == "noarch" else [plat, "noarch"]
    try:
        ctx = channel_context(cfg)
    except Exception:
        ctx = None
    out: List[str] = []
    if ctx is not None and hasattr(ctx, "resolve"):
        for name in names:
            for chan in ctx.resolve(name):
                for sub in subdirs:
                    url = chan.platform_url(sub, with_token=False)
                    if url not in out:
                        out.append(url)
        return out
    for name in names:
        for url in _resolve_urls(name, cfg.get("channel_alias"), cfg.get("custom_channels"),
                                 multichannels(cfg), subdirs, cfg.cwd, cfg.home):
            if url not in out:
                out.append(url)
    return out


_TOKEN_RE = re.compile(r"/t/[^/]+")
_CRED_RE = re.compile(r"^([a-z][a-z0-9+.-]*://)[^/@]+@", re.I)


def _strip_credentials(url: str) -> str:
    return _TOKEN_RE.sub("", _CRED_RE.sub(r"\1", url), count=1)


def _is_path(text: str) -> bool:
    return (text.startswith(("/", "./", "../", "~", "\\")) or text in (".", "..")
            or bool(re.match(r"^[A-Za-z]:[\\/]", text)))


def _resolve_urls(text: str, alias: str, custom: Mapping[str, str],
                  multi: Mapping[str, Sequence[str]], subdirs: Sequence[str], cwd: str,
                  home: str, _depth: int = 0) -> List[str]:
    if text in multi and _depth < 8:
        out: List[str] = []
        for t in multi[text]:
            out.extend(_resolve_urls(t, alias, custom, multi, subdirs, cwd, home, _depth + 1))
        return out
    if "://" in text:
        base = _strip_credentials(text.rstrip("/"))
    elif _is_path(text):
        path = home + text[1:] if text.startswith("~") else text
        base = "file://" + os.path.normpath(os.path.join(cwd, path)).replace(os.sep, "/")
    else:
        first = text.split("/", 1)[0]
        root = custom[first] if first in custom else alias
        base = _strip_credentials(root.rstrip("/")) + "/" + text.strip("/")
    last = base.rsplit("/", 1)[-1]
    if last in _KNOWN_SUBDIRS:
        return [base]
    return [f"{base}/{sub}" for sub in subdirs]
