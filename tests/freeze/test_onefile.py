"""build/onefile: the exec launcher that carries a program directory in one file.

The program here is a small C program (its own argv[0], pid and arguments, a file
it reads next to itself, a signal it can die of), so what is checked is what the
release binary relies on: one process after start (same pid, the program's own
signal death), argv passed through, argv[0] = the launcher's absolute path, one
unpack per build, safe concurrent first starts, damaged payloads refused.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from tests.freeze.helpers import load_build_module

pytestmark = pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")

PROGRAM_C = r"""
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>
#include <limits.h>
int main(int argc, char **argv) {
    char self[PATH_MAX], data[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    self[n > 0 ? n : 0] = 0;
    printf("argv0=%s\npid=%ld\nexe=%s\n", argv[0], (long)getpid(), self);
    for (int i = 1; i < argc; i++) printf("arg=%s\n", argv[i]);
    snprintf(data, sizeof data, "%s", self);
    strcpy(strrchr(data, '/'), "/share/data.txt");
    FILE *f = fopen(data, "r");
    char line[64] = "";
    if (f) { if (!fgets(line, sizeof line, f)) line[0] = 0; fclose(f); }
    printf("data=%s", line);
    fflush(stdout);
    if (argc > 1 && strcmp(argv[1], "die") == 0) raise(SIGTERM);
    if (argc > 1 && strcmp(argv[1], "exit") == 0) return atoi(argv[2]);
    return 0;
}
"""


pack_mod = load_build_module("onefile/pack")


@pytest.fixture(scope="module")
def launcher(tmp_path_factory) -> Path:
    return pack_mod.compile_launcher(tmp_path_factory.mktemp("launcher") / "launcher")


@pytest.fixture(scope="module")
def program_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("prog") / "umm.dist"
    (root / "share").mkdir(parents=True)
    src = root.parent / "prog.c"
    src.write_text(PROGRAM_C)
    subprocess.run(["gcc", "-O1", "-o", str(root / "umm"), str(src)], check=True)
    (root / "share" / "data.txt").write_text("payload ok\n")
    (root / "share" / "alias.txt").symlink_to("data.txt")
    (root / "empty").mkdir()
    return root


@pytest.fixture
def exe(tmp_path, launcher, program_dir) -> Path:
    out = tmp_path / "bin" / "umm"
    pack_mod.pack(program_dir, out, "1.2.3", launcher=launcher)
    return out


def _run(exe: Path, *args: str, env_extra=None, home: Path = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items()
           if k not in ("XDG_CACHE_HOME", "UMM_ONEFILE_DIR", "HOME", "TMPDIR")}
    if home is not None:
        env["HOME"] = str(home)
    env.update(env_extra or {})
    return subprocess.run([str(exe), *args], env=env, capture_output=True, text=True, timeout=60)


def _fields(out: str):
    fields = {}
    for line in out.splitlines():
        k, _, v = line.partition("=")
        fields.setdefault(k, []).append(v)
    return fields


def test_runs_the_program_in_place_of_itself(exe, tmp_path):
    cache = tmp_path / "cache"
    proc = _run(exe, "a", "b c", "", env_extra={"XDG_CACHE_HOME": str(cache)})
    assert proc.returncode == 0, proc.stderr
    f = _fields(proc.stdout)
    assert f["argv0"] == [str(exe)]  # the binary the user ran (MAMBA_EXE, self-update)
    assert f["arg"] == ["a", "b c", ""]
    assert f["data"] == ["payload ok"]
    key = pack_mod.read_trailer(exe)[2]
    assert key.startswith("1.2.3-")
    unpacked = cache / "umm" / key
    assert f["exe"] == [str(unpacked / "umm")]
    assert os.readlink(unpacked / "share" / "alias.txt") == "data.txt"
    assert (unpacked / "empty").is_dir()
    assert sorted(p.name for p in (cache / "umm").iterdir()) == [key]  # no leftovers


def test_one_process_with_the_programs_own_exit_status(exe, tmp_path):
    env = {"XDG_CACHE_HOME": str(tmp_path / "c")}
    proc = subprocess.Popen([str(exe)], env={**os.environ, **env}, stdout=subprocess.PIPE,
                            text=True)
    out, _ = proc.communicate(timeout=60)
    assert _fields(out)["pid"] == [str(proc.pid)]  # exec'd: no launcher process in between
    assert _run(exe, "exit", "7", env_extra=env).returncode == 7
    assert _run(exe, "die", env_extra=env).returncode == -signal.SIGTERM  # a real signal death


def test_second_start_reuses_the_unpacked_dir(exe, tmp_path):
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    assert _run(exe, env_extra=env).returncode == 0
    key = pack_mod.read_trailer(exe)[2]
    marker = tmp_path / "cache" / "umm" / key / "share" / "data.txt"
    marker.write_text("kept\n")  # not unpacked again
    assert _fields(_run(exe, env_extra=env).stdout)["data"] == ["kept"]


def test_cache_dir_choice(exe, tmp_path):
    key = pack_mod.read_trailer(exe)[2]
    home = tmp_path / "home"
    home.mkdir()
    assert _run(exe, home=home).returncode == 0
    assert (home / ".cache" / "umm" / key / "umm").exists()
    override = tmp_path / "over"
    assert _run(exe, env_extra={"UMM_ONEFILE_DIR": str(override), "XDG_CACHE_HOME": "/x"},
                home=home).returncode == 0
    assert (override / key / "umm").exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_read_only_home_falls_back_to_a_private_tmp_dir(exe, tmp_path):
    home = tmp_path / "ro"
    home.mkdir()
    home.chmod(0o555)
    tmp = tmp_path / "t"
    tmp.mkdir()
    try:
        proc = _run(exe, home=home, env_extra={"TMPDIR": str(tmp)})
    finally:
        home.chmod(0o755)
    assert proc.returncode == 0, proc.stderr
    private = tmp / f"umm-{os.getuid()}"
    assert (private.stat().st_mode & 0o777) == 0o700
    assert (private / pack_mod.read_trailer(exe)[2] / "umm").exists()


def test_tmp_fallback_must_be_private(exe, tmp_path):
    tmp = tmp_path / "t"
    (tmp / f"umm-{os.getuid()}").mkdir(parents=True)
    (tmp / f"umm-{os.getuid()}").chmod(0o777)  # someone else could plant a program here
    proc = _run(exe, env_extra={"TMPDIR": str(tmp)})  # no HOME, no XDG_CACHE_HOME
    assert proc.returncode == 1
    assert "no writable directory" in proc.stderr


def test_concurrent_first_starts(exe, tmp_path):
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    procs = [subprocess.Popen([str(exe), str(i)], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for i in range(8)]
    for i, p in enumerate(procs):
        out, err = p.communicate(timeout=60)
        assert p.returncode == 0, err
        assert _fields(out)["data"] == ["payload ok"]
        assert _fields(out)["arg"] == [str(i)]
    names = sorted(p.name for p in (tmp_path / "cache" / "umm").iterdir())
    assert names == [pack_mod.read_trailer(exe)[2]]


def test_damaged_payload_is_refused_and_leaves_nothing(exe, tmp_path):
    offset, size, key = pack_mod.read_trailer(exe)
    data = bytearray(exe.read_bytes())
    data[offset + size // 2] ^= 0xFF
    bad = tmp_path / "bad"
    bad.write_bytes(bytes(data))
    bad.chmod(0o755)
    cache = tmp_path / "cache"
    proc = _run(bad, env_extra={"XDG_CACHE_HOME": str(cache)})
    assert proc.returncode == 1
    assert proc.stderr.startswith("umm: ") and "damaged" in proc.stderr
    assert list((cache / "umm").iterdir()) == []


def test_truncated_download_is_refused(exe, tmp_path):
    data = exe.read_bytes()
    bad = tmp_path / "cut"
    bad.write_bytes(data[:-1000])
    bad.chmod(0o755)
    proc = _run(bad, env_extra={"XDG_CACHE_HOME": str(tmp_path / "cache")})
    assert proc.returncode == 1
    assert "carries no program" in proc.stderr


def test_a_dir_without_its_marker_is_replaced_and_abandoned_unpacks_removed(exe, tmp_path):
    key = pack_mod.read_trailer(exe)[2]
    root = tmp_path / "cache" / "umm"
    (root / key / "share").mkdir(parents=True)  # half a directory, no marker
    (root / f".{key}.999999999.tmp").mkdir()  # a first start that was killed
    proc = _run(exe, env_extra={"XDG_CACHE_HOME": str(tmp_path / "cache")})
    assert proc.returncode == 0, proc.stderr
    assert _fields(proc.stdout)["data"] == ["payload ok"]
    assert sorted(p.name for p in root.iterdir()) == [key]


def test_two_builds_unpack_side_by_side(launcher, program_dir, tmp_path):
    other = tmp_path / "other.dist"
    shutil.copytree(program_dir, other, symlinks=True)
    (other / "share" / "data.txt").write_text("second build\n")
    a, b = tmp_path / "a" / "umm", tmp_path / "b" / "umm"
    ka = pack_mod.pack(program_dir, a, "1.2.3", launcher=launcher)
    kb = pack_mod.pack(other, b, "1.2.3", launcher=launcher)
    assert ka != kb
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    assert _fields(_run(a, env_extra=env).stdout)["data"] == ["payload ok"]
    assert _fields(_run(b, env_extra=env).stdout)["data"] == ["second build"]


def test_pack_refuses_what_would_not_unpack(launcher, tmp_path):
    prog = tmp_path / "p"
    prog.mkdir()
    with pytest.raises(pack_mod.PackError, match="not an executable"):
        pack_mod.pack(prog, tmp_path / "o", "1", launcher=launcher)
    (prog / "umm").write_text("#!/bin/sh\n")
    (prog / "umm").chmod(0o755)
    (prog / "abs").symlink_to("/etc/passwd")
    with pytest.raises(pack_mod.PackError, match="absolute symlink"):
        pack_mod.pack(prog, tmp_path / "o", "1", launcher=launcher)


def test_a_read_only_dir_that_holds_the_build_is_used(launcher, program_dir):
    """A Docker image unpacks at build time into UMM_ONEFILE_DIR (owned by root); a
    container's other user runs from it without writing anything."""
    import tempfile

    base = Path(tempfile.mkdtemp(prefix="umm-onefile-ro-"))
    try:
        base.chmod(0o755)
        exe = base / "umm"
        pack_mod.pack(program_dir, exe, "1.2.3", launcher=launcher)
        shared = base / "shared"
        env = {"UMM_ONEFILE_DIR": str(shared)}
        assert _run(exe, env_extra=env).returncode == 0  # unpacks (as the owner)
        for p in [shared, *shared.rglob("*")]:
            if p.is_dir() and not p.is_symlink():
                p.chmod(0o555)
        kwargs = {"user": 65534} if os.geteuid() == 0 else {}  # nobody, when we are root
        base_env = {k: v for k, v in os.environ.items() if k not in ("XDG_CACHE_HOME", "HOME")}
        proc = subprocess.run([str(exe), "x"], env={**base_env, **env, "HOME": "/nonexistent"},
                              capture_output=True, text=True, timeout=60, **kwargs)
        assert proc.returncode == 0, proc.stderr
        assert _fields(proc.stdout)["data"] == ["payload ok"]
        # and where nothing is unpacked yet, a read-only UMM_ONEFILE_DIR is an error
        empty = base / "empty"
        empty.mkdir(mode=0o555)
        proc = subprocess.run([str(exe)], env={**base_env, "UMM_ONEFILE_DIR": str(empty)},
                              capture_output=True, text=True, timeout=60, **kwargs)
        assert proc.returncode == 1 and "UMM_ONEFILE_DIR" in proc.stderr
    finally:
        for p in [base, *base.rglob("*")]:
            if p.is_dir() and not p.is_symlink():
                p.chmod(0o755)
        shutil.rmtree(base, ignore_errors=True)
