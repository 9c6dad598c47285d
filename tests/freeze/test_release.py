"""build/release.py: the release archive is what install.sh and conda expect."""
from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import tarfile

import pytest

from tests.freeze.helpers import load_build_module

release = load_build_module("release")


@pytest.fixture
def binary(tmp_path):
    b = tmp_path / "in" / "umm"
    b.parent.mkdir()
    b.write_bytes(b"#!/bin/sh\necho 0.1.0\n" + bytes(range(256)) * 64)
    b.chmod(0o700)
    return b


def test_release_files(tmp_path, binary):
    out = tmp_path / "dist"
    archive, checksum, latest = release.write_release(binary, out, "0.1.0", "linux-64",
                                                      mtime=1700000000)
    assert archive == out / "umm-0.1.0-linux-64.tar.bz2"
    assert latest.read_text() == "0.1.0\n"
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    assert checksum.read_text() == f"{digest}  umm-0.1.0-linux-64.tar.bz2\n"
    if shutil.which("sha256sum"):  # the file is in sha256sum --check format
        proc = subprocess.run(["sha256sum", "-c", checksum.name], cwd=out,
                              capture_output=True, text=True)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    assert not list(out.glob("*.part"))


def test_archive_is_bin_umm_plus_conda_metadata(tmp_path, binary):
    archive = release.write_archive(binary, tmp_path / "a.tar.bz2", "0.1.0", "linux-64",
                                    mtime=1700000000)
    with tarfile.open(archive, "r:bz2") as tar:
        members = {m.name: m for m in tar.getmembers()}
        assert sorted(members) == ["bin/umm", "info/files", "info/index.json",
                                   "info/paths.json"]
        exe = members["bin/umm"]
        assert exe.mode == 0o755 and exe.uid == 0 and exe.gid == 0 and exe.uname == ""
        assert exe.mtime == 1700000000
        assert tar.extractfile(exe).read() == binary.read_bytes()
        index = json.loads(tar.extractfile("info/index.json").read())
        paths = json.loads(tar.extractfile("info/paths.json").read())
        files = tar.extractfile("info/files").read().decode()
    assert index["name"] == "umm" and index["version"] == "0.1.0"
    assert index["subdir"] == "linux-64" and index["platform"] == "linux"
    assert index["arch"] == "x86_64" and index["depends"] == []
    assert index["timestamp"] == 1700000000 * 1000
    assert files == "bin/umm\n"
    assert paths == {"paths": [{
        "_path": "bin/umm", "path_type": "hardlink",
        "sha256": hashlib.sha256(binary.read_bytes()).hexdigest(),
        "size_in_bytes": binary.stat().st_size}], "paths_version": 1}


def test_archive_is_reproducible(tmp_path, binary, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1600000000")
    a = release.write_archive(binary, tmp_path / "a.tar.bz2", "0.1.0", "linux-64")
    binary.touch()
    b = release.write_archive(binary, tmp_path / "b.tar.bz2", "0.1.0", "linux-64")
    assert a.read_bytes() == b.read_bytes()
    with tarfile.open(a) as tar:
        assert tar.getmember("bin/umm").mtime == 1600000000


@pytest.mark.skipif(not shutil.which("tar"), reason="no tar")
def test_tar_xj_bin_umm_extracts_only_the_binary(tmp_path, binary):
    """The bootstrap users type: curl -Ls URL | tar xj bin/umm."""
    archive = release.write_archive(binary, tmp_path / "a.tar.bz2", "0.1.0", "linux-64")
    dest = tmp_path / "x"
    dest.mkdir()
    with open(archive, "rb") as f:
        subprocess.run(["tar", "xj", "bin/umm"], stdin=f, cwd=dest, check=True)
    assert [p.relative_to(dest).as_posix() for p in dest.rglob("*")] == ["bin", "bin/umm"]
    assert (dest / "bin" / "umm").read_bytes() == binary.read_bytes()


def test_osx_and_windows_metadata(tmp_path, binary):
    a = release.write_archive(binary, tmp_path / "m.tar.bz2", "1.0", "osx-arm64", mtime=0)
    with tarfile.open(a) as tar:
        index = json.loads(tar.extractfile("info/index.json").read())
        assert (index["platform"], index["arch"]) == ("osx", "arm64")
    w = release.write_archive(binary, tmp_path / "w.tar.bz2", "1.0", "win-64", mtime=0)
    with tarfile.open(w) as tar:
        assert "Library/bin/umm.exe" in tar.getnames()


def test_missing_binary(tmp_path):
    with pytest.raises(FileNotFoundError):
        release.write_release(tmp_path / "nope", tmp_path / "out", "1", "linux-64")
