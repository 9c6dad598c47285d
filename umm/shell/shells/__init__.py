"""One class per shell; :func:`get_shell` maps a ``-s/--shell`` value to an instance."""
from __future__ import annotations

import importlib
from typing import Dict, Tuple

from umm.shell.errors import UnknownShell
from umm.shell.shells.base import Shell

# name accepted by -s/--shell -> (module, class)
_REGISTRY: Dict[str, Tuple[str, str]] = {
    "bash": ("posix", "BashShell"),
    "zsh": ("posix", "ZshShell"),
    "posix": ("posix", "PosixShell"),
    "sh": ("posix", "PosixShell"),
    "dash": ("posix", "DashShell"),
    "fish": ("fish", "FishShell"),
    "tcsh": ("csh", "TcshShell"),
    "csh": ("csh", "CshShell"),
    "xonsh": ("xonsh", "XonshShell"),
    "powershell": ("powershell", "PowerShell"),
    "pwsh": ("powershell", "PowerShell"),
    "cmd.exe": ("cmdexe", "CmdExeShell"),
    "cmd": ("cmdexe", "CmdExeShell"),
    "nu": ("nu", "NuShell"),
}

#: the names micromamba's -s/--shell accepts (plus csh), in help order
SHELL_CHOICES = ("bash", "zsh", "fish", "xonsh", "cmd.exe", "powershell", "posix", "dash",
                 "tcsh", "csh", "nu")
#: shells whose rc file `shell reinit` looks at
INIT_SHELLS = ("bash", "zsh", "posix", "fish", "tcsh", "xonsh", "nu", "powershell")


def shell_names() -> Tuple[str, ...]:
    return tuple(_REGISTRY)


def get_shell(name: str) -> Shell:
    key = (name or "").strip().lower()
    if key.endswith(".exe") and key != "cmd.exe":
        key = key[:-4]
    if key not in _REGISTRY:
        raise UnknownShell(name, SHELL_CHOICES)
    module, cls = _REGISTRY[key]
    mod = importlib.import_module(f"umm.shell.shells.{module}")
    return getattr(mod, cls)()
