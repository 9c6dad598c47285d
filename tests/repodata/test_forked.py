"""umm.repodata.forked, and the index built in shares by forked processes: the same
file as a build in one process, whatever the number of shares."""
from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest

from tests.repodata.test_index import builder, check_index_against_json
from umm.repodata import forked
from umm.repodata.errors import InvalidRepodata
from umm.repodata.index import build_index

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")


def _leftovers(tmp_path: Path):
    return sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("scratch"))


def test_shares_run_in_children_and_come_back_in_order(tmp_path):
    parent = os.getpid()
    results = forked.run_shares(3, lambda k: f"{k}:{os.getpid() == parent}".encode(),
                                tmp_path / "scratch")
    assert results == [b"0:True", b"1:False", b"2:False"]
    assert _leftovers(tmp_path) == []


def test_a_failed_child_means_no_result(tmp_path):
    def share(k: int) -> bytes:
        if k == 2:
            raise ValueError("boom")
        return b"x"

    assert forked.run_shares(3, share, tmp_path / "scratch") is None
    assert _leftovers(tmp_path) == []


def test_a_child_killed_by_a_signal_means_no_result(tmp_path):
    def share(k: int) -> bytes:
        if k == 1:
            os.kill(os.getpid(), signal.SIGKILL)
        return b"x"

    assert forked.run_shares(2, share, tmp_path / "scratch") is None


def test_an_error_here_reaps_the_children(tmp_path):
    def share(k: int) -> bytes:
        if k == 0:
            raise KeyboardInterrupt
        import time

        time.sleep(30)  # killed by the parent
        return b"x"

    with pytest.raises(KeyboardInterrupt):
        forked.run_shares(3, share, tmp_path / "scratch")
    assert _leftovers(tmp_path) == []
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)  # no child left behind


def test_a_stuck_child_is_killed_and_means_no_result(tmp_path, monkeypatch):
    import time

    monkeypatch.setattr(forked, "MIN_WAIT", 0.3)

    def share(k: int) -> bytes:
        if k == 1:
            time.sleep(60)  # as if waiting for a lock another thread held at the fork
        return b"x"

    start = time.monotonic()
    assert forked.run_shares(2, share, tmp_path / "scratch") is None
    assert time.monotonic() - start < 20
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)  # killed and reaped
    assert _leftovers(tmp_path) == []


def test_how_many_shares(monkeypatch):
    assert forked.shares_for(1 << 20) == 1  # small: not worth a fork
    assert forked.shares_for(64 << 20, processes=1) == 1
    assert forked.shares_for(64 << 20, processes=3) == 3
    assert forked.shares_for(64 << 20, processes=64) == forked.MAX_SHARES
    monkeypatch.setattr(forked, "available_cpus", lambda: 2)
    assert forked.shares_for(64 << 20) == 2


def _doc() -> dict:
    pk, pc = {}, {}
    for i in range(300):
        name = f"pkg{i % 37}"
        pk[f"{name}-1.{i}-0.tar.bz2"] = {"name": name, "version": f"1.{i}", "build": "0",
                                         "build_number": 0, "depends": [f"pkg{(i + 1) % 37}"]}
        if i % 3 == 0:
            pc[f"{name}-1.{i}-0.conda"] = {"name": name, "version": f"1.{i}", "build": "0",
                                           "build_number": 0, "depends": None}
    pk["bad-1-0.tar.bz2"] = {"name": "bad", "version": "1..x"}
    pk["pkg3-9-0.tar.bz2"] = {"name": "pkg3", "version": 9}
    return {"info": {"subdir": "linux-64"}, "packages": pk, "packages.conda": pc,
            "removed": ["pkg1-1.1-0.tar.bz2"], "repodata_version": 1}


@pytest.mark.parametrize("processes", [2, 3, 4])
def test_index_built_in_shares_is_the_same_file(tmp_path, monkeypatch, processes):
    monkeypatch.setattr(forked, "MIN_SIZE", 0)
    p = tmp_path / "repodata.json"
    p.write_text(json.dumps(_doc(), indent=1))
    one = build_index(p, tmp_path / "one.idx", builder(), processes=1)
    many = build_index(p, tmp_path / "many.idx", builder(), processes=processes)
    assert (tmp_path / "one.idx").read_bytes() == (tmp_path / "many.idx").read_bytes()
    assert many.names == one.names and "bad" not in many.names
    assert many.problems("bad")[1] == 1 and many.problems("pkg3")[1] == 1
    assert not [n for n in os.listdir(tmp_path) if ".idx." in n]  # no share files left


def test_shares_check_real_repodata(shared_data: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(forked, "MIN_SIZE", 0)
    monkeypatch.setattr(forked, "available_cpus", lambda: 3)
    assert check_index_against_json(
        shared_data / "repodata" / "conda-forge-numpy-linux-64.json", tmp_path) > 0


def test_a_broken_document_fails_the_same_way(tmp_path, monkeypatch):
    monkeypatch.setattr(forked, "MIN_SIZE", 0)
    p = tmp_path / "repodata.json"
    p.write_text(json.dumps(_doc())[:-40])
    with pytest.raises(InvalidRepodata):
        build_index(p, tmp_path / "i.idx", builder(), processes=3)
    assert not (tmp_path / "i.idx").exists()
