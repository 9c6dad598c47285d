"""Renderings of query results, checked against golden files made from the real
conda-forge numpy slice (as a channel and as an installed environment)."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, List

import pytest

from tests.query.conftest import golden, rec
from umm.query import render
from umm.query.pool import PackagePool
from umm.query.result import run_query
from umm.specs import MatchSpec, MemoryRecordSource

UPDATE = os.environ.get("UMM_UPDATE_GOLDEN") == "1"


def check_golden(name: str, text: str) -> None:
    if UPDATE:
        (Path(__file__).parent / "golden" / name).write_text(text, encoding="utf-8")
    assert text == golden(name)


def channel_pool(channel_dir: Path, cache: Path) -> PackagePool:
    from umm.net.client import HttpClient
    from umm.repodata import load_channels
    from umm.repodata import UrlChannel

    return PackagePool(load_channels([UrlChannel(channel_dir.as_uri(), name="conda-forge")],
                                     ["linux-64"], [cache], HttpClient()))


def installed_pool(prefix: Path) -> PackagePool:
    from umm.install.prefix_data import PrefixData

    return PackagePool([MemoryRecordSource("installed", PrefixData.load(prefix).sorted())])


def cf(rec_: Any) -> str:
    return "conda-forge"


def q(pool: PackagePool, kind: str, spec: str, **kw: Any):
    return run_query(pool, kind, [MatchSpec.parse(spec)], query=spec, **kw)


def test_numpy_depends_tree_from_the_channel(numpy_channel: Path, tmp_path: Path) -> None:
    pool = channel_pool(numpy_channel, tmp_path / "pkgs")
    check_golden("numpy-depends-tree.txt", render.tree(q(pool, "depends", "numpy", tree=True)))


def test_numpy_depends_tree_from_the_installed_env(numpy_prefix: Path) -> None:
    pool = installed_pool(numpy_prefix)
    text = render.tree(q(pool, "depends", "numpy", tree=True))
    check_golden("numpy-depends-tree-installed.txt", text)
    # the installed python was not given pip: its branch ends with libxcrypt
    assert "pip[" not in text and "     └─ libxcrypt[4.4.36]" in text


def test_whoneeds_trees(numpy_channel: Path, tmp_path: Path, numpy_prefix: Path) -> None:
    pool = channel_pool(numpy_channel, tmp_path / "pkgs")
    check_golden("libgfortran5-whoneeds-tree.txt",
                 render.tree(q(pool, "whoneeds", "libgfortran5", tree=True)))
    text = render.tree(q(installed_pool(numpy_prefix), "whoneeds", "_libgcc_mutex", tree=True))
    check_golden("libgcc-mutex-whoneeds-tree-installed.txt", text)


def test_tables(numpy_channel: Path, tmp_path: Path, numpy_prefix: Path) -> None:
    pool = channel_pool(numpy_channel, tmp_path / "pkgs")
    check_golden("lib-search-table.txt", render.table(q(pool, "search", "lib*"), cf))
    check_golden("numpy-depends-table.txt", render.table(q(pool, "depends", "numpy"), cf))
    inst = installed_pool(numpy_prefix)
    check_golden("libopenblas-whoneeds-recursive-table.txt",
                 render.table(q(inst, "whoneeds", "libopenblas", recursive=True), cf))


def test_table_layout_and_builds_collapsing() -> None:
    pool = PackagePool([MemoryRecordSource("c", [
        rec("aa", "1.0", "b0", build_number=0), rec("aa", "1.0", "b1", build_number=1),
        rec("aa", "1.0", "b2", build_number=2), rec("aa", "0.9", "x"),
        rec("b", "10", "long_build_string_0")])])
    text = render.table(q(pool, "search", "*"), lambda r: "chan")
    lines = text.splitlines()
    assert lines[0].split() == ["Name", "Version", "Build", "Channel", "Subdir"]
    assert set(lines[1]) == {render.RULE} and len(lines[1]) >= max(len(x) for x in lines)
    assert lines[2].split() == ["aa", "1.0", "b2", "(+", "2", "builds)", "chan", "linux-64"]
    assert lines[3].split() == ["aa", "0.9", "x", "chan", "linux-64"]
    assert lines[4].split() == ["b", "10", "long_build_string_0", "chan", "linux-64"]
    # columns line up
    assert lines[2].index("chan") == lines[3].index("chan") == lines[4].index("chan")
    empty = render.table(q(pool, "search", "zzz"))
    assert empty == 'No entries matching "zzz" found\n'


def test_whoneeds_table_has_the_depends_column() -> None:
    pool = PackagePool([MemoryRecordSource("c", [
        rec("lib", "1"), rec("app", "2", depends=["x", "lib >=1,<2"]),
        rec("top", "1", depends=["app 2.*"])])])
    lines = render.table(q(pool, "whoneeds", "lib", recursive=True), cf).splitlines()
    assert lines[0].split() == ["Name", "Version", "Build", "Depends", "Channel", "Subdir"]
    assert lines[2].split() == ["app", "2", "0", "lib", ">=1,<2", "conda-forge", "linux-64"]
    assert lines[3].split() == ["top", "1", "0", "app", "2.*", "conda-forge", "linux-64"]


def test_tree_without_root_and_empty() -> None:
    pool = PackagePool([MemoryRecordSource("c", [rec("app", depends=["lib"]),
                                                 rec("b", depends=["lib"])])])
    flat = q(pool, "whoneeds", "lib")
    assert render.tree(flat) == "lib\n  ├─ app[1.0]\n  └─ b[1.0]\n"
    assert render.tree(q(pool, "depends", "zzz", tree=True)) == \
        'No entries matching "zzz" found\n'


def test_pretty_single_package_view() -> None:
    recs: List[Any] = [rec("pkg", f"1.{i}", f"h{i}_0", depends=["dep >=1"], size=123456,
                           license="MIT", md5="a" * 32, constrains=["other <2"])
                       for i in range(8)]
    recs.append(rec("pkg", "1.7", "h7_1", build_number=1, size=10,
                    url="https://u:pw@example.com/t/tok-123/chan/linux-64/pkg-1.7-h7_1.conda"))
    pool = PackagePool([MemoryRecordSource("c", recs)])
    text = render.pretty(q(pool, "search", "pkg"), cf)
    lines = text.splitlines()
    assert lines[1] == "pkg 1.7 h7_1 (+ 1 builds)"
    assert lines[2] == render.RULE * 40
    assert " Name            pkg" in lines and " Build           h7_1" in lines
    assert " Size            0 kB" in lines and " Channel         conda-forge" in lines
    assert " SHA256          Not available" in lines
    assert "tok-123" not in text and ":pw@" not in text
    assert " URL             https://u:*****@example.com/t/*****/chan/linux-64/pkg-1.7-h7_1.conda" \
        in lines
    assert " Other Versions (7):" in lines
    other = text.split(" Other Versions (7):")[1]
    assert "1.6" in other and "1.3" in other and "1.2" not in other
    assert "... and 3 more" in other
    full = render.pretty(q(pool, "search", "pkg"), cf, all_versions=True)
    assert "1.0 " in full.split("Other Versions")[1] and "more" not in full
    plain = render.pretty(q(PackagePool([MemoryRecordSource("c", recs[:1])]), "search", "pkg"))
    assert "Other Versions" not in plain and " Dependencies:" in plain
    assert " Run Constraints:" in plain and "  - other <2" in plain


def test_json_documents(numpy_channel: Path, tmp_path: Path) -> None:
    pool = channel_pool(numpy_channel, tmp_path / "pkgs")
    doc = render.to_json(q(pool, "depends", "libblas"), cf, ["libblas"])
    assert doc["query"] == {"query": "libblas", "type": "depends"}
    res = doc["result"]
    assert res["status"] == "OK" and res["msg"] == ""
    assert [p["name"] for p in res["pkgs"]] == ["libblas", "libopenblas"]
    assert res["graph_roots"][0]["name"] == "libblas"
    assert res["pkgs"][0]["channel"] == "conda-forge"
    assert res["pkgs"][0]["build_string"] == res["pkgs"][0]["build"]
    assert res["not_found"] == []
    json.dumps(doc)  # serialisable
    search = render.to_json(q(pool, "search", "nothing"), cf, ["nothing"])
    assert search["result"]["pkgs"] == [] and "graph_roots" not in search["result"]
    assert search["result"]["msg"] == 'No entries matching "nothing" found'
    who = render.to_json(q(pool, "whoneeds", "libgomp"), cf, ["libgomp"])
    assert [p["name"] for p in who["result"]["pkgs"]] == ["_openmp_mutex"]
    assert who["result"]["graph_roots"] == ["libgomp"]


def test_record_json_drops_prefix_fields_and_masks() -> None:
    from umm.specs.records import PrefixRecord

    r = PrefixRecord.from_json({
        "name": "a", "version": "1", "build": "0", "build_number": 0, "files": ["x"],
        "paths_data": {"paths": []}, "requested_spec": "a", "channel": "c",
        "url": "https://h/t/secret-tok/c/linux-64/a-1-0.conda", "fn": "a-1-0.conda"})
    d = render.record_json(r, cf)
    assert "files" not in d and "paths_data" not in d and "requested_spec" not in d
    assert "secret-tok" not in json.dumps(d) and d["channel"] == "conda-forge"


@pytest.mark.parametrize("channel,expected", [
    ("https://conda.anaconda.org/conda-forge/linux-64", "linux-64"),
    ("https://x/y/noarch", "noarch"), ("conda-forge", "osx-arm64"), ("", "osx-arm64")])
def test_subdir_of(channel: str, expected: str) -> None:
    r = rec("a", channel="https://z/osx-arm64")
    r2 = type(r).from_json(dict(r.to_json(), channel=channel))
    assert render.subdir_of(r2) == expected
