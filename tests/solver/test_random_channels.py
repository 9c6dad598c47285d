"""Random small channels: the solver agrees with brute force on what is installable,
returns consistent environments, and gives the first requested spec its best
installable version (requested specs are decided in order)."""
from __future__ import annotations

import itertools
import random
from typing import Any, Dict, List, Optional

import pytest

from tests.solver.support import problems, source
from umm.solver import SolveRequest, Unsatisfiable, solve
from umm.specs import MatchSpec

NAMES = ["a", "b", "c", "d"]
OPS = [">=", "<", "==", "!="]


def _spec(rng: random.Random, name: str) -> str:
    if rng.random() < 0.35:
        return name
    return f"{name} {rng.choice(OPS)}{rng.randint(1, 3)}"


def _channel(rng: random.Random) -> List[Dict[str, Any]]:
    pkgs = []
    for name in NAMES[:rng.randint(2, 4)]:
        for v in rng.sample([1, 2, 3], rng.randint(1, 3)):
            others = [n for n in NAMES if n != name]
            deps = [_spec(rng, n) for n in rng.sample(others, rng.randint(0, 2))]
            cons = [_spec(rng, n) for n in rng.sample(others, 1)] if rng.random() < 0.2 else []
            pkgs.append({"name": name, "version": str(v), "depends": deps, "constrains": cons,
                         "build": f"b{rng.randint(0, 1)}", "build_number": rng.randint(0, 1)})
    return pkgs


def _valid_envs(records: List[Any], specs: List[str]) -> List[Dict[str, Any]]:
    by_name: Dict[str, List[Any]] = {}
    for r in records:
        by_name.setdefault(r.name, []).append(r)
    names = sorted(by_name)
    out = []
    for combo in itertools.product(*[[None] + by_name[n] for n in names]):
        env = [r for r in combo if r is not None]
        if not problems(env, specs):
            out.append({r.name: r for r in env})
    return out


@pytest.mark.parametrize("seed", range(8))
def test_random_channels_against_brute_force(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(60):
        src = source("main", _channel(rng))
        records = [r for n in src.names() for r in src.records(n)]
        specs = [_spec(rng, n) for n in rng.sample(list(src.names()), rng.randint(1, 2))]
        envs = _valid_envs(records, specs)
        try:
            sol = solve(SolveRequest([src], specs, add_pip_as_python_dependency=False))
        except Unsatisfiable as exc:
            assert not envs, f"{specs}: solvable ({envs[0]}) but refuted:\n{exc}"
            assert exc.explanation.startswith("Could not solve")
            continue
        assert envs, f"{specs}: no valid environment exists, got {sol}"
        assert problems(sol.records, specs) == []
        first = MatchSpec.parse(specs[0]).name
        best: Optional[Any] = max((e[first] for e in envs),
                                  key=lambda r: (r.version_obj.sort_key, r.build_number,
                                                 r.build))
        got = sol[first]
        assert (got.version, got.build_number) == (best.version, best.build_number), specs


def _hard_ok(env: Dict[str, Any], installed: Dict[str, Any], pins: List[str],
             removed: set, frozen: set) -> bool:
    """The constraints the request switches add, on top of consistency."""
    for name, rec in installed.items():
        if name in removed:
            if name in env:
                return False
        elif name not in env:
            return False   # installed packages stay
        elif name in frozen and (env[name].version, env[name].build) != (rec.version,
                                                                          rec.build):
            return False
    for p in pins:
        m = MatchSpec.parse(p)
        if m.name in env and not m.matches(env[m.name]):
            return False
    return True


@pytest.mark.parametrize("seed", range(6))
def test_random_requests_with_installed_pins_freeze_remove(seed: int) -> None:
    from tests.solver.support import installed_record
    from umm.solver.solving import removal_set

    rng = random.Random(100 + seed)
    checked = 0
    for _ in range(80):
        pkgs = _channel(rng)
        src = source("main", pkgs)
        records = [r for n in src.names() for r in src.records(n)]
        # a consistent installed environment, when there is one
        base = _valid_envs(records, [rng.choice(list(src.names()))])
        if not base:
            continue
        env0 = rng.choice(base)
        installed = {n: installed_record(dict(name=r.name, version=r.version, build=r.build,
                                              build_number=r.build_number,
                                              depends=list(r.depends),
                                              constrains=list(r.constrains), channel="main"))
                     for n, r in env0.items()}
        specs = [_spec(rng, n) for n in rng.sample(list(src.names()), rng.randint(0, 1))]
        pins = [_spec(rng, n) for n in rng.sample(list(src.names()), rng.randint(0, 1))]
        remove = [n for n in rng.sample(list(installed), rng.randint(0, 1))]
        freeze = rng.random() < 0.3
        req = SolveRequest([src], specs, list(installed.values()), pins=pins, remove=remove,
                           freeze_installed=freeze, add_pip_as_python_dependency=False)
        removed = set(removal_set(req))
        frozen = (set(installed) - {MatchSpec.parse(s).name for s in specs}) if freeze else set()
        envs = [e for e in _valid_envs(records + list(installed.values()), specs)
                if _hard_ok(e, installed, pins, removed, frozen)]
        try:
            sol = solve(req)
        except Unsatisfiable:
            assert not envs, f"{specs} {pins} rm={remove} freeze={freeze}: solvable {envs[0]}"
            continue
        got = {r.name: r for r in sol.records}
        assert problems(sol.records, specs) == []
        assert _hard_ok(got, installed, pins, removed, frozen)
        checked += 1
    assert checked > 10
