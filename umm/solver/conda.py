"""Conda semantics on top of the SAT core: a lazy provider over record sources.

Names are loaded only when the search reaches them (a requested spec, a
dependency of a record being considered): each loaded name gets one variable per
candidate record, in preference order, and an at-most-one group. A record's
dependencies are encoded when it becomes true, or just before the heuristic
decides it (so a candidate whose dependencies cannot be met any more — a build
for another Python — is dropped without a decision); its ``constrains`` when it
becomes true. Pins, frozen and removed packages lock the candidates of their
name as it loads.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Set, Tuple

from umm.solver.candidates import NameCandidates, sort_candidates
from umm.solver.request import SolveRequest
from umm.solver.sat import LOCK, SatSolver

DONE = 1 << 30

# what a requirement or lock was made for (the explanation reads these)
ROOT_SPEC, KEEP, DEP, CONSTRAINT, PIN, FROZEN, REMOVED, NO_DOWNGRADE = (
    "spec", "keep", "dep", "constrains", "pin", "frozen", "removed", "no-downgrade")


def dep_name(spec_text: str) -> str:
    """The package name of a dependency string ("" when it is not a valid spec)."""
    from umm.specs.errors import SpecError
    from umm.specs.matchspec import MatchSpec

    try:
        return MatchSpec.parse(spec_text).name
    except SpecError:
        return ""


class Encoding:
    """One solve's variables and constraints (see the module docstring)."""

    def __init__(self, req: SolveRequest) -> None:
        from umm.specs.matchspec import MatchSpec

        self.MatchSpec = MatchSpec
        self.req = req
        self.sat = SatSolver(cancel=req.cancel, step_budget=req.step_budget)
        self.sources = list(req.sources)
        self.rec_of: List[Any] = [None, None]          # variable -> record
        self.name_of: List[str] = ["", ""]             # variable -> package name
        self.names: Dict[str, NameCandidates] = {}
        self.installed: Dict[str, Any] = {r.name: r for r in req.installed}
        self.virtual: Dict[str, List[Any]] = {}
        for r in req.virtual:
            self.virtual.setdefault(r.name, []).append(r)
        self.installed_vars: Set[int] = set()
        self.exp_pos: List[int] = [DONE, DONE]
        self.deps_of: Dict[int, List[str]] = {}
        self.dep_cache: Dict[str, Tuple[NameCandidates, List[int], List[int]]] = {}
        self.cons_cache: Dict[str, Tuple[str, List[int]]] = {}
        self.deferred: Dict[str, List[Tuple[int, str]]] = {}
        self.pins: Dict[str, List[Any]] = {}
        for p in req.pins:
            self.pins.setdefault(p.name, []).append(p)
        self.update: Set[str] = set()
        self.frozen: Set[str] = set()
        self.removed: Dict[str, Any] = {}
        self.no_downgrade: Set[str] = set()
        self.channel_pinned: Set[str] = {s.name for s in req.specs if s.channel}
        self._scan = 0

    # -- names ---------------------------------------------------------------------
    def load(self, name: str) -> NameCandidates:
        nc = self.names.get(name)
        if nc is not None:
            return nc
        req = self.req
        if name.startswith("__"):
            per_source: List[Tuple[int, Sequence[Any]]] = [(-1, self.virtual.get(name, []))]
            priority = "disabled"
        else:
            per_source = []
            for i, src in enumerate(self.sources):
                recs = src.records(name)
                if recs:
                    per_source.append((i, recs))
            priority = req.channel_priority
            if priority == "strict" and name in self.channel_pinned:
                priority = "flexible"   # an explicit channel:: spec may pick any channel
        inst = self.installed.get(name)
        prefer = inst is not None and name not in self.update
        nc = sort_candidates(name, per_source, inst, prefer, priority)
        self.names[name] = nc
        sat = self.sat
        n = len(nc.records)
        if n:
            vs = sat.new_vars(n)
            nc.vars = list(vs)
            self.rec_of += nc.records
            self.name_of += [name] * n
            self.exp_pos += [0] * n
            nc.group = sat.add_at_most_one(nc.vars, info=name)
            if nc.installed_index >= 0:
                self.installed_vars.add(nc.vars[nc.installed_index])
        self._lock(nc)
        for parent, text in self.deferred.pop(name, ()):
            self._constrain(parent, text)
        return nc

    def _lock(self, nc: NameCandidates) -> None:
        sat, name = self.sat, nc.name
        if name in self.removed:
            for v in nc.vars:
                sat.add_clause([-v], LOCK, (REMOVED, self.removed[name]))
            return
        if name in self.frozen and nc.installed_index >= 0:
            keep = nc.vars[nc.installed_index]
            for v in nc.vars:
                if v != keep:
                    sat.add_clause([-v], LOCK, (FROZEN, self.installed[name]))
        if name in self.no_downgrade and nc.installed_index >= 0:
            inst = nc.records[nc.installed_index]
            floor = (inst.version_obj.sort_key, inst.build_number or 0)
            for r, v in zip(nc.records, nc.vars):
                if (r.version_obj.sort_key, r.build_number or 0) < floor:
                    sat.add_clause([-v], LOCK, (NO_DOWNGRADE, self.installed[name]))
        for pin in list(self.pins.get(name, ())) + self._glob_pins(name):
            ok = set(nc.matching(pin))
            for i, v in enumerate(nc.vars):
                if i not in ok:
                    sat.add_clause([-v], LOCK, (PIN, pin))

    def _glob_pins(self, name: str) -> List[Any]:
        out = []
        for key, pins in self.pins.items():
            if any(c in key for c in "*?["):
                from umm.specs.build import compile_string_matcher

                if compile_string_matcher(key, ignore_case=True)(name):
                    out += pins
        return out

    # -- specs -----------------------------------------------------------------------
    def candidates(self, text: str) -> Tuple[NameCandidates, List[int], List[int]]:
        """(name, candidate vars, the name's other vars) of a dependency string."""
        got = self.dep_cache.get(text)
        if got is None:
            spec = self._parse(text)
            if spec is None:   # a broken dependency: nothing satisfies it
                got = self.dep_cache[text] = (NameCandidates(text, [], [], -1), [], [])
                return got
            nc = self.load(spec.name)
            pos = nc.matching(spec)
            cands = [nc.vars[i] for i in pos]
            if len(cands) == len(nc.vars):
                excluded: List[int] = []
            else:
                ok = set(pos)
                excluded = [v for i, v in enumerate(nc.vars) if i not in ok]
            got = self.dep_cache[text] = (nc, cands, excluded)
        return got

    def require(self, spec: Any, info: Tuple[Any, ...]) -> int:
        """A root requirement: one of the records matching ``spec``."""
        if spec.exact_name is None:   # a glob: every matching name of every source
            cands: List[int] = []
            for name in self._glob_names(spec):
                nc = self.load(name)
                cands += [nc.vars[i] for i in nc.matching(spec)]
            return self.sat.add_requires(0, cands, info)
        nc = self.load(spec.name)
        cands = [nc.vars[i] for i in nc.matching(spec)]
        return self.sat.add_requires(0, cands, info)

    def _glob_names(self, spec: Any) -> List[str]:
        from umm.specs.build import compile_string_matcher

        match = compile_string_matcher(spec.name, ignore_case=True)
        names: Set[str] = set()
        for src in self.sources:
            get = getattr(src, "names", None)
            if get is not None:
                names.update(n for n in get() if match(n))
        names.update(n for n in self.installed if match(n))
        return sorted(names)

    # -- lazy encoding -------------------------------------------------------------
    def _parse(self, text: str) -> Optional[Any]:
        from umm.specs.errors import SpecError

        try:
            return self.MatchSpec.parse(text)
        except SpecError as exc:
            self.req.reporter.warning(f"ignoring an invalid dependency spec {text!r}: {exc}")
            return None

    def dependencies(self, v: int) -> List[str]:
        deps = self.deps_of.get(v)
        if deps is None:
            rec = self.rec_of[v]
            deps = list(rec.depends)
            if (self.req.add_pip_as_python_dependency and rec.name == "python"
                    and rec.version[:2] in ("2.", "3.")
                    and not any(dep_name(d) == "pip" for d in deps)):
                deps.append("pip")
            names = self.names
            # names already loaded first: cheap, and where a stale build fails fast
            deps.sort(key=lambda d: dep_name(d) not in names)
            self.deps_of[v] = deps
        return deps

    def expand(self, v: int, full: bool) -> bool:
        """Encode ``v``'s dependencies (``full``: all of them, then its constrains).

        Without ``full`` it stops after a dependency nothing can satisfy any more
        (``v`` then becomes false) and resumes later if that changes.
        """
        pos = self.exp_pos[v]
        if pos >= DONE:
            return False
        deps = self.dependencies(v)
        sat = self.sat
        vals = sat.vals
        while pos < len(deps):
            text = deps[pos]
            pos += 1
            nc, cands, excluded = self.candidates(text)
            sat.add_requires(v, cands, (DEP, text), excluded)
            if not full:
                for c in cands:
                    if vals[c << 1] != -1:
                        break
                else:
                    self.exp_pos[v] = pos
                    return True
        for text in self.rec_of[v].constrains:
            self._constrain(v, text)
        self.exp_pos[v] = DONE
        return True

    def _constrain(self, v: int, text: str) -> None:
        got = self.cons_cache.get(text)
        if got is None:
            spec = self._parse(text)
            if spec is None:   # a broken constraint constrains nothing
                self.cons_cache[text] = ("", [])
                return
            name = spec.name
            nc = self.names.get(name)
            if nc is None:   # nothing needs that name yet: apply when it loads
                self.deferred.setdefault(name, []).append((v, text))
                return
            ok = set(nc.matching(spec))
            got = self.cons_cache[text] = (name, [x for i, x in enumerate(nc.vars)
                                                  if i not in ok])
        if got[1]:
            self.sat.add_constrains(v, got[1], (CONSTRAINT, text))

    def extend(self, sat: SatSolver) -> bool:
        """Encode the true records not encoded yet (runs at each fixpoint)."""
        tt = sat.true_trail
        i = min(self._scan, sat.true_low)
        exp_pos = self.exp_pos
        added = False
        while i < len(tt):
            v = tt[i]
            i += 1
            if exp_pos[v] < DONE:
                added = self.expand(v, True) or added
        self._scan = sat.true_low = len(tt)
        return added

    def decide(self, sat: SatSolver) -> Optional[int]:
        v = sat.suggest()
        if not v:
            return 0
        if self.exp_pos[v] < DONE:
            self.expand(v, False)
            return None
        return v
