"""An exclusive lock on an environment, held for the length of a transaction."""
from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Optional

from umm.install.errors import PrefixLocked

LOCK_NAME = "conda-meta/umm.lock"


class PrefixLock:
    """``with PrefixLock(prefix, timeout):`` -- ``fcntl`` lock on ``conda-meta/umm.lock``."""

    __slots__ = ("prefix", "timeout", "_fd", "created")

    def __init__(self, prefix: Path, timeout: Optional[float] = None) -> None:
        self.prefix = prefix
        self.timeout = timeout
        self._fd: Optional[int] = None
        self.created = False

    @property
    def path(self) -> Path:
        return self.prefix / LOCK_NAME

    def acquire(self) -> None:
        import fcntl

        self.created = not os.path.exists(self.path)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = None if not self.timeout else time.monotonic() + self.timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError:
                if deadline is None and self.timeout is not None and self.timeout <= 0:
                    os.close(fd)
                    raise PrefixLocked(str(self.prefix), self.timeout) from None
                if deadline is not None and time.monotonic() >= deadline:
                    os.close(fd)
                    raise PrefixLocked(str(self.prefix), self.timeout) from None
                time.sleep(0.05)
        self._fd = fd

    def release(self) -> None:
        if self._fd is None:
            return
        import fcntl

        try:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> "PrefixLock":
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
