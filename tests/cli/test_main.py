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
