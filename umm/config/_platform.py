"""The host platform (conda subdir), until ``umm.specs.Platform`` is available."""
from __future__ import annotations

import platform as _platform
import sys

_MACHINES = {
    "x86_64": "64", "amd64": "64", "i386": "32", "i686": "32", "x86": "32",
    "aarch64": "aarch64", "arm64": "aarch64", "ppc64le": "ppc64le", "ppc64": "ppc64",
    "s390x": "s390x", "armv6l": "armv6l", "armv7l": "armv7l", "riscv64": "riscv64",
}


def host_platform(sys_platform: str = sys.platform, machine: str = "") -> str:
    """``linux-64``, ``osx-arm64``, ``win-64`` ... for this machine."""
    machine = (machine or _platform.machine() or "").lower()
    arch = _MACHINES.get(machine, machine or "64")
    if sys_platform.startswith("linux"):
        os_name = "linux"
    elif sys_platform == "darwin":
        os_name = "osx"
        if arch == "aarch64":
            arch = "arm64"
    elif sys_platform in ("win32", "cygwin"):
        os_name = "win"
        if arch == "aarch64":
            arch = "arm64"
    elif sys_platform.startswith("freebsd"):
        os_name = "freebsd"
    else:
        os_name = sys_platform
    return f"{os_name}-{arch}"


def current_platform() -> str:
    """The host platform, from ``umm.specs`` when it provides ``Platform.current()``."""
    try:
        from umm.specs import Platform  # type: ignore[attr-defined]

        return str(Platform.current())
    except (ImportError, AttributeError):
        return host_platform()
