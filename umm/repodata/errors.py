"""Errors of the repodata layer (fetching, caching, indexing)."""
from __future__ import annotations

from typing import Optional

from umm.errors import UmmError


class RepodataError(UmmError):
    """Base class; ``url`` is masked, ``channel`` is the channel's display name."""

    def __init__(self, message: str, channel: str = "", url: str = "") -> None:
        from umm.net.masking import mask_text, mask_url

        self.channel = channel
        self.url = mask_url(url) if url else ""
        super().__init__(mask_text(message))


class ChannelUnavailable(RepodataError):
    """A channel (or its noarch subdir) cannot be fetched at all."""

    def __init__(self, channel: str, url: str, reason: str,
                 status: Optional[int] = None) -> None:
        from umm.net.masking import mask_text, mask_url

        self.reason = mask_text(reason)
        self.status = status
        super().__init__(f"channel {channel} is not available at {mask_url(url)}: "
                         f"{self.reason}", channel, url)


class OfflineCacheMiss(RepodataError):
    """``--offline`` and no cached repodata for a channel subdir."""

    def __init__(self, channel: str, subdir: str, url: str) -> None:
        self.subdir = subdir
        super().__init__(f"offline mode: no cached repodata for {channel}/{subdir} "
                         f"(run once online to fill the cache)", channel, url)


class InvalidRepodata(RepodataError):
    """A repodata document (or shard) that is truncated, not JSON/msgpack, or malformed."""

    def __init__(self, url: str, reason: str, channel: str = "") -> None:
        from umm.net.masking import mask_url

        self.reason = reason
        where = f"{channel}: " if channel else ""
        super().__init__(f"{where}invalid repodata from {mask_url(url)}: {reason}", channel, url)


class CacheError(RepodataError):
    """The index cache cannot be written or read."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"repodata cache error at {path}: {reason}")


class MsgpackError(UmmError, ValueError):
    """Malformed msgpack data."""

    def __init__(self, reason: str, offset: int = -1) -> None:
        self.reason = reason
        self.offset = offset
        where = f" at byte {offset}" if offset >= 0 else ""
        super().__init__(f"invalid msgpack{where}: {reason}")
