"""Helpers shared by ``build/build.sh``, ``spec/umm.spec`` and the freeze tests.

Run as a script for the shell side of the build::

    python build/buildlib.py version            # umm's version, read without importing umm
    python build/buildlib.py platform           # the conda platform of this machine (linux-64, ...)
    python build/buildlib.py modules            # every module under umm/, one a line
    python build/buildlib.py digest             # short digest of the sources frozen
    python build/buildlib.py archive BINARY OUTDIR [--version V] [--platform P]

Stdlib only, Python >= 3.9: it runs under whatever Python builds the binary.
"""
from __future__ import annotations

import argparse
import ast
import os
import platform as _platform
import sys
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "umm"

# conda's names for (system, machine) pairs; machine aliases first.
_MACHINES = {"amd64": "x86_64", "x64": "x86_64", "arm64": "aarch64"}
_PLATFORMS = {
    ("linux", "x86_64"): "linux-64",
    ("linux", "aarch64"): "linux-aarch64",
    ("linux", "ppc64le"): "linux-ppc64le",
    ("linux", "s390x"): "linux-s390x",
    ("linux", "armv7l"): "linux-armv7l",
    ("linux", "i686"): "linux-32",
    ("darwin", "x86_64"): "osx-64",
    ("darwin", "aarch64"): "osx-arm64",
    ("windows", "x86_64"): "win-64",
    ("windows", "aarch64"): "win-arm64",
}


class BuildError(Exception):
    """A build step cannot proceed (message says why)."""


def read_version(root: Path = ROOT) -> str:
    """``umm.__version__``, read from ``umm/__init__.py`` without importing umm."""
    init = root / PACKAGE / "__init__.py"
    tree = ast.parse(init.read_text(encoding="utf-8"), str(init))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "__version__" for t in node.targets):
            if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                return node.value.value
    raise BuildError(f"no literal __version__ = '...' in {init}")


def conda_platform(system: Optional[str] = None, machine: Optional[str] = None) -> str:
    """The conda platform name (``linux-64``, ``osx-arm64`` ...) of a system/machine pair."""
    system = (system or _platform.system()).lower()
    machine = (machine or _platform.machine()).lower()
    machine = _MACHINES.get(machine, machine)
    try:
        return _PLATFORMS[(system, machine)]
    except KeyError:
        raise BuildError(f"no conda platform for {system}/{machine}") from None


def _is_package_dir(path: Path) -> bool:
    return (path / "__init__.py").is_file()


def package_modules(root: Path = ROOT, package: str = PACKAGE) -> List[str]:
    """Every importable module and subpackage under ``root/package``, sorted.

    Found by walking the source tree (nothing is imported), so a module another
    engineer adds is frozen without touching the spec, even when only
    ``importlib.import_module`` reaches it.
    """
    top = root / package
    if not _is_package_dir(top):
        raise BuildError(f"{top} is not a Python package")
    found: List[str] = []
    for dirpath, dirnames, filenames in os.walk(top):
        here = Path(dirpath)
        # only descend into real subpackages; skip caches and hidden dirs
        dirnames[:] = sorted(d for d in dirnames
                             if not d.startswith((".", "__pycache__")) and _is_package_dir(here / d))
        dotted = ".".join(here.relative_to(root).parts)
        found.append(dotted)
        for name in sorted(filenames):
            if name.endswith(".py") and name != "__init__.py" and name.isascii():
                stem = name[:-3]
                if stem.isidentifier():
                    found.append(f"{dotted}.{stem}")
    return sorted(found)


_CODE_SUFFIXES = (".py", ".pyc", ".pyo", ".pyi", ".so", ".pyd")


def package_data(root: Path = ROOT, package: str = PACKAGE) -> List[Tuple[str, str]]:
    """Non-code files shipped inside the package, as PyInstaller ``datas`` pairs.

    Each pair is (source file, destination directory relative to the bundle
    root), e.g. shell templates under ``umm/shell/`` read with importlib.resources.
    Files in directories that are not regular packages (no ``__init__.py``) are
    all data, ``.py`` included (templates of scripts, say): nothing imports them
    as modules, so they would be lost otherwise.
    """
    top = root / package
    pairs: List[Tuple[str, str]] = []
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith((".", "__pycache__")))
        here = Path(dirpath)
        rel = here.relative_to(root)
        in_package = _is_package_dir(here)
        for name in sorted(filenames):
            if name.startswith(".") or name.endswith((".pyc", ".pyo")):
                continue
            if in_package and name.endswith(_CODE_SUFFIXES):
                continue
            pairs.append((str(Path(dirpath) / name), rel.as_posix()))
    return pairs


def source_digest(root: Path = ROOT, length: int = 12) -> str:
    """A short digest of everything that goes into a binary (package sources,
    spec files, pinned requirements), to key caches by build contents."""
    import hashlib

    h = hashlib.sha256()
    files: List[Path] = []
    for sub, pattern in ((PACKAGE, "**/*"), ("spec", "**/*"), ("build", "requirements*.txt")):
        files.extend(p for p in (root / sub).glob(pattern)
                     if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc")
    for path in sorted(files):
        h.update(path.relative_to(root).as_posix().encode() + b"\0")
        h.update(path.read_bytes() + b"\0")
    return h.hexdigest()[:length]


def _main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="buildlib.py", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    sub.add_parser("version")
    sub.add_parser("platform")
    sub.add_parser("modules")
    sub.add_parser("digest")
    sub.add_parser("nuitka-data", help="--include-data-files options for package_data()")
    arch = sub.add_parser("archive", help="write the release archive and its checksum")
    arch.add_argument("binary", type=Path)
    arch.add_argument("outdir", type=Path)
    arch.add_argument("--version", default=None)
    arch.add_argument("--platform", default=None)
    args = parser.parse_args(argv)
    try:
        if args.what == "version":
            print(read_version())
        elif args.what == "platform":
            print(conda_platform())
        elif args.what == "digest":
            print(source_digest())
        elif args.what == "nuitka-data":
            for src, dest in package_data():
                print(f"--include-data-files={src}={dest}/{Path(src).name}")
        elif args.what == "modules":
            print("\n".join(package_modules()))
        else:
            sys.path.insert(0, str(Path(__file__).resolve().parent))
            from release import write_release

            files = write_release(args.binary, args.outdir,
                                  version=args.version or read_version(),
                                  platform=args.platform or conda_platform())
            for f in files:
                print(f)
    except (BuildError, OSError) as exc:
        print(f"buildlib: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
