"""``umm doctor`` and ``umm.install.verify``: drift in envs and package caches is reported,
a clean env is clean, interrupted transactions are found and ``--fix`` rolls them back."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import umm_command
from tests.reliability.checks import env_problems, env_state
from tests.reliability.conftest import Umm, one_error_line
from umm.install import verify
from umm.install.journal import Journal, pending, recover


@pytest.fixture
def env(umm: Umm) -> Umm:
    umm.run("create", "-n", "d", "app", check=True)
    return umm


def _doctor(umm: Umm, *args: str):
    return umm.env.run("doctor", "-n", "d", *args)


def test_a_clean_env_is_clean(env: Umm) -> None:
    proc = _doctor(env, "--pkgs")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "No problems found." in proc.stdout
    doc = json.loads(_doctor(env, "--json", "--untracked").stdout)
    assert doc["success"] is True and doc["problems"] == []
    assert doc["packages"] == 5 and doc["files"] > 400
    report = verify.verify_prefix(env.prefix("d"))
    assert report.ok and report.packages == 5


def test_drift_is_reported_and_repairable(env: Umm) -> None:
    prefix = env.prefix("d")
    # (a new file: writing into a hard link would change the package cache's copy too)
    (prefix / "share/alpha/version.txt").unlink()
    (prefix / "share/alpha/version.txt").write_text("tampered\n")
    (prefix / "share/many/d3/f3.txt").unlink()
    (prefix / "etc/reloc.conf").write_text("prefix=/elsewhere\n")  # relocated: own sha256
    (prefix / "share/app").rename(prefix / "share/app-moved")
    (prefix / "share/app").mkdir()
    (prefix / "share/app/app.txt").mkdir()  # a directory where a file belongs
    (prefix / "share/stray.txt").write_text("nobody owns me\n")
    proc = _doctor(env)
    assert proc.returncode == 1
    assert one_error_line(proc.stderr) == "error: 4 problems found"
    out = proc.stdout
    assert "modified" in out and "share/alpha/version.txt" in out
    assert "missing" in out and "share/many/d3/f3.txt" in out
    assert "etc/reloc.conf" in out and "share/app/app.txt" in out
    assert "stray" not in out  # only with --untracked
    assert "--force-reinstall" in out and "alpha" in out
    doc = json.loads(_doctor(env, "--json", "--untracked").stdout)
    kinds = {(p["kind"], p["path"]) for p in doc["problems"]}
    assert kinds == {("modified", "share/alpha/version.txt"), ("missing", "share/many/d3/f3.txt"),
                     ("modified", "etc/reloc.conf"), ("wrong-type", "share/app/app.txt"),
                     ("untracked", "share/stray.txt"), ("untracked", "share/app-moved/app.txt")}
    assert doc["success"] is False
    # the suggested command repairs it
    (prefix / "share/app/app.txt").rmdir()
    (prefix / "share/app").rmdir()
    (prefix / "share/app-moved").rename(prefix / "share/app")
    (prefix / "share/stray.txt").unlink()
    repair = doc["repair"].split()
    assert repair[:2] == ["umm", "install"]
    env.run(*repair[1:], check=True)
    proc = _doctor(env, "--pkgs")
    assert proc.returncode == 0, proc.stdout
    assert env_problems(prefix) == []


def test_a_tampered_cache_is_reported(env: Umm) -> None:
    (env.pkgs / "many-2.0-0" / "share/many/d1/f1.txt").write_text("x")
    (env.pkgs / "alpha-2.0-0" / "info" / "repodata_record.json").write_text("{broken")
    with open(env.pkgs / "app-1.0-0.conda", "ab") as fh:
        fh.write(b"junk")
    report = verify.verify_package_cache([env.pkgs])
    where = {(p.where, p.kind) for p in report.problems}
    assert where == {("many-2.0-0", "modified"), ("alpha-2.0-0", "bad-record"),
                     ("app-1.0-0", "modified")}
    proc = _doctor(env, "--pkgs")
    assert proc.returncode == 1 and "many-2.0-0/share/many/d1/f1.txt" in proc.stdout


def test_unreadable_records_are_reported(env: Umm) -> None:
    meta = env.prefix("d") / "conda-meta"
    (meta / "zzz-1-0.json").write_text("[1, 2]")
    (meta / "yyy-1-0.json").write_bytes(b"\xff{")
    doc = json.loads(_doctor(env, "--json").stdout)
    bad = sorted(p["path"] for p in doc["problems"] if p["kind"] == "bad-record")
    assert bad == ["conda-meta/yyy-1-0.json", "conda-meta/zzz-1-0.json"]


def test_no_env_is_a_one_line_error(umm: Umm) -> None:
    proc = umm.env.run("doctor", "-n", "nope")
    assert proc.returncode != 0 and "nope" in one_error_line(proc.stderr)


def test_killed_transaction_is_found_and_fixed(env: Umm) -> None:
    """SIGKILL in the middle of an upgrade; doctor sees it, --fix rolls it back."""
    prefix = env.prefix("d")
    before = env_state(prefix)
    proc = subprocess.Popen(umm_command() + env.args("install", "-n", "d", "many=1.0"),
                            env=env.env.environ, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if (prefix / "share/many/d0/f0.txt").exists() and \
                "1.0" in (prefix / "share/many/d0/f0.txt").read_text():
            break  # the new version is being linked
        time.sleep(0.001)
    # the whole process group: a onefile binary is a launcher plus the real process
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    found = pending(prefix)
    if not found:
        pytest.skip("the run finished before it could be killed")
    doc = json.loads(_doctor(env, "--json").stdout)
    assert doc["success"] is False
    assert any(p["kind"] == "interrupted" for p in doc["problems"])
    fixed = _doctor(env, "--fix")
    assert "rolled back an interrupted transaction" in fixed.stdout
    assert fixed.returncode == 0, fixed.stdout
    assert env_state(prefix) == before and pending(prefix) == []


def test_fix_removes_backup_dirs_without_a_journal(env: Umm) -> None:
    """A process killed between making its backup dir and opening the journal in it
    (or while deleting the dir after its commit) leaves a dir with no journal."""
    prefix = env.prefix("d")
    before = env_state(prefix)
    leftover = prefix / ".umm-rollback" / "12345-7f00"
    (leftover / "1").mkdir(parents=True)
    (leftover / "1" / "old.txt").write_text("a backup nobody needs\n")
    assert pending(prefix) == []
    fixed = _doctor(env, "--fix")
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert not (prefix / ".umm-rollback").exists()
    assert env_state(prefix) == before and env_problems(prefix) == []


def test_journal_recovery_units(tmp_path: Path) -> None:
    """What a killed process leaves is undone exactly, and a killed rollback too."""
    prefix = tmp_path / "env"
    (prefix / "conda-meta").mkdir(parents=True)
    (prefix / "keep.txt").write_text("old")
    (prefix / "gone.txt").write_text("removed by the transaction")
    (prefix / "emptydir").mkdir()
    before = env_state(prefix)
    j = Journal(prefix)
    j.persist()
    j.move_away(prefix / "keep.txt")
    j.created(prefix / "keep.txt")
    (prefix / "keep.txt").write_text("new")
    j.move_away(prefix / "gone.txt")
    j.makedirs(prefix / "new" / "deep")
    j.created(prefix / "new" / "deep" / "f")
    (prefix / "new" / "deep" / "f").write_text("x")
    j.removing_dir(prefix / "emptydir")
    os.rmdir(prefix / "emptydir")
    j.created(prefix / "never-made.txt")  # recorded, then the process died
    j._close()  # as if killed: no commit, no rollback
    # (new/deep/f needs no line: undoing new/ removes it)
    assert [i.changes for i in pending(prefix)] == [7]
    # a rollback killed half way: the last two steps were undone and cut off the journal
    (prefix / "emptydir").mkdir()
    journal = j.backup_dir / "journal"
    lines = journal.read_bytes().splitlines(keepends=True)
    journal.write_bytes(b"".join(lines[:-2]))
    assert [i.changes for i in recover(prefix)] == [5]
    assert env_state(prefix) == before
    assert not (prefix / ".umm-rollback").exists()
    # a journal can never reach outside the prefix
    outside = tmp_path / "outside.txt"
    outside.write_text("precious")
    evil = prefix / ".umm-rollback" / "1-x"
    evil.mkdir(parents=True)
    (evil / "journal").write_text(json.dumps(["created", "../outside.txt", ""]) + "\n"
                                  + json.dumps(["created", str(outside), ""]) + "\n")
    recover(prefix)
    assert outside.read_text() == "precious"
