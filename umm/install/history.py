"""``conda-meta/history`` in conda's format.

    ==> 2024-01-01 12:00:00 <==
    # cmd: umm create -n demo zlib
    # conda version: 3.8.0
    -conda-forge::zlib-1.2.11-h7b6447c_3
    +conda-forge::zlib-1.2.13-hd590300_5
    # update specs: ["zlib"]
"""
from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

CONDA_VERSION = "3.8.0"  # what micromamba writes, so conda reads the file as its own
_HEADER = re.compile(r"^==>\s*(.+?)\s*<==\s*$")
_SPECS = re.compile(r"^#\s*(update|remove|neutered)\s+specs:\s*(.*)$")


class HistoryEntry:
    """What a command asked for: its command line and update/remove specs."""

    __slots__ = ("cmd", "update_specs", "remove_specs", "neutered_specs")

    def __init__(self, cmd: str, update_specs: Sequence[str] = (),
                 remove_specs: Sequence[str] = (), neutered_specs: Sequence[str] = ()) -> None:
        object.__setattr__(self, "cmd", cmd)
        object.__setattr__(self, "update_specs", tuple(update_specs))
        object.__setattr__(self, "remove_specs", tuple(remove_specs))
        object.__setattr__(self, "neutered_specs", tuple(neutered_specs))

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError("HistoryEntry is immutable")


def dist_str(record: Dict[str, Any]) -> str:
    """``channel::name-version-build`` as conda writes it."""
    channel = record.get("channel") or ""
    dist = f"{record['name']}-{record['version']}-{record['build']}"
    return f"{channel}::{dist}" if channel else dist


def format_revision(entry: HistoryEntry, removed: Sequence[str], added: Sequence[str],
                    when: Optional[float] = None) -> str:
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(when if when is not None else time.time()))
    lines = [f"==> {stamp} <==", f"# cmd: {entry.cmd}", f"# conda version: {CONDA_VERSION}"]
    lines += [f"-{d}" for d in sorted(removed)]
    lines += [f"+{d}" for d in sorted(added)]
    if entry.update_specs:
        lines.append(f"# update specs: {json.dumps(list(entry.update_specs))}")
    if entry.remove_specs:
        lines.append(f"# remove specs: {json.dumps(list(entry.remove_specs))}")
    if entry.neutered_specs:
        lines.append(f"# neutered specs: {json.dumps(list(entry.neutered_specs))}")
    from umm.net.masking import mask_text  # no token or password in conda-meta/history

    return mask_text("\n".join(lines) + "\n")


def append_history(prefix: Path, entry: HistoryEntry, removed: Sequence[str],
                   added: Sequence[str], when: Optional[float] = None) -> None:
    path = prefix / "conda-meta" / "history"
    text = format_revision(entry, removed, added, when)
    with open(path, "a") as f:
        f.write(text)


class Revision:
    """One ``==> date <==`` block of the history file."""

    __slots__ = ("date", "cmd", "added", "removed", "update_specs", "remove_specs")

    def __init__(self, date: str) -> None:
        self.date = date
        self.cmd = ""
        self.added: List[str] = []
        self.removed: List[str] = []
        self.update_specs: List[str] = []
        self.remove_specs: List[str] = []


def _parse_specs(text: str) -> List[str]:
    text = text.strip()
    try:
        value = json.loads(text)
    except ValueError:
        import ast

        try:
            value = ast.literal_eval(text)  # conda writes python list reprs
        except (ValueError, SyntaxError):
            return [s.strip() for s in text.strip("[]").split(",") if s.strip()]
    return [str(v) for v in value] if isinstance(value, (list, tuple)) else [str(value)]


def read_history(prefix: "os.PathLike[str] | str") -> List[Revision]:
    """Every revision in ``conda-meta/history`` (conda's, micromamba's or ours)."""
    try:
        text = Path(prefix, "conda-meta", "history").read_text(errors="replace")
    except FileNotFoundError:
        return []
    revs: List[Revision] = []
    for line in text.splitlines():
        line = line.rstrip()
        m = _HEADER.match(line)
        if m:
            revs.append(Revision(m.group(1)))
            continue
        if not revs or not line:
            continue
        rev = revs[-1]
        if line.startswith("+"):
            rev.added.append(line[1:])
        elif line.startswith("-"):
            rev.removed.append(line[1:])
        elif line.startswith("# cmd:"):
            rev.cmd = line[len("# cmd:"):].strip()
        else:
            s = _SPECS.match(line)
            if s and s.group(1) == "update":
                rev.update_specs.extend(_parse_specs(s.group(2)))
            elif s and s.group(1) == "remove":
                rev.remove_specs.extend(_parse_specs(s.group(2)))
    return revs


def requested_specs(prefix: "os.PathLike[str] | str") -> Dict[str, str]:
    """Name -> the spec the user last asked for (update specs minus removed ones)."""
    return requested_at(read_history(prefix))


def requested_at(revisions: Sequence[Revision], n: Optional[int] = None) -> Dict[str, str]:
    """Name -> the spec last asked for, up to revision ``n`` (default: all)."""
    out: Dict[str, str] = {}
    for rev in (revisions if n is None else revisions[:n + 1]):
        for spec in rev.update_specs:
            out[_spec_name(spec)] = spec
        for spec in rev.remove_specs:
            out.pop(_spec_name(spec), None)
    return out


def _spec_name(spec: str) -> str:
    s = spec.strip()
    if "::" in s:
        s = s.split("::", 1)[1]
    return re.split(r"[\s=<>!~\[]", s, maxsplit=1)[0]


def packages_at(revisions: Sequence[Revision], n: int) -> List[str]:
    """The ``channel::name-version-build`` of every package installed after revision
    ``n`` (0 is the first block), replaying the ``+``/``-`` lines up to it."""
    state: Dict[str, str] = {}  # name-version-build -> dist as written
    for rev in revisions[:n + 1]:
        for d in rev.removed:
            state.pop(dist_key(d), None)
        for d in rev.added:
            state[dist_key(d)] = d
    return sorted(state.values(), key=dist_key)


def dist_key(dist: str) -> str:
    """``name-version-build`` of a history line's dist (channel dropped)."""
    return dist.rpartition("::")[2].strip()


def split_dist(dist: str) -> Optional[tuple]:
    """``(channel, name, version, build)`` of ``[channel::]name-version-build``, or None."""
    channel, _, rest = dist.strip().rpartition("::")
    parts = rest.rsplit("-", 2)
    if len(parts) != 3 or not all(parts):
        return None
    return (channel, parts[0], parts[1], parts[2])
