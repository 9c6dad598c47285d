"""Repodata semantics and hostile records, through real loads of local channels."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict

import pytest

from tests.repodata.conftest import load, names_of
from tests.support.server import record
from umm.repodata.records import RecordBuilder, dependency_name, resolve_base_url


def channel(tmp_path: Path, linux: Dict[str, Any], noarch: Dict[str, Any] = None) -> str:
    root = tmp_path / "chan"
    for sub, doc in (("linux-64", linux), ("noarch", noarch or {"packages": {}})):
        (root / sub).mkdir(parents=True, exist_ok=True)
        (root / sub / "repodata.json").write_text(json.dumps(doc))
    return root.as_uri()


def test_conda_preferred_over_tar_bz2(tmp_path: Path) -> None:
    a = record("a", "1.0", "0")
    b = record("a", "2.0", "0")
    url = channel(tmp_path, {"packages": {"a-1.0-0.tar.bz2": a, "a-2.0-0.tar.bz2": b},
                             "packages.conda": {"a-2.0-0.conda": dict(b, md5="c" * 32)}})
    (src,), _ = load([url], tmp_path / "pkgs")
    recs = {r.fn: r for r in src.records("a")}
    assert sorted(recs) == ["a-1.0-0.tar.bz2", "a-2.0-0.conda"]
    assert recs["a-2.0-0.conda"].md5 == "c" * 32
    assert recs["a-1.0-0.tar.bz2"].url == url + "/linux-64/a-1.0-0.tar.bz2"
    assert recs["a-1.0-0.tar.bz2"].channel == url + "/linux-64"


@pytest.mark.parametrize("base, version, expected", [
    ("https://pkgs.example/files/", 2, "https://pkgs.example/files/a-1-0.conda"),
    ("../../blobs", 2, "{root}/blobs/a-1-0.conda"),
    ("https://pkgs.example/files/", 1, "{root}/chan/linux-64/a-1-0.conda"),
])
def test_base_url(tmp_path: Path, base: str, version: int, expected: str) -> None:
    url = channel(tmp_path, {"info": {"subdir": "linux-64", "base_url": base},
                             "repodata_version": version,
                             "packages.conda": {"a-1-0.conda": record("a", "1", "0")}})
    (src,), _ = load([url], tmp_path / "pkgs")
    root = url.rsplit("/", 1)[0]
    assert src.records("a")[0].url == expected.format(root=root)


def test_resolve_base_url_strips_tokens() -> None:
    top = {"info": {"base_url": "https://h/t/tok/files"}, "repodata_version": 2}
    assert resolve_base_url("https://h/t/tok/c/linux-64", top) == "https://h/files/"
    assert resolve_base_url("https://h/t/tok/c/linux-64", {}) == "https://h/c/linux-64/"


def test_removed_nulls_constrains_track_features_timestamps(tmp_path: Path) -> None:
    url = channel(tmp_path, {"packages": {
        "a-1-0.tar.bz2": record("a", "1", "0", depends=None, constrains=None, timestamp=None,
                                track_features=None, license=None),
        "a-2-0.tar.bz2": record("a", "2", "0", constrains=["b >=2"], track_features="pypy blas",
                                timestamp=1700000000),
        "a-3-0.tar.bz2": record("a", "3", "0", track_features=["x", "y"],
                                timestamp=1700000000123),
        "a-4-0.tar.bz2": record("a", "4", "0"),
    }, "removed": ["a-4-0.tar.bz2"]})
    (src,), rep = load([url], tmp_path / "pkgs")
    recs = {r.version: r for r in src.records("a")}
    assert sorted(recs) == ["1", "2", "3"] and not rep.texts("warning")
    assert recs["1"].depends == () and recs["1"].constrains == () and recs["1"].timestamp is None
    assert recs["2"].constrains == ("b >=2",) and recs["2"].track_features == ("pypy", "blas")
    assert recs["3"].track_features == ("x", "y")
    assert recs["2"].timestamp_ms == recs["3"].timestamp_ms - 123 == 1700000000000
    assert recs["1"].to_json()["depends"] == []  # null lists are normalized


def test_add_pip_as_python_dependency(tmp_path: Path) -> None:
    url = channel(tmp_path, {"packages": {
        "python-3.11.0-0.tar.bz2": record("python", "3.11.0", "0", depends=["libzlib"]),
        "python-3.12.0-0.tar.bz2": record("python", "3.12.0", "0", depends=["pip >=23"]),
        "python-1.5-0.tar.bz2": record("python", "1.5", "0"),
    }})
    (src,), _ = load([url], tmp_path / "pkgs")
    deps = {r.version: r.depends for r in src.records("python")}
    assert deps == {"3.11.0": ("libzlib", "pip"), "3.12.0": ("pip >=23",), "1.5": ()}
    (src,), _ = load([url], tmp_path / "pkgs", add_pip_as_python_dependency=False)
    assert {r.version: r.depends for r in src.records("python")}["3.11.0"] == ("libzlib",)


def test_hostile_records_are_skipped_with_a_warning(tmp_path: Path) -> None:
    good = record("a", "1.0", "0", depends=["b"])
    url = channel(tmp_path, {"packages": {
        "a-1.0-0.tar.bz2": good,
        "a-1..0-0.tar.bz2": record("a", "1..0", "0"),
        "a-x y-0.tar.bz2": record("a", "x y", "0"),
        "a-2-0.tar.bz2": record("a", "2", "0", build_number="7"),
        "a-3-0.tar.bz2": dict(record("a", "3", "0"), depends="b >=1"),
        "a-4-0.tar.bz2": record("a", "4", "0", depends=[1, 2]),
        "a-5-0.tar.bz2": dict(record("a", "5", "0"), version=5),
        "a-6-0.tar.bz2": record("a", "6", "0", size="huge"),
        "a-7-0.tar.bz2": record("a", "7", "0", md5=["x"]),
        "a-8-0.tar.bz2": record("a", "8" * 100000, "0"),
        "b-1-0.tar.bz2": record("b", "1", "0"),
    }})
    (src,), rep = load([url], tmp_path / "pkgs")
    assert names_of(src.records("a")) == ["a-1.0-0"]
    warnings = rep.texts("warning")
    assert len(warnings) == 1 and "skipped 9 invalid record(s) of a" in warnings[0]
    assert "invalid version '1..0'" in warnings[0] and "(and 6 more)" in warnings[0]
    assert len(warnings[0]) < 1000
    assert names_of(src.records("b")) == ["b-1-0"]
    (src,), rep = load([url], tmp_path / "pkgs")  # warm: the same warning, from the index
    assert names_of(src.records("a")) == ["a-1.0-0"] and rep.texts("warning") == warnings
    url2 = channel(tmp_path / "2", {"packages": {"c-1-0.tar.bz2": record("c", "1..1", "0")}})
    (src,), rep = load([url2], tmp_path / "pkgs")
    assert src.records("c") == () and "skipped 1 invalid record(s) of c" in rep.texts()[0]


def test_builder_rejects_name_mismatch() -> None:
    b = RecordBuilder("c", "linux-64", "https://h/c/linux-64", {})
    recs = b.build("a", {"a-1-0.tar.bz2": record("a", "1", "0"),
                         "z-1-0.tar.bz2": record("zzz", "1", "0")}, {})
    assert [r.name for r in recs] == ["a"] and b.skipped == 1


@pytest.mark.parametrize("spec, name", [
    ("python >=3.8", "python"), ("numpy>=1.2", "numpy"), ("conda-forge::scipy 1.*", "scipy"),
    ("pkg[version='>=1']", "pkg"), ("  libgcc-ng  ", "libgcc-ng"), ("Foo", "foo"), ("", None),
    ("__glibc >=2.17", "__glibc")])
def test_dependency_name(spec: str, name: str) -> None:
    assert dependency_name(spec) == name


def test_fast_path_agrees_with_the_full_check(shared_data: Path) -> None:
    """Records whose shape was seen before skip the full check: same wire tuples."""
    from umm.repodata import wire as W

    doc = json.loads((shared_data / "repodata" / "conda-forge-numpy-linux-64.json").read_text())
    raws = [(fn, {k: v for k, v in raw.items() if k in W.FIELD_SET})
            for sec in ("packages", "packages.conda") for fn, raw in doc.get(sec, {}).items()]
    b = RecordBuilder("c", "linux-64", "https://h/c/linux-64", {})
    ref = ("https://h/c/linux-64/",)
    for _ in range(2):  # second round: every shape and version known
        for fn, raw in raws:
            w, why = b.wire_one(raw["name"], fn, raw)
            assert why is None and w == W.to_wire(raw, fn, ref, "https://h/c/linux-64")
    assert b._shapes  # the fast path was armed


def test_fast_path_still_refuses_hostile_items() -> None:
    b = RecordBuilder("c", "linux-64", "https://h/c/linux-64", {})
    good = record("a", "1", "0", depends=["b"], track_features=["x"])
    assert b.wire_one("a", "a-1-0.tar.bz2", good)[1] is None
    for bad in (dict(good, depends=["b", 1]), dict(good, track_features=[None]),
                dict(good, constrains=[["x"]]), dict(good, build="b" * 5000),
                dict(good, name="z"), dict(good, build_number=True)):
        w, why = b.wire_one("a", "a-1-1.tar.bz2", bad)
        assert w is None and why, bad
