"""Which file is the running umm: the one self-update replaces.

* PyInstaller (``sys.frozen``): ``sys.executable`` is the binary the user ran
  (a onefile build unpacks itself elsewhere, but ``sys.executable`` stays the
  original file).
* Nuitka (``__compiled__`` in every compiled module): a onefile build runs an
  unpacked copy; its bootstrap puts the absolute path of the onefile binary in
  ``sys.argv[0]`` (``__compiled__.original_argv0`` is what the user typed). A
  standalone build is the running program file (``/proc/self/exe``; Nuitka's
  ``sys.executable`` names a ``python`` next to it that does not exist), unless it
  was started by umm's onefile launcher (build/onefile), which unpacks it once and
  execs it with its own absolute path as argv[0] (Nuitka keeps it as
  ``__compiled__.original_argv0``): then the launcher file (recognised by its
  trailer) is the binary to replace, and the unpacked copy never is.
* Anything else (``python -m umm``, a pip console script) is not frozen:
  :class:`~umm.package.selfupdate.errors.NotFrozen`. A Python file is never
  replaced, even if the detection were fooled (:func:`looks_like_python`).

Everything the decision depends on is in a :class:`Runtime` value, so tests
inject it instead of patching ``sys``.
"""
from __future__ import annotations

import os
import re
import shutil
import stat
import sys
from typing import Any, Optional

from umm.package.selfupdate.errors import NotFrozen, UnsafeTarget

PYINSTALLER, NUITKA = "pyinstaller", "nuitka"
_PYTHON_NAME = re.compile(r"^(python|pypy)[0-9.]*[a-z]?(\.exe)?$", re.IGNORECASE)
_PYTHON_SUFFIXES = (".py", ".pyw", ".pyc", ".pyz", ".pyzw")


class Runtime:
    """How this process was started (immutable).

    ``frozen_by`` is ``"pyinstaller"``, ``"nuitka"`` or None; ``onefile`` says a
    Nuitka build is a onefile one; ``original_argv0`` is Nuitka's record of what
    the user typed.
    """

    __slots__ = ("frozen_by", "executable", "argv0", "onefile", "original_argv0")
    frozen_by: Optional[str]
    executable: str
    argv0: str
    onefile: bool
    original_argv0: Optional[str]

    def __init__(self, frozen_by: Optional[str], executable: str, argv0: str = "",
                 onefile: bool = False, original_argv0: Optional[str] = None) -> None:
        s = object.__setattr__
        s(self, "frozen_by", frozen_by)
        s(self, "executable", executable)
        s(self, "argv0", argv0)
        s(self, "onefile", bool(onefile))
        s(self, "original_argv0", original_argv0)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Runtime is immutable")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Runtime) and all(
            getattr(self, k) == getattr(other, k) for k in self.__slots__)

    def __hash__(self) -> int:
        return hash(tuple(getattr(self, k) for k in self.__slots__))

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={getattr(self, k)!r}" for k in self.__slots__)
        return f"Runtime({fields})"

    @property
    def frozen(self) -> bool:
        return self.frozen_by is not None

    @classmethod
    def current(cls) -> "Runtime":
        """This process."""
        argv0 = sys.argv[0] if sys.argv else ""
        compiled = globals().get("__compiled__")  # set by Nuitka in compiled modules
        if compiled is not None:
            return cls(NUITKA, _self_exe() or sys.executable or "", argv0,
                       onefile=bool(getattr(compiled, "onefile", False)),
                       original_argv0=getattr(compiled, "original_argv0", None))
        if getattr(sys, "frozen", False):
            return cls(PYINSTALLER, sys.executable or "", argv0)
        return cls(None, sys.executable or "", argv0)


ONEFILE_MAGIC = b"UMM-ONEFILE-v1\0\0"  # build/onefile/launcher.c
_ONEFILE_TRAILER = 16 + 8 + 8 + 64
ONEFILE_MARKER = ".umm-onefile-ok"  # in every directory the launcher unpacked


def _self_exe() -> Optional[str]:
    try:
        return os.readlink("/proc/self/exe")
    except OSError:
        return None


def is_onefile_launcher(path: str) -> bool:
    """``path`` is a umm onefile launcher (it ends with the trailer launcher.c reads)."""
    try:
        with open(path, "rb") as f:
            f.seek(-_ONEFILE_TRAILER, os.SEEK_END)
            return f.read(len(ONEFILE_MAGIC)) == ONEFILE_MAGIC
    except OSError:
        return False


def _which(name: str) -> Optional[str]:
    if not name or os.sep in name or (os.altsep and os.altsep in name):
        return name or None
    return shutil.which(name)


def _candidate(rt: Runtime) -> Optional[str]:
    if rt.frozen_by == NUITKA and rt.onefile:
        for path in (rt.argv0, _which(rt.original_argv0 or "")):
            if path and os.path.isabs(path) and os.path.isfile(path):
                return path
        return None  # never the unpacked copy in the cache directory
    if rt.frozen_by == NUITKA:
        # umm's launcher exec'd this unpacked copy with its own absolute path as
        # argv[0], which Nuitka keeps as original_argv0 (sys.argv[0] is the copy)
        for path in (rt.original_argv0, rt.argv0):
            if path and os.path.isabs(path) and is_onefile_launcher(path):
                return path
        if rt.executable and os.path.exists(
                os.path.join(os.path.dirname(rt.executable), ONEFILE_MARKER)):
            return None  # an unpacked copy that others share: never replace it
    return rt.executable or None


def looks_like_python(path: str) -> bool:
    """A Python interpreter, a Python source/zip file, or a script run by Python."""
    name = os.path.basename(path)
    if _PYTHON_NAME.match(name) or name.lower().endswith(_PYTHON_SUFFIXES):
        return True
    try:
        with open(path, "rb") as f:
            head = f.read(256)
    except OSError:
        return False
    if head.startswith(b"#!"):
        first = head.split(b"\n", 1)[0].lower()
        return b"python" in first or b"pypy" in first
    return False


def running_executable(runtime: Optional[Runtime] = None) -> str:
    """The real path of the binary to replace (symlinks resolved).

    Raises :class:`NotFrozen` when umm runs from Python and
    :class:`UnsafeTarget` when the file found must not be overwritten.
    """
    rt = runtime if runtime is not None else Runtime.current()
    if not rt.frozen:
        raise NotFrozen(rt.executable or "python", rt.argv0)
    found = _candidate(rt)
    if not found:
        raise UnsafeTarget(rt.argv0 or rt.executable or "umm",
                           "cannot tell which file the running onefile binary is")
    path = os.path.realpath(found)
    try:
        st = os.stat(path)
    except OSError as exc:
        raise UnsafeTarget(path, exc.strerror or str(exc)) from None
    if not stat.S_ISREG(st.st_mode):
        raise UnsafeTarget(path, "not a regular file")
    if looks_like_python(path):
        raise UnsafeTarget(path, "it is Python (an interpreter or a script), not the umm binary")
    return path
