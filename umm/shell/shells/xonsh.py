"""xonsh (Python-based; values are written as Python string literals)."""
from __future__ import annotations

import os
from typing import List, Mapping, Optional

from umm.shell.activation import EnvChange
from umm.shell.shells.base import FUNCTION, MANAGED_BY, REACTIVATE_AFTER, HookOptions, Shell
from umm.shell.shells.posix import valid_name


def pyq(text: str) -> str:
    """A Python string literal (xonsh accepts Python literals)."""
    return repr(str(text))


_HOOK = r"""# umm shell hook (xonsh): defines the `@FN@` alias so that
# `@FN@ activate`/`@FN@ deactivate` change this shell; other subcommands run umm.
$MAMBA_EXE = @MAMBA_EXE@
$MAMBA_ROOT_PREFIX = @ROOT@
if 'CONDA_SHLVL' not in ${...}:
    $CONDA_SHLVL = '0'

_UMM_EXE = @EXE_LIST@
_UMM_REACTIVATE_AFTER = @REACTIVATE@


def _umm_source(args):
    import subprocess
    env = dict(__xonsh__.env.detype())
    proc = subprocess.run(_UMM_EXE + ['shell'] + list(args) + ['--shell', 'xonsh'],
                          stdout=subprocess.PIPE, env=env, universal_newlines=True)
    if proc.returncode != 0:
        return proc.returncode
    __xonsh__.execer.exec(proc.stdout, glbs=__xonsh__.ctx,
                          filename='umm shell ' + ' '.join(args))
    return 0


def _umm_main(args, stdin=None):
    import subprocess
    if not args or '-h' in args or '--help' in args:
        return subprocess.call(_UMM_EXE + list(args))
    if args[0] in ('activate', 'deactivate', 'reactivate'):
        return _umm_source(args)
    code = subprocess.call(_UMM_EXE + list(args), env=dict(__xonsh__.env.detype()))
    if code == 0 and args[0] in _UMM_REACTIVATE_AFTER:
        return _umm_source(['reactivate'])
    return code


aliases[@FN_Q@] = _umm_main
"""

_PROMPT = r"""

def _umm_prompt_field():
    return ${...}.get('CONDA_PROMPT_MODIFIER', '')


$PROMPT_FIELDS['env_name'] = _umm_prompt_field
"""


class XonshShell(Shell):
    name = "xonsh"
    script_exts = (".xsh", ".sh")
    prompt_var = None  # the hook sets $PROMPT_FIELDS['env_name']

    def render(self, change: EnvChange) -> str:
        out: List[str] = []
        if change.path is not None:
            out.append(f"$PATH = {pyq(change.path)}")
        out += [self._source(s) for s in change.deactivate_scripts]
        out += [f"del ${k}" for k in change.unset if valid_name(k)]
        out += [f"${k} = {pyq(v)}" for k, v in change.shell_vars if valid_name(k)]
        out += [f"${k} = {pyq(v)}" for k, v in change.export if valid_name(k)]
        out += [self._source(s) for s in change.activate_scripts]
        return "".join(line + "\n" for line in out)

    @staticmethod
    def _source(script: str) -> str:
        if script.lower().endswith(".sh"):
            return f"source-bash --suppress-skip-message -n {pyq(script)}"
        return f"source {pyq(script)}"

    def hook(self, opts: HookOptions) -> str:
        text = (_HOOK.replace("@FN_Q@", pyq(FUNCTION)).replace("@FN@", FUNCTION)
                .replace("@MAMBA_EXE@", pyq(opts.exe.mamba_exe))
                .replace("@ROOT@", pyq(opts.root_prefix))
                .replace("@EXE_LIST@", repr(list(opts.exe.argv)))
                .replace("@REACTIVATE@", repr(REACTIVATE_AFTER)))
        if opts.changeps1:
            text += _PROMPT
        if opts.auto_activate_base:
            text += "\nif 'CONDA_PREFIX' not in ${...}:\n    _umm_main(['activate', 'base'])\n"
        return text

    def init_block(self, opts: HookOptions) -> str:
        argv = repr(list(opts.exe.argv) + ["shell", "hook", "--shell", "xonsh",
                                           "--root-prefix", opts.root_prefix])
        return "\n".join([
            self.block_begin,
            MANAGED_BY,
            f"$MAMBA_EXE = {pyq(opts.exe.mamba_exe)}",
            f"$MAMBA_ROOT_PREFIX = {pyq(opts.root_prefix)}",
            "import subprocess as _umm_subprocess",
            f"__xonsh__.execer.exec(_umm_subprocess.check_output({argv}, universal_newlines=True),",
            "                      glbs=__xonsh__.ctx, filename='umm shell hook')",
            "del _umm_subprocess",
            self.block_end,
        ]) + "\n"

    def rc_path(self, home: str, environ: Mapping[str, str]) -> Optional[str]:
        return os.path.join(home, ".xonshrc")
