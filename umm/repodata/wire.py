"""The wire form of a record: a plain tuple, cheap to store, load and wrap.

Layout: the values of :data:`FIELDS` in order, then a dict of unknown keys
(or None). :data:`MISSING` (``Ellipsis``, which JSON cannot produce) marks an
absent key, so a record round-trips to exactly the JSON it came from.
Compact encodings: ``depends``/``constrains`` are tuples of interned strings,
``md5``/``sha256`` are bytes when they were lowercase hex, and ``url`` is a
1-tuple ``(base,)`` meaning ``base + fn``. The tuples marshal natively, which
is how the index cache stores them (:mod:`umm.repodata.index`).
"""
from __future__ import annotations

import sys
from typing import Any, Dict, Optional, Tuple

MISSING: Any = ...
FIELDS = ("name", "version", "build", "build_number", "depends", "constrains",
          "track_features", "features", "noarch", "timestamp", "md5", "sha256", "size",
          "license", "license_family", "subdir", "fn", "url", "channel")
NF = len(FIELDS)
FIELD_SET = frozenset(FIELDS)
I_NAME, I_VERSION, I_BUILD, I_BUILD_NUMBER, I_DEPENDS, I_CONSTRAINS = 0, 1, 2, 3, 4, 5
I_TRACK, I_FEATURES, I_NOARCH, I_TIMESTAMP, I_MD5, I_SHA256, I_SIZE = 6, 7, 8, 9, 10, 11, 12
I_LICENSE, I_LICENSE_FAMILY, I_SUBDIR, I_FN, I_URL, I_CHANNEL, I_EXTRA = \
    13, 14, 15, 16, 17, 18, 19
_MISSINGS = (MISSING,) * NF
_INTERNED = (I_NAME, I_VERSION, I_BUILD, I_TRACK, I_FEATURES, I_NOARCH, I_LICENSE,
             I_LICENSE_FAMILY, I_SUBDIR)
_intern = sys.intern


def _hexbytes(value: Any, n: int) -> Any:
    if value.__class__ is str and len(value) == n and value.islower():
        try:
            return bytes.fromhex(value)
        except ValueError:
            return value
    return value


def _compact(vals: list, fn: str, url_ref: Tuple[str], channel: str) -> None:
    """The compact encodings, in place (TypeError: a list item is not a string)."""
    deps = vals[I_DEPENDS]
    if deps is not MISSING:  # a list or null (-> ())
        vals[I_DEPENDS] = tuple(map(_intern, deps)) if deps else ()
    cons = vals[I_CONSTRAINS]
    if cons is not MISSING:
        vals[I_CONSTRAINS] = tuple(map(_intern, cons)) if cons else ()
    tf = vals[I_TRACK]
    if tf.__class__ is list:
        vals[I_TRACK] = tuple(map(_intern, tf))
    vals[I_MD5] = _hexbytes(vals[I_MD5], 32)
    vals[I_SHA256] = _hexbytes(vals[I_SHA256], 64)
    vals[I_FN] = fn
    vals[I_URL] = url_ref
    vals[I_CHANNEL] = channel


def to_wire(raw: Dict[str, Any], fn: str, url_ref: Tuple[str], channel: str) -> tuple:
    """A validated raw record (see :mod:`umm.repodata.records`) in wire form."""
    vals = list(map(raw.get, FIELDS, _MISSINGS))
    for i in _INTERNED:
        v = vals[i]
        if v.__class__ is str:
            vals[i] = _intern(v)
    _compact(vals, fn, url_ref, channel)
    extra: Optional[Dict[str, Any]] = None
    if len(raw) > NF or not raw.keys() <= FIELD_SET:
        extra = {k: v for k, v in raw.items() if k not in FIELD_SET} or None
    vals.append(extra)
    return tuple(vals)


def to_wire_checked(raw: Dict[str, Any], fn: str, url_ref: Tuple[str], channel: str,
                    known: Dict[tuple, Tuple[int, ...]], good_versions: Dict[str, bool],
                    name: str, max_field: int) -> Optional[tuple]:
    """:func:`to_wire` for the common case, or None when the full check must run.

    The common case: only known keys, ``name`` as asked, a version already found
    valid, and a shape (the type of each field) that a fully checked record of the
    same builder had (``known``: shape -> indices of its string fields). Types of
    list items are checked by interning them (``sys.intern`` refuses non-strings).
    """
    if not raw.keys() <= FIELD_SET:
        return None
    vals = list(map(raw.get, FIELDS, _MISSINGS))
    str_idx = known.get(tuple(map(type, vals)))
    if str_idx is None or vals[I_NAME] != name or vals[I_VERSION] not in good_versions:
        return None
    if len(name) > max_field:
        return None
    b = vals[I_BUILD]
    if b.__class__ is str and len(b) > max_field:
        return None
    for i in str_idx:
        vals[i] = _intern(vals[i])
    try:
        _compact(vals, fn, url_ref, channel)
    except TypeError:
        return None  # a list item that is not a string
    vals.append(None)
    return tuple(vals)


def shape_of(raw: Dict[str, Any]) -> Tuple[tuple, Tuple[int, ...]]:
    """(shape, indices of interned string fields) of a record: see :func:`to_wire_checked`."""
    vals = list(map(raw.get, FIELDS, _MISSINGS))
    return tuple(map(type, vals)), tuple(i for i in _INTERNED if vals[i].__class__ is str)


def value(w: tuple, i: int) -> Any:
    """Field ``i`` of a wire tuple in its JSON form (MISSING when absent)."""
    v = w[i]
    if v.__class__ is bytes:
        return v.hex()
    if i == I_URL and v.__class__ is tuple:
        return v[0] + w[I_FN]
    if v.__class__ is tuple:
        return list(v)
    return v


def to_json(w: tuple) -> Dict[str, Any]:
    """The JSON object of a wire tuple (the input ``RepoDataRecord.from_json`` expects)."""
    out: Dict[str, Any] = {}
    for i, f in enumerate(FIELDS):
        v = value(w, i)
        if v is not MISSING:
            out[f] = v
    if w[I_EXTRA]:
        out.update(w[I_EXTRA])
    return out


def from_json(data: Dict[str, Any]) -> tuple:
    """A wire tuple holding exactly ``data`` (no compaction of url and hashes)."""
    vals = list(map(data.get, FIELDS, _MISSINGS))
    for i in (I_DEPENDS, I_CONSTRAINS):
        if vals[i].__class__ is list:
            vals[i] = tuple(vals[i])
    extra = {k: v for k, v in data.items() if k not in FIELD_SET} or None
    vals.append(extra)
    return tuple(vals)


def with_depends(w: tuple, depends: Tuple[str, ...]) -> tuple:
    return w[:I_DEPENDS] + (depends,) + w[I_DEPENDS + 1:]
