"""Errors of shell integration (activation, init, hooks) and of ``umm run``/``umm ps``."""
from __future__ import annotations

from typing import Optional, Sequence

from umm.errors import UmmError


class ShellError(UmmError):
    """Base class of every error raised by :mod:`umm.shell`."""


class UnknownShell(ShellError, ValueError):
    """A shell name umm does not support."""

    exit_code = 2

    def __init__(self, name: str, known: Sequence[str]) -> None:
        super().__init__(f"unknown shell {name!r} (supported: {', '.join(known)})")
        self.name = name
        self.known = tuple(known)


class ShellNotGuessed(ShellError):
    """No ``-s/--shell`` was given and the parent shell could not be recognised."""

    exit_code = 2

    def __init__(self, parent: str) -> None:
        what = f" (parent process: {parent})" if parent else ""
        super().__init__(f"could not guess the shell type{what}; pass it with -s/--shell")
        self.parent = parent


class ShellNotInitialized(ShellError):
    """``umm activate``/``deactivate`` ran as a program, not through the shell hook."""

    def __init__(self, shell: str, guidance: str) -> None:
        super().__init__("Shell not initialized")
        self.shell = shell
        self.guidance = guidance


class PrefixNotFound(ShellError):
    """The environment to activate or run in does not exist."""

    def __init__(self, prefix: str, action: str = "activate") -> None:
        if action == "activate":
            msg = f"Cannot activate, prefix does not exist at: '{prefix}'"
        else:
            msg = f"The given prefix does not exist: '{prefix}'"
        super().__init__(msg)
        self.prefix = prefix
        self.action = action


class UnsupportedOnPlatform(ShellError):
    """An operation that only exists on another platform (cmd.exe init off Windows, ...)."""

    def __init__(self, what: str, platform: str) -> None:
        super().__init__(f"{what} is only supported on {platform}")
        self.what = what
        self.platform = platform


class RcFileError(ShellError):
    """An rc file / profile could not be read or written."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"cannot update {path}: {reason}")
        self.path = path
        self.reason = reason


class ActivationScriptError(ShellError):
    """Sourcing activate.d/deactivate.d scripts for ``umm run`` failed."""

    def __init__(self, scripts: Sequence[str], status: int, stderr: str = "") -> None:
        detail = f": {stderr.strip().splitlines()[-1]}" if stderr.strip() else ""
        super().__init__(f"activation scripts failed with status {status}{detail}")
        self.scripts = tuple(scripts)
        self.status = status
        self.stderr = stderr


class CommandNotFound(ShellError):
    """``umm run``: the program is not on the activated PATH."""

    exit_code = 127

    def __init__(self, command: str, prefix: str) -> None:
        super().__init__(f"command not found in environment '{prefix}': {command}")
        self.command = command
        self.prefix = prefix


class NoCommand(ShellError):
    """``umm run`` without a command."""

    exit_code = 2

    def __init__(self) -> None:
        super().__init__("Did not receive any command to run inside environment")


class BadEnvAssignment(ShellError, ValueError):
    """``umm run -e`` with an invalid variable name."""

    exit_code = 2

    def __init__(self, text: str) -> None:
        super().__init__(f"invalid environment variable for -e/--env: {text!r}")
        self.text = text


class LabelInUse(ShellError):
    """``umm run --label`` with a label a running process already has."""

    def __init__(self, label: str, pid: int) -> None:
        super().__init__(f"Another process with name '{label}' is currently running (pid {pid}).")
        self.label = label
        self.pid = pid


class ProcessNotFound(ShellError):
    """``umm ps stop`` matched no running process."""

    def __init__(self, what: str) -> None:
        super().__init__(f"Did not find any matching process: {what}")
        self.what = what


class DetachFailed(ShellError):
    """The detached process could not be started."""

    def __init__(self, reason: str, command: Optional[str] = None) -> None:
        super().__init__(f"could not start the detached process: {reason}")
        self.reason = reason
        self.command = command
