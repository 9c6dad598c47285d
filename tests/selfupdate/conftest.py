"""Fixtures of the self-update tests.

Releases are written by ``build/release.py`` (the code the real release uses)
around a tiny fake ``umm``: a shell script that prints its version for
``--version`` and appends any other call to a log file. The "running" umm is
such a script in ``tmp/bin/umm``; tests inject it as the frozen executable.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator, List, Optional

import pytest

from tests.freeze.helpers import load_build_module
from tests.support.fixtures import channel_server  # noqa: F401
from tests.support.server import ChannelServer

FAKE_UMM = """#!/bin/sh
# a stand-in umm {version}: prints its version, logs every other call
if [ "$1" = "--version" ]; then echo "{version}"; exit 0; fi
echo "$*" >>"{log}"
"""

MTIME = 1700000000


def platform() -> str:
    from umm.specs import Platform

    return str(Platform.current())


def write_fake(path: Path, version: str, log: Optional[Path] = None, body: Optional[str] = None,
               mode: int = 0o755) -> Path:
    """A fake umm at ``path`` (``body`` replaces the script when given)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    log = log or path.parent / "calls.log"
    path.write_text(body if body is not None else FAKE_UMM.format(version=version, log=log))
    path.chmod(mode)
    return path


class Releases:
    """A release directory served over HTTP, as ``build/build.sh`` writes ``dist/``."""

    def __init__(self, server: ChannelServer, work: Path) -> None:
        self.server = server
        self.root = server.root
        self.work = work
        self.release = load_build_module("release")
        self.log = work / "calls.log"

    @property
    def url(self) -> str:
        return self.server.url

    def add(self, version: str, body: Optional[str] = None, latest: bool = True,
            binary: Optional[Path] = None, plat: Optional[str] = None) -> Path:
        """Publish ``version`` (a fake umm unless ``binary``); returns the archive."""
        if binary is None:
            binary = write_fake(self.work / "build" / version / "umm", version, self.log, body)
        before = self.latest()
        archive, _, _ = self.release.write_release(binary, self.root, version,
                                                   plat or platform(), mtime=MTIME)
        self.set_latest(version if latest else before)
        return archive

    def latest(self) -> Optional[str]:
        path = self.root / "LATEST"
        return path.read_text().strip() if path.is_file() else None

    def set_latest(self, version: Optional[str]) -> None:
        path = self.root / "LATEST"
        if version is None:
            path.unlink(missing_ok=True)
        else:
            path.write_text(version + "\n")

    def archive_path(self, version: str) -> Path:
        return self.root / self.release.archive_name(version, platform())

    def calls(self) -> List[str]:
        return self.log.read_text().splitlines() if self.log.is_file() else []


@pytest.fixture
def releases(channel_server: ChannelServer, tmp_path: Path) -> Releases:  # noqa: F811
    return Releases(channel_server, tmp_path)


@pytest.fixture
def installed(tmp_path: Path) -> Path:
    """The running umm (version 1.0.0) at ``tmp/bin/umm``."""
    return write_fake(tmp_path / "bin" / "umm", "1.0.0", tmp_path / "calls.log")


@pytest.fixture
def client() -> Iterator[object]:
    """An HttpClient that retries without sleeping."""
    from umm.net import HttpClient, NetworkOptions

    c = HttpClient(NetworkOptions(max_retries=2, backoff_factor=0.0), sleep=lambda s: None)
    try:
        yield c
    finally:
        c.close()


def leftovers(folder: Path) -> List[str]:
    """Files self-update may create next to the binary (must be gone afterwards)."""
    return sorted(p.name for p in folder.iterdir()
                  if p.name.endswith(".bak") or ".new." in p.name)


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """In-process CLI runs: HOME, root prefix and config sources inside tmp."""
    home = tmp_path / "home"
    home.mkdir()
    for key in list(os.environ):
        if key.startswith(("CONDA", "MAMBA", "UMM_")):
            monkeypatch.delenv(key)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("MAMBA_ROOT_PREFIX", str(tmp_path / "root"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("UMM_SYSTEM_CONFIG_DIRS", "")
    monkeypatch.setenv("SHELL", "/bin/bash")
    return home
