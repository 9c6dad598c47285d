"""umm.query: ``repoquery`` over record sources (channels or an installed prefix).

* ``PackagePool(sources, virtual=())``: records by name, loaded lazily
* ``run_query(pool, kind, specs, recursive=False, tree=False) -> QueryResult``
  (``search``, ``depends``, ``whoneeds``)
* ``umm.query.render``: ``table``, ``tree``, ``pretty``, ``to_json``

Imports are lazy: ``import umm.query`` loads nothing else.
"""
from __future__ import annotations

from typing import Any

_EXPORTS = {
    "PackagePool": "umm.query.pool",
    "dependency_name": "umm.query.pool",
    "QueryResult": "umm.query.result",
    "Node": "umm.query.result",
    "run_query": "umm.query.result",
    "search": "umm.query.result",
    "depends": "umm.query.result",
    "whoneeds": "umm.query.result",
    "QueryError": "umm.query.errors",
    "SingleQueryOnly": "umm.query.errors",
    "UnknownQueryKind": "umm.query.errors",
    "CannotListNames": "umm.query.errors",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'umm.query' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
