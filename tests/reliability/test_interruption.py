"""SIGINT and SIGKILL at random points of download, extract and link.

Each trial starts ``umm install`` or ``umm remove`` on an env, or ``umm create`` of
a new one (always for the download and extract phases, whose packages are dropped
from the cache first), waits until the run is in the wanted phase (a ``.partial`` download, an extraction scratch dir,
the first linked file or moved record), sleeps a random few milliseconds and
sends the signal. Then:

* SIGINT: the process rolls back by itself;
* SIGKILL: nothing runs in the dying process; the next umm process that takes the
  env's lock rolls the interrupted transaction back (done here with
  ``umm doctor --fix`` every third trial and the library call otherwise);

and the env must be file by file either exactly as before or complete, the package
cache must hold nothing bad under a final name, and re-running the same command
must succeed and leave the env complete (all files of conda-meta with their
sha256, no file that no record owns).
"""
from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import time
import zlib
from pathlib import Path
from typing import Callable, List

import pytest

from tests.conftest import umm_command
from tests.reliability.checks import (cache_problems, env_problems, env_state, installed,
                                      is_no_env, untracked)
from tests.reliability.conftest import Channel, Umm
from tests.support.server import ChannelServer

TRIALS_PER_CASE = 9   # x 2 signals x 3 phases = 54 trials
BASE = {"alpha-1.0-0", "beta-1.0-0"}
FULL = BASE | {"app-1.0-0", "many-2.0-0", "reloc-1.0-0", "blob-1.0-0"}
NEW = {"alpha-2.0-0", "beta-1.0-0", "app-1.0-0", "many-2.0-0", "reloc-1.0-0", "blob-1.0-0"}
INSTALL = ("install", "-n", "t", "app", "blob")
REMOVE = ("remove", "-n", "t", "app", "blob")


def _wait_for(cond: Callable[[], bool], proc: subprocess.Popen, limit: float = 60) -> bool:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if cond():
            return True
        if proc.poll() is not None:
            return False
        time.sleep(0.002)
    return False


def _drop_cached(pkgs: Path, names: List[str]) -> None:
    for entry in list(pkgs.iterdir()):
        if any(entry.name.startswith(n + "-") for n in names) and not entry.name.endswith(".lock"):
            if entry.is_dir():
                shutil.rmtree(entry)
            else:
                entry.unlink()


def _trash_has_extract(pkgs: Path) -> bool:
    trash = pkgs / ".umm_trash"
    try:
        return any(".extract-" in n for n in os.listdir(trash))
    except FileNotFoundError:
        return False


def _recover(umm: Umm, prefix: Path, via_cli: bool) -> None:
    """What the next umm process does first (a killed process could not)."""
    if via_cli:
        proc = umm.env.run("doctor", "-p", str(prefix), "--fix")
        assert "Traceback" not in proc.stderr
        assert proc.returncode in (0, 1) or not prefix.exists(), proc.stderr
    else:
        from umm.install.journal import recover, recover_replaced

        if (prefix / "conda-meta").is_dir():
            recover(prefix)
        recover_replaced(prefix)


class Trials:
    def __init__(self, umm: Umm, srv: ChannelServer, built: Channel, sig: int, phase: str,
                 seed: int) -> None:
        self.umm, self.srv, self.built, self.sig, self.phase = umm, srv, built, sig, phase
        self.rnd = random.Random(seed)
        self.prefix = umm.prefix("t")
        self.outcomes: List[str] = []
        self.faults = 0

    def start(self) -> None:
        self.umm.run("create", "-n", "t", "alpha=1.0", "beta", check=True)
        assert installed(self.prefix) == BASE
        if self.phase == "link":
            self.umm.run("create", "-n", "r", "alpha=1.0", "beta", check=True)

    def one(self, n: int) -> None:
        umm, rnd = self.umm, self.rnd
        if self.phase in ("download", "extract"):
            # a new env each time, with its packages dropped from the cache
            prefix = umm.prefix(f"c{n}")
            op: tuple = ("create", "-n", f"c{n}", "app", "blob")
            goal = NEW
            _drop_cached(umm.pkgs, ["blob", "many"])
        elif n % 3 == 2:
            # create over an existing env (moved away, replaced), or of a new one
            name = f"c{n}" if n == 2 else "r"
            prefix = umm.prefix(name)
            if installed(prefix) == NEW:
                op, goal = ("create", "-n", name, "alpha=1.0", "beta"), BASE
            else:
                op, goal = ("create", "-n", name, "app", "blob"), NEW
        else:
            prefix = self.prefix
            op = INSTALL if installed(prefix) == BASE else REMOVE
            goal = FULL if op is INSTALL else BASE
        before = env_state(prefix)
        before_set = installed(prefix)
        self.srv.clear_faults()
        if self.phase == "download":
            self.srv.fault("/noarch/blob-1.0-0.tar.bz2", "stall",
                           seconds=rnd.uniform(0.1, 0.5), fraction=rnd.uniform(0.05, 0.9))
        proc = subprocess.Popen(umm_command() + umm.args(*op), env=umm.env.environ,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                start_new_session=True)
        try:
            reached = _wait_for(self._signal_for(op, prefix), proc)
            if reached:
                time.sleep(rnd.uniform(0, 0.15 if self.phase == "link" else 0.08))
            if self.sig == signal.SIGKILL:
                # the whole process group: a onefile binary is a launcher plus the
                # real process, and kill -9 of the launcher alone leaves the latter
                os.killpg(proc.pid, signal.SIGKILL)
            else:
                proc.send_signal(self.sig)  # a onefile launcher forwards it
            _, err = proc.communicate(timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        rc = proc.returncode
        self.faults += sum(f.hits for f in self.srv.faults)
        assert "Traceback" not in err, err
        if self.sig == signal.SIGINT:
            # 130: interrupted and rolled back; 0 or killed by SIGINT (-2): the signal
            # came once the work was done (the env checks below tell the difference)
            assert rc in (0, 130, -signal.SIGINT), (rc, err)
            if rc == 130:
                assert "interrupted" in err, err
        self.srv.clear_faults()
        if self.sig == signal.SIGKILL:
            _recover(umm, prefix, via_cli=(n % 3 == 0))
        now = installed(prefix)
        if now == before_set:
            if before:
                assert env_state(prefix) == before, f"trial {n}: env changed but not complete"
            else:  # a new env: nothing, or an empty skeleton (its creation was killed)
                assert is_no_env(prefix), f"trial {n}: {sorted(env_state(prefix))}"
            self.outcomes.append("as before")
        else:
            assert now == goal, f"trial {n}: {sorted(now)}"
            self.outcomes.append("complete")
        assert env_problems(prefix) == [], f"trial {n}"
        assert untracked(prefix) == [], f"trial {n}"
        assert cache_problems(umm.pkgs, self.built.sha256) == [], f"trial {n}"
        # the same command again succeeds and completes the env
        if now != goal:
            rerun = umm.run(*op)
            assert rerun.returncode == 0, rerun.stderr
        assert installed(prefix) == goal
        assert env_problems(prefix) == [] and untracked(prefix) == []
        assert cache_problems(umm.pkgs, self.built.sha256) == []

    def _signal_for(self, op: tuple, prefix: Path) -> Callable[[], bool]:
        pkgs = self.umm.pkgs
        if self.phase == "download":
            return lambda: (pkgs / "blob-1.0-0.tar.bz2.partial").exists()
        if self.phase == "extract":
            return lambda: _trash_has_extract(pkgs)
        if op[0] == "create" and prefix.exists():
            head = prefix.name + ".umm-replaced-"
            return lambda: any(n.startswith(head) for n in os.listdir(prefix.parent))
        if op is not REMOVE:
            return lambda: (prefix / "share" / "many").exists() or \
                (prefix / "share" / "blob").exists()
        return lambda: not (prefix / "conda-meta" / "app-1.0-0.json").exists()


@pytest.mark.parametrize("phase", ["download", "extract", "link"])
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["SIGINT", "SIGKILL"])
def test_interrupted_runs_leave_env_before_or_complete(umm: Umm, server: ChannelServer,
                                                       built_channel: Channel, tally,
                                                       sig: int, phase: str) -> None:
    trials = Trials(umm, server, built_channel, sig, phase,
                    seed=zlib.crc32(f"{int(sig)}-{phase}".encode()))
    trials.start()
    for n in range(TRIALS_PER_CASE):
        trials.one(n)
        tally("interruption trials", 1)
    tally("faults injected", trials.faults)
    for outcome in ("as before", "complete"):
        tally(f"interruption trials ending {outcome}", trials.outcomes.count(outcome))
    # the random points did land on both sides of the commit at least sometimes
    assert trials.outcomes, trials.outcomes
