"""umm.repodata: channel repodata fetching, the index cache and lazy record sources.

Main entry points (imported lazily):

* ``load_channels(channels, platforms, pkgs_dirs, client, options, reporter)``
  -> ``list[ChannelSource]`` (each a ``RecordSource``: ``.channel``, ``.records(name)``)
* ``load_closure(sources, names)`` -> names reachable through dependencies
* ``clean_index_cache(pkgs_dirs)`` -> ``(removed paths, bytes freed)``
* ``RepodataOptions`` (from configuration keys), ``cache_name_from_url``
"""
from __future__ import annotations

from typing import Any

_EXPORTS = {
    "load_channels": "umm.repodata.loader",
    "load_closure": "umm.repodata.loader",
    "Loader": "umm.repodata.loader",
    "make_targets": "umm.repodata.loader",
    "channel_subdirs": "umm.repodata.loader",
    "clean_index_cache": "umm.repodata.cache",
    "cache_name_from_url": "umm.repodata.cache",
    "cache_key": "umm.repodata.cache",
    "CacheState": "umm.repodata.cache",
    "RepodataOptions": "umm.repodata.options",
    "ChannelSource": "umm.repodata.source",
    "SubdirTarget": "umm.repodata.fetch",
    "IndexedRecord": "umm.repodata.lazyrecord",
    "UrlChannel": "umm.repodata.loader",
    "RepodataError": "umm.repodata.errors",
    "ChannelUnavailable": "umm.repodata.errors",
    "OfflineCacheMiss": "umm.repodata.errors",
    "InvalidRepodata": "umm.repodata.errors",
    "CacheError": "umm.repodata.errors",
    "MsgpackError": "umm.repodata.errors",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'umm.repodata' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
