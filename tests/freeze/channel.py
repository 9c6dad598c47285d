"""A tiny real conda channel for the frozen-binary tests.

A stand-in until ``tests/support/builder.py`` lands: two noarch ``.tar.bz2``
packages, ``umm-hello`` (a shell program) depending on ``umm-hello-data`` (a
text file carrying the ``/opt/anaconda1anaconda2anaconda3`` prefix placeholder),
with ``noarch/repodata.json`` and an empty ``linux-64/repodata.json``, as a
channel on disk must have.
"""
from __future__ import annotations

import hashlib
import io
import json
import tarfile
from pathlib import Path
from typing import Dict, List, Tuple

PLACEHOLDER = "/opt/anaconda1anaconda2anaconda3"
HELLO_SCRIPT = """#!/bin/sh
echo "hello from umm-hello, data: $(cat "$(dirname "$0")/../share/umm-hello/prefix.txt")"
"""


def _add(tar: tarfile.TarFile, name: str, data: bytes, mode: int = 0o644) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), mode, 1700000000
    tar.addfile(info, io.BytesIO(data))


def build_package(dest_dir: Path, name: str, version: str, depends: List[str],
                  files: Dict[str, Tuple[bytes, int]], has_prefix: List[str]) -> Dict:
    """Write ``name-version-0.tar.bz2`` into dest_dir; return its repodata record."""
    fn = f"{name}-{version}-0.tar.bz2"
    index = {"name": name, "version": version, "build": "0", "build_number": 0,
             "depends": depends, "noarch": "generic", "subdir": "noarch", "license": "BSD",
             "timestamp": 1700000000000}
    paths = []
    for path, (data, _mode) in sorted(files.items()):
        entry = {"_path": path, "path_type": "hardlink",
                 "sha256": hashlib.sha256(data).hexdigest(), "size_in_bytes": len(data)}
        if path in has_prefix:
            entry.update({"prefix_placeholder": PLACEHOLDER, "file_mode": "text"})
        paths.append(entry)
    info = {
        "info/index.json": json.dumps(index, indent=2).encode(),
        "info/paths.json": json.dumps({"paths": paths, "paths_version": 1}, indent=2).encode(),
        "info/files": "".join(p + "\n" for p in sorted(files)).encode(),
    }
    if has_prefix:
        info["info/has_prefix"] = "".join(
            f"{PLACEHOLDER} text {p}\n" for p in has_prefix).encode()
    target = dest_dir / fn
    with tarfile.open(target, "w:bz2") as tar:
        for path, data in info.items():
            _add(tar, path, data)
        for path, (data, mode) in sorted(files.items()):
            _add(tar, path, data, mode)
    blob = target.read_bytes()
    record = dict(index, md5=hashlib.md5(blob).hexdigest(),
                  sha256=hashlib.sha256(blob).hexdigest(), size=len(blob))
    return {fn: record}


def build_channel(root: Path) -> Path:
    """The demo channel under ``root``; returns its directory."""
    noarch = root / "noarch"
    noarch.mkdir(parents=True)
    (root / "linux-64").mkdir()
    packages: Dict[str, Dict] = {}
    packages.update(build_package(
        noarch, "umm-hello-data", "1.0", [],
        {"share/umm-hello/prefix.txt": (f"{PLACEHOLDER}\n".encode(), 0o644)},
        has_prefix=["share/umm-hello/prefix.txt"]))
    packages.update(build_package(
        noarch, "umm-hello", "1.0", ["umm-hello-data >=1.0"],
        {"bin/umm-hello": (HELLO_SCRIPT.encode(), 0o755)}, has_prefix=[]))
    for subdir, pkgs in (("noarch", packages), ("linux-64", {})):
        repodata = {"info": {"subdir": subdir}, "packages": pkgs, "packages.conda": {},
                    "removed": [], "repodata_version": 1}
        (root / subdir / "repodata.json").write_text(json.dumps(repodata, indent=2))
    return root
