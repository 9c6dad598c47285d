"""`umm list` against environments made by the install engine."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.install.conftest import Cache
from umm.install import HistoryEntry, execute


@pytest.fixture
def demo_env(umm_env, shared_data: Path) -> Path:
    cache = Cache(umm_env.root_prefix / "pkgs")
    prefix = umm_env.root_prefix / "envs" / "demo"
    execute(prefix, link=[
        cache.add(shared_data / "packages/linux-64/zlib-1.2.11-h7b6447c_3.tar.bz2", channel="conda-forge"),
        cache.add(shared_data / "packages/noarch/test-package-0.1-0.tar.bz2", channel="conda-forge"),
    ], history=HistoryEntry("umm create -n demo zlib test-package", ["zlib", "test-package"]))
    return prefix


def test_list_table(umm_env, demo_env: Path) -> None:
    out = umm_env.run("list", "-n", "demo", check=True).stdout
    lines = out.splitlines()
    assert lines[0] == f'List of packages in environment: "{demo_env}"'
    assert lines[2].split() == ["Name", "Version", "Build", "Channel"]
    assert lines[4].split() == ["test-package", "0.1", "0", "conda-forge"]
    assert lines[5].split() == ["zlib", "1.2.11", "h7b6447c_3", "conda-forge"]


def test_list_regex_json_and_formats(umm_env, demo_env: Path) -> None:
    doc = json.loads(umm_env.run("list", "-p", demo_env, "^zl", "--json", check=True).stdout)
    assert [d["name"] for d in doc] == ["zlib"]
    assert doc[0]["dist_name"] == "zlib-1.2.11-h7b6447c_3" and doc[0]["platform"] == "linux-64"
    assert umm_env.run("list", "-n", "demo", "lib", "-f", "--json", check=True).stdout.strip() == "[]"
    exp = umm_env.run("list", "-n", "demo", "--export", "--reverse", check=True).stdout.split()
    assert exp == ["zlib=1.2.11=h7b6447c_3", "test-package=0.1=0"]
    can = umm_env.run("list", "-n", "demo", "--canonical", check=True).stdout.split()
    assert "conda-forge/linux-64::zlib-1.2.11-h7b6447c_3" in can
    explicit = umm_env.run("list", "-n", "demo", "--explicit", "--md5", check=True).stdout.splitlines()
    assert "@EXPLICIT" in explicit
    assert any(ln.endswith("zlib-1.2.11-h7b6447c_3.tar.bz2#2e5b81671cc2b53177b94b258b1658b2")
               for ln in explicit)
    revs = umm_env.run("list", "-n", "demo", "--revisions", check=True).stdout
    assert "(rev 0)" in revs and "+conda-forge::zlib-1.2.11-h7b6447c_3" in revs


def test_list_errors(umm_env, demo_env: Path) -> None:
    missing = umm_env.run("list", "-n", "nope")
    assert missing.returncode != 0 and "nope" in missing.stderr and "Traceback" not in missing.stderr
    bad = umm_env.run("list", "-n", "demo", "[")
    assert bad.returncode == 2 and "regular expression" in bad.stderr
