"""`umm run`: run a command in an environment (activated in-process, no shell needed)."""
from __future__ import annotations

import argparse
import os
import sys


def configure(p: argparse.ArgumentParser) -> None:
    from umm.cli import common

    common.add_prefix_options(p)
    p.add_argument("--cwd", dest="cwd", default=None, metavar="DIR",
                   help="working directory of the command (default: the current one)")
    p.add_argument("-e", "--env", dest="env_vars", action="append", default=None,
                   metavar="VAR[=VALUE]",
                   help="set VAR in the command's environment (VAR alone: copy it from the "
                        "current environment); repeatable")
    p.add_argument("--clean-env", dest="clean_env", action="store_true", default=False,
                   help="start from a clean environment: only the activation's variables, "
                        "PATH and HOME, USER, LOGNAME, SHELL, TERM, LANG, LC_*, TMPDIR, TZ")
    p.add_argument("-d", "--detach", dest="detach", action="store_true", default=False,
                   help="run in the background, detached from the terminal (see `umm ps`)")
    p.add_argument("--label", dest="label", default=None, metavar="NAME",
                   help="name of the process for `umm ps` (default: generated from the "
                        "program name)")
    p.add_argument("-a", "--attach", dest="attach", default=None, metavar="STREAMS",
                   help="streams to attach, comma separated among stdin,stdout,stderr "
                        "(\"\" for none; default: all)")
    p.add_argument("run_command", nargs=argparse.REMAINDER, metavar="COMMAND ...",
                   help="the program and its arguments")


def _attach(value) -> tuple:
    from umm.errors import UsageError

    if value is None:
        return ("stdin", "stdout", "stderr")
    streams = tuple(s.strip() for s in value.split(",") if s.strip())
    bad = [s for s in streams if s not in ("stdin", "stdout", "stderr")]
    if bad:
        raise UsageError(f"-a/--attach: unknown stream {bad[0]!r} (stdin, stdout, stderr)")
    return streams


def run(args: argparse.Namespace) -> int:
    from umm.cli.shell import load, reporter
    from umm.config.prefix import ALL_FALLBACKS
    from umm.shell.run import RunRequest, detach_command, run_command

    command = list(args.run_command or [])
    if command and command[0] == "--":
        command = command[1:]
    st, target = load(args, fallbacks=ALL_FALLBACKS)
    request = RunRequest(target or st.root_prefix, command, settings=st,
                         cwd=os.path.abspath(args.cwd) if args.cwd else None,
                         env_assignments=args.env_vars or (), clean_env=args.clean_env,
                         label=args.label, attach=_attach(args.attach))
    rep = reporter(bool(getattr(args, "quiet", False)))
    if args.detach:
        started = detach_command(request, rep)
        sys.stdout.write(f"Running `{' '.join(command)}` in the background as "
                         f"'{started.name}' (pid {started.pid})\n"
                         f"Stop it with: umm ps stop {started.name}\n")
        return 0
    result = run_command(request, rep)
    if result.signal is not None and os.name != "nt":
        import signal

        # die of the same signal, so that our parent sees what happened to the command
        sys.stdout.flush()
        sys.stderr.flush()
        try:
            signal.signal(result.signal, signal.SIG_DFL)
            os.kill(os.getpid(), result.signal)
        except (OSError, ValueError):
            pass
    return result.exit_code
