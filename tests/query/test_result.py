"""Query graphs: search order, dependency trees (cycles, missing deps), reverse trees."""
from __future__ import annotations

from typing import Any, List

import pytest

from tests.query.conftest import rec
from umm.query.errors import SingleQueryOnly, UnknownQueryKind
from umm.query.pool import PackagePool
from umm.query.result import NOT_FOUND, Node, QueryResult, run_query
from umm.specs import MatchSpec, MemoryRecordSource


def pool_of(*records: Any, virtual: List[Any] = ()) -> PackagePool:  # type: ignore[assignment]
    return PackagePool([MemoryRecordSource("c", records)], virtual)


def ms(text: str) -> Any:
    return MatchSpec.parse(text)


def edges(result: QueryResult) -> List[tuple]:
    return [(result.nodes[i].name, result.nodes[j].name)
            for i, kids in enumerate(result.children) for j in kids]


def test_search_sorts_by_name_then_newest_and_merges_specs() -> None:
    pool = pool_of(rec("b", "1"), rec("a", "1"), rec("a", "1.10"), rec("a", "1.9"),
                   rec("c", "3"))
    r = run_query(pool, "search", [ms("a"), ms("b"), ms("a >=1.9")])
    assert [(n.name, n.record.version) for n in r.nodes] == [
        ("a", "1.10"), ("a", "1.9"), ("a", "1"), ("b", "1")]
    assert r.query == "a, b, a >=1.9" and r.kind == "search" and r.root is None
    assert not r.empty
    assert run_query(pool, "search", [ms("zzz")]).empty


def test_depends_direct_and_recursive_with_cycle_missing_and_duplicates() -> None:
    pool = pool_of(
        rec("app", "1", depends=["lib >=1", "lib <3", "py", "gone >=2"]),
        rec("app", "2", depends=["lib >=2", "py"]),
        rec("lib", "1"), rec("lib", "2", depends=["base"]),
        rec("py", "3", depends=["pip"]), rec("pip", "24", depends=["py", "gone >=2"]),
        rec("base", "1"))
    direct = run_query(pool, "depends", [ms("app")])
    assert str(direct.nodes[direct.root]) == "app[2]"  # the newest app
    assert edges(direct) == [("app", "lib"), ("app", "py")]
    assert [n.record.version for n in direct.nodes[1:]] == ["2", "3"]
    old = run_query(pool, "depends", [ms("app 1")], recursive=True)
    # two deps resolving to one record give one edge; a missing dep is one labelled node
    gone = f"gone >=2 {NOT_FOUND}"
    assert [str(n) for n in old.nodes] == ["app[1]", "lib[2]", "base[1]", "py[3]", "pip[24]",
                                           gone]  # depth-first discovery order
    assert edges(old) == [("app", "lib"), ("app", "py"), ("app", gone), ("lib", "base"),
                          ("py", "pip"), ("pip", "py"), ("pip", gone)]
    assert old.nodes[1].record.version == "2"  # best lib for "lib >=1"
    assert old.not_found() == ["gone >=2"]
    assert not old.is_tree and run_query(pool, "depends", [ms("app")], tree=True).is_tree


def test_depends_of_unknown_package_is_empty() -> None:
    r = run_query(pool_of(rec("a")), "depends", [ms("nope")])
    assert r.empty and r.nodes == () and r.root is None


def test_depends_uses_virtual_packages() -> None:
    glibc = rec("__glibc", "2.35", channel="@")
    r = run_query(pool_of(rec("a", depends=["__glibc >=2.17", "__cuda"]), virtual=[glibc]),
                  "depends", [ms("a")])
    assert [str(n) for n in r.nodes] == ["a[1.0]", "__glibc[2.35]", f"__cuda {NOT_FOUND}"]


def test_whoneeds_flat_lists_every_requiring_record() -> None:
    pool = pool_of(rec("lib", "1"), rec("lib", "2"),
                   rec("app", "1", depends=["lib <2"]), rec("app", "2", depends=["lib >=2"]),
                   rec("tool", "1", depends=["app"]), rec("unrelated", "1"))
    r = run_query(pool, "whoneeds", [ms("lib")])
    assert [(n.name, n.record.version) for n in r.nodes] == [("app", "2"), ("app", "1")]
    assert r.root is None
    r = run_query(pool, "whoneeds", [ms("lib 1")])
    assert [(n.name, n.record.version) for n in r.nodes] == [("app", "1")]


def test_whoneeds_tree_walks_up_one_record_per_name() -> None:
    pool = pool_of(rec("lib", "1"),
                   rec("app", "1", depends=["lib"]), rec("app", "2", depends=["lib"]),
                   rec("tool", "1", depends=["app", "lib"]), rec("gui", "1", depends=["tool"]),
                   rec("cyc", "1", depends=["gui"]), rec("gui", "0.1", depends=["cyc"]))
    r = run_query(pool, "whoneeds", [ms("lib")], tree=True)
    assert str(r.nodes[r.root]) == "lib[1]"
    assert [str(n) for n in r.nodes] == ["lib[1]", "app[2]", "tool[1]", "gui[1]", "cyc[1]"]
    # gui 0.1 needs cyc: an edge back to the (already listed) gui package
    assert edges(r) == [("lib", "app"), ("lib", "tool"), ("app", "tool"), ("tool", "gui"),
                        ("gui", "cyc"), ("cyc", "gui")]
    assert [n.name for n in r.listed()] == ["app", "tool", "gui", "cyc"]


def test_whoneeds_of_a_name_without_records_still_walks() -> None:
    pool = pool_of(rec("app", depends=["__glibc >=2.17"]), rec("tool", depends=["app"]))
    r = run_query(pool, "whoneeds", [ms("__glibc")], recursive=True)
    assert r.nodes[r.root].label == "__glibc" and not r.nodes[r.root].found
    assert [n.name for n in r.listed()] == ["app", "tool"]
    assert run_query(pool, "whoneeds", [ms("nothing")], tree=True).empty


def test_one_spec_only_for_depends_and_whoneeds() -> None:
    pool = pool_of(rec("a"))
    with pytest.raises(SingleQueryOnly) as err:
        run_query(pool, "depends", [ms("a"), ms("b")])
    assert err.value.kind == "depends" and err.value.count == 2 and err.value.exit_code == 2
    with pytest.raises(SingleQueryOnly):
        run_query(pool, "whoneeds", [])
    with pytest.raises(UnknownQueryKind):
        run_query(pool, "list", [ms("a")])


def test_values_are_immutable() -> None:
    r = run_query(pool_of(rec("a")), "search", [ms("a")])
    with pytest.raises(AttributeError):
        r.kind = "depends"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        Node(None, "x").label = "y"  # type: ignore[misc]
