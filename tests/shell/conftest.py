"""Helpers for shell tests: environments made of a few files (no package install)."""
from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path
from typing import Dict, Optional

import pytest


def make_env(prefix: Path, program: Optional[str] = None, *,
             scripts: Optional[Dict[str, str]] = None,
             env_vars: Optional[Dict[str, str]] = None) -> Path:
    """A conda environment: ``conda-meta/history``, ``bin/<program>`` printing its own
    path, ``etc/conda/{activate,deactivate}.d`` scripts and ``conda-meta/state``."""
    (prefix / "conda-meta").mkdir(parents=True, exist_ok=True)
    (prefix / "conda-meta" / "history").write_text("")
    (prefix / "bin").mkdir(exist_ok=True)
    if program:
        exe = prefix / "bin" / program
        exe.write_text(f'#!/bin/sh\necho "{program} from {prefix}"\n')
        exe.chmod(exe.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    for rel, text in (scripts or {}).items():
        path = prefix / "etc" / "conda" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    if env_vars is not None:
        (prefix / "conda-meta" / "state").write_text(json.dumps({"env_vars": env_vars}))
    return prefix


def need(program: str) -> str:
    path = shutil.which(program)
    if not path:
        pytest.skip(f"{program} is not installed")
    return path


@pytest.fixture
def root(tmp_path: Path) -> Path:
    r = tmp_path / "root"
    (r / "envs").mkdir(parents=True)
    return r


def clean_path() -> str:
    """A PATH for shells under test: the system one, without conda envs."""
    return os.environ.get("PATH", os.defpath)
