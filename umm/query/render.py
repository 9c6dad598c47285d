"""Text and JSON forms of a :class:`~umm.query.result.QueryResult`, as micromamba prints them.

* :func:`tree`: ``xtensor[0.24.7]`` then ``  ├─ dep[ver]`` lines, ``│  `` continuing a
  branch, ``└─`` for the last child and ``name already visited`` for a package
  expanded earlier;
* :func:`table`: a ``Name Version Build … Channel Subdir`` table (``search`` collapses
  the builds of a version into ``(+ N builds)``, ``whoneeds`` adds the ``Depends``
  column);
* :func:`pretty`: the single-package view of ``search`` (fields, dependencies,
  other versions);
* :func:`to_json`: ``{"query": {...}, "result": {"msg", "status", "pkgs", "graph_roots"}}``.

Pure functions returning strings; every URL is shown without credentials.
``channel_of(record)`` gives the channel's display name (``conda-forge``).
"""
from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from umm.query.pool import sort_key
from umm.query.result import Node, QueryResult

RULE = "\u2500"
BRANCH, LAST, PIPE = "\u251c\u2500 ", "\u2514\u2500 ", "\u2502  "
ChannelOf = Callable[[Any], str]
KNOWN_SUBDIRS = ("noarch", "linux-64", "linux-32", "linux-aarch64", "linux-armv6l",
                 "linux-armv7l", "linux-ppc64le", "linux-ppc64", "linux-s390x", "linux-riscv64",
                 "osx-64", "osx-arm64", "win-64", "win-32", "win-arm64", "freebsd-64",
                 "emscripten-wasm32", "wasi-wasm32", "zos-z")
PREFIX_ONLY = ("files", "paths_data", "link", "requested_spec", "requested_specs",
               "package_tarball_full_path", "extracted_package_dir")


def _default_channel(rec: Any) -> str:
    return str(getattr(rec, "channel", "") or "")


def subdir_of(rec: Any) -> str:
    """The subdir the record was served from (its channel URL's last part), else its own."""
    ch = str(getattr(rec, "channel", "") or "").rstrip("/")
    last = ch.rpartition("/")[2]
    if last in KNOWN_SUBDIRS:
        return last
    return str(getattr(rec, "subdir", "") or "")


def masked(url: Optional[str]) -> str:
    if not url:
        return ""
    from umm.net.masking import mask_url

    return mask_url(url)


# -- tables ------------------------------------------------------------------------------
def format_table(headers: Sequence[str], rows: Sequence[Sequence[str]],
                 right: Sequence[int] = ()) -> str:
    """Columns padded to their widest cell, one space apart, a rule under the header."""
    ncol = len(headers)
    widths = [max([len(headers[i])] + [len(r[i]) for r in rows]) for i in range(ncol)]
    keep = [i for i in range(ncol) if widths[i] > 0]

    def line(cells: Sequence[str]) -> str:
        parts = [cells[i].rjust(widths[i]) if i in right else cells[i].ljust(widths[i])
                 for i in keep]
        return (" " + " ".join(parts)).rstrip()

    width = 1 + sum(widths[i] for i in keep) + max(0, len(keep) - 1)
    return "\n".join([line(headers), RULE * width] + [line(r) for r in rows]) + "\n"


def _builds_cells(n_more: int) -> List[str]:
    return ["(+", f"{n_more} builds)"] if n_more > 0 else ["", ""]


def table(result: QueryResult, channel_of: ChannelOf = _default_channel) -> str:
    """The table micromamba prints for ``result`` (``No entries matching …`` if empty)."""
    nodes = result.listed()
    if not any(n.found for n in nodes):
        return f'No entries matching "{result.query}" found\n'
    if result.kind == "search":
        rows: List[List[str]] = []
        for rec, others in _by_version(n.record for n in nodes if n.found):
            rows.append([rec.name, str(rec.version), rec.build] + _builds_cells(len(others))
                        + [channel_of(rec), subdir_of(rec)])
        return format_table(["Name", "Version", "Build", "", "", "Channel", "Subdir"], rows,
                            right=(4,))
    ordered = sorted(nodes, key=lambda n: (n.name, _neg_key(n)))
    if result.kind == "whoneeds":
        needed = _needed_names(result)
        rows = [[n.name, _ver(n), _build(n), _depends_on(n, needed.get(id(n), ())),
                 _chan(n, channel_of), _sub(n)] for n in ordered]
        return format_table(["Name", "Version", "Build", "Depends", "Channel", "Subdir"], rows)
    rows = [[n.name, _ver(n), _build(n), _chan(n, channel_of), _sub(n)] for n in ordered]
    return format_table(["Name", "Version", "Build", "Channel", "Subdir"], rows)


def _neg_key(node: Node) -> Tuple[Any, ...]:
    if node.record is None:
        return ()
    v, bn, ts = sort_key(node.record)
    return (_Desc(v), -bn, -ts)


class _Desc:
    """Reverses the order of a comparable value (versions have no negation)."""

    __slots__ = ("v",)

    def __init__(self, v: Any) -> None:
        self.v = v

    def __lt__(self, other: "_Desc") -> bool:
        return other.v < self.v

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Desc) and self.v == other.v


def _ver(n: Node) -> str:
    return str(n.record.version) if n.record is not None else ""


def _build(n: Node) -> str:
    return n.record.build if n.record is not None else ""


def _chan(n: Node, channel_of: ChannelOf) -> str:
    return channel_of(n.record) if n.record is not None else ""


def _sub(n: Node) -> str:
    return subdir_of(n.record) if n.record is not None else ""


def _needed_names(result: QueryResult) -> Dict[int, Tuple[str, ...]]:
    """For each node (by id): the names it was found to need (its parents in the graph,
    or the query's package for a flat listing)."""
    from umm.query.pool import dependency_name

    out: Dict[int, Tuple[str, ...]] = {}
    if result.root is None:
        target = dependency_name(result.query) or result.query
        return {id(n): (target,) for n in result.nodes}
    for parent, kids in enumerate(result.children):
        pname = result.nodes[parent].name
        if result.nodes[parent].record is None:
            pname = dependency_name(pname) or pname
        for k in kids:
            key = id(result.nodes[k])
            out[key] = out.get(key, ()) + (pname,)
    return out


def _depends_on(n: Node, names: Sequence[str]) -> str:
    """The dependency string of ``n`` on the first of ``names`` it depends on."""
    from umm.query.pool import dependency_name

    if n.record is None:
        return ""
    for name in names:
        for dep in n.record.depends or ():
            if dependency_name(dep) == name:
                return dep
    return ""


def _by_version(records: Any) -> List[Tuple[Any, List[Any]]]:
    """(newest build of each name+version, the other builds), newest version first."""
    groups: Dict[Tuple[str, str], List[Any]] = {}
    for rec in records:
        groups.setdefault((rec.name, str(rec.version)), []).append(rec)
    out = []
    for recs in groups.values():
        recs.sort(key=sort_key, reverse=True)
        out.append((recs[0], recs[1:]))
    out.sort(key=lambda item: sort_key(item[0]), reverse=True)
    out.sort(key=lambda item: item[0].name)
    return out


# -- trees --------------------------------------------------------------------------------
def tree(result: QueryResult) -> str:
    """The dependency (or reverse dependency) tree; a flat list when there is no root."""
    if result.root is None:
        nodes = [n for n in result.nodes if n.found or n.label]
        if not nodes:
            return f'No entries matching "{result.query}" found\n'
        lines = [result.query]
        for i, n in enumerate(nodes):
            lines.append("  " + (LAST if i == len(nodes) - 1 else BRANCH) + str(n))
        return "\n".join(lines) + "\n"
    lines = [str(result.nodes[result.root])]
    expanded = {result.root}
    # stack of (node, index of next child, prefix for the children's lines)
    stack: List[Tuple[int, int, str]] = [(result.root, 0, "  ")]
    while stack:
        idx, pos, prefix = stack.pop()
        kids = result.children[idx]
        if pos >= len(kids):
            continue
        stack.append((idx, pos + 1, prefix))
        child = kids[pos]
        last = pos == len(kids) - 1
        node = result.nodes[child]
        if child in expanded:
            lines.append(prefix + (LAST if last else BRANCH) + f"{node.name} already visited")
            continue
        expanded.add(child)
        lines.append(prefix + (LAST if last else BRANCH) + str(node))
        stack.append((child, 0, prefix + ("   " if last else PIPE)))
    return "\n".join(lines) + "\n"


# -- single package view ------------------------------------------------------------------
def pretty(result: QueryResult, channel_of: ChannelOf = _default_channel,
           all_versions: bool = False, max_versions: int = 5) -> str:
    """One block per package name: its newest record in full, then its other versions."""
    recs = [n.record for n in result.nodes if n.found]
    if not recs:
        return f'No entries matching "{result.query}" found\n'
    by_name: Dict[str, List[Any]] = {}
    for rec in recs:
        by_name.setdefault(rec.name, []).append(rec)
    blocks = []
    for name in sorted(by_name):
        group = sorted(by_name[name], key=sort_key, reverse=True)
        blocks.append(_package_block(group[0], group[1:], channel_of, all_versions,
                                     max_versions))
    return "\n".join(blocks)


def _package_block(rec: Any, others: List[Any], channel_of: ChannelOf, all_versions: bool,
                   max_versions: int) -> str:
    same = [r for r in others if str(r.version) == str(rec.version)]
    header = f"{rec.name} {rec.version} {rec.build}"
    if same:
        header += f" (+ {len(same)} builds)"
    out = ["", header, RULE * max(len(header), 40), ""]

    def field(label: str, value: Any) -> None:
        out.append(f" {label:<15} {value}".rstrip())

    field("Name", rec.name)
    field("Version", rec.version)
    field("Build", rec.build)
    if rec.size is not None:
        field("Size", f"{int(rec.size) // 1000} kB")
    field("License", rec.license or "")
    field("Subdir", subdir_of(rec))
    field("Channel", channel_of(rec))
    field("File Name", rec.fn)
    field("URL", masked(rec.url))
    field("MD5", rec.md5 or "Not available")
    field("SHA256", rec.sha256 or "Not available")
    if rec.track_features:
        field("Track Features", ",".join(rec.track_features))
    if rec.depends:
        out += ["", " Dependencies:"] + [f"  - {d}" for d in rec.depends]
    if rec.constrains:
        out += ["", " Run Constraints:"] + [f"  - {c}" for c in rec.constrains]
    versions = [(r, more) for r, more in _by_version(others) if str(r.version) != str(rec.version)]
    if versions:
        out += ["", f" Other Versions ({len(versions)}):", ""]
        rows = [[str(r.version), r.build] + _builds_cells(len(more)) for r, more in versions]
        hidden = 0
        if not all_versions and len(rows) > max_versions:
            hidden = len(rows) - (max_versions - 1)
            rows = rows[: max_versions - 1]
        text = format_table(["Version", "Build", "", ""], rows, right=(3,))
        out += [" " + line for line in text.rstrip("\n").split("\n")]
        if hidden:
            out.append(f"   ... and {hidden} more (use -v to show all versions)")
    out.append("")
    return "\n".join(out) + "\n"


# -- JSON -----------------------------------------------------------------------------------
def record_json(rec: Any, channel_of: ChannelOf = _default_channel) -> Dict[str, Any]:
    """A record's repodata fields, with the channel's display name and a masked URL."""
    d = rec.to_json()
    for key in PREFIX_ONLY:
        d.pop(key, None)
    d["channel"] = channel_of(rec)
    d["build_string"] = rec.build
    d.setdefault("subdir", subdir_of(rec))
    if d.get("url"):
        d["url"] = masked(d["url"])
    d.setdefault("depends", list(rec.depends or ()))
    d.setdefault("constrains", list(rec.constrains or ()))
    return d


def to_json(result: QueryResult, channel_of: ChannelOf = _default_channel,
            query_forms: Optional[Sequence[str]] = None) -> Dict[str, Any]:
    """micromamba's JSON document for a query result."""
    forms = list(query_forms) if query_forms is not None else [result.query]
    pkgs = [record_json(n.record, channel_of) for n in result.listed() if n.found]
    doc: Dict[str, Any] = {
        "query": {"query": " ".join(forms), "type": result.kind},
        "result": {"msg": f'No entries matching "{result.query}" found' if result.empty else "",
                   "status": "OK", "pkgs": pkgs},
    }
    if result.kind != "search":
        root = result.root_node()
        if root is not None and root.record is not None and not result.empty:
            doc["result"]["graph_roots"] = [record_json(root.record, channel_of)]
        else:
            doc["result"]["graph_roots"] = [" ".join(forms)]
        if result.kind == "depends":
            doc["result"]["not_found"] = result.not_found()
    return doc
