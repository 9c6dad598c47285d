"""Loading the configuration: rc files, env vars, CLI and API, merged as micromamba does.

Precedence, highest first: API, CLI, environment variables (in the order the key
lists them), rc files (``$MAMBARC`` down to ``/etc/conda/.condarc``), default.
Scalars take the highest source; sequences are merged highest first and
de-duplicated; maps are merged key-wise.

The order of resolution follows libmamba: ``no_env``/``no_rc`` and ``rc_files``
first, then the root prefix (CLI, ``MAMBA_ROOT_PREFIX``, else ``~/micromamba``),
the rc files that do not depend on the target prefix, ``envs_dirs`` (needed by
``-n NAME``), the target prefix, and only then the target prefix's own rc files.
"""
from __future__ import annotations

import os
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from umm.config import keys as K
from umm.config import sources as S
from umm.config.errors import (ConfigFileError, ConfigValueError, ConflictingOptions,
                               RcFileNotFound, RootPrefixError, UnknownConfigKey)
from umm.config.model import Config, Setting, merge
from umm.config.prefix import (ALL_FALLBACKS, FROM_CONDA_PREFIX, FROM_DEFAULT_ENV, FROM_NAME,
                               resolve_target_prefix)
from umm.config.types import Expander, TypeMismatch
from umm.reporter import NULL, Reporter

API, CLI = "API", "CLI"

_RC_LEVELS_FOR_HOME_KEYS = (S.SYSTEM, S.ROOT, S.HOME, S.ENVVAR, S.EXPLICIT)


class _Loader:
    def __init__(self, cli: Mapping[str, Any], api: Mapping[str, Any],
                 environ: Mapping[str, str], home: str, cwd: str,
                 system_dirs: Sequence[str], host_platform: str, reporter: Reporter) -> None:
        self.cli = {k: v for k, v in cli.items() if v is not None}
        self.api = {k: v for k, v in api.items() if v is not None}
        for source, values in ((CLI, self.cli), (API, self.api)):
            for k in values:
                if k not in K.KEYS:
                    raise UnknownConfigKey(k, f"given by the {source}")
        self.environ = environ
        self.home = home
        self.cwd = cwd
        self.system_dirs = tuple(system_dirs)
        self.host_platform = host_platform
        self.reporter = reporter
        self.ex = Expander(environ, home, cwd)
        self.no_env = False
        self.rc_files: List[S.RcFile] = []  # highest precedence first
        self.searched: List[Tuple[S.RcLocation, bool]] = []
        self._file_cache: Dict[str, S.RcFile] = {}
        self.settings: Dict[str, Setting] = {}
        self.defaults: Optional[K.Defaults] = None

    # -- one value from one source -------------------------------------------------
    def _convert(self, key: K.Key, value: Any, source: str) -> Any:
        try:
            return key.type.from_python(value, self.ex)
        except TypeMismatch as exc:
            label = "the command line" if source == CLI else "the API" if source == API else source
            raise ConfigValueError(key.name, value, label, exc.expected) from None

    def _entries(self, key: K.Key, rc_files: Optional[Sequence[S.RcFile]] = None
                 ) -> List[Tuple[str, Any]]:
        entries: List[Tuple[str, Any]] = []
        if key.name in self.api:
            entries.append((API, self._convert(key, self.api[key.name], API)))
        if key.name in self.cli:
            entries.append((CLI, self._convert(key, self.cli[key.name], CLI)))
        if not self.no_env or key.name == "no_env":
            for var in key.env_vars:
                text = self.environ.get(var)
                if text is None or text == "":
                    continue
                try:
                    value = key.type.from_text(text, self.ex)
                except TypeMismatch as exc:
                    raise ConfigValueError(key.name, text, f"environment variable {var}",
                                           exc.expected) from None
                entries.append((var, value))
        if key.rc:
            files = self.rc_files if rc_files is None else rc_files
            for f in files:
                if key.rc_level == K.RC_HOME and f.level not in _RC_LEVELS_FOR_HOME_KEYS:
                    continue
                entry = f.entries.get(key.name)
                if entry is None and key.name in K.ALIASES_OF:
                    entry = next((f.entries[a] for a in K.ALIASES_OF[key.name]
                                  if a in f.entries), None)
                if entry is None or entry.value is None:
                    continue
                try:
                    value = key.type.from_yaml(entry.value, self.ex)
                except TypeMismatch as exc:
                    raise ConfigFileError(f.path, f"expected {exc.expected}, got {entry.value!r}",
                                          line=entry.line, key=key.name) from None
                entries.append((f.name, value))
        return entries

    def compute(self, name: str, default: Any = None,
                rc_files: Optional[Sequence[S.RcFile]] = None) -> Setting:
        key = K.KEYS[name]
        entries = self._entries(key, rc_files)
        if not entries and self.defaults is not None and default is None:
            default = key.default(self.defaults)
        value, origin = merge(key, entries, default)
        setting = Setting(key, value, entries, origin)
        self.settings[name] = setting
        return setting

    # -- rc files ---------------------------------------------------------------------
    def _read(self, loc: S.RcLocation) -> S.RcFile:
        cached = self._file_cache.get(loc.path)
        if cached is None or cached.level != loc.level:
            cached = S.read_rc_file(loc, self.home, self.ex.vars)
            self._file_cache[loc.path] = cached
        return cached

    def load_rc(self, locations: Sequence[S.RcLocation], explicit: bool) -> None:
        """Read the rc files at ``locations`` (given lowest precedence first, or for
        ``--rc-file`` in the order given: the first has the highest precedence)."""
        found = S.existing_files(locations)
        files = [self._read(loc) for loc in found]
        ordered = files if explicit else list(reversed(files))
        self.searched = [(S.RcLocation(f.path, f.level), f.valid) for f in ordered]
        self.rc_files = [f for f in ordered if f.valid]

    def warn_unknown_keys(self) -> None:
        for f in self.rc_files:
            for name, entry in f.entries.items():
                key = K.KEYS.get(K.ALIASES.get(name, name))
                if key is None:
                    if name not in K.CONDA_ONLY_KEYS:
                        self.reporter.warning(
                            f"{f.path}:{entry.line}: unknown configuration key '{name}' (ignored)")
                elif not key.rc:
                    self.reporter.warning(
                        f"{f.path}:{entry.line}: configuration key '{name}' cannot be set in "
                        "rc files (ignored)")
                elif key.rc_level == K.RC_HOME and f.level == S.TARGET:
                    self.reporter.warning(
                        f"{f.path}:{entry.line}: configuration key '{name}' cannot be set in a "
                        "target prefix's rc file (ignored)")


def _root_prefix(ld: _Loader) -> Setting:
    setting = ld.compute("root_prefix", rc_files=())
    if setting.is_set:
        return setting
    fallback = ld.environ.get("MAMBA_DEFAULT_ROOT_PREFIX") if not ld.no_env else None
    path = ld.ex.path(fallback) if fallback else os.path.join(ld.home, "micromamba")
    _validate_default_root(path)
    setting = Setting(K.KEYS["root_prefix"], path, (), ("default",))
    ld.settings["root_prefix"] = setting
    return setting


def _validate_default_root(path: str) -> None:
    if not os.path.exists(path):
        return
    if not os.path.isdir(path):
        raise RootPrefixError(path, "not a directory")
    if any(os.path.exists(os.path.join(path, n)) for n in ("pkgs", "conda-meta", "envs")):
        return
    try:
        empty = not os.listdir(path)
    except OSError:
        empty = False
    if not empty:
        raise RootPrefixError(path, "the directory exists, is not empty and is not a conda prefix")


def load(cli: Optional[Mapping[str, Any]] = None, api: Optional[Mapping[str, Any]] = None, *,
         environ: Optional[Mapping[str, str]] = None, home: Optional[str] = None,
         cwd: Optional[str] = None, system_dirs: Optional[Sequence[str]] = None,
         fallbacks: Sequence[str] = ALL_FALLBACKS, host_platform: Optional[str] = None,
         reporter: Reporter = NULL) -> Config:
    """Load the configuration.

    ``cli``/``api`` map key names to values (``None`` means not given); ``-n``/``-p``
    are the keys ``env_name``/``target_prefix``. ``environ``, ``home``, ``cwd`` and
    ``system_dirs`` default to the real ones and are injectable for tests.
    ``fallbacks`` says which of the active env (``"conda_prefix"``),
    ``CONDA_DEFAULT_ENV`` (``"default_env"``) and the root prefix (``"root"``) give
    the target prefix when none is named. Warnings (unknown rc keys ...) go to
    ``reporter``.
    """
    if environ is None:
        environ = dict(os.environ)
    if home is None:
        home = environ.get("HOME") or os.path.expanduser("~")
    home = os.path.normpath(home)
    cwd = cwd or os.getcwd()
    if system_dirs is None:
        system_dirs = S.default_system_dirs()
    if host_platform is None:
        from umm.config._platform import current_platform

        host_platform = current_platform()
    ld = _Loader(cli or {}, api or {}, environ, home, cwd, system_dirs, host_platform, reporter)

    # sources of configuration
    ld.no_env = bool(ld.compute("no_env", default=False, rc_files=()).value)
    no_rc = bool(ld.compute("no_rc", default=False, rc_files=()).value)
    rc_files = ld.compute("rc_files", default=[], rc_files=()).value
    if rc_files and no_rc:
        raise ConflictingOptions("--rc-file", "--no-rc")
    for f in rc_files:
        if not os.path.isfile(f):
            raise RcFileNotFound(f)

    # root prefix, then the rc files that do not depend on the target prefix
    root = _root_prefix(ld).value
    ld.defaults = K.Defaults(root, home, host_platform)

    def locations(target: Optional[str]) -> List[S.RcLocation]:
        if no_rc:
            return []
        if rc_files:
            return [S.RcLocation(p, S.EXPLICIT) for p in rc_files]
        return S.search_path(home, root, target, environ, system_dirs,
                             use_env_vars=not ld.no_env)

    explicit = bool(rc_files)
    ld.load_rc(locations(None), explicit)
    envs_dirs = ld.compute("envs_dirs").value

    # target prefix (-n / -p / MAMBA_TARGET_PREFIX / active env / root)
    env_name = ld.compute("env_name", rc_files=())
    prefix_setting = ld.compute("target_prefix", rc_files=())
    raw_prefix = _raw_prefix_text(ld)
    env_prefix = next((v for s, v in prefix_setting.entries if s not in (CLI, API)), None)
    target, target_origin = resolve_target_prefix(
        env_name=env_name.value if env_name.is_set else None,
        prefix=raw_prefix, env_var_prefix=env_prefix,
        root_prefix=root, envs_dirs=envs_dirs, environ=environ, normalize=ld.ex.path,
        fallbacks=fallbacks, warn=reporter.warning)
    origin = prefix_setting.origin if prefix_setting.is_set else \
        (_FALLBACK_SOURCES.get(target_origin or "", "default"),)
    if target_origin == FROM_NAME:
        origin = tuple(s for s, _ in env_name.entries)
    ld.settings["target_prefix"] = Setting(K.KEYS["target_prefix"], target,
                                           prefix_setting.entries, origin)

    # now every rc file, the target prefix's included
    if target and not explicit and not no_rc:
        ld.load_rc(locations(target), explicit)
    ld.warn_unknown_keys()

    done = {"no_env", "no_rc", "rc_files", "root_prefix", "envs_dirs", "env_name",
            "target_prefix"}
    for name in K.KEYS:
        if name not in done:
            ld.compute(name)
    _post_process(ld)
    return Config(ld.settings, ld.rc_files, ld.searched, home, environ, cwd, host_platform,
                  target_origin)


def _raw_prefix_text(ld: _Loader) -> Optional[str]:
    """The prefix given by the API or CLI as written (``-p NAME`` without a separator
    names an environment, so the text must not be made absolute first)."""
    for values in (ld.api, ld.cli):
        raw = values.get("target_prefix")
        if raw is not None and str(raw):
            return os.fspath(raw)
    return None


_FALLBACK_SOURCES = {FROM_CONDA_PREFIX: "CONDA_PREFIX", FROM_DEFAULT_ENV: "CONDA_DEFAULT_ENV"}


def _post_process(ld: _Loader) -> None:
    s = ld.settings
    # --override-channels: only the channels given on the command line / API
    if s["override_channels"].value:
        if s["override_channels_enabled"].value:
            chan = s["channels"]
            kept = [(src, v) for src, v in chan.entries if src in (CLI, API)]
            value, origin = merge(chan.key, kept, [])
            s["channels"] = Setting(chan.key, value, kept, origin)
        else:
            ld.reporter.warning("override_channels is disabled by the configuration "
                                "(override_channels_enabled: false): ignored")
    if s["always_copy"].value and s["always_softlink"].value:
        raise ConflictingOptions("always_copy", "always_softlink", "are mutually exclusive")
    plat = s["platform"]
    if not _valid_platform(plat.value):
        src = plat.origin[0] if plat.origin else "default"
        raise ConfigValueError("platform", plat.value, src,
                               "a known platform such as linux-64, osx-arm64, win-64 or noarch")
    if not s["log_level"].is_set:
        level = _log_level_fallback(bool(s["json"].value), int(s["verbose"].value or 0),
                                    s["verbose"].is_set)
        key = s["log_level"].key
        s["log_level"] = Setting(key, level, (), ("default",))


def _valid_platform(value: Any) -> bool:
    from umm.specs import Platform

    return isinstance(value, str) and Platform.is_known(value)


def _log_level_fallback(json: bool, verbose: int, verbose_set: bool) -> str:
    if json:
        return "off"
    if not verbose_set or verbose <= 0:
        return "warning"
    return ("info", "debug")[verbose - 1] if verbose <= 2 else "trace"
