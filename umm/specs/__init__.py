"""umm.specs: conda's data model as pure value types (no I/O).

Versions and version constraints, match specs, platforms, channels and package
records. Names are imported lazily: ``import umm.specs`` costs nothing until a name
is used (``from umm.specs import MatchSpec``).
"""
from __future__ import annotations

from typing import Any, Dict, List

_EXPORTS: Dict[str, str] = {
    "Version": "umm.specs.version",
    "VersionSpec": "umm.specs.version_spec",
    "BuildNumberSpec": "umm.specs.build",
    "MatchSpec": "umm.specs.matchspec",
    "Platform": "umm.specs.platform",
    "KNOWN_SUBDIRS": "umm.specs.platform",
    "Channel": "umm.specs.channel",
    "ChannelContext": "umm.specs.channel",
    "mask_credentials": "umm.specs.channel",
    "PackageRecord": "umm.specs.records",
    "RepoDataRecord": "umm.specs.records",
    "PrefixRecord": "umm.specs.records",
    "RecordSource": "umm.specs.index",
    "MemoryRecordSource": "umm.specs.index",
    "SpecError": "umm.specs.errors",
    "InvalidVersion": "umm.specs.errors",
    "InvalidVersionSpec": "umm.specs.errors",
    "InvalidMatchSpec": "umm.specs.errors",
    "InvalidChannel": "umm.specs.errors",
    "InvalidPlatform": "umm.specs.errors",
    "InvalidRecord": "umm.specs.errors",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'umm.specs' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> List[str]:
    return sorted(list(globals()) + __all__)
