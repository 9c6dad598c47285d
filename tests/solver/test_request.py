"""SolveRequest validation, Solution access, the error types, the public API."""
from __future__ import annotations

import threading

import pytest

from tests.solver.support import installed_record, source
from umm.errors import UmmError
from umm.reporter import RecordingReporter
from umm.solver import (InvalidSolveRequest, SolveCancelled, SolveRequest, StepBudgetExceeded,
                        Unsatisfiable, solve)
from umm.solver.explain import draw, merged_versions
from umm.specs import MatchSpec
from umm.specs.errors import InvalidMatchSpec


def test_specs_may_be_strings_and_are_parsed() -> None:
    req = SolveRequest([], ["numpy >=1.20", MatchSpec.parse("python")], pins=["foo <2"])
    assert req.specs == (MatchSpec.parse("numpy >=1.20"), MatchSpec.parse("python"))
    assert req.pins == (MatchSpec.parse("foo <2"),)
    with pytest.raises(AttributeError):
        req.specs = ()  # type: ignore[misc]
    assert req.replace(update_all=True).update_all and not req.update_all


@pytest.mark.parametrize("kw", [{"channel_priority": "sometimes"},
                                {"no_deps": True, "only_deps": True},
                                {"step_budget": 0}])
def test_bad_requests_are_refused(kw) -> None:
    with pytest.raises(InvalidSolveRequest) as info:
        SolveRequest([], ["a"], **kw)
    assert isinstance(info.value, UmmError)


def test_a_bad_spec_is_a_spec_error() -> None:
    with pytest.raises(InvalidMatchSpec):
        SolveRequest([], ["numpy >=>=1"])


def test_solution_access_and_reporting() -> None:
    rep = RecordingReporter()
    src = source("main", ["a 1.0", {"name": "b", "version": "1", "depends": ["a"]}])
    sol = solve(SolveRequest([src], ["b"], reporter=rep))
    assert sol.names() == ["a", "b"] and len(sol) == 2 and "a" in sol
    assert sol["b"].version == "1" and sol.get("zzz") is None
    assert [r.name for r in sol] == ["a", "b"]
    assert sol.requested == (MatchSpec.parse("b"),)
    assert sol.stats["variables"] >= 2 and "seconds" in sol.stats
    assert ("start", "solve", "solve", "Solving", None) in rep.events
    assert ("finish", "solve", "solve", True, "") in rep.events
    assert any(t.startswith("solver: ") for t in rep.texts("debug"))


def test_installed_records_that_stay_are_the_installed_objects() -> None:
    inst = installed_record("main::a 1.0")
    src = source("main", ["a 1.0", "a 2.0", "b 1.0"])
    sol = solve(SolveRequest([src], ["b"], installed=[inst]))
    assert sol["a"] is inst


def _pigeon_channel(n: int):
    pk = []
    for p in range(n + 1):
        for h in range(n):
            pk.append({"name": f"p{p}", "version": str(h),
                       "depends": [f"p{q} !={h}" for q in range(n + 1) if q != p]})
    return source("holes", pk), [f"p{p}" for p in range(n + 1)]


def test_step_budget_and_cancellation_reach_the_caller() -> None:
    src, specs = _pigeon_channel(8)
    with pytest.raises(StepBudgetExceeded):
        solve(SolveRequest([src], specs, step_budget=20))
    ev = threading.Event()
    ev.set()
    with pytest.raises(SolveCancelled):
        solve(SolveRequest([src], specs, cancel=ev))


def test_unsatisfiable_is_a_multiline_umm_error() -> None:
    src, specs = _pigeon_channel(4)
    with pytest.raises(Unsatisfiable) as info:
        solve(SolveRequest([src], specs))
    err = info.value
    assert isinstance(err, UmmError) and err.multiline and err.exit_code == 1
    assert err.graph is not None and err.graph.reqs
    assert str(err).startswith("Could not solve for environment specs\n")
    from umm.cli.errors import format_error

    assert format_error(err) == err.explanation


def test_merged_versions_and_tree_drawing() -> None:
    assert merged_versions(["2.0", "1.10", "1.9", "1.9"]) == "1.9 | 1.10 | 2.0"
    many = [f"1.{i}" for i in range(20)]
    assert merged_versions(many) == "1.0 | 1.1 | 1.2 | 1.3 | … | 1.19"
    lines = draw([("a", [("b", []), ("c", [("d", [])])]), ("e", [])])
    assert lines == ["├─ a", "│  ├─ b", "│  └─ c", "│     └─ d", "└─ e"]


def test_public_names_survive_importing_every_submodule() -> None:
    import importlib
    import pkgutil

    import umm.solver as pkg

    for mod in pkgutil.iter_modules(pkg.__path__):
        importlib.import_module(f"umm.solver.{mod.name}")
    for name in pkg.__all__:
        value = getattr(pkg, name)
        assert not hasattr(value, "__path__") and type(value).__name__ != "module", name
    assert callable(pkg.solve) and pkg.Transaction.plan
