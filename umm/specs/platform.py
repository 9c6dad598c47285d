"""Conda platforms ("subdirs"): ``linux-64``, ``osx-arm64``, ``noarch`` ...

``Platform.parse("linux-64")`` gives the shared instance for that subdir;
``Platform.current()`` the one this machine runs (from ``sys.platform`` and
``platform.machine()``; overriding it through ``CONDA_SUBDIR``/``--platform`` is the
configuration layer's job).
"""
from __future__ import annotations

from typing import Any, Dict, Optional, Tuple

from umm.specs.errors import InvalidPlatform

# subdir -> (os, arch, bits); os None for noarch
_TABLE: Dict[str, Tuple[Optional[str], Optional[str], Optional[int]]] = {
    "noarch": (None, None, None),
    "linux-32": ("linux", "x86", 32),
    "linux-64": ("linux", "x86_64", 64),
    "linux-aarch64": ("linux", "aarch64", 64),
    "linux-armv6l": ("linux", "armv6l", 32),
    "linux-armv7l": ("linux", "armv7l", 32),
    "linux-ppc64": ("linux", "ppc64", 64),
    "linux-ppc64le": ("linux", "ppc64le", 64),
    "linux-s390x": ("linux", "s390x", 64),
    "linux-riscv32": ("linux", "riscv32", 32),
    "linux-riscv64": ("linux", "riscv64", 64),
    "osx-64": ("osx", "x86_64", 64),
    "osx-arm64": ("osx", "arm64", 64),
    "win-32": ("win", "x86", 32),
    "win-64": ("win", "x86_64", 64),
    "win-arm64": ("win", "arm64", 64),
    "freebsd-64": ("freebsd", "x86_64", 64),
    "emscripten-wasm32": ("emscripten", "wasm32", 32),
    "wasi-wasm32": ("wasi", "wasm32", 32),
    "zos-z": ("zos", "z", 64),
}

KNOWN_SUBDIRS: Tuple[str, ...] = tuple(_TABLE)
"""Every subdir conda knows, ``noarch`` first."""

_UNIX_OS = frozenset({"linux", "osx", "freebsd", "zos", "emscripten", "wasi"})

_MACHINES: Dict[str, str] = {
    "x86_64": "64", "amd64": "64", "x64": "64",
    "i386": "32", "i486": "32", "i586": "32", "i686": "32", "x86": "32",
    "aarch64": "aarch64", "arm64": "arm64", "armv6l": "armv6l", "armv7l": "armv7l",
    "ppc64le": "ppc64le", "ppc64": "ppc64", "s390x": "s390x",
    "riscv64": "riscv64", "riscv32": "riscv32", "wasm32": "wasm32",
}


class Platform:
    """An immutable conda platform; compare and hash by subdir name."""

    __slots__ = ("_name", "_os", "_arch", "_bits")

    _INSTANCES: Dict[str, "Platform"] = {}

    @classmethod
    def parse(cls, text: "str | Platform") -> "Platform":
        if isinstance(text, Platform):
            return text
        inst = cls._INSTANCES.get(text)
        if inst is not None:
            return inst
        key = str(text).strip().lower()
        entry = _TABLE.get(key)
        if entry is None:
            raise InvalidPlatform(str(text), "unknown platform (known: "
                                  + ", ".join(KNOWN_SUBDIRS) + ")")
        inst = cls._INSTANCES.get(key)
        if inst is None:
            inst = object.__new__(cls)
            inst._name, (inst._os, inst._arch, inst._bits) = key, entry
            cls._INSTANCES[key] = inst
        cls._INSTANCES[text] = inst
        return inst

    @classmethod
    def is_known(cls, text: str) -> bool:
        return text in _TABLE

    @classmethod
    def all(cls) -> Tuple["Platform", ...]:
        return tuple(cls.parse(s) for s in KNOWN_SUBDIRS)

    @classmethod
    def current(cls) -> "Platform":
        """The platform of the running interpreter."""
        import platform as _platform
        import sys

        return cls.parse(detect_subdir(sys.platform, _platform.machine()))

    # data --------------------------------------------------------------------
    @property
    def name(self) -> str:
        """The subdir, e.g. ``linux-64``."""
        return self._name

    @property
    def os(self) -> Optional[str]:
        """``linux``, ``osx``, ``win``, ``freebsd``, ``emscripten``, ``wasi``, ``zos``."""
        return self._os

    @property
    def arch(self) -> Optional[str]:
        """Machine architecture (``x86_64``, ``aarch64``, ``arm64`` ...); None for noarch."""
        return self._arch

    @property
    def bits(self) -> Optional[int]:
        return self._bits

    @property
    def is_noarch(self) -> bool:
        return self._os is None

    @property
    def is_linux(self) -> bool:
        return self._os == "linux"

    @property
    def is_osx(self) -> bool:
        return self._os == "osx"

    @property
    def is_windows(self) -> bool:
        return self._os == "win"

    @property
    def is_unix(self) -> bool:
        return self._os in _UNIX_OS

    @property
    def conda_os(self) -> Optional[str]:
        """The ``platform`` field of old repodata records (``linux``, ``osx``, ``win``)."""
        return self._os

    # protocol ------------------------------------------------------------------
    def __str__(self) -> str:
        return self._name

    def __repr__(self) -> str:
        return f"Platform('{self._name}')"

    def __eq__(self, other: Any) -> bool:
        if isinstance(other, Platform):
            return self._name == other._name
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._name)

    def __lt__(self, other: "Platform") -> bool:
        return self._name < other._name

    def __reduce__(self):
        return (Platform.parse, (self._name,))


def detect_subdir(sys_platform: str, machine: str) -> str:
    """The subdir for a ``sys.platform`` value and a ``platform.machine()`` value."""
    m = machine.strip().lower()
    arch = _MACHINES.get(m)
    if sys_platform.startswith("linux"):
        os_name = "linux"
    elif sys_platform == "darwin":
        os_name = "osx"
        if arch == "aarch64":
            arch = "arm64"
    elif sys_platform in ("win32", "cygwin", "msys"):
        os_name = "win"
        if arch == "aarch64":
            arch = "arm64"
    elif sys_platform.startswith("freebsd"):
        os_name = "freebsd"
    elif sys_platform == "emscripten":
        return "emscripten-wasm32"
    elif sys_platform == "wasi":
        return "wasi-wasm32"
    elif sys_platform in ("zos", "os390"):
        return "zos-z"
    else:
        raise InvalidPlatform(f"{sys_platform}/{machine}", "unsupported operating system")
    if os_name == "linux" and arch == "arm64":
        arch = "aarch64"
    if arch is None:
        raise InvalidPlatform(f"{sys_platform}/{machine}", "unsupported machine architecture")
    subdir = f"{os_name}-{arch}"
    if subdir not in _TABLE:
        raise InvalidPlatform(subdir, "unsupported platform")
    return subdir
