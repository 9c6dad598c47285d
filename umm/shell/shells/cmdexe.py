"""cmd.exe.

cmd.exe cannot evaluate command output, so (as micromamba does) ``umm shell activate
-s cmd.exe`` writes the activation code to a temporary ``.bat`` file and prints its
path; ``_umm_activate.bat`` CALLs it and deletes it. ``umm.bat``, ``_umm_activate.bat``
and ``umm_hook.bat`` live in ``<root_prefix>/condabin``; ``shell init`` points the
``AutoRun`` value of ``HKCU\\Software\\Microsoft\\Command Processor`` at the hook.
"""
from __future__ import annotations

import os
import tempfile
from typing import List, Mapping, Optional, Sequence, Tuple

from umm.shell.activation import EnvChange
from umm.shell.errors import UnsupportedOnPlatform
from umm.shell.shells.base import FUNCTION, REACTIVATE_AFTER, HookOptions, Shell

AUTORUN_KEY = r"Software\Microsoft\Command Processor"


def bat_value(text: str) -> str:
    """Text for a batch file line: ``%`` doubled, line breaks dropped."""
    return text.replace("%", "%%").replace("\r", " ").replace("\n", " ")


def exe_words(opts: HookOptions) -> str:
    return " ".join(f'"{a}"' for a in opts.exe.argv)


def condabin(root_prefix: str) -> str:
    return os.path.join(root_prefix, "condabin")


def hook_bat_path(root_prefix: str) -> str:
    return os.path.join(condabin(root_prefix), "umm_hook.bat")


_UMM_BAT = r"""@REM umm.bat: `@FN@` for cmd.exe (written by umm shell hook/init; do not edit)
@IF "%~1"=="" GOTO :run
@IF /I "%~1"=="activate" GOTO :xctivate
@IF /I "%~1"=="deactivate" GOTO :xctivate
@IF /I "%~1"=="reactivate" GOTO :xctivate
:run
@@EXE@ %*
@IF ERRORLEVEL 1 EXIT /B %ERRORLEVEL%
@FOR %%C IN (@REACTIVATE@) DO @IF /I "%~1"=="%%C" @CALL "%~dp0_umm_activate.bat" reactivate
@EXIT /B %ERRORLEVEL%
:xctivate
@CALL "%~dp0_umm_activate.bat" %*
@EXIT /B %ERRORLEVEL%
"""

_ACTIVATE_BAT = r"""@REM _umm_activate.bat: runs `umm shell ... --shell cmd.exe` and CALLs the script it writes
@SET "__UMM_SCRIPT="
@FOR /F "usebackq delims=" %%i IN (`CALL @EXE@ shell %* --shell cmd.exe`) DO @SET "__UMM_SCRIPT=%%i"
@IF NOT DEFINED __UMM_SCRIPT EXIT /B 1
@CALL "%__UMM_SCRIPT%"
@DEL /F /Q "%__UMM_SCRIPT%" >NUL 2>NUL
@SET "__UMM_SCRIPT="
@EXIT /B 0
"""

_HOOK_BAT = r"""@REM umm_hook.bat: defines `@FN@` in this cmd.exe session (written by umm; do not edit)
@SET "MAMBA_EXE=@MAMBA_EXE@"
@SET "MAMBA_ROOT_PREFIX=@ROOT@"
@IF NOT DEFINED CONDA_SHLVL @SET "CONDA_SHLVL=0"
@DOSKEY @FN@="%~dp0umm.bat" $*
"""


class CmdExeShell(Shell):
    name = "cmd.exe"
    script_exts = (".bat",)
    prompt_var = None

    def render(self, change: EnvChange) -> str:
        out: List[str] = ["@REM activation code written by umm; CALLed then deleted"]
        if change.path is not None:
            out.append(f'@SET "PATH={bat_value(change.path)}"')
        out += [f'@CALL "{s}"' for s in change.deactivate_scripts]
        out += [f'@SET "{k}="' for k in change.unset]
        out += [f'@SET "{k}={bat_value(v)}"' for k, v in change.shell_vars]
        out += [f'@SET "{k}={bat_value(v)}"' for k, v in change.export]
        out += [f'@CALL "{s}"' for s in change.activate_scripts]
        return "".join(line + "\r\n" for line in out)

    def activation_output(self, change: EnvChange, scratch_dir: Optional[str] = None) -> str:
        fd, path = tempfile.mkstemp(prefix="umm_act_", suffix=".bat", dir=scratch_dir)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(self.render(change))
        return path + "\n"

    def _fill(self, text: str, opts: HookOptions) -> str:
        return (text.replace("@FN@", FUNCTION).replace("@EXE@", exe_words(opts))
                .replace("@MAMBA_EXE@", bat_value(opts.exe.mamba_exe))
                .replace("@ROOT@", bat_value(opts.root_prefix))
                .replace("@REACTIVATE@", " ".join(REACTIVATE_AFTER))
                .replace("\r\n", "\n").replace("\n", "\r\n"))

    def files(self, opts: HookOptions) -> Sequence[Tuple[str, str]]:
        folder = condabin(opts.root_prefix)
        return ((os.path.join(folder, "umm.bat"), self._fill(_UMM_BAT, opts)),
                (os.path.join(folder, "_umm_activate.bat"), self._fill(_ACTIVATE_BAT, opts)),
                (hook_bat_path(opts.root_prefix), self._fill(_HOOK_BAT, opts)))

    def hook(self, opts: HookOptions) -> str:
        # cmd.exe cannot evaluate a hook: it CALLs umm_hook.bat (see files())
        return f'@CALL "{hook_bat_path(opts.root_prefix)}"\r\n'

    def init_block(self, opts: HookOptions) -> str:
        return f'"{hook_bat_path(opts.root_prefix)}"'

    def rc_path(self, home: str, environ: Mapping[str, str]) -> Optional[str]:
        return None


# -- the AutoRun registry value (Windows only) ----------------------------------------
def _require_windows(what: str) -> None:
    if os.name != "nt":
        raise UnsupportedOnPlatform(what, "Windows")


def autorun_read() -> str:
    _require_windows("the cmd.exe AutoRun registry key")
    import winreg  # type: ignore[import-not-found]

    try:
        with winreg.OpenKey(winreg.HKEY_CURRENT_USER, AUTORUN_KEY) as key:
            value, _ = winreg.QueryValueEx(key, "AutoRun")
            return str(value)
    except OSError:
        return ""


def autorun_write(value: str) -> None:
    _require_windows("the cmd.exe AutoRun registry key")
    import winreg  # type: ignore[import-not-found]

    with winreg.CreateKey(winreg.HKEY_CURRENT_USER, AUTORUN_KEY) as key:
        winreg.SetValueEx(key, "AutoRun", 0, winreg.REG_EXPAND_SZ, value)


def autorun_with(current: str, hook: str, remove: bool) -> str:
    """``current`` AutoRun commands (joined by ``&``) with ``hook`` added or removed."""
    parts = [p.strip() for p in current.split("&") if p.strip()]
    quoted = f'"{hook}"'
    parts = [p for p in parts if p.lower() != quoted.lower()]
    if not remove:
        parts.append(quoted)
    return " & ".join(parts)


def autorun_change(root_prefix: str, remove: bool) -> Tuple[str, str]:
    before = autorun_read()
    return before, autorun_with(before, hook_bat_path(root_prefix), remove)


def enable_long_paths() -> None:
    _require_windows("long path support")
    import winreg  # type: ignore[import-not-found]

    with winreg.CreateKey(winreg.HKEY_LOCAL_MACHINE,
                          r"SYSTEM\CurrentControlSet\Control\FileSystem") as key:
        winreg.SetValueEx(key, "LongPathsEnabled", 0, winreg.REG_DWORD, 1)
