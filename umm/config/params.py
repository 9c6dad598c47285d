"""Small frozen parameter objects built from a :class:`~umm.config.model.Config`.

Each consumer takes only what it needs: the repodata and package layers take
:class:`NetworkOptions` and :class:`RepodataOptions`, the solver
:class:`SolverOptions`, the install engine :class:`LinkOptions` and
:class:`Prefixes`, the UI :class:`OutputOptions`, shells :class:`ShellOptions`.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Dict, Optional, Tuple, Union
from urllib.parse import urlsplit

from umm.config.model import Config
from umm.config.prefix import env_name as _env_name
from umm.config.prefix import first_writable_envs_dir, is_writable_dir, prefix_from_name

Pairs = Tuple[Tuple[str, str], ...]


def user_agent() -> str:
    from umm import __version__

    return f"umm/{__version__}"


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
class NetworkOptions:
    """What ``umm.net.HttpClient`` needs. ``ssl_verify`` is True, False or a CA path."""

    ssl_verify: Union[bool, str] = True
    client_cert: Optional[str] = None
    client_key: Optional[str] = None
    proxy_servers: Pairs = ()
    no_proxy: Tuple[str, ...] = ()
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    max_retries: int = 3
    backoff_factor: float = 3.0
    user_agent: str = field(default_factory=user_agent)
    offline: bool = False
    ssl_no_revoke: bool = False
    download_threads: int = 5

    def proxy_for(self, url: str) -> Optional[str]:
        """The proxy for ``url``: ``scheme://host`` keys first, then ``scheme``, then ``all``;
        None when ``no_proxy`` matches the host."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if host and self._bypass(host, parts.port):
            return None
        proxies = dict(self.proxy_servers)
        for k in (f"{parts.scheme}://{host}", parts.scheme, "all"):
            if k in proxies and proxies[k]:
                return proxies[k]
        return None

    def _bypass(self, host: str, port: Optional[int]) -> bool:
        for entry in self.no_proxy:
            entry = entry.strip().lower()
            if not entry:
                continue
            if entry == "*":
                return True
            name, _, eport = entry.partition(":")
            if eport and port is not None and eport != str(port):
                continue
            name = name.lstrip(".")
            if host == name or host.endswith("." + name):
                return True
        return False


@dataclass(frozen=True)
class RepodataOptions:
    platform: str
    local_repodata_ttl: int = 1
    repodata_use_zst: bool = True
    repodata_has_zst: Tuple[str, ...] = ()
    use_sharded_repodata: bool = False
    repodata_shards_ttl: int = 3600
    repodata_shards_threads: int = 10
    offline: bool = False
    retry_clean_cache: bool = False
    pkgs_dirs: Tuple[str, ...] = ()

    @property
    def subdirs(self) -> Tuple[str, ...]:
        return (self.platform,) if self.platform == "noarch" else (self.platform, "noarch")


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


def _environ_proxies(environ: Dict[str, str]) -> Tuple[Dict[str, str], Tuple[str, ...]]:
    def env(name: str) -> str:
        return environ.get(name.lower()) or environ.get(name.upper()) or ""

    proxies = {s: env(f"{s}_proxy") for s in ("http", "https", "all")}
    no_proxy = tuple(x for x in env("no_proxy").split(",") if x.strip())
    return {k: v for k, v in proxies.items() if v}, no_proxy


def network_options(cfg: Config) -> NetworkOptions:
    """Network options; ``cacert_path`` takes over a true ``ssl_verify``, and the usual
    ``http(s)_proxy``/``no_proxy`` variables fill in proxies the configuration lacks."""
    verify: Any = cfg.get("ssl_verify")
    cacert = cfg.get("cacert_path")
    if verify is True and cacert:
        verify = cacert
    proxies = dict(cfg.get("proxy_servers"))
    env_proxies, no_proxy = _environ_proxies(cfg.environ) if not cfg.get("no_env") else ({}, ())
    for k, v in env_proxies.items():
        proxies.setdefault(k, v)
    return NetworkOptions(
        ssl_verify=verify, client_cert=cfg.get("client_ssl_cert"),
        client_key=cfg.get("client_ssl_cert_key"),
        proxy_servers=tuple(proxies.items()), no_proxy=no_proxy,
        connect_timeout=float(cfg.get("remote_connect_timeout_secs")),
        read_timeout=float(cfg.get("remote_read_timeout_secs")),
        max_retries=int(cfg.get("remote_max_retries")),
        backoff_factor=float(cfg.get("remote_backoff_factor")),
        user_agent=user_agent(), offline=bool(cfg.get("offline")),
        ssl_no_revoke=bool(cfg.get("ssl_no_revoke")),
        download_threads=int(cfg.get("download_threads")))


def repodata_options(cfg: Config) -> RepodataOptions:
    return RepodataOptions(
        platform=cfg.get("platform"), local_repodata_ttl=cfg.get("local_repodata_ttl"),
        repodata_use_zst=cfg.get("repodata_use_zst"),
        repodata_has_zst=tuple(cfg.get("repodata_has_zst")),
        use_sharded_repodata=cfg.get("use_sharded_repodata"),
        repodata_shards_ttl=cfg.get("repodata_shards_ttl"),
        repodata_shards_threads=cfg.get("repodata_shards_threads"),
        offline=cfg.get("offline"), retry_clean_cache=cfg.get("retry_clean_cache"),
        pkgs_dirs=tuple(cfg.get("pkgs_dirs")))


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
