"""From the installed records and a solution to a transaction plan (plain data).

``Transaction.plan(installed, solution, requested=..., force_reinstall=...)``
compares the two environments name by name:

* only in the solution: ``install``; only installed: ``remove``;
* both, the same package: nothing (``reinstall`` when ``force_reinstall`` and the
  name is requested);
* both, different: ``upgrade`` / ``downgrade`` by (version, build number), else
  ``change`` (same version and build number, another build string or channel).

``to_link`` lists the new records in dependency order (dependencies first; the
members of a cycle such as python <-> pip with python first, then by name);
``to_unlink`` lists the records to take out, dependents first.
"""
from __future__ import annotations

from typing import Any, Dict, Iterable, List, Sequence, Set

from umm.solver.candidates import same_package

KINDS = ("install", "upgrade", "downgrade", "change", "reinstall", "remove")


class Action:
    """One change to the environment: ``kind``, ``name``, ``old`` and ``new`` records."""

    __slots__ = ("kind", "name", "old", "new")

    def __init__(self, kind: str, name: str, old: Any = None, new: Any = None) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown action kind {kind!r}")
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "old", old)
        object.__setattr__(self, "new", new)

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError("Action is immutable")

    def __eq__(self, other: Any) -> bool:
        if not isinstance(other, Action):
            return NotImplemented
        return (self.kind, self.name, self.old, self.new) == \
            (other.kind, other.name, other.old, other.new)

    def __hash__(self) -> int:
        return hash((self.kind, self.name))

    def __repr__(self) -> str:
        old = self.old.dist_name if self.old is not None else "-"
        new = self.new.dist_name if self.new is not None else "-"
        return f"Action({self.kind}, {old} -> {new})"


def _dep_names(record: Any) -> List[str]:
    from umm.solver.conda import dep_name

    out = []
    for d in record.depends:
        try:
            n = dep_name(d)
        except ValueError:
            continue
        if not n.startswith("__"):
            out.append(n)
    return out


def dependency_order(records: Sequence[Any]) -> List[Any]:
    """``records`` with dependencies first (Tarjan's SCCs; in a cycle python first)."""
    by_name = {r.name: r for r in records}
    names = sorted(by_name)
    edges = {n: sorted({d for d in _dep_names(by_name[n]) if d in by_name and d != n})
             for n in names}
    index: Dict[str, int] = {}
    low: Dict[str, int] = {}
    on_stack: Set[str] = set()
    stack: List[str] = []
    out: List[Any] = []
    counter = 0
    for start in names:
        if start in index:
            continue
        # iterative Tarjan: (node, next edge position)
        work = [(start, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            recurse = False
            deps = edges[node]
            while i < len(deps):
                d = deps[i]
                i += 1
                if d not in index:
                    work.append((node, i))
                    work.append((d, 0))
                    recurse = True
                    break
                if d in on_stack:
                    low[node] = min(low[node], index[d])
            if recurse:
                continue
            if low[node] == index[node]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == node:
                        break
                comp.sort(key=lambda n: (n != "python", n))
                out.extend(by_name[n] for n in comp)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return out


class Transaction:
    """What to do to an environment; see the module docstring."""

    __slots__ = ("actions", "to_link", "to_unlink")

    def __init__(self, actions: Iterable[Action], to_link: Sequence[Any],
                 to_unlink: Sequence[Any]) -> None:
        object.__setattr__(self, "actions", list(actions))
        object.__setattr__(self, "to_link", list(to_link))
        object.__setattr__(self, "to_unlink", list(to_unlink))

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError("Transaction is immutable")

    @classmethod
    def plan(cls, installed: Iterable[Any], solution: Iterable[Any],
             requested: Iterable[Any] = (), force_reinstall: bool = False) -> "Transaction":
        """The plan turning ``installed`` into ``solution`` (records, or a Solution)."""
        from umm.specs.matchspec import MatchSpec

        old = {r.name: r for r in installed}
        new = {r.name: r for r in solution}
        wanted: Set[str] = set()
        for x in requested:
            if isinstance(x, str):
                try:
                    wanted.add(MatchSpec.parse(x).name)
                except ValueError:
                    wanted.add(x.lower())
            else:
                wanted.add(x.name)
        actions: List[Action] = []
        for name in sorted(set(old) | set(new)):
            o, n = old.get(name), new.get(name)
            if o is None:
                actions.append(Action("install", name, None, n))
            elif n is None:
                actions.append(Action("remove", name, o, None))
            elif n is o or same_package(o, n):
                if force_reinstall and name in wanted:
                    actions.append(Action("reinstall", name, o, n))
            else:
                ko = (o.version_obj.sort_key, o.build_number or 0)
                kn = (n.version_obj.sort_key, n.build_number or 0)
                kind = "upgrade" if kn > ko else "downgrade" if kn < ko else "change"
                actions.append(Action(kind, name, o, n))
        linking = {a.name for a in actions if a.new is not None}
        unlinking = {a.name for a in actions if a.old is not None}
        to_link = [r for r in dependency_order(list(new.values())) if r.name in linking]
        to_unlink = [r for r in reversed(dependency_order(list(old.values())))
                     if r.name in unlinking]
        return cls(actions, to_link, to_unlink)

    # -- views -----------------------------------------------------------------------
    def by_kind(self, kind: str) -> List[Action]:
        return [a for a in self.actions if a.kind == kind]

    @property
    def is_empty(self) -> bool:
        return not self.actions

    def __bool__(self) -> bool:
        return bool(self.actions)

    def __len__(self) -> int:
        return len(self.actions)

    def __iter__(self):
        return iter(self.actions)

    def summary(self) -> Dict[str, int]:
        """How many actions of each kind (kinds with none left out)."""
        out: Dict[str, int] = {}
        for a in self.actions:
            out[a.kind] = out.get(a.kind, 0) + 1
        return out

    def __repr__(self) -> str:
        parts = ", ".join(f"{k}={v}" for k, v in self.summary().items())
        return f"Transaction({parts or 'nothing to do'})"


def plan(installed: Iterable[Any], solution: Iterable[Any], requested: Iterable[Any] = (),
         force_reinstall: bool = False) -> Transaction:
    """Shorthand for :meth:`Transaction.plan`."""
    return Transaction.plan(installed, solution, requested, force_reinstall)


__all__ = ["Action", "Transaction", "plan", "dependency_order", "KINDS"]
