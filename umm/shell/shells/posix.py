"""POSIX shells: bash, zsh, dash and plain ``sh`` (``posix``)."""
from __future__ import annotations

import os
import re
import shlex
import sys
from typing import List, Mapping, Optional

from umm.shell.activation import EnvChange
from umm.shell.shells.base import FUNCTION, MANAGED_BY, REACTIVATE_AFTER, HookOptions, Shell

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def sq(text: str) -> str:
    """Single-quote ``text`` for any POSIX shell."""
    return "'" + text.replace("'", "'\\''") + "'"


def valid_name(name: str) -> bool:
    return bool(_NAME.match(name))


def exe_words(opts: HookOptions) -> str:
    return " ".join(shlex.quote(a) for a in opts.exe.argv)


_HOOK = r"""# umm shell hook (@SHELL@): defines the `@FN@` shell function so that
# `@FN@ activate`/`@FN@ deactivate` change this shell; other subcommands run umm.
export MAMBA_EXE=@MAMBA_EXE@
export MAMBA_ROOT_PREFIX=@ROOT@

__umm_exe() (
    @EXE@ "$@"
)

__umm_hashr() {
    if [ -n "${ZSH_VERSION:+x}" ]; then
        \rehash
    elif [ -n "${POSH_VERSION:+x}" ]; then
        :
    else
        \hash -r
    fi
}

__umm_xctivate() {
    \local __umm_ask
    __umm_ask="$(PS1="${PS1:-}" && \export PS1 && __umm_exe shell "$@" --shell @SHELL@)" || \return
    \eval "$__umm_ask"
    __umm_hashr
}

\unalias @FN@ 2>/dev/null || \true
@FN@() {
    case "${1-}" in
        activate|reactivate|deactivate)
            case " $* " in
                *" -h "*|*" --help "*) __umm_exe "$@" ;;
                *) __umm_xctivate "$@" ;;
            esac
            ;;
        @REACTIVATE@)
            __umm_exe "$@" || \return
            __umm_xctivate reactivate
            ;;
        *)
            __umm_exe "$@"
            ;;
    esac
}

if [ -z "${CONDA_SHLVL+x}" ]; then
    \export CONDA_SHLVL=0
fi
if [ -z "${PS1+x}" ]; then
    PS1=
fi
"""

_BASH_COMPLETION = r"""
__umm_complete() {
    \local cur="${COMP_WORDS[COMP_CWORD]}"
    if [ "$COMP_CWORD" -eq 1 ]; then
        COMPREPLY=($(compgen -W "@COMMANDS@" -- "$cur"))
    elif [ "$COMP_CWORD" -eq 2 ] && [ "${COMP_WORDS[1]}" = activate ]; then
        COMPREPLY=($(compgen -W "base $(\command ls -1 "$MAMBA_ROOT_PREFIX/envs" 2>/dev/null)" -- "$cur"))
    elif [ "${COMP_WORDS[COMP_CWORD-1]}" = -n ] || [ "${COMP_WORDS[COMP_CWORD-1]}" = --name ]; then
        COMPREPLY=($(compgen -W "base $(\command ls -1 "$MAMBA_ROOT_PREFIX/envs" 2>/dev/null)" -- "$cur"))
    else
        COMPREPLY=()
    fi
}
if \command -v complete >/dev/null 2>&1; then
    complete -o default -F __umm_complete @FN@
fi
"""

_ZSH_COMPLETION = r"""
if (( $+functions[compdef] )); then
    _umm() {
        if (( CURRENT == 2 )); then
            compadd -- @COMMANDS@
        elif [[ ${words[2]} == activate || ${words[CURRENT-1]} == (-n|--name) ]]; then
            compadd -- base ${(f)"$(\command ls -1 "$MAMBA_ROOT_PREFIX/envs" 2>/dev/null)"}
        fi
    }
    compdef _umm @FN@
fi
"""


class PosixShell(Shell):
    """``posix``: any POSIX sh (dash, busybox sh, ksh ...)."""

    name = "posix"
    script_exts = (".sh",)
    prompt_var = "PS1"

    def render(self, change: EnvChange) -> str:
        out: List[str] = []
        if change.path is not None:
            out.append(f"export PATH={sq(change.path)}")
        out += [f". {sq(s)}" for s in change.deactivate_scripts]
        out += [f"unset {k}" for k in change.unset if valid_name(k)]
        out += [f"{k}={sq(v)}" for k, v in change.shell_vars if valid_name(k)]
        out += [f"export {k}={sq(v)}" for k, v in change.export if valid_name(k)]
        out += [f". {sq(s)}" for s in change.activate_scripts]
        return "".join(line + "\n" for line in out)

    def _completion(self, opts: HookOptions) -> str:
        return ""

    def hook(self, opts: HookOptions) -> str:
        text = (_HOOK.replace("@SHELL@", self.name)
                .replace("@FN@", FUNCTION)
                .replace("@MAMBA_EXE@", sq(opts.exe.mamba_exe))
                .replace("@ROOT@", sq(opts.root_prefix))
                .replace("@EXE@", exe_words(opts))
                .replace("@REACTIVATE@", "|".join(REACTIVATE_AFTER)))
        if opts.completion:
            text += self._completion(opts)
        if opts.auto_activate_base:
            text += f"\nif [ -z \"${{CONDA_PREFIX:-}}\" ]; then\n    {FUNCTION} activate base\nfi\n"
        return text

    def init_block(self, opts: HookOptions) -> str:
        exe_ref = '"$MAMBA_EXE"' if opts.exe.single else exe_words(opts)
        return "\n".join([
            self.block_begin,
            MANAGED_BY,
            f"export MAMBA_EXE={sq(opts.exe.mamba_exe)};",
            f"export MAMBA_ROOT_PREFIX={sq(opts.root_prefix)};",
            f'__mamba_setup="$({exe_ref} shell hook --shell {self.name} '
            f'--root-prefix "$MAMBA_ROOT_PREFIX" 2> /dev/null)"',
            "if [ $? -eq 0 ]; then",
            '    eval "$__mamba_setup"',
            "else",
            f"    alias {FUNCTION}={sq(opts.exe.mamba_exe)}"
            f"  # Fallback on help from {FUNCTION} activate",
            "fi",
            "unset __mamba_setup",
            self.block_end,
        ]) + "\n"

    def rc_path(self, home: str, environ: Mapping[str, str]) -> Optional[str]:
        return os.path.join(home, ".profile")


class DashShell(PosixShell):
    name = "dash"


class BashShell(PosixShell):
    name = "bash"

    def _completion(self, opts: HookOptions) -> str:
        return (_BASH_COMPLETION.replace("@FN@", FUNCTION)
                .replace("@COMMANDS@", " ".join(opts.commands)))

    def rc_path(self, home: str, environ: Mapping[str, str]) -> Optional[str]:
        # like micromamba: login shells on macOS and Windows read .bash_profile
        if sys.platform == "darwin" or os.name == "nt":
            return os.path.join(home, ".bash_profile")
        return os.path.join(home, ".bashrc")


class ZshShell(PosixShell):
    name = "zsh"

    def _completion(self, opts: HookOptions) -> str:
        return (_ZSH_COMPLETION.replace("@FN@", FUNCTION)
                .replace("@COMMANDS@", " ".join(opts.commands)))

    def rc_path(self, home: str, environ: Mapping[str, str]) -> Optional[str]:
        return os.path.join(environ.get("ZDOTDIR") or home, ".zshrc")
