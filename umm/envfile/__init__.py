"""umm.envfile: spec files, lock files, exports and the pip part of environments.

Public API (imported lazily)::

    load_spec_files(paths, platform, categories=None, reporter=NULL) -> SpecFileResult
    SpecTextFile.parse(text, path)        plain specs or @EXPLICIT packages
    EnvironmentFile.parse(text, path)     environment.yml (selectors, pip:, variables)
    CondaLock.parse(text, path)           conda-lock unified files, version 1; .select()
    ExplicitPackage.parse(line)           URL#md5 / URL#sha256 -> .record()
    PipRequest, install_pip(prefix, requests, reporter)
    read_env_vars / set_env_vars / unset_env_vars (conda-meta/state)
    export_yaml / export_explicit / export_json, lock_from_records (umm.envfile.export)
"""
from __future__ import annotations

from typing import Any, Dict, List

_EXPORTS: Dict[str, str] = {
    "load_spec_files": "umm.envfile.loader",
    "SpecFileResult": "umm.envfile.loader",
    "file_kind": "umm.envfile.loader",
    "SpecTextFile": "umm.envfile.textfile",
    "explicit_text": "umm.envfile.textfile",
    "EnvironmentFile": "umm.envfile.yamlenv",
    "CondaLock": "umm.envfile.lockfile",
    "LockedPackage": "umm.envfile.lockfile",
    "LockSelection": "umm.envfile.lockfile",
    "PipPackage": "umm.envfile.lockfile",
    "is_lock_file_name": "umm.envfile.lockfile",
    "ExplicitPackage": "umm.envfile.explicit",
    "PipRequest": "umm.envfile.pip",
    "install_pip": "umm.envfile.pip",
    "read_env_vars": "umm.envfile.state",
    "set_env_vars": "umm.envfile.state",
    "unset_env_vars": "umm.envfile.state",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'umm.envfile' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> List[str]:
    return sorted(list(globals()) + __all__)
