"""The transaction table micromamba prints before ``Confirm changes: [Y/n]``, and the
``actions`` object of ``--json`` output.

    Transaction

      Prefix: /home/me/micromamba/envs/demo

      Updating specs:

       - zlib


      Package  Version  Build       Channel      Size
    ─────────────────────────────────────────────────
      Install:
    ─────────────────────────────────────────────────

      + zlib    1.2.11  h7b6447c_3  conda-forge  106kB

      Summary:

      Install: 1 packages

      Total download: 106kB

    ─────────────────────────────────────────────────
"""
from __future__ import annotations

from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple

INSTALL, UPGRADE, DOWNGRADE, CHANGE, REINSTALL, REMOVE = (
    "Install", "Upgrade", "Downgrade", "Change", "Reinstall", "Remove")
ORDER = (INSTALL, UPGRADE, DOWNGRADE, CHANGE, REINSTALL, REMOVE)
RULE = "\u2500"


def _get(rec: Any, key: str, default: Any = None) -> Any:
    if isinstance(rec, dict):
        return rec.get(key, default)
    value = getattr(rec, key, default)
    return default if value is None else value


class Change:
    """One line (or pair of lines) of the table."""

    __slots__ = ("kind", "name", "new", "old")

    def __init__(self, kind: str, name: str, new: Any = None, old: Any = None) -> None:
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "new", new)
        object.__setattr__(self, "old", old)

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError("Change is immutable")

    def __repr__(self) -> str:
        return f"Change({self.kind}, {self.name})"


def _version_key(rec: Any) -> Tuple[Any, int]:
    from umm.specs import Version

    try:
        v: Any = Version.parse(str(_get(rec, "version", "0")))
    except ValueError:
        v = None
    return v, int(_get(rec, "build_number", 0) or 0)


def classify(unlink: Iterable[Any], link: Iterable[Any],
             reinstall: Iterable[str] = ()) -> List[Change]:
    """Pair removed and added records by name into micromamba's groups."""
    old = {str(_get(r, "name")): r for r in unlink}
    new = {str(_get(r, "name")): r for r in link}
    again = set(reinstall)
    out: List[Change] = []
    for name in sorted(set(old) | set(new)):
        o, n = old.get(name), new.get(name)
        if o is None:
            out.append(Change(INSTALL, name, new=n))
        elif n is None:
            out.append(Change(REMOVE, name, old=o))
        else:
            ov, nv = _version_key(o), _version_key(n)
            same = (str(_get(o, "version")), _get(o, "build")) == (str(_get(n, "version")), _get(n, "build"))
            if same and (name in again or _get(o, "channel") == _get(n, "channel")):
                out.append(Change(REINSTALL, name, new=n, old=o))
            elif ov[0] is not None and nv[0] is not None and ov[0] != nv[0]:
                out.append(Change(UPGRADE if nv[0] > ov[0] else DOWNGRADE, name, new=n, old=o))
            elif ov[1] != nv[1] and not same:
                out.append(Change(UPGRADE if nv[1] > ov[1] else DOWNGRADE, name, new=n, old=o))
            else:
                out.append(Change(CHANGE, name, new=n, old=o))
    return out


def human_size(n: Optional[float], precision: int = 0) -> str:
    """``106kB``, ``3MB`` (powers of 1000, like micromamba)."""
    if n is None:
        return ""
    units = ["B", "kB", "MB", "GB", "TB"]
    value = float(n)
    i = 0
    while value >= 1000 and i < len(units) - 1:
        value /= 1000.0
        i += 1
    if i == 0:
        return f"{int(value)}{units[0]}" if precision == 0 else f"{int(value)} {units[0]}"
    return f"{value:.{precision}f}{units[i]}"


def channel_label(rec: Any) -> str:
    ch = str(_get(rec, "channel", "") or "")
    if "://" in ch:  # a URL channel: show it without credentials and subdir
        from umm.specs import mask_credentials

        ch = mask_credentials(ch)
        subdir = str(_get(rec, "subdir", "") or "")
        if subdir and ch.rstrip("/").endswith("/" + subdir):
            ch = ch.rstrip("/")[: -len(subdir) - 1]
    return ch


def render(changes: Sequence[Change], prefix: str, specs: Sequence[str] = (),
           spec_label: str = "Updating specs", cached: Callable[[Any], bool] = lambda r: False) -> str:
    """The whole ``Transaction`` block as text (ends with the closing rule)."""
    lines: List[str] = ["", "Transaction", "", f"  Prefix: {prefix}", ""]
    if specs:
        lines += [f"  {spec_label}:", ""] + [f"   - {s}" for s in specs] + ["", ""]
    if not changes:
        lines += ["  All requested packages already installed", ""]
        return "\n".join(lines) + "\n"
    rows: List[Tuple[str, str, str, str, str, str, str]] = []  # group, sign, name, ver, build, ch, size
    download = 0
    for kind in ORDER:
        for c in (c for c in changes if c.kind == kind):
            if c.old is not None and kind != INSTALL:
                rows.append((kind, "-", c.name, str(_get(c.old, "version", "")),
                             str(_get(c.old, "build", "")), channel_label(c.old), ""))
            if c.new is not None:
                if cached(c.new):
                    size = "Cached"
                else:
                    sz = _get(c.new, "size")
                    download += int(sz or 0)
                    size = human_size(sz)
                rows.append((kind, "+", c.name, str(_get(c.new, "version", "")),
                             str(_get(c.new, "build", "")), channel_label(c.new), size))
    header = ("Package", "Version", "Build", "Channel", "Size")
    widths = [max([len(header[i])] + [len(r[i + 2]) for r in rows]) for i in range(5)]
    total_width = sum(widths) + 2 * 4 + 4

    def fmt(sign: str, cells: Sequence[str]) -> str:
        name, ver, build, ch, size = cells
        return (f"  {sign}{' ' if sign else ''}{name:<{widths[0] - (2 if sign else 0)}}  "
                f"{ver:>{widths[1]}}  {build:<{widths[2]}}  {ch:<{widths[3]}}  {size:>{widths[4]}}").rstrip()

    widths[0] += 2
    lines.append(fmt("", header))
    rule = RULE * (total_width + 2)
    lines.append(rule)
    counts: Dict[str, int] = {}
    for kind in ORDER:
        group = [r for r in rows if r[0] == kind]
        if not group:
            continue
        counts[kind] = sum(1 for c in changes if c.kind == kind)
        lines += [f"  {kind}:", rule, ""]
        lines += [fmt(r[1], r[2:]) for r in group]
        lines.append("")
    lines += ["  Summary:", ""]
    lines += [f"  {kind}: {n} packages" for kind, n in counts.items()]
    lines += ["", f"  Total download: {human_size(download, 0)}", "", rule, ""]
    return "\n".join(lines) + "\n"


def _json_entry(rec: Any) -> Dict[str, Any]:
    channel = channel_label(rec)
    url = str(_get(rec, "url", "") or "")
    base_url = url.rsplit("/", 2)[0] if url.count("/") >= 3 else channel
    name, version, build = str(_get(rec, "name")), str(_get(rec, "version")), str(_get(rec, "build"))
    return {"base_url": base_url, "build_number": int(_get(rec, "build_number", 0) or 0),
            "build_string": build, "channel": channel, "dist_name": f"{name}-{version}-{build}",
            "name": name, "platform": str(_get(rec, "subdir", "") or ""), "version": version}


def json_actions(prefix: str, unlink: Iterable[Any], link: Iterable[Any],
                 fetch: Iterable[Any] = ()) -> Dict[str, Any]:
    """micromamba's ``actions``: ``FETCH`` (full records), ``LINK``/``UNLINK``, ``PREFIX``."""
    actions: Dict[str, Any] = {}
    fetch_list = [r.to_json() if hasattr(r, "to_json") else dict(r) for r in fetch]
    if fetch_list:
        actions["FETCH"] = fetch_list
    link_list = [_json_entry(r) for r in link]
    unlink_list = [_json_entry(r) for r in unlink]
    if link_list:
        actions["LINK"] = link_list
    if unlink_list:
        actions["UNLINK"] = unlink_list
    actions["PREFIX"] = prefix
    return actions
