from __future__ import annotations

import pickle
import platform as _platform
import sys

import pytest

from umm.specs import KNOWN_SUBDIRS, InvalidPlatform, Platform
from umm.specs.platform import detect_subdir

REQUIRED = ["linux-64", "linux-32", "linux-aarch64", "linux-armv6l", "linux-armv7l",
            "linux-ppc64le", "linux-s390x", "linux-riscv64", "osx-64", "osx-arm64", "win-64",
            "win-32", "win-arm64", "emscripten-wasm32", "wasi-wasm32", "zos-z", "noarch"]


@pytest.mark.parametrize("name", REQUIRED)
def test_known(name: str) -> None:
    p = Platform.parse(name)
    assert str(p) == name == p.name
    assert name in KNOWN_SUBDIRS and Platform.is_known(name)
    assert Platform.parse(name) is p
    assert pickle.loads(pickle.dumps(p)) is p


def test_families() -> None:
    P = Platform.parse
    assert P("linux-aarch64").is_linux and P("linux-aarch64").is_unix
    assert P("osx-arm64").is_osx and P("osx-arm64").is_unix and not P("osx-arm64").is_linux
    assert P("win-64").is_windows and not P("win-64").is_unix
    assert P("noarch").is_noarch and P("noarch").os is None and not P("noarch").is_unix
    assert P("linux-64").arch == "x86_64" and P("linux-64").bits == 64
    assert P("win-32").arch == "x86" and P("win-32").bits == 32
    assert P("emscripten-wasm32").os == "emscripten"
    assert P(" Linux-64 ") is P("linux-64")
    assert P("linux-64") == P("linux-64") and P("linux-64") != P("osx-64")
    assert len(Platform.all()) == len(KNOWN_SUBDIRS)


def test_unknown() -> None:
    with pytest.raises(InvalidPlatform) as info:
        Platform.parse("linux-sparc")
    assert info.value.text == "linux-sparc"
    assert "unknown platform" in str(info.value)


@pytest.mark.parametrize("sys_platform,machine,subdir", [
    ("linux", "x86_64", "linux-64"), ("linux", "aarch64", "linux-aarch64"),
    ("linux", "arm64", "linux-aarch64"), ("linux", "ppc64le", "linux-ppc64le"),
    ("linux", "s390x", "linux-s390x"), ("linux", "armv7l", "linux-armv7l"),
    ("linux", "i686", "linux-32"), ("linux", "riscv64", "linux-riscv64"),
    ("darwin", "x86_64", "osx-64"), ("darwin", "arm64", "osx-arm64"),
    ("win32", "AMD64", "win-64"), ("win32", "ARM64", "win-arm64"), ("win32", "x86", "win-32"),
    ("emscripten", "wasm32", "emscripten-wasm32"), ("wasi", "wasm32", "wasi-wasm32"),
])
def test_detect(sys_platform: str, machine: str, subdir: str) -> None:
    assert detect_subdir(sys_platform, machine) == subdir


def test_detect_unsupported() -> None:
    with pytest.raises(InvalidPlatform):
        detect_subdir("sunos5", "sparc")
    with pytest.raises(InvalidPlatform):
        detect_subdir("linux", "mips")


def test_current() -> None:
    cur = Platform.current()
    assert cur.name == detect_subdir(sys.platform, _platform.machine())
    if sys.platform.startswith("linux"):
        assert cur.is_linux
