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


def _check(raw: Any, name: str, check_version: Callable[[str], Any]) -> Optional[str]:
    """Why ``raw`` is not a usable record of ``name`` (None when it is)."""
    if not isinstance(raw, dict):
        return "not an object"
    n = raw.get("name")
    if not isinstance(n, str) or not n:
        return "no name"
    v = raw.get("version")
    if not isinstance(v, str):
        return "no version"
    if len(v) > MAX_FIELD or len(n) > MAX_FIELD or len(str(raw.get("build", ""))) > MAX_FIELD:
        return "name, version or build absurdly long"
    try:
        check_version(v)
    except ValueError as exc:
        return f"invalid version {v[:60]!r} ({str(exc)[:80]})"
    b = raw.get("build", "")
    if b is not None and not isinstance(b, str):
        return "build is not a string"
    bn = raw.get("build_number", 0)
    if bn is not None and (isinstance(bn, bool) or not isinstance(bn, int)):
        return "build_number is not an integer"
    for key in ("depends", "constrains"):
        val = raw.get(key)
        if val is not None and (not isinstance(val, list) or
                                not all(isinstance(x, str) for x in val)):
            return f"{key} is not a list of strings"
    tf = raw.get("track_features")
    if tf is not None and not isinstance(tf, str) and not (
            isinstance(tf, list) and all(isinstance(x, str) for x in tf)):
        return "track_features is neither a string nor a list of strings"
    for key in ("timestamp", "size"):
        val = raw.get(key)
        if val is not None and (isinstance(val, bool) or not isinstance(val, (int, float))):
            return f"{key} is not a number"
    for key in _STR_OR_NONE:
        val = raw.get(key)
        if val is not None and not isinstance(val, str):
            return f"{key} is not a string"
    noarch = raw.get("noarch")
    if noarch is not None and not isinstance(noarch, (str, bool)):
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
        self.skipped = 0

    def _intern(self, items: List[str]) -> List[str]:
        get = self._interned.setdefault
        return [get(x, x) for x in items]

    def build(self, name: str, tarbz2: Dict[str, Any], conda: Dict[str, Any]) -> List[Any]:
        out: List[Any] = []
        problems: List[str] = []
        removed = self.removed
        entries: List[Tuple[str, Any]] = list(conda.items())
        for fn, raw in tarbz2.items():
            if fn.endswith(".tar.bz2") and fn[:-8] + ".conda" in conda:
                continue  # prefer the .conda of the same name-version-build
            entries.append((fn, raw))
        for fn, raw in entries:
            if fn in removed:
                continue
            why = _check(raw, name, self.check_version)
            if why is None and raw["name"].lower() != name.lower():
                why = f"name {raw['name']!r} does not match {name!r}"
            if why is not None:
                problems.append(f"{fn[:120]}: {why}")
                continue
            d = dict(raw)
            for key in ("depends", "constrains"):
                if key in d:
                    d[key] = self._intern(d[key] or [])
            if self.add_pip and name == "python" and d["version"].startswith(("2.", "3.")):
                deps = d.get("depends") or []
                if not any(dependency_name(x) == "pip" for x in deps):
                    d["depends"] = list(deps) + ["pip"]
            if d.get("subdir") is None:
                d["subdir"] = self.subdir
            d["fn"] = fn
            d["url"] = self.base_url + fn
            d["channel"] = self.channel_url
            try:
                out.append(self.make_record(d))
            except (ValueError, TypeError, KeyError) as exc:  # the record type refused it
                problems.append(f"{fn[:120]}: {str(exc)[:120]}")
        if problems:
            self.skipped += len(problems)
            more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
            self.reporter.warning(
                f"{self.channel_name}/{self.subdir}: skipped {len(problems)} invalid record(s) "
                f"of {name}: " + "; ".join(problems[:3]) + more)
        return out
