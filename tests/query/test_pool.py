"""PackagePool: lazy loading by name, matching, best records, reverse dependencies."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, List

import pytest

from tests.query.conftest import rec
from umm.query.errors import CannotListNames
from umm.query.pool import PackagePool, dependency_name
from umm.specs import MatchSpec, MemoryRecordSource


class CountingSource:
    """A RecordSource that records which names were asked for."""

    def __init__(self, channel: str, records: List[Any], listable: bool = True) -> None:
        self.channel = channel
        self._inner = MemoryRecordSource(channel, records)
        self.asked: List[str] = []
        if listable:
            self.names = self._inner.names  # type: ignore[assignment]

    def records(self, name: str):
        self.asked.append(name)
        return self._inner.records(name)


def test_dependency_name() -> None:
    assert dependency_name("numpy >=1.2") == "numpy"
    assert dependency_name("conda-forge::NumPy 1.2.*") == "numpy"
    assert dependency_name("python_abi 3.12.* *_cp312") == "python_abi"
    assert dependency_name("pip") == "pip"
    assert dependency_name("libgcc-ng>=12") == "libgcc-ng"
    assert dependency_name("   ") is None


def test_records_are_loaded_once_per_name_and_in_priority_order() -> None:
    a = CountingSource("a", [rec("x", "1", channel="https://a/linux-64")])
    b = CountingSource("b", [rec("x", "2", channel="https://b/linux-64"), rec("y")])
    pool = PackagePool([a, b])
    got = pool.records("X")
    assert [r.version for r in got] == ["1", "2"]
    assert pool.records("x") is got
    assert a.asked == ["x"] and b.asked == ["x"]
    assert pool.priority(got[0]) == 0 and pool.priority(got[1]) == 1
    assert pool.source_of(got[1]) is b
    assert pool.loaded_names() == {"x"}


def test_matching_exact_loads_one_name_glob_lists_names() -> None:
    src = CountingSource("c", [rec("numpy", "1.26"), rec("numpy", "2.0"), rec("numba", "0.5"),
                               rec("pandas", "2.1")])
    pool = PackagePool([src])
    found = pool.matching(MatchSpec.parse("numpy"))
    assert [r.version for r in found] == ["2.0", "1.26"]  # newest first
    assert src.asked == ["numpy"]
    found = pool.matching(MatchSpec.parse("num*"))
    assert [(r.name, r.version) for r in found] == [("numba", "0.5"), ("numpy", "2.0"),
                                                    ("numpy", "1.26")]
    assert "pandas" not in src.asked
    assert [r.version for r in pool.matching(MatchSpec.parse("numpy <2"))] == ["1.26"]


def test_glob_needs_names() -> None:
    pool = PackagePool([CountingSource("c", [rec("x")], listable=False)])
    assert pool.matching(MatchSpec.parse("x"))  # exact names never need the list
    with pytest.raises(CannotListNames) as err:
        pool.matching(MatchSpec.parse("x*"))
    assert err.value.channel == "c"


def test_best_prefers_channel_priority_then_version_build_timestamp() -> None:
    hi = rec("x", "1.0", channel="https://hi/linux-64")
    lo_new = rec("x", "9.0", channel="https://lo/linux-64")
    pool = PackagePool([MemoryRecordSource("hi", [hi]), MemoryRecordSource("lo", [lo_new])])
    assert pool.best(pool.records("x")) is hi
    b1 = rec("y", "1.0", "b1", build_number=1)
    b2 = rec("y", "1.0", "b2", build_number=2, timestamp=1)
    b3 = rec("y", "1.0", "b3", build_number=2, timestamp=5)
    pool = PackagePool([MemoryRecordSource("c", [b1, b3, b2])])
    assert pool.best(pool.records("y")) is b3
    assert pool.best([]) is None


def test_resolve_dependency_strings_and_virtual_packages() -> None:
    glibc = rec("__glibc", "2.35", channel="@")
    pool = PackagePool([MemoryRecordSource("c", [rec("a", "1"), rec("a", "2"),
                                                 rec("__glibc", "99")])], virtual=[glibc])
    assert pool.resolve("a <2").version == "1"
    assert pool.resolve("a").version == "2"
    assert pool.resolve("a >5") is None
    assert pool.resolve("__glibc >=2.17") is glibc  # virtual, never a channel's record
    assert pool.resolve("nothere") is None
    assert pool.resolve("a[[[") is None  # does not parse: not found


def test_dependents_name_only_and_constrained() -> None:
    recs = [rec("numpy", "1.26"), rec("numpy", "2.0"),
            rec("pandas", "2.1", depends=["numpy >=1.22,<2.0a0"]),
            rec("pandas", "2.2", depends=["numpy >=1.26"]),
            rec("scipy", "1.0", depends=["numpy >=99"]),
            rec("numpy-base", "1", depends=[]), rec("other", depends=["numpy-base"]),
            rec("chan", depends=["conda-forge::numpy"])]
    pool = PackagePool([MemoryRecordSource("c", recs)])
    names = sorted((r.name, r.version) for r in pool.dependents("numpy"))
    assert names == [("chan", "1.0"), ("pandas", "2.1"), ("pandas", "2.2"), ("scipy", "1.0")]
    # with a spec, the dependency must accept one of its records (channel included:
    # the numpy records here are not conda-forge's)
    constrained = pool.dependents("numpy", MatchSpec.parse("numpy 2.0"))
    assert sorted((r.name, r.version) for r in constrained) == [("pandas", "2.2")]
    assert pool.dependency_on(recs[2], "numpy") == "numpy >=1.22,<2.0a0"
    assert pool.dependency_on(recs[2], "python") is None


def _load(channel_dir: Path, cache: Path) -> List[Any]:
    from umm.net.client import HttpClient
    from umm.repodata import load_channels
    from umm.repodata import UrlChannel

    return load_channels([UrlChannel(channel_dir.as_uri())], ["linux-64"], [cache], HttpClient())


def test_channel_search_for_one_name_parses_one_name(numpy_channel: Path, tmp_path: Path) -> None:
    sources = _load(numpy_channel, tmp_path / "pkgs")
    pool = PackagePool(sources)
    found = pool.matching(MatchSpec.parse("numpy"))
    assert [r.fn for r in found] == ["numpy-1.26.4-py312head63a1_0.conda"]
    assert pool.loaded_names() == {"numpy"}
    assert sources[0].loaded_names() == {"numpy"}


def test_dependents_on_an_indexed_channel_parse_only_candidates(
        numpy_channel: Path, tmp_path: Path, shared_data: Path) -> None:
    sources = _load(numpy_channel, tmp_path / "pkgs")
    pool = PackagePool(sources)
    got = sorted(r.name for r in pool.dependents("libblas"))
    # an independent answer, straight from the JSON
    doc = json.loads((shared_data / "repodata/conda-forge-numpy-linux-64.json").read_text())
    want = sorted({raw["name"] for key in ("packages", "packages.conda")
                   for raw in doc[key].values()
                   if any(d.split()[0] == "libblas" for d in raw.get("depends") or [])})
    assert got == want == ["libcblas", "liblapack", "numpy"]
    # the scan named only packages mentioning libblas; nothing else was parsed
    assert sources[0].loaded_names() == {"libcblas", "liblapack", "numpy", "libblas"} - {"libblas"}


def test_dependents_scan_matches_a_full_walk(numpy_channel: Path, tmp_path: Path) -> None:
    sources = _load(numpy_channel, tmp_path / "pkgs")
    pool = PackagePool(sources)
    every = PackagePool(sources)
    for name in sorted(sources[0].names()):
        fast = sorted(r.fn for r in pool.dependents(name))
        slow = sorted(r.fn for n in every.names() for r in every.records(n)
                      if any(dependency_name(d) == name for d in r.depends))
        assert fast == slow, name


def test_dependents_scan_false_positives_are_dropped(tmp_path: Path) -> None:
    from tests.support.server import record, repodata, write_repodata

    root = tmp_path / "chan"
    write_repodata(root, "linux-64", repodata("linux-64", [
        record("lib", "1"), record("app", "1", depends=["lib >=1"]),
        record("chan", "1", depends=["conda-forge::lib"]),
        record("other", "1", depends=["libx", "my-lib", "py-lib >=1"]),
        record("fp", "1", license="lib"), record("far", "1", depends=["zzz"])]))
    write_repodata(root, "noarch", repodata("noarch", []))
    sources = _load(root, tmp_path / "pkgs")
    pool = PackagePool(sources)
    assert [r.name for r in pool.dependents("lib")] == ["app", "chan"]
    loaded = sources[0].loaded_names()
    assert "far" not in loaded  # never mentions lib: not even loaded
    assert {"other", "fp"} <= loaded  # mention "lib" somewhere: loaded, then dropped
