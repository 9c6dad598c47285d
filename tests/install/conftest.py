"""Fixtures for the install engine: a package cache of extracted test packages."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Dict, List, Union

import pytest

from tests.support import builder
from umm.install import LinkRequest


class Cache:
    """Builds/extracts packages into ``root`` (the tests' stand-in for umm.package)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)

    def add(self, pkg: Union[builder.Package, str, Path], fmt: str = ".conda",
            channel: str = "test", spec: str = "") -> LinkRequest:
        if isinstance(pkg, builder.Package):
            archive = builder.build(pkg, self.root, fmt)
        else:
            archive = Path(pkg)
        fn = archive.name
        stem = fn[:-len(".conda")] if fn.endswith(".conda") else fn[:-len(".tar.bz2")]
        dest = self.root / stem
        if not dest.exists():
            builder.extract(archive, dest)
        index = builder.read_index(archive)
        data = archive.read_bytes()
        record = dict(index, fn=fn, channel=channel, md5=hashlib.md5(data).hexdigest(),
                      sha256=hashlib.sha256(data).hexdigest(), size=len(data),
                      url=f"file:///channel/{index.get('subdir', 'noarch')}/{fn}")
        return LinkRequest(record, dest, spec or index["name"], str(archive))


@pytest.fixture
def cache(tmp_path: Path) -> Cache:
    return Cache(tmp_path / "pkgs")


@pytest.fixture
def prefix(tmp_path: Path) -> Path:
    return tmp_path / "env"


@pytest.fixture(scope="session")
def python_pkg() -> builder.Package:
    return builder.venv_python()


def activated(prefix: Path) -> Dict[str, str]:
    """The environment with the env's bin first on PATH, as activation makes it: under
    a long prefix (a deep TMPDIR) an entry point's shebang is `#!/usr/bin/env python`,
    the prefix's own being over the kernel's 127 bytes (conda's rule)."""
    return dict(os.environ, PATH=f"{prefix / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}")


def snapshot(root: Path) -> Dict[str, tuple]:
    """Every path below ``root`` with its kind, content hash / link target and mode."""
    out: Dict[str, tuple] = {}
    if not root.exists():
        return out
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath, name)
            rel = str(p.relative_to(root))
            if p.is_symlink():
                out[rel] = ("link", os.readlink(p))
            elif p.is_dir():
                out[rel] = ("dir",)
            else:
                out[rel] = ("file", hashlib.sha256(p.read_bytes()).hexdigest(),
                            p.stat().st_mode & 0o777)
    return out


def files_of(prefix: Path) -> List[str]:
    return sorted(k for k, v in snapshot(prefix).items() if v[0] != "dir")
