"""`umm constructor`: unpack the payload of an installer made by conda/constructor."""
from __future__ import annotations

import argparse
import os
import sys


def configure(p: argparse.ArgumentParser) -> None:
    from umm.cli import common

    common.add_prefix_options(p, suppress_defaults=True)
    p.add_argument("--extract-conda-pkgs", action="store_true",
                   help="extract the packages of PREFIX/pkgs listed in PREFIX/pkgs/urls")
    p.add_argument("--extract-tarball", action="store_true",
                   help="extract a .tar.bz2 (or .tar) read from standard input into PREFIX")


def run(args: argparse.Namespace) -> int:
    from umm.cli.context import load_config
    from umm.config.errors import NoTargetPrefix
    from umm.envfile.constructor import extract_conda_pkgs, extract_tarball
    from umm.errors import UsageError

    cfg = load_config(args)
    prefix = cfg.get("target_prefix")
    if not prefix:
        raise NoTargetPrefix()
    prefix = os.path.abspath(prefix)
    if not (args.extract_conda_pkgs or args.extract_tarball):
        raise UsageError("nothing to do: give --extract-conda-pkgs and/or --extract-tarball")
    if args.extract_conda_pkgs:
        from umm.cli._install import CliReporter

        quiet = bool(cfg.get("quiet"))
        extract_conda_pkgs(prefix, CliReporter(quiet, bool(cfg.get("json")),
                                               int(cfg.get("verbose") or 0)))
    if args.extract_tarball:
        extract_tarball(prefix, sys.stdin.buffer)
    return 0
