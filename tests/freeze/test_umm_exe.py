"""tests/conftest.py: UMM_EXE may name a frozen binary by any path, or a command."""
from __future__ import annotations

import os
import sys

import pytest

from tests import conftest


@pytest.fixture
def binary(tmp_path):
    d = tmp_path / "dir with spaces"
    d.mkdir()
    exe = d / "umm"
    exe.write_text("#!/bin/sh\necho 0.1.0\n")
    exe.chmod(0o755)
    return exe


def test_path_with_spaces_is_one_word(binary, monkeypatch):
    monkeypatch.setenv("UMM_EXE", str(binary))
    assert conftest.umm_command() == [str(binary)]
    assert conftest.umm_exe_is_external()


def test_relative_path_is_anchored_at_the_start_directory(binary, monkeypatch):
    monkeypatch.setattr(conftest, "_START_DIR", binary.parent.parent)
    monkeypatch.setenv("UMM_EXE", os.path.join("dir with spaces", "umm"))
    monkeypatch.chdir("/")
    assert conftest.umm_command() == [str(binary)]


def test_command_line_is_split_and_looked_up(monkeypatch):
    monkeypatch.setenv("UMM_EXE", f"{sys.executable} -m umm")
    assert conftest.umm_command() == [sys.executable, "-m", "umm"]
    monkeypatch.setenv("UMM_EXE", "sh -c true")
    cmd = conftest.umm_command()
    assert os.path.isabs(cmd[0]) and cmd[1:] == ["-c", "true"]


def test_missing_program_is_a_usage_error(tmp_path, monkeypatch):
    monkeypatch.setenv("UMM_EXE", str(tmp_path / "nope"))
    with pytest.raises(ValueError, match="is not an executable file"):
        conftest.umm_command()
    monkeypatch.setenv("UMM_EXE", "no-such-program-anywhere --flag")
    with pytest.raises(ValueError):
        conftest.umm_command()


def test_default_is_this_checkout(monkeypatch):
    monkeypatch.delenv("UMM_EXE", raising=False)
    assert conftest.umm_command() == [sys.executable, "-m", "umm"]
    assert not conftest.umm_exe_is_external()


def test_external_exe_gets_no_python_variables(binary, tmp_path, monkeypatch):
    monkeypatch.setenv("UMM_EXE", str(binary))
    monkeypatch.setenv("PYTHONPATH", "/somewhere")
    monkeypatch.setenv("PYTHONHOME", "/elsewhere")
    monkeypatch.setenv("_PYI_APPLICATION_HOME_DIR", "/tmp/_MEIx")
    env = conftest.clean_environ(tmp_path / "h", tmp_path / "r")
    assert "PYTHONPATH" not in env and "PYTHONHOME" not in env
    assert "_PYI_APPLICATION_HOME_DIR" not in env
    monkeypatch.delenv("UMM_EXE")
    env = conftest.clean_environ(tmp_path / "h", tmp_path / "r")
    assert env["PYTHONPATH"].split(os.pathsep)[0] == str(conftest.REPO)


def test_umm_env_tests_are_marked_e2e(request):
    # this test does not use umm_env; test_binary's do (checked through the hook itself)
    assert request.node.get_closest_marker("e2e") is None

    class Item:
        fixturenames = ("tmp_path", "umm_env")

        def __init__(self):
            self.markers = []

        def add_marker(self, m):
            self.markers.append(m)

    item = Item()
    conftest.pytest_collection_modifyitems(None, [item])
    assert [m.name for m in item.markers] == ["e2e"]
