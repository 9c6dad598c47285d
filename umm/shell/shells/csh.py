"""tcsh and csh.

csh cannot define functions, so ``umm`` is an alias that sources a small dispatcher
file with the command line as arguments (``source FILE ARGS`` sets ``$argv``).
The dispatcher is written next to micromamba's own csh file, in
``<root_prefix>/etc/profile.d/umm.csh``, by ``shell hook`` and ``shell init``.
Activation code is written by umm to a temporary file that the dispatcher sources:
that keeps arguments and values intact (backquote substitution would split them).
"""
from __future__ import annotations

import os
from typing import List, Mapping, Optional, Sequence, Tuple

from umm.shell.activation import EnvChange
from umm.shell.shells.base import FUNCTION, MANAGED_BY, REACTIVATE_AFTER, HookOptions, Shell
from umm.shell.shells.posix import valid_name


def cq(text: str) -> str:
    """Single-quote ``text`` for csh (newlines need a backslash inside quotes)."""
    return "'" + text.replace("'", "'\\''").replace("\n", "\\\n") + "'"


def exe_words(opts: HookOptions) -> str:
    return " ".join(cq(a) for a in opts.exe.argv)


def dispatcher_path(root_prefix: str) -> str:
    return os.path.join(root_prefix, "etc", "profile.d", "umm.csh")


_DISPATCHER = r"""# umm.csh: `@FN@` for tcsh/csh. The `@FN@` alias sources this file with its
# arguments. Written by `umm shell hook/init --shell @SHELL@`; do not edit.
set __umm_status = 0
if ( $#argv == 0 ) then
    set __umm_cmd = ""
else
    set __umm_cmd = "$argv[1]"
endif
if ( "$__umm_cmd" == activate || "$__umm_cmd" == deactivate || "$__umm_cmd" == reactivate ) then
    set __umm_args = ( $argv:q )
else if ( @REACTIVATE_TEST@ ) then
    @EXE@ $argv:q
    set __umm_status = $status
    if ( $__umm_status == 0 ) set __umm_args = ( reactivate )
else
    @EXE@ $argv:q
    set __umm_status = $status
endif
if ( $?__umm_args ) then
    if ( ! $?prompt ) set prompt = ""
    set __umm_tmp = "`mktemp`"
    setenv prompt "$prompt:q"
    @EXE@ shell $__umm_args:q --shell @SHELL@ >! "$__umm_tmp"
    set __umm_status = $status
    unsetenv prompt
    if ( $__umm_status == 0 ) then
        source "$__umm_tmp"
        rehash
    endif
    rm -f "$__umm_tmp"
    unset __umm_tmp __umm_args
endif
unset __umm_cmd
# the status of the last command is the status of `@FN@` (endif would reset it)
( exit $__umm_status )
"""


class TcshShell(Shell):
    name = "tcsh"
    script_exts = (".csh",)
    prompt_var = "prompt"

    def render(self, change: EnvChange) -> str:
        out: List[str] = []
        if change.path is not None:
            out.append(f"setenv PATH {cq(change.path)};")
        out += [f"source {cq(s)};" for s in change.deactivate_scripts]
        out += [f"unsetenv {k};" for k in change.unset if valid_name(k)]
        out += [f"set {k}={cq(v)};" for k, v in change.shell_vars if valid_name(k)]
        out += [f"setenv {k} {cq(v)};" for k, v in change.export if valid_name(k)]
        out += [f"source {cq(s)};" for s in change.activate_scripts]
        return "".join(line + "\n" for line in out)

    def dispatcher(self, opts: HookOptions) -> str:
        test = " || ".join(f'"$__umm_cmd" == {c}' for c in REACTIVATE_AFTER)
        return (_DISPATCHER.replace("@FN@", FUNCTION).replace("@SHELL@", self.name)
                .replace("@EXE@", exe_words(opts)).replace("@REACTIVATE_TEST@", test))

    def files(self, opts: HookOptions) -> Sequence[Tuple[str, str]]:
        return ((dispatcher_path(opts.root_prefix), self.dispatcher(opts)),)

    def _lines(self, opts: HookOptions) -> List[str]:
        alias = cq('source "%s"' % dispatcher_path(opts.root_prefix))
        lines = [
            f"setenv MAMBA_EXE {cq(opts.exe.mamba_exe)};",
            f"setenv MAMBA_ROOT_PREFIX {cq(opts.root_prefix)};",
            f"alias {FUNCTION} {alias};",
            "if ( ! $?CONDA_SHLVL ) setenv CONDA_SHLVL 0;",
        ]
        if opts.auto_activate_base:
            lines.append(f"if ( ! $?CONDA_PREFIX ) {FUNCTION} activate base;")
        return lines

    def hook(self, opts: HookOptions) -> str:
        return "\n".join(self._lines(opts)) + "\n"

    def init_block(self, opts: HookOptions) -> str:
        return "\n".join([self.block_begin, MANAGED_BY] + self._lines(opts)
                         + [self.block_end]) + "\n"

    def rc_path(self, home: str, environ: Mapping[str, str]) -> Optional[str]:
        return os.path.join(home, ".tcshrc")


class CshShell(TcshShell):
    name = "csh"

    def rc_path(self, home: str, environ: Mapping[str, str]) -> Optional[str]:
        return os.path.join(home, ".cshrc")
