"""Private stand-ins for ``umm.specs`` pieces that have not landed yet.

``record_factory()`` returns ``umm.specs``'s ``RepoDataRecord.from_json`` when
it exists, else the compact :class:`StandInRecord` below; ``version_check()``
returns a callable raising ``ValueError`` for an invalid version string
(``Version.parse`` when available, else conda's ``VersionOrder`` acceptance
rules). Everything else in ``umm.repodata`` goes through these two.
"""
from __future__ import annotations

import re
import sys
from typing import Any, Callable, Dict, Iterator, Optional, Tuple


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()

_FIELDS = ("name", "version", "build", "build_number", "depends", "constrains",
           "track_features", "features", "noarch", "timestamp", "md5", "sha256", "size",
           "license", "subdir", "fn", "url", "channel")
_FIELD_SET = frozenset(_FIELDS)
_NF = len(_FIELDS)


def _field(i: int, default: Any) -> property:
    def get(self: "StandInRecord") -> Any:
        v = self[i]
        return default if v is MISSING or v is None else v
    return property(get)


def _packed(i: int) -> property:
    def get(self: "StandInRecord") -> Any:
        v = self._raw(i)
        return None if v is MISSING else v
    return property(get)


class StandInRecord(tuple):
    """A repodata record: the contract's fields, unknown keys kept, exact round trip.

    A tuple underneath (one slot per field, plus a dict of unknown keys or
    None), so building hundreds of thousands of them is cheap in time and memory.
    """

    __slots__ = ()

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "StandInRecord":
        extra = None
        if len(data) > _NF or not data.keys() <= _FIELD_SET:
            extra = {k: v for k, v in data.items() if k not in _FIELD_SET} or None
        vals = list(map(data.get, _FIELDS, _MISSINGS))
        vals.append(extra)
        # compact storage: checksums as bytes, the URL as (shared base,) + fn
        for i in (10, 11):
            h = vals[i]
            if h.__class__ is str and h.islower():
                try:
                    vals[i] = bytes.fromhex(h)
                except ValueError:
                    pass
        url, fn = vals[16], vals[15]
        if url.__class__ is str and fn.__class__ is str and fn and url.endswith(fn):
            vals[16] = (sys.intern(url[:-len(fn)]),)
        return tuple.__new__(cls, vals)

    def _raw(self, i: int) -> Any:
        v = self[i]
        if v.__class__ is bytes:
            return v.hex()
        if v.__class__ is tuple and i == 16:
            return v[0] + self[15]
        return v

    def to_json(self) -> Dict[str, Any]:
        out = {}
        for i, f in enumerate(_FIELDS):
            v = self._raw(i)
            if v is not MISSING:
                out[f] = v
        if self[_NF]:
            out.update(self[_NF])
        return out

    name = _field(0, "")
    version = _field(1, "")
    build = _field(2, "")
    build_number = _field(3, 0)
    noarch = _field(8, None)
    md5 = _packed(10)
    sha256 = _packed(11)
    size = _field(12, None)
    license = _field(13, None)
    subdir = _field(14, None)
    fn = _field(15, "")
    @property
    def url(self) -> str:
        v = self._raw(16)
        return "" if v is MISSING or v is None else v
    channel = _field(17, "")

    @property
    def depends(self) -> Tuple[str, ...]:
        v = self[4]
        return tuple(v) if v is not MISSING and v else ()

    @property
    def constrains(self) -> Tuple[str, ...]:
        v = self[5]
        return tuple(v) if v is not MISSING and v else ()

    @property
    def track_features(self) -> Tuple[str, ...]:
        return _split_features(self[6])

    @property
    def features(self) -> Tuple[str, ...]:
        return _split_features(self[7])

    @property
    def timestamp(self) -> int:
        """Milliseconds since the epoch (seconds in the source are converted)."""
        ts = self[9]
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


_MISSINGS = (MISSING,) * _NF


def _split_features(value: Any) -> Tuple[str, ...]:
    if isinstance(value, str):
        return tuple(v for v in value.replace(",", " ").split() if v)
    if isinstance(value, (list, tuple)):
        return tuple(str(v) for v in value if v)
    return ()


def record_factory() -> Callable[[Dict[str, Any]], Any]:
    """``RepoDataRecord.from_json`` of ``umm.specs``, or the stand-in."""
    for modname in ("umm.specs", "umm.specs.records", "umm.specs.record"):
        try:
            mod = __import__(modname, fromlist=["RepoDataRecord"])
        except ImportError:
            continue
        cls = getattr(mod, "RepoDataRecord", None)
        if cls is not None and hasattr(cls, "from_json"):
            return cls.from_json
    return StandInRecord.from_json


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
