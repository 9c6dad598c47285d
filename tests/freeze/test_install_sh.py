"""scripts/install.sh against a local HTTP server serving a real release archive.

The archive is written by build/release.py (the code the release uses) around a
tiny fake ``umm`` (a shell script that prints its version and logs its other
arguments), so these tests stay fast. When ``UMM_EXE`` is a frozen binary the
``real`` variant installs that binary instead (``scripts/ci-frozen.sh`` runs it).
"""
from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
import tarfile
from pathlib import Path
from typing import Dict, Optional

import pytest

from tests.conftest import umm_command, umm_exe_is_external
from tests.freeze.helpers import REPO, FileServer, load_build_module, tool_dir

INSTALL_SH = REPO / "scripts" / "install.sh"
PLATFORM = "linux-64"

FAKE_UMM = """#!/bin/sh
# a stand-in umm: prints its version, logs every other call
if [ "$1" = "--version" ]; then echo "{version}"; exit 0; fi
echo "$*" >>"${{UMM_FAKE_LOG:-/dev/null}}"
"""

# what install.sh needs from the host
TOOLS = ("sh", "bash", "dash", "tar", "bzip2", "sha256sum", "curl", "wget", "mktemp", "sed",
         "tr", "cut", "mkdir", "cp", "mv", "chmod", "rm", "uname", "basename", "cat", "head",
         "env", "ls")


def fake_binary(dest: Path, version: str) -> Path:
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(FAKE_UMM.format(version=version))
    dest.chmod(0o755)
    return dest


def frozen_binary() -> Optional[Path]:
    """The binary under test when UMM_EXE names a single executable file."""
    if not umm_exe_is_external():
        return None
    cmd = umm_command()
    return Path(cmd[0]) if len(cmd) == 1 else None


class Release:
    """A directory of release files, as build/build.sh writes dist/."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.release = load_build_module("release")

    def add(self, binary: Path, version: str, latest: bool = True) -> Path:
        latest_file = self.root / "LATEST"
        previous = latest_file.read_text() if latest_file.exists() else None
        files = self.release.write_release(binary, self.root, version=version,
                                           platform=PLATFORM, mtime=1700000000)
        if not latest and previous is not None:
            latest_file.write_text(previous)
        return files[0]


@pytest.fixture
def release(tmp_path: Path) -> Release:
    return Release(tmp_path / "release")


@pytest.fixture
def server(release: Release):
    release.root.mkdir(parents=True, exist_ok=True)
    with FileServer(release.root) as srv:
        yield srv


def run_install(tmp_path: Path, base_url: str, *args: str, shell: str = "sh",
                env: Optional[Dict[str, str]] = None, stdin_script: bool = False,
                path: Optional[str] = None) -> subprocess.CompletedProcess:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    environ = {
        "HOME": str(home),
        "PATH": path or os.environ["PATH"],
        "UMM_BASE_URL": base_url,
        "UMM_PLATFORM": PLATFORM,
        "INIT_YES": "no",
        "CONDA_FORGE_YES": "no",
        "SHELL": "/bin/bash",
        "UMM_FAKE_LOG": str(tmp_path / "umm.log"),
        "TMPDIR": str(tmp_path),
    }
    environ.update(env or {})
    environ = {k: v for k, v in environ.items() if v is not None}
    if stdin_script:  # like `curl ... | sh`
        return subprocess.run([shell, "-s", "--", *args], input=INSTALL_SH.read_text(),
                              capture_output=True, text=True, env=environ, timeout=60,
                              start_new_session=True)
    return subprocess.run([shell, str(INSTALL_SH), *args], capture_output=True, text=True,
                          env=environ, timeout=60, start_new_session=True,
                          stdin=subprocess.DEVNULL)


def _binary_variants():
    return [pytest.param("fake", id="fake"),
            pytest.param("real", id="real", marks=pytest.mark.e2e)]


@pytest.mark.parametrize("which", _binary_variants())
def test_installs_latest_into_bin_folder(tmp_path, release, server, which):
    if which == "real":
        binary = frozen_binary()
        if binary is None:
            pytest.skip("UMM_EXE is not a frozen binary")
        version = subprocess.run([str(binary), "--version"], capture_output=True, text=True,
                                 check=True).stdout.strip()
    else:
        version = "1.2.3"
        binary = fake_binary(tmp_path / "build" / "umm", version)
    release.add(binary, version)
    bin_folder = tmp_path / "my bin"  # a space on purpose
    proc = run_install(tmp_path, server.url, env={"BIN_FOLDER": str(bin_folder)})
    assert proc.returncode == 0, proc.stderr
    installed = bin_folder / "umm"
    assert installed.read_bytes() == binary.read_bytes()
    assert stat.S_IMODE(installed.stat().st_mode) == 0o755
    out = subprocess.run([str(installed), "--version"], capture_output=True, text=True)
    assert out.stdout.strip() == version
    assert f"Installed umm {version}" in proc.stderr
    archive = f"/umm-{version}-{PLATFORM}.tar.bz2"
    assert server.requested == ["/LATEST", archive, archive + ".sha256"]
    assert not list(bin_folder.glob(".umm.new.*"))


@pytest.mark.parametrize("shell", ["sh", "bash", "dash"])
def test_posix_shells_and_piped_script(tmp_path, release, server, shell):
    if not shutil.which(shell):
        pytest.skip(f"{shell} not installed")
    release.add(fake_binary(tmp_path / "b" / "umm", "0.9.0"), "0.9.0")
    proc = run_install(tmp_path, server.url, shell=shell, stdin_script=True)
    assert proc.returncode == 0, proc.stderr
    # default BIN_FOLDER is ~/.local/bin
    installed = tmp_path / "home" / ".local" / "bin" / "umm"
    assert subprocess.run([str(installed), "--version"], capture_output=True,
                          text=True).stdout.strip() == "0.9.0"
    assert "is not on your PATH" in proc.stderr


def test_explicit_version_wins_over_latest(tmp_path, release, server):
    release.add(fake_binary(tmp_path / "old" / "umm", "1.0.0"), "1.0.0")
    release.add(fake_binary(tmp_path / "new" / "umm", "2.0.0"), "2.0.0")
    assert (release.root / "LATEST").read_text().strip() == "2.0.0"
    bin_folder = tmp_path / "bin"
    proc = run_install(tmp_path, server.url, "-v", "1.0.0", "-b", str(bin_folder))
    assert proc.returncode == 0, proc.stderr
    out = subprocess.run([str(bin_folder / "umm"), "--version"], capture_output=True, text=True)
    assert out.stdout.strip() == "1.0.0"
    assert "/LATEST" not in server.requested
    # the environment variable works too, and a flag beats it
    proc = run_install(tmp_path, server.url, "--version", "2.0.0",
                       env={"UMM_VERSION": "1.0.0", "BIN_FOLDER": str(bin_folder)})
    assert proc.returncode == 0, proc.stderr
    out = subprocess.run([str(bin_folder / "umm"), "--version"], capture_output=True, text=True)
    assert out.stdout.strip() == "2.0.0"


def test_checksum_mismatch_installs_nothing(tmp_path, release, server):
    archive = release.add(fake_binary(tmp_path / "b" / "umm", "1.0.0"), "1.0.0")
    bin_folder = tmp_path / "bin"
    previous = fake_binary(bin_folder / "umm", "0.0.1")
    before = previous.read_bytes()
    # tamper with the archive after its checksum was written
    with tarfile.open(archive, "w:bz2") as tar:
        tar.add(str(fake_binary(tmp_path / "evil" / "umm", "6.6.6")), "bin/umm")
    proc = run_install(tmp_path, server.url, env={"BIN_FOLDER": str(bin_folder)})
    assert proc.returncode != 0
    assert "checksum mismatch" in proc.stderr
    assert previous.read_bytes() == before
    assert sorted(p.name for p in bin_folder.iterdir()) == ["umm"]


def test_bad_checksum_file_is_refused(tmp_path, release, server):
    archive = release.add(fake_binary(tmp_path / "b" / "umm", "1.0.0"), "1.0.0")
    Path(str(archive) + ".sha256").write_text("not a checksum\n")
    proc = run_install(tmp_path, server.url, env={"BIN_FOLDER": str(tmp_path / "bin")})
    assert proc.returncode != 0
    assert "does not hold a sha256 checksum" in proc.stderr
    assert not (tmp_path / "bin" / "umm").exists()


def test_missing_version_is_a_clear_error(tmp_path, release, server):
    release.add(fake_binary(tmp_path / "b" / "umm", "1.0.0"), "1.0.0")
    proc = run_install(tmp_path, server.url, "-v", "9.9.9")
    assert proc.returncode != 0
    assert "download failed" in proc.stderr
    assert f"umm-9.9.9-{PLATFORM}.tar.bz2" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_archive_without_binary_is_refused(tmp_path, release, server):
    release.root.mkdir(parents=True, exist_ok=True)
    name = f"umm-1.0.0-{PLATFORM}.tar.bz2"
    other = tmp_path / "README"
    other.write_text("no binary here\n")
    with tarfile.open(release.root / name, "w:bz2") as tar:
        tar.add(str(other), "README")
    digest = hashlib.sha256((release.root / name).read_bytes()).hexdigest()
    (release.root / f"{name}.sha256").write_text(f"{digest}  {name}\n")
    (release.root / "LATEST").write_text("1.0.0\n")
    proc = run_install(tmp_path, server.url, env={"BIN_FOLDER": str(tmp_path / "bin")})
    assert proc.returncode != 0
    assert "does not contain bin/umm" in proc.stderr


def test_binary_that_does_not_run_is_not_installed(tmp_path, release, server):
    broken = tmp_path / "b" / "umm"
    broken.parent.mkdir()
    broken.write_bytes(b"\x7fELF not really\n")
    broken.chmod(0o755)
    release.add(broken, "1.0.0")
    bin_folder = tmp_path / "bin"
    proc = run_install(tmp_path, server.url, env={"BIN_FOLDER": str(bin_folder)})
    assert proc.returncode != 0
    assert "does not run on this machine" in proc.stderr
    assert list(bin_folder.iterdir()) == []


def test_wget_is_used_without_curl(tmp_path, release, server):
    if not shutil.which("wget"):
        pytest.skip("wget not installed")
    release.add(fake_binary(tmp_path / "b" / "umm", "3.1.4"), "3.1.4")
    tools = tool_dir(tmp_path / "tools", TOOLS, without=("curl",))
    proc = run_install(tmp_path, server.url, path=str(tools),
                       env={"BIN_FOLDER": str(tmp_path / "bin")})
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "bin" / "umm").is_file()


def test_no_downloader_is_a_clear_error(tmp_path, release, server):
    release.add(fake_binary(tmp_path / "b" / "umm", "3.1.4"), "3.1.4")
    tools = tool_dir(tmp_path / "tools", TOOLS, without=("curl", "wget"))
    proc = run_install(tmp_path, server.url, path=str(tools))
    assert proc.returncode != 0
    assert "neither curl nor wget" in proc.stderr


def test_shell_init_and_conda_forge_when_asked(tmp_path, release, server):
    release.add(fake_binary(tmp_path / "b" / "umm", "1.0.0"), "1.0.0")
    proc = run_install(tmp_path, server.url, "--init", env={
        "SHELL": "/usr/bin/zsh", "PREFIX_LOCATION": "~/mm", "CONDA_FORGE_YES": "yes"})
    assert proc.returncode == 0, proc.stderr
    calls = (tmp_path / "umm.log").read_text().splitlines()
    home = tmp_path / "home"
    assert calls == [f"shell init --shell zsh --root-prefix {home}/mm",
                     "config append channels conda-forge",
                     "config set channel_priority strict"]


def test_nothing_is_configured_unless_asked(tmp_path, release, server):
    release.add(fake_binary(tmp_path / "b" / "umm", "1.0.0"), "1.0.0")
    # no terminal (new session) and no INIT_YES/CONDA_FORGE_YES: the answer is no
    proc = run_install(tmp_path, server.url, env={"INIT_YES": None, "CONDA_FORGE_YES": None})
    assert proc.returncode == 0, proc.stderr
    assert not (tmp_path / "umm.log").exists()


def test_unknown_argument_and_help(tmp_path):
    proc = run_install(tmp_path, "http://127.0.0.1:9", "--frobnicate")
    assert proc.returncode != 0
    assert "unknown argument '--frobnicate'" in proc.stderr
    proc = run_install(tmp_path, "http://127.0.0.1:9", "--help")
    assert proc.returncode == 0
    assert "BIN_FOLDER" in proc.stderr


def test_platform_detection_names_conda_platforms(tmp_path, release, server):
    """Without UMM_PLATFORM the script asks uname; a fake uname proves the mapping."""
    expected = {("Linux", "x86_64"): "linux-64", ("Linux", "aarch64"): "linux-aarch64",
                ("Darwin", "arm64"): "osx-arm64", ("Darwin", "x86_64"): "osx-64",
                ("Linux", "ppc64le"): "linux-ppc64le"}
    for (system, machine), platform in expected.items():
        fake = tmp_path / f"uname-{system}-{machine}"
        tools = tool_dir(fake, TOOLS, without=("uname",))
        (fake / "uname").write_text(
            f'#!/bin/sh\ncase "$1" in -s) echo {system};; -m) echo {machine};; esac\n')
        (fake / "uname").chmod(0o755)
        proc = run_install(tmp_path, server.url, "-v", "7.0", path=str(tools),
                           env={"UMM_PLATFORM": None})
        assert f"umm-7.0-{platform}.tar.bz2" in proc.stderr, (system, machine, proc.stderr)
