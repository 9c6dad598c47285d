"""Network faults from the local channel server, through the umm executable.

Every fault is injected into a real run (``umm install`` into an existing env, or
``umm create``). Persistent faults must end, after a bounded number of retries, in
a one-line error naming the channel or URL; the env is untouched and the package
cache holds nothing partial. Passing faults (a burst, one 429) must be ridden out.
After each test the fault is lifted and the same command succeeds: nothing the
fault left behind poisons the caches.
"""
from __future__ import annotations

import shutil
import time
import pytest

from tests.reliability.checks import (cache_leftovers, cache_problems, env_problems, env_state,
                                      installed, repodata_cache_problems)
from tests.reliability.conftest import MAX_RETRIES, Channel, Umm, one_error_line
from tests.support.server import ChannelServer, free_port

REPODATA = "/noarch/repodata.json"
PACKAGE = "/noarch/alpha-2.0-0.conda"


def _faults(srv: ChannelServer) -> int:
    return sum(f.hits for f in srv.faults)


@pytest.fixture
def base_env(umm: Umm) -> Umm:
    """An env ``e`` holding beta and alpha 1.0 (to be upgraded under faults)."""
    umm.run("create", "-n", "e", "beta", "alpha=1.0", check=True)
    return umm


def _forget_repodata(umm: Umm, srv: ChannelServer) -> None:
    """Drop the cached index (no conditional request: the server would answer 304
    before any body fault) and serve no ``.zst``, so the faulted path is fetched."""
    shutil.rmtree(umm.pkgs / "cache")
    srv.fault("/noarch/repodata.json.zst", "status", status=404)


def _check_failed(umm: Umm, srv: ChannelServer, built: Channel, proc, before: dict,
                  names: tuple) -> str:
    assert proc.returncode != 0, proc.stdout + proc.stderr
    line = one_error_line(proc.stderr)
    assert any(n in line for n in names), line
    prefix = umm.prefix("e")
    assert env_state(prefix) == before
    assert env_problems(prefix) == []
    assert cache_leftovers(umm.pkgs) == []
    assert cache_problems(umm.pkgs, built.sha256) == []
    assert repodata_cache_problems(umm.pkgs) == []
    return line


def _recovers(umm: Umm, srv: ChannelServer, built: Channel) -> None:
    srv.clear_faults()
    umm.run("install", "-n", "e", "alpha=2.0", check=True)
    assert "alpha-2.0-0" in installed(umm.prefix("e"))
    assert env_problems(umm.prefix("e")) == []
    assert cache_problems(umm.pkgs, built.sha256) == []


PERSISTENT = [
    # (fault kind, params, path, who: repodata or package)
    ("status", {"status": 500}, PACKAGE),
    ("status", {"status": 503}, REPODATA),
    ("reset", {"fraction": 0.3}, PACKAGE),
    ("reset", {"fraction": 0.5}, REPODATA),
    ("truncate", {"fraction": 0.5}, PACKAGE),
    ("truncate", {"fraction": 0.6}, REPODATA),
    ("bad_length", {"extra": 500}, PACKAGE),
    ("bad_length", {"extra": 100}, REPODATA),
    ("drop", {}, PACKAGE),
    ("drop", {}, REPODATA),
    ("redirect_loop", {}, PACKAGE),
    ("redirect_loop", {}, REPODATA),
    ("corrupt", {}, PACKAGE),
    ("garbage", {"body": b"<html>maintenance</html>"}, REPODATA),
    ("garbage", {"body": b'{"info": {"subdir": "noarch"}, "packages": {"a-1-0.tar.bz2": {"na'}, REPODATA),
    ("garbage", {"body": b"\x00\x01\x02not json at all\xff"}, PACKAGE),
]


@pytest.mark.parametrize("kind,params,path", PERSISTENT,
                         ids=[f"{k}-{'repodata' if p == REPODATA else 'package'}-{i}"
                              for i, (k, _, p) in enumerate(PERSISTENT)])
def test_persistent_fault_fails_cleanly(base_env: Umm, server: ChannelServer,
                                        built_channel: Channel, tally, kind: str, params: dict,
                                        path: str) -> None:
    umm = base_env
    before = env_state(umm.prefix("e"))
    if path == REPODATA:
        _forget_repodata(umm, server)
    server.reset_log()
    server.fault(path, kind, **params)
    proc = umm.run("install", "-n", "e", "alpha=2.0", timeout=120)
    line = _check_failed(umm, server, built_channel, proc, before,
                         ("127.0.0.1", "alpha-2.0-0", "noarch"))
    tally("faults injected", _faults(server))
    # bounded: the first try and at most MAX_RETRIES more (x10 hops for a redirect loop)
    tries = server.count(path)
    limit = (MAX_RETRIES + 1) * (11 if kind == "redirect_loop" else 1)
    assert 1 <= tries <= limit, (tries, line)
    _recovers(umm, server, built_channel)


@pytest.mark.parametrize("kind,params,path", [
    ("status", {"status": 500, "times": 2}, PACKAGE),
    ("status", {"status": 502, "times": 2}, REPODATA),
    ("reset", {"fraction": 0.5, "times": 2}, PACKAGE),
    ("reset", {"fraction": 0.5, "times": 1}, REPODATA),
    ("truncate", {"fraction": 0.2, "times": 1}, PACKAGE),
    ("bad_length", {"extra": 10, "times": 1}, PACKAGE),
    ("drop", {"times": 2}, PACKAGE),
    ("stall", {"seconds": 1.5, "fraction": 0.5, "then": "close", "times": 1}, PACKAGE),
], ids=lambda v: v if isinstance(v, str) else None)
def test_passing_fault_is_ridden_out(base_env: Umm, server: ChannelServer, built_channel: Channel,
                                     tally, kind: str, params: dict, path: str) -> None:
    umm = base_env
    if path == REPODATA:
        _forget_repodata(umm, server)
    server.reset_log()
    umm.env.environ["MAMBA_REMOTE_READ_TIMEOUT_SECS"] = "1"
    times = params.pop("times")
    server.fault(path, kind, times=times, **params)
    proc = umm.run("install", "-n", "e", "alpha=2.0", timeout=120)
    assert proc.returncode == 0, proc.stderr
    tally("faults injected", _faults(server))
    assert server.count(path) == times + 1
    assert "alpha-2.0-0" in installed(umm.prefix("e"))
    assert env_problems(umm.prefix("e")) == []
    assert cache_leftovers(umm.pkgs) == []
    assert cache_problems(umm.pkgs, built_channel.sha256) == []


def test_stall_past_the_read_timeout(base_env: Umm, server: ChannelServer,
                                     built_channel: Channel, tally) -> None:
    umm = base_env
    umm.env.environ["MAMBA_REMOTE_READ_TIMEOUT_SECS"] = "0.5"
    before = env_state(umm.prefix("e"))
    server.fault(PACKAGE, "stall", seconds=3.0, fraction=0.4)
    start = time.monotonic()
    proc = umm.run("install", "-n", "e", "alpha=2.0", timeout=120)
    took = time.monotonic() - start
    _check_failed(umm, server, built_channel, proc, before, ("alpha-2.0-0",))
    tally("faults injected", _faults(server))
    assert server.count(PACKAGE) == MAX_RETRIES + 1
    # each try gives up after the read timeout, not after the server's 3 s stall
    assert took < (MAX_RETRIES + 1) * 3.0, took
    _recovers(umm, server, built_channel)


def test_429_retry_after_is_honoured(base_env: Umm, server: ChannelServer, tally) -> None:
    umm = base_env
    server.fault(PACKAGE, "retry_after", times=1, status=429, seconds=1)
    proc = umm.run("install", "-n", "e", "alpha=2.0", timeout=120)
    assert proc.returncode == 0, proc.stderr
    tally("faults injected", _faults(server))
    first, second = server.requests(PACKAGE)[:2]
    assert first.status == 429 and second.status == 200
    assert second.time - first.time >= 0.9  # waited as told, not the 0.05 s backoff


def test_retry_after_storm_gives_up(base_env: Umm, server: ChannelServer, built_channel: Channel,
                                    tally) -> None:
    umm = base_env
    before = env_state(umm.prefix("e"))
    server.fault(PACKAGE, "retry_after", status=503, seconds=0)
    proc = umm.run("install", "-n", "e", "alpha=2.0", timeout=120)
    _check_failed(umm, server, built_channel, proc, before, ("alpha-2.0-0",))
    tally("faults injected", _faults(server))
    assert server.count(PACKAGE) == MAX_RETRIES + 1


def test_connection_refused(umm: Umm, built_channel: Channel, tally) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    start = time.monotonic()
    proc = umm.env.run("create", "-n", "x", "alpha", "-c", dead, "--override-channels", "-y",
                       timeout=120)
    assert proc.returncode != 0
    line = one_error_line(proc.stderr)
    assert dead.split("//")[1] in line, line
    assert time.monotonic() - start < 30
    tally("faults injected", 1)
    assert not umm.prefix("x").exists()
    assert cache_leftovers(umm.pkgs) == [] and repodata_cache_problems(umm.pkgs) == []


def test_faults_on_a_new_env_leave_no_env(umm: Umm, server: ChannelServer,
                                          built_channel: Channel, tally) -> None:
    server.fault("/noarch/many-2.0-0.conda", "reset", fraction=0.5)
    proc = umm.run("create", "-n", "new", "app", timeout=120)
    assert proc.returncode != 0
    assert "many-2.0-0" in one_error_line(proc.stderr)
    tally("faults injected", _faults(server))
    assert not umm.prefix("new").exists()
    assert cache_leftovers(umm.pkgs) == []
    assert cache_problems(umm.pkgs, built_channel.sha256) == []
    server.clear_faults()
    umm.run("create", "-n", "new", "app", check=True)
    assert env_problems(umm.prefix("new")) == []


def test_bad_repodata_does_not_poison_the_index_cache(umm: Umm, server: ChannelServer,
                                                      built_channel: Channel, tally) -> None:
    """A truncated repodata.json is refused; the next run fetches it again and works."""
    server.fault("/noarch/repodata.json.zst", "status", status=404)
    server.fault(REPODATA, "garbage", body=b'{"packages": {"x-1-0.tar.bz2": {"name": "x", "vers')
    proc = umm.run("create", "-n", "p", "alpha", timeout=120)
    assert proc.returncode != 0
    line = one_error_line(proc.stderr)
    assert "127.0.0.1" in line or "noarch" in line, line
    tally("faults injected", _faults(server))
    assert repodata_cache_problems(umm.pkgs) == []
    server.clear_faults()
    umm.run("create", "-n", "p", "alpha", check=True)
    assert "alpha-2.0-0" in installed(umm.prefix("p"))
