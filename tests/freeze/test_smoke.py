"""build/smoke.py catches a frozen binary that misses a subcommand module, or that
cannot do the main job (create an env from demo/channel and run a program in it)."""
from __future__ import annotations

import subprocess
import sys

import pytest

from tests.freeze.helpers import BUILD, load_build_module
from umm.cli.main import COMMANDS

FAKE = """#!/bin/sh
# a stand-in for a frozen umm: knows every subcommand except $BROKEN
case "$1" in
  --version) echo {version}; exit 0 ;;
  --help) echo "subcommands: {names}"; exit 0 ;;
  create|run)
    for a in "$@"; do
      if [ "$a" = "-c" ] && [ "{refuse_c}" = "yes" ]; then
        echo "Error, the program tried to call itself with '-c' argument" >&2; exit 2
      fi
    done
    PYTHONPATH="{root}" exec "{python}" -m umm "$@" ;;
  shell) if [ "$2" = hook ]; then echo "export MAMBA_EXE='{mamba_exe}'"; exit 0; fi ;;
esac
if [ "$1" = "{broken}" ]; then
  echo "ModuleNotFoundError: No module named 'umm.cli.{broken}'" >&2; exit 1
fi
echo "usage: umm $1"
"""


def fake_umm(tmp_path, version="0.1.0", broken="", drop_from_help="", refuse_c=False,
             mamba_exe=None):
    names = " ".join(n for n in COMMANDS if n != drop_from_help)
    exe = tmp_path / "umm"
    exe.write_text(FAKE.format(version=version, names=names, broken=broken,
                               mamba_exe=mamba_exe or exe.resolve(),
                               refuse_c="yes" if refuse_c else "no", root=BUILD.parent,
                               python=sys.executable))
    exe.chmod(0o755)
    return exe


def smoke(exe, *args):
    return subprocess.run([sys.executable, str(BUILD / "smoke.py"), str(exe), *args],
                          capture_output=True, text=True, timeout=120)


def test_a_complete_binary_passes(tmp_path):
    proc = smoke(fake_umm(tmp_path), "--version", "0.1.0")
    assert proc.returncode == 0, proc.stderr
    assert "smoke: ok" in proc.stderr


@pytest.mark.parametrize("kwargs,expected", [
    ({"version": "9.9.9"}, "--version"),
    ({"broken": "repoquery"}, "repoquery --help: exit 1"),
    ({"drop_from_help": "constructor"}, "--help does not list constructor"),
    ({"refuse_c": True}, "create -c <demo channel over http>: exit 2"),
    # a onefile build whose hook calls back the unpacked copy, not the file the user ran
    ({"mamba_exe": "/home/u/.cache/umm/0.1.0-abc/umm"}, "shell hook -s bash does not export"),
])
def test_a_broken_binary_fails(tmp_path, kwargs, expected):
    proc = smoke(fake_umm(tmp_path, **kwargs), "--version", "0.1.0")
    assert proc.returncode == 1
    assert expected in proc.stderr


def test_not_executable(tmp_path):
    f = tmp_path / "umm"
    f.write_text("")
    proc = smoke(f)
    assert proc.returncode == 1 and "not an executable" in proc.stderr


def test_a_nuitka_dist_without_the_c_accelerators_fails(tmp_path):
    # Nuitka does not follow the standard library's try/except imports of _json and
    # _bisect: without them json's pure-Python scanner made a cold index build 4x slower
    smoke_mod = load_build_module("smoke")
    dist = tmp_path / "umm.dist"
    (dist / "certifi").mkdir(parents=True)
    (dist / "certifi" / "cacert.pem").write_text("x")
    needed = [n for n in smoke_mod.ACCELERATORS if n not in sys.builtin_module_names]
    for name in needed:
        (dist / f"{name}.so").write_bytes(b"")
    assert smoke_mod.check_nuitka_dist(dist) == []
    if "_json" in needed:
        (dist / "_json.so").unlink()
        (failure,) = smoke_mod.check_nuitka_dist(dist)
        assert failure.startswith("_json (C accelerator) is not in")
    (dist / "certifi" / "cacert.pem").unlink()
    assert any("cacert.pem" in f for f in smoke_mod.check_nuitka_dist(dist))
