"""Network faults while fetching repodata: bounded retries, clear errors, clean cache."""
from __future__ import annotations

from pathlib import Path
from typing import List

import pytest

from tests.repodata.conftest import cache_files, fast_client, load
from tests.support.server import ChannelServer, free_port
from umm.repodata import ChannelUnavailable, InvalidRepodata, RepodataError
from umm.repodata.cache import CacheFiles

LINUX_JSON = "/linux-64/repodata.json"
FAULTS_INJECTED: List[str] = []


def assert_cache_clean(pkgs: Path) -> None:
    """No temporary or partial files, and every .json has a matching state."""
    cache = pkgs / "cache"
    if not cache.is_dir():
        return
    for name in cache_files(pkgs):
        assert not name.startswith(".") and not name.endswith(".tmp"), name
        if name.endswith(".json") and not name.endswith(".state.json"):
            files = CacheFiles(cache, name[:-5])
            assert files.valid_state() is not None, name


@pytest.mark.parametrize("kind, params", [
    ("status", {"status": 500}), ("status", {"status": 502}), ("status", {"status": 503}),
    ("retry_after", {"seconds": 1}), ("reset", {"fraction": 0.3}),
    ("truncate", {"fraction": 0.5}), ("bad_length", {"extra": 50}), ("drop", {}),
    ("garbage", {"body": b"<html>maintenance</html>"}), ("corrupt", {}),
])
def test_transient_fault_then_success(basic_server: ChannelServer, tmp_path: Path, kind: str,
                                      params: dict) -> None:
    basic_server.fault(LINUX_JSON, kind, times=2, **params)
    FAULTS_INJECTED.append(kind)
    pkgs = tmp_path / "pkgs"
    (src,), _ = load([basic_server.url], pkgs)
    assert len(src.records("numpy")) == 2
    assert basic_server.count(LINUX_JSON) == 3
    assert_cache_clean(pkgs)


@pytest.mark.parametrize("kind, params, error", [
    ("status", {"status": 500}, ChannelUnavailable),
    ("retry_after", {"status": 429, "seconds": 0}, ChannelUnavailable),
    ("reset", {"fraction": 0.5}, ChannelUnavailable),
    ("truncate", {"fraction": 0.5}, ChannelUnavailable),
    ("bad_length", {"extra": 10}, ChannelUnavailable),
    ("garbage", {"body": b"not json at all"}, InvalidRepodata),
    ("garbage", {"body": b'{"packages": {"a-1-0.tar.bz2": {"name": "a"'}, InvalidRepodata),
    ("redirect_loop", {}, ChannelUnavailable),
])
def test_persistent_fault_is_one_clear_error(basic_server: ChannelServer, tmp_path: Path,
                                             kind: str, params: dict, error: type) -> None:
    basic_server.fault(LINUX_JSON, kind, **params)
    FAULTS_INJECTED.append(kind)
    pkgs = tmp_path / "pkgs"
    with pytest.raises(error) as ei:
        load([basic_server.url], pkgs)
    msg = str(ei.value)
    assert "\n" not in msg and f"{basic_server.url}/linux-64/repodata.json" in msg
    assert isinstance(ei.value, RepodataError)
    if kind != "redirect_loop":
        assert 3 <= basic_server.count(LINUX_JSON) <= 9  # bounded
    assert_cache_clean(pkgs)
    assert not (pkgs / "cache").is_dir() or not [
        n for n in cache_files(pkgs) if n.endswith(".json") and not n.endswith("state.json")
        and "linux" in n]


def test_failed_refresh_keeps_the_previous_cache(basic_server: ChannelServer,
                                                 tmp_path: Path) -> None:
    pkgs = tmp_path / "pkgs"
    load([basic_server.url], pkgs)
    before = {n: (pkgs / "cache" / n).read_bytes() for n in cache_files(pkgs)
              if not n.endswith(".lock")}
    basic_server.reset_log()
    src = basic_server.root / "linux-64" / "repodata.json"
    src.write_bytes(src.read_bytes() + b"\n")  # changed upstream: a full download follows
    basic_server.fault(LINUX_JSON, "garbage", body=b"{broken")
    with pytest.raises(InvalidRepodata):
        load([basic_server.url], pkgs)
    after = {n: (pkgs / "cache" / n).read_bytes() for n in cache_files(pkgs)
             if not n.endswith(".lock")}
    assert {k: v for k, v in after.items() if "state" not in k} == \
        {k: v for k, v in before.items() if "state" not in k}
    assert_cache_clean(pkgs)


def test_connection_refused(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/t/TOPSECRET/chan"
    with pytest.raises(ChannelUnavailable) as ei:
        load([url], tmp_path / "pkgs")
    assert "TOPSECRET" not in str(ei.value) and "connection failed" in str(ei.value)
    assert "/t/*****/chan/" in str(ei.value)


def test_stall_past_timeout(basic_server: ChannelServer, tmp_path: Path) -> None:
    basic_server.fault(LINUX_JSON, "stall", seconds=3, fraction=0.2)
    with pytest.raises(ChannelUnavailable) as ei:
        load([basic_server.url], tmp_path / "pkgs", client=fast_client(read_timeout=0.3,
                                                                       max_retries=1))
    assert "timed out" in str(ei.value)
    assert_cache_clean(tmp_path / "pkgs")


def test_truncated_zst(channel_server: ChannelServer, tmp_path: Path) -> None:
    from tests.repodata.conftest import write_basic_channel

    write_basic_channel(channel_server.root, zst=True)
    zst = channel_server.root / "linux-64" / "repodata.json.zst"
    zst.write_bytes(zst.read_bytes()[:-20])  # a broken file, served completely
    with pytest.raises(InvalidRepodata) as ei:
        load([channel_server.url], tmp_path / "pkgs")
    assert "zstd" in str(ei.value)
    assert_cache_clean(tmp_path / "pkgs")


def test_broken_local_repodata_fails_at_once(tmp_path: Path) -> None:
    """A file:// channel with a broken repodata.json: one clear error, no retries."""
    from tests.repodata.conftest import write_basic_channel
    from umm.net import HttpClient, NetworkOptions

    root = tmp_path / "chan"
    write_basic_channel(root)
    (root / "linux-64" / "repodata.json").write_bytes(b'{"packages": {"a-1-0.tar.bz2": ')
    sleeps: List[float] = []
    client = HttpClient(NetworkOptions(max_retries=3, backoff_factor=1, use_env_proxies=False),
                        sleep=sleeps.append)
    with pytest.raises(InvalidRepodata) as ei:
        load([root.as_uri()], tmp_path / "pkgs", client=client)
    assert "\n" not in str(ei.value) and "linux-64/repodata.json" in str(ei.value)
    assert sleeps == []
