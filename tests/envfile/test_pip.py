"""pip sections of env files and pip packages of lock files, installed with the env's own
pip from a file:// simple index of wheels built here."""
from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Dict

import pytest
import yaml

from tests.envfile import pipindex
from tests.envfile.conftest import Umm, installed
from umm.envfile.lockfile import CondaLock, LockedPackage


@pytest.fixture
def index(tmp_path: Path) -> Dict[str, object]:
    wheels = tmp_path / "wheels"
    greet = pipindex.wheel(wheels, "greeting", "1.0", {"greeting.py": "WORD = 'hello'\n"},
                           requires=["shout"])
    shout = pipindex.wheel(wheels, "shout", "2.0", {"shout.py": "def up(s):\n    return s.upper()\n"})
    url = pipindex.simple_index(tmp_path / "index", [("greeting", greet), ("shout", shout)])
    return {"url": url, "greeting": greet, "shout": shout}


def _pip_umm(umm: Umm, index_url: str) -> None:
    for key in [k for k in umm.env.environ if k.startswith("PIP_")]:
        del umm.env.environ[key]
    umm.env.environ.update(pipindex.pip_environ(index_url))


def _py(prefix: Path, code: str) -> str:
    return subprocess.run([str(prefix / "bin" / "python"), "-c", code], capture_output=True,
                          text=True, check=True).stdout.strip()


def test_pip_section_with_relative_requirements_and_editable(umm: Umm, index, tmp_path: Path) -> None:
    _pip_umm(umm, index["url"])
    work = tmp_path / "project"
    pipindex.local_project(work / "localproj")
    (work / "reqs").mkdir()
    (work / "reqs" / "base.txt").write_text("shout==2.0\n")
    env = work / "environment.yml"
    env.write_text("name: withpip\ndependencies:\n  - python\n  - pip\n  - pip:\n"
                   "      - greeting==1.0\n      - -r reqs/base.txt\n      - -e ./localproj\n")
    umm("create", "-f", str(env), "-y", cwd=tmp_path)  # not run from the file's directory
    prefix = umm.prefix("withpip")
    assert _py(prefix, "import greeting, shout, localproj; print(shout.up(greeting.WORD), "
                       "localproj.VALUE)") == "HELLO first"
    (work / "localproj/src/localproj/__init__.py").write_text("VALUE = 'edited'\n")
    assert _py(prefix, "import localproj; print(localproj.VALUE)") == "edited"  # editable
    exported = yaml.safe_load(umm("env", "export", "-n", "withpip").stdout)
    assert exported["dependencies"][-1] == {"pip": ["greeting==1.0", "localproj==0.1",
                                                    "shout==2.0"]}
    assert installed(umm.records("withpip")).keys() == {"python", "pip"}


def test_pip_missing_is_a_clear_error(umm: Umm, index, tmp_path: Path) -> None:
    _pip_umm(umm, index["url"])
    env = tmp_path / "env.yml"
    env.write_text("dependencies:\n  - extra\n  - pip:\n    - shout\n")
    proc = umm("create", "-n", "nopip", "-f", str(env), "-y", check=False)
    assert proc.returncode != 0 and proc.stderr.count("\n") == 1
    assert "pip is not installed in" in proc.stderr and "add 'pip'" in proc.stderr
    assert "extra" in installed(umm.records("nopip"))  # the conda part is there
    proc = umm("create", "-n", "pyonly", "-f", str(env), "python", "-y", check=False,
               env={"MAMBA_ADD_PIP_AS_PYTHON_DEPENDENCY": "false"})
    assert proc.returncode != 0 and "pip is not installed in" in proc.stderr
    assert set(installed(umm.records("pyonly"))) == {"extra", "python"}


def test_lock_file_pip_packages_are_hash_checked(umm: Umm, index, tmp_path: Path) -> None:
    _pip_umm(umm, index["url"])
    env = tmp_path / "environment.yml"
    env.write_text(f"channels: [{umm.channel.url}]\ndependencies: [python]\n")
    lock = CondaLock.parse(umm("env", "export", "--lock", "-f", str(env)).stdout)

    def with_pip(sha: str) -> str:
        extra = [LockedPackage("shout", "2.0", "pip", "linux-64", index["shout"].as_uri(),
                               sha256=sha)]
        return str(CondaLock(lock.packages + tuple(extra), lock.platforms, lock.channels,
                             lock.content_hash, lock.sources))

    good = tmp_path / "good-lock.yml"
    good.write_text(with_pip(pipindex.sha256_of(index["shout"])))
    umm("create", "-n", "locked", "-f", str(good), "-y")
    assert _py(umm.prefix("locked"), "import shout; print(shout.up('x'))") == "X"
    bad = tmp_path / "bad-lock.yml"
    bad.write_text(with_pip("0" * 64))
    proc = umm("create", "-n", "badpip", "-f", str(bad), "-y", check=False)
    assert proc.returncode != 0 and "pip failed" in proc.stderr
    assert "HASH" in proc.stderr.upper()
    assert _py(umm.prefix("badpip"), "import importlib.util as u; print(u.find_spec('shout'))") == "None"
