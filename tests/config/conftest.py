"""Fixtures of the config tests: an isolated filesystem layout, never the real /etc."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Optional

import pytest

from umm.config.loader import load
from umm.reporter import RecordingReporter


class Layout:
    """A fake machine: home, root prefix, target prefix, two system rc directories."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.home = base / "home"
        self.root = base / "root"
        self.target = base / "target"
        self.etc = base / "etc-conda"
        self.varlib = base / "var-lib-conda"
        for d in (self.home, self.root, self.etc, self.varlib):
            d.mkdir(parents=True, exist_ok=True)
        self.environ: Dict[str, str] = {"HOME": str(self.home), "MAMBA_ROOT_PREFIX": str(self.root)}
        self.reporter = RecordingReporter()

    @property
    def system_dirs(self):
        return [str(self.etc), str(self.varlib)]

    def write(self, path: Path, text: str) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return path

    def load(self, cli: Optional[Dict[str, Any]] = None, api: Optional[Dict[str, Any]] = None,
             **kw: Any):
        kw.setdefault("environ", self.environ)
        kw.setdefault("home", str(self.home))
        kw.setdefault("cwd", str(self.base))
        kw.setdefault("system_dirs", self.system_dirs)
        kw.setdefault("host_platform", "linux-64")
        kw.setdefault("reporter", self.reporter)
        return load(cli, api, **kw)


@pytest.fixture
def layout(tmp_path: Path) -> Layout:
    return Layout(tmp_path)


@pytest.fixture
def uenv(umm_env, tmp_path: Path):
    """``umm_env`` whose system rc directories are inside the test's tmp dir."""
    etc = tmp_path / "etc-conda"
    etc.mkdir(exist_ok=True)
    umm_env.environ["UMM_SYSTEM_CONFIG_DIRS"] = str(etc)
    umm_env.etc = etc
    return umm_env
