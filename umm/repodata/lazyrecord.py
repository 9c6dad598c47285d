"""Records from the index cache: ``umm.specs`` RepoDataRecords backed by wire tuples.

:class:`IndexedRecord` is a :class:`~umm.specs.records.RepoDataRecord` whose
fields are read from the wire tuple it was loaded as (see
:mod:`umm.repodata.wire`); the JSON object behind ``get()``/``to_json()``
is only rebuilt if somebody asks for it. Hundreds of thousands of them cost
a fraction of the memory of dict-backed records, and building one is a
handful of slot assignments.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Tuple

from umm.repodata import wire as W
from umm.specs.records import PackageRecord, RepoDataRecord

_SLOT_D = PackageRecord.__dict__["_d"]
_MAX_SECONDS = 253402300799
_SPLIT = re.compile(r"[\s,]+")
_NO_ENTRY = ("fn", "url", "channel")


def _opt(v: Any) -> Any:
    return None if v is W.MISSING else v


def _str_tuple(value: Any) -> Tuple[str, ...]:
    if not value or value is W.MISSING:
        return ()
    if isinstance(value, str):
        return tuple(x for x in _SPLIT.split(value) if x)
    return tuple(value)


class IndexedRecord(RepoDataRecord):
    """A RepoDataRecord over a wire tuple (``_w``); see the module docstring."""

    __slots__ = ("_w",)

    # the JSON object, rebuilt on demand --------------------------------------------------
    def _get_d(self) -> Dict[str, Any]:
        try:
            return _SLOT_D.__get__(self, PackageRecord)
        except AttributeError:
            d = W.to_json(self._w)
            for key in _NO_ENTRY:
                d.pop(key, None)
            _SLOT_D.__set__(self, d)
            return d

    def _set_d(self, d: Dict[str, Any]) -> None:
        _SLOT_D.__set__(self, d)

    _d = property(_get_d, _set_d)  # type: ignore[assignment]

    def to_json(self) -> Dict[str, Any]:
        d = PackageRecord.to_json(self)
        d["fn"], d["url"], d["channel"] = self.fn, self.url, self.channel
        return d

    def __reduce__(self):
        return (RepoDataRecord.from_json, (self.to_json(),))

    # fields straight from the wire tuple --------------------------------------------------
    @property
    def track_features(self) -> Tuple[str, ...]:
        return _str_tuple(self._w[W.I_TRACK])

    @property
    def features(self) -> Tuple[str, ...]:
        return _str_tuple(self._w[W.I_FEATURES])

    @property
    def noarch(self) -> Optional[str]:
        value = self._w[W.I_NOARCH]
        if value is None or value is W.MISSING or value is False or value == "":
            return None
        if value is True or str(value).lower() in ("true", "generic"):
            return "generic"
        return str(value).lower()

    @property
    def timestamp(self) -> Optional[float]:
        return _opt(self._w[W.I_TIMESTAMP])

    @property
    def timestamp_ms(self) -> int:
        ts = _opt(self._w[W.I_TIMESTAMP]) or 0
        return int(ts) if ts > _MAX_SECONDS else int(ts * 1000)

    @property
    def md5(self) -> Optional[str]:
        return _opt(W.value(self._w, W.I_MD5))

    @property
    def sha256(self) -> Optional[str]:
        return _opt(W.value(self._w, W.I_SHA256))

    @property
    def size(self) -> Optional[int]:
        return _opt(self._w[W.I_SIZE])

    @property
    def license(self) -> Optional[str]:
        return _opt(self._w[W.I_LICENSE])

    @property
    def license_family(self) -> Optional[str]:
        return _opt(self._w[W.I_LICENSE_FAMILY])

    @property
    def subdir(self) -> Optional[str]:
        return _opt(self._w[W.I_SUBDIR])

    def _extra(self, key: str) -> Any:
        extra = self._w[W.I_EXTRA]
        return extra.get(key) if extra else None

    @property
    def arch(self) -> Optional[str]:
        return self._extra("arch")

    @property
    def platform(self) -> Optional[str]:
        return self._extra("platform")

    @property
    def python_site_packages_path(self) -> Optional[str]:
        return self._extra("python_site_packages_path")

    @property
    def fn(self) -> str:
        return self._w[W.I_FN]

    @property
    def url(self) -> Optional[str]:
        return _opt(W.value(self._w, W.I_URL))

    @property
    def channel(self) -> Optional[str]:
        return _opt(self._w[W.I_CHANNEL])


def make_records(wires: List[tuple]) -> List[IndexedRecord]:
    """An :class:`IndexedRecord` per wire tuple."""
    new = object.__new__
    cls = IndexedRecord
    out: List[IndexedRecord] = []
    append = out.append
    missing = W.MISSING
    for w in wires:
        r = new(cls)
        r._w = w
        r._name = w[0]
        r._version = w[1]
        r._build = w[2] if w[2] is not missing else ""
        bn = w[3]
        r._build_number = bn if bn is not missing and bn is not None else 0
        r._vobj = None
        deps = w[4]
        r._deps = deps if deps.__class__ is tuple else ()
        cons = w[5]
        r._cons = cons if cons.__class__ is tuple else ()
        r._fn = w[16]
        r._url = None
        r._channel = w[18]
        append(r)
    return out
