"""umm.install: transactions on an environment (link, unlink, prefix data, history).

Public API::

    from umm.install import execute, LinkRequest, LinkOptions, HistoryEntry, PrefixData
    result = execute(prefix, unlink=[...], link=[LinkRequest(record, extracted_dir)],
                     options=LinkOptions(always_copy=False), history=HistoryEntry(cmd))

Submodules are imported on first attribute access, so importing the package is cheap.
"""
from __future__ import annotations

from typing import Any

_EXPORTS = {
    "execute": "umm.install.transaction",
    "LinkRequest": "umm.install.transaction",
    "TransactionResult": "umm.install.transaction",
    "topo_order": "umm.install.transaction",
    "LinkOptions": "umm.install.link",
    "HistoryEntry": "umm.install.history",
    "read_history": "umm.install.history",
    "requested_specs": "umm.install.history",
    "PrefixData": "umm.install.prefix_data",
    "is_environment": "umm.install.prefix_data",
    "read_pinned": "umm.install.prefix_data",
    "PackageInfo": "umm.install.package_info",
    "PrefixRecord": "umm.specs.records",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'umm.install' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
