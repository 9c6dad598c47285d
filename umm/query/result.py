"""Answering queries: ``search``, ``depends`` and ``whoneeds`` over a :class:`PackagePool`.

Each answer is a :class:`QueryResult`, an immutable graph: ``nodes`` (a record, or
a label such as ``python >=3.12 >>> NOT FOUND <<<``), ``children`` (edges, in the
order a tree prints them) and ``root``. The graph is built depth first in the
same order it is printed, so the first occurrence of a package in a printed tree
is the one that is expanded; later ones say ``already visited``.

* ``depends``: the best record matching the spec (channel priority, then newest),
  then for each dependency the best record satisfying it (virtual packages
  included); ``recursive`` follows dependencies all the way down, otherwise only
  direct dependencies are listed.
* ``whoneeds``: the records depending on the spec's package; ``recursive`` walks
  on to the packages depending on those (one record per package name: the best
  one among those that need it), giving a reverse tree rooted at the spec.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple

from umm.query.errors import SingleQueryOnly, UnknownQueryKind
from umm.query.pool import PackagePool, sort_key

KINDS = ("search", "depends", "whoneeds")
NOT_FOUND = ">>> NOT FOUND <<<"


class Node:
    """One vertex: a record, or a bare label (a missing dependency, an unknown root)."""

    __slots__ = ("record", "label")

    def __init__(self, record: Any = None, label: str = "") -> None:
        object.__setattr__(self, "record", record)
        object.__setattr__(self, "label", label)

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError("Node is immutable")

    @property
    def name(self) -> str:
        return self.record.name if self.record is not None else self.label

    @property
    def found(self) -> bool:
        return self.record is not None

    def __str__(self) -> str:
        """``name[version]`` like micromamba's trees, or the label."""
        if self.record is None:
            return self.label
        return f"{self.record.name}[{self.record.version}]"

    def __repr__(self) -> str:
        return f"Node({self})"


class QueryResult:
    """The answer to one query (immutable)."""

    __slots__ = ("kind", "query", "nodes", "children", "root", "is_tree")

    def __init__(self, kind: str, query: str, nodes: Sequence[Node],
                 children: Sequence[Sequence[int]] = (), root: Optional[int] = None,
                 is_tree: bool = False) -> None:
        if kind not in KINDS:
            raise UnknownQueryKind(kind)
        s = object.__setattr__
        s(self, "kind", kind)
        s(self, "query", query)
        s(self, "nodes", tuple(nodes))
        kids = [tuple(c) for c in children]
        kids += [()] * (len(self.nodes) - len(kids))
        s(self, "children", tuple(kids))
        s(self, "root", root)
        s(self, "is_tree", bool(is_tree))

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError("QueryResult is immutable")

    @property
    def empty(self) -> bool:
        return not any(n.found for n in self.nodes)

    def listed(self) -> List[Node]:
        """The nodes a table shows (every node; the root only for ``depends``)."""
        if self.kind == "whoneeds" and self.root is not None:
            return [n for i, n in enumerate(self.nodes) if i != self.root]
        return list(self.nodes)

    def records(self) -> List[Any]:
        return [n.record for n in self.nodes if n.record is not None]

    def not_found(self) -> List[str]:
        return [n.label[: -len(NOT_FOUND)].rstrip() for n in self.nodes
                if n.record is None and n.label.endswith(NOT_FOUND)]

    def root_node(self) -> Optional[Node]:
        return None if self.root is None else self.nodes[self.root]

    def __repr__(self) -> str:
        return f"QueryResult({self.kind}, {self.query!r}, {len(self.nodes)} nodes)"


class _Graph:
    def __init__(self) -> None:
        self.nodes: List[Node] = []
        self.children: List[List[int]] = []

    def add(self, node: Node) -> int:
        self.nodes.append(node)
        self.children.append([])
        return len(self.nodes) - 1

    def link(self, parent: int, child: int) -> None:
        kids = self.children[parent]
        if child not in kids:
            kids.append(child)


# -- search ------------------------------------------------------------------------------
def search(pool: PackagePool, specs: Sequence[Any], query: Optional[str] = None) -> QueryResult:
    """Every record matching any of ``specs``: by name, newest version first."""
    seen = set()
    found: List[Any] = []
    for spec in specs:
        for rec in pool.matching(spec):
            if id(rec) not in seen:
                seen.add(id(rec))
                found.append(rec)
    return QueryResult("search", query or _query_text(specs), [Node(r) for r in _ordered(found)])


# -- depends -----------------------------------------------------------------------------
def depends(pool: PackagePool, spec: Any, recursive: bool = False, tree: bool = False,
            query: Optional[str] = None) -> QueryResult:
    """The dependencies of the best record matching ``spec``."""
    text = query or _query_text([spec])
    root_rec = pool.best(pool.matching(spec))
    if root_rec is None:
        return QueryResult("depends", text, [])
    g = _Graph()
    root = g.add(Node(root_rec))
    visited: Dict[int, int] = {id(root_rec): root}
    missing: Dict[str, int] = {}
    max_depth = None if (recursive or tree) else 1
    # iterative depth-first walk (pre-order, dependencies in record order)
    stack: List[Tuple[int, Any, int, int]] = [(root, root_rec, 0, 0)]
    while stack:
        idx, rec, pos, depth = stack.pop()
        deps = rec.depends or ()
        if pos >= len(deps) or (max_depth is not None and depth >= max_depth):
            continue
        stack.append((idx, rec, pos + 1, depth))
        dep = deps[pos]
        target = pool.resolve(dep)
        if target is None:
            j = missing.get(dep)
            if j is None:
                j = missing[dep] = g.add(Node(None, f"{dep} {NOT_FOUND}"))
            g.link(idx, j)
            continue
        j = visited.get(id(target))
        if j is None:
            j = visited[id(target)] = g.add(Node(target))
            g.link(idx, j)
            stack.append((j, target, 0, depth + 1))
        else:
            g.link(idx, j)
    return QueryResult("depends", text, g.nodes, g.children, root, tree)


# -- whoneeds ----------------------------------------------------------------------------
def whoneeds(pool: PackagePool, spec: Any, recursive: bool = False, tree: bool = False,
             query: Optional[str] = None) -> QueryResult:
    """The records needing ``spec``'s package (transitively with ``recursive``/``tree``)."""
    text = query or _query_text([spec])
    targets = pool.matching(spec)
    names = sorted({r.name for r in targets}) or ([spec.exact_name] if spec.exact_name else [])
    constrained = not spec.is_name_only
    if not (recursive or tree):
        found: List[Any] = []
        seen = set()
        for name in names:
            for rec in pool.dependents(name, spec if constrained else None):
                if id(rec) not in seen:
                    seen.add(id(rec))
                    found.append(rec)
        return QueryResult("whoneeds", text, [Node(r) for r in _ordered(found)])
    g = _Graph()
    root_rec = pool.best(targets)
    root = g.add(Node(root_rec) if root_rec is not None else Node(None, text))
    visited: Dict[str, int] = {n: root for n in names}
    stack: List[Tuple[int, List[Any], int]] = [
        (root, _requirers(pool, names, spec if constrained else None), 0)]
    while stack:
        idx, kids, pos = stack.pop()
        if pos >= len(kids):
            continue
        stack.append((idx, kids, pos + 1))
        rec = kids[pos]
        j = visited.get(rec.name)
        if j is None:
            j = visited[rec.name] = g.add(Node(rec))
            g.link(idx, j)
            stack.append((j, _requirers(pool, [rec.name], None), 0))
        else:
            g.link(idx, j)
    if len(g.nodes) == 1 and root_rec is None:
        return QueryResult("whoneeds", text, [])
    return QueryResult("whoneeds", text, g.nodes, g.children, root, tree)


def _ordered(records: Sequence[Any]) -> List[Any]:
    """By name, then newest first (versions are only compared within a name)."""
    by_name: Dict[str, List[Any]] = {}
    for rec in records:
        by_name.setdefault(rec.name, []).append(rec)
    out: List[Any] = []
    for name in sorted(by_name):
        group = by_name[name]
        if len(group) > 1:
            group.sort(key=sort_key, reverse=True)
        out.extend(group)
    return out


def _requirers(pool: PackagePool, names: Sequence[str], spec: Optional[Any]) -> List[Any]:
    """One record per package that needs any of ``names``: the best of its records that do."""
    by_name: Dict[str, List[Any]] = {}
    for name in names:
        for rec in pool.dependents(name, spec):
            by_name.setdefault(rec.name, []).append(rec)
    out = [pool.best(recs) for _, recs in sorted(by_name.items())]
    return [r for r in out if r is not None]


# -- entry point ---------------------------------------------------------------------------
def run_query(pool: PackagePool, kind: str, specs: Sequence[Any], recursive: bool = False,
              tree: bool = False, query: Optional[str] = None) -> QueryResult:
    """``search`` (any number of specs), ``depends``/``whoneeds`` (exactly one).

    ``query`` is the text shown in messages (default: the specs' conda-build forms)."""
    if kind == "search":
        return search(pool, specs, query)
    if kind not in KINDS:
        raise UnknownQueryKind(kind)
    if len(specs) != 1:
        raise SingleQueryOnly(kind, len(specs))
    if kind == "depends":
        return depends(pool, specs[0], recursive, tree, query)
    return whoneeds(pool, specs[0], recursive, tree, query)


def _query_text(specs: Sequence[Any]) -> str:
    return ", ".join(s.conda_build_form() for s in specs)
