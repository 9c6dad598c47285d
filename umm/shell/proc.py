"""Process files of ``umm run`` (read by ``umm ps list`` / ``umm ps stop``).

Same place and format as micromamba: ``<user cache>/mamba/proc/<pid>.json`` holding
``{"name": LABEL, "command": [...], "prefix": PATH}`` (umm adds ``child_pid`` and
``started``), where ``<pid>`` is the umm process supervising the command. A file
whose process is gone is stale and is removed when listing.
"""
from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import time
from typing import Iterator, List, Mapping, Optional, Sequence

from umm.shell.errors import LabelInUse

_ADJECTIVES = (
    "amber", "brave", "calm", "clever", "cosmic", "curious", "daring", "eager", "fancy",
    "gentle", "glad", "happy", "honest", "jolly", "keen", "kind", "lively", "lucky", "mellow",
    "merry", "nimble", "noble", "patient", "polite", "proud", "quick", "quiet", "rapid",
    "serene", "sharp", "shiny", "silent", "smart", "steady", "sunny", "swift", "tender",
    "tidy", "vivid", "warm", "witty", "zesty",
)


def user_cache_dir(environ: Mapping[str, str]) -> str:
    if os.name == "nt":
        base = environ.get("LOCALAPPDATA") or os.path.join(os.path.expanduser("~"), "AppData",
                                                            "Local")
        return os.path.join(base, "mamba")
    home = environ.get("HOME") or os.path.expanduser("~")
    return os.path.join(environ.get("XDG_CACHE_HOME") or os.path.join(home, ".cache"), "mamba")


def proc_dir(environ: Mapping[str, str]) -> str:
    return os.path.join(user_cache_dir(environ), "proc")


class ProcInfo:
    """One running ``umm run`` (immutable)."""

    __slots__ = ("pid", "name", "command", "prefix", "child_pid", "started")

    def __init__(self, pid: int, name: str, command: Sequence[str], prefix: str,
                 child_pid: Optional[int] = None, started: Optional[float] = None) -> None:
        object.__setattr__(self, "pid", int(pid))
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "command", tuple(command))
        object.__setattr__(self, "prefix", prefix)
        object.__setattr__(self, "child_pid", child_pid)
        object.__setattr__(self, "started", started)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("ProcInfo is immutable")

    def __repr__(self) -> str:
        return f"ProcInfo(pid={self.pid}, name={self.name!r}, command={list(self.command)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ProcInfo) and self.to_json() == other.to_json()

    def __hash__(self) -> int:
        return hash((self.pid, self.name))

    def to_json(self) -> dict:
        doc = {"name": self.name, "command": list(self.command), "prefix": self.prefix,
               "pid": str(self.pid)}
        if self.child_pid is not None:
            doc["child_pid"] = self.child_pid
        if self.started is not None:
            doc["started"] = self.started
        return doc

    @classmethod
    def from_json(cls, pid: int, doc: dict) -> "ProcInfo":
        command = doc.get("command") or []
        if isinstance(command, str):
            command = [command]
        child = doc.get("child_pid")
        started = doc.get("started")
        return cls(pid, str(doc.get("name", "")), [str(c) for c in command],
                   str(doc.get("prefix", "")), int(child) if isinstance(child, int) else None,
                   float(started) if isinstance(started, (int, float)) else None)


def pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    if os.name == "nt":
        import ctypes

        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        code = ctypes.c_ulong()
        kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        kernel32.CloseHandle(handle)
        return code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie is not running
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().split(b") ", 1)[-1][:1] != b"Z"
    except OSError:
        return True


@contextlib.contextmanager
def locked(environ: Mapping[str, str]) -> Iterator[str]:
    """Hold the proc directory's lock (created if needed); yields the directory."""
    folder = proc_dir(environ)
    os.makedirs(folder, exist_ok=True)
    if os.name == "nt":
        yield folder
        return
    import fcntl

    fd = os.open(os.path.join(folder, ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield folder
    finally:
        os.close(fd)


def _read_all(folder: str, prune: bool) -> List[ProcInfo]:
    result = []
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return result
    for entry in names:
        stem, ext = os.path.splitext(entry)
        if ext != ".json" or not stem.isdigit():
            continue
        path = os.path.join(folder, entry)
        pid = int(stem)
        if not pid_alive(pid):
            if prune:
                with contextlib.suppress(OSError):
                    os.unlink(path)
            continue
        try:
            with open(path, encoding="utf-8") as f:
                doc = json.load(f)
        except (OSError, ValueError):
            continue
        if isinstance(doc, dict):
            result.append(ProcInfo.from_json(pid, doc))
    return result


def list_processes(environ: Mapping[str, str]) -> List[ProcInfo]:
    """Running processes, oldest pid first; stale files are removed."""
    if not os.path.isdir(proc_dir(environ)):
        return []
    with locked(environ) as folder:
        return _read_all(folder, prune=True)


def unique_name(program: str, running: Sequence[ProcInfo]) -> str:
    taken = {p.name for p in running}
    base = os.path.basename(program) or "program"
    adjectives = list(_ADJECTIVES)
    random.shuffle(adjectives)
    for adj in adjectives:
        name = f"{adj}_{base}"
        if name not in taken:
            return name
    n = 2
    while f"{base}_{n}" in taken:
        n += 1
    return f"{base}_{n}"


def register(environ: Mapping[str, str], pid: int, command: Sequence[str], prefix: str,
             label: Optional[str] = None, child_pid: Optional[int] = None) -> ProcInfo:
    """Write the process file of ``pid`` with ``label`` (or a generated unique name)."""
    with locked(environ) as folder:
        running = [p for p in _read_all(folder, prune=True) if p.pid != pid]
        if label:
            for p in running:
                if p.name == label:
                    raise LabelInUse(label, p.pid)
            name = label
        else:
            name = unique_name(command[0] if command else "program", running)
        info = ProcInfo(pid, name, command, prefix, child_pid, time.time())
        doc = info.to_json()
        doc.pop("pid")
        tmp = os.path.join(folder, f".{pid}.json.tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(doc, f)
        os.replace(tmp, os.path.join(folder, f"{pid}.json"))
        return info


def update_child(environ: Mapping[str, str], info: ProcInfo, child_pid: int) -> ProcInfo:
    new = ProcInfo(info.pid, info.name, info.command, info.prefix, child_pid, info.started)
    with locked(environ) as folder:
        doc = new.to_json()
        doc.pop("pid")
        tmp = os.path.join(folder, f".{info.pid}.json.tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(doc, f)
        os.replace(tmp, os.path.join(folder, f"{info.pid}.json"))
    return new


def unregister(environ: Mapping[str, str], pid: int) -> None:
    with contextlib.suppress(OSError):
        os.unlink(os.path.join(proc_dir(environ), f"{pid}.json"))


def find(environ: Mapping[str, str], pid_or_name: str) -> List[ProcInfo]:
    return [p for p in list_processes(environ)
            if p.name == pid_or_name or str(p.pid) == pid_or_name]


def stop(environ: Mapping[str, str], pid_or_name: str,
         sig: int = getattr(signal, "SIGTERM", 15)) -> List[ProcInfo]:
    """Send ``sig`` to the matching umm processes (which pass it to their command)."""
    matches = find(environ, pid_or_name)
    for p in matches:
        with contextlib.suppress(ProcessLookupError):
            os.kill(p.pid, sig)
    return matches
