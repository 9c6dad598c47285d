"""End-to-end checks of the executable under test, aimed at the frozen binary.

With ``UMM_EXE`` naming a frozen binary (``scripts/ci-frozen.sh``), the binary
is copied alone into an empty directory and run with no Python reachable on
PATH and no PYTHON* variables. Under ``python -m umm`` only the tests that make
sense for both run.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Dict, Optional

import pytest

import umm
from tests.conftest import UmmEnv, umm_command, umm_exe_is_external
from tests.freeze.channel import build_channel
from tests.freeze.helpers import REPO, load_build_module, python_free_path
from umm.cli.main import COMMANDS

pytestmark = pytest.mark.e2e


def frozen_exe() -> Optional[Path]:
    if not umm_exe_is_external():
        return None
    cmd = umm_command()
    return Path(cmd[0]) if len(cmd) == 1 else None


class LoneBinary:
    """The binary copied alone into an empty directory, run without Python."""

    def __init__(self, base: Path, exe: Path) -> None:
        self.dir = base / "lone"
        self.dir.mkdir()
        self.exe = self.dir / "umm"
        shutil.copy2(exe, self.exe)
        self.home = base / "home"
        self.home.mkdir()
        self.cwd = base / "cwd"
        self.cwd.mkdir()
        self.path = python_free_path(base / "nopython")
        self.env: Dict[str, str] = {
            "HOME": str(self.home),
            "PATH": self.path,
            "MAMBA_ROOT_PREFIX": str(base / "root"),
            "XDG_CACHE_HOME": str(self.home / ".cache"),
            "XDG_CONFIG_HOME": str(self.home / ".config"),
            "TMPDIR": str(base),
            "NO_COLOR": "1",
            "LANG": "C.UTF-8",
        }

    def run(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        return subprocess.run([str(self.exe), *args], capture_output=True, text=True,
                              env=self.env, cwd=str(self.cwd), timeout=timeout)


@pytest.fixture
def lone(tmp_path: Path) -> LoneBinary:
    exe = frozen_exe()
    if exe is None:
        pytest.skip("UMM_EXE is not a frozen binary")
    return LoneBinary(tmp_path, exe)


def _skip_unless_implemented(lone: "LoneBinary", command: str) -> None:
    """Skip while ``command`` is still the placeholder: run bare, it says so."""
    proc = lone.run(command)
    if proc.returncode == 2 and "is not implemented yet" in proc.stderr:
        pytest.skip(f"umm {command} is not implemented yet")


def test_no_python_is_reachable(lone):
    assert shutil.which("python3", path=lone.path) is None
    assert shutil.which("python", path=lone.path) is None
    assert not any(k.startswith("PYTHON") for k in lone.env)


def test_lone_binary_version_and_help(lone):
    proc = lone.run("--version")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == umm.__version__
    proc = lone.run("--help")
    assert proc.returncode == 0, proc.stderr
    for name in COMMANDS:
        assert name in proc.stdout
    assert list(lone.dir.iterdir()) == [lone.exe]  # it left nothing next to itself


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_subcommand_parser_is_available(umm_env: UmmEnv, command: str):
    """Each subcommand's module is imported by name: a freezer that missed one fails here."""
    proc = umm_env.run(command, "--help")
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "usage:" in proc.stdout


def test_bad_usage_is_one_line_without_traceback(lone):
    proc = lone.run("create", "--no-such-flag")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr


def test_pyinstaller_bundle_holds_every_module_and_the_ca_bundle(tmp_path):
    exe = frozen_exe()
    if exe is None:
        pytest.skip("UMM_EXE is not a frozen binary")
    readers = pytest.importorskip("PyInstaller.archive.readers")
    try:
        carchive = readers.CArchiveReader(str(exe))
    except Exception:
        pytest.skip("not a PyInstaller executable")
    names = set(carchive.toc)
    assert "certifi/cacert.pem" in names
    pyz = tmp_path / "PYZ.pyz"
    pyz.write_bytes(carchive.extract("PYZ.pyz"))
    frozen = set(readers.ZlibArchiveReader(str(pyz)).toc)
    buildlib = load_build_module("buildlib")
    missing = [m for m in buildlib.package_modules(REPO) if m not in frozen]
    assert not missing, f"modules not frozen: {missing}"
    for dep in ("urllib3", "yaml", "zstandard", "certifi"):
        assert dep in frozen


def _create(run, prefix: Path, channel: Path, *specs: str) -> subprocess.CompletedProcess:
    return run("create", "-y", "-p", str(prefix), "--override-channels",
               "-c", channel.as_uri(), *specs)


def test_lone_binary_creates_an_env_from_the_demo_channel(lone, tmp_path):
    channel = build_channel(tmp_path / "channel")
    prefix = tmp_path / "envs" / "demo"
    _skip_unless_implemented(lone, "create")
    proc = _create(lone.run, prefix, channel, "umm-hello")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    metas = sorted(p.name for p in (prefix / "conda-meta").glob("*.json"))
    assert metas == ["umm-hello-1.0-0.json", "umm-hello-data-1.0-0.json"]
    out = subprocess.run([str(prefix / "bin" / "umm-hello")], capture_output=True, text=True,
                         env={"PATH": lone.path})
    assert out.stdout.strip() == f"hello from umm-hello, data: {prefix}"
    if lone.run("list").stderr.find("is not implemented yet") < 0:
        listing = lone.run("list", "-p", str(prefix))
        assert listing.returncode == 0, listing.stderr
        assert "umm-hello-data" in listing.stdout


DEMO_CHANNEL = REPO / "demo" / "channel"


def test_lone_binary_creates_an_env_from_the_repo_demo_channel(lone, tmp_path):
    """The done-when of the frozen binary: demo/channel, no Python anywhere."""
    if not (DEMO_CHANNEL / "noarch" / "repodata.json").is_file():
        pytest.skip("no demo/channel in this checkout")
    _skip_unless_implemented(lone, "create")
    lone.env["MAMBA_ADD_PIP_AS_PYTHON_DEPENDENCY"] = "false"
    proc = lone.run("create", "-y", "-n", "demo", "--override-channels",
                    "-c", str(DEMO_CHANNEL), "zlib", "prefix-echo", "hello-data=1.0")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    prefix = Path(lone.env["MAMBA_ROOT_PREFIX"]) / "envs" / "demo"
    echo = subprocess.run([str(prefix / "bin" / "prefix-echo")], capture_output=True,
                          text=True, env={"PATH": lone.path})
    assert echo.returncode == 0 and str(prefix) in echo.stdout
    pc = (prefix / "lib" / "pkgconfig" / "zlib.pc").read_text()
    assert f"prefix={prefix}" in pc.splitlines()
    where = (prefix / "share" / "hello-data" / "where.txt").read_text()
    assert where.strip() == f"installed in {prefix}"
    names = {p.name.rsplit("-", 2)[0] for p in (prefix / "conda-meta").glob("*.json")}
    assert {"zlib", "prefix-echo", "hello-data", "libgcc-ng"} <= names


def test_children_get_the_users_environment_back(lone, tmp_path):
    """Programs umm starts must not inherit the bundle's library path or _PYI_ state."""
    _skip_unless_implemented(lone, "create")
    _skip_unless_implemented(lone, "run")
    prefix = tmp_path / "envs" / "empty"
    proc = lone.run("create", "-y", "-p", str(prefix))
    assert proc.returncode == 0, proc.stderr
    lone.env["LD_LIBRARY_PATH"] = "/opt/user/lib"
    env_prog = shutil.which("env", path=lone.path)
    assert env_prog
    proc = lone.run("run", "-p", str(prefix), env_prog)
    assert proc.returncode == 0, proc.stderr
    child: Dict[str, str] = dict(line.split("=", 1) for line in proc.stdout.splitlines()
                                 if "=" in line)
    assert child.get("LD_LIBRARY_PATH") == "/opt/user/lib"
    assert not [k for k in child
                if k.startswith(("_PYI_", "NUITKA_")) or k == "LD_LIBRARY_PATH_ORIG"]
