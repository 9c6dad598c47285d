from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest

from umm.repodata.errors import CacheError, InvalidRepodata
from umm.repodata.index import (build_index, index_matches, load_or_build_index, read_index)
from umm.repodata.records import RecordBuilder
from umm.repodata.scan import scan_repodata

BASE = "https://h/c/linux-64"


def builder(top: Any = None) -> RecordBuilder:
    return RecordBuilder("c", "linux-64", BASE, top or {}, add_pip=False)


def expected_records(doc: Dict[str, Any]) -> Dict[str, List[Dict[str, Any]]]:
    """What the index must give for each name, computed independently from the JSON."""
    out: Dict[str, List[Dict[str, Any]]] = {}
    conda = doc.get("packages.conda") or {}
    removed = set(doc.get("removed") or [])
    entries = list(conda.items()) + [(fn, r) for fn, r in (doc.get("packages") or {}).items()
                                     if fn[:-8] + ".conda" not in conda]
    for fn, rec in entries:
        if fn in removed:
            continue
        rec = dict(rec)
        for k in ("depends", "constrains"):
            if k in rec and rec[k] is None:
                rec[k] = []
        rec.update(fn=fn, url=f"{BASE}/{fn}", channel=BASE)
        out.setdefault(rec["name"], []).append(rec)
    return out


def check_index_against_json(path: Path, tmp_path: Path) -> int:
    doc = json.loads(path.read_bytes())
    b = builder()
    idx = build_index(path, tmp_path / "x.idx", b)
    expected = expected_records(doc)
    assert sorted(idx.names) == sorted(expected)
    fd = os.open(idx.path, os.O_RDONLY)
    try:
        for name, recs in expected.items():
            got = [r.to_json() for r in b.to_records(name, idx.wire(fd, name))]
            key = lambda r: r["fn"]  # noqa: E731
            assert sorted(got, key=key) == sorted(recs, key=key), name
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
        "info": {"subdir": "linux-64"},
        "packages": {
            "b-1-0.tar.bz2": {"name": "b", "version": "1", "license": "Lizenz ☃"},
            "a-1-0.tar.bz2": {"name": "a", "version": "1"},
            "b-2-0.tar.bz2": {"name": "b", "version": "2", "depends": ["a"]},
            "a-2-0.tar.bz2": {"name": "a", "version": "2", "track_features": ["x"]},
            "ünï-1-0.tar.bz2": {"name": "ünï", "version": "1", "md5": "AB" * 16},
        },
        "packages.conda": {"a-2-0.conda": {"name": "a", "version": "2", "md5": "ab" * 16}},
        "removed": ["a-1-0.tar.bz2"],
        "extra_key": {"nested": [1, 2, None]},
    }
    p = tmp_path / "r.json"
    p.write_text(json.dumps(doc, indent=3, ensure_ascii=False), encoding="utf-8")
    check_index_against_json(p, tmp_path)
    idx = read_index(tmp_path / "x.idx")
    assert idx is not None
    assert idx.info == doc["info"] and idx.top["removed"] == ["a-1-0.tar.bz2"]
    assert idx.top["extra_key"] == doc["extra_key"]


def test_base_url_after_the_packages_is_applied(tmp_path: Path) -> None:
    # sorted keys put "repodata_version" after the packages: the index still honours it
    doc = {"info": {"base_url": "https://cdn.example/x/"},
           "packages": {"a-1-0.tar.bz2": {"name": "a", "version": "1"}},
           "repodata_version": 2}
    p = tmp_path / "r.json"
    p.write_text(json.dumps(doc, sort_keys=True))
    b = builder()
    idx = build_index(p, tmp_path / "i", b)
    fd = os.open(idx.path, os.O_RDONLY)
    (rec,) = b.to_records("a", idx.wire(fd, "a"))
    os.close(fd)
    assert rec.url == "https://cdn.example/x/a-1-0.tar.bz2"


def scan(data: bytes) -> Tuple[Any, List[Tuple[int, str, Any]]]:
    seen: List[Tuple[int, str, Any]] = []
    res = scan_repodata(data, "u", lambda sec, fn, obj, name: seen.append((sec, fn, name)))
    return res, seen


def test_scan_reports_entries_that_are_not_records() -> None:
    data = (b'{"packages": {"x-1-0.tar.bz2": 5, "y-1-0.tar.bz2": {"name": "y", "version": "1"},'
            b' "z-1-0.tar.bz2": [1], "w-1-0.tar.bz2": {"version": "1"}},'
            b' "packages.conda": null}')
    res, seen = scan(data)
    assert seen == [(0, "x-1-0.tar.bz2", None), (0, "y-1-0.tar.bz2", "y"),
                    (0, "z-1-0.tar.bz2", None), (0, "w-1-0.tar.bz2", "w")]
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
    res, seen = scan(data)
    assert seen == [(0, "d-1-0.tar.bz2", None), (0, "ok-1-0.tar.bz2", "ok")]


def test_problems_are_kept_per_name(tmp_path: Path) -> None:
    doc = {"packages": {"a-1-0.tar.bz2": {"name": "a", "version": "1"},
                        "a-x-0.tar.bz2": {"name": "a", "version": "1..x"},
                        "b-1-0.tar.bz2": {"name": "b", "version": 1}}}
    p = tmp_path / "r.json"
    p.write_text(json.dumps(doc))
    idx = build_index(p, tmp_path / "i", builder())
    assert idx.problems("a")[1] == 1 and "invalid version '1..x'" in idx.problems("a")[0][0]
    assert idx.problems("b")[1] == 1 and "b" not in idx and "a" in idx
    assert read_index(tmp_path / "i").problems("b")[1] == 1  # type: ignore[union-attr]


def test_index_invalidation(tmp_path: Path) -> None:
    p = tmp_path / "r.json"
    p.write_text(json.dumps({"packages": {"a-1-0.tar.bz2": {"name": "a", "version": "1"}}}))
    ip = tmp_path / "r.idx"
    b = builder()
    idx = build_index(p, ip, b, {"etag": '"e1"', "mod": ""})
    assert index_matches(idx, p, b)
    old = time.time() - 100
    os.utime(p, (old, old))  # touched (a 304): still valid through the validators
    assert not index_matches(idx, p, b)
    assert index_matches(idx, p, b, {"etag": '"e1"'})
    assert not index_matches(idx, p, b, {"etag": '"e2"'})
    other = RecordBuilder("c", "linux-64", "https://mirror/c/linux-64", {})
    assert not index_matches(idx, p, other, {"etag": '"e1"'})  # built for another URL
    p.write_text(json.dumps({"packages": {"b-1-0.tar.bz2": {"name": "b", "version": "1"}}}))
    assert not index_matches(idx, p, b, {"etag": '"e1"'})  # same size, other content
    idx2 = load_or_build_index(p, ip, b, {"etag": '"e2"'})
    assert idx2.names == ["b"] and read_index(ip).names == ["b"]  # type: ignore[union-attr]


def test_damaged_index_files(tmp_path: Path) -> None:
    p = tmp_path / "r.json"
    p.write_text(json.dumps({"packages": {"a-1-0.tar.bz2": {"name": "a", "version": "1"}}}))
    ip = tmp_path / "r.idx"
    build_index(p, ip, builder())
    blob = ip.read_bytes()
    for bad in (b"", blob[:10], blob[:-1], b"XXXXXXXX" + blob[8:], blob + b"\0"):
        ip.write_bytes(bad)
        assert read_index(ip) is None
    assert read_index(tmp_path / "missing") is None
    ip.write_bytes(blob[:-3] + bytes(b ^ 0xFF for b in blob[-3:]))  # flipped blob bytes
    idx = read_index(ip)
    assert idx is not None
    fd = os.open(ip, os.O_RDONLY)
    with pytest.raises(CacheError):
        idx.wire(fd, "a")
    os.close(fd)
    assert load_or_build_index(p, ip, builder()).names == ["a"]
