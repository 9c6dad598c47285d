"""Package records: repodata entries, ``repodata_record.json`` and ``conda-meta/*.json``.

A record wraps the JSON object it came from. ``from_json(d)`` keeps ``d`` as is (no copy,
no per-field validation: hundreds of thousands are built per solve), reads the four
hot fields (name, version, build, build_number) and converts the others on first use.
``to_json()`` returns a copy of the original object, so unknown keys, ``null`` values,
a string ``track_features`` and key order all round-trip exactly. ``validate()`` checks
the field types when wanted.

* :class:`PackageRecord`: the fields of a repodata entry / ``info/index.json``.
* :class:`RepoDataRecord`: plus ``url``, ``channel`` and ``fn`` (where it came from).
* :class:`PrefixRecord`: plus what an installed package records in ``conda-meta``:
  ``files``, ``paths_data``, ``link``, ``requested_spec``, ``package_tarball_full_path``,
  ``extracted_package_dir``.
"""
from __future__ import annotations

import re
from typing import Any, Dict, Iterable, Mapping, Optional, Tuple

from umm.specs.errors import InvalidRecord, InvalidVersion
from umm.specs.version import Version

# the keys PackageRecord knows; others are kept in ``extra``
PACKAGE_KEYS = (
    "name", "version", "build", "build_number", "depends", "constrains", "track_features",
    "features", "noarch", "timestamp", "md5", "sha256", "size", "license", "license_family",
    "subdir", "arch", "platform", "legacy_bz2_md5", "legacy_bz2_size",
    "python_site_packages_path", "purls", "run_exports",
)
REPODATA_KEYS = PACKAGE_KEYS + ("fn", "url", "channel")
PREFIX_KEYS = REPODATA_KEYS + ("files", "paths_data", "link", "requested_spec",
                               "requested_specs", "package_tarball_full_path",
                               "extracted_package_dir", "auth")
_MAX_SECONDS = 253402300799  # 9999-12-31: larger timestamps are in milliseconds
_SPLIT = re.compile(r"[\s,]+")


def _deepcopy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _deepcopy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_deepcopy(v) for v in value]
    return value


def _str_tuple(value: Any) -> Tuple[str, ...]:
    if not value:
        return ()
    if isinstance(value, str):
        return tuple(x for x in _SPLIT.split(value) if x)
    return tuple(value)


class PackageRecord:
    """The metadata of one package build (a repodata entry)."""

    __slots__ = ("_d", "_name", "_version", "_build", "_build_number", "_vobj", "_deps",
                 "_cons")
    _KNOWN = frozenset(PACKAGE_KEYS)

    def __init__(self, name: str, version: str, build: str, build_number: int = 0,
                 depends: Iterable[str] = (), constrains: Iterable[str] = (),
                 **fields: Any) -> None:
        d: Dict[str, Any] = {"name": name, "version": version, "build": build,
                             "build_number": build_number, "depends": list(depends)}
        if constrains:
            d["constrains"] = list(constrains)
        for key, value in fields.items():
            if isinstance(value, tuple):
                value = list(value)
            d[key] = value
        self._init(d)

    def _init(self, d: Dict[str, Any]) -> None:
        try:
            self._name = d["name"]
            self._version = d["version"]
            self._build = d["build"]
        except KeyError as exc:
            raise InvalidRecord(_short(d), f"missing field {exc.args[0]!r}",
                                field=exc.args[0]) from None
        except TypeError:
            raise InvalidRecord(_short(d), "a record must be a JSON object") from None
        bn = d.get("build_number")
        self._build_number = bn if bn is not None else 0
        self._d = d
        self._vobj = None
        self._deps = None
        self._cons = None

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "PackageRecord":
        """Wrap a JSON object (taken over, not copied)."""
        self = cls.__new__(cls)
        if not isinstance(d, dict):
            if not isinstance(d, Mapping):
                raise InvalidRecord(repr(d)[:60], "a record must be a JSON object")
            d = dict(d)
        self._init(d)  # type: ignore[arg-type]
        return self

    def to_json(self) -> Dict[str, Any]:
        """A copy of the JSON object, exactly as it was read or built."""
        return _deepcopy(self._d)

    # hot fields --------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self._name

    @property
    def version(self) -> str:
        return self._version

    @property
    def build(self) -> str:
        return self._build

    @property
    def build_number(self) -> int:
        return self._build_number

    @property
    def version_obj(self) -> Version:
        """The parsed :class:`Version` (parsed on first use)."""
        v = self._vobj
        if v is None:
            try:
                v = self._vobj = Version.parse(str(self._version))
            except InvalidVersion as exc:
                raise InvalidRecord(self.dist_name, f"bad version: {exc.reason}",
                                    field="version") from None
        return v

    @property
    def depends(self) -> Tuple[str, ...]:
        t = self._deps
        if t is None:
            t = self._deps = tuple(self._d.get("depends") or ())
        return t

    @property
    def constrains(self) -> Tuple[str, ...]:
        t = self._cons
        if t is None:
            t = self._cons = tuple(self._d.get("constrains") or ())
        return t

    # other fields ------------------------------------------------------------------------
    def get(self, key: str, default: Any = None) -> Any:
        """The raw JSON value of ``key``."""
        return self._d.get(key, default)

    def __contains__(self, key: str) -> bool:
        return key in self._d

    @property
    def track_features(self) -> Tuple[str, ...]:
        """Always a tuple (the JSON may hold a string ``"a b"`` or a list)."""
        return _str_tuple(self._d.get("track_features"))

    @property
    def features(self) -> Tuple[str, ...]:
        return _str_tuple(self._d.get("features"))

    @property
    def noarch(self) -> Optional[str]:
        """``"python"``, ``"generic"`` or None (old ``noarch: true`` means generic)."""
        value = self._d.get("noarch")
        if value is None or value is False or value == "":
            return None
        if value is True or str(value).lower() in ("true", "generic"):
            return "generic"
        return str(value).lower()

    @property
    def timestamp(self) -> Optional[float]:
        """As given (seconds in old records, milliseconds in new ones)."""
        return self._d.get("timestamp")

    @property
    def timestamp_ms(self) -> int:
        """The timestamp in milliseconds (0 when absent)."""
        ts = self._d.get("timestamp") or 0
        return int(ts) if ts > _MAX_SECONDS else int(ts * 1000)

    @property
    def md5(self) -> Optional[str]:
        return self._d.get("md5")

    @property
    def sha256(self) -> Optional[str]:
        return self._d.get("sha256")

    @property
    def size(self) -> Optional[int]:
        return self._d.get("size")

    @property
    def license(self) -> Optional[str]:
        return self._d.get("license")

    @property
    def license_family(self) -> Optional[str]:
        return self._d.get("license_family")

    @property
    def subdir(self) -> Optional[str]:
        return self._d.get("subdir")

    @property
    def arch(self) -> Optional[str]:
        return self._d.get("arch")

    @property
    def platform(self) -> Optional[str]:
        return self._d.get("platform")

    @property
    def python_site_packages_path(self) -> Optional[str]:
        return self._d.get("python_site_packages_path")

    @property
    def fn(self) -> str:
        """The package file name: ``fn`` if recorded, else the last part of ``url``,
        else ``name-version-build.tar.bz2`` (conda's default)."""
        fn = self._d.get("fn")
        if fn:
            return fn
        url = self._d.get("url")
        if url:
            return url.rstrip("/").rsplit("/", 1)[-1]
        return f"{self.dist_name}.tar.bz2"

    @property
    def url(self) -> Optional[str]:
        return self._d.get("url")

    @property
    def channel(self) -> Optional[str]:
        return self._d.get("channel")

    @property
    def dist_name(self) -> str:
        """``name-version-build``."""
        return f"{self._name}-{self._version}-{self._build}"

    @property
    def extra(self) -> Dict[str, Any]:
        """Keys this record type does not know, with their values."""
        known = self._KNOWN
        return {k: v for k, v in self._d.items() if k not in known}

    # checks --------------------------------------------------------------------------------
    def validate(self) -> "PackageRecord":
        """Check field types; raise :class:`InvalidRecord` naming the bad field."""
        d = self._d
        for key in ("name", "version", "build"):
            if not isinstance(d.get(key), str) or not d[key]:
                raise InvalidRecord(self._safe_name(), f"'{key}' must be a non-empty string",
                                    field=key)
        if not isinstance(self._build_number, int) or isinstance(self._build_number, bool) \
                or self._build_number < 0:
            raise InvalidRecord(self.dist_name, "'build_number' must be a non-negative integer",
                                field="build_number")
        _ = self.version_obj  # parse now: an invalid version fails here
        for key in ("depends", "constrains"):
            value = d.get(key)
            if value is not None and (not isinstance(value, list)
                                      or not all(isinstance(x, str) for x in value)):
                raise InvalidRecord(self.dist_name, f"'{key}' must be a list of strings",
                                    field=key)
        for key in ("track_features", "features"):
            value = d.get(key)
            if value is not None and not isinstance(value, (str, list)):
                raise InvalidRecord(self.dist_name, f"'{key}' must be a string or a list",
                                    field=key)
        for key in ("size", "timestamp"):
            value = d.get(key)
            if value is not None and (not isinstance(value, (int, float))
                                      or isinstance(value, bool) or value < 0):
                raise InvalidRecord(self.dist_name, f"'{key}' must be a non-negative number",
                                    field=key)
        for key, length in (("md5", 32), ("sha256", 64)):
            value = d.get(key)
            if value is not None and (not isinstance(value, str) or len(value) != length
                                      or not re.fullmatch(r"[0-9a-fA-F]+", value)):
                raise InvalidRecord(self.dist_name, f"'{key}' must be {length} hex digits",
                                    field=key)
        return self

    def _safe_name(self) -> str:
        return f"{self._name!s}-{self._version!s}-{self._build!s}"

    # protocol ------------------------------------------------------------------------------
    def _pkey(self) -> tuple:
        return (self.channel, self.subdir, self._name, self._version, self._build)

    def __eq__(self, other: Any) -> bool:
        if isinstance(other, PackageRecord):
            return self._pkey() == other._pkey()
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._pkey())

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.dist_name!r})"

    def __str__(self) -> str:
        return self.dist_name

    def __reduce__(self):
        return (type(self).from_json, (self._d,))


class RepoDataRecord(PackageRecord):
    """A package record with where it comes from: ``url``, ``channel``, ``fn``."""

    __slots__ = ("_fn", "_url", "_channel")
    _KNOWN = frozenset(REPODATA_KEYS)

    def __init__(self, name: str, version: str, build: str, build_number: int = 0,
                 depends: Iterable[str] = (), constrains: Iterable[str] = (), *,
                 fn: Optional[str] = None, url: Optional[str] = None,
                 channel: Optional[str] = None, **fields: Any) -> None:
        if fn is None and url:
            fn = url.rstrip("/").rsplit("/", 1)[-1]
        super().__init__(name, version, build, build_number, depends, constrains,
                         fn=fn, url=url, channel=channel, **fields)

    def _init(self, d: Dict[str, Any]) -> None:
        PackageRecord._init(self, d)
        self._fn = d.get("fn")
        self._url = d.get("url")
        self._channel = d.get("channel")

    @classmethod
    def from_repodata(cls, entry: Dict[str, Any], fn: str, url: str,
                      channel: Optional[str]) -> "RepoDataRecord":
        """A record for ``packages[fn]`` of a repodata.json (``entry`` is not copied)."""
        self = cls.__new__(cls)
        PackageRecord._init(self, entry)
        self._fn = fn
        self._url = url
        self._channel = channel
        return self

    def to_json(self) -> Dict[str, Any]:
        d = _deepcopy(self._d)
        for key, value in (("fn", self._fn), ("url", self._url), ("channel", self._channel)):
            if key not in d and value is not None:
                d[key] = value
        return d

    @property
    def fn(self) -> str:
        return self._fn or PackageRecord.fn.fget(self)  # type: ignore[attr-defined]

    @property
    def url(self) -> Optional[str]:
        return self._url

    @property
    def channel(self) -> Optional[str]:
        return self._channel

    def __reduce__(self):
        return (_rebuild_repodata, (type(self), self._d, self._fn, self._url, self._channel))


def _rebuild_repodata(cls: type, d: Dict[str, Any], fn: Optional[str], url: Optional[str],
                      channel: Optional[str]) -> RepoDataRecord:
    self = cls.__new__(cls)
    PackageRecord._init(self, d)
    self._fn, self._url, self._channel = fn, url, channel
    return self


class PrefixRecord(RepoDataRecord):
    """An installed package, as stored in ``<prefix>/conda-meta/<dist_name>.json``."""

    __slots__ = ()
    _KNOWN = frozenset(PREFIX_KEYS)

    @classmethod
    def from_repodata_record(cls, record: PackageRecord, **fields: Any) -> "PrefixRecord":
        """A prefix record from a repodata record plus install-time fields
        (``files``, ``paths_data``, ``link``, ``requested_spec`` ...)."""
        d = record.to_json()
        for key, value in fields.items():
            d[key] = list(value) if isinstance(value, tuple) else value
        return cls.from_json(d)  # type: ignore[return-value]

    @property
    def files(self) -> Tuple[str, ...]:
        return tuple(self._d.get("files") or ())

    @property
    def paths_data(self) -> Dict[str, Any]:
        """``{"paths": [...], "paths_version": 1}`` (a copy)."""
        return _deepcopy(self._d.get("paths_data") or {"paths": [], "paths_version": 1})

    @property
    def paths(self) -> Tuple[Dict[str, Any], ...]:
        return tuple(_deepcopy(p) for p in (self._d.get("paths_data") or {}).get("paths", ()))

    @property
    def link(self) -> Optional[Dict[str, Any]]:
        link = self._d.get("link")
        return dict(link) if isinstance(link, dict) else None

    @property
    def requested_spec(self) -> Optional[str]:
        return self._d.get("requested_spec")

    @property
    def requested_specs(self) -> Tuple[str, ...]:
        specs = self._d.get("requested_specs")
        if specs:
            return tuple(specs)
        one = self._d.get("requested_spec")
        return (one,) if one else ()

    @property
    def package_tarball_full_path(self) -> Optional[str]:
        return self._d.get("package_tarball_full_path")

    @property
    def extracted_package_dir(self) -> Optional[str]:
        return self._d.get("extracted_package_dir")

    @property
    def conda_meta_filename(self) -> str:
        """``<name>-<version>-<build>.json``."""
        return f"{self.dist_name}.json"


def _short(d: Any) -> str:
    if isinstance(d, Mapping):
        return "-".join(str(d.get(k, "?")) for k in ("name", "version", "build"))
    return repr(d)[:60]
