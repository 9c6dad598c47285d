"""How to call the running umm again, from a shell hook, an rc file or ``umm run -d``.

* Frozen binary (PyInstaller sets ``sys.frozen``; Nuitka defines ``__compiled__``):
  the binary itself (for a onefile, the original file, not the unpacked copy: umm's
  exec launcher, build/onefile, hands its own path over as argv[0]).
* Installed console script (``.venv/bin/umm``): that script.
* ``python -m umm``: ``"<python>" -m umm``, where ``<python>`` is ``sys.executable``.
  If the ``umm`` package is not importable from a neutral directory with the
  interpreter's default path (a source checkout run from its own directory), the
  command bootstraps the package directory with ``-c`` instead, so the hook works
  from any directory without leaking PYTHONPATH into programs started by
  ``umm run``.

``MAMBA_EXE`` is the single path when there is one, else the command words
joined with shell quoting (usable unquoted in bash: ``$MAMBA_EXE shell hook``).
Hooks never rely on ``$MAMBA_EXE``: they embed the quoted command words.
"""
from __future__ import annotations

import json
import os
import shlex
import sys
from typing import Optional, Sequence, Tuple

BOOTSTRAP = "import sys;sys.path.insert(0,{});from umm.cli.main import entry;entry()"


class ExeCommand:
    """The argv prefix that runs umm (``("/usr/bin/umm",)`` or ``(python, "-m", "umm")``)."""

    __slots__ = ("argv",)

    def __init__(self, argv: Sequence[str]) -> None:
        if not argv:
            raise ValueError("empty command")
        object.__setattr__(self, "argv", tuple(argv))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("ExeCommand is immutable")

    @classmethod
    def parse(cls, text: str) -> "ExeCommand":
        """From the shell-quoted form (what ``str()`` and ``MAMBA_EXE`` hold)."""
        return cls(shlex.split(text))

    def __str__(self) -> str:
        return self.mamba_exe

    def __repr__(self) -> str:
        return f"ExeCommand({list(self.argv)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ExeCommand) and self.argv == other.argv

    def __hash__(self) -> int:
        return hash(self.argv)

    @property
    def single(self) -> bool:
        return len(self.argv) == 1

    @property
    def mamba_exe(self) -> str:
        """The value exported as ``MAMBA_EXE``."""
        if self.single:
            return self.argv[0]
        return " ".join(shlex.quote(a) for a in self.argv)

    @property
    def display_name(self) -> str:
        """How to spell the command in a message for the user to type."""
        if self.single:
            import shutil

            base = os.path.basename(self.argv[0])
            found = shutil.which(base)
            if found and os.path.realpath(found) == os.path.realpath(self.argv[0]):
                return base
        return self.mamba_exe


def _is_frozen() -> bool:
    """PyInstaller sets ``sys.frozen``; Nuitka defines ``__compiled__`` in every module."""
    return bool(getattr(sys, "frozen", False)) or "__compiled__" in globals()


def _norm(path: str) -> str:
    return os.path.normcase(os.path.abspath(path))


def _importable_elsewhere(package_parent: str) -> bool:
    """Is ``package_parent`` on sys.path other than as ``sys.path[0]`` (the cwd for
    ``python -m``, the script's folder otherwise)?"""
    parent = _norm(package_parent)
    return any(entry and _norm(entry) == parent for entry in sys.path[1:])


def self_command(argv0: Optional[str] = None) -> ExeCommand:
    """The command that re-runs this umm (see the module docstring)."""
    arg0 = argv0 if argv0 is not None else (sys.argv[0] if sys.argv else "")
    if _is_frozen():
        # Nuitka onefile: sys.executable may be the unpacked copy; the binary the user
        # ran is argv[0] (found on PATH when it has no directory part)
        if "__compiled__" in globals():
            compiled = globals()["__compiled__"]
            original = getattr(compiled, "original_argv0", None) or arg0
            if original and os.sep not in original and not (os.altsep and os.altsep in original):
                import shutil

                original = shutil.which(original) or original
            if original and os.path.isfile(original):
                return ExeCommand([os.path.abspath(original)])
        return ExeCommand([os.path.abspath(sys.executable)])
    base = os.path.basename(arg0).lower()
    if base.startswith("umm") and not base.endswith(".py"):
        path = os.path.abspath(arg0)
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return ExeCommand([path])
    python = os.path.abspath(sys.executable) if sys.executable else "python3"
    import umm

    package_parent = os.path.dirname(os.path.dirname(os.path.abspath(umm.__file__)))
    if _importable_elsewhere(package_parent):
        return ExeCommand([python, "-m", "umm"])
    return ExeCommand([python, "-c", BOOTSTRAP.format(json.dumps(package_parent))])


def command_words(exe: ExeCommand, *args: str) -> Tuple[str, ...]:
    return exe.argv + tuple(args)


def _proc_exe(pid: int) -> Optional[str]:
    try:
        return os.path.realpath(os.readlink(f"/proc/{pid}/exe"))
    except OSError:
        return None


def launcher_pid() -> Optional[int]:
    """The pid of the onefile launcher that started this process, if any.

    A onefile build (PyInstaller or Nuitka) runs as two processes: the binary the
    user started unpacks itself and runs the real program as its child, forwarding
    signals. The user (their shell, ``umm ps``) sees the launcher; so when our parent
    is our own binary, the parent is who we are to the outside.
    """
    if not _is_frozen():
        return None
    ppid = os.getppid()
    parent = _proc_exe(ppid)
    if parent is None:
        return None
    mine = {os.path.realpath(p) for p in (sys.executable, self_command().argv[0]) if p}
    return ppid if parent in mine else None


def visible_pid() -> int:
    """This process's pid as the user sees it (the onefile launcher's, when there is one)."""
    return launcher_pid() or os.getpid()


def shell_parent_pid() -> int:
    """The pid of the process that started umm (skipping a onefile launcher)."""
    launcher = launcher_pid()
    if launcher is None:
        return os.getppid()
    try:
        with open(f"/proc/{launcher}/stat", encoding="utf-8") as f:
            # pid (comm) state ppid ...: comm may contain spaces and parentheses
            return int(f.read().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return os.getppid()
