"""What every shell class provides: rendering an :class:`EnvChange`, the hook that
defines the ``umm`` function, and the block ``umm shell init`` puts in an rc file."""
from __future__ import annotations

import os
from typing import Mapping, Optional, Sequence, Tuple

from umm.shell.activation import EnvChange
from umm.shell.exe import ExeCommand

FUNCTION = "umm"
MANAGED_BY = "# !! Contents within this block are managed by 'umm shell init' !!"
# subcommands after which the hooks reactivate the current environment
REACTIVATE_AFTER = ("install", "update", "upgrade", "remove", "uninstall")


class HookOptions:
    """Inputs of a hook or an init block (immutable)."""

    __slots__ = ("exe", "root_prefix", "changeps1", "auto_activate_base", "completion",
                 "commands")

    def __init__(self, exe: ExeCommand, root_prefix: str, *, changeps1: bool = True,
                 auto_activate_base: bool = False, completion: bool = True,
                 commands: Sequence[str] = ()) -> None:
        object.__setattr__(self, "exe", exe)
        object.__setattr__(self, "root_prefix", root_prefix)
        object.__setattr__(self, "changeps1", changeps1)
        object.__setattr__(self, "auto_activate_base", auto_activate_base)
        object.__setattr__(self, "completion", completion)
        object.__setattr__(self, "commands", tuple(commands))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("HookOptions is immutable")

    def __repr__(self) -> str:
        return (f"HookOptions(exe={self.exe!r}, root_prefix={self.root_prefix!r}, "
                f"changeps1={self.changeps1}, auto_activate_base={self.auto_activate_base})")


class Shell:
    """One shell dialect. Subclasses only produce text (and name files)."""

    name: str = ""
    #: activate.d / deactivate.d extensions this shell sources
    script_exts: Tuple[str, ...] = ()
    #: the shell variable holding the prompt when activation sets it directly
    prompt_var: Optional[str] = None
    block_begin = "# >>> mamba initialize >>>"
    block_end = "# <<< mamba initialize <<<"

    def render(self, change: EnvChange) -> str:
        raise NotImplementedError

    def hook(self, opts: HookOptions) -> str:
        raise NotImplementedError

    def init_block(self, opts: HookOptions) -> str:
        """The managed block, markers included, ending with a newline."""
        raise NotImplementedError

    def rc_path(self, home: str, environ: Mapping[str, str]) -> Optional[str]:
        """The file ``shell init`` edits (None: not a file, e.g. the cmd.exe registry)."""
        raise NotImplementedError

    def files(self, opts: HookOptions) -> Sequence[Tuple[str, str]]:
        """Support files (path, content) the hook needs on disk (cmd.exe, csh)."""
        return ()

    def activation_output(self, change: EnvChange, scratch_dir: Optional[str] = None) -> str:
        """What ``umm shell activate`` prints (cmd.exe prints a script path instead)."""
        return self.render(change)

    def __repr__(self) -> str:
        return f"<shell {self.name}>"


def xdg_config_home(home: str, environ: Mapping[str, str]) -> str:
    return environ.get("XDG_CONFIG_HOME") or os.path.join(home, ".config")
