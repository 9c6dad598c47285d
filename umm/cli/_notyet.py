"""Subcommands whose issue has not landed: they exit 2 with a clear message."""
from __future__ import annotations

import argparse

from umm.errors import NotImplementedYet


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("rest", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)


def run(args: argparse.Namespace) -> int:
    raise NotImplementedYet(f"umm {args.command}")
