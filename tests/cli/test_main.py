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


def _entry_with_sigint_at_exit(umm_env, argv):
    # a SIGINT that lands after the command is over (while atexit closes pooled HTTP
    # connections and joins worker threads)
    import subprocess
    import sys

    code = (
        "import atexit, os, signal, sys, time\n"
        "atexit.register(lambda: (os.kill(os.getpid(), signal.SIGINT), time.sleep(2)))\n"
        f"sys.argv = ['umm'] + {argv!r}\n"
        "from umm.cli.main import entry\n"
        "entry()\n"
    )
    return subprocess.run([sys.executable, "-c", code], env=umm_env.environ,
                          capture_output=True, text=True, timeout=60)


def test_ctrl_c_during_interpreter_shutdown_ends_quietly_with_the_commands_code(umm_env):
    proc = _entry_with_sigint_at_exit(umm_env, ["config", "list"])
    assert "Traceback" not in proc.stderr and "interrupted" not in proc.stderr, proc.stderr
    assert proc.returncode == 0
    proc = _entry_with_sigint_at_exit(umm_env, ["list", "-n", "nope"])
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 1 and "nope" in proc.stderr


def test_ctrl_c_while_a_command_runs_is_an_interruption(umm_env):
    import subprocess
    import sys

    code = (
        "import os, signal, sys, threading\n"
        "import umm.cli.config as c\n"
        "def slow(args):\n"
        "    os.kill(os.getpid(), signal.SIGINT)\n"
        "    threading.Event().wait(5)\n"
        "c.run = slow\n"
        "sys.argv = ['umm', 'config', 'list']\n"
        "from umm.cli.main import entry\n"
        "entry()\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], env=umm_env.environ,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 130
    assert proc.stderr.strip() == "error: interrupted"
