"""umm's command-line entry point.

Start-up time matters (the frozen binary is measured), so this module imports
almost nothing: the parser for a subcommand is built only when that subcommand
is used, by importing ``umm.cli.<module>`` and calling its ``configure(parser)``;
its ``run(args)`` then does the work and returns the exit code.
"""
from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # typing costs start-up time; annotations are strings anyway
    from typing import Dict, List, Optional, Sequence, Tuple

# name -> (module under umm.cli, one-line help). Order is the order of --help.
COMMANDS: Dict[str, Tuple[str, str]] = {
    "shell": ("shell", "Generate shell init scripts, hooks and activation code"),
    "create": ("create", "Create new environment"),
    "install": ("install", "Install packages in active environment"),
    "update": ("update", "Update packages in active environment"),
    "self-update": ("self_update", "Update umm itself"),
    "repoquery": ("repoquery", "Find and analyze packages in active environment or channels"),
    "remove": ("remove", "Remove packages from active environment"),
    "uninstall": ("remove", "Remove packages from active environment (alias of remove)"),
    "list": ("list", "List packages in active environment"),
    "package": ("package", "Extract a package or bundle files into an archive"),
    "clean": ("clean", "Clean package cache"),
    "config": ("config", "Configuration of umm"),
    "info": ("info", "Information about umm"),
    "constructor": ("constructor", "Commands to support using umm in constructor"),
    "env": ("env", "Manage environments (list, create, update, export, remove)"),
    "activate": ("activate", "Activate an environment"),
    "deactivate": ("activate", "Deactivate the current environment"),
    "run": ("run", "Run an executable in an environment"),
    "ps": ("ps", "Show, inspect or kill processes started by `umm run --detach`"),
    "auth": ("auth", "Login or logout of a given host"),
    "search": ("repoquery", "Find packages in active environment or channels (repoquery search)"),
    "doctor": ("doctor", "Verify an environment's files against its conda-meta records"),
}


def _version() -> str:
    from umm import __version__

    return __version__


def _find_command(argv: Sequence[str]) -> Optional[str]:
    """The subcommand named in argv, skipping global options and their values."""
    takes_value = {"--rc-file", "--log-level", "-r", "--root-prefix", "-p", "--prefix", "-n", "--name"}
    skip = False
    for tok in argv:
        if skip:
            skip = False
            continue
        if tok in takes_value:
            skip = True
            continue
        if tok.startswith("-"):
            continue
        return tok if tok in COMMANDS else None
    return None


def build_parser(command: Optional[str]):
    """The top-level parser; only ``command``'s subparser is fully configured."""
    import argparse

    from umm.cli import common

    parser = argparse.ArgumentParser(
        prog="umm",
        description="umm: a micromamba-compatible package manager",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=_version())
    common.add_global_options(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="subcommands")
    for name, (module, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        if name == command:
            common.add_global_options(p, suppress_defaults=True)
            mod = _import(module)
            configure = getattr(mod, "configure_" + name.replace("-", "_"), None) or mod.configure
            configure(p)
    return parser


def _import(module: str):
    import importlib

    return importlib.import_module("umm.cli." + module)


def main(argv: Optional[List[str]] = None) -> int:
    if argv is None:
        argv = sys.argv[1:]
    if argv in (["--version"], ["-V"]):  # the hot path: no argparse at all
        sys.stdout.write(_version() + "\n")
        return 0
    command = _find_command(argv)
    parser = build_parser(command)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    module, _ = COMMANDS[args.command]
    from umm.cli import errors as cli_errors

    return cli_errors.run_guarded(lambda: _dispatch(module, args), args)


def entry() -> None:
    """The process entry point (console script, ``python -m umm``, frozen binary)."""
    from umm.cli import errors as cli_errors

    cli_errors.install_interrupt_handler()
    sys.exit(main())


def _dispatch(module: str, args) -> int:
    mod = _import(module)
    run = getattr(mod, "run_" + args.command.replace("-", "_"), None) or mod.run
    try:
        return int(run(args) or 0)
    finally:
        lock = sys.modules.get("umm.install.lock")
        if lock is not None:  # env locks a command held (umm.cli._install.Job)
            lock.release_command_locks()


if __name__ == "__main__":  # pragma: no cover
    entry()
