"""The caching state machine against the local server."""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from tests.repodata.conftest import LINUX, cache_files, channel, fast_client, load, names_of
from tests.support.server import ChannelServer, record, repodata, write_repodata
from umm.net import AuthStore, BearerToken
from umm.repodata import ChannelUnavailable, OfflineCacheMiss, cache_key
from umm.repodata.cache import CacheState, LIBSTDCXX_FILE_EPOCH_NS

LINUX_JSON = "/linux-64/repodata.json"
NOARCH_JSON = "/noarch/repodata.json"


def state_of(pkgs: Path, url: str) -> CacheState:
    st = CacheState.read(pkgs / "cache" / f"{cache_key(url)}.state.json")
    assert st is not None
    return st


def test_fresh_cache_is_used_without_requests(basic_server: ChannelServer, tmp_path: Path) -> None:
    basic_server.set_header("*/repodata.json", "Cache-Control", "public, max-age=600")
    pkgs = tmp_path / "pkgs"
    (src,), rep = load([basic_server.url], pkgs)
    assert names_of(src.records("numpy")) == ["numpy-1.26.0-py311h0_0", "numpy-1.26.0-py312h0_0"]
    assert basic_server.count(LINUX_JSON) == 1 and basic_server.count(NOARCH_JSON) == 1
    st = state_of(pkgs, basic_server.url + "/linux-64")
    assert st.url == basic_server.url + LINUX_JSON and st.cache_control == "public, max-age=600"
    assert st.etag and st.mod and st.has_zst is not None and st.has_zst.value is False
    basic_server.reset_log()
    (src,), rep = load([basic_server.url], pkgs)
    assert basic_server.count() == 0
    assert [e[4] for e in rep.events if e[0] == "finish"] == ["Using cache", "Using cache"]
    assert len(src.records("python")) == 2
    # readable by others, like micromamba's: a package cache may be shared read-only
    for f in (pkgs / "cache").iterdir():
        if f.suffix in (".json", ".umm-index"):
            assert f.stat().st_mode & 0o444 == 0o444, f


def test_stale_then_304(basic_server: ChannelServer, tmp_path: Path) -> None:
    pkgs = tmp_path / "pkgs"
    load([basic_server.url], pkgs)  # no Cache-Control: stale at once
    jpath = pkgs / "cache" / f"{cache_key(basic_server.url + '/linux-64')}.json"
    old = time.time() - 3600
    os.utime(jpath, (old, old))
    st0 = state_of(pkgs, basic_server.url + "/linux-64")
    assert not st0.matches_file(jpath)  # touched behind its back ...
    # ... so rewrite the state the way an old run would have left it
    s = jpath.stat()
    st0.replace(mtime_ns=s.st_mtime_ns).write(jpath.with_name(jpath.stem + ".state.json"))
    basic_server.reset_log()
    (src,), rep = load([basic_server.url], pkgs)
    reqs = basic_server.requests(LINUX_JSON)
    assert [r.status for r in reqs] == [304]
    assert reqs[0].headers["if-none-match"] == st0.etag
    assert time.time() - jpath.stat().st_mtime < 60  # refreshed
    assert state_of(pkgs, basic_server.url + "/linux-64").matches_file(jpath)
    assert "No change" in [e[4] for e in rep.events if e[0] == "finish"]
    assert len(src.records("numpy")) == 2


def test_stale_then_200_replaces_and_reindexes(basic_server: ChannelServer,
                                               tmp_path: Path) -> None:
    pkgs = tmp_path / "pkgs"
    (src,), _ = load([basic_server.url], pkgs)
    assert len(src.records("numpy")) == 2
    time.sleep(0.01)
    write_repodata(basic_server.root, "linux-64", repodata("linux-64", LINUX + [
        record("numpy", "2.0.0", "py312h0_0", depends=["python >=3.12"])]))
    basic_server.reset_log()
    (src,), _ = load([basic_server.url], pkgs)
    assert [r.status for r in basic_server.requests(LINUX_JSON)] == [200]
    assert "numpy-2.0.0-py312h0_0" in names_of(src.records("numpy"))
    files = cache_files(pkgs)
    assert not [f for f in files if f.endswith(".tmp") or f.startswith(".")]


def test_ttl_zero_always_revalidates(basic_server: ChannelServer, tmp_path: Path) -> None:
    basic_server.set_header("*/repodata.json", "Cache-Control", "max-age=600")
    pkgs = tmp_path / "pkgs"
    load([basic_server.url], pkgs, local_repodata_ttl=0)
    basic_server.reset_log()
    load([basic_server.url], pkgs, local_repodata_ttl=0)
    assert basic_server.count(LINUX_JSON, status=304) == 1
    basic_server.reset_log()
    load([basic_server.url], pkgs, local_repodata_ttl=3600)
    assert basic_server.count() == 0


def test_zst_preferred(channel_server: ChannelServer, tmp_path: Path) -> None:
    from tests.repodata.conftest import write_basic_channel

    write_basic_channel(channel_server.root, zst=True)
    (channel_server.root / "linux-64" / "repodata.json").unlink()  # only .zst exists
    pkgs = tmp_path / "pkgs"
    (src,), _ = load([channel_server.url], pkgs)
    assert channel_server.count(LINUX_JSON + ".zst") == 1 and channel_server.count(LINUX_JSON) == 0
    st = state_of(pkgs, channel_server.url + "/linux-64")
    assert st.url.endswith("repodata.json.zst") and st.has_zst and st.has_zst.value
    assert len(src.records("numpy")) == 2
    channel_server.reset_log()
    load([channel_server.url], pkgs)  # stale: conditional request of the .zst
    assert [r.status for r in channel_server.requests(LINUX_JSON + ".zst")] == [304]


def test_zst_absent_is_remembered(basic_server: ChannelServer, tmp_path: Path) -> None:
    pkgs = tmp_path / "pkgs"
    load([basic_server.url], pkgs)
    assert basic_server.count(LINUX_JSON + ".zst", status=404) == 1
    st = state_of(pkgs, basic_server.url + "/linux-64")
    assert st.has_zst is not None and st.has_zst.value is False
    basic_server.reset_log()
    load([basic_server.url], pkgs)
    assert basic_server.count(LINUX_JSON + ".zst") == 0
    assert basic_server.count(LINUX_JSON, status=304) == 1
    # after 14 days it is checked again
    sp = pkgs / "cache" / f"{cache_key(basic_server.url + '/linux-64')}.state.json"
    doc = json.loads(sp.read_text())
    doc["has_zst"]["last_checked"] = "2001-01-01T00:00:00Z"
    sp.write_text(json.dumps(doc))
    basic_server.reset_log()
    load([basic_server.url], pkgs)
    assert basic_server.count(LINUX_JSON + ".zst") == 1


def test_use_zst_disabled(channel_server: ChannelServer, tmp_path: Path) -> None:
    from tests.repodata.conftest import write_basic_channel

    write_basic_channel(channel_server.root, zst=True)
    load([channel_server.url], tmp_path / "pkgs", repodata_use_zst=False)
    assert channel_server.count("*.zst") == 0 and channel_server.count(LINUX_JSON) == 1


def test_offline_hit(basic_server: ChannelServer, tmp_path: Path) -> None:
    pkgs = tmp_path / "pkgs"
    load([basic_server.url], pkgs)
    basic_server.reset_log()
    (src,), rep = load([basic_server.url], pkgs, offline=True, local_repodata_ttl=0)
    assert basic_server.count() == 0
    assert len(src.records("requests")) == 1


def test_offline_miss(basic_server: ChannelServer, tmp_path: Path) -> None:
    with pytest.raises(OfflineCacheMiss) as ei:
        load([basic_server.url], tmp_path / "pkgs", offline=True)
    assert ei.value.channel == basic_server.url and ei.value.subdir == "noarch"
    assert f"{basic_server.url}/noarch" in str(ei.value)
    assert basic_server.count() == 0
    # noarch cached, linux-64 not: a warning, not an error
    load([basic_server.url], tmp_path / "pkgs2", platforms=("osx-arm64",))
    (src,), rep = load([basic_server.url], tmp_path / "pkgs2", offline=True)
    assert any("linux-64" in w for w in rep.texts("warning"))
    assert len(src.records("requests")) == 1


def test_missing_arch_subdir_is_tolerated(basic_server: ChannelServer, tmp_path: Path) -> None:
    (src,), rep = load([basic_server.url], tmp_path / "pkgs", platforms=("win-64",))
    assert basic_server.count("/win-64/repodata.json", status=404) == 1
    assert src.records("numpy") == () and len(src.records("requests")) == 1
    assert ("finish", "repodata", f"{basic_server.url}/win-64", True, "404 Ignored") in rep.events


def test_missing_noarch_is_an_error(channel_server: ChannelServer, tmp_path: Path) -> None:
    from tests.repodata.conftest import write_basic_channel

    write_basic_channel(channel_server.root, noarch=False)
    with pytest.raises(ChannelUnavailable) as ei:
        load([channel_server.url], tmp_path / "pkgs")
    assert ei.value.status == 404 and "noarch" in str(ei.value)
    with pytest.raises(ChannelUnavailable):
        load([channel_server.url + "/no-such-channel"], tmp_path / "pkgs")


@pytest.mark.parametrize("kind", ["token", "bearer"])
def test_auth_required(basic_server: ChannelServer, tmp_path: Path, kind: str) -> None:
    basic_server.require_auth(kind, "SeCrEt-42")
    with pytest.raises(ChannelUnavailable) as ei:
        load([basic_server.url], tmp_path / "pkgs")
    assert ei.value.status == 401 and "credentials" in str(ei.value)
    if kind == "token":
        chan = channel(f"http://127.0.0.1:{basic_server.port}/t/SeCrEt-42")
        (src,), _ = load([chan], tmp_path / "pkgs")
    else:
        client = fast_client()
        client.auth = AuthStore({"127.0.0.1": BearerToken("SeCrEt-42")})
        (src,), _ = load([basic_server.url], tmp_path / "pkgs", client=client)
    recs = src.records("numpy")
    assert len(recs) == 2 and all("SeCrEt" not in r.url for r in recs)
    for f in (tmp_path / "pkgs" / "cache").iterdir():
        if f.is_file():
            assert b"SeCrEt" not in f.read_bytes(), f.name


def test_token_channel_uses_tokenless_cache_key(basic_server: ChannelServer,
                                                tmp_path: Path) -> None:
    basic_server.require_auth("token", "tk1")
    chan = channel(f"http://127.0.0.1:{basic_server.port}/t/tk1")
    load([chan], tmp_path / "pkgs")
    key = cache_key(f"http://127.0.0.1:{basic_server.port}/linux-64")
    assert (tmp_path / "pkgs" / "cache" / f"{key}.json").is_file()
    assert all(r.raw_path.startswith("/t/tk1/") for r in basic_server.requests())


def test_mirrors_are_tried_in_order(basic_server: ChannelServer, make_channel_server,
                                    tmp_path: Path) -> None:
    from tests.repodata.conftest import write_basic_channel

    broken = make_channel_server(tmp_path / "broken")
    broken.fault("*", "status", status=503)
    good = make_channel_server(write_basic_channel(tmp_path / "good"))
    chan = channel("mychan", alias="https://conda.example.invalid")
    (src,), rep = load([chan], tmp_path / "pkgs",
                       mirrored_channels={"mychan": [broken.url, good.url]})
    assert broken.count(LINUX_JSON) == 3  # initial + 2 retries
    recs = src.records("numpy")
    assert len(recs) == 2 and recs[0].url.startswith(good.url + "/linux-64/")
    assert any("trying mirror" in w for w in rep.texts("warning"))
    key = cache_key("https://conda.example.invalid/mychan/linux-64")
    assert (tmp_path / "pkgs" / "cache" / f"{key}.json").is_file()


def test_reads_a_cache_written_by_micromamba(basic_server: ChannelServer, tmp_path: Path) -> None:
    """A cache entry micromamba (libstdc++ clock) left behind is used as is."""
    pkgs = tmp_path / "pkgs"
    cache = pkgs / "cache"
    cache.mkdir(parents=True)
    url = basic_server.url + "/linux-64"
    key = cache_key(url)
    doc = repodata("linux-64", [record("onlyincache", "1.0", "0")])
    (cache / f"{key}.json").write_text(json.dumps(doc))
    st = (cache / f"{key}.json").stat()
    (cache / f"{key}.state.json").write_text(json.dumps({
        "url": url + "/repodata.json", "etag": '"x"', "mod": "", "cache_control":
        "public, max-age=1200", "size": st.st_size,
        "mtime_ns": st.st_mtime_ns + LIBSTDCXX_FILE_EPOCH_NS,
        "has_zst": {"value": False, "last_checked": "2099-01-01T00:00:00Z"}}, indent=4))
    (src,), _ = load([basic_server.url], pkgs, platforms=("linux-64",))
    assert basic_server.count(LINUX_JSON) == 0
    assert names_of(src.records("onlyincache")) == ["onlyincache-1.0-0"]


def test_local_channel_follows_file_changes(tmp_path: Path) -> None:
    from tests.repodata.conftest import write_basic_channel

    root = write_basic_channel(tmp_path / "local")
    pkgs = tmp_path / "pkgs"
    (src,), _ = load([root.as_uri()], pkgs, local_repodata_ttl=3600)
    assert len(src.records("numpy")) == 2
    time.sleep(0.01)
    write_repodata(root, "linux-64", repodata("linux-64", [record("numpy", "9.9", "0")]))
    (src,), rep = load([root.as_uri()], pkgs, local_repodata_ttl=3600)
    assert names_of(src.records("numpy")) == ["numpy-9.9-0"]
    (src,), rep = load([root.as_uri()], pkgs, offline=True)
    assert names_of(src.records("numpy")) == ["numpy-9.9-0"]
    assert "No change" in [e[4] for e in rep.events if e[0] == "finish"]


def test_concurrent_loads_share_one_download(basic_server: ChannelServer, tmp_path: Path) -> None:
    import threading

    basic_server.set_header("*/repodata.json", "Cache-Control", "max-age=600")
    basic_server.fault(LINUX_JSON, "delay", seconds=0.3, times=1)
    pkgs = tmp_path / "pkgs"
    results = []

    def run() -> None:
        (src,), _ = load([basic_server.url], pkgs)
        results.append(len(src.records("numpy")))

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [2, 2, 2]
    assert basic_server.count(LINUX_JSON) == 1


def test_progress_events(basic_server: ChannelServer, tmp_path: Path) -> None:
    (src,), rep = load([basic_server.url], tmp_path / "pkgs")
    starts = [e for e in rep.events if e[0] == "start"]
    assert {e[2] for e in starts} == {f"{basic_server.url}/linux-64", f"{basic_server.url}/noarch"}
    assert all(isinstance(e[4], int) and e[4] > 0 for e in starts)
    advanced = sum(e[3] for e in rep.events if e[0] == "advance")
    sizes = sum((basic_server.root / s / "repodata.json").stat().st_size
                for s in ("linux-64", "noarch"))
    assert advanced == sizes
