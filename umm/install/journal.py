"""Undo log of a transaction: every change to the prefix can be rolled back,
even after the process was killed.

Files that are replaced or removed are moved (renamed: same filesystem, atomic)
into ``<prefix>/.umm-rollback/<id>/``; created files and directories are
recorded. Every change is recorded *before* it is made, in memory and, once
:meth:`Journal.persist` was called (with the prefix locked), as one line of
``<prefix>/.umm-rollback/<id>/journal``. Undoing a change that did not happen is
harmless (a file to delete is not there, a backup to move back does not exist),
so a record written just before the process died is safe.

:meth:`Journal.rollback` undoes everything in reverse order, cutting each undone
line off the journal file, so a rollback that is itself killed can be finished
later. :meth:`Journal.commit` deletes the journal file first (the commit point),
then the backups. :func:`recover` finishes what killed processes left: it rolls
back every journal found in a prefix (call it with the prefix locked).
"""
from __future__ import annotations

import json
import os
import shutil
import threading
from pathlib import Path
from typing import List, Optional, Set, Tuple

ROLLBACK_DIR = ".umm-rollback"
JOURNAL = "journal"
_O_LOG = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_CLOEXEC", 0)

# (operation, absolute path, absolute backup path or "", offset of its line or -1)
_Op = Tuple[str, str, str, int]


class Journal:
    __slots__ = ("prefix", "backup_dir", "_ops", "_n", "_fd", "_size", "new_prefix", "_pre",
                 "_fresh", "_lock")

    def __init__(self, prefix: Path) -> None:
        self.prefix = Path(prefix)
        self.backup_dir = self.prefix / ROLLBACK_DIR / f"{os.getpid()}-{id(self):x}"
        self._ops: List[_Op] = []
        self._n = 0
        self._fd: Optional[int] = None
        self._size = 0
        self.new_prefix = False
        self._pre = str(self.prefix) + os.sep
        self._fresh: Set[str] = set()  # directories this transaction made
        self._lock = threading.Lock()

    # -- recording -------------------------------------------------------------
    def _rel(self, path: str) -> str:
        if path.startswith(self._pre):
            return path[len(self._pre):]
        return os.path.relpath(path, self.prefix)

    def _record(self, op: str, path: "os.PathLike[str] | str", extra: str = "",
                disk: bool = True) -> None:
        p = os.fspath(path)
        with self._lock:
            offset = -1
            if self._fd is not None and disk:
                offset = self._size
                line = _line(op, self._rel(p), self._rel(extra) if extra else "")
                os.write(self._fd, line)
                self._size += len(line)
            self._ops.append((op, p, extra, offset))

    def persist(self) -> None:
        """Log every further change to the journal file (the prefix must be locked).

        Changes made before (the prefix and ``conda-meta`` created to hold the
        lock) stay in memory only: a later process recovering this journal holds
        its lock in that very ``conda-meta``. A prefix this transaction created is
        noted, so ``umm doctor --fix`` can remove what remains of it.
        """
        if self._fd is not None:
            return
        self.backup_dir.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(self.backup_dir / JOURNAL, _O_LOG, 0o644)
        self._size = os.fstat(self._fd).st_size
        prefix = str(self.prefix)
        if any(op == "mkdir" and path == prefix for op, path, _, _ in self._ops):
            self.new_prefix = True
            line = _line("newprefix", ".", "")
            os.write(self._fd, line)
            self._size += len(line)
        self._fresh.clear()  # (the prefix and conda-meta are not undone from the disk)

    def _backup_path(self) -> Path:
        if self._n == 0:
            self.backup_dir.mkdir(parents=True, exist_ok=True)
        self._n += 1
        return self.backup_dir / str(self._n)

    def makedirs(self, directory: Path) -> None:
        """Create ``directory`` and missing parents, recording each one created."""
        missing: List[Path] = []
        d = Path(directory)
        while not os.path.lexists(d):
            missing.append(d)
            d = d.parent
        for m in reversed(missing):
            self._record("mkdir", m)
            self._fresh.add(str(m))
            try:
                os.mkdir(m)
            except FileExistsError:  # another linking thread of ours made it first
                if not os.path.isdir(m):
                    raise

    def created(self, path: "os.PathLike[str] | str") -> None:
        """``path`` is about to be created (or just was) by this transaction.

        Inside a directory this transaction made, the journal file needs no line:
        undoing that directory's creation removes everything in it."""
        p = os.fspath(path)
        self._record("created", p, disk=os.path.dirname(p) not in self._fresh)

    def move_away(self, path: "os.PathLike[str] | str") -> None:
        """Move an existing file, symlink or directory out of the way (restorable)."""
        with self._lock:
            dst = self._backup_path()
        self._record("moved", path, str(dst))
        os.rename(path, dst)

    def removing_dir(self, path: "os.PathLike[str] | str") -> None:
        """An empty directory is about to be removed (rollback recreates it)."""
        self._record("rmdir", path)

    # kept for callers recording after the fact
    removed_dir = removing_dir

    # -- ending ------------------------------------------------------------------
    def rollback(self) -> List[str]:
        """Undo every recorded change; returns the problems met (best effort)."""
        problems = _undo(self._ops, self._fd)
        self._ops.clear()
        self._close()
        self._cleanup()
        return problems

    def commit(self) -> None:
        self._ops.clear()
        self._close()
        try:
            os.unlink(self.backup_dir / JOURNAL)  # the commit point
        except FileNotFoundError:
            pass
        self._cleanup()

    def _close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def _cleanup(self) -> None:
        if self.backup_dir.exists():
            shutil.rmtree(self.backup_dir, ignore_errors=True)
        try:
            self.backup_dir.parent.rmdir()
        except OSError:
            pass


def _remove(path: str) -> None:
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    else:
        os.unlink(path)


def _line(op: str, rel: str, extra: str) -> bytes:
    return (json.dumps([op, rel, extra]) + "\n").encode("utf-8", "surrogateescape")


def _undo_one(path: str, op: str, extra: str) -> None:
    if op == "created":
        if os.path.lexists(path):
            _remove(path)
    elif op == "mkdir":
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)  # made by this transaction: all inside is ours too
    elif op == "moved":
        backup = extra
        if os.path.lexists(backup):  # else the move never happened, or was undone
            os.makedirs(os.path.dirname(path), exist_ok=True)
            if os.path.lexists(path):
                _remove(path)
            os.rename(backup, path)
    elif op == "rmdir":
        os.makedirs(path, exist_ok=True)


def _undo(ops: List[_Op], fd: Optional[int]) -> List[str]:
    problems: List[str] = []
    for op, path, extra, offset in reversed(ops):
        try:
            _undo_one(path, op, extra)
        except OSError as exc:
            problems.append(f"{op} {path}: {exc}")
        if fd is not None and offset >= 0:
            try:
                os.ftruncate(fd, offset)  # done: a later recovery will not redo it
            except OSError:
                pass
    return problems


# -- recovery -----------------------------------------------------------------------
class Interrupted:
    """A transaction a killed process left in a prefix (immutable)."""

    __slots__ = ("directory", "pid", "changes", "new_prefix")

    def __init__(self, directory: Path, pid: Optional[int], changes: int,
                 new_prefix: bool) -> None:
        object.__setattr__(self, "directory", directory)
        object.__setattr__(self, "pid", pid)
        object.__setattr__(self, "changes", changes)
        object.__setattr__(self, "new_prefix", new_prefix)

    def __setattr__(self, key: str, value: object) -> None:
        raise AttributeError("Interrupted is immutable")

    def __repr__(self) -> str:
        return f"Interrupted({self.directory.name}, {self.changes} changes)"


def _read(journal: Path) -> List[_Op]:
    ops: List[_Op] = []
    try:
        data = journal.read_bytes()
    except OSError:
        return ops
    offset = 0
    for raw in data.split(b"\n"):
        start, offset = offset, offset + len(raw) + 1
        if not raw.strip():
            continue
        try:
            item = json.loads(raw.decode("utf-8", "surrogateescape"))
            op, rel, extra = str(item[0]), str(item[1]), str(item[2])
        except (ValueError, IndexError, TypeError):
            continue  # a line cut short by the kill: its change never started
        if os.path.isabs(rel) or ".." in rel.split(os.sep) or rel in ("", ".") or \
                (extra and (os.path.isabs(extra) or ".." in extra.split(os.sep))):
            continue  # never touch anything outside the prefix
        ops.append((op, rel, extra, start))
    return ops


def _absolute(prefix: Path, ops: List[_Op]) -> List[_Op]:
    """Journal lines hold prefix-relative paths; undoing needs absolute ones."""
    base = str(prefix)
    return [(op, os.path.normpath(os.path.join(base, rel)),
             os.path.normpath(os.path.join(base, extra)) if extra else "", offset)
            for op, rel, extra, offset in ops]


def pending(prefix: "os.PathLike[str] | str") -> List[Interrupted]:
    """Transactions killed before they committed or finished rolling back."""
    root = Path(prefix) / ROLLBACK_DIR
    out: List[Interrupted] = []
    try:
        entries = sorted(os.listdir(root))
    except OSError:
        return out
    for name in entries:
        d = root / name
        journal = d / JOURNAL
        if not journal.is_file():
            continue
        ops = _read(journal)
        pid_text = name.split("-", 1)[0]
        out.append(Interrupted(d, int(pid_text) if pid_text.isdigit() else None,
                               sum(1 for op in ops if op[0] != "newprefix"),
                               any(op[0] == "newprefix" for op in ops)))
    return out


def recover(prefix: "os.PathLike[str] | str", keep: Optional[Path] = None) -> List[Interrupted]:
    """Roll back every interrupted transaction of ``prefix`` (which must be locked).

    Backup directories without a journal (their transaction committed or rolled
    back, and the process died while deleting them) are removed. ``keep`` is the
    backup directory of the caller's own journal. Returns what was rolled back.
    """
    p = Path(prefix)
    root = p / ROLLBACK_DIR
    done: List[Interrupted] = []
    try:
        entries = sorted(os.listdir(root))
    except OSError:
        return done
    found = {i.directory.name: i for i in pending(p)}
    for name in entries:
        d = root / name
        if keep is not None and d == keep:
            continue
        journal = d / JOURNAL
        if journal.is_file():
            ops = _absolute(p, [op for op in _read(journal) if op[0] != "newprefix"])
            fd = os.open(journal, os.O_WRONLY | getattr(os, "O_CLOEXEC", 0))
            try:
                _undo(ops, fd)
            finally:
                os.close(fd)
            if name in found:
                done.append(found[name])
        shutil.rmtree(d, ignore_errors=True)
    try:
        root.rmdir()
    except OSError:
        pass
    return done


REPLACED = ".umm-replaced-"  # <prefix>.umm-replaced-<pid>: an env ``create`` is replacing


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # someone else's process
    return True


def _is_skeleton(prefix: Path) -> bool:
    """Nothing at ``prefix``, or an env without a record or any file outside conda-meta."""
    if not os.path.lexists(prefix):
        return True
    try:
        top = os.listdir(prefix)
        meta = os.listdir(prefix / "conda-meta") if "conda-meta" in top else []
    except OSError:
        return False
    return all(n in ("conda-meta", ROLLBACK_DIR) for n in top) and \
        not any(n.endswith(".json") for n in meta)


def recover_replaced(prefix: "os.PathLike[str] | str") -> List[str]:
    """What killed ``umm create`` runs left next to ``prefix``: the env they had moved
    away to replace it. Put back when the new env never came to be (nothing, or an
    empty skeleton, at ``prefix``: call :func:`recover` first), else deleted (the new env
    is complete). Returns what was done, for the user."""
    p = Path(os.path.abspath(prefix))
    head = p.name + REPLACED
    try:
        names = sorted(n for n in os.listdir(p.parent) if n.startswith(head))
    except OSError:
        return []
    done: List[str] = []
    for name in names:
        pid_text = name[len(head):]
        if not pid_text.isdigit() or _alive(int(pid_text)):
            continue
        backup = p.parent / name
        if _is_skeleton(p):
            if os.path.lexists(p):
                shutil.rmtree(p)
            os.rename(backup, p)
            done.append(f"restored {p}, which an interrupted `create` had moved away")
        else:
            shutil.rmtree(backup, ignore_errors=True)
            done.append(f"removed {backup}, left by an interrupted `create`")
    return done


def clean_stale(prefix: Path) -> None:
    """Roll back what killed processes left (kept for older callers)."""
    recover(prefix)
