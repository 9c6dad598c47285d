"""What a refutation used: the original constraints behind a SAT core's final conflict.

:func:`unsat_core` walks back from the final (level 0) conflict through the
reasons of the variables it involves and through the derivations of learnt
clauses, and returns the original constraints it reaches, classified:

* ``CoreClause(ci)``: a clause the caller added (``solver.kinds[ci]``,
  ``solver.infos[ci]`` say what it is);
* ``CoreGroup(g, u, v)``: ``u`` and ``v`` are both in at-most-one group ``g``;
* ``CoreExclusion(r, parent, var)``: requirement or constraint ``r`` of
  ``parent`` excludes ``var``.
"""
from __future__ import annotations

from typing import Dict, List, NamedTuple, Optional, Union

from umm.solver.sat import LEARNT, ROOT, Ref, SatSolver


class CoreClause(NamedTuple):
    clause: int


class CoreGroup(NamedTuple):
    group: int
    a: int
    b: int


class CoreExclusion(NamedTuple):
    req: int
    parent: int
    var: int


CoreItem = Union[CoreClause, CoreGroup, CoreExclusion]


def find_exclusion(solver: SatSolver, parent: int, var: int) -> Optional[int]:
    """The requirement/constraint of ``parent`` whose exclusion list holds ``var``."""
    reqs = solver.root_reqs if parent == solver.root else (solver.reqs_of[parent] or ())
    for r in reqs:
        ex = solver.req_excl[r]
        if ex is not None and var in ex:
            return r
    return None


def classify(solver: SatSolver, ref: Ref) -> Optional[CoreItem]:
    if not isinstance(ref, tuple):
        return CoreClause(ref)
    u, v = ref
    gu, gv = solver.var_group[u], solver.var_group[v]
    if gu >= 0 and gu == gv:
        return CoreGroup(gu, u, v)
    r = find_exclusion(solver, u, v)
    if r is not None:
        return CoreExclusion(r, u, v)
    r = find_exclusion(solver, v, u)
    if r is not None:
        return CoreExclusion(r, v, u)
    return None


def unsat_core(solver: SatSolver) -> List[CoreItem]:
    """The original constraints a refutation used (empty unless the last solve failed)."""
    if solver.conflict is None:
        return []
    lits, ref = solver.conflict
    vals, level, reason = solver.vals, solver.level, solver.reason
    out: Dict[CoreItem, None] = {}
    done = set()
    stack: List[Ref] = [ref]
    for lit in lits:
        v = lit >> 1
        if vals[lit] == -1 and level[v] == 0 and reason[v] != -1:
            stack.append(solver.reason_of(v)[1])
    while stack:
        r = stack.pop()
        if r in done:
            continue
        done.add(r)
        if isinstance(r, tuple):
            clause_lits = [(r[0] << 1) | 1, (r[1] << 1) | 1]
            item = classify(solver, r)
            if item is not None:
                out[item] = None
        else:
            kind = solver.kinds[r]
            if kind == LEARNT:
                stack.extend(solver.learnt_from.get(r, ()))
            elif kind != ROOT:
                out[CoreClause(r)] = None
            clause_lits = solver.clauses[r]
        for lit in clause_lits:
            v = lit >> 1
            if vals[lit] == -1 and level[v] == 0 and reason[v] != -1:
                stack.append(solver.reason_of(v)[1])
    return list(out)
