"""Several umm processes at once on one package cache and one environment.

Two rounds, each starting six processes together: four ``umm create`` of different
envs needing the same packages (cold cache in both rounds: downloads and
extractions of one package race), two ``umm install`` into one env, and an install
and a remove into another that only agree if the later one plans against what the
first one did (it waits on the env lock, then reads the env). Afterwards every
env verifies (all files of conda-meta with their sha256, nothing unowned) and the
package cache passes validation, by the tests' own checks and by ``umm doctor``.
"""
from __future__ import annotations

import subprocess
from pathlib import Path
from typing import List, Tuple

from tests.conftest import umm_command
from tests.reliability.checks import (cache_leftovers, cache_problems, env_problems, installed,
                                      missing_dependencies, untracked)
from tests.reliability.conftest import Channel, Umm, one_error_line
from tests.support.server import ChannelServer

CREATORS = 4
APP = {"alpha-2.0-0", "beta-1.0-0", "app-1.0-0", "many-2.0-0", "reloc-1.0-0", "blob-1.0-0"}


def _start(umm: Umm, *args: str) -> subprocess.Popen:
    return subprocess.Popen(umm_command() + umm.args(*args), env=umm.env.environ,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finish(procs: List[Tuple[str, subprocess.Popen]]) -> None:
    for what, proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, f"{what}: {err}"
        assert "Traceback" not in err


def _drop_cache(pkgs: Path) -> None:
    import shutil

    for entry in pkgs.iterdir():
        if entry.name in ("cache", "urls.txt") or entry.name.endswith(".lock"):
            continue
        shutil.rmtree(entry) if entry.is_dir() else entry.unlink()


def test_many_processes_one_cache_and_one_env(umm: Umm, server: ChannelServer,
                                              built_channel: Channel, tally) -> None:
    runs = 0
    for rnd in range(2):
        shared, pair = f"shared{rnd}", f"pair{rnd}"
        umm.run("create", "-n", shared, "alpha=1.0", check=True)
        umm.run("create", "-n", pair, "alpha=1.0", check=True)
        if rnd:
            _drop_cache(umm.pkgs)
        # downloads answer late, so the processes really overlap
        server.fault("*.conda", "delay", seconds=0.2)
        server.fault("*.tar.bz2", "delay", seconds=0.2)
        procs = [(f"create c{rnd}{i}", _start(umm, "create", "-n", f"c{rnd}{i}", "app", "blob"))
                 for i in range(CREATORS)]
        procs.append(("install app", _start(umm, "install", "-n", shared, "app")))
        procs.append(("install blob", _start(umm, "install", "-n", shared, "blob")))
        # these two only agree if the later one plans against what the first one did
        procs.append(("install beta", _start(umm, "install", "-n", pair, "beta")))
        procs.append(("remove alpha", _start(umm, "remove", "-n", pair, "alpha")))
        _finish(procs)
        runs += len(procs)
        tally("faults injected", sum(f.hits for f in server.faults))
        server.clear_faults()
        for i in range(CREATORS):
            prefix = umm.prefix(f"c{rnd}{i}")
            assert installed(prefix) == APP
            assert env_problems(prefix) == [] and untracked(prefix) == []
        prefix = umm.prefix(shared)
        # the second install saw the first one's packages: both are there
        assert {"app-1.0-0", "blob-1.0-0", "alpha-1.0-0"} <= installed(prefix)
        assert env_problems(prefix) == [] and untracked(prefix) == []
        history = (prefix / "conda-meta" / "history").read_text()
        assert history.count("==> ") == 3
        prefix = umm.prefix(pair)
        assert installed(prefix) in (set(), {"alpha-2.0-0", "beta-1.0-0"})
        assert missing_dependencies(prefix) == []
        assert env_problems(prefix) == [] and untracked(prefix) == []
        assert cache_problems(umm.pkgs, built_channel.sha256) == []
        assert cache_leftovers(umm.pkgs) == []
        # each package was downloaded once per round although six processes wanted it
        for fn in ("app-1.0-0.conda", "blob-1.0-0.tar.bz2", "many-2.0-0.conda"):
            assert server.count(f"/noarch/{fn}") == rnd + 1, fn
        doctor = umm.env.run("doctor", "-n", f"c{rnd}0", "--pkgs")
        assert doctor.returncode == 0, doctor.stdout + doctor.stderr
        assert "No problems found." in doctor.stdout
    tally("concurrent runs", runs)


def test_a_held_env_lock_makes_a_second_install_fail_cleanly(umm: Umm, tally) -> None:
    from umm.install.lock import PrefixLock
    from tests.reliability.checks import env_state

    umm.run("create", "-n", "busy", "alpha=1.0", check=True)
    prefix = umm.prefix("busy")
    before = env_state(prefix)
    with PrefixLock(prefix):  # another process (this test) holds the env
        proc = umm.run("install", "-n", "busy", "beta", "--lock-timeout", "1", timeout=60)
    assert proc.returncode != 0
    line = one_error_line(proc.stderr)
    assert "locked" in line and str(prefix) in line, line
    assert env_state(prefix) == before
    tally("concurrent runs", 1)
    # once free, the same command works
    umm.run("install", "-n", "busy", "beta", check=True)
    assert "beta-1.0-0" in installed(prefix)
