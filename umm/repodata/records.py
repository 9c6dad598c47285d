"""Turning raw repodata entries into records, defensively.

Repodata semantics handled here: ``packages`` + ``packages.conda`` (the
``.conda`` wins for the same name-version-build), ``info.base_url`` with
``repodata_version >= 2``, null fields, ``track_features`` as a string or a
list, ``add_pip_as_python_dependency``. A hostile entry (wrong types, invalid
version) is skipped and reported; it never takes the channel down.
"""
from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Tuple
from urllib.parse import urljoin

from umm.net.masking import strip_token
from umm.reporter import NULL, Reporter
from umm.repodata._compat import dependency_name, record_factory, version_check

MAX_FIELD = 1024  # longer names, versions or builds are hostile, not real
_STR_OR_NONE = ("md5", "sha256", "license", "license_family", "subdir", "platform", "arch")


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


_LISTS = ("depends", "constrains")
_SHARED = ("license", "build", "subdir", "noarch", "license_family", "platform", "arch",
           "track_features")
_NUMBERS = ("timestamp", "size")


def _check(raw: Any, name: str, check_version: Callable[[str], Any],
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
    ok = good_versions.get(v)
    if ok is None:
        if len(v) > MAX_FIELD:
            return "version absurdly long"
        try:
            check_version(v)
            ok = True
        except ValueError as exc:
            return f"invalid version {v[:60]!r} ({str(exc)[:80]})"
        good_versions[v] = ok
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
    """Builds the records of one subdir, name by name."""

    def __init__(self, channel_name: str, subdir: str, platform_url: str,
                 top: Dict[str, Any], add_pip: bool = True, reporter: Reporter = NULL,
                 make_record: Optional[Callable[[Dict[str, Any]], Any]] = None,
                 check_version: Optional[Callable[[str], Any]] = None) -> None:
        self.channel_name = channel_name
        self.subdir = subdir
        self.channel_url = strip_token(platform_url.rstrip("/"))
        self.base_url = resolve_base_url(platform_url, top)
        removed = top.get("removed")
        self.removed = frozenset(x for x in removed if isinstance(x, str)) \
            if isinstance(removed, list) else frozenset()
        self.add_pip = add_pip
        self.reporter = reporter
        self.make_record = make_record or record_factory()
        self.check_version = check_version or version_check()
        self._interned: Dict[str, str] = {}
        self._good_versions: Dict[str, bool] = {}
        self.skipped = 0

    def build(self, name: str, tarbz2: Dict[str, Any], conda: Dict[str, Any]) -> List[Any]:
        """Records of ``name`` from its raw entries (which this takes ownership of)."""
        out: List[Any] = []
        append = out.append
        problems: List[str] = []
        removed = self.removed
        entries: List[Tuple[str, Any]] = list(conda.items())
        if tarbz2:
            for fn, raw in tarbz2.items():
                if fn.endswith(".tar.bz2") and fn[:-8] + ".conda" in conda:
                    continue  # prefer the .conda of the same name-version-build
                entries.append((fn, raw))
        check, good = self.check_version, self._good_versions
        intern = self._interned.setdefault
        base, channel, subdir = self.base_url, self.channel_url, self.subdir
        make = self.make_record
        add_pip = self.add_pip and name == "python"
        for fn, raw in entries:
            if removed and fn in removed:
                continue
            why = _check(raw, name, check, good)
            if why is not None:
                problems.append(f"{fn[:120]}: {why}")
                continue
            deps = raw.get("depends")
            if deps:
                raw["depends"] = deps = list(map(intern, deps, deps))
            elif "depends" in raw:
                raw["depends"] = deps = []
            cons = raw.get("constrains")
            if cons:
                raw["constrains"] = list(map(intern, cons, cons))
            elif "constrains" in raw:
                raw["constrains"] = []
            # share the strings that repeat between records (memory, not time)
            raw["name"] = name if raw["name"] == name else intern(raw["name"], raw["name"])
            v = raw["version"]
            raw["version"] = intern(v, v)
            for key in _SHARED:
                val = raw.get(key)
                if val.__class__ is str:
                    raw[key] = intern(val, val)
            if add_pip and raw["version"].startswith(("2.", "3.")) and \
                    not any(dependency_name(x) == "pip" for x in deps or ()):
                raw["depends"] = list(deps or ()) + ["pip"]
            if raw.get("subdir") is None:
                raw["subdir"] = subdir
            raw["fn"] = fn
            raw["url"] = base + fn
            raw["channel"] = channel
            try:
                append(make(raw))
            except (ValueError, TypeError, KeyError) as exc:  # the record type refused it
                problems.append(f"{fn[:120]}: {str(exc)[:120]}")
        if problems:
            self.skipped += len(problems)
            more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
            self.reporter.warning(
                f"{self.channel_name}/{self.subdir}: skipped {len(problems)} invalid record(s) "
                f"of {name}: " + "; ".join(problems[:3]) + more)
        return out
