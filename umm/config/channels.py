"""Channels from the configuration: the ``umm.specs.ChannelContext`` and resolved URLs.

``channel_context(cfg)`` builds the specs layer's context from ``channel_alias``,
``custom_channels``, ``custom_multichannels`` and ``default_channels`` (``local``
is added as the ``conda-bld`` directories that exist, unless configured).
``channel_urls(cfg)`` lists the platform URLs of the configured channels, without
tokens or passwords (``umm info``).
"""
from __future__ import annotations

import os
from typing import Any, Dict, List, Optional, Sequence

from umm.config.model import Config


def multichannels(cfg: Config) -> Dict[str, List[str]]:
    """``custom_multichannels`` plus ``local`` (existing ``conda-bld`` dirs) when not set.
    ``defaults`` comes from ``default_channels`` unless redefined here."""
    multi = {k: list(v) for k, v in cfg.get("custom_multichannels").items()}
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
    from umm.specs import ChannelContext

    return ChannelContext(cfg.get("channel_alias"), dict(cfg.get("custom_channels")),
                          multichannels(cfg), default_channels=list(cfg.get("default_channels")),
                          cwd=cfg.cwd)


def channel_urls(cfg: Config, channels: Optional[Sequence[str]] = None,
                 platform: Optional[str] = None) -> List[str]:
    """Platform and noarch URLs of ``channels`` (default: the configured ones), without
    tokens or passwords, in order and without duplicates."""
    names = list(cfg.get("channels") if channels is None else channels)
    plat = platform or cfg.get("platform")
    ctx = channel_context(cfg)
    out: List[str] = []
    for name in names:
        for chan in ctx.resolve(name):
            for _, url in chan.platform_urls([plat]):
                if url not in out:
                    out.append(url)
    return out
