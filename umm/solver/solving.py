"""``solve(request) -> Solution``: from a request to the final environment.

What the request's switches mean here (micromamba's behaviour):

* every installed package stays installed (its name is required) unless it is
  removed, or ``prune`` is set and nobody asked for it; its installed build is the
  preferred candidate unless its name is being updated (``update_all``,
  ``update_names``, and with ``update_deps`` the installed dependencies of the
  requested packages);
* updated packages do not move to an older build unless that is the only way
  (the solve is then repeated allowing it);
* ``freeze_installed`` locks installed packages not named by a spec to their build;
* ``remove`` takes out the matching installed packages and every installed package
  that depends on one of them;
* ``no_deps`` / ``only_deps`` filter the solved environment afterwards.
"""
from __future__ import annotations

import time
from typing import Any, Dict, Iterable, List, Set

from umm.solver.conda import KEEP, ROOT_SPEC, Encoding, dep_name
from umm.solver.request import Solution, SolveRequest


def _closure(installed: Dict[str, Any], start: Iterable[str]) -> Set[str]:
    """Installed names reachable from ``start`` through installed records' depends."""
    seen: Set[str] = set()
    todo = [n for n in start if n in installed]
    while todo:
        n = todo.pop()
        if n in seen:
            continue
        seen.add(n)
        for d in installed[n].depends:
            m = dep_name(d)
            if m in installed and m not in seen:
                todo.append(m)
    return seen


def removal_set(req: SolveRequest) -> Dict[str, Any]:
    """Installed names to remove -> why (the remove spec, or the removed name needed)."""
    removed: Dict[str, Any] = {}
    for rec in req.installed:
        for spec in req.remove:
            if spec.matches(rec):
                removed[rec.name] = spec
                break
    changed = bool(removed)
    while changed:
        changed = False
        for rec in req.installed:
            if rec.name in removed:
                continue
            for d in rec.depends:
                n = dep_name(d)
                if n in removed:
                    removed[rec.name] = n
                    changed = True
                    break
    return removed


def encode(req: SolveRequest, no_downgrade: bool = False) -> Encoding:
    """The encoding of a request, root requirements added, not solved yet.

    ``no_downgrade``: installed packages being updated may not go to an older build
    (unless a spec with a version names them)."""
    enc = Encoding(req)
    installed = enc.installed
    spec_names = {s.name for s in req.specs if s.exact_name}
    update: Set[str] = set(req.update_names)
    if req.update_all:
        update |= set(installed)
    if req.update_deps:
        update |= _closure(installed, spec_names | update) - spec_names
    enc.update = update
    if no_downgrade:
        versioned = {s.name for s in req.specs if not s.is_name_only}
        enc.no_downgrade = (update & set(installed)) - versioned
    enc.removed = removal_set(req)
    if req.freeze_installed:
        enc.frozen = set(installed) - spec_names - update
    for spec in req.specs:
        enc.require(spec, (ROOT_SPEC, spec))
    # requested specs get their best candidates in request order; what stays
    # installed is decided by fewest candidates left
    enc.sat.root_ordered = len(enc.sat.root_reqs)
    for name, rec in installed.items():
        if name in enc.removed:
            continue
        if req.prune and not (name in spec_names or name in update
                              or getattr(rec, "requested_spec", None)):
            continue
        enc.require(enc.MatchSpec(name=name), (KEEP, rec))
    return enc


def solve(req: SolveRequest) -> Solution:
    """Solve ``req``; raises :class:`~umm.solver.errors.Unsatisfiable` with an explanation."""
    rep = req.reporter
    rep.start("solve", "solve", "Solving", None)
    t0 = time.perf_counter()
    ok = False
    try:
        # updates first try without downgrading what is installed, as libsolv does
        # without allow_downgrade; if that is impossible, downgrades are allowed
        enc = encode(req, no_downgrade=True)
        solved = enc.sat.solve(extend=enc.extend, decide=enc.decide)
        if not solved and enc.no_downgrade:
            enc = encode(req)
            solved = enc.sat.solve(extend=enc.extend, decide=enc.decide)
        if not solved:
            from umm.solver.explain import unsatisfiable

            raise unsatisfiable(enc)
        ok = True
    finally:
        rep.finish("solve", "solve", ok)
    stats = dict(enc.sat.stats, names=len(enc.names), variables=enc.sat.nvars,
                 seconds=round(time.perf_counter() - t0, 6))
    rep.debug("solver: " + ", ".join(f"{k}={v}" for k, v in stats.items()))
    return Solution(result_records(enc), req.specs, stats)


def result_records(enc: Encoding) -> List[Any]:
    req = enc.req
    chosen: Dict[str, Any] = {}
    for v in enc.sat.model():
        name = enc.name_of[v]
        if name.startswith("__"):
            continue
        chosen[name] = enc.installed[name] if v in enc.installed_vars else enc.rec_of[v]
    if req.no_deps or req.only_deps:
        spec_names = {s.name for s in req.specs}
        kept = {n: r for n, r in enc.installed.items() if n not in enc.removed}
        if req.no_deps:
            for n in spec_names:
                if n in chosen:
                    kept[n] = chosen[n]
            chosen = kept
        else:
            chosen = {n: (kept[n] if n in spec_names else r) for n, r in chosen.items()
                      if n not in spec_names or n in kept}
    return list(chosen.values())
