"""Small but genuine conda packages (info/index.json, info/paths.json) for cache tests."""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Dict, List, Optional

from umm.package.compress import compress


def build_package(workdir: Path, out_dir: Path, name: str, version: str = "1.0",
                  build: str = "0", fmt: str = ".conda", subdir: str = "noarch",
                  files: Optional[Dict[str, bytes]] = None, depends: List[str] = (),
                  level: int = 1) -> Dict[str, object]:
    """Build ``name-version-build<fmt>`` into ``out_dir``; returns its record (no url)."""
    files = files if files is not None else {
        f"share/{name}/data.txt": f"{name} {version}\n".encode() * 50,
        f"bin/{name}": b"#!/bin/sh\necho " + name.encode() + b"\n",
    }
    src = workdir / f"{name}-{version}-{build}"
    (src / "info").mkdir(parents=True, exist_ok=True)
    index = {"name": name, "version": version, "build": build, "build_number": 0,
             "depends": list(depends), "subdir": subdir, "license": "BSD-3-Clause",
             "timestamp": 1700000000000}
    (src / "info" / "index.json").write_text(json.dumps(index, indent=2))
    paths = []
    for rel, data in sorted(files.items()):
        p = src / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
        if rel.startswith("bin/"):
            p.chmod(0o755)
        paths.append({"_path": rel, "path_type": "hardlink",
                      "sha256": hashlib.sha256(data).hexdigest(), "size_in_bytes": len(data)})
    (src / "info" / "paths.json").write_text(json.dumps({"paths": paths, "paths_version": 1}))
    (src / "info" / "files").write_text("".join(f"{r}\n" for r in sorted(files)))
    fn = f"{name}-{version}-{build}{fmt}"
    out_dir.mkdir(parents=True, exist_ok=True)
    archive = Path(compress(src, out_dir / fn, level=level))
    data = archive.read_bytes()
    record = dict(index)
    record.update(fn=fn, size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                  md5=hashlib.md5(data).hexdigest())
    return record


def make_channel(root: Path, count: int, base_url: str, subdir: str = "noarch",
                 prefix: str = "pkg", sizes: int = 0) -> List[Dict[str, object]]:
    """``count`` packages in ``root/subdir`` with records pointing at ``base_url``."""
    records = []
    work = root.parent / (root.name + "-src")
    for i in range(count):
        fmt = ".conda" if i % 3 else ".tar.bz2"
        files = None
        if sizes:
            files = {f"lib/{prefix}{i}.bin": os.urandom(sizes // 2) + b"\0" * (sizes // 2)}
        rec = build_package(work, root / subdir, f"{prefix}{i}", "1.0", "0", fmt, subdir,
                            files=files)
        rec["url"] = f"{base_url}/{subdir}/{rec['fn']}"
        rec["channel"] = base_url
        records.append(rec)
    return records
