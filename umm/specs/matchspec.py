"""MatchSpec: conda's query language for packages.

Accepted forms (conda's grammar; see ``_parse`` for the order of the steps)::

    numpy                         numpy 1.8*            numpy=1.8 (= 1.8.*)
    numpy==1.8 (exact)            numpy 1.8 py27_0      numpy=1.8=py27_0 (1.8 exact)
    numpy>=1.8,<2|1.7.*           numpy >=1.8 , <2      python (>=3.8,<3.10)|>=3.11
    conda-forge::numpy            conda-forge/linux-64::numpy   */linux-64::numpy
    numpy[version='>=1.8', build=py*, build_number='>=3', channel=conda-forge,
          subdir=linux-64, md5=…, sha256=…, license=BSD*, track_features=mkl, fn=…, url=…]
    https://host/chan/linux-64/numpy-1.8-py27_0.conda[#<md5 or sha256>]
    ./pkgs/numpy-1.8-py27_0.tar.bz2      mkl@ (legacy: *[track_features=mkl])
    py* 1.*                        # trailing comments and " if …" conditions are dropped

``str()`` gives conda's canonical form (``numpy=1.8``, ``numpy==1.8=py27_0``,
``conda-forge/linux-64::numpy[version='>=1.8']``; a package URL stays a URL), which
parses back to an equal spec.
"""
from __future__ import annotations

import re
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Tuple, Union

from umm.specs.build import BuildNumberSpec, compile_string_matcher, is_glob
from umm.specs.errors import InvalidMatchSpec, InvalidVersionSpec, SpecError
from umm.specs.records import RepoDataRecord
from umm.specs.version import Version
from umm.specs.version_spec import VersionSpec
from umm.specs import _spec_parse as P
from umm.specs._record_match import channel_matcher, record_subdir

FIELDS = ("name", "version", "build", "build_number", "channel", "subdir", "md5", "sha256",
          "fn", "url", "license", "license_family", "track_features", "features")
# order of bracket keys in the canonical string (conda's FIELD_NAMES order)
_BRACKET_ORDER = ("build_number", "track_features", "features", "url", "md5", "sha256",
                  "license", "license_family", "fn")
_QUOTE_CHARS = set(", =<>|![]()'\"")

_CACHE: Dict[str, "MatchSpec"] = {}
_CACHE_MAX = 200_000
Check = Callable[[Any], bool]


class MatchSpec:
    """An immutable package query. Build one with :meth:`parse` or keywords."""

    __slots__ = ("_name", "_version", "_build", "_build_number", "_channel", "_subdir",
                 "_md5", "_sha256", "_fn", "_url", "_license", "_license_family",
                 "_track_features", "_features", "_checks", "_str", "_ident", "_hash")

    def __init__(self, name: str = "*", version: Union[str, VersionSpec, None] = None,
                 build: Optional[str] = None,
                 build_number: Union[str, int, BuildNumberSpec, None] = None,
                 channel: Optional[str] = None, subdir: Optional[str] = None,
                 md5: Optional[str] = None, sha256: Optional[str] = None,
                 fn: Optional[str] = None, url: Optional[str] = None,
                 license: Optional[str] = None, license_family: Optional[str] = None,
                 track_features: Union[str, Iterable[str], None] = None,
                 features: Union[str, Iterable[str], None] = None) -> None:
        name = (name or "*").strip()
        self._name = name if name.startswith("^") else name.lower()
        vs = VersionSpec.parse(version) if version is not None else None
        self._version = None if vs is None or vs.is_any else vs
        b = build.strip() if isinstance(build, str) else build
        self._build = None if not b or b == "*" else b
        bn = BuildNumberSpec.parse(build_number) if build_number is not None else None
        self._build_number = None if bn is None or bn.is_any else bn
        c = channel.strip().rstrip("/") if channel else None
        self._channel = None if not c or c == "*" else c
        self._subdir = (subdir or "").strip() or None
        self._md5 = (md5 or "").strip() or None
        self._sha256 = (sha256 or "").strip() or None
        self._fn = (fn or "").strip() or None
        self._url = (url or "").strip() or None
        self._license = (license or "").strip() or None
        self._license_family = (license_family or "").strip() or None
        self._track_features = _feature_set(track_features)
        self._features = _feature_set(features)
        for pattern in (self._name, self._build, self._license, self._license_family):
            if pattern is not None and pattern[:1] == "^":
                compile_string_matcher(pattern)  # a bad regex fails here, not when matching
        self._ident = (self._name, self._version, self._build, self._build_number,
                       self._channel, self._subdir, self._md5, self._sha256, self._fn,
                       self._url, self._license, self._license_family,
                       self._track_features, self._features)
        self._hash = hash(self._ident)
        self._checks: Optional[List[Check]] = None  # compiled on first match
        self._str = None

    # parsing ---------------------------------------------------------------------------
    @classmethod
    def parse(cls, text: Union[str, "MatchSpec"]) -> "MatchSpec":
        """Parse a spec string (cached). Raises :class:`InvalidMatchSpec`."""
        spec = _CACHE.get(text)  # type: ignore[arg-type]
        if spec is not None:
            return spec
        if isinstance(text, MatchSpec):
            return text
        if not isinstance(text, str):
            raise InvalidMatchSpec(str(text), f"expected a string, got {type(text).__name__}")
        fields = P.parse_fields(text)
        try:
            spec = cls(**fields)
        except InvalidMatchSpec as exc:
            raise InvalidMatchSpec(text, exc.reason if exc.text in text else str(exc)) from None
        except SpecError as exc:
            raise InvalidMatchSpec(text, _inner_reason(exc), _inner_pos(text, exc)) from None
        if len(_CACHE) >= _CACHE_MAX:
            _CACHE.clear()
        _CACHE[text] = spec
        return spec

    @classmethod
    def from_record(cls, record: Any, with_channel: bool = True) -> "MatchSpec":
        """The exact spec of a record: ``channel/subdir::name==version=build``."""
        channel = getattr(record, "channel", None) if with_channel else None
        if channel:
            channel = P.channel_display(channel)
        return cls(name=record.name, version=f"=={record.version}", build=record.build,
                   channel=channel, subdir=record_subdir(record) if channel else None)

    @classmethod
    def from_dist_str(cls, text: str) -> "MatchSpec":
        """An exact spec from a dist string: ``[channel[/subdir]::]name-version-build[.ext]``
        (``conda-meta/history`` lines, ``conda list --explicit`` style names)."""
        raw = text
        text = text.strip()
        channel = subdir = None
        if "::" in text:
            chan, _, text = text.rpartition("::")
            channel, subdir = P.parse_channel(chan, raw)
        name, version, build = P.split_dist(text, raw)
        fn = text if text.endswith((".tar.bz2", ".conda")) else None
        try:
            return cls(name=name, version=f"=={version}", build=build, channel=channel,
                       subdir=subdir, fn=fn)
        except SpecError as exc:
            raise InvalidMatchSpec(raw, _inner_reason(exc)) from None

    def replace(self, **changes: Any) -> "MatchSpec":
        """A copy with some fields changed (``None`` clears a field)."""
        fields = self.fields()
        fields.update(changes)
        return MatchSpec(**fields)

    def fields(self) -> Dict[str, Any]:
        return {k: getattr(self, k) for k in FIELDS}

    # data ------------------------------------------------------------------------------
    @property
    def name(self) -> str:
        """The package name, lower-cased; may be a glob (``py*``) or ``*``."""
        return self._name

    @property
    def exact_name(self) -> Optional[str]:
        """The name when it is not a glob, else None."""
        return None if is_glob(self._name) else self._name

    @property
    def version(self) -> Optional[VersionSpec]:
        return self._version

    @property
    def build(self) -> Optional[str]:
        """A build string, glob (``py3*``) or ``^…$`` regex; None matches any."""
        return self._build

    @property
    def build_number(self) -> Optional[BuildNumberSpec]:
        return self._build_number

    @property
    def channel(self) -> Optional[str]:
        """The channel as written (name, URL or glob), without subdir."""
        return self._channel

    @property
    def subdir(self) -> Optional[str]:
        return self._subdir

    @property
    def md5(self) -> Optional[str]:
        return self._md5

    @property
    def sha256(self) -> Optional[str]:
        return self._sha256

    @property
    def fn(self) -> Optional[str]:
        return self._fn

    @property
    def url(self) -> Optional[str]:
        return self._url

    @property
    def license(self) -> Optional[str]:
        return self._license

    @property
    def license_family(self) -> Optional[str]:
        return self._license_family

    @property
    def track_features(self) -> Optional[Tuple[str, ...]]:
        return self._track_features

    @property
    def features(self) -> Optional[Tuple[str, ...]]:
        return self._features

    @property
    def is_name_only(self) -> bool:
        """Only a (non-glob) name is constrained: ``numpy``."""
        return self._ident[1:] == (None,) * 13 and not is_glob(self._name)

    @property
    def is_exact(self) -> bool:
        """Name, exact version and exact build are all fixed."""
        return (not is_glob(self._name) and self._version is not None
                and self._version.is_exact and self._build is not None
                and not is_glob(self._build))

    @property
    def is_virtual(self) -> bool:
        """Names a virtual package (``__glibc``, ``__cuda`` ...)."""
        return self._name.startswith("__")

    @property
    def strictness(self) -> int:
        """1: name only, 2: name and version, 3: build constrained as well (conda)."""
        if self._build is not None or self._build_number is not None or is_glob(self._name):
            return 3 if self._version is not None or self._build is not None \
                or self._build_number is not None else 1
        return 2 if self._version is not None else 1

    # matching --------------------------------------------------------------------------
    def _compile(self) -> List[Check]:
        checks: List[Check] = []
        if self._name != "*":
            if is_glob(self._name):
                nm = compile_string_matcher(self._name, ignore_case=True)
                checks.append(lambda r: nm(r.name))
            else:
                name = self._name
                checks.append(lambda r: r.name == name)
        if self._version is not None:
            vm = self._version.matcher
            checks.append(lambda r: vm(_version_of(r)))
        if self._build is not None:
            bm = compile_string_matcher(self._build)
            checks.append(lambda r: bm(r.build))
        if self._build_number is not None:
            bnm = self._build_number.matches
            checks.append(lambda r: bnm(r.build_number))
        if self._channel is not None:
            cm = channel_matcher(self._channel)
            checks.append(cm)
        if self._subdir is not None:
            sd = self._subdir
            checks.append(lambda r: record_subdir(r) == sd)
        for field in ("md5", "sha256"):
            want = getattr(self, "_" + field)
            if want is not None:
                checks.append(_exact_attr(field, want.lower(), lower=True))
        for field in ("fn", "url"):
            want = getattr(self, "_" + field)
            if want is not None:
                checks.append(_exact_attr(field, want))
        for field in ("license", "license_family"):
            want = getattr(self, "_" + field)
            if want is not None:
                lm = compile_string_matcher(want, ignore_case=True)
                checks.append(lambda r, lm=lm, f=field: lm(getattr(r, f, None)))
        for field in ("track_features", "features"):
            want = getattr(self, "_" + field)
            if want is not None:
                wanted = frozenset(want)
                checks.append(lambda r, f=field, w=wanted: _features_of(r, f) == w)
        return checks

    def matches(self, record: Any) -> bool:
        """Does ``record`` (a PackageRecord-like object or a mapping) satisfy this spec?"""
        if isinstance(record, Mapping):
            record = _from_mapping(record)
        checks = self._checks
        if checks is None:
            checks = self._checks = self._compile()
        for check in checks:
            if not check(record):
                return False
        return True

    __call__ = matches

    def filter(self, records: Iterable[Any]) -> list:
        return [r for r in records if self.matches(r)]

    # output ------------------------------------------------------------------------------
    def __str__(self) -> str:
        s = self._str
        if s is None:
            s = self._str = P.canonical_str(self)
        return s

    def conda_build_form(self) -> str:
        """``name [version [build]]`` with spaces (conda-build / environment.yml style)."""
        out = [self._name]
        if self._version is not None or self._build is not None:
            out.append(str(self._version) if self._version is not None else "*")
        if self._build is not None:
            out.append(self._build)
        return " ".join(out)

    def __repr__(self) -> str:
        return f"MatchSpec('{self}')"

    def __eq__(self, other: Any) -> bool:
        if isinstance(other, MatchSpec):
            return self._hash == other._hash and self._ident == other._ident
        return NotImplemented

    def __ne__(self, other: Any) -> bool:
        if isinstance(other, MatchSpec):
            return not self.__eq__(other)
        return NotImplemented

    def __hash__(self) -> int:
        return self._hash

    def __reduce__(self):
        return (MatchSpec.parse, (str(self),))


class _MappingRecord:
    """Attribute access over a plain dict record (``{"name": …, "version": …}``)."""

    __slots__ = ("_d",)

    def __init__(self, d: Mapping[str, Any]) -> None:
        self._d = d

    def __getattr__(self, key: str) -> Any:
        if key == "version_obj":
            return Version.parse(str(self._d["version"]))
        if key == "build_number":
            return self._d.get("build_number", 0)
        return self._d.get(key)


def _from_mapping(d: Mapping[str, Any]) -> Any:
    if "name" in d and "version" in d and "build" in d:
        return RepoDataRecord.from_json(d)
    return _MappingRecord(d)


def _version_of(record: Any) -> Version:
    try:
        return record.version_obj
    except AttributeError:
        return Version.parse(str(record.version))


def _exact_attr(field: str, want: str, lower: bool = False) -> Check:
    if lower:
        return lambda r: (getattr(r, field, None) or "").lower() == want
    return lambda r: getattr(r, field, None) == want


def _features_of(record: Any, field: str) -> frozenset:
    value = getattr(record, field, None)
    if not value:
        return frozenset()
    if isinstance(value, str):
        return frozenset(x for x in re.split(r"[\s,]+", value) if x)
    return frozenset(x for x in value if x)


def _feature_set(value: Union[str, Iterable[str], None]) -> Optional[Tuple[str, ...]]:
    if value is None:
        return None
    items = re.split(r"[\s,]+", value) if isinstance(value, str) else list(value)
    out = tuple(sorted({x.strip() for x in items if x and x.strip()}))
    return out or None


def _inner_reason(exc: SpecError) -> str:
    if isinstance(exc, InvalidVersionSpec):
        return exc.reason
    return str(exc)


def _inner_pos(text: str, exc: SpecError) -> Optional[int]:
    at = text.find(exc.text) if exc.text else -1
    if at < 0:
        return None
    return at + (exc.position or 0)
