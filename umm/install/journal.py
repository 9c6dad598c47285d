"""Undo log of a transaction: every change to the prefix can be rolled back.

Files that are replaced or removed are first moved (renamed, so same filesystem
and atomic) into ``<prefix>/.umm-rollback/<id>/``; created files and directories
are recorded. :meth:`Journal.rollback` undoes everything in reverse order;
:meth:`Journal.commit` drops the backups.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import List, Tuple

ROLLBACK_DIR = ".umm-rollback"


class Journal:
    __slots__ = ("prefix", "backup_dir", "_ops", "_n")

    def __init__(self, prefix: Path) -> None:
        self.prefix = prefix
        self.backup_dir = prefix / ROLLBACK_DIR / f"{os.getpid()}-{id(self):x}"
        self._ops: List[Tuple[str, str, str]] = []
        self._n = 0

    def _backup_path(self) -> Path:
        if self._n == 0:
            self.backup_dir.mkdir(parents=True, exist_ok=True)
        self._n += 1
        return self.backup_dir / str(self._n)

    def makedirs(self, directory: Path) -> None:
        """Create ``directory`` and missing parents, recording each one created."""
        missing: List[Path] = []
        d = directory
        while not os.path.lexists(d):
            missing.append(d)
            d = d.parent
        for m in reversed(missing):
            try:
                os.mkdir(m)
            except FileExistsError:  # another linking thread made it first
                if not os.path.isdir(m):
                    raise
                continue
            self._ops.append(("mkdir", str(m), ""))

    def created(self, path: Path) -> None:
        self._ops.append(("created", str(path), ""))

    def move_away(self, path: Path) -> None:
        """Move an existing file, symlink or directory out of the way (restorable)."""
        dst = self._backup_path()
        os.rename(path, dst)
        self._ops.append(("moved", str(path), str(dst)))

    def removed_dir(self, path: Path) -> None:
        """An empty directory was removed (rollback recreates it)."""
        self._ops.append(("rmdir", str(path), ""))

    def rollback(self) -> List[str]:
        """Undo every recorded change; returns the problems met (best effort)."""
        problems: List[str] = []
        for op, path, extra in reversed(self._ops):
            try:
                if op == "created":
                    if os.path.lexists(path):
                        if os.path.isdir(path) and not os.path.islink(path):
                            shutil.rmtree(path)
                        else:
                            os.unlink(path)
                elif op == "mkdir":
                    if os.path.isdir(path) and not os.path.islink(path):
                        try:
                            os.rmdir(path)
                        except OSError:
                            shutil.rmtree(path)
                elif op == "moved":
                    os.makedirs(os.path.dirname(path), exist_ok=True)
                    if os.path.lexists(path):
                        if os.path.isdir(path) and not os.path.islink(path):
                            shutil.rmtree(path)
                        else:
                            os.unlink(path)
                    os.rename(extra, path)
                elif op == "rmdir":
                    os.makedirs(path, exist_ok=True)
            except OSError as exc:
                problems.append(f"{op} {path}: {exc}")
        self._ops.clear()
        self._cleanup()
        return problems

    def commit(self) -> None:
        self._ops.clear()
        self._cleanup()

    def _cleanup(self) -> None:
        if self.backup_dir.exists():
            shutil.rmtree(self.backup_dir, ignore_errors=True)
        parent = self.backup_dir.parent
        try:
            parent.rmdir()
        except OSError:
            pass


def clean_stale(prefix: Path) -> None:
    """Remove backups left by a process that died before finishing (SIGKILL)."""
    d = prefix / ROLLBACK_DIR
    if d.is_dir():
        shutil.rmtree(d, ignore_errors=True)
