"""Small frozen parameter objects built from a :class:`~umm.config.model.Config`.

Each consumer takes only what it needs: the solver :class:`SolverOptions`, the
install engine :class:`LinkOptions` and :class:`Prefixes`, the UI
:class:`OutputOptions`, shells :class:`ShellOptions`. The network and repodata
layers build their own options from the configuration, which is a read-only
mapping of key names: ``umm.net.NetworkOptions.from_config(cfg)``,
``umm.repodata.RepodataOptions.from_config(cfg)``; :func:`user_agent` is umm's.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Optional, Tuple

from umm.config.model import Config
from umm.config.prefix import env_name as _env_name
from umm.config.prefix import first_writable_envs_dir, is_writable_dir, prefix_from_name


def user_agent() -> str:
    """``umm/0.1.0 (Linux; x86_64) python/3.11.7``."""
    import platform

    from umm import __version__

    return (f"umm/{__version__} ({platform.system()}; {platform.machine()}) "
            f"python/{platform.python_version()}")


@dataclass(frozen=True)
class Prefixes:
    root_prefix: str
    target_prefix: Optional[str]
    envs_dirs: Tuple[str, ...]
    pkgs_dirs: Tuple[str, ...]
    target_origin: Optional[str] = None  # "name", "path", "conda_prefix", "root" ...

    @property
    def target_name(self) -> str:
        """``base``, the env's name inside an envs dir, or ``""`` (known by path only)."""
        if self.target_prefix is None:
            return ""
        return _env_name(self.target_prefix, self.root_prefix, self.envs_dirs)

    def prefix_for_name(self, name: str) -> str:
        return prefix_from_name(name, self.root_prefix, self.envs_dirs)

    @property
    def first_writable_envs_dir(self) -> Optional[str]:
        return first_writable_envs_dir(self.envs_dirs)

    @property
    def first_writable_pkgs_dir(self) -> Optional[str]:
        for d in self.pkgs_dirs:
            if is_writable_dir(d):
                return d
        return None


@dataclass(frozen=True)
class LinkOptions:
    always_copy: bool = False
    always_softlink: bool = False
    allow_softlinks: bool = False
    compile_pyc: bool = True
    safety_checks: str = "warn"  # disabled / warn / enabled
    extra_safety_checks: bool = False
    shortcuts: bool = True
    extract_threads: int = 1
    relocate_prefix: Optional[str] = None
    lock_timeout: int = 0
    use_lockfiles: bool = True
    verify_artifacts: bool = False


@dataclass(frozen=True)
class SolverOptions:
    channel_priority: str = "flexible"  # strict / flexible / disabled
    pinned_packages: Tuple[str, ...] = ()
    add_pip_as_python_dependency: bool = True
    freeze_installed: bool = False
    no_deps: bool = False
    only_deps: bool = False
    allow_downgrade: bool = False
    allow_uninstall: bool = True
    force_reinstall: bool = False
    no_pin: bool = False
    no_py_pin: bool = False
    order_solver_request: bool = True


@dataclass(frozen=True)
class OutputOptions:
    json: bool = False
    quiet: bool = False
    verbose: int = 0
    log_level: str = "warning"
    always_yes: bool = False
    dry_run: bool = False
    download_only: bool = False
    show_banner: bool = True


@dataclass(frozen=True)
class ShellOptions:
    changeps1: bool = True
    env_prompt: str = "({default_env}) "
    auto_activate_base: bool = False
    shell_completion: bool = True


def prefixes(cfg: Config) -> Prefixes:
    return Prefixes(cfg.get("root_prefix"), cfg.get("target_prefix"),
                    tuple(cfg.get("envs_dirs")), tuple(cfg.get("pkgs_dirs")), cfg.target_origin)


def effective_threads(value: int) -> int:
    """micromamba's thread counts: 0 = all cores, negative = all cores minus |n|."""
    cpus = os.cpu_count() or 1
    if value > 0:
        return value
    return max(1, cpus + value)


def link_options(cfg: Config) -> LinkOptions:
    return LinkOptions(
        always_copy=cfg.get("always_copy"), always_softlink=cfg.get("always_softlink"),
        allow_softlinks=cfg.get("allow_softlinks"), compile_pyc=cfg.get("compile_pyc"),
        safety_checks=cfg.get("safety_checks"),
        extra_safety_checks=cfg.get("extra_safety_checks"), shortcuts=cfg.get("shortcuts"),
        extract_threads=effective_threads(int(cfg.get("extract_threads"))),
        relocate_prefix=cfg.get("relocate_prefix"), lock_timeout=cfg.get("lock_timeout"),
        use_lockfiles=cfg.get("use_lockfiles"), verify_artifacts=cfg.get("verify_artifacts"))


def solver_options(cfg: Config) -> SolverOptions:
    return SolverOptions(
        channel_priority=cfg.get("channel_priority"),
        pinned_packages=tuple(cfg.get("pinned_packages")),
        add_pip_as_python_dependency=cfg.get("add_pip_as_python_dependency"),
        freeze_installed=cfg.get("freeze_installed"), no_deps=cfg.get("no_deps"),
        only_deps=cfg.get("only_deps"), allow_downgrade=cfg.get("allow_downgrade"),
        allow_uninstall=cfg.get("allow_uninstall"), force_reinstall=cfg.get("force_reinstall"),
        no_pin=cfg.get("no_pin"), no_py_pin=cfg.get("no_py_pin"),
        order_solver_request=cfg.get("order_solver_request"))


def output_options(cfg: Config) -> OutputOptions:
    return OutputOptions(
        json=cfg.get("json"), quiet=cfg.get("quiet"), verbose=cfg.get("verbose"),
        log_level=cfg.get("log_level"), always_yes=cfg.get("always_yes"),
        dry_run=cfg.get("dry_run"), download_only=cfg.get("download_only"),
        show_banner=cfg.get("show_banner"))


def shell_options(cfg: Config) -> ShellOptions:
    return ShellOptions(changeps1=cfg.get("changeps1"), env_prompt=cfg.get("env_prompt"),
                        auto_activate_base=cfg.get("auto_activate_base"),
                        shell_completion=cfg.get("shell_completion"))
