"""`umm activate` / `umm deactivate` run as programs, i.e. without the shell hook that
turns them into `umm shell activate/deactivate`: explain how to load the hook."""
from __future__ import annotations

import argparse
import os
import sys


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("prefix", nargs="?", default=None, metavar="ENV",
                   help="environment name or path to activate (default: base)")
    p.add_argument("--stack", action="store_true", default=False,
                   help="activate without first deactivating the current environment")


def configure_deactivate(p: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace) -> int:
    from umm.cli.shell import settings
    from umm.shell.errors import ShellNotInitialized
    from umm.shell.exe import self_command
    from umm.shell.guess import guess_shell
    from umm.shell.guidance import not_initialized

    shell, _parent = guess_shell(os.environ)
    shell = shell or "posix"
    text = not_initialized(shell, self_command(), settings(args).root_prefix)
    sys.stdout.write(text)
    sys.stdout.flush()
    raise ShellNotInitialized(shell, text)


def run_deactivate(args: argparse.Namespace) -> int:
    return run(args)
