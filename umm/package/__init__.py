"""umm.package: package archives, downloads and the package cache.

Modules: ``extract`` (safe streamed extraction), ``compress`` (compress,
transmute), ``download`` (verified resumable downloads), ``cache``
(``PackageCache.ensure``), ``lock`` (cross-process file locks), ``clean``
(what ``umm clean`` removes), ``errors``. Imports are lazy:
``from umm.package import PackageCache`` loads only ``umm.package.cache``.
(The functions ``extract`` and ``compress`` share their module's name: import
them from ``umm.package.extract`` / ``umm.package.compress``.)
"""
from __future__ import annotations

from typing import Any

_EXPORTS = {
    "extract_many": "umm.package.extract",
    "ExtractLimits": "umm.package.extract",
    "ExtractResult": "umm.package.extract",
    "transmute": "umm.package.compress",
    "Downloader": "umm.package.download",
    "DownloadRequest": "umm.package.download",
    "DownloadResult": "umm.package.download",
    "PackageCache": "umm.package.cache",
    "dist_name": "umm.package.cache",
    "FileLock": "umm.package.lock",
    "PackageError": "umm.package.errors",
    "InvalidArchive": "umm.package.errors",
    "UnsafeArchive": "umm.package.errors",
    "ExtractError": "umm.package.errors",
    "CompressError": "umm.package.errors",
    "DownloadError": "umm.package.errors",
    "ChecksumMismatch": "umm.package.errors",
    "LockTimeout": "umm.package.errors",
    "CacheError": "umm.package.errors",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'umm.package' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
