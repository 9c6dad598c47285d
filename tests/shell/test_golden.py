"""Golden files: activation code, hooks, init blocks and support files of every shell.

Regenerate after a deliberate change with ``UMM_UPDATE_GOLDEN=1 pytest tests/shell``
and review the diff. Shells installed on the machine also parse each file
(``bash -n``, ``fish --no-execute`` ...).
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from umm.shell.activation import EnvChange
from umm.shell.exe import ExeCommand
from umm.shell.shells import get_shell
from umm.shell.shells.base import HookOptions

GOLDEN = Path(__file__).parent / "golden"
SHELLS = ("bash", "zsh", "posix", "dash", "fish", "tcsh", "csh", "xonsh", "powershell",
          "cmd.exe", "nu")
ENV = "/opt/envs/it's here"
COMMANDS = ("shell", "create", "install", "activate", "run")
# how to only parse a file, per shell that can
PARSERS = {"bash": ["bash", "-n"], "zsh": ["zsh", "-n"], "posix": ["dash", "-n"],
           "dash": ["dash", "-n"], "fish": ["fish", "--no-execute"]}


def change_for(shell) -> EnvChange:
    ext = shell.script_exts[0] if shell.script_exts else ".sh"
    shell_vars = [(shell.prompt_var, "(it's here) %n $ ")] if shell.prompt_var else []
    return EnvChange(
        path=f"{ENV}/bin:/usr/local/bin:/usr/bin:/bin",
        deactivate_scripts=[f"/opt/envs/old/etc/conda/deactivate.d/z{ext}"],
        unset=["OLD_VAR", "CONDA_PREFIX_1", "BAD-NAME"],
        shell_vars=shell_vars,
        export=[("CONDA_PREFIX", ENV), ("CONDA_SHLVL", "2"), ("CONDA_DEFAULT_ENV", "it's here"),
                ("CONDA_PROMPT_MODIFIER", "(it's here) "),
                ("TRICKY", 'a "b" $c `d` \\e %f% !g ;h')],
        activate_scripts=[f"{ENV}/etc/conda/activate.d/a{ext}"],
    )


MULTI = HookOptions(ExeCommand(["/opt/py/bin/python3", "-m", "umm"]), "/home/u/micromamba",
                    commands=COMMANDS)
SINGLE = HookOptions(ExeCommand(["/opt/umm/bin/umm"]), "/home/u/my root",
                     commands=COMMANDS, changeps1=False, completion=False,
                     auto_activate_base=True)


def _check(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UMM_UPDATE_GOLDEN") == "1":
        GOLDEN.mkdir(exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    assert path.exists(), f"missing golden file {path} (UMM_UPDATE_GOLDEN=1 to create)"
    assert text == path.read_bytes().decode("utf-8"), f"{name} differs from the golden file"


def _parse(shell_name: str, text: str, tmp_path: Path) -> None:
    argv = PARSERS.get(shell_name)
    if not argv or not shutil.which(argv[0]):
        return
    f = tmp_path / "script"
    f.write_text(text)
    proc = subprocess.run(argv + [str(f)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, f"{shell_name} cannot parse:\n{proc.stderr}\n{text}"


@pytest.mark.parametrize("name", SHELLS)
def test_activation_code(name, tmp_path):
    shell = get_shell(name)
    text = shell.render(change_for(shell))
    _check(f"{name}.activate.txt", text)
    _parse(name, text, tmp_path)


@pytest.mark.parametrize("name", SHELLS)
@pytest.mark.parametrize("variant,opts", [("hook", MULTI), ("hook-single", SINGLE)])
def test_hook(name, variant, opts, tmp_path):
    text = get_shell(name).hook(opts)
    _check(f"{name}.{variant}.txt", text)
    _parse(name, text, tmp_path)


@pytest.mark.parametrize("name", [s for s in SHELLS if s != "cmd.exe"])
@pytest.mark.parametrize("variant,opts", [("init", MULTI), ("init-single", SINGLE)])
def test_init_block(name, variant, opts, tmp_path):
    shell = get_shell(name)
    text = shell.init_block(opts)
    assert text.startswith(shell.block_begin + "\n")
    assert text.endswith(shell.block_end + "\n")
    _check(f"{name}.{variant}.txt", text)
    _parse(name, text, tmp_path)


@pytest.mark.parametrize("name", ["tcsh", "cmd.exe"])
def test_support_files(name):
    files = get_shell(name).files(MULTI)
    assert files
    for path, content in files:
        assert path.startswith("/home/u/micromamba")
        _check(f"{name}.file.{os.path.basename(path)}.txt", content)


def test_empty_change_renders_nothing():
    for name in SHELLS:
        if name in ("nu", "cmd.exe"):
            continue
        assert get_shell(name).render(EnvChange()) == ""


def test_cmd_exe_activation_is_a_script_path(tmp_path):
    shell = get_shell("cmd.exe")
    out = shell.activation_output(change_for(shell), scratch_dir=str(tmp_path))
    path = Path(out.strip())
    assert path.parent == tmp_path and path.suffix == ".bat"
    assert path.read_bytes().decode() == shell.render(change_for(shell))


def test_xonsh_sources_sh_scripts_with_bash():
    text = get_shell("xonsh").render(EnvChange(activate_scripts=["/e/a.sh", "/e/b.xsh"]))
    assert text == ("source-bash --suppress-skip-message -n '/e/a.sh'\n"
                    "source '/e/b.xsh'\n")
