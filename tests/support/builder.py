"""Build genuine conda packages and channels for tests (independent of umm's code).

A package is described by a :class:`Package` (name, version, build, depends and a
list of :class:`File` entries) and written by :func:`build` as a real ``.conda``
(a zip of ``metadata.json``, ``info-<stem>.tar.zst`` and ``pkg-<stem>.tar.zst``)
or ``.tar.bz2``, with ``info/index.json``, ``info/paths.json`` (sha256, size,
path_type, prefix_placeholder, file_mode), ``info/files``, ``info/has_prefix``
and ``info/link.json`` (noarch python entry points). Only tarfile, zipfile and
zstandard are used, never umm's own archive code.

Helpers make the special packages the install tests need:

* :func:`c_program` compiles (gcc) a C program embedding conda-build's long binary
  placeholder and printing it at run time;
* :func:`venv_python` a venv-style ``python`` package (``bin/python`` symlinked to
  the host interpreter plus ``pyvenv.cfg``) so noarch python packages really run;
* :func:`noarch_python` a ``noarch: python`` package with modules and entry points.

:func:`write_channel` lays packages (built ones or real archives, e.g. those in
``../shared/data/packages``) out as a channel with ``<subdir>/repodata.json``.
"""
from __future__ import annotations

import bz2
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple, Union

import zstandard

# conda-build's placeholders: the short text one, and the long one written into
# binaries (the build's host prefix, padded with "_placehold" to 255 characters).
TEXT_PLACEHOLDER = "/opt/anaconda1anaconda2anaconda3"


def _long_placeholder() -> str:
    head = "/opt/conda/conda-bld/umm-test_1700000000000/_h_env"
    out = head
    while len(out) < 255:
        out += "_placehold"
    return out[:255]


BINARY_PLACEHOLDER = _long_placeholder()
FIXED_MTIME = 1_700_000_000


class File:
    """One entry of a package: a regular file, a symlink or an empty directory."""

    __slots__ = ("path", "content", "mode", "symlink", "directory", "placeholder", "file_mode",
                 "no_link")

    def __init__(self, path: str, content: Union[bytes, str] = b"", mode: int = 0o644, *,
                 symlink: Optional[str] = None, directory: bool = False,
                 placeholder: Optional[str] = None, file_mode: str = "text",
                 no_link: bool = False) -> None:
        self.path = path
        self.content = content.encode() if isinstance(content, str) else content
        self.mode = mode
        self.symlink = symlink
        self.directory = directory
        self.placeholder = placeholder
        self.file_mode = file_mode
        self.no_link = no_link

    @classmethod
    def text(cls, path: str, content: str, mode: int = 0o644, placeholder: bool = False) -> "File":
        return cls(path, content, mode, placeholder=TEXT_PLACEHOLDER if placeholder else None)

    @classmethod
    def link(cls, path: str, target: str) -> "File":
        return cls(path, symlink=target)

    @classmethod
    def dir(cls, path: str) -> "File":
        return cls(path, directory=True)


class Package:
    """A description of a package to build."""

    __slots__ = ("name", "version", "build", "build_number", "depends", "constrains", "subdir",
                 "noarch", "files", "entry_points", "extra_index", "timestamp", "license")

    def __init__(self, name: str, version: str = "1.0", build: str = "0", *,
                 build_number: int = 0, depends: Sequence[str] = (),
                 constrains: Sequence[str] = (), subdir: str = "linux-64",
                 noarch: Optional[str] = None, files: Sequence[File] = (),
                 entry_points: Sequence[str] = (), extra_index: Optional[dict] = None,
                 timestamp: int = FIXED_MTIME * 1000, license: str = "BSD-3-Clause") -> None:
        self.name = name
        self.version = version
        self.build = build
        self.build_number = build_number
        self.depends = list(depends)
        self.constrains = list(constrains)
        self.noarch = noarch
        self.subdir = "noarch" if noarch else subdir
        self.files = list(files)
        self.entry_points = list(entry_points)
        self.extra_index = dict(extra_index or {})
        self.timestamp = timestamp
        self.license = license

    @property
    def stem(self) -> str:
        return f"{self.name}-{self.version}-{self.build}"

    def index_json(self) -> dict:
        index = {
            "name": self.name, "version": self.version, "build": self.build,
            "build_number": self.build_number, "depends": self.depends, "license": self.license,
            "subdir": self.subdir, "timestamp": self.timestamp,
        }
        if self.constrains:
            index["constrains"] = self.constrains
        if self.noarch:
            index["noarch"] = self.noarch
        else:
            index["arch"], index["platform"] = _arch_platform(self.subdir)
        index.update(self.extra_index)
        return index


def _arch_platform(subdir: str) -> Tuple[Optional[str], Optional[str]]:
    plat, _, arch = subdir.partition("-")
    return ({"64": "x86_64", "32": "x86"}.get(arch, arch) or None), (plat or None)


# ---------------------------------------------------------------------------
# archive writing


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _info_files(pkg: Package) -> Dict[str, bytes]:
    by_path = {f.path: f for f in pkg.files}
    paths: List[dict] = []
    has_prefix: List[str] = []
    for f in sorted(pkg.files, key=lambda f: f.path):
        if f.directory:
            paths.append({"_path": f.path, "path_type": "directory"})
            continue
        entry: dict = {"_path": f.path}
        if f.symlink is not None:
            entry["path_type"] = "softlink"
            target = by_path.get(os.path.normpath(os.path.join(os.path.dirname(f.path), f.symlink)))
            data = target.content if target is not None and target.symlink is None else f.symlink.encode()
        else:
            entry["path_type"] = "hardlink"
            data = f.content
        if f.placeholder:
            entry["prefix_placeholder"] = f.placeholder
            entry["file_mode"] = f.file_mode
            has_prefix.append(f"{f.placeholder} {f.file_mode} {f.path}")
        if f.no_link:
            entry["no_link"] = True
        entry["sha256"] = _sha256(data)
        entry["size_in_bytes"] = len(data)
        paths.append(entry)
    info: Dict[str, bytes] = {
        "info/index.json": json.dumps(pkg.index_json(), indent=2, sort_keys=True).encode(),
        "info/paths.json": json.dumps({"paths": paths, "paths_version": 1}, indent=2).encode(),
        "info/files": "".join(p["_path"] + "\n" for p in paths
                               if p["path_type"] != "directory").encode(),
        "info/about.json": json.dumps({"summary": f"test package {pkg.name}"}).encode(),
    }
    if has_prefix:
        info["info/has_prefix"] = ("\n".join(has_prefix) + "\n").encode()
    if pkg.noarch == "python":
        noarch: dict = {"type": "python"}
        if pkg.entry_points:
            noarch["entry_points"] = pkg.entry_points
        info["info/link.json"] = json.dumps(
            {"noarch": noarch, "package_metadata_version": 1}, indent=2).encode()
    no_link = [f.path for f in pkg.files if f.no_link]
    if no_link:
        info["info/no_link"] = ("\n".join(no_link) + "\n").encode()
    return info


def _tar_member(name: str, *, data: Optional[bytes] = None, mode: int = 0o644,
                symlink: Optional[str] = None, directory: bool = False) -> Tuple[tarfile.TarInfo, Optional[bytes]]:
    ti = tarfile.TarInfo(name)
    ti.mtime = FIXED_MTIME
    ti.uid = ti.gid = 0
    ti.uname = ti.gname = ""
    if directory:
        ti.type = tarfile.DIRTYPE
        ti.mode = 0o755
        return ti, None
    if symlink is not None:
        ti.type = tarfile.SYMTYPE
        ti.linkname = symlink
        ti.mode = 0o777
        return ti, None
    ti.mode = mode
    ti.size = len(data or b"")
    return ti, data or b""


def _write_tar(tf: tarfile.TarFile, members: Iterable[Tuple[tarfile.TarInfo, Optional[bytes]]]) -> None:
    for ti, data in members:
        tf.addfile(ti, io.BytesIO(data) if data is not None else None)


def _pkg_members(pkg: Package):
    for f in sorted(pkg.files, key=lambda f: f.path):
        yield _tar_member(f.path, data=f.content, mode=f.mode, symlink=f.symlink,
                          directory=f.directory)


def _info_members(pkg: Package):
    for name, data in sorted(_info_files(pkg).items()):
        yield _tar_member(name, data=data)


def _zst_tar(members) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tf:
        _write_tar(tf, members)
    return zstandard.ZstdCompressor(level=3).compress(raw.getvalue())


def build(pkg: Package, out_dir: Union[str, Path], fmt: str = ".conda") -> Path:
    """Write ``pkg`` into ``out_dir`` as ``<stem>.conda`` or ``<stem>.tar.bz2``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if fmt == ".conda":
        target = out_dir / f"{pkg.stem}.conda"
        with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_STORED) as zf:
            zf.writestr(_zipinfo("metadata.json"), json.dumps({"conda_pkg_format_version": 2}))
            zf.writestr(_zipinfo(f"pkg-{pkg.stem}.tar.zst"), _zst_tar(_pkg_members(pkg)))
            zf.writestr(_zipinfo(f"info-{pkg.stem}.tar.zst"), _zst_tar(_info_members(pkg)))
        return target
    if fmt == ".tar.bz2":
        target = out_dir / f"{pkg.stem}.tar.bz2"
        raw = io.BytesIO()
        with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tf:
            _write_tar(tf, _info_members(pkg))
            _write_tar(tf, _pkg_members(pkg))
        target.write_bytes(bz2.compress(raw.getvalue(), 9))
        return target
    raise ValueError(f"unknown package format {fmt!r}")


def _zipinfo(name: str) -> zipfile.ZipInfo:
    zi = zipfile.ZipInfo(name, date_time=time.gmtime(FIXED_MTIME)[:6])
    zi.compress_type = zipfile.ZIP_STORED
    zi.external_attr = 0o644 << 16
    return zi


# ---------------------------------------------------------------------------
# reading archives back (for channels made of real packages)


def read_index(archive: Union[str, Path]) -> dict:
    """``info/index.json`` of a ``.conda`` or ``.tar.bz2`` archive."""
    return json.loads(read_info_file(archive, "info/index.json"))


def read_info_file(archive: Union[str, Path], name: str) -> bytes:
    archive = str(archive)
    if archive.endswith(".conda"):
        with zipfile.ZipFile(archive) as zf:
            info = [n for n in zf.namelist() if n.startswith("info-") and n.endswith(".tar.zst")]
            with zf.open(info[0]) as raw:
                stream = zstandard.ZstdDecompressor().stream_reader(raw)
                with tarfile.open(fileobj=stream, mode="r|") as tf:
                    for m in tf:
                        if m.name == name:
                            return tf.extractfile(m).read()  # type: ignore[union-attr]
    else:
        with tarfile.open(archive, "r:bz2") as tf:
            for m in tf:
                if m.name == name:
                    return tf.extractfile(m).read()  # type: ignore[union-attr]
    raise KeyError(f"{name} not in {archive}")


def extract(archive: Union[str, Path], dest: Union[str, Path]) -> Path:
    """Extract a package archive into ``dest`` (tests' stand-in for the package cache)."""
    archive, dest = str(archive), Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    if archive.endswith(".conda"):
        with zipfile.ZipFile(archive) as zf:
            for n in zf.namelist():
                if n.endswith(".tar.zst"):
                    # seekable: hard links inside the tar refer back to earlier members
                    data = zstandard.ZstdDecompressor().stream_reader(zf.read(n)).read()
                    with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tf:
                        _extract_all(tf, dest)
    else:
        with tarfile.open(archive, "r:bz2") as tf:
            _extract_all(tf, dest)
    return dest


def _extract_all(tf: tarfile.TarFile, dest: Path) -> None:
    if hasattr(tarfile, "tar_filter"):
        tf.extractall(dest, filter="tar")
    else:  # pragma: no cover - python without extraction filters
        tf.extractall(dest)


# ---------------------------------------------------------------------------
# channels


def _record(archive: Path, index: dict) -> dict:
    data = archive.read_bytes()
    rec = dict(index)
    rec["md5"] = hashlib.md5(data).hexdigest()
    rec["sha256"] = _sha256(data)
    rec["size"] = len(data)
    rec.setdefault("depends", [])
    return rec


def write_channel(channel_dir: Union[str, Path],
                  packages: Iterable[Union[Package, str, Path]],
                  fmt: str = ".conda", subdirs: Sequence[str] = ("noarch",)) -> Path:
    """Build or copy ``packages`` into ``channel_dir/<subdir>/`` and write repodata.

    Items are :class:`Package` descriptions (built in ``fmt``) or paths to existing
    archives (copied; their ``info/index.json`` gives the record). Every subdir named
    in ``subdirs`` gets a ``repodata.json`` even when empty (``noarch`` always does).
    """
    channel_dir = Path(channel_dir)
    repos: Dict[str, dict] = {}

    def repo(subdir: str) -> dict:
        if subdir not in repos:
            repos[subdir] = {"info": {"subdir": subdir}, "packages": {}, "packages.conda": {},
                             "removed": [], "repodata_version": 1}
        return repos[subdir]

    for sd in set(subdirs) | {"noarch"}:
        repo(sd)
    for item in packages:
        if isinstance(item, Package):
            path = build(item, channel_dir / item.subdir, fmt)
            index = item.index_json()
        else:
            src = Path(item)
            index = read_index(src)
            subdir = index.get("subdir") or "noarch"
            path = channel_dir / subdir / src.name
            path.parent.mkdir(parents=True, exist_ok=True)
            if src.resolve() != path.resolve():
                shutil.copyfile(src, path)
        subdir = index.get("subdir") or "noarch"
        key = "packages.conda" if path.name.endswith(".conda") else "packages"
        repo(subdir)[key][path.name] = _record(path, index)
    for subdir, data in repos.items():
        d = channel_dir / subdir
        d.mkdir(parents=True, exist_ok=True)
        (d / "repodata.json").write_text(json.dumps(data, indent=1, sort_keys=True))
    return channel_dir


# ---------------------------------------------------------------------------
# special packages


C_SOURCE = r"""
#include <stdio.h>
#include <string.h>
static const char prefix[] = "@PLACEHOLDER@";
static const char libdir[] = "@PLACEHOLDER@/lib/@NAME@";
int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "--libdir") == 0) { puts(libdir); return 0; }
    puts(prefix);
    return 0;
}
"""


def c_program(name: str = "prefix-echo", version: str = "1.0", build: str = "0", *,
              depends: Sequence[str] = (), work_dir: Optional[Union[str, Path]] = None,
              cc: str = "gcc") -> Package:
    """A package with ``bin/<name>``, compiled with gcc, embedding the binary placeholder.

    The program prints its (relocated) prefix; with ``--libdir`` it prints
    ``<prefix>/lib/<name>`` (a placeholder followed by a suffix in one C string).
    Also ships ``share/<name>/config.txt`` with the text placeholder.
    """
    with tempfile.TemporaryDirectory(dir=work_dir) as tmp:
        src = Path(tmp) / f"{name}.c"
        src.write_text(C_SOURCE.replace("@PLACEHOLDER@", BINARY_PLACEHOLDER).replace("@NAME@", name))
        exe = Path(tmp) / name
        subprocess.run([cc, "-O0", "-o", str(exe), str(src)], check=True, capture_output=True)
        binary = exe.read_bytes()
    assert BINARY_PLACEHOLDER.encode() in binary, "compiler dropped the placeholder"
    return Package(name, version, build, depends=depends, files=[
        File(f"bin/{name}", binary, 0o755, placeholder=BINARY_PLACEHOLDER, file_mode="binary"),
        File.text(f"share/{name}/config.txt", f"prefix={TEXT_PLACEHOLDER}\n", placeholder=True),
    ])


def host_python() -> Tuple[str, str]:
    """(real path of the host's base interpreter, its X.Y.Z version)."""
    base = getattr(sys, "_base_executable", None) or sys.executable
    real = os.path.realpath(base)
    if not os.path.exists(real):  # pragma: no cover
        real = os.path.realpath(sys.executable)
    v = sys.version_info
    return real, f"{v.major}.{v.minor}.{v.micro}"


def venv_python(build: str = "0_venv") -> Package:
    """A venv-style ``python`` package of the host's version.

    ``pyvenv.cfg`` at the prefix root makes the interpreter use the env's
    ``lib/pythonX.Y/site-packages``. ``bin/python`` must be a symlink to the host
    interpreter, an absolute link that safe extractors refuse inside an archive, so
    the package's post-link script makes it (and ``python3``, ``pythonX.Y``) and its
    pre-unlink script removes them, the way conda packages create such links.
    """
    exe, version = host_python()
    xy = ".".join(version.split(".")[:2])
    cfg = (f"home = {os.path.dirname(exe)}\ninclude-system-site-packages = false\n"
           f"version = {version}\nexecutable = {exe}\n")
    post = (f'ln -sf "{exe}" "$PREFIX/bin/python"\n'
            f'ln -sf python "$PREFIX/bin/python3"\n'
            f'ln -sf python "$PREFIX/bin/python{xy}"\n')
    pre_unlink = (f'rm -f "$PREFIX/bin/python" "$PREFIX/bin/python3" "$PREFIX/bin/python{xy}"\n')
    return Package("python", version, build, files=[
        File("pyvenv.cfg", cfg),
        File("bin/.python-post-link.sh", post),
        File("bin/.python-pre-unlink.sh", pre_unlink),
        File(f"lib/python{xy}/site-packages/README.txt", "site-packages of a venv-style env\n"),
    ])


def noarch_python(name: str, version: str = "1.0", build: str = "pyh0_0", *,
                  modules: Optional[Dict[str, str]] = None, entry_points: Sequence[str] = (),
                  scripts: Optional[Dict[str, str]] = None, depends: Sequence[str] = ("python",),
                  extra_files: Sequence[File] = ()) -> Package:
    """A ``noarch: python`` package: ``modules`` maps paths below site-packages to source,
    ``scripts`` maps names under ``python-scripts/`` to their text."""
    files = [File(f"site-packages/{p}", src) for p, src in (modules or {}).items()]
    files += [File(f"python-scripts/{n}", s, 0o755) for n, s in (scripts or {}).items()]
    files += list(extra_files)
    return Package(name, version, build, noarch="python", depends=depends, files=files,
                   entry_points=entry_points)


def link_script_package(name: str, version: str = "1.0", *, post_link: Optional[str] = None,
                        pre_link: Optional[str] = None, pre_unlink: Optional[str] = None,
                        files: Sequence[File] = (), depends: Sequence[str] = ()) -> Package:
    """A package shipping ``bin/.<name>-{pre-link,post-link,pre-unlink}.sh`` scripts."""
    out = list(files)
    for kind, text in (("pre-link", pre_link), ("post-link", post_link), ("pre-unlink", pre_unlink)):
        if text is not None:
            out.append(File(f"bin/.{name}-{kind}.sh", text, 0o644))
    return Package(name, version, "0", noarch="generic", files=out, depends=depends)
