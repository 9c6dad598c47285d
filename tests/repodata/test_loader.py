from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import pytest

from tests.repodata.conftest import cache_files, load, names_of
from tests.support.server import ChannelServer, record, repodata, write_repodata
from tests.repodata.conftest import channel
from umm.repodata import (ChannelUnavailable, RepodataOptions, clean_index_cache,
                          load_closure)
from umm.repodata.loader import channel_subdirs, make_targets


def test_channels_in_priority_order_with_all_subdirs(basic_server: ChannelServer,
                                                     make_channel_server, tmp_path: Path) -> None:
    other = make_channel_server(tmp_path / "other")
    write_repodata(other.root, "osx-arm64", repodata("osx-arm64", [record("numpy", "9", "0")]))
    write_repodata(other.root, "noarch", repodata("noarch", []))
    srcs, rep = load([other.url, basic_server.url], tmp_path / "pkgs",
                     platforms=("linux-64", "osx-arm64"))
    assert [s.channel for s in srcs] == [other.url, basic_server.url]
    assert [s.target.subdir for s in srcs[0].subdirs] == ["linux-64", "osx-arm64", "noarch"]
    assert [s.note for s in srcs[0].subdirs] == ["missing", "downloaded", "downloaded"]
    assert names_of(srcs[0].records("numpy")) == ["numpy-9-0"]
    assert len(srcs[1].records("numpy")) == 2
    assert "requests" in srcs[1].names() and "numpy" in srcs[0].names()
    assert other.count("/linux-64/repodata.json") == 1


def test_channel_platform_filter_and_targets() -> None:
    ch = channel("https://h/c/linux-aarch64")
    assert channel_subdirs(ch, ["linux-64"]) == ["linux-aarch64", "noarch"]
    assert channel_subdirs(channel("https://h/c"), ["noarch"]) == ["noarch"]
    tok = channel("https://h/t/SECRET/c")
    (t1, t2) = make_targets(tok, ["linux-64"], RepodataOptions())
    assert t1.url == "https://h/c/linux-64" and t1.request_urls == ("https://h/t/SECRET/c/linux-64",)
    assert "SECRET" not in repr(t1) and t2.subdir == "noarch"


def test_real_conda_forge_slice(shared_data: Path, tmp_path: Path) -> None:
    root = tmp_path / "cf"
    (root / "linux-64").mkdir(parents=True)
    shutil.copy(shared_data / "repodata" / "conda-forge-numpy-linux-64.json",
                root / "linux-64" / "repodata.json")
    write_repodata(root, "noarch", repodata("noarch", []))
    (src,), rep = load([root.as_uri()], tmp_path / "pkgs")
    doc = json.loads((root / "linux-64" / "repodata.json").read_text())
    total = 0
    for name in src.names():
        recs = src.records(name)
        total += len(recs)
        for r in recs:
            assert r.url.endswith("/" + r.fn) and r.name == name
    conda_stems = {fn[:-6] for fn in doc.get("packages.conda", {})}
    expected = len(doc.get("packages.conda", {})) + sum(
        1 for fn in doc.get("packages", {}) if fn[:-8] not in conda_stems)
    assert total == expected and not rep.texts("warning")


def test_records_are_cached_and_thread_safe(basic_server: ChannelServer, tmp_path: Path) -> None:
    (src,), _ = load([basic_server.url], tmp_path / "pkgs")
    results = []
    barrier = threading.Barrier(8)

    def worker() -> None:
        barrier.wait()
        results.append(src.records("numpy"))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r is results[0] for r in results) and len(results[0]) == 2
    assert src.loaded_names() == {"numpy"}
    assert src.records("does-not-exist") == ()


def test_load_closure_across_channels(basic_server: ChannelServer, make_channel_server,
                                      tmp_path: Path) -> None:
    other = make_channel_server(tmp_path / "other")
    write_repodata(other.root, "noarch", repodata("noarch", [
        record("app", "1", "0", depends=["requests", "ghost >=1"], subdir="noarch")]))
    srcs, _ = load([other.url, basic_server.url], tmp_path / "pkgs")
    seen = load_closure(srcs, ["app 1.*"])
    assert seen == {"app", "requests", "ghost", "python", "urllib3", "libzlib", "tzdata", "pip"}
    assert srcs[1].loaded_names() >= {"requests", "python", "urllib3"}


def test_one_failing_channel_fails_the_load(basic_server: ChannelServer, tmp_path: Path) -> None:
    with pytest.raises(ChannelUnavailable) as ei:
        load([basic_server.url, basic_server.url + "/nothing-here"], tmp_path / "pkgs")
    assert "nothing-here" in str(ei.value)


def test_secondary_read_only_cache_is_used(basic_server: ChannelServer, tmp_path: Path) -> None:
    basic_server.set_header("*/repodata.json", "Cache-Control", "max-age=600")
    load([basic_server.url], tmp_path / "shared")
    basic_server.reset_log()
    rep_pkgs = tmp_path / "mine"
    from tests.repodata.conftest import fast_client
    from umm.repodata import load_channels

    (src,) = load_channels([channel(basic_server.url)], ["linux-64"],
                           [rep_pkgs, tmp_path / "shared"], fast_client(),
                           RepodataOptions(use_sharded_repodata=False))
    assert basic_server.count() == 0 and len(src.records("numpy")) == 2


def test_clean_index_cache_after_load(basic_server: ChannelServer, tmp_path: Path) -> None:
    pkgs = tmp_path / "pkgs"
    (src,), _ = load([basic_server.url], pkgs)
    src.close()
    assert any(f.endswith(".json") for f in cache_files(pkgs))
    removed, freed = clean_index_cache([pkgs])
    assert freed > 0 and all(f.endswith(".lock") for f in cache_files(pkgs))
    basic_server.reset_log()
    load([basic_server.url], pkgs)
    assert basic_server.count("/linux-64/repodata.json", status=200) == 1


def test_options_from_config() -> None:
    o = RepodataOptions.from_config({"offline": True, "local_repodata_ttl": False,
                                     "repodata_use_zst": False,
                                     "mirrored_channels": {"cf": "https://m1/cf"},
                                     "download_threads": 2, "use_sharded_repodata": None})
    assert o.offline and o.local_repodata_ttl == 0 and not o.repodata_use_zst
    assert o.mirrors_for("cf") == ("https://m1/cf",) and o.download_threads == 2
    assert o.use_sharded_repodata and o == o.replace()
    with pytest.raises(AttributeError):
        o.offline = False  # type: ignore[misc]


def test_url_channel_convenience(tmp_path: Path) -> None:
    from umm.repodata import UrlChannel

    ch = UrlChannel("https://h/t/TOK/chan", platforms=["osx-arm64"], name="mine")
    assert (ch.canonical_name, ch.base_url, ch.token) == ("mine", "https://h/chan", "TOK")
    assert channel_subdirs(ch, ["linux-64"]) == ["osx-arm64", "noarch"]
    assert ch.platform_url("noarch", with_token=True) == "https://h/t/TOK/chan/noarch"
    assert UrlChannel(str(tmp_path)).base_url == tmp_path.as_uri()
