"""Progress state and its text rendering (no terminal I/O here).

:class:`ProgressModel` keeps the tasks a :class:`umm.reporter.Reporter`
announces (``start``/``advance``/``finish``), thread-safely; the ``render_*``
functions turn a snapshot into lines: one per running task (label, bar,
bytes, speed) and a total per group (done/count, bytes, speed, ETA).
``umm.ui.console`` draws them on a terminal or prints plain lines.
"""
from __future__ import annotations

import threading
import time
from typing import Callable, Dict, List, Optional, Tuple

_UNITS = ("B", "kB", "MB", "GB", "TB")
GROUP_TITLES = {"download": "Downloading", "extract": "Extracting", "repodata": "Fetching index",
                "link": "Linking", "solve": "Solving"}


def format_size(n: float) -> str:
    """Human size with decimal units, as micromamba shows them (``12.3 MB``)."""
    value = float(n)
    for unit in _UNITS:
        if abs(value) < 1000 or unit == _UNITS[-1]:
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} TB"  # pragma: no cover


def format_speed(bytes_per_second: Optional[float]) -> str:
    if not bytes_per_second or bytes_per_second <= 0:
        return "-- B/s"
    return format_size(bytes_per_second) + "/s"


def format_duration(seconds: Optional[float]) -> str:
    if seconds is None or seconds != seconds or seconds < 0:
        return "--"
    s = int(round(seconds))
    if s < 60:
        return f"{s}s"
    m, s = divmod(s, 60)
    if m < 60:
        return f"{m}m{s:02d}s"
    h, m = divmod(m, 60)
    return f"{h}h{m:02d}m"


def render_bar(fraction: Optional[float], width: int, ascii_only: bool = False,
               phase: int = 0) -> str:
    """A bar ``width`` cells wide; an unknown fraction gives a moving block."""
    width = max(3, width)
    full, empty = ("#", "-") if ascii_only else ("\u2501", "\u2500")
    if fraction is None:
        pos = phase % width
        cells = [empty] * width
        for i in range(pos, min(width, pos + 3)):
            cells[i] = full
        return "".join(cells)
    fraction = min(1.0, max(0.0, fraction))
    n = int(round(fraction * width))
    return full * n + empty * (width - n)


class Task:
    """One unit of work a reporter announced."""

    __slots__ = ("group", "key", "label", "total", "done", "started", "ended", "ok", "note")

    def __init__(self, group: str, key: str, label: str, total: Optional[int], now: float) -> None:
        self.group = group
        self.key = key
        self.label = label
        self.total = total
        self.done = 0
        self.started = now
        self.ended: Optional[float] = None
        self.ok: Optional[bool] = None
        self.note = ""

    def elapsed(self, now: float) -> float:
        return max(1e-6, (self.ended if self.ended is not None else now) - self.started)

    def speed(self, now: float) -> float:
        return self.done / self.elapsed(now)

    def fraction(self) -> Optional[float]:
        if self.total:
            return min(1.0, self.done / self.total)
        return None


class GroupTotals:
    """Aggregate of a group's tasks at one instant."""

    __slots__ = ("group", "count", "finished", "failed", "done", "total", "speed", "eta", "elapsed")

    def __init__(self, group: str, count: int, finished: int, failed: int, done: int,
                 total: Optional[int], speed: float, eta: Optional[float], elapsed: float) -> None:
        self.group = group
        self.count = count
        self.finished = finished
        self.failed = failed
        self.done = done
        self.total = total
        self.speed = speed
        self.eta = eta
        self.elapsed = elapsed


class ProgressModel:
    """Thread-safe store of tasks, grouped; ``clock`` is injectable for tests."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._tasks: Dict[Tuple[str, str], Task] = {}
        self._order: List[Tuple[str, str]] = []
        self._group_start: Dict[str, float] = {}

    def start(self, group: str, key: str, label: str, total: Optional[int]) -> Task:
        now = self.clock()
        with self._lock:
            task = Task(group, key, label, total, now)
            ident = (group, key)
            if ident not in self._tasks:
                self._order.append(ident)
            self._tasks[ident] = task
            self._group_start.setdefault(group, now)
            return task

    def advance(self, group: str, key: str, amount: int) -> Optional[Task]:
        with self._lock:
            task = self._tasks.get((group, key))
            if task is not None:
                task.done += amount
            return task

    def finish(self, group: str, key: str, ok: bool, note: str) -> Optional[Task]:
        now = self.clock()
        with self._lock:
            task = self._tasks.get((group, key))
            if task is not None:
                task.ended = now
                task.ok = ok
                task.note = note
                if ok and task.total and task.done < task.total:
                    task.done = task.total
            return task

    def active(self) -> List[Task]:
        with self._lock:
            return [self._tasks[i] for i in self._order if self._tasks[i].ended is None]

    def groups(self) -> List[str]:
        with self._lock:
            seen: List[str] = []
            for g, _ in self._order:
                if g not in seen:
                    seen.append(g)
            return seen

    def totals(self, group: str) -> GroupTotals:
        now = self.clock()
        with self._lock:
            tasks = [self._tasks[i] for i in self._order if i[0] == group]
            start = self._group_start.get(group, now)
        done = sum(t.done for t in tasks)
        known = [t.total for t in tasks if t.total]
        total = sum(known) if tasks and len(known) == len(tasks) else None
        elapsed = max(1e-6, now - start)
        speed = done / elapsed
        eta = (total - done) / speed if total is not None and speed > 0 else None
        finished = sum(1 for t in tasks if t.ended is not None)
        failed = sum(1 for t in tasks if t.ok is False)
        return GroupTotals(group, len(tasks), finished, failed, done, total, speed, eta, elapsed)


def render_task(task: Task, width: int, now: float, ascii_only: bool = False,
                phase: int = 0) -> str:
    """``label  [bar]  1.2 MB / 3.4 MB  2.0 MB/s`` fitted to ``width``."""
    if task.total:
        amount = f"{format_size(task.done)} / {format_size(task.total)}"
    else:
        amount = format_size(task.done) if task.done else ""
    speed = format_speed(task.speed(now)) if task.done else ""
    right = "  ".join(x for x in (amount, speed) if x)
    label_w = max(10, min(40, width // 3))
    label = task.label if len(task.label) <= label_w else task.label[: label_w - 1] + "~"
    bar_w = width - label_w - len(right) - 4
    if bar_w < 5:
        return f"{label:<{label_w}} {right}"[:width]
    bar = render_bar(task.fraction(), bar_w, ascii_only, phase)
    return f"{label:<{label_w}} {bar}  {right}"[:width]


def render_totals(t: GroupTotals, width: int) -> str:
    title = GROUP_TITLES.get(t.group, t.group.capitalize())
    parts = [f"{title} {t.finished}/{t.count}"]
    if t.total is not None:
        parts.append(f"{format_size(t.done)} / {format_size(t.total)}")
    elif t.done:
        parts.append(format_size(t.done))
    if t.done:
        parts.append(format_speed(t.speed))
    if t.finished < t.count and t.eta is not None:
        parts.append(f"ETA {format_duration(t.eta)}")
    if t.failed:
        parts.append(f"{t.failed} failed")
    return "  ".join(parts)[:width]


def render_lines(model: ProgressModel, width: int, max_tasks: int = 6,
                 ascii_only: bool = False, phase: int = 0) -> List[str]:
    """The live block: running tasks (at most ``max_tasks``) then one total per group."""
    now = model.clock()
    lines = [render_task(t, width, now, ascii_only, phase) for t in model.active()[:max_tasks]]
    for group in model.groups():
        lines.append(render_totals(model.totals(group), width))
    return lines


def render_done(task: Task, now: float) -> str:
    """The plain line printed when a task ends (non-TTY output)."""
    title = GROUP_TITLES.get(task.group, task.group.capitalize())
    verb = {"download": "Downloaded", "extract": "Extracted", "repodata": "Fetched",
            "link": "Linked"}.get(task.group, title)
    if task.ok is False:
        return f"Failed: {title.lower()} {task.label}" + (f" ({task.note})" if task.note else "")
    extra = []
    if task.done:
        extra.append(format_size(task.done))
        if task.group in ("download", "repodata"):
            extra.append(format_speed(task.speed(now)))
    extra.append(format_duration(task.elapsed(now)) if task.elapsed(now) >= 1 else
                 f"{task.elapsed(now):.2f}s")
    note = f" [{task.note}]" if task.note else ""
    return f"{verb} {task.label} ({', '.join(extra)}){note}"
