"""`umm ps`: list or stop the processes started by `umm run` (`ps` alone lists)."""
from __future__ import annotations

import argparse
import os
import sys


def configure(p: argparse.ArgumentParser) -> None:
    from umm.cli import common

    p.set_defaults(ps_action="list")
    sub = p.add_subparsers(dest="ps_action", metavar="ACTION", title="actions")
    ls = sub.add_parser("list", help="List running processes", description="List running processes")
    common.add_global_options(ls, suppress_defaults=True)
    stop = sub.add_parser("stop", help="Stop a process (SIGTERM)",
                          description="Stop the processes with this PID or name (label)")
    common.add_global_options(stop, suppress_defaults=True)
    stop.add_argument("pid_or_name", metavar="PID_OR_NAME", help="process id or name (label)")


def _env_name(prefix: str, st) -> str:
    from umm.shell.activation import Activator

    return Activator({}, st.root_prefix).env_name(prefix) if prefix else ""


def _list(args: argparse.Namespace) -> int:
    from umm.cli.shell import settings
    from umm.shell.proc import list_processes

    procs = list_processes(os.environ)
    if getattr(args, "json", False):
        import json

        sys.stdout.write(json.dumps([p.to_json() for p in procs], indent=2) + "\n")
        return 0
    if not procs:
        sys.stdout.write("No running processes\n")
        return 0
    st = settings(args)
    rows = [("PID", "Name", "Prefix", "Command")]
    rows += [(str(p.pid), p.name, _env_name(p.prefix, st), " ".join(p.command)) for p in procs]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for r in rows:
        sys.stdout.write("  ".join(c.ljust(w) for c, w in zip(r[:3], widths)) + "  " + r[3] + "\n")
    return 0


def _stop(args: argparse.Namespace) -> int:
    from umm.shell.errors import ProcessNotFound
    from umm.shell.proc import stop

    stopped = stop(os.environ, args.pid_or_name)
    if not stopped:
        raise ProcessNotFound(args.pid_or_name)
    for p in stopped:
        sys.stdout.write(f"Stopping {p.name} [{p.pid}]\n")
    return 0


def run(args: argparse.Namespace) -> int:
    return _stop(args) if args.ps_action == "stop" else _list(args)
