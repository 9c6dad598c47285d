"""The CLI's reporter: messages and progress on stderr.

``make_reporter(quiet, json, verbose, stream=sys.stderr)`` returns a
:class:`umm.reporter.Reporter`:

* messages are written by level: errors and warnings always; info unless
  ``quiet`` or ``json``; debug from ``-vv`` on (``level: text``; info is
  written bare);
* progress: when stderr and stdout are terminals, a live block redrawn in
  place (a bar per running task with bytes and speed, a total per group with
  count, bytes, speed and ETA); otherwise one plain line per finished task
  (downloads; extractions too with ``-v``); nothing with ``quiet``/``json``.

Call ``close()`` at the end to erase the live block. ``confirm()`` asks a
yes/no question the way micromamba does (``[Y/n]``).
"""
from __future__ import annotations

import os
import sys
import threading
import time
from typing import IO, List, Optional

from umm.reporter import DEBUG, ERROR, INFO, WARNING, Reporter

_RANK = {DEBUG: 0, INFO: 1, WARNING: 2, ERROR: 3}
REFRESH = 0.1


def _is_tty(stream: IO[str]) -> bool:
    try:
        return bool(stream.isatty()) and os.environ.get("TERM") != "dumb"
    except (AttributeError, ValueError, OSError):
        return False


def _ascii_only(stream: IO[str]) -> bool:
    enc = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
    return enc not in ("utf8", "utf16", "utf32")


class ConsoleReporter(Reporter):
    """See the module docstring. Thread-safe."""

    def __init__(self, stream: IO[str], threshold: str = INFO, progress: bool = True,
                 live: Optional[bool] = None, verbose: int = 0) -> None:
        from umm.ui.progress import ProgressModel

        self.stream = stream
        self.threshold = _RANK.get(threshold, 1)
        self.progress = progress
        self.live = _is_tty(stream) if live is None else live
        self.verbose = verbose
        self.model = ProgressModel()
        self._lock = threading.RLock()
        self._drawn = 0
        self._last_draw = 0.0
        self._phase = 0
        self._closed = False
        self._refresher: Optional[threading.Thread] = None
        self._ascii = _ascii_only(stream)

    # -- messages ------------------------------------------------------------
    def message(self, level: str, text: str) -> None:
        if _RANK.get(level, 1) < self.threshold:
            return
        line = text if level == INFO else f"{level}: {text}"
        with self._lock:
            self._clear()
            self._write(line + "\n")
            self._draw(force=True)

    # -- progress ------------------------------------------------------------
    def start(self, group: str, key: str, label: str, total: Optional[int] = None) -> None:
        if not self.progress:
            return
        self.model.start(group, key, label, total)
        if self.live:
            self._ensure_refresher()
            with self._lock:
                self._draw(force=False)

    def advance(self, group: str, key: str, amount: int) -> None:
        if not self.progress:
            return
        self.model.advance(group, key, amount)
        if self.live:
            with self._lock:
                self._draw(force=False)

    def finish(self, group: str, key: str, ok: bool = True, note: str = "") -> None:
        if not self.progress:
            return
        task = self.model.finish(group, key, ok, note)
        if task is None:
            return
        from umm.ui.progress import render_done

        with self._lock:
            if self.live:
                self._draw(force=True)
            elif group in ("download", "repodata") or not ok or self.verbose >= 1:
                self._write(render_done(task, self.model.clock()) + "\n")

    def close(self) -> None:
        """Replace the live block by one summary line per group (plain mode printed
        a line per task already)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._clear()
            if self.live and self.progress:
                from umm.ui.progress import render_totals

                for group in self.model.groups():
                    self._write(render_totals(self.model.totals(group), self._width()) + "\n")
        t = self._refresher
        if t is not None:
            t.join(timeout=1)

    # -- drawing ---------------------------------------------------------------
    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):
            pass

    def _width(self) -> int:
        import shutil

        return max(40, shutil.get_terminal_size((100, 24)).columns - 1)

    def _clear(self) -> None:
        if self._drawn:
            self._write("\x1b[F\x1b[2K" * self._drawn)
            self._drawn = 0

    def _draw(self, force: bool) -> None:
        if not self.live or self._closed or not self.progress:
            return
        now = time.monotonic()
        if not force and now - self._last_draw < REFRESH:
            return
        from umm.ui.progress import render_lines

        self._last_draw = now
        self._phase += 1
        lines: List[str] = render_lines(self.model, self._width(), ascii_only=self._ascii,
                                        phase=self._phase) if self.model.active() else []
        out = "\x1b[F" * self._drawn if self._drawn else ""
        out += "".join(line + "\x1b[K\n" for line in lines)
        extra = self._drawn - len(lines)
        if extra > 0:  # erase lines left from a taller block, then come back up
            out += "\x1b[2K\n" * extra + "\x1b[F" * extra
        self._write(out)
        self._drawn = len(lines)

    def _ensure_refresher(self) -> None:
        if self._refresher is not None:
            return
        with self._lock:
            if self._refresher is not None:
                return
            t = threading.Thread(target=self._refresh_loop, name="umm-progress", daemon=True)
            self._refresher = t
            t.start()

    def _refresh_loop(self) -> None:
        while not self._closed:
            time.sleep(REFRESH * 2)
            with self._lock:
                if self.model.active():
                    self._draw(force=True)


def make_reporter(quiet: bool = False, json: bool = False, verbose: int = 0,
                  stream: Optional[IO[str]] = None, live: Optional[bool] = None) -> ConsoleReporter:
    """The reporter the CLI hands to library code (see the module docstring)."""
    out = stream if stream is not None else sys.stderr
    verbose = int(verbose or 0)
    if json or quiet:
        threshold = WARNING
    elif verbose >= 2:
        threshold = DEBUG
    else:
        threshold = INFO
    if live is None:  # live bars only when both stderr and stdout are terminals
        live = _is_tty(out) and _is_tty(sys.stdout)
    return ConsoleReporter(out, threshold=threshold, progress=not (json or quiet), live=live,
                           verbose=verbose)


def confirm(question: str, default: bool = True, *, always_yes: bool = False,
            stdin: Optional[IO[str]] = None, stdout: Optional[IO[str]] = None) -> bool:
    """Ask ``question [Y/n]`` (or ``[y/N]``); empty answer or end of input: ``default``."""
    if always_yes:
        return True
    sin = stdin if stdin is not None else sys.stdin
    sout = stdout if stdout is not None else sys.stdout
    hint = "[Y/n]" if default else "[y/N]"
    while True:
        sout.write(f"{question} {hint}: ")
        sout.flush()
        try:
            answer = sin.readline()
        except (OSError, ValueError):
            answer = ""
        if not answer:  # end of input
            sout.write("\n")
            return default
        if not _is_tty(sin):  # the answer was not echoed: end the prompt's line
            sout.write(answer if answer.endswith("\n") else answer + "\n")
        answer = answer.strip().lower()
        if not answer:
            return default
        if answer in ("y", "yes"):
            return True
        if answer in ("n", "no"):
            return False
