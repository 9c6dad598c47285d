"""A small thread pool of daemon threads.

``concurrent.futures.ThreadPoolExecutor`` joins its threads at interpreter
exit, so a Ctrl-C during a stalled download would wait for the read timeout.
Workers here are daemon threads: the caller decides whether to wait, and an
interrupted process exits at once (workers only ever write ``.partial`` files
and scratch dirs, never final names, so nothing half-done is left behind).
"""
from __future__ import annotations

import queue
import threading
from concurrent.futures import FIRST_EXCEPTION, Future, wait
from typing import Any, Callable, List, Optional, Sequence, Tuple


class DaemonPool:
    """``workers`` daemon threads running submitted callables in order."""

    def __init__(self, workers: int, name: str = "umm-worker") -> None:
        self._max = max(1, int(workers))
        self._name = name
        self._queue: "queue.Queue[Optional[Tuple[Future, Callable[..., Any], tuple]]]" = \
            queue.Queue()
        self._threads: List[threading.Thread] = []
        self._lock = threading.Lock()
        self._closed = False

    def submit(self, fn: Callable[..., Any], *args: Any) -> "Future[Any]":
        future: "Future[Any]" = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("pool is shut down")
            self._queue.put((future, fn, args))
            if len(self._threads) < self._max:
                t = threading.Thread(target=self._work, daemon=True,
                                     name=f"{self._name}-{len(self._threads)}")
                self._threads.append(t)
                t.start()
        return future

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            future, fn, args = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                result = fn(*args)
            except BaseException as exc:  # handed to the waiter
                future.set_exception(exc)
            else:
                future.set_result(result)

    def shutdown(self, wait: bool = True) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            threads = list(self._threads)
        for _ in threads:
            self._queue.put(None)
        if wait:
            for t in threads:
                t.join()


def wait_all(futures: Sequence["Future[Any]"]) -> None:
    """Wait for all; raise the first failure at once. Short waits let Ctrl-C in."""
    pending = set(futures)
    while pending:
        done, pending = wait(pending, timeout=0.2, return_when=FIRST_EXCEPTION)
        for f in done:
            if not f.cancelled():
                exc = f.exception()
                if exc is not None:
                    raise exc
