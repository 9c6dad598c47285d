"""Hostile packages and channels for the reliability suites.

:func:`evil_package` writes a ``.conda`` (or ``.tar.bz2``) whose ``info/`` and
package members are given byte by byte (names, types, links and declared sizes
may lie), and :func:`add_to_channel` lists it in a channel's repodata with its
true checksums, so downloads verify and the hostility is met by extraction or
linking, as it would be from a compromised channel.
"""
from __future__ import annotations

import hashlib
import json
import tarfile
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

from tests.package.archives import Member, member, write_conda, write_tar_bz2


def index_json(name: str, version: str = "1.0", build: str = "0", **extra: Any) -> bytes:
    doc: Dict[str, Any] = {"name": name, "version": version, "build": build, "build_number": 0,
                           "depends": [], "subdir": "noarch", "noarch": "generic",
                           "license": "MIT", "timestamp": 1700000000000}
    doc.update(extra)
    return json.dumps(doc).encode()


def paths_json(entries: Sequence[Dict[str, Any]]) -> bytes:
    return json.dumps({"paths": list(entries), "paths_version": 1}).encode()


def file_entry(path: str, data: bytes) -> Dict[str, Any]:
    return {"_path": path, "path_type": "hardlink", "sha256": hashlib.sha256(data).hexdigest(),
            "size_in_bytes": len(data)}


def evil_package(out_dir: Path, name: str, *, pkg: Sequence[Member] = (),
                 info: Optional[List[Member]] = None, paths: Optional[bytes] = None,
                 index: Optional[bytes] = None, version: str = "1.0", build: str = "0",
                 fmt: str = ".conda", extra_info: Sequence[Member] = ()) -> Path:
    """A package named ``name`` with the given members; ``paths``/``index`` replace the
    generated ``info/paths.json``/``info/index.json`` (any bytes at all)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    if info is None:
        if paths is None:
            entries = [file_entry(ti.name, data) for ti, data in pkg if ti.isreg()]
            paths = paths_json(entries)
        info = [member("info/index.json", index if index is not None
                       else index_json(name, version, build)),
                member("info/paths.json", paths)] + list(extra_info)
    stem = f"{name}-{version}-{build}"
    if fmt == ".conda":
        return write_conda(out_dir / f"{stem}.conda", info, list(pkg))
    return write_tar_bz2(out_dir / f"{stem}.tar.bz2", list(info) + list(pkg))


def add_to_channel(channel: Path, archive: Path, record: Optional[Dict[str, Any]] = None,
                   subdir: str = "noarch") -> Dict[str, Any]:
    """List ``archive`` (already in ``channel/subdir``) in that subdir's repodata."""
    rd = channel / subdir / "repodata.json"
    doc = json.loads(rd.read_text())
    data = archive.read_bytes()
    name, version, build = archive.name.rsplit(".conda", 1)[0].rsplit(".tar.bz2", 1)[0] \
        .rsplit("-", 2)
    rec: Dict[str, Any] = {"name": name, "version": version, "build": build, "build_number": 0,
                           "depends": [], "subdir": subdir, "noarch": "generic",
                           "license": "MIT", "timestamp": 1700000000000}
    rec.update(record or {})
    rec.update(md5=hashlib.md5(data).hexdigest(), sha256=hashlib.sha256(data).hexdigest(),
               size=len(data))
    key = "packages.conda" if archive.name.endswith(".conda") else "packages"
    doc[key][archive.name] = rec
    rd.write_text(json.dumps(doc, indent=1, sort_keys=True))
    return rec


def reg(name: str, data: bytes = b"x", **kw: Any) -> Member:
    return member(name, data, **kw)


def sym(name: str, target: str) -> Member:
    return member(name, type=tarfile.SYMTYPE, linkname=target)


def hard(name: str, target: str) -> Member:
    return member(name, type=tarfile.LNKTYPE, linkname=target)


def directory(name: str) -> Member:
    return member(name, type=tarfile.DIRTYPE, mode=0o755)
