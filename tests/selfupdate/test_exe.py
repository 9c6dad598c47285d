"""Which file is the running umm (umm.package.selfupdate.exe)."""
from __future__ import annotations

import sys

import pytest

from tests.selfupdate.conftest import write_fake
from umm.package.selfupdate.errors import NotFrozen, UnsafeTarget
from umm.package.selfupdate.exe import Runtime, looks_like_python, running_executable


def test_python_runs_are_refused_with_the_pip_command():
    rt = Runtime(None, "/opt/py/bin/python3", "/src/umm/__main__.py")
    with pytest.raises(NotFrozen) as info:
        running_executable(rt)
    msg = str(info.value)
    assert "/opt/py/bin/python3 -m pip install --upgrade umm" in msg
    assert "\n" not in msg
    assert info.value.python == "/opt/py/bin/python3"


def test_this_test_process_is_not_frozen():
    rt = Runtime.current()
    assert not rt.frozen and rt.executable == sys.executable
    with pytest.raises(NotFrozen):
        running_executable()


def test_pyinstaller_is_sys_executable(tmp_path):
    exe = write_fake(tmp_path / "bin" / "umm", "1.0")
    rt = Runtime("pyinstaller", str(exe), "umm")
    assert running_executable(rt) == str(exe)


def test_symlinks_are_resolved(tmp_path):
    real = write_fake(tmp_path / "opt" / "umm", "1.0")
    link = tmp_path / "bin" / "umm"
    link.parent.mkdir()
    link.symlink_to(real)
    assert running_executable(Runtime("pyinstaller", str(link))) == str(real)


def test_nuitka_onefile_is_argv0_never_the_unpacked_copy(tmp_path):
    onefile = write_fake(tmp_path / "bin" / "umm", "1.0")
    unpacked = write_fake(tmp_path / "cache" / "umm" / "umm", "1.0")
    rt = Runtime("nuitka", str(unpacked), str(onefile), onefile=True, original_argv0="umm")
    assert running_executable(rt) == str(onefile)


def test_nuitka_onefile_falls_back_to_the_name_typed_on_path(tmp_path, monkeypatch):
    onefile = write_fake(tmp_path / "bin" / "umm", "1.0")
    monkeypatch.setenv("PATH", str(onefile.parent))
    rt = Runtime("nuitka", str(tmp_path / "cache" / "umm"), "", onefile=True,
                 original_argv0="umm")
    assert running_executable(rt) == str(onefile)


def test_nuitka_onefile_without_a_known_binary_is_refused(tmp_path):
    unpacked = write_fake(tmp_path / "cache" / "umm", "1.0")
    rt = Runtime("nuitka", str(unpacked), "relative/umm", onefile=True, original_argv0=None)
    with pytest.raises(UnsafeTarget, match="cannot tell which file"):
        running_executable(rt)


def test_nuitka_standalone_is_sys_executable(tmp_path):
    exe = write_fake(tmp_path / "umm.dist" / "umm", "1.0")
    assert running_executable(Runtime("nuitka", str(exe), str(exe))) == str(exe)


def _fake_launcher(path, trailer_magic=b"UMM-ONEFILE-v1\0\0"):
    import struct

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\x7fELF launcher" + b"payload" +
                     struct.pack("<16sQQ64s", trailer_magic, 14, 7, b"1.0-abc"))
    path.chmod(0o755)
    return path


def test_nuitka_started_by_the_umm_launcher_is_the_launcher(tmp_path):
    from umm.package.selfupdate.exe import is_onefile_launcher

    launcher = _fake_launcher(tmp_path / "bin" / "umm")
    unpacked = write_fake(tmp_path / "cache" / "umm" / "1.0-abc" / "umm", "1.0")
    assert is_onefile_launcher(str(launcher)) and not is_onefile_launcher(str(unpacked))
    (unpacked.parent / ".umm-onefile-ok").write_text("")
    # Nuitka: sys.argv[0] is the unpacked program, original_argv0 what the launcher passed
    rt = Runtime("nuitka", str(unpacked), str(unpacked), original_argv0=str(launcher))
    assert running_executable(rt) == str(launcher)
    assert running_executable(Runtime("nuitka", str(unpacked), str(launcher))) == str(launcher)


def test_an_unpacked_copy_is_never_replaced(tmp_path):
    unpacked = write_fake(tmp_path / "cache" / "umm" / "1.0-abc" / "umm", "1.0")
    (unpacked.parent / ".umm-onefile-ok").write_text("")
    rt = Runtime("nuitka", str(unpacked), str(unpacked), original_argv0="umm")
    with pytest.raises(UnsafeTarget, match="cannot tell which file"):
        running_executable(rt)


def test_an_argv0_that_is_not_a_umm_launcher_is_not_replaced(tmp_path):
    # `exec -a /some/other/file umm.dist/umm`: argv[0] names a file that is not ours
    other = _fake_launcher(tmp_path / "bin" / "other", trailer_magic=b"SOMETHING-ELSE\0\0")
    unpacked = write_fake(tmp_path / "umm.dist" / "umm", "1.0")
    assert running_executable(Runtime("nuitka", str(unpacked), str(other))) == str(unpacked)


@pytest.mark.parametrize("name,content", [
    ("python3.11", b"\x7fELF..."),
    ("umm", b"#!/usr/bin/env python3\nfrom umm.cli.main import main\n"),
    ("umm", b"#!/home/u/.venv/bin/python -I\nimport sys\n"),
    ("umm.py", b"print('x')\n"),
    ("umm.pyz", b"PK..."),
])
def test_python_files_are_never_targets(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    path.chmod(0o755)
    assert looks_like_python(str(path))
    with pytest.raises(UnsafeTarget, match="it is Python"):
        running_executable(Runtime("pyinstaller", str(path)))


def test_binaries_and_shell_scripts_are_not_python(tmp_path):
    elf = tmp_path / "umm"
    elf.write_bytes(b"\x7fELF\x02\x01\x01" + bytes(100))
    assert not looks_like_python(str(elf))
    assert not looks_like_python(str(write_fake(tmp_path / "sh" / "umm", "1.0")))
    assert not looks_like_python(str(tmp_path / "missing"))


def test_missing_and_non_regular_targets(tmp_path):
    with pytest.raises(UnsafeTarget):
        running_executable(Runtime("pyinstaller", str(tmp_path / "gone")))
    with pytest.raises(UnsafeTarget, match="not a regular file"):
        running_executable(Runtime("pyinstaller", str(tmp_path)))


def test_runtime_is_an_immutable_value():
    a = Runtime("nuitka", "/x", "/y", onefile=True, original_argv0="umm")
    b = Runtime("nuitka", "/x", "/y", onefile=True, original_argv0="umm")
    assert a == b and hash(a) == hash(b) and a.frozen
    assert a != Runtime("pyinstaller", "/x", "/y")
    with pytest.raises(AttributeError):
        a.executable = "/z"  # type: ignore[misc]
    assert "onefile=True" in repr(a)
