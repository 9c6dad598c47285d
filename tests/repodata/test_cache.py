from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from umm.repodata.cache import (LIBSTDCXX_FILE_EPOCH_NS, CacheFiles, CacheState, CheckedAt,
                                cache_key, cache_name_from_url, clean_index_cache,
                                format_timestamp, parse_timestamp, writable_cache_dir)
from umm.repodata.errors import CacheError


@pytest.mark.parametrize("url, name", [
    # the names micromamba and conda use for conda-forge (seen in their logs and caches)
    ("https://conda.anaconda.org/conda-forge/linux-64/repodata.json", "497deca9"),
    ("https://conda.anaconda.org/conda-forge/noarch/repodata.json", "09cdf8bf"),
    ("https://conda.anaconda.org/conda-forge/linux-64", "497deca9"),
    ("https://conda.anaconda.org/conda-forge/linux-64/", "497deca9"),
])
def test_cache_names_match_micromamba(url: str, name: str) -> None:
    assert cache_name_from_url(url) == name


def test_cache_key_of_platform_url() -> None:
    assert cache_key("https://conda.anaconda.org/conda-forge/noarch") == "09cdf8bf"
    assert cache_name_from_url("https://h/c/linux-64/current_repodata.json") != \
        cache_name_from_url("https://h/c/linux-64/repodata.json")


def test_state_roundtrip_keeps_unknown_keys(tmp_path: Path) -> None:
    doc = {"url": "https://h/c/linux-64/repodata.json.zst", "etag": '"abc"',
           "mod": "Mon, 01 Jan 2024 00:00:00 GMT", "cache_control": "public, max-age=1200",
           "size": 12, "mtime_ns": 1700000000123456789,
           "has_zst": {"value": True, "last_checked": "2024-01-02T03:04:05Z"},
           "jlap": {"iv": "00"}, "refresh_ns": 5}
    p = tmp_path / "x.state.json"
    p.write_text(json.dumps(doc))
    st = CacheState.read(p)
    assert st is not None and st.has_zst == CheckedAt(True, parse_timestamp("2024-01-02T03:04:05Z"))
    assert st.extra == {"jlap": {"iv": "00"}, "refresh_ns": 5}
    st.write(tmp_path / "y.state.json")
    assert json.loads((tmp_path / "y.state.json").read_text()) == doc
    with pytest.raises(AttributeError):
        st.etag = "x"  # type: ignore[misc]


def test_state_read_rejects_garbage(tmp_path: Path) -> None:
    p = tmp_path / "s.json"
    for text in ("", "[]", "{not json", json.dumps({"url": "u", "size": "big", "mtime_ns": 1})):
        p.write_text(text)
        assert CacheState.read(p) is None
    assert CacheState.read(tmp_path / "missing") is None


def test_max_age_rules() -> None:
    st = CacheState(cache_control="public, max-age=1200")
    assert st.max_age(1) == 1200          # follow the headers
    assert st.max_age(0) == 0             # always revalidate
    assert st.max_age(86400) == 86400     # fixed ttl
    assert CacheState(cache_control="no-cache").max_age(1) == 0


def test_matches_file_and_libstdcxx_epoch(tmp_path: Path) -> None:
    p = tmp_path / "a.json"
    p.write_text("{}")
    st = os.stat(p)
    assert CacheState(size=2, mtime_ns=st.st_mtime_ns).matches_file(p)
    assert CacheState(size=2, mtime_ns=st.st_mtime_ns + LIBSTDCXX_FILE_EPOCH_NS).matches_file(p)
    assert not CacheState(size=3, mtime_ns=st.st_mtime_ns).matches_file(p)
    assert not CacheState(size=2, mtime_ns=st.st_mtime_ns - 1).matches_file(p)
    assert not CacheState(size=2, mtime_ns=1).matches_file(tmp_path / "missing.json")


def test_checked_at_expiry() -> None:
    now = time.time()
    assert not CheckedAt(False, now - 3600).expired(now)
    assert CheckedAt(False, now - 15 * 86400).expired(now)
    assert parse_timestamp(format_timestamp(1700000000)) == 1700000000
    assert parse_timestamp("garbage") == 0.0


def test_cache_files_valid_state(tmp_path: Path) -> None:
    files = CacheFiles(tmp_path, "abcd1234")
    assert files.json.name == "abcd1234.json" and files.state.name == "abcd1234.state.json"
    assert files.valid_state() is None
    files.json.write_text("{}")
    st = files.json.stat()
    CacheState(url="u", size=st.st_size, mtime_ns=st.st_mtime_ns).write(files.state)
    assert files.valid_state() is not None
    files.json.write_text("{ }")
    assert files.valid_state() is None


def test_writable_cache_dir(tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "cache").write_text("a file where the cache dir should be")
    assert writable_cache_dir([broken, tmp_path / "rw"]) == tmp_path / "rw" / "cache"
    assert (tmp_path / "rw" / "cache").is_dir()
    with pytest.raises(CacheError) as ei:
        writable_cache_dir([broken])
    assert "no writable package cache" in str(ei.value)


def test_clean_index_cache(tmp_path: Path) -> None:
    cache = tmp_path / "pkgs" / "cache"
    (cache / "shards").mkdir(parents=True)
    for name in ("497deca9.json", "497deca9.state.json", "497deca9.umm-index",
                 "497deca9.solv", "shards/ab.msgpack.zst"):
        (cache / name).write_text("x" * 10)
    (cache / "497deca9.lock").write_text("")
    removed, freed = clean_index_cache([tmp_path / "pkgs", tmp_path / "absent"])
    assert freed == 50 and len(removed) == 5
    assert sorted(p.name for p in cache.iterdir()) == ["497deca9.lock"]
