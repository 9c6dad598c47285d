from __future__ import annotations

import json
import os
import time
from collections import defaultdict
from pathlib import Path
from typing import Any, Dict, Tuple

import pytest

from umm.repodata.errors import InvalidRepodata
from umm.repodata.index import (build_index, index_matches, load_or_build_index, read_index)
from umm.repodata.scan import scan_repodata


def grouped(doc: Dict[str, Any]) -> Dict[str, Tuple[Dict[str, Any], Dict[str, Any]]]:
    out: Dict[str, Tuple[Dict[str, Any], Dict[str, Any]]] = defaultdict(lambda: ({}, {}))
    for i, sec in enumerate(("packages", "packages.conda")):
        for fn, rec in (doc.get(sec) or {}).items():
            out[rec["name"]][i][fn] = rec
    return dict(out)


def check_index_against_json(path: Path, tmp_path: Path) -> int:
    doc = json.loads(path.read_bytes())
    idx = build_index(path, tmp_path / "x.idx")
    expected = grouped(doc)
    assert sorted(idx.names) == sorted(expected)
    fd = os.open(path, os.O_RDONLY)
    try:
        for name, (tb, cd) in expected.items():
            assert idx.read_sections(fd, name) == (tb, cd), name
    finally:
        os.close(fd)
    assert idx.n_records == sum(len(doc.get(s) or {}) for s in ("packages", "packages.conda"))
    again = read_index(tmp_path / "x.idx")
    assert again is not None and again.names == idx.names and again.header == idx.header
    return len(expected)


@pytest.mark.parametrize("fname", ["conda-forge-numpy-linux-64.json", "pytorch-linux-64.json",
                                   "r-linux-64.json"])
def test_index_matches_real_repodata(shared_data: Path, tmp_path: Path, fname: str) -> None:
    assert check_index_against_json(shared_data / "repodata" / fname, tmp_path) > 0


def test_index_pretty_printed_unsorted_and_unicode(tmp_path: Path) -> None:
    doc = {
        "info": {"subdir": "linux-64", "base_url": "https://dl.example/ü/"},
        "repodata_version": 2,
        "packages": {
            "b-1-0.tar.bz2": {"name": "b", "version": "1", "license": "Lizenz ☃"},
            "a-1-0.tar.bz2": {"name": "a", "version": "1"},
            "b-2-0.tar.bz2": {"name": "b", "version": "2", "depends": ["a"]},
            "a-2-0.tar.bz2": {"name": "a", "version": "2"},
            "ünï-1-0.tar.bz2": {"name": "ünï", "version": "1"},
        },
        "packages.conda": {"a-2-0.conda": {"name": "a", "version": "2"}},
        "removed": ["a-0-0.tar.bz2"],
        "extra_key": {"nested": [1, 2, None]},
    }
    p = tmp_path / "r.json"
    p.write_text(json.dumps(doc, indent=3, ensure_ascii=False), encoding="utf-8")
    check_index_against_json(p, tmp_path)
    idx = read_index(tmp_path / "x.idx")
    assert idx is not None
    assert idx.info == doc["info"] and idx.top["removed"] == ["a-0-0.tar.bz2"]
    assert idx.top["extra_key"] == doc["extra_key"] and idx.top["repodata_version"] == 2
    assert len(idx.runs("a")) == 3  # interleaved with b, plus the .conda section


def test_scan_skips_entries_that_are_not_records() -> None:
    data = (b'{"packages": {"x-1-0.tar.bz2": 5, "y-1-0.tar.bz2": {"name": "y", "version": "1"},'
            b' "z-1-0.tar.bz2": [1], "w-1-0.tar.bz2": {"version": "1"}},'
            b' "packages.conda": null}')
    res = scan_repodata(data)
    assert sorted(res.runs) == ["w", "y"]  # w's name comes from its file name
    assert res.skipped == ["x-1-0.tar.bz2", "z-1-0.tar.bz2"] and res.n_records == 4


@pytest.mark.parametrize("data", [
    b"", b"[]", b'{"packages": {"a-1-0.tar.bz2": {"name": "a"', b'{"packages": [1]}',
    b'{"packages": {} ', b'{"a": 1} trailing', b'{"packages": {"a": {"name": "a"} "b": 1}}',
    b"\xff\xfe{}",
])
def test_scan_rejects_broken_documents(data: bytes) -> None:
    with pytest.raises(InvalidRepodata):
        scan_repodata(data, "https://h/c/linux-64/repodata.json")


def test_scan_survives_deep_nesting() -> None:
    deep = b"[" * 50000 + b"]" * 50000
    data = (b'{"packages": {"d-1-0.tar.bz2": {"name": "d", "x": ' + deep + b'},'
            b' "ok-1-0.tar.bz2": {"name": "ok", "version": "1"}}, "weird": ' + deep + b'}')
    res = scan_repodata(data)
    assert list(res.runs) == ["ok"] and res.skipped == ["d-1-0.tar.bz2"]


def test_index_invalidation(tmp_path: Path) -> None:
    p = tmp_path / "r.json"
    p.write_text(json.dumps({"packages": {"a-1-0.tar.bz2": {"name": "a", "version": "1"}}}))
    ip = tmp_path / "r.idx"
    idx = build_index(p, ip, {"etag": '"e1"', "mod": ""})
    assert index_matches(idx, p)
    old = time.time() - 100
    os.utime(p, (old, old))  # touched (a 304): still valid through the validators
    assert not index_matches(idx, p)
    assert index_matches(idx, p, {"etag": '"e1"'})
    assert not index_matches(idx, p, {"etag": '"e2"'})
    p.write_text(json.dumps({"packages": {"b-1-0.tar.bz2": {"name": "b", "version": "1"}}}))
    assert not index_matches(idx, p, {"etag": '"e1"'})  # size changed
    idx2 = load_or_build_index(p, ip, {"etag": '"e2"'})
    assert idx2.names == ["b"] and read_index(ip).names == ["b"]  # type: ignore[union-attr]


def test_read_index_rejects_damaged_files(tmp_path: Path) -> None:
    p = tmp_path / "r.json"
    p.write_text(json.dumps({"packages": {"a-1-0.tar.bz2": {"name": "a", "version": "1"}}}))
    ip = tmp_path / "r.idx"
    build_index(p, ip)
    blob = ip.read_bytes()
    for bad in (b"", blob[:10], blob[:-1], b"XXXXXXXX" + blob[8:], blob + b"\0"):
        ip.write_bytes(bad)
        assert read_index(ip) is None
    assert read_index(tmp_path / "missing") is None
    assert load_or_build_index(p, ip).names == ["a"]
