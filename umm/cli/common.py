"""Option groups shared by subcommands, mirroring micromamba's flags.

Every option that corresponds to a configuration key uses that key as its
``dest`` and ``None`` as its default, so ``umm.config`` can tell "given on the
command line" (the CLI source) from "not given" (lower sources decide).
"""
from __future__ import annotations

import argparse
from typing import Any

# dests that are configuration keys when not None (read by umm.config's CLI source)
CONFIG_DESTS = (
    "rc_files", "no_rc", "no_env", "log_level", "verbose", "quiet", "always_yes", "json",
    "offline", "dry_run", "download_only", "root_prefix", "channels",
    "override_channels", "channel_priority", "channel_alias", "ssl_verify", "ssl_no_revoke",
    "cacert_path", "local_repodata_ttl", "retry_clean_cache", "platform", "lock_timeout",
    "safety_checks", "verify_artifacts", "trusted_channels", "categories", "no_pin",
    "no_py_pin", "compile_pyc", "no_deps", "only_deps", "relocate_prefix", "allow_uninstall",
    "allow_downgrade", "allow_softlinks", "always_copy", "always_softlink",
    "extra_safety_checks", "freeze_installed", "force_reinstall", "file_specs",
    "use_sharded_repodata", "repodata_use_zst", "print_config_only", "print_context_only",
    "self_update_url",
)


def _d(suppress: bool, value: Any) -> Any:
    return argparse.SUPPRESS if suppress else value


def add_global_options(p: argparse.ArgumentParser, suppress_defaults: bool = False) -> None:
    """Options accepted before or after any subcommand."""
    s = suppress_defaults
    g = p.add_argument_group("global options")
    g.add_argument("--rc-file", dest="rc_files", action="append", metavar="FILE",
                   default=_d(s, None), help="configuration file to use instead of the rc search (repeatable)")
    g.add_argument("--no-rc", dest="no_rc", action="store_true", default=_d(s, None),
                   help="do not load any rc file")
    g.add_argument("--no-env", dest="no_env", action="store_true", default=_d(s, None),
                   help="do not read configuration from environment variables")
    g.add_argument("--log-level", dest="log_level", default=_d(s, None),
                   choices=["critical", "error", "warning", "info", "debug", "trace", "off"],
                   help="set the log level")
    g.add_argument("-v", "--verbose", dest="verbose", action="count", default=_d(s, None),
                   help="more output (repeatable)")
    g.add_argument("-q", "--quiet", dest="quiet", action="store_true", default=_d(s, None),
                   help="set quiet mode (print less output)")
    g.add_argument("-y", "--yes", dest="always_yes", action="store_true", default=_d(s, None),
                   help="automatically answer yes on prompted questions")
    g.add_argument("--json", dest="json", action="store_true", default=_d(s, None),
                   help="report all output as json")
    g.add_argument("--offline", dest="offline", action="store_true", default=_d(s, None),
                   help="force use cached repodata and packages")
    g.add_argument("--dry-run", dest="dry_run", action="store_true", default=_d(s, None),
                   help="only display what would have been done")
    g.add_argument("--download-only", dest="download_only", action="store_true", default=_d(s, None),
                   help="only download and extract packages, do not link them into the environment")
    g.add_argument("--debug", dest="debug", action="store_true", default=_d(s, False),
                   help="debug mode (tracebacks on errors)")
    g.add_argument("--print-config-only", dest="print_config_only", action="store_true",
                   default=_d(s, None), help="print the configuration and exit")
    g.add_argument("--print-context-only", dest="print_context_only", action="store_true",
                   default=_d(s, None), help="print the context and exit")
    g.add_argument("-r", "--root-prefix", dest="root_prefix", default=_d(s, None), metavar="PATH",
                   help="path to the root prefix")


def add_prefix_options(p: argparse.ArgumentParser, suppress_defaults: bool = False) -> None:
    s = suppress_defaults
    g = p.add_argument_group("prefix options")
    g.add_argument("-p", "--prefix", dest="target_prefix", default=_d(s, None), metavar="PATH",
                   help="path to the target prefix")
    g.add_argument("-n", "--name", dest="env_name", default=_d(s, None), metavar="NAME",
                   help="name of the target environment")


def _bool_pair(g, name: str, dest: str, help_text: str, *aliases: str) -> None:
    g.add_argument(f"--{name}", *aliases, dest=dest, action="store_true", default=None, help=help_text)
    g.add_argument(f"--no-{name}", dest=dest, action="store_false", default=None,
                   help=argparse.SUPPRESS)


def add_channel_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("channel and network options")
    g.add_argument("-c", "--channel", dest="channels", action="append", default=None,
                   metavar="CHANNEL", help="channel to use (repeatable; first has the highest priority)")
    g.add_argument("--override-channels", dest="override_channels", action="store_true",
                   default=None, help="ignore the channels of the configuration")
    g.add_argument("--channel-priority", dest="channel_priority", default=None,
                   choices=["strict", "flexible", "disabled"], help="channel priority")
    g.add_argument("--strict-channel-priority", dest="channel_priority", action="store_const",
                   const="strict", help="use strict channel priority")
    g.add_argument("--no-channel-priority", dest="channel_priority", action="store_const",
                   const="disabled", help="disable channel priority")
    g.add_argument("--channel-alias", dest="channel_alias", default=None, metavar="URL",
                   help="base URL for channel names")
    g.add_argument("--ssl-verify", dest="ssl_verify", default=None, metavar="VALUE",
                   help="verify SSL certificates: true, false, or a CA bundle path")
    g.add_argument("--ssl-no-revoke", dest="ssl_no_revoke", action="store_true", default=None,
                   help="do not check certificate revocation (Windows)")
    g.add_argument("--cacert-path", dest="cacert_path", default=None, metavar="PATH",
                   help="path to a CA bundle")
    g.add_argument("--repodata-ttl", dest="local_repodata_ttl", type=int, default=None,
                   metavar="SECONDS", help="repodata cache lifetime: 0 always revalidate, 1 use the server's "
                   "Cache-Control, N seconds")
    g.add_argument("--retry-clean-cache", dest="retry_clean_cache", action="store_true",
                   default=None, help="retry with a clean index cache when a solve fails")
    g.add_argument("--platform", dest="platform", default=None, metavar="SUBDIR",
                   help="the platform to solve for (e.g. linux-64, osx-arm64)")
    g.add_argument("--lock-timeout", dest="lock_timeout", type=int, default=None,
                   metavar="SECONDS", help="how long to wait for a lock")
    g.add_argument("--safety-checks", dest="safety_checks", default=None,
                   choices=["disabled", "warn", "enabled"], help="safety checks of package files")
    g.add_argument("--verify-artifacts", dest="verify_artifacts", action="store_true",
                   default=None, help="verify package signatures")
    g.add_argument("--trusted-channels", dest="trusted_channels", action="append", default=None,
                   metavar="CHANNEL", help="channels trusted for signature verification")
    g.add_argument("--use-sharded-repodata", dest="use_sharded_repodata", action="store_true",
                   default=None, help="use sharded repodata when the channel has it")
    g.add_argument("--no-use-sharded-repodata", dest="use_sharded_repodata",
                   action="store_false", default=None, help=argparse.SUPPRESS)


def add_install_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("specs", nargs="*", metavar="SPEC", help="package specs")
    g = p.add_argument_group("install options")
    g.add_argument("-f", "--file", dest="file_specs", action="append", default=None,
                   metavar="FILE", help="file with specs: txt, env yaml, @EXPLICIT or *-lock.yml (repeatable)")
    g.add_argument("--category", dest="categories", action="append", default=None,
                   metavar="CATEGORY", help="lock-file categories to install (default: main)")
    g.add_argument("--no-pin", dest="no_pin", action="store_true", default=None,
                   help="ignore pinned packages")
    g.add_argument("--pin", dest="no_pin", action="store_false", default=None, help=argparse.SUPPRESS)
    g.add_argument("--no-py-pin", dest="no_py_pin", action="store_true", default=None,
                   help="do not keep the installed python version")
    g.add_argument("--py-pin", dest="no_py_pin", action="store_false", default=None,
                   help=argparse.SUPPRESS)
    g.add_argument("--pyc", dest="compile_pyc", action="store_true", default=None,
                   help="compile .pyc files of noarch python packages (default)")
    g.add_argument("--no-pyc", dest="compile_pyc", action="store_false", default=None,
                   help="do not compile .pyc files")
    g.add_argument("--no-deps", dest="no_deps", action="store_true", default=None,
                   help="do not install dependencies")
    g.add_argument("--only-deps", dest="only_deps", action="store_true", default=None,
                   help="install only the dependencies of the specs")
    g.add_argument("--relocate-prefix", dest="relocate_prefix", default=None, metavar="PATH",
                   help="prefix to write into files instead of the target prefix")
    _bool_pair(g, "allow-uninstall", "allow_uninstall", "allow uninstalling packages")
    _bool_pair(g, "allow-downgrade", "allow_downgrade", "allow downgrading packages")
    _bool_pair(g, "allow-softlinks", "allow_softlinks", "allow softlinks when hardlinks fail")
    g.add_argument("--always-copy", "--copy", dest="always_copy", action="store_true",
                   default=None, help="always copy files instead of linking")
    g.add_argument("--no-always-copy", dest="always_copy", action="store_false", default=None,
                   help=argparse.SUPPRESS)
    _bool_pair(g, "always-softlink", "always_softlink", "always softlink files")
    _bool_pair(g, "extra-safety-checks", "extra_safety_checks", "check file sha256 after linking")
    g.add_argument("--freeze-installed", dest="freeze_installed", action="store_true",
                   default=None, help="do not change installed packages")
    g.add_argument("--force-reinstall", dest="force_reinstall", action="store_true",
                   default=None, help="reinstall the requested packages")
    g.add_argument("--update-deps", dest="update_deps", action="store_true", default=None,
                   help="update dependencies of the specs too")
    g.add_argument("--no-update-deps", dest="update_deps", action="store_false", default=None,
                   help="keep dependencies of the specs (default)")
