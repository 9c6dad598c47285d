"""build/buildlib.py: what gets frozen is found from the source tree."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import umm
from tests.freeze.helpers import BUILD, REPO, load_build_module

buildlib = load_build_module("buildlib")


def test_version_is_read_without_importing():
    assert buildlib.read_version(REPO) == umm.__version__


def test_version_needs_a_literal(tmp_path):
    (tmp_path / "umm").mkdir()
    (tmp_path / "umm" / "__init__.py").write_text("__version__ = compute()\n")
    with pytest.raises(buildlib.BuildError, match="no literal __version__"):
        buildlib.read_version(tmp_path)


def test_every_module_of_the_real_package_is_listed():
    listed = set(buildlib.package_modules(REPO))
    on_disk = set()
    for path in (REPO / "umm").rglob("*.py"):
        if not all((d / "__init__.py").is_file()
                   for d in [path.parent, *path.parent.parents] if REPO in d.parents):
            continue  # a data directory (templates ...), shipped by package_data
        rel = path.relative_to(REPO).with_suffix("")
        parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
        on_disk.add(".".join(parts))
    assert listed == on_disk
    # every subcommand module the CLI imports by name is among them
    from umm.cli.main import COMMANDS

    for module, _help in COMMANDS.values():
        assert f"umm.cli.{module}" in listed


def _tree(root: Path, files) -> None:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)


def test_new_modules_and_data_are_picked_up(tmp_path):
    _tree(tmp_path, {
        "umm/__init__.py": "",
        "umm/a.py": "",
        "umm/sub/__init__.py": "",
        "umm/sub/deep/__init__.py": "",
        "umm/sub/deep/leaf.py": "",
        "umm/sub/templates/activate.sh": "echo hi\n",   # data dir, not a package
        "umm/sub/templates/helper.py": "",              # not importable: no __init__
        "umm/sub/__pycache__/a.cpython-311.pyc": "",
        "umm/sub/not-a-module.py": "",
        "umm/.hidden/__init__.py": "",
        "umm/py.typed": "",
    })
    assert buildlib.package_modules(tmp_path) == [
        "umm", "umm.a", "umm.sub", "umm.sub.deep", "umm.sub.deep.leaf"]
    data = buildlib.package_data(tmp_path)
    assert data == [(str(tmp_path / "umm" / "py.typed"), "umm"),
                    (str(tmp_path / "umm/sub/templates/activate.sh"), "umm/sub/templates"),
                    (str(tmp_path / "umm/sub/templates/helper.py"), "umm/sub/templates")]


def test_not_a_package_is_an_error(tmp_path):
    with pytest.raises(buildlib.BuildError, match="not a Python package"):
        buildlib.package_modules(tmp_path)


@pytest.mark.parametrize("system,machine,expected", [
    ("Linux", "x86_64", "linux-64"), ("Linux", "aarch64", "linux-aarch64"),
    ("Linux", "arm64", "linux-aarch64"), ("Linux", "ppc64le", "linux-ppc64le"),
    ("Darwin", "arm64", "osx-arm64"), ("Darwin", "x86_64", "osx-64"),
    ("Windows", "AMD64", "win-64"),
])
def test_conda_platform(system, machine, expected):
    assert buildlib.conda_platform(system, machine) == expected


def test_unknown_platform_is_an_error():
    with pytest.raises(buildlib.BuildError, match="no conda platform for plan9/mips"):
        buildlib.conda_platform("Plan9", "mips")


def test_source_digest_follows_the_sources(tmp_path):
    _tree(tmp_path, {"umm/__init__.py": "__version__ = '1'\n", "spec/umm.spec": "x",
                     "build/requirements-runtime.txt": "a==1\n", "build/other.txt": "z"})
    first = buildlib.source_digest(tmp_path)
    assert re.fullmatch(r"[0-9a-f]{12}", first)
    (tmp_path / "build" / "other.txt").write_text("not part of the binary")
    assert buildlib.source_digest(tmp_path) == first
    (tmp_path / "umm" / "new.py").write_text("")
    second = buildlib.source_digest(tmp_path)
    assert second != first
    (tmp_path / "build" / "requirements-runtime.txt").write_text("a==2\n")
    assert buildlib.source_digest(tmp_path) != second


def test_command_line():
    def run(*args):
        return subprocess.run([sys.executable, str(BUILD / "buildlib.py"), *args],
                              capture_output=True, text=True)

    assert run("version").stdout.strip() == umm.__version__
    assert run("modules").stdout.splitlines() == buildlib.package_modules(REPO)
    assert run("platform").returncode == 0
    assert run("bogus").returncode == 2
