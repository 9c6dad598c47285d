"""Nushell.

Nushell cannot evaluate generated code, so ``umm shell activate -s nu`` prints the
change as JSON (``{"path": [...] | null, "unset": [...], "set": {...}}``) and the
``umm`` command of the hook applies it with ``load-env``/``hide-env``. The hook
itself cannot be sourced from a command's output either: ``shell init -s nu`` writes
it into ``config.nu`` (``shell hook -s nu`` prints it, e.g. to save to a file).
"""
from __future__ import annotations

import json
import os
from typing import Mapping, Optional

from umm.shell.activation import EnvChange
from umm.shell.shells.base import (FUNCTION, MANAGED_BY, REACTIVATE_AFTER, HookOptions, Shell,
                                   xdg_config_home)


def nq(text: str) -> str:
    """A Nushell raw string literal."""
    hashes = "#"
    while ("'" + hashes) in text:
        hashes += "#"
    return f"r{hashes}'{text}'{hashes}"


def exe_words(opts: HookOptions) -> str:
    return "^" + " ".join(nq(a) for a in opts.exe.argv)


_HOOK = r"""# umm shell hook (nu): defines `@FN@` so that `@FN@ activate`/`@FN@ deactivate` change
# this shell; other subcommands run umm.
$env.MAMBA_EXE = @MAMBA_EXE@
$env.MAMBA_ROOT_PREFIX = @ROOT@
if ($env.CONDA_SHLVL? == null) { $env.CONDA_SHLVL = "0" }

def --env __umm_apply [change: record] {
    if ($change.path != null) { $env.PATH = $change.path }
    hide-env --ignore-errors ...$change.unset
    load-env $change.set
}

def --env --wrapped @FN@ [...args: string] {
    if ($args | is-empty) or ('-h' in $args) or ('--help' in $args) {
        @EXE@ ...$args
        return
    }
    let cmd = ($args | first)
    if $cmd in [activate deactivate reactivate] {
        __umm_apply (@EXE@ shell ...$args --shell nu | from json)
    } else if $cmd in [@REACTIVATE@] {
        @EXE@ ...$args
        if $env.LAST_EXIT_CODE == 0 {
            __umm_apply (@EXE@ shell reactivate --shell nu | from json)
        }
    } else {
        @EXE@ ...$args
    }
}
"""

_PROMPT = r"""
let __umm_prompt_orig = ($env.PROMPT_COMMAND? | default "")
$env.PROMPT_COMMAND = {||
    let base = if (($__umm_prompt_orig | describe) | str starts-with "closure") {
        do $__umm_prompt_orig
    } else {
        $__umm_prompt_orig
    }
    ($env.CONDA_PROMPT_MODIFIER? | default "") + $base
}
"""


class NuShell(Shell):
    name = "nu"
    script_exts = ()  # nu cannot source scripts chosen at run time
    prompt_var = None  # the hook's PROMPT_COMMAND shows CONDA_PROMPT_MODIFIER

    def render(self, change: EnvChange) -> str:
        sep = ";" if os.name == "nt" else ":"
        doc = {
            "path": (change.path.split(sep) if change.path else []) if change.path is not None
            else None,
            "unset": list(change.unset),
            "set": dict(change.export),
        }
        return json.dumps(doc, indent=2) + "\n"

    def hook(self, opts: HookOptions) -> str:
        text = (_HOOK.replace("@FN@", FUNCTION)
                .replace("@MAMBA_EXE@", nq(opts.exe.mamba_exe))
                .replace("@ROOT@", nq(opts.root_prefix))
                .replace("@EXE@", exe_words(opts))
                .replace("@REACTIVATE@", " ".join(REACTIVATE_AFTER)))
        if opts.changeps1:
            text += _PROMPT
        if opts.auto_activate_base:
            text += f"\nif ($env.CONDA_PREFIX? == null) {{ {FUNCTION} activate base }}\n"
        return text

    def init_block(self, opts: HookOptions) -> str:
        return "\n".join([self.block_begin, MANAGED_BY, self.hook(opts).rstrip("\n"),
                          self.block_end]) + "\n"

    def rc_path(self, home: str, environ: Mapping[str, str]) -> Optional[str]:
        return os.path.join(xdg_config_home(home, environ), "nushell", "config.nu")
