"""Wheels written by hand and a ``file://`` PEP 503 simple index of them, plus a local
project with an in-tree PEP 517/660 backend (editable installs without any download)."""
from __future__ import annotations

import base64
import hashlib
import os
import re
import zipfile
from pathlib import Path
from typing import Dict, Iterable, List, Sequence, Tuple


def _digest(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def wheel(out_dir: Path, name: str, version: str, modules: Dict[str, str],
          requires: Sequence[str] = ()) -> Path:
    """A pure-python ``py3-none-any`` wheel with ``modules`` (path -> source)."""
    dist = f"{name.replace('-', '_')}-{version}.dist-info"
    meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n" + \
        "".join(f"Requires-Dist: {r}\n" for r in requires)
    files: Dict[str, bytes] = {p: s.encode() for p, s in modules.items()}
    files[f"{dist}/METADATA"] = meta.encode()
    files[f"{dist}/WHEEL"] = b"Wheel-Version: 1.0\nGenerator: umm-tests\nRoot-Is-Purelib: true\n" \
                             b"Tag: py3-none-any\n"
    record = [f"{p},sha256={_digest(d)},{len(d)}" for p, d in files.items()]
    record.append(f"{dist}/RECORD,,")
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{name.replace('-', '_')}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for p, d in files.items():
            zf.writestr(p, d)
        zf.writestr(f"{dist}/RECORD", "\n".join(record) + "\n")
    return path


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def simple_index(root: Path, wheels: Iterable[Tuple[str, Path]]) -> str:
    """``root/simple/<project>/index.html`` for ``(project, wheel)`` pairs; the index URL."""
    by_project: Dict[str, List[Path]] = {}
    for project, path in wheels:
        by_project.setdefault(normalize(project), []).append(path)
    simple = root / "simple"
    simple.mkdir(parents=True, exist_ok=True)
    links = []
    for project, paths in sorted(by_project.items()):
        d = simple / project
        d.mkdir(exist_ok=True)
        anchors = "".join(f'<a href="{p.resolve().as_uri()}#sha256={sha256_of(p)}">{p.name}</a>\n'
                          for p in paths)
        (d / "index.html").write_text(f"<!DOCTYPE html><html><body>\n{anchors}</body></html>\n")
        links.append(f'<a href="{project}/">{project}</a>\n')
    (simple / "index.html").write_text("<!DOCTYPE html><html><body>\n" + "".join(links) +
                                       "</body></html>\n")
    return simple.resolve().as_uri() + "/"


BACKEND = r'''
import base64, hashlib, os, zipfile

NAME, VERSION = "localproj", "0.1"
HERE = os.path.dirname(os.path.abspath(__file__))
DIST = NAME + "-" + VERSION + ".dist-info"


def _meta():
    return {DIST + "/METADATA": ("Metadata-Version: 2.1\nName: %s\nVersion: %s\n" % (NAME, VERSION)).encode(),
            DIST + "/WHEEL": b"Wheel-Version: 1.0\nGenerator: mini\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}


def _write(wheel_directory, files):
    fn = NAME + "-" + VERSION + "-py3-none-any.whl"
    record = []
    with zipfile.ZipFile(os.path.join(wheel_directory, fn), "w") as zf:
        for path, data in files.items():
            zf.writestr(path, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            record.append("%s,sha256=%s,%d" % (path, digest, len(data)))
        record.append(DIST + "/RECORD,,")
        zf.writestr(DIST + "/RECORD", "\n".join(record) + "\n")
    return fn


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_editable(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    files = _meta()
    with open(os.path.join(HERE, "src", NAME, "__init__.py"), "rb") as fh:
        files[NAME + "/__init__.py"] = fh.read()
    return _write(wheel_directory, files)


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    files = _meta()
    files[NAME + ".pth"] = (os.path.join(HERE, "src") + "\n").encode()
    return _write(wheel_directory, files)
'''


def local_project(root: Path) -> Path:
    """A project ``localproj`` whose backend lives in the project itself."""
    (root / "src" / "localproj").mkdir(parents=True, exist_ok=True)
    (root / "src" / "localproj" / "__init__.py").write_text("VALUE = 'first'\n")
    (root / "pyproject.toml").write_text(
        '[build-system]\nrequires = []\nbuild-backend = "mini_backend"\nbackend-path = ["."]\n')
    (root / "mini_backend.py").write_text(BACKEND)
    return root


def pip_environ(index_url: str) -> Dict[str, str]:
    """Environment for pip: only our index, no config files, no cache."""
    return {"PIP_INDEX_URL": index_url, "PIP_CONFIG_FILE": os.devnull, "PIP_NO_CACHE_DIR": "1",
            "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INPUT": "1"}
