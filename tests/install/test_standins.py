"""The private resolver stand-in the commands use until umm.solver lands."""
from __future__ import annotations

import pytest

from umm.install._standins import NoSolution, resolve
from umm.specs import MatchSpec, MemoryRecordSource, RepoDataRecord


def _rec(name: str, version: str, depends=(), constrains=(), build_number: int = 0, channel="c1"):
    d = {"name": name, "version": version, "build": f"h_{build_number}", "build_number": build_number,
         "depends": list(depends), "subdir": "noarch"}
    if constrains:
        d["constrains"] = list(constrains)
    fn = f"{name}-{version}-h_{build_number}.conda"
    return RepoDataRecord.from_repodata(d, fn, f"file:///{channel}/noarch/{fn}", channel)


def _specs(*texts: str):
    return [MatchSpec.parse(t) for t in texts]


def _names(result):
    return {n: str(r.version) for n, r in result.items()}


def test_newest_versions_and_dependencies() -> None:
    src = MemoryRecordSource("c1", [_rec("a", "1.0", ["b"]), _rec("a", "2.0", ["b >=2"]),
                                    _rec("b", "1.5"), _rec("b", "2.1"), _rec("b", "2.10")])
    assert _names(resolve([src], _specs("a"), {})) == {"a": "2.0", "b": "2.10"}


def test_backtracks_over_a_conflict() -> None:
    src = MemoryRecordSource("c1", [_rec("a", "2.0", ["b <2"]), _rec("a", "1.0", ["b"]),
                                    _rec("b", "1.0"), _rec("b", "2.0"), _rec("c", "1.0", ["b >=2"])])
    # a 2.0 needs b<2 but c needs b>=2: a falls back to 1.0
    assert _names(resolve([src], _specs("a", "c"), {})) == {"a": "1.0", "b": "2.0", "c": "1.0"}


def test_constrains_and_pins() -> None:
    src = MemoryRecordSource("c1", [_rec("a", "1.0", constrains=["b <2"]), _rec("b", "1.0"),
                                    _rec("b", "2.0"), _rec("d", "1.0", ["b"])])
    assert _names(resolve([src], _specs("a", "d"), {})) == {"a": "1.0", "b": "1.0", "d": "1.0"}
    pinned = resolve([src], _specs("d"), {}, pins=_specs("b 1.*", "zzz 1.*"))
    assert _names(pinned) == {"b": "1.0", "d": "1.0"}  # a pin never pulls a package in


def test_installed_are_kept_unless_updated() -> None:
    src = MemoryRecordSource("c1", [_rec("a", "1.0"), _rec("a", "2.0"), _rec("x", "1.0")])
    installed = {"a": _rec("a", "1.0")}
    assert _names(resolve([src], _specs("x"), installed)) == {"a": "1.0", "x": "1.0"}
    assert _names(resolve([src], _specs("a"), installed, update=["a"])) == {"a": "2.0"}


def test_channel_priority() -> None:
    high = MemoryRecordSource("c1", [_rec("a", "1.0", channel="c1")])
    low = MemoryRecordSource("c2", [_rec("a", "9.0", channel="c2")])
    assert str(resolve([high, low], _specs("a"), {}, strict=True)["a"].version) == "1.0"
    assert str(resolve([high, low], _specs("a"), {})["a"].version) == "9.0"
    assert resolve([high, low], _specs("c2::a"), {})["a"].channel == "c2"


def test_unsatisfiable_names_the_missing_piece() -> None:
    src = MemoryRecordSource("c1", [_rec("a", "1.0", ["nothere >=1"])])
    with pytest.raises(NoSolution) as err:
        resolve([src], _specs("a"), {})
    assert "nothere" in str(err.value)


def test_no_deps() -> None:
    src = MemoryRecordSource("c1", [_rec("a", "1.0", ["b"])])
    assert _names(resolve([src], _specs("a"), {}, no_deps=True)) == {"a": "1.0"}
