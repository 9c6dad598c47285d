"""noarch: python packages: site-packages mapping, entry points, .pyc compilation."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.install.conftest import Cache, activated
from tests.support import builder
from umm.install import LinkOptions, PrefixData, execute
from umm.install.errors import NoPythonForNoarch
from umm.install.noarch import PythonInfo, entry_point_script, parse_entry_point

XY = f"{sys.version_info.major}.{sys.version_info.minor}"
SITE = f"lib/python{XY}/site-packages"
TAG = sys.implementation.cache_tag


def _app() -> builder.Package:
    return builder.noarch_python(
        "greet", "2.0", modules={
            "greet/__init__.py": "def main():\n    import sys\n    print('hello from', sys.prefix)\n    return 3\n",
            "greet/util.py": "X = 1\n",
            "greet/broken.py": "def oops(:\n",
        }, entry_points=["greet = greet:main"], scripts={"greet-raw": "#!/bin/sh\necho raw\n"})


def test_noarch_app_entry_point_runs_under_env_python(cache: Cache, prefix: Path,
                                                      python_pkg: builder.Package) -> None:
    result = execute(prefix, link=[cache.add(_app()), cache.add(python_pkg)])
    assert [r.name for r in result.linked] == ["python", "greet"]  # python first
    assert (prefix / SITE / "greet/__init__.py").is_file()
    assert (prefix / "bin/greet-raw").read_text() == "#!/bin/sh\necho raw\n"
    script = (prefix / "bin/greet").read_text()
    shebang = f"#!{prefix}/bin/python"
    # over the kernel's 127 bytes (a deep TMPDIR) conda's rule makes it `env python`
    expected = shebang if len(shebang.encode()) <= 127 else "#!/usr/bin/env python"
    assert script.splitlines()[0] == expected
    proc = subprocess.run([str(prefix / "bin/greet")], capture_output=True, text=True,
                          env=activated(prefix))
    assert proc.returncode == 3 and proc.stdout.strip() == f"hello from {prefix}"
    # .pyc compiled by the env's python and recorded; the broken module reported, not fatal
    rec = PrefixData.load(prefix).get("greet")
    assert rec is not None
    pyc = f"{SITE}/greet/__pycache__/util.{TAG}.pyc"
    assert pyc in rec.files and (prefix / pyc).is_file()
    assert result.pyc_failed == [f"{SITE}/greet/broken.py"]
    types = {p["_path"]: p["path_type"] for p in rec.paths_data["paths"]}
    assert types[pyc] == "pyc_file" and types["bin/greet"] == "unix_python_entry_point"
    # removing the package removes the .pyc files and __pycache__ too
    execute(prefix, unlink=["greet"])
    assert not (prefix / SITE / "greet").exists() and not (prefix / "bin/greet").exists()
    assert (prefix / "bin/python").exists()


def test_no_pyc_option(cache: Cache, prefix: Path, python_pkg: builder.Package) -> None:
    execute(prefix, link=[cache.add(_app()), cache.add(python_pkg)],
            options=LinkOptions(compile_pyc=False))
    assert not (prefix / SITE / "greet/__pycache__").exists()


def test_real_andes(cache: Cache, prefix: Path, python_pkg: builder.Package, shared_data: Path) -> None:
    andes = cache.add(shared_data / "packages/noarch/andes-1.8.3-pyhd8ed1ab_0.conda")
    execute(prefix, link=[cache.add(python_pkg)])
    execute(prefix, link=[andes])
    rec = PrefixData.load(prefix).get("andes")
    assert rec is not None
    assert f"{SITE}/andes/cli.py" in rec.files
    assert f"{SITE}/andes/__pycache__/cli.{TAG}.pyc" in rec.files
    assert (prefix / f"{SITE}/andes-1.8.3.dist-info/METADATA").is_file()
    # the entry point runs under the env's python and reaches andes' own code; andes'
    # dependencies (numpy, ...) are not in this env, so it stops at their import
    assert (prefix / "bin/andes").read_text().startswith(f"#!{prefix}/bin/python\n")
    proc = subprocess.run([str(prefix / "bin/andes"), "--help"], capture_output=True, text=True)
    assert f"{prefix}/{SITE}/andes/" in proc.stderr
    assert "ModuleNotFoundError" in proc.stderr
    n_files = len(rec.files)
    execute(prefix, unlink=["andes"])
    assert not (prefix / SITE / "andes").exists() and not (prefix / "bin/andes").exists()
    assert n_files > 300


def test_noarch_python_without_python_is_refused(cache: Cache, prefix: Path) -> None:
    with pytest.raises(NoPythonForNoarch):
        execute(prefix, link=[cache.add(_app())])
    assert not prefix.exists()


def test_entry_point_parsing_and_script() -> None:
    assert parse_entry_point("andes = andes.cli:main") == ("andes", "andes.cli", "main")
    assert parse_entry_point("x=a.b:C.run [extra]") == ("x", "a.b", "C.run")
    with pytest.raises(ValueError):
        parse_entry_point("nonsense")
    s = entry_point_script("/env/bin/python", "a.b", "C.run")
    assert "from a.b import C\n" in s and "sys.exit(C.run())" in s
    long = "/x" * 80 + "/bin/python"
    assert entry_point_script(long, "m", "f").startswith("#!/usr/bin/env python\n")


def test_python_info_paths() -> None:
    p = PythonInfo("3.10.4")
    assert p.target_path("site-packages/a/b.py") == "lib/python3.10/site-packages/a/b.py"
    assert p.target_path("python-scripts/tool") == "bin/tool"
    assert p.target_path("share/x") == "share/x"
    assert p.pyc_path("lib/python3.10/site-packages/a/b.py") == \
        "lib/python3.10/site-packages/a/__pycache__/b.cpython-310.pyc"
