"""FileLock: exclusion across processes and threads, waiting message, timeout."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from umm.package.errors import LockTimeout
from umm.package.lock import FileLock, lock_path_for, remove_if_unlocked
from umm.reporter import RecordingReporter

REPO = Path(__file__).resolve().parents[2]

HOLDER = """
import sys, time
sys.path.insert(0, {repo!r})
from umm.package.lock import FileLock
with FileLock({path!r}):
    print("locked", flush=True)
    time.sleep({hold})
"""


def _hold_in_subprocess(path: Path, hold: float) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLDER.format(repo=str(REPO), path=str(path),
                                                                 hold=hold)],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_lock_path_naming(tmp_path: Path) -> None:
    (tmp_path / "pkgs").mkdir()
    assert lock_path_for(tmp_path / "pkgs") == str(tmp_path / "pkgs" / "pkgs.lock")
    assert lock_path_for(tmp_path / "a.conda") == str(tmp_path / "a.conda.lock")


def test_waits_for_another_process_with_a_message(tmp_path: Path) -> None:
    path = tmp_path / "x.lock"
    proc = _hold_in_subprocess(path, 1.0)
    rep = RecordingReporter()
    start = time.monotonic()
    with FileLock(path, reporter=rep, what="the cache") as lock:
        assert lock.locked
        assert path.read_text() == str(os.getpid())
    waited = time.monotonic() - start
    proc.wait()
    assert waited > 0.3
    infos = rep.texts("info")
    assert len(infos) == 1 and "waiting for the lock on the cache" in infos[0]
    assert f"pid {proc.pid}" in infos[0]


def test_timeout(tmp_path: Path) -> None:
    path = tmp_path / "x.lock"
    proc = _hold_in_subprocess(path, 5.0)
    try:
        with pytest.raises(LockTimeout) as err:
            FileLock(path, timeout=0.3).acquire()
        assert err.value.timeout == 0.3 and str(proc.pid) in str(err.value)
    finally:
        proc.kill()
        proc.wait()
    with FileLock(path, timeout=0.3):
        pass


def test_threads_of_one_process_are_excluded(tmp_path: Path) -> None:
    path = tmp_path / "t.lock"
    inside = []
    overlap = []

    def work() -> None:
        for _ in range(20):
            with FileLock(path):
                inside.append(1)
                if len(inside) > 1:
                    overlap.append(1)
                time.sleep(0.001)
                inside.pop()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert overlap == []


def test_remove_if_unlocked(tmp_path: Path) -> None:
    path = tmp_path / "r.lock"
    with FileLock(path):
        assert remove_if_unlocked(path) is False
        assert path.exists()
    assert remove_if_unlocked(path) is True
    assert not path.exists()
    assert remove_if_unlocked(path) is False


def test_lock_survives_its_file_being_removed(tmp_path: Path) -> None:
    path = tmp_path / "gone.lock"
    first = FileLock(path).acquire()
    os.unlink(path)  # e.g. a careless cleaner
    second = FileLock(path, timeout=1).acquire()  # a new file: a new lock
    assert second.locked
    second.release()
    first.release()


def test_cancel_stops_the_wait(tmp_path: Path) -> None:
    from umm.errors import Cancelled

    path = tmp_path / "c.lock"
    event = threading.Event()
    with FileLock(path):
        threading.Timer(0.2, event.set).start()
        with pytest.raises(Cancelled):
            FileLock(path, cancel=event).acquire()
