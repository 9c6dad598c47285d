"""Fixtures for spec files, lock files and exports: a served channel of real packages
(linux-64 and osx-64), a venv-style python with a working ``pip`` package, and helpers
to run umm against it and to read an environment's ``conda-meta`` records."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Dict, Iterator, List

import pytest

from tests.conftest import UmmEnv
from tests.support import builder
from tests.support.builder import File, Package
from tests.support.server import ChannelServer

XY = f"{sys.version_info.major}.{sys.version_info.minor}"
# fields that legitimately differ between two installs of one package
LOCATION_FIELDS = ("requested_spec",)


def host_pip_dir() -> Path:
    import pip

    return Path(pip.__file__).resolve().parent


def pip_package(work: Path) -> Package:
    """A ``noarch: python`` package ``pip`` whose ``.pth`` puts the host's pip (only pip:
    a directory holding a link to it) on the env's path, so ``python -m pip`` works."""
    import pip

    shim = work / "pip-shim"
    shim.mkdir(parents=True, exist_ok=True)
    if not (shim / "pip").exists():
        os.symlink(host_pip_dir(), shim / "pip")
    return builder.noarch_python("pip", pip.__version__, "pyh0_0", modules={
        "umm_test_pip.pth": str(shim) + "\n"})


def channel_packages(work: Path) -> List[Package]:
    pkgs: List[Package] = []
    for subdir in ("linux-64", "osx-64"):
        tag = "l" if subdir == "linux-64" else "o"
        pkgs += [
            Package("liba", "1.0", f"h{tag}_0", build_number=3, subdir=subdir,
                    files=[File(f"share/liba/{subdir}.txt", "liba 1\n")]),
            Package("liba", "2.0", f"h{tag}_0", subdir=subdir,
                    files=[File(f"share/liba/{subdir}.txt", "liba 2\n")]),
            Package("libb", "2.0", f"h{tag}_0", subdir=subdir, depends=["liba >=1.0"],
                    constrains=["app >=1.0"],
                    files=[File.text("share/libb/prefix.txt",
                                     f"prefix={builder.TEXT_PLACEHOLDER}\n", placeholder=True)]),
        ]
    pkgs += [
        Package("app", "1.0", "0", noarch="generic", depends=["libb"],
                files=[File("share/app.txt", "app\n")]),
        Package("extra", "1.0", "0", noarch="generic", files=[File("share/extra.txt", "x\n")]),
        builder.venv_python(),
        pip_package(work),
    ]
    return pkgs


@pytest.fixture(scope="session")
def channel(tmp_path_factory) -> Iterator[ChannelServer]:
    base = tmp_path_factory.mktemp("envfile-channel")
    root = base / "channel"
    builder.write_channel(root, channel_packages(base), subdirs=["linux-64", "osx-64"])
    srv = ChannelServer(root).start()
    try:
        yield srv
    finally:
        srv.stop()


class Umm:
    """umm in an isolated root prefix, with the test channel configured."""

    def __init__(self, env: UmmEnv, channel: ChannelServer) -> None:
        self.env = env
        self.channel = channel
        self.root = env.root_prefix
        (env.home / ".mambarc").write_text(f"channels:\n  - {channel.url}\n")

    def __call__(self, *args: str, check: bool = True, **kw):
        return self.env.run(*args, check=check, **kw)

    def prefix(self, name: str) -> Path:
        return self.root / "envs" / name

    def records(self, name: str) -> Dict[str, dict]:
        meta = self.prefix(name) / "conda-meta"
        return {f.name: json.loads(f.read_text()) for f in sorted(meta.glob("*.json"))}


@pytest.fixture
def umm(umm_env: UmmEnv, channel: ChannelServer) -> Umm:
    return Umm(umm_env, channel)


def comparable(records: Dict[str, dict]) -> Dict[str, dict]:
    """Records without the fields that name the request rather than the package."""
    return {k: {f: v for f, v in r.items() if f not in LOCATION_FIELDS}
            for k, r in records.items()}


def record_diff(a: Dict[str, dict], b: Dict[str, dict]) -> Dict[str, dict]:
    """``{file: {field: (a's, b's)}}`` for the records that differ (for messages)."""
    out: Dict[str, dict] = {}
    for key in sorted(set(a) | set(b)):
        ra, rb = a.get(key, {}), b.get(key, {})
        d = {f: (ra.get(f), rb.get(f)) for f in set(ra) | set(rb) if ra.get(f) != rb.get(f)}
        if d:
            out[key] = d
    return out


@pytest.fixture(scope="session")
def second_channel(tmp_path_factory) -> str:
    """A file:// channel with ``extra 2.0`` only (the served channel has ``extra 1.0``)."""
    root = tmp_path_factory.mktemp("envfile-second") / "second"
    builder.write_channel(root, [Package("extra", "2.0", "0", noarch="generic",
                                         files=[File("share/extra.txt", "x2\n")])],
                          subdirs=["linux-64", "osx-64"])
    return root.as_uri()


def installed(records: Dict[str, dict]) -> Dict[str, str]:
    """name -> version of conda-meta records."""
    return {r["name"]: r["version"] for r in records.values()}
