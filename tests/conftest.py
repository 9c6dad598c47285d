"""Shared fixtures.

* ``shared_data``: ``../shared/data`` (real repodata, packages, lock and env files).
* ``umm_env``: an isolated environment for running umm (HOME, root prefix, no
  CONDA_*/MAMBA_* leaking in from the developer's shell).
* ``run_umm``: runs the umm executable under test. ``UMM_EXE`` selects it (a path
  to a frozen binary, relative to the directory pytest starts in, spaces allowed;
  or a command line such as ``"python3 -m umm"``); by default ``python -m umm``
  from this checkout. With ``UMM_EXE`` set, the umm processes get no PYTHONPATH
  or PYTHONHOME, so a frozen binary is tested on its own.
* Every test that uses ``umm_env`` is marked ``e2e`` automatically: that is the
  subset ``scripts/ci-frozen.sh`` runs against the frozen binary.
"""
from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Optional

import pytest

# tests.reliability.counts prints the reliability suites' counts (faults injected,
# trials run, inputs fuzzed) at the end of the run
pytest_plugins = ["tests.support.fixtures", "tests.reliability.counts"]

REPO = Path(__file__).resolve().parent.parent
SHARED = (REPO.parent / "shared").resolve()
SHARED_DATA = SHARED / "data"
TESTS_DATA = REPO / "tests" / "data"


_START_DIR = Path.cwd()


def _resolve_umm_exe(value: str) -> List[str]:
    """The command for ``UMM_EXE``: an existing file is taken as one path (it may
    contain spaces); anything else is split like a shell would, and its program
    looked up on PATH. Paths are made absolute so tests can change directory."""
    path = Path(value).expanduser()
    if not path.is_absolute():
        path = _START_DIR / path
    if path.is_file():
        return [str(path)]
    words = shlex.split(value)
    if not words:
        raise ValueError("UMM_EXE is empty")
    prog = words[0]
    if os.sep in prog or (os.altsep and os.altsep in prog):
        prog_path = Path(prog).expanduser()
        found = str(prog_path if prog_path.is_absolute() else _START_DIR / prog_path)
    else:
        found = shutil.which(prog) or ""
    if not found or not os.path.isfile(found) or not os.access(found, os.X_OK):
        raise ValueError(f"UMM_EXE={value!r}: {prog!r} is not an executable file")
    return [found] + words[1:]


def umm_command() -> List[str]:
    exe = os.environ.get("UMM_EXE", "").strip()
    if exe:
        return _resolve_umm_exe(exe)
    return [sys.executable, "-m", "umm"]


def umm_exe_is_external() -> bool:
    """True when the tests run an external umm (``UMM_EXE``), e.g. the frozen binary."""
    return bool(os.environ.get("UMM_EXE", "").strip())


def pytest_configure(config) -> None:
    if umm_exe_is_external():
        try:
            umm_command()
        except ValueError as exc:
            raise pytest.UsageError(str(exc)) from None


def pytest_collection_modifyitems(config, items) -> None:
    for item in items:
        if "umm_env" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="session")
def shared_bench() -> Path:
    return SHARED / "bench"


def clean_environ(home: Path, root_prefix: Path) -> Dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("CONDA", "MAMBA", "UMM_", "_CE_", "PYTHONSTARTUP"))}
    env.update({
        "HOME": str(home),
        "MAMBA_ROOT_PREFIX": str(root_prefix),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "NO_COLOR": "1",
    })
    if umm_exe_is_external():
        # the executable under test must not lean on the test runner's Python
        for var in ("PYTHONPATH", "PYTHONHOME", "PYTHONSAFEPATH", "PYTHONNOUSERSITE"):
            env.pop(var, None)
        for var in [k for k in env if k.startswith(("_PYI_", "PYINSTALLER_", "NUITKA_"))]:
            del env[var]
    else:
        env["PYTHONPATH"] = str(REPO) + (os.pathsep + os.environ["PYTHONPATH"]
                                         if os.environ.get("PYTHONPATH") else "")
    if os.environ.get("UMM_DEBUG"):
        env["UMM_DEBUG"] = os.environ["UMM_DEBUG"]
    if os.environ.get("UMM_ONEFILE_DIR"):
        # where umm's onefile launcher unpacks (build/onefile): one shared dir for the
        # whole run rather than ~37 MB in every test's HOME
        env["UMM_ONEFILE_DIR"] = os.environ["UMM_ONEFILE_DIR"]
    return env


class UmmEnv:
    """An isolated HOME and root prefix, and a way to run umm inside them."""

    def __init__(self, base: Path) -> None:
        self.home = base / "home"
        self.root_prefix = base / "root"
        self.home.mkdir(parents=True, exist_ok=True)
        self.root_prefix.mkdir(parents=True, exist_ok=True)
        self.environ = clean_environ(self.home, self.root_prefix)

    def run(self, *args: str, check: bool = False, input: Optional[str] = None,
            env: Optional[Dict[str, str]] = None, cwd: Optional[Path] = None,
            timeout: float = 300) -> subprocess.CompletedProcess:
        environ = dict(self.environ)
        if env:
            environ.update(env)
        proc = subprocess.run(umm_command() + [str(a) for a in args], input=input,
                              capture_output=True, text=True, env=environ,
                              cwd=str(cwd) if cwd else None, timeout=timeout)
        if check and proc.returncode != 0:
            raise AssertionError(
                f"umm {' '.join(map(str, args))} exited {proc.returncode}\n"
                f"--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}")
        return proc


@pytest.fixture
def umm_env(tmp_path: Path) -> UmmEnv:
    return UmmEnv(tmp_path)
