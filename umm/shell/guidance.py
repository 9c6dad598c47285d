"""The "Shell not initialized" guidance printed by ``umm activate`` run as a program."""
from __future__ import annotations

import os

from umm.shell.exe import ExeCommand

SUPPORTED = "{bash, zsh, csh, posix, xonsh, cmd.exe, powershell, fish, nu}"


def hook_line(shell: str, exe: ExeCommand, root_prefix: str) -> str:
    """The exact line that loads the hook in the current ``shell``."""
    name = exe.display_name
    if shell == "fish":
        return f"{name} shell hook --shell fish | source"
    if shell in ("tcsh", "csh"):
        return f'eval "`{name} shell hook --shell {shell}`"'
    if shell == "powershell":
        call = name if exe.single and name == os.path.basename(exe.argv[0]) else \
            "& " + " ".join("'" + a.replace("'", "''") + "'" for a in exe.argv)
        return f"{call} shell hook --shell powershell | Out-String | Invoke-Expression"
    if shell == "xonsh":
        return f"execx($({name} shell hook --shell xonsh))"
    if shell == "cmd.exe":
        hook_bat = os.path.join(root_prefix, "condabin", "umm_hook.bat")
        return f'{name} shell hook --shell cmd.exe & CALL "{hook_bat}"'
    if shell == "nu":
        return f"{name} shell init --shell nu   # then start a new nu"
    return f'eval "$({name} shell hook --shell {shell})"'


def not_initialized(shell: str, exe: ExeCommand, root_prefix: str) -> str:
    name = exe.display_name
    return (
        f"\n'{name}' is running as a subprocess and can't modify the parent shell.\n"
        "Thus you must initialize your shell before using activate and deactivate.\n"
        "\n"
        f"To initialize the current {shell} shell, run:\n"
        f"    $ {hook_line(shell, exe, root_prefix)}\n"
        "and then activate or deactivate with:\n"
        "    $ umm activate\n"
        f"To automatically initialize all future ({shell}) shells, run:\n"
        f"    $ {name} shell init --shell {shell} --root-prefix={root_prefix}\n"
        "If your shell was already initialized, reinitialize your shell with:\n"
        f"    $ {name} shell reinit --shell {shell}\n"
        "Otherwise, this may be an issue. In the meantime you can run commands. See:\n"
        f"    $ {name} run --help\n"
        "\n"
        f"Supported shells are {SUPPORTED}.\n"
    )
