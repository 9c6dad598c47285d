"""Virtual packages: ``__unix``, ``__linux``, ``__glibc``, ``__osx``, ``__win``,
``__archspec`` and ``__cuda``, detected for the target platform.

Detection never fails: what cannot be found is left out. Each package can be
overridden with ``CONDA_OVERRIDE_<NAME>`` (``LINUX``, ``GLIBC``, ``OSX``, ``WIN``,
``ARCHSPEC``, ``CUDA``); an empty override removes the package.
"""
from __future__ import annotations

import os
import platform as _platform
import re
import sys
from typing import Any, Callable, List, Mapping, Optional

_MD5 = "12345678901234567890123456789012"


class VirtualPackage:
    """``name=version=build`` of one virtual package. Immutable."""

    __slots__ = ("name", "version", "build")

    def __init__(self, name: str, version: str = "0", build: str = "0") -> None:
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "version", version or "0")
        object.__setattr__(self, "build", build or "0")

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("VirtualPackage is immutable")

    @classmethod
    def parse(cls, text: str) -> "VirtualPackage":
        """``__glibc=2.35=0`` (version and build optional)."""
        parts = text.strip().split("=")
        if not parts[0].startswith("__") or len(parts) > 3 or not all(parts):
            raise ValueError(f"not a virtual package: {text!r}")
        return cls(*parts)

    def __str__(self) -> str:
        return f"{self.name}={self.version}={self.build}"

    def __repr__(self) -> str:
        return f"VirtualPackage({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, VirtualPackage) and str(self) == str(other)

    def __hash__(self) -> int:
        return hash(str(self))

    def to_json(self, subdir: str) -> dict:
        """The repodata record of this package (as micromamba makes them)."""
        return {"name": self.name, "version": self.version, "build": self.build,
                "build_number": 0, "build_string": self.build, "channel": "@",
                "subdir": subdir, "md5": _MD5, "fn": self.name, "depends": [],
                "constrains": []}


def linux_version(release: Optional[str] = None) -> str:
    """``5.15.0-91-generic`` -> ``5.15.0`` (the leading dotted numbers of the release)."""
    release = _platform.release() if release is None else release
    m = re.match(r"\d+(?:\.\d+){0,3}", release or "")
    return m.group(0) if m else ""


def glibc_version() -> str:
    """The C library's version from ``confstr(CS_GNU_LIBC_VERSION)`` ("glibc 2.35")."""
    try:
        text = os.confstr("CS_GNU_LIBC_VERSION") or ""
    except (AttributeError, ValueError, OSError):
        return ""
    m = re.match(r"glibc\s+(\d+(?:\.\d+)*)", text)
    return m.group(1) if m else ""


def macos_version() -> str:
    if sys.platform != "darwin":
        return ""
    try:
        return _platform.mac_ver()[0] or ""
    except Exception:
        return ""


def windows_version() -> str:
    if sys.platform != "win32":
        return ""
    try:
        return _platform.version() or ""
    except Exception:
        return ""


def cuda_version() -> str:
    """The CUDA driver version (``12.2``) from libcuda's ``cuDriverGetVersion``, or ""."""
    try:
        import ctypes
    except ImportError:
        return ""
    names = {"win32": ["nvcuda.dll"],
             "darwin": ["libcuda.dylib", "/usr/local/cuda/lib/libcuda.dylib"]}
    for name in names.get(sys.platform, ["libcuda.so.1", "libcuda.so"]):
        try:
            lib = ctypes.CDLL(name)
        except OSError:
            continue
        try:
            if lib.cuInit(0) != 0:
                continue
            version = ctypes.c_int(0)
            if lib.cuDriverGetVersion(ctypes.byref(version)) != 0 or version.value <= 0:
                continue
            return f"{version.value // 1000}.{(version.value % 1000) // 10}"
        except (AttributeError, OSError):
            continue
    return ""


def _archspec(arch: str, machine: str) -> str:
    names = {"64": "x86_64", "32": "x86", "aarch64": "aarch64", "arm64": "arm64",
             "ppc64le": "ppc64le", "ppc64": "ppc64", "s390x": "s390x", "armv6l": "armv6l",
             "armv7l": "armv7l", "riscv64": "riscv64"}
    return names.get(arch, machine or arch)


def _override(environ: Mapping[str, str], name: str, detect: Callable[[], str]) -> Optional[str]:
    """The override ``CONDA_OVERRIDE_<name>`` if set (``""`` = remove -> None), else
    the detected value (None when not found)."""
    var = "CONDA_OVERRIDE_" + name
    if var in environ:
        return environ[var].strip() or None
    try:
        return detect() or None
    except Exception:
        return None


def detect(platform: str, environ: Optional[Mapping[str, str]] = None) -> List[VirtualPackage]:
    """The virtual packages for ``platform`` (``linux-64`` ...), honouring overrides.

    When ``platform`` is not the host's OS, values come from the overrides only
    (``__unix``/``__win`` and ``__archspec`` are still given)."""
    environ = os.environ if environ is None else environ
    os_name, _, arch = platform.partition("-")
    host = sys.platform
    on_linux, on_osx, on_win = host.startswith("linux"), host == "darwin", host == "win32"
    out: List[VirtualPackage] = []
    if os_name == "win":
        win = _override(environ, "WIN", windows_version if on_win else str)
        out.append(VirtualPackage("__win", win or "0"))
    elif os_name in ("linux", "osx", "freebsd"):
        out.append(VirtualPackage("__unix"))
    if os_name == "linux":
        ver = _override(environ, "LINUX", linux_version if on_linux else str)
        if ver:
            out.append(VirtualPackage("__linux", ver))
        libc = _override(environ, "GLIBC", glibc_version if on_linux else str)
        if libc:
            out.append(VirtualPackage("__glibc", libc))
    elif os_name == "osx":
        ver = _override(environ, "OSX", macos_version if on_osx else str)
        if ver:
            out.append(VirtualPackage("__osx", ver))
    if arch:
        spec = _override(environ, "ARCHSPEC", lambda: _archspec(arch, _platform.machine()))
        if spec:
            out.append(VirtualPackage("__archspec", "1", spec))
    if os_name != "noarch":
        cuda = _override(environ, "CUDA", cuda_version)
        if cuda:
            out.append(VirtualPackage("__cuda", cuda))
    return out


def as_records(packages: List[VirtualPackage], platform: str) -> List[Any]:
    """The packages as ``umm.specs`` ``PackageRecord`` objects."""
    from umm.specs import PackageRecord  # type: ignore[attr-defined]

    return [PackageRecord.from_json(p.to_json(platform)) for p in packages]
