"""Turning raw repodata entries into records, defensively.

Repodata semantics handled here: ``packages`` + ``packages.conda`` (the
``.conda`` wins for the same name-version-build), ``removed``,
``info.base_url`` with ``repodata_version >= 2``, null fields,
``track_features`` as a string or a list, ``add_pip_as_python_dependency``.
A hostile entry (wrong types, invalid or absurd version) is skipped and
reported when its name is loaded; it never takes the channel down.

Two steps: :meth:`RecordBuilder.wire` validates raw entries into wire
tuples (done once, when the index cache is built, or per shard), and
:meth:`RecordBuilder.to_records` turns wire tuples into records (every load).
"""
from __future__ import annotations

import re
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple
from urllib.parse import urljoin

from umm.net.masking import strip_token
from umm.reporter import NULL, Reporter
from umm.repodata import wire as W

_DEP_NAME = re.compile(r"\s*(?:[^\s:]+::)?([^\s<>=!~\[\(,|;]+)")


def dependency_name(spec: str) -> Optional[str]:
    """The package name a dependency string is about (``"numpy >=1.2"`` -> numpy)."""
    m = _DEP_NAME.match(spec)
    if not m:
        return None
    name = m.group(1).strip().lower()
    return name or None


def default_version_check() -> Callable[[str], Any]:
    from umm.specs.version import Version

    return Version.parse


MAX_FIELD = 1024  # longer names, versions or builds are hostile, not real
_STR_OR_NONE = ("md5", "sha256", "license", "license_family", "subdir", "platform", "arch")
_LISTS = ("depends", "constrains")
_NUMBERS = ("timestamp", "size")


def resolve_base_url(platform_url: str, top: Dict[str, Any]) -> str:
    """Where the packages of a subdir live (CEP-15 ``info.base_url``), with a trailing /."""
    info = top.get("info") if isinstance(top.get("info"), dict) else {}
    version = top.get("repodata_version")
    base = info.get("base_url") if isinstance(version, int) and version >= 2 else None
    root = platform_url.rstrip("/") + "/"
    if isinstance(base, str) and base:
        resolved = urljoin(root, base)
        return strip_token(resolved if resolved.endswith("/") else resolved + "/")
    return strip_token(root)


def check_record(raw: Any, name: str, check_version: Callable[[str], Any],
                 good_versions: Dict[str, bool]) -> Optional[str]:
    """Why ``raw`` is not a usable record of ``name`` (None when it is)."""
    if raw.__class__ is not dict:
        return "not an object"
    get = raw.get
    n = get("name")
    if n.__class__ is not str or not n:
        return "no name"
    if n != name and n.lower() != name.lower():
        return f"name {n[:60]!r} does not match {name!r}"
    v = get("version")
    if v.__class__ is not str:
        return "no version"
    if v not in good_versions:
        if len(v) > MAX_FIELD:
            return "version absurdly long"
        try:
            check_version(v)
        except ValueError as exc:
            return f"invalid version {v[:60]!r} ({str(exc)[:80]})"
        good_versions[v] = True
    b = get("build", "")
    if b is not None and (b.__class__ is not str or len(b) > MAX_FIELD):
        return "build is not a (reasonable) string"
    if len(n) > MAX_FIELD:
        return "name absurdly long"
    bn = get("build_number", 0)
    if bn is not None and bn.__class__ is not int:
        return "build_number is not an integer"
    for key in _LISTS:
        val = get(key)
        if val is not None:
            if val.__class__ is not list:
                return f"{key} is not a list of strings"
            for x in val:
                if x.__class__ is not str:
                    return f"{key} is not a list of strings"
    tf = get("track_features")
    if tf is not None and tf.__class__ is not str and not (
            tf.__class__ is list and all(isinstance(x, str) for x in tf)):
        return "track_features is neither a string nor a list of strings"
    for key in _NUMBERS:
        val = get(key)
        if val is not None and val.__class__ is not int and val.__class__ is not float:
            return f"{key} is not a number"
    for key in _STR_OR_NONE:
        val = get(key)
        if val is not None and val.__class__ is not str:
            return f"{key} is not a string"
    noarch = get("noarch")
    if noarch is not None and noarch.__class__ is not str and noarch.__class__ is not bool:
        return "noarch is not a string"
    return None


class RecordBuilder:
    """Validates and builds the records of one subdir, name by name."""

    def __init__(self, channel_name: str, subdir: str, platform_url: str,
                 top: Dict[str, Any], add_pip: bool = True, reporter: Reporter = NULL,
                 make: Optional[Callable[[List[tuple]], List[Any]]] = None,
                 check_version: Optional[Callable[[str], Any]] = None) -> None:
        self.channel_name = channel_name
        self.subdir = subdir
        self.channel_url = strip_token(platform_url.rstrip("/"))
        self.platform_url = platform_url
        self.update_top(top)
        self.add_pip = add_pip
        self.reporter = reporter
        if make is None:
            from umm.repodata.lazyrecord import make_records as make
        self.make = make
        self.check_version = check_version or default_version_check()
        self.checker_id = getattr(self.check_version, "__qualname__", "") + "@" + \
            getattr(self.check_version, "__module__", "")
        self._good_versions: Dict[str, bool] = {}
        self._shapes: Dict[tuple, Tuple[int, ...]] = {}
        self.skipped = 0

    def update_top(self, top: Dict[str, Any]) -> None:
        """Take ``info.base_url``/``repodata_version``/``removed`` from the document."""
        self.base_url = resolve_base_url(self.platform_url, top)
        self.url_ref = (self.base_url,)
        removed = top.get("removed")
        self.removed = frozenset(x for x in removed if isinstance(x, str)) \
            if isinstance(removed, list) else frozenset()

    # -- validation --------------------------------------------------------------
    def wire_one(self, name: str, fn: str, raw: Any) -> Tuple[Optional[tuple], Optional[str]]:
        """One raw entry as a wire tuple, or (None, why it was refused)."""
        if raw.__class__ is dict:
            w = W.to_wire_checked(raw, fn, self.url_ref, self.channel_url, self._shapes,
                                  self._good_versions, name, MAX_FIELD)
            if w is not None:
                return w, None
        why = check_record(raw, name, self.check_version, self._good_versions)
        if why is not None:
            return None, f"{fn[:120]}: {why}"
        if raw.keys() <= W.FIELD_SET and len(self._shapes) < 256:
            shape, str_idx = W.shape_of(raw)
            self._shapes[shape] = str_idx
        return W.to_wire(raw, fn, self.url_ref, self.channel_url), None

    def select(self, conda: Dict[str, tuple], tarbz2: Dict[str, tuple]) -> List[tuple]:
        """Wire tuples of one name: .conda first, .tar.bz2 unless a .conda twin exists."""
        removed = self.removed
        out = [w for fn, w in conda.items() if fn not in removed]
        for fn, w in tarbz2.items():
            if fn in removed or (fn.endswith(".tar.bz2") and fn[:-8] + ".conda" in conda):
                continue
            out.append(w)
        return out

    def wire(self, name: str, tarbz2: Dict[str, Any],
             conda: Dict[str, Any]) -> Tuple[List[tuple], List[str]]:
        """Validate the raw entries of ``name``: (wire tuples, problems)."""
        problems: List[str] = []
        sections: List[Dict[str, tuple]] = [{}, {}]
        for sec, entries in ((0, tarbz2), (1, conda)):
            for fn, raw in entries.items():
                w, why = self.wire_one(name, fn, raw)
                if w is None:
                    problems.append(why)  # type: ignore[arg-type]
                else:
                    sections[sec][fn] = w
        return self.select(sections[1], sections[0]), problems

    # -- records -------------------------------------------------------------------
    def to_records(self, name: str, wires: List[tuple],
                   problems: Sequence[str] = (), n_problems: int = 0) -> List[Any]:
        """Records from wire tuples; reports the problems found when they were made."""
        count = max(n_problems, len(problems))
        if count:
            self.skipped += count
            more = f" (and {count - 3} more)" if count > 3 else ""
            self.reporter.warning(
                f"{self.channel_name}/{self.subdir}: skipped {count} invalid record(s) "
                f"of {name}: " + "; ".join(problems[:3]) + more)
        if self.add_pip and name == "python":
            wires = [_with_pip(w) for w in wires]
        return self.make(wires)

    def build(self, name: str, tarbz2: Dict[str, Any], conda: Dict[str, Any]) -> List[Any]:
        wires, problems = self.wire(name, tarbz2, conda)
        return self.to_records(name, wires, problems)


def _with_pip(w: tuple) -> tuple:
    version = w[W.I_VERSION]
    deps = w[W.I_DEPENDS]
    if not (isinstance(version, str) and version.startswith(("2.", "3."))):
        return w
    deps = () if deps is W.MISSING or not deps else tuple(deps)
    if any(dependency_name(d) == "pip" for d in deps):
        return w
    return W.with_depends(w, deps + ("pip",))
