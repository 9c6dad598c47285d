"""fish."""
from __future__ import annotations

import os
from typing import List, Mapping, Optional

from umm.shell.activation import EnvChange
from umm.shell.shells.base import (FUNCTION, MANAGED_BY, REACTIVATE_AFTER, HookOptions, Shell,
                                   xdg_config_home)
from umm.shell.shells.posix import valid_name


def fq(text: str) -> str:
    """A fish single-quoted string (only ``\\`` and ``'`` are escaped inside)."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def exe_words(opts: HookOptions) -> str:
    return " ".join(fq(a) for a in opts.exe.argv)


_HOOK = r"""# umm shell hook (fish): defines the `@FN@` function so that
# `@FN@ activate`/`@FN@ deactivate` change this shell; other subcommands run umm.
set -gx MAMBA_EXE @MAMBA_EXE@
set -gx MAMBA_ROOT_PREFIX @ROOT@

if not set -q CONDA_SHLVL
    set -gx CONDA_SHLVL 0
end

function __umm_exe
    @EXE@ $argv
end

function __umm_xctivate
    set -l __umm_ask (__umm_exe shell $argv --shell fish)
    or return $status
    string join \n -- $__umm_ask | source
end

function @FN@ --description 'umm: activate/deactivate environments, or run umm'
    if test (count $argv) -lt 1; or contains -- --help $argv; or contains -- -h $argv
        __umm_exe $argv
        return $status
    end
    switch $argv[1]
        case activate deactivate reactivate
            __umm_xctivate $argv
        case @REACTIVATE@
            __umm_exe $argv; or return $status
            __umm_xctivate reactivate
        case '*'
            __umm_exe $argv
    end
end
"""

_PROMPT = r"""
# show $CONDA_PROMPT_MODIFIER in front of the prompt
if functions -q fish_prompt; and not functions -q __umm_fish_prompt_orig
    functions -c fish_prompt __umm_fish_prompt_orig
    functions -e fish_prompt
else if not functions -q __umm_fish_prompt_orig
    function __umm_fish_prompt_orig
    end
end
function fish_prompt
    set -l __umm_last_status $status
    if set -q CONDA_PROMPT_MODIFIER
        set_color -o green
        echo -n $CONDA_PROMPT_MODIFIER
        set_color normal
    end
    __umm_return $__umm_last_status
    __umm_fish_prompt_orig
end
function __umm_return
    return $argv[1]
end
"""

_COMPLETION = r"""
function __umm_envs
    echo base
    for d in $MAMBA_ROOT_PREFIX/envs/*/
        basename $d
    end
end
complete -c @FN@ -f -n '__fish_use_subcommand' -a '@COMMANDS@'
complete -c @FN@ -f -n '__fish_seen_subcommand_from activate' -a '(__umm_envs)'
complete -c @FN@ -f -s n -l name -r -a '(__umm_envs)'
"""


class FishShell(Shell):
    name = "fish"
    script_exts = (".fish",)
    prompt_var = None  # the hook's fish_prompt shows CONDA_PROMPT_MODIFIER

    def render(self, change: EnvChange) -> str:
        out: List[str] = []
        if change.path is not None:
            entries = change.path.split(":") if change.path else []
            out.append("set -gx PATH " + " ".join(fq(e) for e in entries))
        out += [f"source {fq(s)}" for s in change.deactivate_scripts]
        out += [f"set -e {k}" for k in change.unset if valid_name(k)]
        out += [f"set -g {k} {fq(v)}" for k, v in change.shell_vars if valid_name(k)]
        out += [f"set -gx {k} {fq(v)}" for k, v in change.export if valid_name(k)]
        out += [f"source {fq(s)}" for s in change.activate_scripts]
        return "".join(line + "\n" for line in out)

    def hook(self, opts: HookOptions) -> str:
        text = (_HOOK.replace("@FN@", FUNCTION)
                .replace("@MAMBA_EXE@", fq(opts.exe.mamba_exe))
                .replace("@ROOT@", fq(opts.root_prefix))
                .replace("@EXE@", exe_words(opts))
                .replace("@REACTIVATE@", " ".join(REACTIVATE_AFTER)))
        if opts.changeps1:
            text += _PROMPT
        if opts.completion:
            text += (_COMPLETION.replace("@FN@", FUNCTION)
                     .replace("@COMMANDS@", " ".join(opts.commands)))
        if opts.auto_activate_base:
            text += f"\nif not set -q CONDA_PREFIX\n    {FUNCTION} activate base\nend\n"
        return text

    def init_block(self, opts: HookOptions) -> str:
        return "\n".join([
            self.block_begin,
            MANAGED_BY,
            f"set -gx MAMBA_EXE {fq(opts.exe.mamba_exe)}",
            f"set -gx MAMBA_ROOT_PREFIX {fq(opts.root_prefix)}",
            f"{exe_words(opts)} shell hook --shell fish --root-prefix $MAMBA_ROOT_PREFIX | source",
            self.block_end,
        ]) + "\n"

    def rc_path(self, home: str, environ: Mapping[str, str]) -> Optional[str]:
        return os.path.join(xdg_config_home(home, environ), "fish", "config.fish")
