"""The command tree and error handling of the entry point."""
from __future__ import annotations

from umm import __version__
from umm.cli.main import COMMANDS


def test_version(umm_env):
    proc = umm_env.run("--version", check=True)
    assert proc.stdout.strip() == __version__


def test_help_lists_every_micromamba_subcommand(umm_env):
    proc = umm_env.run("--help", check=True)
    for name in ("shell", "create", "install", "update", "self-update", "repoquery", "remove",
                 "list", "package", "clean", "config", "info", "constructor", "env",
                 "activate", "deactivate", "run", "ps", "auth", "search"):
        assert name in COMMANDS
        assert f"    {name} " in proc.stdout or f"    {name}\n" in proc.stdout, name


def test_unknown_command_is_usage_error(umm_env):
    proc = umm_env.run("frobnicate")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr


def test_ctrl_c_during_interpreter_shutdown_exits_quietly(umm_env):
    # a SIGINT that lands after the command is over (while atexit closes pooled HTTP
    # connections and joins worker threads) ends the process, without a traceback
    import os
    import subprocess
    import sys

    code = (
        "import atexit, os, signal, sys, time\n"
        "atexit.register(lambda: (os.kill(os.getpid(), signal.SIGINT), time.sleep(2)))\n"
        "sys.argv = ['umm', 'config', 'list']\n"
        "from umm.cli.main import entry\n"
        "entry()\n"
    )
    env = dict(umm_env.environ) if hasattr(umm_env, "environ") else dict(os.environ)
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=60)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 130
