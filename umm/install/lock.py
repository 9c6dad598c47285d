"""An exclusive lock on an environment, held for the length of a transaction.

``fcntl.flock`` on ``conda-meta/umm.lock``. The lock is re-entrant within one
process (a command holds it from reading the env to the end of its transaction;
the transaction takes it again), the holder's pid is written into the file, a
waiter says once that it waits, and a lock file that was removed or replaced while
we waited for it (the rollback of a failed ``create``) is not trusted: it is
opened and locked again.
"""
from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Dict, List, Optional

from umm.install.errors import LinkError, PrefixLocked
from umm.reporter import NULL, Reporter

LOCK_NAME = "conda-meta/umm.lock"

_held_lock = threading.Lock()
_held: Dict[str, List[int]] = {}  # lock path -> [fd, depth] held by this process


def _holder(fd: int) -> str:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return ""
    return f"pid {text}" if text.isdigit() else ""


class PrefixLock:
    """``with PrefixLock(prefix, timeout):`` -- see the module docstring.

    ``timeout``: ``None`` waits forever, ``0`` fails at once when the lock is held,
    a positive number waits that many seconds, then :class:`PrefixLocked`.
    """

    __slots__ = ("prefix", "timeout", "reporter", "_fd", "created")

    def __init__(self, prefix: Path, timeout: Optional[float] = None,
                 reporter: Reporter = NULL) -> None:
        self.prefix = Path(prefix)
        self.timeout = timeout
        self.reporter = reporter
        self._fd: Optional[int] = None
        self.created = False

    @property
    def path(self) -> Path:
        return self.prefix / LOCK_NAME

    @property
    def locked(self) -> bool:
        return self._fd is not None

    def _open(self) -> int:
        try:
            return os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
        except OSError as exc:
            raise LinkError("the environment lock", str(self.path),
                            exc.strerror or str(exc)) from None

    def acquire(self) -> None:
        import fcntl

        key = os.path.abspath(self.path)
        with _held_lock:
            held = _held.get(key)
            if held is not None:
                held[1] += 1
                self._fd = held[0]
                return
        self.created = not os.path.exists(self.path)
        deadline = None if not self.timeout else time.monotonic() + self.timeout
        told = False
        while True:
            fd = self._open()
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                holder = _holder(fd)
                os.close(fd)
                if (self.timeout is not None and self.timeout <= 0) or \
                        (deadline is not None and time.monotonic() >= deadline):
                    raise PrefixLocked(str(self.prefix), self.timeout) from None
                if not told:
                    who = f" (held by {holder})" if holder else ""
                    self.reporter.info(f"waiting for the lock on {self.prefix}{who}...")
                    told = True
                time.sleep(0.05)
                continue
            try:
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)  # removed or replaced while we waited: lock the file that is there
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, str(os.getpid()).encode("ascii"), 0)
        except OSError:
            pass
        self._fd = fd
        with _held_lock:
            _held[key] = [fd, 1]

    def release(self) -> None:
        if self._fd is None:
            return
        import fcntl

        key = os.path.abspath(self.path)
        fd, self._fd = self._fd, None
        with _held_lock:
            held = _held.get(key)
            if held is not None and held[0] == fd:
                held[1] -= 1
                if held[1] > 0:
                    return
                del _held[key]
        try:
            os.ftruncate(fd, 0)
        except OSError:
            pass
        try:
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def __enter__(self) -> "PrefixLock":
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


_command_locks: List[PrefixLock] = []


def hold_for_command(prefix: Path, timeout: Optional[float] = None,
                     reporter: Reporter = NULL) -> PrefixLock:
    """Lock ``prefix`` until :func:`release_command_locks` (the end of a CLI command)."""
    lock = PrefixLock(prefix, timeout, reporter)
    lock.acquire()
    _command_locks.append(lock)
    return lock


def release_command_locks() -> None:
    while _command_locks:
        _command_locks.pop().release()
