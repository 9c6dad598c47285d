"""Virtual package detection and CONDA_OVERRIDE_* overrides."""
from __future__ import annotations

import os
import sys

import pytest

from umm.config import virtual as V


def _names(pkgs):
    return {p.name: p for p in pkgs}


def test_overrides_replace_detection():
    env = {"CONDA_OVERRIDE_LINUX": "5.4.0", "CONDA_OVERRIDE_GLIBC": "2.17",
           "CONDA_OVERRIDE_CUDA": "11.8", "CONDA_OVERRIDE_ARCHSPEC": "x86_64_v3"}
    pkgs = V.detect("linux-64", env)
    assert [str(p) for p in pkgs] == ["__unix=0=0", "__linux=5.4.0=0", "__glibc=2.17=0",
                                      "__archspec=1=x86_64_v3", "__cuda=11.8=0"]


def test_empty_override_removes_the_package():
    env = {"CONDA_OVERRIDE_GLIBC": "", "CONDA_OVERRIDE_CUDA": "", "CONDA_OVERRIDE_LINUX": "6.1"}
    names = _names(V.detect("linux-64", env))
    assert "__glibc" not in names and "__cuda" not in names
    assert names["__linux"].version == "6.1"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="linux host only")
def test_linux_detection_matches_the_system():
    names = _names(V.detect("linux-64", {"CONDA_OVERRIDE_CUDA": ""}))
    assert names["__linux"].version == V.linux_version(os.uname().release)
    libc = os.confstr("CS_GNU_LIBC_VERSION") or ""
    if libc.startswith("glibc "):
        assert names["__glibc"].version == libc.split()[1]
    assert names["__archspec"].version == "1" and names["__archspec"].build
    assert "__unix" in names and "__osx" not in names and "__win" not in names


def test_other_platforms_use_overrides_only():
    osx = _names(V.detect("osx-arm64", {"CONDA_OVERRIDE_OSX": "14.2", "CONDA_OVERRIDE_CUDA": ""}))
    assert osx["__osx"].version == "14.2" and osx["__archspec"].build == "arm64"
    assert "__linux" not in osx and "__unix" in osx
    win = _names(V.detect("win-64", {"CONDA_OVERRIDE_CUDA": ""}))
    assert str(win["__win"]) == "__win=0=0" and "__unix" not in win
    if not sys.platform.startswith("linux"):
        return
    cross = _names(V.detect("osx-64", {"CONDA_OVERRIDE_CUDA": ""}))
    assert "__osx" not in cross  # nothing to detect from a linux host
    assert not [p for p in V.detect("noarch", {}) if p.name in ("__cuda", "__archspec")]


def test_linux_version_parsing():
    assert V.linux_version("5.15.0-91-generic") == "5.15.0"
    assert V.linux_version("6.1.55.1-microsoft-standard-WSL2") == "6.1.55.1"
    assert V.linux_version("weird") == ""


def test_value_type():
    p = V.VirtualPackage.parse("__glibc=2.35=0")
    assert str(p) == "__glibc=2.35=0" and V.VirtualPackage.parse(str(p)) == p
    assert str(V.VirtualPackage.parse("__unix")) == "__unix=0=0"
    with pytest.raises(ValueError):
        V.VirtualPackage.parse("numpy=1")
    with pytest.raises(AttributeError):
        p.version = "1"  # type: ignore[misc]
    rec = p.to_json("linux-64")
    assert rec["name"] == "__glibc" and rec["subdir"] == "linux-64" and rec["channel"] == "@"


def test_cuda_detection_never_fails():
    assert isinstance(V.cuda_version(), str)


def test_as_package_records(layout):
    from umm.config import virtual_package_records

    recs = V.as_records([V.VirtualPackage("__unix")], "linux-64")
    assert recs[0].name == "__unix" and str(recs[0].version) == "0"
    layout.environ.update({"CONDA_OVERRIDE_GLIBC": "2.17", "CONDA_OVERRIDE_CUDA": "12.4"})
    recs = {r.name: r for r in virtual_package_records(layout.load({"platform": "linux-64"}))}
    assert str(recs["__glibc"].version) == "2.17" and recs["__glibc"].build == "0"
    assert str(recs["__cuda"].version) == "12.4" and recs["__cuda"].subdir == "linux-64"


def test_config_virtual_packages_use_the_config_environment(layout):
    from umm.config import virtual_packages

    layout.environ.update({"CONDA_OVERRIDE_GLIBC": "2.28", "CONDA_OVERRIDE_CUDA": "12.0"})
    cfg = layout.load({"platform": "linux-aarch64"})
    names = _names(virtual_packages(cfg))
    assert names["__glibc"].version == "2.28" and names["__cuda"].version == "12.0"
    assert names["__archspec"].build == "aarch64"
