"""Why a request cannot be satisfied: the conflict graph and its rendering as a tree.

The SAT core gives the constraints its refutation used (:mod:`umm.solver.sat_core`).
Here they become a graph in conda terms: requirements (a requested spec, an
installed package that must stay, a record's dependency) pointing to their
candidate records, and what blocks each candidate (a pin, a frozen or removed
package, a requested spec or a record that excludes it, a dependency nothing can
satisfy, another build of the same name). The tree starts from the requested
specs involved; candidates blocked for the same reason are merged into one line
with their versions (``1.2 | 1.3 | … | 2.0``)::

    The following packages are incompatible
    ├─ a is requested and cannot be installed because:
    │  └─ a 1.0 requires c >=2, which cannot be installed because:
    │     └─ c 2.0 | 2.1 is excluded because b 1.0 requires c <2
    └─ b is requested and can be installed
"""
from __future__ import annotations

from typing import Any, Dict, List, Set, Tuple

from umm.solver.conda import (CONSTRAINT, DEP, FROZEN, KEEP, NO_DOWNGRADE, PIN, REMOVED,
                              ROOT_SPEC, Encoding)
from umm.solver.errors import Unsatisfiable
from umm.solver.sat import CONSTRAINS, LOCK, REQUIRES
from umm.solver.sat_core import CoreClause, CoreExclusion, CoreGroup, unsat_core

MAX_DEPTH = 8
MAX_ROOTS = 12
MAX_GROUPS = 10
MAX_LINES = 80
Node = Tuple[str, List[Any]]


def merged_versions(versions: List[str], limit: int = 6) -> str:
    """``1.2 | 1.3 | … | 2.0`` (distinct, in version order, long runs elided)."""
    from umm.specs.version import Version

    uniq = sorted(set(versions), key=lambda v: Version.parse(v).sort_key)
    if len(uniq) > limit:
        uniq = uniq[:limit - 2] + ["…"] + uniq[-1:]
    return " | ".join(uniq)


def draw(nodes: List[Node], prefix: str = "") -> List[str]:
    out: List[str] = []
    for i, (text, children) in enumerate(nodes):
        last = i == len(nodes) - 1
        out.append(prefix + ("└─ " if last else "├─ ") + text)
        out += draw(children, prefix + ("   " if last else "│  "))
    return out


class ConflictGraph:
    """The constraints of a refutation in conda terms; :meth:`render` draws the tree."""

    def __init__(self, enc: Encoding) -> None:
        self.enc = enc
        sat = enc.sat
        rid_of_clause = {c: r for r, c in enumerate(sat.req_clause) if c >= 0}
        self.reqs: Set[int] = set()                    # requirements involved
        self.locks: Dict[int, Any] = {}                # var -> lock info
        self.excluded_by: Dict[int, List[Tuple[int, int]]] = {}   # var -> [(req, parent)]
        self.same_name: Dict[int, Set[int]] = {}
        for item in unsat_core(sat):
            if isinstance(item, CoreClause):
                kind = sat.kinds[item.clause]
                if kind == REQUIRES:
                    r = rid_of_clause.get(item.clause)
                    if r is not None:
                        self.reqs.add(r)
                elif kind == LOCK:
                    lits = sat.clause_lits(item.clause)
                    if len(lits) == 1 and lits[0] < 0:
                        self.locks[-lits[0]] = sat.infos[item.clause]
            elif isinstance(item, CoreExclusion):
                if sat.req_kind[item.req] == REQUIRES:
                    self.reqs.add(item.req)
                self.excluded_by.setdefault(item.var, []).append((item.req, item.parent))
            elif isinstance(item, CoreGroup):
                self.same_name.setdefault(item.a, set()).add(item.b)
                self.same_name.setdefault(item.b, set()).add(item.a)
        self.by_parent: Dict[int, List[int]] = {}
        for r in sorted(self.reqs):
            self.by_parent.setdefault(sat.req_parent[r], []).append(r)
        self._status: Dict[int, Tuple[Any, ...]] = {}
        self._rep: Dict[Tuple[Any, ...], int] = {}
        self._busy: Set[int] = set()
        self._root_groups = {sat.req_group[r] for r in sat.root_reqs
                             if r in self.reqs and sat.req_group[r] >= 0}
        self._shown: Set[str] = set()   # requirements already explained in the tree
        self._lines = 0

    # -- data --------------------------------------------------------------------------
    @property
    def root_requirements(self) -> List[int]:
        roots = [r for r in self.enc.sat.root_reqs if r in self.reqs]
        return roots or list(self.enc.sat.root_reqs)

    def requested_specs(self) -> List[str]:
        out = []
        for r in self.root_requirements:
            info = self.enc.sat.req_info[r]
            if info and info[0] == ROOT_SPEC:
                out.append(str(info[1]))
        return out

    def requirement_text(self, r: int) -> str:
        info = self.enc.sat.req_info[r]
        if not info:
            return "?"
        if info[0] == ROOT_SPEC:
            return str(info[1])
        if info[0] == KEEP:
            return f"{info[1].name} (installed)"
        return str(info[1])

    def nothing_matches(self, text: str, spec: Any = None) -> str:
        """Why a spec has no candidate: no such name, or no matching version."""
        if spec is None:
            from umm.specs.errors import SpecError

            try:
                spec = self.enc.MatchSpec.parse(text)
            except SpecError:
                return "it is not a valid match spec"
        nc = self.enc.names.get(spec.name)
        if nc is None or not nc.records:
            if spec.name.startswith("__"):
                return f"the virtual package {spec.name} is not available on this system"
            return f"no channel provides {spec.name} (perhaps a typo or a missing channel)"
        avail = merged_versions([r.version for r in nc.records])
        return f"no {spec.name} matches it (available: {avail})"

    def _record(self, v: int) -> Any:
        return self.enc.rec_of[v]

    def _describe_parent(self, p: int) -> str:
        rec = self._record(p)
        return f"{rec.name} {rec.version}"

    # -- why a candidate cannot be installed ---------------------------------------------
    def status(self, v: int, path: Set[int]) -> Tuple[Any, ...]:
        """``("ok",)`` or the first reason found that blocks ``v`` (computed once;
        a candidate met again while its own status is being worked out counts as ok)."""
        got = self._status.get(v)
        if got is not None:
            return got
        if v in self._busy:
            return ("ok",)
        sat = self.enc.sat
        lock = self.locks.get(v)
        if lock is not None:
            return self._remember(v, ("lock",) + tuple(lock))
        excl = self.excluded_by.get(v, ())
        for r, p in excl:
            if p == sat.root:
                return self._remember(v, ("root", r))
        for r, p in excl:   # a direct conflict with a requested package comes first
            if sat.var_group[p] in self._root_groups:
                return self._remember(v, ("excluded", r, p))
        self._busy.add(v)
        try:
            for r in self.by_parent.get(v, ()):
                cands = sat.req_cands[r]
                if sat.req_kind[r] == REQUIRES and all(
                        self.status(c, path)[0] != "ok" for c in cands):
                    return self._remember(v, ("requires", r))
        finally:
            self._busy.discard(v)
        for r, p in excl:
            return self._remember(v, ("excluded", r, p))
        others = self.same_name.get(v)
        if others:
            return self._remember(v, ("same", min(others)))
        return self._remember(v, ("ok",))

    def _remember(self, v: int, st: Tuple[Any, ...]) -> Tuple[Any, ...]:
        self._status[v] = st
        return st

    # -- rendering -------------------------------------------------------------------------
    def _groups(self, cands: List[int], path: Set[int], depth: int) -> List[Node]:
        groups: Dict[Tuple[Any, ...], List[int]] = {}
        for c in cands:
            st = self.status(c, path)
            if st[0] != "ok":
                if st[0] == "requires":   # merge by what is required, not by whom
                    key = (self.enc.name_of[c], "requires", self.requirement_text(st[1]))
                    first = groups.setdefault(key, [])
                    if not first:
                        self._rep[key] = st[1]
                    first.append(c)
                    continue
                groups.setdefault((self.enc.name_of[c],) + st, []).append(c)
        nodes: List[Node] = []
        for key, members in groups.items():
            if self._lines >= MAX_LINES or len(nodes) == MAX_GROUPS:
                nodes.append((f"… and {len(groups) - len(nodes)} more", []))
                break
            self._lines += 1
            nodes.append(self._group_node(key, members, path, depth))
        return nodes

    def _group_node(self, key: Tuple[Any, ...], members: List[int], path: Set[int],
                    depth: int) -> Node:
        sat = self.enc.sat
        name, kind = key[0], key[1]
        head = f"{name} {merged_versions([self._record(c).version for c in members])}"
        if kind == "lock":
            what, why = key[2], key[3]
            if what == PIN:
                return (f"{head} is excluded by the pin {why}", [])
            if what == FROZEN:
                return (f"{head} is not the installed {why.dist_name} "
                        f"(installed packages are frozen)", [])
            if what == NO_DOWNGRADE:
                return (f"{head} would downgrade the installed {why.dist_name}", [])
            if what == REMOVED:
                return (f"{name} is being removed" + (f" ({why})" if why else ""), [])
            return (f"{head} is locked ({what})", [])
        if kind == "root":
            info = sat.req_info[key[2]]
            who = "requested" if info[0] == ROOT_SPEC else "installed, must stay"
            return (f"{head} conflicts with {self.requirement_text(key[2])} ({who})", [])
        if kind == "requires":
            r = self._rep[key]
            text = key[2]
            if depth >= MAX_DEPTH:
                return (f"{head} requires {text}, which cannot be installed (…)", [])
            if not sat.req_cands[r]:
                return (f"{head} requires {text}, but {self.nothing_matches(text)}", [])
            if text in self._shown:
                return (f"{head} requires {text}, which cannot be installed (see above)", [])
            self._shown.add(text)
            path.update(members)
            try:
                children = self._groups(list(sat.req_cands[r]), path, depth + 1)
            finally:
                path.difference_update(members)
            return (f"{head} requires {text}, which cannot be installed because:", children)
        if kind == "excluded":
            r, p = key[2], key[3]
            verb = "constrains" if sat.req_kind[r] == CONSTRAINS else "requires"
            info = sat.req_info[r]
            text = info[1] if info and info[0] in (DEP, CONSTRAINT) else "?"
            return (f"{head} is excluded because {self._describe_parent(p)} {verb} {text}", [])
        if kind == "same":
            other = self._record(key[2])
            return (f"{head} conflicts with {name} {other.version} "
                    f"(only one {name} can be installed)", [])
        return (head, [])

    def _root_node(self, r: int) -> Node:
        sat = self.enc.sat
        info = sat.req_info[r]
        spec = self.requirement_text(r)
        requested = not info or info[0] == ROOT_SPEC
        asked = "is requested" if requested else "is installed"
        verb = "installed" if requested else "kept"
        if info and info[0] == KEEP:
            spec = info[1].name
        cands = list(sat.req_cands[r])
        if not cands:
            name = info[1].name if info else spec
            return (f"{spec} {asked}, but {self.nothing_matches(name, info[1])}", [])
        path: Set[int] = set()
        statuses = [self.status(c, path) for c in cands]
        if any(st[0] == "ok" for st in statuses):
            return (f"{spec} {asked} and can be {verb}", [])
        return (f"{spec} {asked} and cannot be {verb} because:",
                self._groups(cands, path, 1))

    def render(self) -> str:
        roots = self.root_requirements
        self._shown.clear()
        self._lines = 0
        nodes = []
        for r in roots[:MAX_ROOTS]:
            self._lines += 1
            nodes.append(self._root_node(r))
        if len(roots) > MAX_ROOTS:
            nodes.append((f"… and {len(roots) - MAX_ROOTS} more requested specs", []))
        lines = ["Could not solve for environment specs",
                 "The following packages are incompatible"] + draw(nodes)
        return "\n".join(lines)


def unsatisfiable(enc: Encoding) -> Unsatisfiable:
    """The error for a failed solve, with its conflict graph and explanation."""
    graph = ConflictGraph(enc)
    return Unsatisfiable(graph.render(), graph, graph.requested_specs())
