"""Guessing the user's shell from the parent process (as micromamba does), then $SHELL."""
from __future__ import annotations

import os
import subprocess
from typing import Mapping, Optional, Tuple

# substring of the lower-cased process name -> shell, checked in this order
_PATTERNS: Tuple[Tuple[str, str], ...] = (
    ("bash", "bash"), ("zsh", "zsh"), ("tcsh", "tcsh"), ("csh", "csh"), ("dash", "dash"),
    ("fish", "fish"), ("xonsh", "xonsh"), ("pwsh", "powershell"), ("powershell", "powershell"),
    ("cmd.exe", "cmd.exe"), ("nu", "nu"),
)


def process_name(pid: int) -> str:
    """The command name of ``pid`` ('' when unknown)."""
    try:
        with open(f"/proc/{pid}/comm", encoding="utf-8", errors="replace") as f:
            return f.read().strip()
    except OSError:
        pass
    if os.name == "nt":
        return ""
    try:
        out = subprocess.run(["ps", "-o", "comm=", "-p", str(pid)], capture_output=True,
                             text=True, timeout=5)
        return os.path.basename(out.stdout.strip())
    except (OSError, subprocess.SubprocessError):
        return ""


def shell_from_name(name: str) -> Optional[str]:
    low = os.path.basename(name).lower().lstrip("-")  # login shells are "-bash"
    if low in ("sh", "ksh", "mksh", "ash", "busybox"):
        return "posix"
    for pattern, shell in _PATTERNS:
        if pattern == "nu":
            if low in ("nu", "nu.exe"):
                return shell
            continue
        if pattern in low:
            return shell
    return None


def guess_shell(environ: Mapping[str, str],
                ppid: Optional[int] = None) -> Tuple[Optional[str], str]:
    """(shell or None, parent process name)."""
    if ppid is None:
        from umm.shell.exe import shell_parent_pid

        ppid = shell_parent_pid()
    parent = process_name(ppid)
    found = shell_from_name(parent) if parent else None
    if found is None and os.name == "nt":
        if environ.get("PSModulePath") and not environ.get("PROMPT"):
            found = "powershell"
        elif environ.get("PROMPT"):
            found = "cmd.exe"
    if found is None and environ.get("SHELL"):
        found = shell_from_name(environ["SHELL"])
    return found, parent
