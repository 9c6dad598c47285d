"""`umm env`: list, create, update, export, remove, config.

Each subcommand has its own ``configure_<name>(parser)`` and ``run_<name>(args)``;
``list`` is the config area's, the others (in ``umm.cli._envcmds``) the envfile area's.
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Callable, Dict, List


SUBCOMMANDS: Dict[str, str] = {
    "list": "List known environments",
    "create": "Create new environment (pre-commit.com compatibility alias for 'umm create')",
    "update": "Update an environment",
    "export": "Export environment",
    "remove": "Remove an environment",
    "config": "Configure an environment (environment variables in conda-meta/state)",
}


def _common(p: argparse.ArgumentParser) -> None:
    from umm.cli import common

    common.add_global_options(p, suppress_defaults=True)
    common.add_prefix_options(p, suppress_defaults=True)


# -- list -----------------------------------------------------------------------------
def configure_list(p: argparse.ArgumentParser) -> None:
    _common(p)


def _table(rows: List[List[str]], header: List[str]) -> str:
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(len(header))]
    pad = "  "

    def line(cells: List[str]) -> str:
        return pad + pad.join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()

    rule_char = "─"
    enc = getattr(sys.stdout, "encoding", None) or "ascii"
    try:
        rule_char.encode(enc)
    except (UnicodeEncodeError, LookupError):
        rule_char = "-"
    total = len(pad) + sum(widths) + len(pad) * (len(widths) - 1)
    return "\n".join([line(header), rule_char * total] + [line(r) for r in rows])


def print_env_list(cfg: Any, as_json: bool) -> None:
    """The known environments as micromamba prints them (table or ``{"envs": [...]}``)."""
    import os

    from umm.config.prefix import env_name, list_envs

    root = cfg.get("root_prefix")
    envs_dirs = cfg.get("envs_dirs")
    envs = list_envs(root, envs_dirs, cfg.home)
    if as_json:
        sys.stdout.write(json.dumps({"envs": envs}, indent=4) + "\n")
        return
    target = cfg.get("target_prefix")
    target = os.path.normpath(target) if target else None
    rows = [[env_name(p, root, envs_dirs), "*" if p == target else "", p] for p in envs]
    sys.stdout.write(_table(rows, ["Name", "Active", "Path"]) + "\n")


def run_list(args: argparse.Namespace) -> int:
    from umm.cli.context import load_config

    cfg = load_config(args)
    print_env_list(cfg, bool(cfg.get("json")))
    return 0


# -- create / update ------------------------------------------------------------------
def configure_create(p: argparse.ArgumentParser) -> None:
    from umm.cli import common

    _common(p)
    common.add_channel_options(p)
    common.add_install_options(p)


def run_create(args: argparse.Namespace) -> int:
    """``umm env create`` is ``umm create`` (the env name may come from the YAML file)."""
    from umm.cli import create

    return create.run(args)


def configure_update(p: argparse.ArgumentParser) -> None:
    from umm.cli import common

    _common(p)
    common.add_channel_options(p)
    common.add_install_options(p)
    p.add_argument("--prune", action="store_true",
                   help="remove installed packages not specified in the command and the file")


def run_update(args: argparse.Namespace) -> int:
    from umm.cli import _envcmds

    return _envcmds.update(args)


# -- export ---------------------------------------------------------------------------
def configure_export(p: argparse.ArgumentParser) -> None:
    _common(p)
    p.add_argument("-e", "--explicit", action="store_true", help="use explicit format")
    p.add_argument("--no-md5", dest="md5", action="store_false", default=True,
                   help="disable md5 in explicit format")
    p.add_argument("--md5", dest="md5", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--sha256", action="store_true",
                   help="use sha256 instead of md5 in explicit format")
    p.add_argument("--no-build", "--no-builds", dest="build", action="store_false", default=True,
                   help="disable the build string in specs")
    p.add_argument("--channel-subdir", action="store_true", help="enable channel/subdir in spec")
    p.add_argument("--from-history", action="store_true",
                   help="build the environment spec from the explicit specs in history")
    g = p.add_argument_group("lock file output (conda-lock unified format, version 1)")
    g.add_argument("--lock", action="store_true",
                   help="write a conda-lock file: the environment's packages for its platform, "
                   "solved for the other --platform's (or the specs of -f files)")
    g.add_argument("--platform", dest="lock_platforms", action="append", default=None,
                   metavar="SUBDIR", help="platform to lock for (repeatable; default: the "
                   "environment's)")
    g.add_argument("-f", "--file", dest="file_specs", action="append", default=None,
                   metavar="FILE", help="lock the specs of this file instead of the environment")
    g.add_argument("--category", dest="categories", action="append", default=None,
                   help=argparse.SUPPRESS)
    g.add_argument("-c", "--channel", dest="channels", action="append", default=None,
                   metavar="CHANNEL", help="channel to solve with (repeatable)")
    g.add_argument("--override-channels", dest="override_channels", action="store_true",
                   default=None, help="ignore the channels of the configuration")


def run_export(args: argparse.Namespace) -> int:
    from umm.cli import _envcmds

    return _envcmds.export(args)


# -- remove ---------------------------------------------------------------------------
def configure_remove(p: argparse.ArgumentParser) -> None:
    _common(p)


def run_remove(args: argparse.Namespace) -> int:
    from umm.cli import _envcmds

    return _envcmds.remove(args)


# -- config vars ----------------------------------------------------------------------
def configure_config(p: argparse.ArgumentParser) -> None:
    _common(p)
    sub = p.add_subparsers(dest="env_config_command", metavar="COMMAND")
    vars_p = sub.add_parser("vars", help="environment variables of the environment")
    vsub = vars_p.add_subparsers(dest="env_vars_command", metavar="COMMAND")
    for name, help_text in (("list", "list the variables"), ("set", "set KEY=VALUE ..."),
                            ("unset", "unset KEY ...")):
        sp = vsub.add_parser(name, help=help_text)
        _common(sp)
        if name != "list":
            sp.add_argument("vars", nargs="+", metavar="KEY=VALUE" if name == "set" else "KEY")
    p.set_defaults(_env_config_parser=p, _env_vars_parser=vars_p)


def run_config(args: argparse.Namespace) -> int:
    from umm.cli import _envcmds

    return _envcmds.config_vars(args)


# -- wiring ---------------------------------------------------------------------------
def configure(p: argparse.ArgumentParser) -> None:
    from umm.cli import common

    common.add_prefix_options(p)
    sub = p.add_subparsers(dest="env_command", metavar="COMMAND", title="subcommands")
    for name, help_text in SUBCOMMANDS.items():
        sp = sub.add_parser(name, help=help_text, description=help_text)
        globals()["configure_" + name](sp)
    p.set_defaults(_env_parser=p)


def run(args: argparse.Namespace) -> int:
    name = getattr(args, "env_command", None)
    if name is None:
        args._env_parser.print_help()
        return 0
    handler: Callable[[argparse.Namespace], int] = globals()["run_" + name]
    return handler(args)
