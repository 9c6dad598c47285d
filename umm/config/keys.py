"""The registry of configuration keys: type, default, env vars, descriptions, group.

Mirrors the configurables libmamba registers (names, groups, env var names,
defaults, which keys rc files may set). ``rc_level`` says up to which rc level a
key may be read: ``"target"`` (every rc file, the default), ``"home"`` (not from
the target prefix's rc files: ``envs_dirs`` decides where ``-n NAME`` lives, so
it cannot come from that prefix), or ``None`` (not settable in rc files).
"""
from __future__ import annotations

import os
import sys
from typing import Any, Callable, Dict, Iterator, Optional, Tuple

from umm.config import types as t

BASIC = "Basic"
CHANNELS = "Channels"
REPODATA = "Repodata"
NETWORK = "Network"
SOLVER = "Solver"
LINK = "Extract, Link & Install"
OUTPUT = "Output, Prompt and Flow Control"
SOURCES = "Config sources"

GROUPS = (BASIC, CHANNELS, REPODATA, NETWORK, SOLVER, LINK, OUTPUT, SOURCES)

RC_TARGET, RC_HOME = "target", "home"


class Defaults:
    """What computed defaults depend on."""

    __slots__ = ("root_prefix", "home", "platform")

    def __init__(self, root_prefix: str, home: str, platform: str) -> None:
        self.root_prefix = root_prefix
        self.home = home
        self.platform = platform


DefaultFn = Callable[[Defaults], Any]


class Key:
    """One configuration key. Immutable."""

    __slots__ = ("name", "type", "_default", "env_vars", "description", "long_description",
                 "group", "rc_level")

    def __init__(self, name: str, type: t.ValueType, default: Any, group: str, description: str,
                 long_description: str = "", env: Optional[Tuple[str, ...]] = None,
                 rc_level: Optional[str] = RC_TARGET) -> None:
        set_ = object.__setattr__
        set_(self, "name", name)
        set_(self, "type", type)
        set_(self, "_default", default)
        set_(self, "group", group)
        set_(self, "description", description)
        set_(self, "long_description", long_description or description)
        mamba = "MAMBA_" + name.upper()
        names = tuple(env) if env is not None else (mamba,)
        if mamba not in names:
            names = names + (mamba,)
        set_(self, "env_vars", names)
        set_(self, "rc_level", rc_level)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Key is immutable")

    @property
    def rc(self) -> bool:
        """Whether rc files may set this key."""
        return self.rc_level is not None

    @property
    def kind(self) -> str:
        return self.type.kind

    def default(self, ctx: Defaults) -> Any:
        d = self._default
        value = d(ctx) if callable(d) else d
        if isinstance(value, list):
            return list(value)
        if isinstance(value, dict):
            return dict(value)
        return value

    def __repr__(self) -> str:
        return f"Key({self.name!r})"


def _default_platform(ctx: Defaults) -> str:
    return ctx.platform


def _envs_dirs(ctx: Defaults) -> list:
    return [os.path.join(ctx.root_prefix, "envs")]


def _pkgs_dirs(ctx: Defaults) -> list:
    dirs = [os.path.join(ctx.root_prefix, "pkgs"), os.path.join(ctx.home, ".mamba", "pkgs")]
    if sys.platform == "win32" and os.environ.get("APPDATA"):
        dirs.append(os.path.join(os.environ["APPDATA"], ".mamba", "pkgs"))
    return dirs


def _default_channels(ctx: Defaults) -> list:
    chans = ["https://repo.anaconda.com/pkgs/main", "https://repo.anaconda.com/pkgs/r"]
    if ctx.platform.startswith("win-"):
        chans.append("https://repo.anaconda.com/pkgs/msys2")
    return chans


_PRIORITY = t.EnumType(("strict", "flexible", "disabled"), {True: "flexible", False: "disabled"})
_SAFETY = t.EnumType(("disabled", "warn", "enabled"), {True: "enabled", False: "disabled"})
_LOG_LEVEL = t.EnumType(("trace", "debug", "info", "warning", "error", "critical", "off"),
                        {"warn": "warning", "fatal": "critical", False: "off"})

_K = Key
_KEYS: Tuple[Key, ...] = (
    # -- Basic -------------------------------------------------------------
    _K("root_prefix", t.PATH, None, BASIC, "Path to the root prefix", rc_level=None,
       long_description="Path to the root prefix: base environment, default envs and pkgs "
       "directories. From -r/--root-prefix or MAMBA_ROOT_PREFIX; defaults to ~/micromamba."),
    _K("target_prefix", t.PATH, None, BASIC, "Path to the target prefix", rc_level=None),
    _K("relocate_prefix", t.PATH, None, BASIC, "Path to the relocation prefix", rc_level=None,
       long_description="Prefix written into installed files instead of the target prefix."),
    _K("env_name", t.STR, None, BASIC, "Name of the target prefix", rc_level=None, env=()),
    _K("envs_dirs", t.PATH_LIST, _envs_dirs, BASIC, "Possible locations of named environments",
       env=("MAMBA_ENVS_DIRS", "CONDA_ENVS_DIRS", "CONDA_ENVS_PATH"), rc_level=RC_HOME,
       long_description="Directories holding named environments; `-n NAME` uses the first one "
       "holding NAME, else the first writable one. Defaults to {root_prefix}/envs."),
    _K("pkgs_dirs", t.PATH_LIST, _pkgs_dirs, BASIC, "Possible locations of packages caches",
       env=("MAMBA_PKGS_DIRS", "CONDA_PKGS_DIRS"),
       long_description="Package cache directories, first writable one is used for downloads. "
       "Defaults to {root_prefix}/pkgs and ~/.mamba/pkgs."),
    _K("platform", t.STR, _default_platform, BASIC, "The platform description",
       env=("CONDA_SUBDIR", "MAMBA_PLATFORM"),
       long_description="The platform description points what channels subdir/platform have "
       "to be fetched for package solving. This can be 'linux-64' or similar."),
    _K("create_base", t.BOOL, False, BASIC, "Define if base environment will be initialized empty",
       rc_level=None, env=()),
    _K("experimental", t.BOOL, False, BASIC, "Enable experimental features",
       long_description="Enable experimental features that may be still under active "
       "development and not stable yet."),
    _K("debug", t.BOOL, False, BASIC, "Turn on the debug mode", rc_level=None,
       long_description="Turn on the debug mode (tracebacks on errors)."),
    # -- Channels ----------------------------------------------------------
    _K("channels", t.STR_LIST, ["conda-forge"], CHANNELS, "Define the list of channels",
       env=("MAMBA_CHANNELS", "CONDA_CHANNELS"),
       long_description="The list of channels where the packages will be searched for. "
       "Note that '-c local' allows using locally built packages. See also 'channel_priority'."),
    _K("channel_alias", t.STR, "https://conda.anaconda.org", CHANNELS,
       "The prepended url location to associate with channel names"),
    _K("default_channels", t.STR_LIST, _default_channels, CHANNELS, "Default channels used",
       long_description="The list of channel names and/or urls used for the 'defaults' "
       "multichannel."),
    _K("custom_channels", t.STR_MAP, {}, CHANNELS, "Custom channels",
       long_description="A dictionary with name: url to use for custom channels."),
    _K("custom_multichannels", t.STR_LIST_MAP, {}, CHANNELS, "Custom multichannels",
       long_description="A dictionary where keys are multi channels names, and values are a "
       "list of corresponding names / urls / file paths to use."),
    _K("mirrored_channels", t.STR_LIST_MAP, {}, CHANNELS, "Mirrored channels",
       long_description="A dictionary where keys are channels names, and values are a list of "
       "mirrors urls to use."),
    _K("override_channels_enabled", t.BOOL, True, CHANNELS,
       "Permit use of the --override-channels command-line flag"),
    _K("override_channels", t.BOOL, False, CHANNELS,
       "Ignore the channels of the configuration (only use the -c channels)", rc_level=None),
    # -- Repodata ----------------------------------------------------------
    _K("repodata_use_zst", t.BOOL, True, REPODATA, "Use zstd encoded repodata when fetching"),
    _K("repodata_has_zst", t.STR_LIST, ["https://conda.anaconda.org/conda-forge"], REPODATA,
       "Channels that have zstd encoded repodata (saves a HEAD request)"),
    _K("use_sharded_repodata", t.BOOL, False, REPODATA,
       "Use sharded repodata (repodata_shards.msgpack.zst) when the channel has it"),
    _K("repodata_shards_ttl", t.NONNEG_INT, 3600, REPODATA,
       "Lifetime of the sharded repodata index in the cache, in seconds"),
    _K("repodata_shards_threads", t.POS_INT, 10, REPODATA,
       "Number of threads fetching repodata shards"),
    _K("local_repodata_ttl", t.NONNEG_INT, 1, REPODATA, "Repodata time-to-live",
       long_description="For a value of 0, always fetch remote repodata (HTTP 304 responses "
       "respected). For a value of 1, respect the HTTP Cache-Control max-age header. Any other "
       "positive integer values is the number of seconds to locally cache repodata before "
       "checking the remote server for an update."),
    _K("offline", t.BOOL, False, REPODATA, "Force use cached repodata"),
    # -- Network -----------------------------------------------------------
    _K("ssl_verify", t.SSL_VERIFY, True, NETWORK, "Verify SSL certificates for HTTPS requests",
       long_description="'ssl_verify' can be true (regular SSL verification), false (no SSL "
       "verification), or the path of a CA bundle file or of a directory of certificates."),
    _K("ssl_no_revoke", t.BOOL, False, NETWORK, "SSL certificate revocation checks",
       long_description="Disable certificate revocation checks (Windows back-end only). "
       "WARNING: this option loosens the SSL security."),
    _K("cacert_path", t.PATH, None, NETWORK, "Path (file or directory) SSL certificate(s)",
       long_description="Path (file or directory) SSL certificate(s) to use when 'ssl_verify' "
       "is turned on but not set with path to certs. WARNING: overrides 'ssl_verify' if "
       "provided and 'ssl_verify' also contains a path to SSL certificates."),
    _K("client_ssl_cert", t.PATH, None, NETWORK,
       "Path of a client SSL certificate (PEM, may include the key)"),
    _K("client_ssl_cert_key", t.PATH, None, NETWORK,
       "Path of the private key of the client SSL certificate"),
    _K("proxy_servers", t.STR_MAP, {}, NETWORK, "Use a proxy server for network connections",
       long_description="'proxy_servers' should be a dictionary where the key is either in "
       "the form of scheme://hostname or just a scheme for which the proxy server should be "
       "used and the value is the url of the proxy server, optionally with username and "
       "password in the form of scheme://username:password@hostname."),
    _K("remote_connect_timeout_secs", t.FLOAT, 10.0, NETWORK,
       "The number seconds to wait for establishing a connection to a remote url resource"),
    _K("remote_read_timeout_secs", t.FLOAT, 60.0, NETWORK,
       "The number seconds to wait for a remote server to send data"),
    _K("remote_backoff_factor", t.FLOAT, 3.0, NETWORK,
       "The factor determines the time HTTP connection should wait for attempt"),
    _K("remote_max_retries", t.NONNEG_INT, 3, NETWORK,
       "The maximum number of retries each HTTP connection should attempt"),
    _K("download_threads", t.POS_INT, 5, NETWORK,
       "Defines the number of threads for package download",
       long_description="Defines the number of threads for package download. It has to be "
       "strictly positive."),
    _K("self_update_url", t.STR, "https://github.com/umm-dev/umm/releases/latest/download",
       NETWORK, "Where `umm self-update` finds releases (LATEST, archives, .sha256)",
       env=("MAMBA_SELF_UPDATE_URL", "UMM_BASE_URL"), rc_level=RC_HOME,
       long_description="The release directory `umm self-update` reads: LATEST and "
       "umm-<version>-<platform>.tar.bz2 with its .sha256 (the files build/build.sh writes "
       "and scripts/install.sh downloads). A URL, or a local directory. UMM_BASE_URL is "
       "the variable install.sh uses."),
    _K("retry_clean_cache", t.BOOL, False, NETWORK,
       "If solve fails, try to fetch updated repodata", rc_level=None),
    # -- Solver ------------------------------------------------------------
    _K("channel_priority", _PRIORITY, "flexible", SOLVER,
       "Define the channel priority ('strict', 'flexible' or 'disabled')",
       long_description="With strict channel priority, packages in lower priority channels "
       "are not considered if a package with the same name appears in a higher priority "
       "channel. With flexible priority, higher priority channels are preferred but lower ones "
       "are still used. With channel priority disabled, package version takes precedence, and "
       "the configured priority of channels is used only to break ties. True is an alias of "
       "'flexible' and false of 'disabled'."),
    _K("explicit_install", t.BOOL, False, SOLVER,
       "Use explicit install instead of solving environment", rc_level=None, env=()),
    _K("file_specs", t.STR_LIST, [], SOLVER, "File (yaml, explicit or plain)", rc_level=None,
       env=()),
    _K("no_pin", t.BOOL, False, SOLVER, "Ignore pinned packages", rc_level=None),
    _K("no_py_pin", t.BOOL, False, SOLVER, "Do not automatically pin Python",
       long_description="Do not automatically pin Python when not present in the packages "
       "specifications, which is the default behavior."),
    _K("add_pip_as_python_dependency", t.BOOL, True, SOLVER, "Add pip as a Python dependency",
       long_description="Automatically add pip as a Python dependency"),
    _K("pinned_packages", t.STR_LIST, [], SOLVER,
       "A list of package specs to pin for every environment resolution"),
    _K("freeze_installed", t.BOOL, False, SOLVER, "Freeze already installed dependencies",
       rc_level=None, env=()),
    _K("no_deps", t.BOOL, False, SOLVER,
       "Do not install dependencies. This WILL lead to broken environments and inconsistent "
       "behavior. Use at your own risk", rc_level=None, env=()),
    _K("only_deps", t.BOOL, False, SOLVER, "Only install dependencies", rc_level=None, env=()),
    _K("force_reinstall", t.BOOL, False, SOLVER, "Force reinstall of package", rc_level=None,
       env=()),
    _K("allow_uninstall", t.BOOL, True, SOLVER,
       "Allow uninstall when installing or updating packages. Default is true."),
    _K("allow_downgrade", t.BOOL, False, SOLVER,
       "Allow downgrade when installing packages. Default is false."),
    _K("order_solver_request", t.BOOL, True, SOLVER,
       "Order the solver request specs to get a deterministic solution."),
    _K("categories", t.STR_LIST, ["main"], SOLVER,
       "Package categories to consider when installing from a lock file", rc_level=None, env=()),
    _K("prefix_data_interoperability", t.BOOL, False, SOLVER,
       "Take packages installed by pip into account (experimental)"),
    # -- Extract, Link & Install -------------------------------------------
    _K("extract_threads", t.INT, 0, LINK, "Defines the number of threads for package extraction",
       long_description="Positive number gives the number of threads, negative number gives "
       "host max concurrency minus the value, zero (default) is the host max concurrency value."),
    _K("allow_softlinks", t.BOOL, False, LINK,
       "Allow to use soft-links when hard-links are not possible",
       long_description="Allow to use soft-links (symlinks) when hard-links are not possible, "
       "such as when installing on a different filesystem than the one that the package cache "
       "is on."),
    _K("always_copy", t.BOOL, False, LINK, "Use copy instead of hard-link",
       long_description="Register a preference that files be copied into a prefix during "
       "install rather than hard-linked."),
    _K("always_softlink", t.BOOL, False, LINK, "Use soft-link instead of hard-link",
       long_description="Register a preference that files be soft-linked (symlinked) into a "
       "prefix during install rather than hard-linked. The link source is the package cache "
       "from where the package is being linked. WARNING: Using this option can result in "
       "corruption of long-lived environments due to broken links (deleted cache)."),
    _K("shortcuts", t.BOOL, True, LINK,
       "Install start-menu shortcuts on Windows (not implemented on Linux / macOS)"),
    _K("safety_checks", _SAFETY, "warn", LINK,
       "Safety checks policy ('enabled', 'warn', or 'disabled')",
       env=("CONDA_SAFETY_CHECKS", "MAMBA_SAFETY_CHECKS"),
       long_description="Enforce available safety guarantees during package installation. The "
       "value must be one of 'enabled', 'warn', or 'disabled'."),
    _K("extra_safety_checks", t.BOOL, False, LINK, "Run extra verifications on packages",
       env=("CONDA_EXTRA_SAFETY_CHECKS", "MAMBA_EXTRA_SAFETY_CHECKS"),
       long_description="Spend extra time validating package contents. Currently, runs sha256 "
       "verification on every file within each package during installation."),
    _K("verify_artifacts", t.BOOL, False, LINK, "Run verifications on packages signatures",
       long_description="Spend extra time validating package contents. It consists of running "
       "cryptographic verifications on channels and packages metadata."),
    _K("trusted_channels", t.STR_LIST, [], LINK,
       "The list of trusted channels allowing artifacts verification"),
    _K("lock_timeout", t.NONNEG_INT, 0, LINK, "Lockfile timeout",
       long_description="Lockfile timeout for blocking mode when waiting for another process "
       "to release the path. Default is 0 (no timeout)"),
    _K("use_lockfiles", t.BOOL, True, LINK,
       "Enable or disable the usage of filesystem lockfiles for shared resources",
       long_description="By default, lockfiles on the filesystem synchronize access to shared "
       "resources for multiple processes (such as the package cache). Some filesystems do not "
       "support file locking (e.g. on an HPC). Default is true (use a lockfile)"),
    _K("compile_pyc", t.BOOL, True, LINK, "Defines if PYC files will be compiled or not"),
    # -- Output, Prompt and Flow Control -------------------------------------
    _K("always_yes", t.BOOL, False, OUTPUT, "Automatically answer yes on prompted questions"),
    _K("auto_activate_base", t.BOOL, False, OUTPUT, "Automatically activate the base env",
       long_description="Automatically activate the base environment during shell "
       "initialization."),
    _K("dry_run", t.BOOL, False, OUTPUT, "Only display what would have been done",
       rc_level=None),
    _K("download_only", t.BOOL, False, OUTPUT,
       "Only download and extract packages, do not link them into environment.", rc_level=None),
    _K("log_level", _LOG_LEVEL, None, OUTPUT, "Set the log level",
       long_description="Set globally the log level of all loggers. Log level can be one of "
       "{'off', 'critical', 'error', 'warning', 'info', 'debug', 'trace'}. When not set it "
       "follows -v (warning, info, debug, trace) and --json (off)."),
    _K("log_backtrace", t.NONNEG_INT, 0, OUTPUT, "Set the log backtrace size"),
    _K("log_pattern", t.STR, "%^%-9!l%-8n%$ %v", OUTPUT, "Set the log pattern"),
    _K("json", t.BOOL, False, OUTPUT, "Report all output as json"),
    _K("changeps1", t.BOOL, True, OUTPUT,
       "When using activate, change the command prompt ($PS1) to include the activated "
       "environment."),
    _K("shell_completion", t.BOOL, True, OUTPUT,
       "Enable or disable shell autocompletion (currently works for bash and zsh)."),
    _K("env_prompt", t.STR, "({default_env}) ", OUTPUT,
       "Template for prompt modification based on the active environment.",
       long_description="Currently supported template variables are '{prefix}', '{name}', and "
       "'{default_env}'. '{prefix}' is the absolute path to the active environment. '{name}' is "
       "the basename of the active environment prefix. '{default_env}' holds the value of "
       "'{name}' if the active environment is a named environment ('-n' flag), or otherwise "
       "holds the value of '{prefix}'."),
    _K("show_banner", t.BOOL, True, OUTPUT, "Show the banner"),
    _K("print_config_only", t.BOOL, False, OUTPUT,
       "Print the context after loading the config. Allow ultra-dry runs", rc_level=None,
       env=()),
    _K("print_context_only", t.BOOL, False, OUTPUT,
       "Print the context after loading the config. Allow ultra-dry runs", rc_level=None,
       env=()),
    _K("quiet", t.BOOL, False, OUTPUT, "Set quiet mode (print less output)"),
    _K("verbose", t.NONNEG_INT, 0, OUTPUT, "Set the verbosity", rc_level=None, env=(),
       long_description="Set the verbosity. The verbosity represent the information given to "
       "the user about the operation asked for (see log_level)."),
    # -- Config sources ------------------------------------------------------
    _K("rc_files", t.PATH_LIST, [], SOURCES,
       "Paths to the configuration files to use instead of the rc search", rc_level=None,
       env=()),
    _K("no_rc", t.BOOL, False, SOURCES, "Disable the use of configuration files",
       rc_level=None),
    _K("no_env", t.BOOL, False, SOURCES, "Disable the use of environment variables",
       rc_level=None),
)

KEYS: Dict[str, Key] = {k.name: k for k in _KEYS}

# other spellings accepted for a key (in rc files and when reading a Config)
ALIASES: Dict[str, str] = {"client_cert": "client_ssl_cert", "client_key": "client_ssl_cert_key"}
ALIASES_OF: Dict[str, Tuple[str, ...]] = {"client_ssl_cert": ("client_cert",),
                                          "client_ssl_cert_key": ("client_key",)}

# keys conda (not micromamba) reads: accepted silently in rc files, never used
CONDA_ONLY_KEYS = frozenset({
    "show_channel_urls", "auto_update_conda", "notify_outdated_conda", "report_errors",
    "anaconda_upload", "solver", "update_dependencies", "allow_conda_downgrades",
    "allowlist_channels", "denylist_channels", "whitelist_channels", "add_anaconda_token",
    "auto_stack", "pip_interop_enabled", "use_only_tar_bz2", "channel_settings",
    "conda_build", "default_python", "envs_path", "pkgs_path", "create_default_packages",
    "default_threads", "verbosity", "experimental_solver", "number_channel_notices",
    "repodata_threads", "fetch_threads", "execute_threads", "aggressive_update_packages",
    "unsatisfiable_hints", "path_conflict", "disallowed_packages", "track_features",
    "restore_free_channel", "migrated_channel_aliases", "migrated_custom_channels",
    "bld_path", "croot", "anaconda_anon_usage", "plugins", "auto_activate", "sat_solver",
    "error_upload_url", "local_repodata_ttl_secs",
    "safety_check", "target_prefix_override", "separate_format_cache",
    "show_anaconda_channel_warnings", "experimental_repodata_parsing", "use_uv",
})


def get(name: str) -> Key:
    """The key called ``name`` (or an alias of it); raises
    :class:`~umm.config.errors.UnknownConfigKey`."""
    try:
        return KEYS[ALIASES.get(name, name)]
    except KeyError:
        from umm.config.errors import UnknownConfigKey

        raise UnknownConfigKey(name) from None


def iter_keys(group: Optional[str] = None) -> Iterator[Key]:
    for k in _KEYS:
        if group is None or k.group == group:
            yield k
