"""Cross-process file locks (``fcntl.flock``), with a wait message and a timeout.

Public API::

    FileLock(path, *, timeout=None, reporter=NULL, what="")   # context manager
    lock_path_for(path) -> str        # micromamba's naming: <file>.lock, <dir>/<dirname>.lock
    remove_if_unlocked(lock_file) -> bool   # for `umm clean --locks`

``flock`` locks belong to an open file, so they exclude other threads of the
same process as well as other processes. A lock that is busy is waited for:
the reporter gets one "waiting" message naming the holder's pid (written into
the lock file), and the wait ends with :class:`LockTimeout` only when
``timeout`` (``lock_timeout``; ``None`` or ``0``: wait forever) runs out, or
with :class:`umm.errors.Cancelled` once the ``cancel`` event is set.
Lock files are left in place after use (removing them would race with
waiters); ``umm clean -l`` removes those nobody holds.
"""
from __future__ import annotations

import os
import threading
import time
from typing import Optional

from umm.package.errors import LockTimeout
from umm.reporter import NULL, Reporter

LOCK_SUFFIX = ".lock"


def lock_path_for(path: "str | os.PathLike[str]") -> str:
    """The lock file guarding ``path``: ``<dir>/<dirname>.lock`` for a directory,
    ``<path>.lock`` otherwise (micromamba's convention)."""
    p = os.path.abspath(os.fspath(path))
    if os.path.isdir(p):
        return os.path.join(p, os.path.basename(p) + LOCK_SUFFIX)
    return p + LOCK_SUFFIX


def _read_holder(fd: int) -> str:
    try:
        data = os.pread(fd, 64, 0).decode("ascii", "replace").strip()
    except OSError:
        return ""
    return f"pid {data}" if data.isdigit() else ""


class FileLock:
    """An exclusive lock on ``path`` (created if missing)."""

    __slots__ = ("path", "timeout", "reporter", "what", "cancel", "_fd", "_poll", "_last_holder")

    def __init__(self, path: "str | os.PathLike[str]", *, timeout: Optional[float] = None,
                 reporter: Reporter = NULL, what: str = "",
                 cancel: Optional[threading.Event] = None) -> None:
        self.path = os.fspath(path)
        self.timeout = timeout if timeout and timeout > 0 else None
        self.reporter = reporter
        self.what = what or self.path
        self.cancel = cancel
        self._fd: Optional[int] = None
        self._poll = 0.05
        self._last_holder = ""

    @property
    def locked(self) -> bool:
        return self._fd is not None

    def _try(self) -> Optional[int]:
        """The fd of the lock file locked by us, or None if someone holds it."""
        import fcntl

        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                self._last_holder = _read_holder(fd)
                os.close(fd)
                return None
            except BaseException:
                os.close(fd)
                raise
            # the file may have been removed (clean --locks) between open and flock
            try:
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if same:
                return fd
            os.close(fd)

    def acquire(self) -> "FileLock":
        if self._fd is not None:
            raise RuntimeError(f"{self.path} is already locked by this FileLock")
        os.makedirs(os.path.dirname(os.path.abspath(self.path)) or ".", exist_ok=True)
        start = time.monotonic()
        told = False
        delay = self._poll
        while True:
            fd = self._try()
            if fd is not None:
                break
            waited = time.monotonic() - start
            if self.cancel is not None and self.cancel.is_set():
                from umm.errors import Cancelled

                raise Cancelled(f"gave up waiting for the lock on {self.what}")
            if self.timeout is not None and waited >= self.timeout:
                raise LockTimeout(self.path, self.timeout, self._last_holder)
            if not told:
                holder = f" (held by {self._last_holder})" if self._last_holder else ""
                self.reporter.info(f"waiting for the lock on {self.what}{holder}...")
                told = True
            sleep = delay if self.timeout is None else min(delay, self.timeout - waited)
            time.sleep(max(sleep, 0.001))
            delay = min(delay * 1.5, 0.5)
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, str(os.getpid()).encode("ascii"), 0)
        except OSError:
            pass
        self._fd = fd
        if told:
            self.reporter.debug(f"got the lock on {self.what}")
        return self

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        import fcntl

        try:
            os.ftruncate(fd, 0)
        except OSError:
            pass
        try:
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def __enter__(self) -> "FileLock":
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()

    def __repr__(self) -> str:
        return f"FileLock({self.path!r}, locked={self.locked})"


def remove_if_unlocked(lock_file: "str | os.PathLike[str]") -> bool:
    """Remove ``lock_file`` unless a process holds it; True when removed."""
    import fcntl

    path = os.fspath(lock_file)
    try:
        fd = os.open(path, os.O_RDWR | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        return False
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        try:
            os.unlink(path)
        except FileNotFoundError:
            return False
        return True
    finally:
        os.close(fd)
