"""How umm calls itself back (MAMBA_EXE), and how the user's shell is guessed."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from umm.shell import exe as exemod
from umm.shell.exe import ExeCommand, self_command
from umm.shell.guess import guess_shell, shell_from_name


def test_exe_command_value_type():
    cmd = ExeCommand(["/opt/my python/python3", "-m", "umm"])
    assert str(cmd) == "'/opt/my python/python3' -m umm"
    assert ExeCommand.parse(str(cmd)) == cmd and hash(ExeCommand.parse(str(cmd))) == hash(cmd)
    assert not cmd.single and ExeCommand(["/bin/umm"]).mamba_exe == "/bin/umm"
    with pytest.raises(AttributeError):
        cmd.argv = ()  # type: ignore[misc]
    with pytest.raises(ValueError):
        ExeCommand([])


def test_frozen_binary_is_its_own_command(monkeypatch, tmp_path):
    binary = tmp_path / "umm"
    binary.write_text("")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(binary))
    assert self_command().argv == (str(binary),)


def test_console_script(tmp_path):
    script = tmp_path / "umm"
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    assert self_command(str(script)).argv == (str(script),)


def test_python_dash_m(monkeypatch, tmp_path):
    main = os.path.join(os.path.dirname(exemod.__file__), "..", "__main__.py")
    cmd = self_command(main)
    assert cmd.argv[0] == os.path.abspath(sys.executable)
    parent = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(exemod.__file__))))
    # importable from anywhere (installed, PYTHONPATH): `python -m umm`; else a bootstrap
    monkeypatch.setattr(sys, "path", [parent, "/nowhere"])
    assert self_command(main).argv[1:] == ("-c", exemod.BOOTSTRAP.format(f'"{parent}"'))
    monkeypatch.setattr(sys, "path", ["/cwd", parent])
    assert self_command(main).argv[1:] == ("-m", "umm")


def test_bootstrap_command_runs_umm_from_anywhere(tmp_path):
    parent = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(exemod.__file__))))
    argv = [sys.executable, "-c", exemod.BOOTSTRAP.format(f'"{parent}"'), "--version"]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run(argv, capture_output=True, text=True, cwd=str(tmp_path), env=env,
                         timeout=60)
    from umm import __version__

    assert out.stdout.strip() == __version__, out.stderr


@pytest.mark.parametrize("name,shell", [
    ("bash", "bash"), ("-bash", "bash"), ("/bin/zsh", "zsh"), ("tcsh", "tcsh"), ("csh", "csh"),
    ("dash", "dash"), ("sh", "posix"), ("fish", "fish"), ("xonsh", "xonsh"), ("pwsh", "powershell"),
    ("powershell.exe", "powershell"), ("cmd.exe", "cmd.exe"), ("nu", "nu"), ("python3", None),
    ("numpy-thing", None)])
def test_shell_from_name(name, shell):
    assert shell_from_name(name) == shell


def test_guess_uses_parent_then_shell_var():
    found, parent = guess_shell({"SHELL": "/usr/bin/zsh"}, ppid=os.getpid())
    assert parent  # this python process
    assert found == "zsh"
    assert guess_shell({}, ppid=os.getpid())[0] is None
