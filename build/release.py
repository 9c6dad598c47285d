"""The release archive: ``umm-<version>-<platform>.tar.bz2`` holding ``bin/umm``.

The archive is also a valid conda package (``info/index.json``, ``info/paths.json``,
``info/files``), like micromamba's own release archive, so both of these work::

    curl -Ls <url> | tar xj bin/umm
    umm install ./umm-<version>-<platform>.tar.bz2

It is reproducible: fixed owner, modes and mtime (``SOURCE_DATE_EPOCH`` when set),
sorted members, ustar format. Next to it go ``<archive>.sha256`` (``sha256sum``
format) and ``LATEST`` (the version), which ``scripts/install.sh`` reads.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
from pathlib import Path
from typing import Dict, List, Optional, Tuple

_SUBDIR_META: Dict[str, Tuple[str, str]] = {  # subdir -> (platform, arch) of index.json
    "linux-64": ("linux", "x86_64"),
    "linux-aarch64": ("linux", "aarch64"),
    "linux-ppc64le": ("linux", "ppc64le"),
    "linux-s390x": ("linux", "s390x"),
    "linux-armv7l": ("linux", "armv7l"),
    "linux-32": ("linux", "x86"),
    "osx-64": ("osx", "x86_64"),
    "osx-arm64": ("osx", "arm64"),
    "win-64": ("win", "x86_64"),
    "win-arm64": ("win", "arm64"),
}


def archive_name(version: str, platform: str) -> str:
    return f"umm-{version}-{platform}.tar.bz2"


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _exe_name(platform: str) -> str:
    return "Library/bin/umm.exe" if platform.startswith("win-") else "bin/umm"


def _info_files(binary: Path, platform: str, version: str, mtime: int) -> Dict[str, bytes]:
    member = _exe_name(platform)
    plat, arch = _SUBDIR_META.get(platform, (platform.split("-")[0], platform.split("-")[-1]))
    index = {
        "arch": arch,
        "build": "0",
        "build_number": 0,
        "depends": [],
        "license": "BSD-3-Clause",
        "name": "umm",
        "platform": plat,
        "subdir": platform,
        "timestamp": mtime * 1000,
        "version": version,
    }
    paths = {
        "paths": [{
            "_path": member,
            "path_type": "hardlink",
            "sha256": sha256_file(binary),
            "size_in_bytes": binary.stat().st_size,
        }],
        "paths_version": 1,
    }

    def dump(obj: object) -> bytes:
        return (json.dumps(obj, indent=2, sort_keys=True) + "\n").encode()

    return {
        "info/files": (member + "\n").encode(),
        "info/index.json": dump(index),
        "info/paths.json": dump(paths),
    }


def _tarinfo(name: str, size: int, mode: int, mtime: int) -> tarfile.TarInfo:
    ti = tarfile.TarInfo(name)
    ti.size, ti.mode, ti.mtime = size, mode, mtime
    ti.uid = ti.gid = 0
    ti.uname = ti.gname = ""
    return ti


def write_archive(binary: Path, dest: Path, version: str, platform: str,
                  mtime: Optional[int] = None) -> Path:
    """Write the archive to ``dest`` (atomically) and return it."""
    binary = Path(binary)
    if not binary.is_file():
        raise FileNotFoundError(f"binary not found: {binary}")
    if mtime is None:
        env = os.environ.get("SOURCE_DATE_EPOCH")
        mtime = int(env) if env else int(binary.stat().st_mtime)
    tmp = dest.with_name(dest.name + ".part")
    with tarfile.open(tmp, "w:bz2", compresslevel=9, format=tarfile.USTAR_FORMAT) as tar:
        for name, data in sorted(_info_files(binary, platform, version, mtime).items()):
            tar.addfile(_tarinfo(name, len(data), 0o644, mtime), io.BytesIO(data))
        with open(binary, "rb") as f:
            tar.addfile(_tarinfo(_exe_name(platform), binary.stat().st_size, 0o755, mtime), f)
    os.replace(tmp, dest)
    return dest


def write_release(binary: Path, outdir: Path, version: str, platform: str,
                  mtime: Optional[int] = None) -> List[Path]:
    """The archive, its ``.sha256`` and ``LATEST`` in ``outdir``; returns their paths."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    archive = write_archive(binary, outdir / archive_name(version, platform), version,
                            platform, mtime)
    checksum = archive.with_name(archive.name + ".sha256")
    checksum.write_text(f"{sha256_file(archive)}  {archive.name}\n", encoding="utf-8")
    latest = outdir / "LATEST"
    latest.write_text(version + "\n", encoding="utf-8")
    return [archive, checksum, latest]
