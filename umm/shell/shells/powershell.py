"""PowerShell (Windows PowerShell 5 and pwsh 7 on any platform)."""
from __future__ import annotations

from typing import List, Mapping, Optional

from umm.shell.activation import EnvChange
from umm.shell.shells.base import FUNCTION, MANAGED_BY, REACTIVATE_AFTER, HookOptions, Shell
from umm.shell.shells.posix import valid_name


def psq(text: str) -> str:
    """A PowerShell verbatim string."""
    return "'" + text.replace("'", "''") + "'"


def exe_call(opts: HookOptions) -> str:
    """``& 'exe' 'arg' ...``: the call operator with the command words."""
    words = [psq(a) for a in opts.exe.argv]
    return "& " + " ".join(words)


_HOOK = r"""# umm shell hook (powershell): defines `@FN@` so that `@FN@ activate`/`@FN@ deactivate`
# change this session; other subcommands run umm.
$Env:MAMBA_EXE = @MAMBA_EXE@
$Env:MAMBA_ROOT_PREFIX = @ROOT@
if ($null -eq $Env:CONDA_SHLVL) { $Env:CONDA_SHLVL = '0' }

function global:Invoke-UmmExe {
    @EXE@ @args
}

function global:Invoke-UmmActivation {
    param([Parameter(ValueFromRemainingArguments = $true)] $UmmArgs)
    $ummScript = (Invoke-UmmExe shell @UmmArgs --shell powershell | Out-String)
    if ($LASTEXITCODE -ne 0) { return }
    if ($ummScript.Trim().Length -gt 0) {
        Invoke-Expression -Command $ummScript
    }
}

function global:Enter-UmmEnvironment {
    [CmdletBinding()]
    param([switch]$Stack, [Parameter(Position = 0)][string]$Name = 'base')
    if ($Stack) { Invoke-UmmActivation activate --stack $Name }
    else { Invoke-UmmActivation activate $Name }
}

function global:Exit-UmmEnvironment {
    Invoke-UmmActivation deactivate
}

function global:Invoke-Umm {
    if ($args.Count -eq 0) { Invoke-UmmExe; return }
    $command = $args[0]
    $rest = @()
    if ($args.Count -gt 1) { $rest = $args[1..($args.Count - 1)] }
    if ($rest -contains '-h' -or $rest -contains '--help') { Invoke-UmmExe @args; return }
    switch ($command) {
        'activate' { Invoke-UmmActivation activate @rest }
        'deactivate' { Invoke-UmmActivation deactivate @rest }
        'reactivate' { Invoke-UmmActivation reactivate @rest }
        { @REACTIVATE@ -contains $_ } {
            Invoke-UmmExe @args
            if ($LASTEXITCODE -eq 0) { Invoke-UmmActivation reactivate }
        }
        default { Invoke-UmmExe @args }
    }
}

Set-Alias -Name @FN@ -Value Invoke-Umm -Scope Global -Force
"""

_PROMPT = r"""
if (-not (Test-Path Function:\UmmPromptBackup)) {
    if (Test-Path Function:\prompt) {
        Copy-Item Function:\prompt Function:\global:UmmPromptBackup
    } else {
        function global:UmmPromptBackup {
            "PS $($executionContext.SessionState.Path.CurrentLocation)$('>' * ($nestedPromptLevel + 1)) "
        }
    }
}
function global:prompt {
    if ($Env:CONDA_PROMPT_MODIFIER) { $Env:CONDA_PROMPT_MODIFIER | Write-Host -NoNewline }
    UmmPromptBackup
}
"""

_COMPLETION = r"""
Register-ArgumentCompleter -Native -CommandName @FN@ -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)
    $words = $commandAst.CommandElements | ForEach-Object { $_.ToString() }
    if ($words.Count -le 2 -and -not ($words.Count -eq 2 -and $wordToComplete -eq '')) {
        $candidates = @(@COMMANDS@)
    } elseif ($words[1] -eq 'activate') {
        $candidates = @('base') + @(Get-ChildItem -Directory -Name (Join-Path $Env:MAMBA_ROOT_PREFIX 'envs') -ErrorAction SilentlyContinue)
    } else { return }
    $candidates | Where-Object { $_ -like "$wordToComplete*" } | ForEach-Object {
        [System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterValue', $_)
    }
}
"""


class PowerShell(Shell):
    name = "powershell"
    script_exts = (".ps1",)
    prompt_var = None  # the hook's prompt function shows CONDA_PROMPT_MODIFIER
    block_begin = "#region mamba initialize"
    block_end = "#endregion"

    def render(self, change: EnvChange) -> str:
        out: List[str] = []
        if change.path is not None:
            out.append(f"$Env:PATH = {psq(change.path)}")
        out += [f". {psq(s)}" for s in change.deactivate_scripts]
        out += [f"Remove-Item -Path Env:{k} -ErrorAction SilentlyContinue"
                for k in change.unset if valid_name(k)]
        out += [f"${k} = {psq(v)}" for k, v in change.shell_vars if valid_name(k)]
        out += [f"$Env:{k} = {psq(v)}" for k, v in change.export if valid_name(k)]
        out += [f". {psq(s)}" for s in change.activate_scripts]
        return "".join(line + "\n" for line in out)

    def hook(self, opts: HookOptions) -> str:
        text = (_HOOK.replace("@FN@", FUNCTION)
                .replace("@MAMBA_EXE@", psq(opts.exe.mamba_exe))
                .replace("@ROOT@", psq(opts.root_prefix))
                .replace("@EXE@", exe_call(opts))
                .replace("@REACTIVATE@", "@(" + ", ".join(psq(c) for c in REACTIVATE_AFTER) + ")"))
        if opts.changeps1:
            text += _PROMPT
        if opts.completion:
            text += (_COMPLETION.replace("@FN@", FUNCTION)
                     .replace("@COMMANDS@", ", ".join(psq(c) for c in opts.commands)))
        if opts.auto_activate_base:
            text += f"\nif (-not $Env:CONDA_PREFIX) {{ {FUNCTION} activate base }}\n"
        return text

    def init_block(self, opts: HookOptions) -> str:
        return "\n".join([
            self.block_begin,
            MANAGED_BY,
            f"$Env:MAMBA_ROOT_PREFIX = {psq(opts.root_prefix)}",
            f"$Env:MAMBA_EXE = {psq(opts.exe.mamba_exe)}",
            f"({exe_call(opts)} 'shell' 'hook' -s 'powershell' -r $Env:MAMBA_ROOT_PREFIX)"
            " | Out-String | Invoke-Expression",
            self.block_end,
        ]) + "\n"

    def rc_path(self, home: str, environ: Mapping[str, str]) -> Optional[str]:
        return None  # profiles are found by asking PowerShell (umm.shell.init)
