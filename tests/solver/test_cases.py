"""Data-driven solver cases: ``tests/solver/cases/*.yaml``.

Each file has ``channels`` (name -> packages, in priority order), optional shared
``installed``/``virtual``, and ``cases``. A case gives the request (``specs``,
``installed``, ``virtual``, ``pins``, ``remove``, ``channels`` (which, in which
order), ``channel_priority`` and the other ``SolveRequest`` switches) and what to
expect:

* ``present``: match specs each satisfied by a record of the solution;
* ``absent``: names not in the solution;
* ``error``: fragments of the ``Unsatisfiable`` explanation; ``golden``: the name of
  a file under ``tests/solver/golden/`` holding the whole explanation
  (``UMM_UPDATE_GOLDEN=1`` rewrites them);
* ``actions``: kind -> names of the transaction from the installed records;
* ``link_order``: names that must appear in this order in ``to_link``.

Every successful solution is also checked for consistency (one record per name,
depends and constrains met, requested specs met).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Dict, List

import pytest
import yaml

from tests.conftest import SHARED_DATA
from tests.solver.support import (installed_record, load_repodata, package_dict, problems,
                                  source, stub_missing, virtual_record)
from umm.solver import SolveRequest, Transaction, Unsatisfiable, solve
from umm.specs import MatchSpec

HERE = Path(__file__).parent
CASES = HERE / "cases"
GOLDEN = HERE / "golden"
SWITCHES = ("update_all", "update_names", "freeze_installed", "no_deps", "only_deps",
            "force_reinstall", "prune", "update_deps", "channel_priority",
            "add_pip_as_python_dependency", "pins", "remove")


def _load() -> List[Any]:
    out = []
    for path in sorted(CASES.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text())
        for case in doc["cases"]:
            out.append(pytest.param(doc, case, id=f"{path.stem}: {case['name']}"))
    return out


def _request(doc: Dict[str, Any], case: Dict[str, Any]) -> SolveRequest:
    channels = doc.get("channels") or {}
    names = case.get("channels", list(channels))
    sources = [_source(n, channels[n]) for n in names]
    if case.get("stub_missing"):
        sources.append(stub_missing(sources))
    installed = [installed_record(_with_depends(x, channels))
                 for x in case.get("installed", doc.get("installed", []))]
    virtual = [virtual_record(x) for x in case.get("virtual", doc.get("virtual", []))]
    kw = {k: case[k] for k in SWITCHES if k in case}
    return SolveRequest(sources, case.get("specs", []), installed, virtual, **kw)


_SOURCES: Dict[str, Any] = {}


def _source(name: str, desc: Any) -> Any:
    """A channel from package descriptions, or ``{repodata: file}`` of the shared data."""
    if isinstance(desc, dict) and "repodata" in desc:
        key = f"{name}:{desc['repodata']}"
        if key not in _SOURCES:
            _SOURCES[key] = load_repodata(SHARED_DATA / "repodata" / desc["repodata"], name)
        return _SOURCES[key]
    return source(name, desc)


def _with_depends(desc: Any, channels: Dict[str, Any]) -> Any:
    """An installed "chan::name version [build]" takes its fields from chan's entry."""
    if not isinstance(desc, str) or "::" not in desc:
        return desc
    chan, rest = desc.split("::", 1)
    want = package_dict(rest)
    entries = channels.get(chan, ())
    for entry in entries if isinstance(entries, list) else ():
        d = package_dict(entry)
        if (d["name"], d["version"], d["build"]) == (want["name"], want["version"],
                                                     want["build"]):
            return dict(d, channel=chan)
    return desc


@pytest.mark.parametrize("doc,case", _load())
def test_case(doc: Dict[str, Any], case: Dict[str, Any]) -> None:
    req = _request(doc, case)
    expect = case.get("expect", {})
    if "error" in expect or "golden" in expect:
        with pytest.raises(Unsatisfiable) as info:
            solve(req)
        text = info.value.explanation
        for fragment in expect.get("error", []):
            assert fragment in text, f"{fragment!r} not in:\n{text}"
        if "golden" in expect:
            path = GOLDEN / f"{expect['golden']}.txt"
            if os.environ.get("UMM_UPDATE_GOLDEN") == "1":
                path.write_text(text + "\n", encoding="utf-8")
            assert text + "\n" == path.read_text(encoding="utf-8"), f"explanation changed:\n{text}"
        assert str(info.value) == text
        return
    sol = solve(req)
    by = {r.name: r for r in sol.records}
    wrong = problems(sol.records, req.specs if not (req.no_deps or req.only_deps) else (),
                     req.virtual)
    if not (req.no_deps or req.only_deps):
        assert not wrong, wrong
    for spec in expect.get("present", []):
        m = MatchSpec.parse(spec)
        assert m.name in by, f"{m.name} missing from {sorted(by)}"
        assert m.matches(by[m.name]), f"{by[m.name].dist_name} does not match {spec}"
    for name in expect.get("absent", []):
        assert name not in by, f"{name} should not be in the solution"
    if "only" in expect:
        assert sorted(by) == sorted(expect["only"])
    if "actions" in expect or "link_order" in expect:
        tx = Transaction.plan(req.installed, sol, requested=req.specs,
                              force_reinstall=req.force_reinstall)
        if "actions" in expect:
            got: Dict[str, List[str]] = {}
            for a in tx.actions:
                got.setdefault(a.kind, []).append(a.name)
            want = {k: sorted(v) for k, v in expect["actions"].items() if v}
            assert {k: sorted(v) for k, v in got.items()} == want
        if "link_order" in expect:
            order = [r.name for r in tx.to_link]
            pos = [order.index(n) for n in expect["link_order"]]
            assert pos == sorted(pos), order
