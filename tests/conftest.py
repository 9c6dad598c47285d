"""Shared fixtures.

* ``shared_data``: ``../shared/data`` (real repodata, packages, lock and env files).
* ``umm_env``: an isolated environment for running umm (HOME, root prefix, no
  CONDA_*/MAMBA_* leaking in from the developer's shell).
* ``run_umm``: runs the umm executable under test. ``UMM_EXE`` selects it (a path
  to a frozen binary); by default ``python -m umm`` from this checkout.
"""
from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Optional

import pytest

# prints the reliability suites' counts (faults injected, trials run, inputs fuzzed)
from tests.reliability.counts import pytest_terminal_summary  # noqa: F401,E402

REPO = Path(__file__).resolve().parent.parent
SHARED = (REPO.parent / "shared").resolve()
SHARED_DATA = SHARED / "data"
TESTS_DATA = REPO / "tests" / "data"


def umm_command() -> List[str]:
    exe = os.environ.get("UMM_EXE")
    if exe:
        return shlex.split(exe)
    return [sys.executable, "-m", "umm"]


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
    if "UMM_EXE" not in os.environ:
        env["PYTHONPATH"] = str(REPO) + (os.pathsep + os.environ["PYTHONPATH"]
                                         if os.environ.get("PYTHONPATH") else "")
    if os.environ.get("UMM_DEBUG"):
        env["UMM_DEBUG"] = os.environ["UMM_DEBUG"]
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
