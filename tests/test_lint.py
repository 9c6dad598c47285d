"""The code base stays clean under ruff (pyflakes, pycodestyle, bugbear; pyproject.toml)."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _ruff() -> list:
    try:
        import ruff  # noqa: F401
    except ImportError:
        exe = shutil.which("ruff")
        if exe is None:
            pytest.skip("ruff is not installed (pip install -e .[test])")
        return [exe]
    return [sys.executable, "-m", "ruff"]


def test_ruff_is_clean() -> None:
    proc = subprocess.run(_ruff() + ["check", "--no-cache", "--output-format", "concise",
                                     "umm", "tests", "bench", "build", "scripts", "spec"],
                          cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
