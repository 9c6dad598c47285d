"""Run shares of a CPU-bound job in forked processes (POSIX), the rest here.

Building the index of a large repodata.json is pure Python work; threads would
share one GIL. A forked child shares the parent's memory (the document text is
read before the fork, copy-on-write), computes its share and writes the result,
a bytes object, to a file next to the output; the parent computes share 0 itself,
then waits for the children and reads their files. A child never runs the
parent's clean-up code: it ends with ``os._exit``. Any failure of a child (an
exception, a signal, a missing result) makes :func:`run_shares` return None, and
the caller does the whole job in-process instead (which also raises the real
error, if there is one). A KeyboardInterrupt in the parent kills the children.
"""
from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Callable, List, Optional

MIN_SIZE = 8 << 20  # below this a build takes well under a second: not worth a fork
MAX_SHARES = 4  # every share re-reads the whole document; beyond ~4 little is gained
MIN_WAIT = 60.0  # seconds a child may take beyond this process's own share


def available_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))  # type: ignore[attr-defined]
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def shares_for(size: int, processes: Optional[int] = None) -> int:
    """How many shares to split a build of a ``size``-byte document into."""
    if not hasattr(os, "fork") or size < MIN_SIZE:
        return 1
    n = available_cpus() if processes is None else processes
    return max(1, min(n, MAX_SHARES))


def _wait(pid: int, deadline: float) -> Optional[int]:
    """The exit status of child ``pid``, or None once ``deadline`` has passed."""
    delay = 0.001
    while True:
        got, status = os.waitpid(pid, os.WNOHANG)
        if got == pid:
            return status
        if time.monotonic() >= deadline:
            return None
        time.sleep(delay)
        delay = min(delay * 2, 0.05)


def run_shares(n: int, share: Callable[[int], bytes], scratch: Path) -> Optional[List[bytes]]:
    """``[share(0), ..., share(n - 1)]`` with shares 1.. in forked children; None when
    a child failed or got stuck. ``scratch`` names the results' files
    (``<scratch>.<pid>.<k>``)."""
    children: List[tuple] = []
    try:
        for k in range(1, n):
            out = Path(f"{scratch}.{os.getpid()}.{k}")
            pid = os.fork()
            if pid == 0:  # pragma: no cover - the child (coverage does not follow forks)
                code = 1
                try:
                    data = share(k)
                    with open(out, "wb") as f:
                        f.write(data)
                    code = 0
                except BaseException:
                    pass
                finally:
                    os._exit(code)
            children.append((pid, out))
        start = time.monotonic()
        first = share(0)
        # a child has the same amount of work: one that takes far longer is stuck
        # (a fork inherits every lock another thread held): give up on it
        deadline = time.monotonic() + max(MIN_WAIT, 3 * (time.monotonic() - start))
        results = [first]
        ok = True
        for i, (pid, out) in enumerate(children):
            status = _wait(pid, deadline)
            if status is None:
                return None  # the finally kills it and the others
            children[i] = (None, out)
            if not (os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0):
                ok = False
                continue
            try:
                results.append(out.read_bytes())
            except OSError:
                ok = False
        return results if ok else None
    finally:
        for pid, out in children:
            if pid is not None:
                try:
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                except OSError:
                    pass
            try:
                os.unlink(out)
            except OSError:
                pass
