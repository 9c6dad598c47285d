"""Private stand-ins for ``umm.specs`` pieces that have not landed yet.

``record_factory()`` returns ``umm.specs``'s ``RepoDataRecord.from_json`` when
it exists, else the compact :class:`StandInRecord` below; ``version_check()``
returns a callable raising ``ValueError`` for an invalid version string
(``Version.parse`` when available, else conda's ``VersionOrder`` acceptance
rules). Everything else in ``umm.repodata`` goes through these two.
"""
from __future__ import annotations

import re
from typing import Any, Callable, Dict, Iterator, Optional, Tuple


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()

_FIELDS = ("name", "version", "build", "build_number", "depends", "constrains",
           "track_features", "features", "noarch", "timestamp", "md5", "sha256", "size",
           "license", "subdir", "fn", "url", "channel")


class StandInRecord:
    """A repodata record: the contract's fields, unknown keys kept, exact round trip."""

    __slots__ = tuple("_" + f for f in _FIELDS) + ("_extra",)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "StandInRecord":
        self = cls.__new__(cls)
        s = object.__setattr__
        get = data.get
        for f in _FIELDS:
            s(self, "_" + f, get(f, MISSING))
        extra = {k: v for k, v in data.items() if k not in _FIELD_SET} \
            if len(data) > _count_known(data) else None
        s(self, "_extra", extra)
        return self

    def to_json(self) -> Dict[str, Any]:
        out: Dict[str, Any] = {}
        for f in _FIELDS:
            v = getattr(self, "_" + f)
            if v is not MISSING:
                out[f] = list(v) if isinstance(v, tuple) else v
        if self._extra:
            out.update(self._extra)
        return out

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("records are immutable")

    # -- normalized views -------------------------------------------------------
    def _get(self, f: str, default: Any) -> Any:
        v = getattr(self, "_" + f)
        return default if v is MISSING or v is None else v

    name = property(lambda self: self._get("name", ""))
    version = property(lambda self: self._get("version", ""))
    build = property(lambda self: self._get("build", ""))
    build_number = property(lambda self: self._get("build_number", 0))
    depends = property(lambda self: tuple(self._get("depends", ())))
    constrains = property(lambda self: tuple(self._get("constrains", ())))
    noarch = property(lambda self: self._get("noarch", None))
    md5 = property(lambda self: self._get("md5", None))
    sha256 = property(lambda self: self._get("sha256", None))
    size = property(lambda self: self._get("size", None))
    license = property(lambda self: self._get("license", None))
    subdir = property(lambda self: self._get("subdir", None))
    fn = property(lambda self: self._get("fn", ""))
    url = property(lambda self: self._get("url", ""))
    channel = property(lambda self: self._get("channel", ""))

    @property
    def track_features(self) -> Tuple[str, ...]:
        return _split_features(self._get("track_features", ""))

    @property
    def features(self) -> Tuple[str, ...]:
        return _split_features(self._get("features", ""))

    @property
    def timestamp(self) -> int:
        """Milliseconds since the epoch (seconds in the source are converted)."""
        ts = self._get("timestamp", 0)
        try:
            ts = int(ts)
        except (TypeError, ValueError):
            return 0
        return ts * 1000 if 0 < ts < 253402300799 else ts

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StandInRecord) and self.to_json() == other.to_json()

    def __hash__(self) -> int:
        return hash((self.name, self.version, self.build, self.url))

    def __repr__(self) -> str:
        return f"<record {self.name}-{self.version}-{self.build} {self.channel}>"

    def __iter__(self) -> Iterator[str]:  # pragma: no cover - convenience
        return iter(self.to_json())


_FIELD_SET = frozenset(_FIELDS)


def _count_known(data: Dict[str, Any]) -> int:
    return sum(1 for f in _FIELDS if f in data)


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
