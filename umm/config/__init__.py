"""umm.config: rc files, env vars, CLI precedence, prefixes and virtual packages.

Public API (imported lazily, nothing runs at import time)::

    load(cli=None, api=None, *, environ=None, home=None, cwd=None, system_dirs=...,
         fallbacks=..., host_platform=None, reporter=NULL) -> Config
    Config.get(key) / .sources(key) / .is_set(key) / .origin(key) / .rc_files
    Config is a read-only Mapping of key names (``cfg["channels"]``), so other layers
    can build their options with ``from_config(cfg)``
    prefixes(cfg) -> Prefixes            link_options(cfg) / solver_options(cfg)
    output_options(cfg) / shell_options(cfg)
    channel_context(cfg) / channel_urls(cfg)
    virtual_packages(cfg) -> list[VirtualPackage]
    virtual_package_records(cfg) -> list[PackageRecord]
"""
from __future__ import annotations

from typing import Any, List

_EXPORTS = {
    "load": "umm.config.loader",
    "Config": "umm.config.model",
    "Setting": "umm.config.model",
    "Key": "umm.config.keys",
    "KEYS": "umm.config.keys",
    "Prefixes": "umm.config.params",
    "LinkOptions": "umm.config.params",
    "SolverOptions": "umm.config.params",
    "OutputOptions": "umm.config.params",
    "ShellOptions": "umm.config.params",
    "prefixes": "umm.config.params",
    "link_options": "umm.config.params",
    "solver_options": "umm.config.params",
    "output_options": "umm.config.params",
    "shell_options": "umm.config.params",
    "channel_context": "umm.config.channels",
    "channel_urls": "umm.config.channels",
    "VirtualPackage": "umm.config.virtual",
}

__all__ = sorted(list(_EXPORTS) + ["virtual_packages", "virtual_package_records"])


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'umm.config' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)


def virtual_packages(cfg: Any, platform: str = "") -> List[Any]:
    """The virtual packages for ``platform`` (default: the configured one), honouring
    ``CONDA_OVERRIDE_*`` from the configuration's environment."""
    from umm.config.virtual import detect

    return detect(platform or cfg.get("platform"), cfg.environ)


def virtual_package_records(cfg: Any, platform: str = "") -> List[Any]:
    """:func:`virtual_packages` as ``umm.specs.PackageRecord`` objects (for the solver)."""
    from umm.config.virtual import as_records

    plat = platform or cfg.get("platform")
    return as_records(virtual_packages(cfg, plat), plat)
