"""Progress and message reporting for library code.

Library code never prints. It receives a :class:`Reporter` and calls it; the CLI
passes a renderer from ``umm.ui`` (progress bars, plain lines or nothing), tests
pass a :class:`RecordingReporter`. All methods must be safe to call from several
threads at once.
"""
from __future__ import annotations

import threading
from typing import List, Optional, Tuple

DEBUG, INFO, WARNING, ERROR = "debug", "info", "warning", "error"


class Reporter:
    """The reporter protocol, doing nothing. Subclass and override what you need.

    Tasks are identified by a ``key`` chosen by the caller (a URL, a file name);
    ``group`` says what kind of work it is ("download", "extract", "repodata",
    "link", "solve") so a renderer can group bars and totals.
    """

    def message(self, level: str, text: str) -> None:
        """A log line: level is one of debug/info/warning/error."""

    def start(self, group: str, key: str, label: str, total: Optional[int] = None) -> None:
        """A task starts; ``total`` in bytes or items when known."""

    def advance(self, group: str, key: str, amount: int) -> None:
        """``amount`` more units of the task are done."""

    def finish(self, group: str, key: str, ok: bool = True, note: str = "") -> None:
        """The task is over (``ok`` False when it failed)."""

    # conveniences ---------------------------------------------------------
    def debug(self, text: str) -> None:
        self.message(DEBUG, text)

    def info(self, text: str) -> None:
        self.message(INFO, text)

    def warning(self, text: str) -> None:
        self.message(WARNING, text)

    def error(self, text: str) -> None:
        self.message(ERROR, text)


NULL = Reporter()


class RecordingReporter(Reporter):
    """Keeps every call, for tests."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.messages: List[Tuple[str, str]] = []
        self.events: List[tuple] = []

    def message(self, level: str, text: str) -> None:
        with self._lock:
            self.messages.append((level, text))

    def start(self, group: str, key: str, label: str, total: Optional[int] = None) -> None:
        with self._lock:
            self.events.append(("start", group, key, label, total))

    def advance(self, group: str, key: str, amount: int) -> None:
        with self._lock:
            self.events.append(("advance", group, key, amount))

    def finish(self, group: str, key: str, ok: bool = True, note: str = "") -> None:
        with self._lock:
            self.events.append(("finish", group, key, ok, note))

    def texts(self, level: Optional[str] = None) -> List[str]:
        return [t for lv, t in self.messages if level is None or lv == level]
