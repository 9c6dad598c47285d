"""A private stand-in for the solver, until ``umm.solver`` lands.

:func:`resolve` finds a consistent set of records by depth-first search with
  backtracking (best candidate first: channel priority, version, build number),
  honouring ``depends`` and ``constrains``, keeping installed packages unless
  asked to update them.

The commands call it through ``umm.cli._install.solve``; once ``umm.solver`` is
merged, only that function changes.
"""
from __future__ import annotations

from typing import Any, Dict, Iterable, List, Optional, Sequence, Set, Tuple

from umm.errors import UmmError


class NoSolution(UmmError):
    """The requested specs cannot be satisfied together."""

    def __init__(self, specs: Sequence[str], detail: str) -> None:
        super().__init__(f"could not solve for environment specs {', '.join(specs)}: {detail}")
        self.specs = list(specs)
        self.detail = detail


def _key(rec: Any) -> Tuple[Any, int, int]:
    return (rec.version_obj, int(rec.build_number or 0), int(rec.get("timestamp") or 0))


class _Search:
    def __init__(self, sources: Sequence[Any], virtual: Sequence[Any], installed: Dict[str, Any],
                 keep: Set[str], strict: bool, budget: int = 20000) -> None:
        self.sources = sources
        self.virtual = {v.name: v for v in virtual}
        self.installed = installed
        self.keep = keep
        self.strict = strict
        self.budget = budget
        self.cache: Dict[str, List[Any]] = {}
        self.failures: Dict[str, str] = {}

    def candidates(self, name: str) -> List[Any]:
        if name in self.cache:
            return self.cache[name]
        if name in self.virtual:
            out = [self.virtual[name]]
        else:
            per_channel = [(i, list(src.records(name))) for i, src in enumerate(self.sources)]
            per_channel = [(i, recs) for i, recs in per_channel if recs]
            if self.strict and per_channel:
                per_channel = per_channel[:1]
            flat = [(i, r) for i, recs in per_channel for r in recs]
            flat.sort(key=lambda ir: (_key(ir[1]), -ir[0]), reverse=True)
            out = [r for _, r in flat]
            inst = self.installed.get(name)
            if inst is not None and name in self.keep:
                same = [r for r in out if (r.version, r.build) == (inst.version, inst.build)]
                out = [inst] + [r for r in out if r not in same]
        self.cache[name] = out
        return out

    def run(self, specs: List[Any], pins: Sequence[Any] = ()) -> Optional[Dict[str, Any]]:
        from umm.specs import MatchSpec

        chosen: Dict[str, Any] = {}
        constraints: Dict[str, List[Any]] = {}
        for pin in pins:  # constrain the package if it is there, never pull it in
            constraints.setdefault(pin.name, []).append(pin)

        def ok(rec: Any) -> bool:
            return all(c.matches(rec) for c in constraints.get(rec.name, ()))

        def step(pending: List[Any]) -> bool:
            self.budget -= 1
            if self.budget < 0:
                return False
            while pending and pending[0].name in chosen:
                if not pending[0].matches(chosen[pending[0].name]):
                    self.failures[pending[0].name] = str(pending[0])
                    return False
                pending = pending[1:]
            if not pending:
                return True
            spec, rest = pending[0], pending[1:]
            found = False
            for rec in self.candidates(spec.name):
                if not spec.matches(rec) or not ok(rec):
                    continue
                found = True
                cons = [MatchSpec.parse(c) for c in (rec.constrains or ())]
                if any(c.name in chosen and not c.matches(chosen[c.name]) for c in cons):
                    continue
                chosen[rec.name] = rec
                for c in cons:
                    constraints.setdefault(c.name, []).append(c)
                deps = [MatchSpec.parse(d) for d in (rec.depends or ())]
                for d in deps:
                    constraints.setdefault(d.name, []).append(d)
                if step(deps + rest):
                    return True
                for d in deps:
                    constraints[d.name].remove(d)
                for c in cons:
                    constraints[c.name].remove(c)
                del chosen[rec.name]
            if not found:
                self.failures.setdefault(spec.name, str(spec))
            return False

        for s in specs:
            constraints.setdefault(s.name, []).append(s)
        return chosen if step(list(specs)) else None


def resolve(sources: Sequence[Any], specs: Sequence[Any], installed: Dict[str, Any], *,
            virtual: Sequence[Any] = (), update: Iterable[str] = (), strict: bool = False,
            no_deps: bool = False, pins: Sequence[Any] = ()) -> Dict[str, Any]:
    """The records of the environment after the change: name -> record.

    Installed packages stay (at their version when possible) unless named in ``update``.
    """
    from umm.specs import MatchSpec

    upd = set(update)
    keep = {n for n in installed if n not in upd}
    search = _Search(sources, virtual, installed, keep, strict)
    requested = {s.name for s in specs}
    all_specs = list(specs) + [MatchSpec.parse(n) for n in sorted(installed) if n not in requested]
    if no_deps:
        out = dict(installed)
        for s in specs:
            cands = [r for r in search.candidates(s.name) if s.matches(r)]
            if not cands:
                raise NoSolution([str(x) for x in specs], f"nothing provides {s}")
            out[s.name] = cands[0]
        return out
    result = search.run(all_specs, list(pins))
    if result is None:
        detail = ", ".join(f"nothing provides {v} that fits" for v in sorted(search.failures.values()))
        raise NoSolution([str(s) for s in specs], detail or "conflicting requirements")
    return {n: r for n, r in result.items() if n not in search.virtual}
