"""The SAT core on its own: integers and clauses, checked against brute force."""
from __future__ import annotations

import itertools
import random
import threading
from typing import Dict, List, Optional, Sequence, Tuple

import pytest

from umm.solver.errors import SolveCancelled, StepBudgetExceeded
from umm.solver.sat import CONSTRAINS, FORBID, LOCK, REQUIRES, SatSolver, luby
from umm.solver.sat_core import CoreClause, CoreExclusion, CoreGroup, unsat_core


def brute_force(n: int, clauses: Sequence[Sequence[int]]) -> bool:
    for bits in itertools.product((False, True), repeat=n):
        if all(any(bits[abs(x) - 1] == (x > 0) for x in c) for c in clauses):
            return True
    return False


def satisfied(model: Sequence[int], clauses: Sequence[Sequence[int]]) -> bool:
    true = set(model)
    return all(any((x in true) if x > 0 else (-x not in true) for x in c) for c in clauses)


def test_luby() -> None:
    assert [luby(i) for i in range(15)] == [1, 1, 2, 1, 1, 2, 4, 1, 1, 2, 1, 1, 2, 4, 8]


@pytest.mark.parametrize("seed", range(6))
def test_random_cnf_matches_brute_force(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(250):
        n = rng.randint(1, 9)
        clauses = [[rng.choice((-1, 1)) * rng.randint(1, n) for _ in range(rng.randint(1, 4))]
                   for _ in range(rng.randint(1, 45))]
        s = SatSolver(restart_base=rng.choice((0, 1, 3, 100)))
        vs = s.new_vars(n)
        off = vs[0] - 1
        shifted = [[x + off if x > 0 else x - off for x in c] for c in clauses]
        for c in shifted:
            s.add_clause(c)
        got = s.solve()
        assert got == brute_force(n, clauses), clauses
        if got:
            assert satisfied(s.model(), shifted)
        else:
            assert unsat_core(s), "a refutation names the clauses it used"


def _conda_like(rng: random.Random) -> Tuple[Dict[int, List[int]], Dict, List, List]:
    names = {n: list(range(rng.randint(1, 3))) for n in range(rng.randint(1, 4))}
    deps = {}
    for n, vers in names.items():
        for i in vers:
            deps[n, i] = [(m, [j for j in names[m] if rng.random() < 0.6])
                          for m in [rng.randrange(len(names)) for _ in range(rng.randint(0, 2))]]
    cons = [(a, b) for a in deps for b in deps if a[0] != b[0] and rng.random() < 0.1]
    root = [(m, [j for j in names[m] if rng.random() < 0.7])
            for m in [rng.randrange(len(names)) for _ in range(rng.randint(1, 2))]]
    return names, deps, cons, root


def _conda_ok(names, deps, cons, root, sel: Dict[int, Optional[int]]) -> bool:
    inst = {(n, i) for n, i in sel.items() if i is not None}
    if any(sel[m] not in sub for m, sub in root):
        return False
    if any(sel[m] not in sub for a in inst for m, sub in deps[a]):
        return False
    return not any(a in inst and b in inst for a, b in cons)


@pytest.mark.parametrize("lazy", [False, True], ids=["eager", "lazy"])
def test_requirements_groups_and_exclusions_match_brute_force(lazy: bool) -> None:
    """Package-shaped problems: root requirements, dependencies, conflicts, one per name."""
    rng = random.Random(7 + lazy)
    for _ in range(600):
        names, deps, cons, root = _conda_like(rng)
        expect = any(_conda_ok(names, deps, cons, root, dict(zip(names, combo)))
                     for combo in itertools.product(*[[None] + v for v in names.values()]))
        s = SatSolver(restart_base=rng.choice((0, 1, 100)))
        var = {}
        for n, vers in names.items():
            for i in vers:
                var[n, i] = s.new_var()
            s.add_at_most_one([var[n, i] for i in vers], info=n)
        inv = {v: k for k, v in var.items()}
        for m, sub in root:
            s.add_requires(0, [var[m, j] for j in sub], info=("root", m))
        for a, b in cons:
            if rng.random() < 0.5:
                s.add_clause([-var[a], -var[b]], CONSTRAINS)
            else:
                s.add_constrains(var[a], [var[b]])
        done = set()

        def expand(a, deps=deps, s=s, var=var) -> None:
            for m, sub in deps[a]:
                s.add_requires(var[a], [var[m, j] for j in sub])

        def extend(solver: SatSolver, inv=inv, done=done, expand=expand) -> bool:
            added = False
            for v in list(solver.true_trail):
                a = inv.get(v)
                if a is not None and a not in done:
                    done.add(a)
                    expand(a)
                    added = True
            return added

        if not lazy:
            for a in deps:
                expand(a)
        got = s.solve(extend=extend if lazy else None)
        assert got == expect
        if got:
            sel: Dict[int, Optional[int]] = {n: None for n in names}
            for v in s.model():
                sel[inv[v][0]] = inv[v][1]
            assert _conda_ok(names, deps, cons, root, sel)


def _pigeons(n: int, mode: str) -> Tuple[SatSolver, Dict[Tuple[int, int], int]]:
    s = SatSolver()
    x = {(p, h): s.new_var() for p in range(n + 1) for h in range(n)}
    for p in range(n + 1):
        s.add_at_most_one([x[p, h] for h in range(n)], info=("pigeon", p))
        s.add_requires(0, [x[p, h] for h in range(n)], info=("pigeon", p))
    for h in range(n):
        for p in range(n + 1):
            for q in range(p + 1, n + 1):
                if mode == "clauses":
                    s.add_clause([-x[p, h], -x[q, h]], FORBID, ("hole", h))
                else:
                    s.add_constrains(x[p, h], [x[q, h]], ("hole", h))
    return s, x


@pytest.mark.parametrize("mode", ["clauses", "exclusions"])
def test_pigeonhole_is_refuted_with_a_core(mode: str) -> None:
    s, _ = _pigeons(7, mode)
    assert s.solve() is False
    core = unsat_core(s)
    kinds = {type(c) for c in core}
    assert CoreClause in kinds
    # the core mentions the holes, through clauses or exclusions
    holes = {s.infos[c.clause][1] for c in core if isinstance(c, CoreClause)
             and s.infos[c.clause] and s.infos[c.clause][0] == "hole"}
    holes |= {s.req_info[c.req][1] for c in core if isinstance(c, CoreExclusion)}
    assert holes
    assert s.stats["conflicts"] > 0 and s.stats["learnt"] > 0


def test_at_most_one_group_is_native() -> None:
    s = SatSolver()
    vs = list(s.new_vars(300))
    s.add_at_most_one(vs)
    s.add_requires(0, vs)
    assert s.solve()
    assert len(s.model()) == 1
    assert len(s.clauses) < 5, "no quadratic encoding"


def test_group_conflict_core_names_the_pair() -> None:
    s = SatSolver()
    a, b, c = s.new_vars(3)
    s.add_at_most_one([a, b, c], info="name")
    s.add_clause([a], LOCK, "want a")
    s.add_clause([b], LOCK, "want b")
    assert not s.solve()
    core = unsat_core(s)
    assert any(isinstance(x, CoreGroup) and {x.a, x.b} == {a, b} for x in core)
    assert {s.infos[x.clause] for x in core if isinstance(x, CoreClause)} == {"want a",
                                                                              "want b"}


def test_requirement_excludes_the_rest_of_its_group() -> None:
    s = SatSolver()
    p = s.new_var()
    c1, c2, c3 = s.new_vars(3)
    s.add_at_most_one([c1, c2, c3])
    s.add_requires(0, [p])
    r = s.add_requires(p, [c2, c3])
    assert s.req_excl[r] == [c1]
    assert s.solve()
    assert s.value(p) and s.value(c1) is False and s.value(c2)


def test_a_parent_satisfying_its_own_requirement_needs_nothing() -> None:
    s = SatSolver()
    a, b = s.new_vars(2)
    s.add_at_most_one([a, b])
    s.add_requires(0, [a])
    s.add_requires(a, [a, b])
    assert s.solve() and s.model() == [a]


def test_clauses_added_during_search_that_conflict_backjump() -> None:
    """A clause added lazily while already falsified is handled on the spot."""
    s = SatSolver()
    vs = list(s.new_vars(6))
    s.add_requires(0, vs[:3])
    s.add_at_most_one(vs[:3])
    added: List[int] = []

    def extend(solver: SatSolver) -> bool:
        true = set(solver.true_trail)
        for v in vs[:3]:
            if v in true and v not in added:
                added.append(v)
                if v != vs[2]:   # everything but the last is forbidden, lazily
                    solver.add_clause([-v], LOCK, f"no {v}")
                    return True
        return False

    assert s.solve(extend=extend)
    assert vs[2] in s.model()


def test_empty_requirement_of_the_root_is_unsat() -> None:
    s = SatSolver()
    s.add_requires(0, [], info="nothing")
    assert not s.solve()
    core = unsat_core(s)
    assert [s.infos[x.clause] for x in core if isinstance(x, CoreClause)] == ["nothing"]
    assert s.kinds[core[0].clause] == REQUIRES


def test_step_budget() -> None:
    s, _ = _pigeons(8, "clauses")
    s.step_budget = 50
    with pytest.raises(StepBudgetExceeded) as info:
        s.solve()
    assert info.value.budget == 50 and info.value.steps == 51


def test_cancellation_with_an_event() -> None:
    s, _ = _pigeons(9, "clauses")
    ev = threading.Event()
    ev.set()
    s.cancel = ev
    with pytest.raises(SolveCancelled):
        s.solve()


def test_cancellation_with_a_callable() -> None:
    s, _ = _pigeons(9, "clauses")
    s.cancel = lambda: True
    with pytest.raises(SolveCancelled):
        s.solve()


def test_general_clauses_use_vsids_to_complete_the_model() -> None:
    # (a or b) and (not a or c): not "requirements", still solved with all clauses met
    s = SatSolver()
    a, b, c = s.new_vars(3)
    clauses = [[a, b], [-a, c], [-b, -c]]
    for cl in clauses:
        s.add_clause(cl)
    assert s.solve()
    assert satisfied(s.model(), clauses)


def test_decide_callback_can_add_constraints_then_retry() -> None:
    s = SatSolver()
    a, b = s.new_vars(2)
    s.add_at_most_one([a, b])
    s.add_requires(0, [a, b])
    calls = []

    def decide(solver: SatSolver) -> Optional[int]:
        calls.append(1)
        if len(calls) == 1:
            solver.add_clause([-a], LOCK, "lookahead")   # prune, then ask again
            return None
        return solver.suggest()

    assert s.solve(decide=decide)
    assert s.model() == [b]


def test_restarts_keep_learnt_clauses_and_still_refute() -> None:
    s, _ = _pigeons(7, "clauses")
    s.restart_base = 2
    assert not s.solve()
    assert s.stats["restarts"] > 0
