"""umm.package.selfupdate: replace the running umm binary with another release.

Public API::

    Runtime(frozen_by, executable, argv0="", onefile=False, original_argv0=None)
        Runtime.current()                           # this process
    running_executable(runtime=None) -> str         # the file to replace, or NotFrozen
    ReleaseSource(base_url, platform)               # LATEST, archive and .sha256 URLs
    ChecksumLine.parse(text)                        # "<sha256>  <name>"
    plan_update(client, source, current, executable, version=None, offline=False)
        -> UpdatePlan (.up_to_date, .downgrade, .target, .archive_url, ...)
    prepare_update(plan, client, reporter=NULL) -> StagedUpdate   # verified, staged
        .commit() -> UpdateResult (.sha256, .size)  /  .discard()
    apply_update(plan, client, reporter=NULL) -> UpdateResult     # both at once

Modules: ``exe`` (which file is the running umm), ``release`` (the release
directory and the plan), ``install`` (download, verify, check, replace),
``errors``. Imports are lazy.
"""
from __future__ import annotations

from typing import Any

_EXPORTS = {
    "Runtime": "umm.package.selfupdate.exe",
    "running_executable": "umm.package.selfupdate.exe",
    "looks_like_python": "umm.package.selfupdate.exe",
    "ReleaseSource": "umm.package.selfupdate.release",
    "ChecksumLine": "umm.package.selfupdate.release",
    "UpdatePlan": "umm.package.selfupdate.release",
    "plan_update": "umm.package.selfupdate.release",
    "fetch_latest": "umm.package.selfupdate.release",
    "apply_update": "umm.package.selfupdate.install",
    "prepare_update": "umm.package.selfupdate.install",
    "StagedUpdate": "umm.package.selfupdate.install",
    "check_binary": "umm.package.selfupdate.install",
    "UpdateResult": "umm.package.selfupdate.install",
    "SelfUpdateError": "umm.package.selfupdate.errors",
    "NotFrozen": "umm.package.selfupdate.errors",
    "UnsafeTarget": "umm.package.selfupdate.errors",
    "InvalidVersionText": "umm.package.selfupdate.errors",
    "ReleaseNotFound": "umm.package.selfupdate.errors",
    "InvalidRelease": "umm.package.selfupdate.errors",
    "ReleaseChecksumMismatch": "umm.package.selfupdate.errors",
    "BrokenBinary": "umm.package.selfupdate.errors",
    "ReplaceFailed": "umm.package.selfupdate.errors",
    "OfflineUpdate": "umm.package.selfupdate.errors",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'umm.package.selfupdate' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
