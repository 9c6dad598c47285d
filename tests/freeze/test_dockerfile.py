"""Dockerfile.build and CI wiring, checked by review-as-code (Docker cannot run here)."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Dict, List, Set

import pytest

from tests.freeze.helpers import REPO

DOCKERFILE = REPO / "Dockerfile.build"


def stages() -> Dict[str, List[str]]:
    """Stage name -> its instruction lines (continuations joined)."""
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    result: Dict[str, List[str]] = {}
    current = None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        m = re.match(r"FROM\s+\S+\s+AS\s+(\S+)", line, re.I)
        if m:
            current = m.group(1)
            result[current] = []
        elif current:
            result[current].append(line)
    return result


def runtime_libs() -> Set[str]:
    libs = " ".join(stages()["libs"])
    m = re.search(r"for lib in (.*?); do", libs)
    assert m, "no 'for lib in ...; do' in the libs stage"
    return set(m.group(1).split()) | {"ld-linux-x86-64.so.2"}


def ldd_system_libs(path: Path) -> Set[str]:
    out = subprocess.run(["ldd", str(path)], capture_output=True, text=True).stdout
    names = set()
    for line in out.splitlines():
        word = line.strip().split(" ")[0]
        if word and "vdso" not in word and word != "statically":
            names.add(Path(word).name)
    return names


def test_stages_and_default_target():
    s = stages()
    assert list(s) == ["build", "export", "libs", "runtime"]  # runtime is the default
    build = " ".join(s["build"])
    assert "bash build/build.sh" in build
    assert "dist/umm --version" in build
    assert 'Py_ENABLE_SHARED' in build  # PyInstaller needs a shared libpython
    runtime = s["runtime"]
    assert 'ENTRYPOINT ["/usr/local/bin/umm"]' in runtime
    assert 'RUN ["/usr/local/bin/umm", "--version"]' in runtime
    assert any("COPY --from=build /src/dist/umm /usr/local/bin/umm" in ln for ln in runtime)
    assert any("MAMBA_ROOT_PREFIX=/opt/conda" in ln for ln in runtime)


def test_build_image_is_old_glibc_manylinux():
    text = DOCKERFILE.read_text()
    assert "ARG MANYLINUX_IMAGE=quay.io/pypa/manylinux2014_x86_64" in text
    assert re.search(r"^FROM \$\{MANYLINUX_IMAGE\} AS build$", text, re.M)


def test_runtime_libraries_cover_the_pyinstaller_bootloader():
    """Whatever the onefile bootloader links (before it unpacks anything) is in the image."""
    pyinstaller = pytest.importorskip("PyInstaller")
    if not shutil.which("ldd"):
        pytest.skip("no ldd")
    boot = Path(pyinstaller.__file__).parent / "bootloader" / "Linux-64bit-intel" / "run"
    if not boot.is_file():
        pytest.skip("no x86-64 Linux bootloader in this PyInstaller")
    needed = ldd_system_libs(boot)
    assert "libz.so.1" in needed or "libc.so.6" in needed
    missing = needed - runtime_libs()
    assert not missing, f"Dockerfile.build runtime lacks {missing}"


def test_runtime_libraries_cover_the_built_binary(tmp_path):
    """With a PyInstaller build in dist/, every system library its contents link is there."""
    exe = REPO / "dist" / "pyinstaller" / "umm"
    readers = pytest.importorskip("PyInstaller.archive.readers")
    if not exe.is_file() or not shutil.which("ldd"):
        pytest.skip("no PyInstaller build in dist/ (build/build.sh pyinstaller)")
    archive = readers.CArchiveReader(str(exe))
    bundled = {Path(n).name for n in archive.toc}
    needed: Set[str] = set()
    for name in archive.toc:
        if ".so" not in name:
            continue
        target = tmp_path / Path(name).name
        target.write_bytes(archive.extract(name))
        needed |= ldd_system_libs(target)
    needed -= bundled
    needed = {n for n in needed if not n.startswith("libpython")}
    assert not needed - runtime_libs(), f"missing {needed - runtime_libs()}"


def test_runtime_libraries_cover_the_nuitka_build():
    """With a Nuitka standalone build in dist/, every system library its program and
    extension modules link (and the onefile launcher's) is in the runtime image."""
    dist = REPO / "dist" / "nuitka-standalone" / "umm.dist"
    if not (dist / "umm").is_file() or not shutil.which("ldd"):
        pytest.skip("no Nuitka build in dist/ (build/build.sh nuitka)")
    bundled = {p.name for p in dist.rglob("*") if p.is_file()}
    needed: Set[str] = set()
    for path in [dist / "umm", *dist.rglob("*.so*")]:
        if path.is_file() and not path.is_symlink():
            needed |= ldd_system_libs(path)
    launcher = REPO / "dist" / "nuitka" / "umm"
    if launcher.is_file():
        needed |= ldd_system_libs(launcher)
    needed -= bundled
    assert not needed - runtime_libs(), f"missing {needed - runtime_libs()}"
    assert "UMM_ONEFILE_DIR=/usr/local/lib/umm" in " ".join(stages()["runtime"])


def test_dockerignore_keeps_host_builds_out():
    ignore = (REPO / "Dockerfile.build.dockerignore").read_text().splitlines()
    for entry in ("dist", "build/work", "**/.venv", ".venv"):
        assert entry in ignore


def test_ci_runs_the_frozen_suite_after_the_main_one():
    lines = [ln.strip() for ln in (REPO / ".ci" / "run").read_text().splitlines()]
    assert "bash scripts/ci-frozen.sh" in lines
    assert lines.index("bash scripts/ci-frozen.sh") > lines.index("bash scripts/test.sh")
    script = (REPO / "scripts" / "ci-frozen.sh").read_text()
    subprocess.run(["bash", "-n", str(REPO / "scripts" / "ci-frozen.sh")], check=True)
    assert 'build/build.sh "$variant"' in script
    # the release (Nuitka in umm's launcher) and the PyInstaller onefile are tested
    assert "UMM_FROZEN_VARIANTS-nuitka pyinstaller}" in script
    assert 'UMM_ONEFILE_DIR="$run/unpack"' in script  # one unpack for the whole run
    assert "-m e2e" in script and "UMM_EXE=" in script
    assert "-u PYTHONPATH" in script and "-u PYTHONHOME" in script
