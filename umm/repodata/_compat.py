"""Private stand-ins for ``umm.specs`` pieces that have not landed yet.

``record_factory()`` builds records with ``umm.specs``'s
``RepoDataRecord.from_json`` when it exists, else as the compact
:class:`StandInRecord` below (directly from wire tuples); ``version_check()``
returns a callable raising ``ValueError`` for an invalid version string
(``Version.parse`` when available, else conda's ``VersionOrder`` acceptance
rules). Everything else in ``umm.repodata`` goes through these two.
"""
from __future__ import annotations

import functools
import re
from typing import Any, Callable, Dict, List, Optional, Tuple


from umm.repodata import wire as _w
from umm.repodata.wire import MISSING

_NF = _w.NF


def _field(i: int, default: Any) -> property:
    def get(self: "StandInRecord") -> Any:
        v = self[i]
        return default if v is MISSING or v is None else v
    return property(get)


def _json_field(i: int) -> property:
    def get(self: "StandInRecord") -> Any:
        v = _w.value(self, i)
        return None if v is MISSING else v
    return property(get)


class StandInRecord(tuple):
    """A repodata record: the contract's fields, unknown keys kept, exact round trip.

    A tuple in the wire layout of :mod:`umm.repodata.wire`, so the index
    cache's records become records without any per-field work.
    """

    __slots__ = ()

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "StandInRecord":
        return tuple.__new__(cls, _w.from_json(data))

    def to_json(self) -> Dict[str, Any]:
        return _w.to_json(self)

    name = _field(_w.I_NAME, "")
    version = _field(_w.I_VERSION, "")
    build = _field(_w.I_BUILD, "")
    build_number = _field(_w.I_BUILD_NUMBER, 0)
    noarch = _field(_w.I_NOARCH, None)
    size = _field(_w.I_SIZE, None)
    license = _field(_w.I_LICENSE, None)
    license_family = _field(_w.I_LICENSE_FAMILY, None)
    subdir = _field(_w.I_SUBDIR, None)
    fn = _field(_w.I_FN, "")
    channel = _field(_w.I_CHANNEL, "")
    md5 = _json_field(_w.I_MD5)
    sha256 = _json_field(_w.I_SHA256)

    @property
    def url(self) -> str:
        v = _w.value(self, _w.I_URL)
        return "" if v is MISSING or v is None else v

    @property
    def depends(self) -> Tuple[str, ...]:
        v = self[_w.I_DEPENDS]
        return v if v.__class__ is tuple else (tuple(v) if v and v is not MISSING else ())

    @property
    def constrains(self) -> Tuple[str, ...]:
        v = self[_w.I_CONSTRAINS]
        return v if v.__class__ is tuple else (tuple(v) if v and v is not MISSING else ())

    @property
    def track_features(self) -> Tuple[str, ...]:
        return _split_features(self[_w.I_TRACK])

    @property
    def features(self) -> Tuple[str, ...]:
        return _split_features(self[_w.I_FEATURES])

    @property
    def timestamp(self) -> int:
        """Milliseconds since the epoch (seconds in the source are converted)."""
        ts = self[_w.I_TIMESTAMP]
        try:
            ts = int(ts) if ts is not MISSING and ts is not None else 0
        except (TypeError, ValueError):
            return 0
        return ts * 1000 if 0 < ts < 253402300799 else ts

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StandInRecord) and self.to_json() == other.to_json()

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash((self.name, self.version, self.build, self.url))

    def __repr__(self) -> str:
        return f"<record {self.name}-{self.version}-{self.build} {self.channel}>"


def _split_features(value: Any) -> Tuple[str, ...]:
    if isinstance(value, str):
        return tuple(v for v in value.replace(",", " ").split() if v)
    if isinstance(value, (list, tuple)):
        return tuple(str(v) for v in value if v)
    return ()


class RecordFactory:
    """Turns wire tuples into records: the stand-in directly, others via ``from_json``."""

    __slots__ = ("from_json", "fast")

    def __init__(self, from_json: Optional[Callable[[Dict[str, Any]], Any]] = None) -> None:
        self.from_json = from_json or StandInRecord.from_json
        self.fast = self.from_json == StandInRecord.from_json

    def make(self, wires: List[tuple]) -> List[Any]:
        if self.fast:
            return list(map(_new_standin, wires))
        f = self.from_json
        return [f(_w.to_json(w)) for w in wires]


_new_standin = functools.partial(tuple.__new__, StandInRecord)


def record_factory() -> RecordFactory:
    """A factory over ``RepoDataRecord.from_json`` of ``umm.specs``, or the stand-in."""
    for modname in ("umm.specs", "umm.specs.records", "umm.specs.record"):
        try:
            mod = __import__(modname, fromlist=["RepoDataRecord"])
        except ImportError:
            continue
        cls = getattr(mod, "RepoDataRecord", None)
        if cls is not None and hasattr(cls, "from_json"):
            return RecordFactory(cls.from_json)
    return RecordFactory()


_VERSION_CHARS = re.compile(r"^[*.+!_0-9a-z]+$")


def conda_version_check(text: str) -> None:
    """Raise ``ValueError`` unless conda's ``VersionOrder`` would accept ``text``."""
    if not isinstance(text, str):
        raise ValueError("version is not a string")
    v = text.strip().lower()
    if not v:
        raise ValueError("empty version")
    if "-" in v and "_" not in v:
        v = v.replace("-", "_")
    if not _VERSION_CHARS.match(v):
        raise ValueError(f"invalid character(s) in version {text!r}")
    epoch, bang, rest = v.partition("!")
    if bang:
        if not epoch.isdigit() or "!" in rest:
            raise ValueError(f"invalid epoch in version {text!r}")
        v = rest
    main, plus, local = v.partition("+")
    if plus and ("+" in local or not local):
        raise ValueError(f"invalid local version in {text!r}")
    for part in (main, local) if plus else (main,):
        if not part or any(c == "" for c in re.split(r"[._]", part)):
            raise ValueError(f"empty version component in {text!r}")


def version_check() -> Callable[[str], Any]:
    """``Version.parse`` of ``umm.specs`` when present, else :func:`conda_version_check`."""
    for modname in ("umm.specs", "umm.specs.version"):
        try:
            mod = __import__(modname, fromlist=["Version"])
        except ImportError:
            continue
        cls = getattr(mod, "Version", None)
        if cls is not None and hasattr(cls, "parse"):
            return cls.parse
    return conda_version_check


_DEP_NAME = re.compile(r"\s*(?:[^\s:]+::)?([^\s<>=!~\[\(,|;]+)")


def dependency_name(spec: str) -> Optional[str]:
    """The package name a dependency string is about (``"numpy >=1.2"`` -> numpy)."""
    m = _DEP_NAME.match(spec)
    if not m:
        return None
    name = m.group(1).strip().lower()
    return name or None


class UrlChannel:
    """A channel given by URL: the stand-in for ``umm.specs``'s ``Channel``.

    Same attributes the repodata layer uses: ``canonical_name``, ``base_url``
    (no token), ``token``, ``platforms`` (empty: use the requested ones) and
    ``platform_url(subdir, with_token=False)``.
    """

    __slots__ = ("canonical_name", "base_url", "token", "platforms")

    def __init__(self, url: str, platforms: Tuple[str, ...] = (),
                 name: Optional[str] = None) -> None:
        from umm.net.masking import split_token

        base, token = split_token(url.rstrip("/"))
        object.__setattr__(self, "base_url", base)
        object.__setattr__(self, "token", token)
        object.__setattr__(self, "canonical_name", name or base)
        object.__setattr__(self, "platforms", tuple(platforms))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("immutable")

    def platform_url(self, subdir: str, with_token: bool = False) -> str:
        if with_token and self.token:
            scheme, sep, rest = self.base_url.partition("://")
            host, slash, path = rest.partition("/")
            return f"{scheme}{sep}{host}/t/{self.token}/{path}".rstrip("/") + f"/{subdir}"
        return f"{self.base_url}/{subdir}"

    def __str__(self) -> str:
        return self.canonical_name

    def __repr__(self) -> str:
        return f"UrlChannel({self.canonical_name!r})"
