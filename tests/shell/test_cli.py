"""The shell subcommands' command-line behaviour (no real interactive shell)."""
from __future__ import annotations

import json
import os
import shlex
import stat
import subprocess

from tests.shell.conftest import make_env, need


def test_activate_without_hook_explains(umm_env):
    proc = umm_env.run("activate", "demo", env={"SHELL": "/bin/bash"})
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines()[-1] == "error: Shell not initialized"
    out = proc.stdout
    assert "is running as a subprocess and can't modify the parent shell" in out
    assert "shell init --shell" in out and "shell reinit --shell" in out
    assert "Traceback" not in proc.stderr
    proc = umm_env.run("deactivate")
    assert proc.returncode == 1 and "Shell not initialized" in proc.stderr


def test_guidance_line_really_loads_the_hook(umm_env):
    """The 'exact line to run' printed by `umm activate` works when pasted in bash."""
    bash = need("bash")
    make_env(umm_env.root_prefix / "envs" / "demo", "demoprog")
    out = umm_env.run("activate", env={"SHELL": bash}).stdout
    lines = out.splitlines()
    line = lines[lines.index("To initialize the current bash shell, run:") + 1]
    line = line.strip()[2:]  # drop "$ "
    assert line.startswith("eval ")
    proc = subprocess.run([bash, "--norc", "-c", f"{line}\numm activate demo\ncommand -v demoprog"],
                          capture_output=True, text=True, env=umm_env.environ, timeout=120)
    assert proc.stdout.strip() == str(umm_env.root_prefix / "envs/demo/bin/demoprog"), proc.stderr


def test_shell_activate_prints_code(umm_env):
    demo = make_env(umm_env.root_prefix / "envs" / "demo", "demoprog")
    proc = umm_env.run("shell", "activate", "-s", "bash", "demo", env={"PS1": "$ "}, check=True)
    assert f"export PATH='{demo}/bin:" in proc.stdout
    assert f"export CONDA_PREFIX='{demo}'" in proc.stdout
    assert "PS1='(demo) $ '" in proc.stdout
    by_path = umm_env.run("shell", "activate", "-s", "bash", "-p", str(demo), check=True).stdout
    by_name = umm_env.run("shell", "activate", "-s", "bash", "-n", "demo", check=True).stdout
    assert by_path == by_name
    base = umm_env.run("shell", "activate", "-s", "bash", check=True).stdout
    assert f"export CONDA_PREFIX='{umm_env.root_prefix}'" in base
    assert "export CONDA_DEFAULT_ENV='base'" in base


def test_shell_activate_respects_changeps1_and_env_prompt(umm_env):
    make_env(umm_env.root_prefix / "envs" / "demo")
    rc = umm_env.home / ".mambarc"
    rc.write_text("changeps1: false\n")
    out = umm_env.run("shell", "activate", "-s", "bash", "demo", env={"PS1": "$ "},
                      check=True).stdout
    assert "PS1=" not in out and "CONDA_PROMPT_MODIFIER" not in out
    rc.write_text("env_prompt: '<{name}> '\n")
    out = umm_env.run("shell", "activate", "-s", "bash", "demo", env={"PS1": "$ "},
                      check=True).stdout
    assert "PS1='<demo> $ '" in out
    out = umm_env.run("shell", "activate", "-s", "bash", "demo",
                      env={"PS1": "$ ", "MAMBA_ENV_PROMPT": "[{default_env}] "}, check=True).stdout
    assert "PS1='[demo] $ '" in out


def test_shell_activate_errors(umm_env):
    proc = umm_env.run("shell", "activate", "-s", "bash", "ghost")
    assert proc.returncode == 1
    assert proc.stderr.strip() == ("error: Cannot activate, prefix does not exist at: "
                                   f"'{umm_env.root_prefix / 'envs' / 'ghost'}'")
    assert proc.stdout == ""  # nothing for the hook to evaluate
    proc = umm_env.run("shell", "activate", "-s", "klingon", "ghost")
    assert proc.returncode == 2 and "unknown shell" in proc.stderr


def test_deactivate_and_reactivate_output(umm_env):
    demo = make_env(umm_env.root_prefix / "envs" / "demo", "demoprog")
    assert umm_env.run("shell", "deactivate", "-s", "bash", check=True).stdout == ""
    env = {"CONDA_PREFIX": str(demo), "CONDA_SHLVL": "1", "CONDA_DEFAULT_ENV": "demo",
           "PATH": f"{demo}/bin:/usr/bin:/bin"}
    out = umm_env.run("shell", "deactivate", "-s", "fish", env=env, check=True).stdout
    assert "set -gx PATH '/usr/bin' '/bin'" in out and "set -e CONDA_PREFIX" in out
    out = umm_env.run("shell", "reactivate", "-s", "bash", env=env, check=True).stdout
    assert "CONDA_PREFIX" not in out  # nothing changed


def test_hook_json_and_shells(umm_env):
    proc = umm_env.run("shell", "hook", "-s", "zsh", "--json", check=True)
    doc = json.loads(proc.stdout)
    assert doc["success"] is True and doc["context"]["shell_type"] == "zsh"
    assert "umm()" in doc["actions"]["print"][0]
    for shell in ("bash", "zsh", "fish", "xonsh", "tcsh", "posix", "dash", "nu", "powershell"):
        text = umm_env.run("shell", "hook", "--shell", shell, check=True).stdout
        assert "MAMBA_ROOT_PREFIX" in text and str(umm_env.root_prefix) in text, shell


def test_hook_exports_a_working_mamba_exe(umm_env):
    """MAMBA_EXE from the hook runs umm (used unquoted: it may be `python -m umm`)."""
    bash = need("bash")
    hook = umm_env.run("shell", "hook", "-s", "bash", check=True).stdout
    proc = subprocess.run([bash, "--norc", "-c", hook + '\n$MAMBA_EXE --version\n'
                           'echo "root=$MAMBA_ROOT_PREFIX"'],
                          capture_output=True, text=True, env=umm_env.environ, timeout=120)
    from umm import __version__

    assert proc.stdout.splitlines() == [__version__, f"root={umm_env.root_prefix}"], proc.stderr


def test_hook_guesses_the_shell(umm_env):
    bash = need("bash")
    cmd = " ".join(shlex.quote(a) for a in _umm(umm_env, "shell", "hook")) + "; true"
    proc = subprocess.run([bash, "-c", cmd], capture_output=True, text=True,
                          env=dict(umm_env.environ, SHELL="/usr/bin/fish"), timeout=120)
    assert proc.stdout.startswith("# umm shell hook (bash)"), proc.stderr  # parent first
    # a parent that is no shell (python here): $SHELL decides
    proc = umm_env.run("shell", "hook", env={"SHELL": "/usr/bin/fish"}, check=True)
    assert proc.stdout.startswith("# umm shell hook (fish)")
    env = {k: v for k, v in umm_env.environ.items() if k != "SHELL"}
    proc = subprocess.run(_umm(umm_env, "shell", "hook"), capture_output=True, text=True,
                          env=env, timeout=120)
    assert proc.returncode == 2 and "pass it with -s/--shell" in proc.stderr


def _umm(umm_env, *args):
    from tests.conftest import umm_command

    return umm_command() + list(args)


def test_shell_without_action_starts_shell_in_env(umm_env, tmp_path):
    demo = make_env(umm_env.root_prefix / "envs" / "demo", "demoprog")
    fake_shell = tmp_path / "fakeshell"
    fake_shell.write_text('#!/bin/sh\necho "in $CONDA_DEFAULT_ENV"; command -v demoprog\n')
    fake_shell.chmod(fake_shell.stat().st_mode | stat.S_IXUSR)
    proc = umm_env.run("shell", "-n", "demo", env={"SHELL": str(fake_shell)}, check=True)
    assert proc.stdout.splitlines() == ["in demo", str(demo / "bin" / "demoprog")]


def test_long_path_support_is_windows_only(umm_env):
    proc = umm_env.run("shell", "enable_long_path_support")
    if os.name != "nt":
        assert proc.returncode == 1 and "Windows" in proc.stderr


def test_cmd_exe_hook_writes_batch_files(umm_env):
    proc = umm_env.run("shell", "hook", "-s", "cmd.exe", check=True)
    condabin = umm_env.root_prefix / "condabin"
    assert sorted(p.name for p in condabin.iterdir()) == ["_umm_activate.bat", "umm.bat",
                                                           "umm_hook.bat"]
    assert f'CALL "{condabin / "umm_hook.bat"}"' in proc.stderr
    assert proc.stdout == ""
    hook = (condabin / "umm_hook.bat").read_bytes()
    assert b"\r\n" in hook and b"DOSKEY umm=" in hook


def test_shell_activate_cmd_exe_prints_a_script_path(umm_env):
    make_env(umm_env.root_prefix / "envs" / "demo")
    out = umm_env.run("shell", "activate", "-s", "cmd.exe", "demo", check=True).stdout
    script = out.strip()
    try:
        assert script.endswith(".bat")
        assert b'@SET "CONDA_DEFAULT_ENV=demo"' in open(script, "rb").read()
    finally:
        os.unlink(script)
