"""umm.envfile.export on records and a fake prefix (no CLI)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from umm.envfile.errors import ExportError
from umm.envfile.export import (channel_of, dependency_string, export_environment,
                                lock_dependencies, lock_from_records, pip_installed)
from umm.envfile.lockfile import CondaLock
from umm.specs import PrefixRecord

MD5 = "a" * 32


def rec(name: str, version: str = "1.0", build: str = "0", subdir: str = "linux-64",
        channel: str = "https://conda.anaconda.org/conda-forge/linux-64", **kw) -> PrefixRecord:
    d = {"name": name, "version": version, "build": build, "subdir": subdir, "channel": channel,
         "fn": f"{name}-{version}-{build}.conda", "md5": MD5,
         "url": f"https://conda.anaconda.org/conda-forge/{subdir}/{name}-{version}-{build}.conda"}
    d.update(kw)
    return PrefixRecord.from_json(d)


def test_channel_and_dependency_strings() -> None:
    r = rec("zlib", "1.3", "h0_1")
    assert channel_of(r) == "https://conda.anaconda.org/conda-forge"
    assert channel_of(r, lambda u: u.rsplit("/", 1)[1]) == "conda-forge"
    assert dependency_string(r) == "zlib=1.3=h0_1"
    assert dependency_string(r, build=False) == "zlib=1.3"
    assert dependency_string(r, channel_subdir=True, namer=lambda u: "conda-forge") == \
        "conda-forge/linux-64::zlib=1.3=h0_1"


def test_lock_dependencies() -> None:
    assert lock_dependencies(["python >=3.8", "libzlib 1.2.13 h0_0", "pip", "foo >=1",
                              "foo <2", "bar", "bar >3"]) == \
        [("python", ">=3.8"), ("libzlib", "1.2.13 h0_0"), ("pip", "*"), ("foo", ">=1,<2"),
         ("bar", ">3")]


def test_lock_from_records_round_trips() -> None:
    linux = [rec("b", depends=["a >=1"]), rec("a", sha256="b" * 64)]
    osx = [rec("a", subdir="osx-arm64", channel="https://conda.anaconda.org/conda-forge/osx-arm64")]
    lock = lock_from_records({"linux-64": linux, "osx-arm64": osx}, ["conda-forge"], ["env.yml"])
    assert [(p.platform, p.name) for p in lock.packages] == \
        [("linux-64", "a"), ("linux-64", "b"), ("osx-arm64", "a")]
    assert dict(lock.content_hash).keys() == {"linux-64", "osx-arm64"}
    assert CondaLock.parse(str(lock)) == lock
    sel = lock.select("linux-64")
    assert [(p.name, p.md5, p.sha256) for p in sel.conda] == [("a", MD5, "b" * 64), ("b", MD5, None)]
    with pytest.raises(ExportError, match="no md5 or sha256"):
        lock_from_records({"linux-64": [rec("c", md5=None)]}, [])


def test_pip_installed_skips_conda_files(tmp_path: Path) -> None:
    sp = tmp_path / "lib" / "python3.11" / "site-packages"
    for name, version, installer in (("Requests", "2.31", "pip"), ("condapkg", "1.0", "conda"),
                                     ("owned", "3.0", None), ("noinstaller", "0.1", None)):
        d = sp / f"{name}-{version}.dist-info"
        d.mkdir(parents=True)
        (d / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\n"
                                    "Name: not-a-header\n")
        if installer:
            (d / "INSTALLER").write_text(installer + "\n")
    owner = rec("owned", files=["lib/python3.11/site-packages/owned-3.0.dist-info/METADATA"])
    assert pip_installed(str(tmp_path), [owner]) == [("noinstaller", "0.1"), ("Requests", "2.31")]


def test_export_environment(tmp_path: Path) -> None:
    (tmp_path / "conda-meta").mkdir()
    (tmp_path / "conda-meta" / "state").write_text(json.dumps({"env_vars": {"B": "2", "A": "1"}}))
    (tmp_path / "conda-meta" / "history").write_text(
        "==> 2024-01-01 00:00:00 <==\n# cmd: umm create\n+conda-forge::b-1.0-0\n"
        "# update specs: [\"b >=1\", \"a\"]\n==> 2024-01-02 00:00:00 <==\n# remove specs: [\"a\"]\n")
    records = [rec("b"), rec("a", channel="https://repo.example/other/linux-64")]
    env = export_environment(str(tmp_path), "demo", records)
    assert env.to_dict() == {"name": "demo", "channels": ["https://repo.example/other",
                                                          "https://conda.anaconda.org/conda-forge"],
                             "dependencies": ["a=1.0=0", "b=1.0=0"],
                             "variables": {"A": "1", "B": "2"}}
    hist = export_environment(str(tmp_path), "demo", records, from_history=True)
    assert hist.dependencies == ("b >=1",)
