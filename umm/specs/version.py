"""Conda versions, with conda's exact ordering (``conda.models.version.VersionOrder``).

A version string is lower-cased, split at ``!`` (epoch, an integer), at ``+`` (local
version) and then at ``.`` and ``_`` into *parts*; each part is split into runs of
digits (ints), runs of ``*`` and runs of other characters (strings). ``dev`` becomes
``"DEV"`` (below every other string), ``post`` becomes infinity (above every number)
and a part that starts with a letter gets a leading ``0`` so numbers and strings stay
in phase. ``-`` is accepted as a separator when the string has no ``_``; a trailing
``_`` stays in the last part (openssl's ``1.0.1_`` < ``1.0.1a``).

Comparison pads missing components with ``0`` and missing parts with ``[]`` (so
``1.0 == 1.0.0``), strings sort below numbers, strings compare as strings.

Each :class:`Version` precomputes a *sort key*: a nested tuple whose plain tuple
ordering is exactly that order (padding included), so ``<`` and ``==`` are single
tuple comparisons and ``hash`` is consistent with ``==``.
"""
from __future__ import annotations

import re
from typing import Any, Callable, Dict, Tuple, Union

from umm.specs.errors import InvalidVersion

Component = Union[int, float, str]
Part = Tuple[Component, ...]

_INF = float("inf")
_CHECK = re.compile(r"[*.+!_0-9a-z]+\Z").match
_SPLIT = re.compile(r"[0-9]+|[*]+|[^0-9*]+").findall
_SIMPLE = re.compile(r"[0-9]+(?:\.[0-9]+)*\Z").match

# sort-key tokens; see _comp_key
_END = (1,)
_EMPTY_KEY = (_END,)

_CACHE: Dict[str, "Version"] = {}
_PART_KEYS: Dict[Part, tuple] = {}
_PARTS: Dict[str, Part] = {}  # part text -> components
_EPOCH0: Part = (0,)
_CACHE_MAX = 500_000


def _comp_key(seq: tuple) -> tuple:
    """Key of a sequence compared element-wise with implicit zero padding.

    Zero elements are folded into the next non-zero one as a count ``k`` of zeros
    before it. A token is ``(0, k, x)`` when ``x`` sorts below zero and ``(2, -k, x)``
    when above; ``(1,)`` ends the sequence and stands for "zeros for ever". With this,
    Python's tuple ordering reproduces padded element-wise ordering.
    """
    out = []
    k = 0
    for c in seq:
        if c.__class__ is str:
            out.append((0, k, c))
            k = 0
        elif c == 0:
            k += 1
        else:
            out.append((2, -k, c))
            k = 0
    out.append(_END)
    return tuple(out)


def _parts_key(parts: Tuple[Part, ...]) -> tuple:
    out = []
    k = 0
    cache = _PART_KEYS
    for p in parts:
        tok = cache.get(p)
        if tok is None:
            pk = _comp_key(p)
            # an all-zero part equals padding: marked by an empty token
            tok = () if len(pk) == 1 else ((0, pk) if pk[0][0] == 0 else (2, pk))
            if len(cache) < 200_000:
                cache[p] = tok
        if not tok:
            k += 1
            continue
        out.append((0, k, tok[1]) if tok[0] == 0 else (2, -k, tok[1]))
        k = 0
    out.append(_END)
    return tuple(out)


def _split_part(part: str) -> Part:
    comps = _PARTS.get(part)
    if comps is not None:
        return comps
    out: list = []
    for run in _SPLIT(part):
        if run.isdigit():
            out.append(int(run))
        elif run == "post":
            out.append(_INF)
        elif run == "dev":
            out.append("DEV")
        else:
            out.append(run)
    if part[0].isalpha():
        out.insert(0, 0)
    comps = tuple(out)
    if len(_PARTS) < 100_000:
        _PARTS[part] = comps
    return comps


def _parse_components(text: str) -> Tuple[str, Tuple[Part, ...], Tuple[Part, ...]]:
    """Normalised string, version parts (epoch first) and local parts of ``text``."""
    s = text.strip().lower()
    if not s:
        raise InvalidVersion(text, "empty version string")
    if _SIMPLE(s):  # the common case: dotted numbers only
        parts = [_EPOCH0]
        cache = _PARTS
        for x in s.split("."):
            p = cache.get(x)
            if p is None:
                p = (int(x),)
                if len(cache) < 100_000:
                    cache[x] = p
            parts.append(p)
        return s, tuple(parts), ()
    if not _CHECK(s):
        if "-" in s and "_" not in s:
            s = s.replace("-", "_")
        if not _CHECK(s):
            bad = next((i for i, ch in enumerate(s) if not _CHECK(ch)), None)
            raise InvalidVersion(text, "invalid character(s)", bad)
    pieces = s.split("!")
    if len(pieces) == 1:
        epoch: Part = _EPOCH0
    elif len(pieces) == 2:
        if not pieces[0].isdigit():
            raise InvalidVersion(text, "epoch must be an integer", 0)
        epoch = (int(pieces[0]),)
    else:
        raise InvalidVersion(text, "duplicated epoch separator '!'", s.rfind("!"))
    rest = pieces[-1].split("+")
    if len(rest) > 2:
        raise InvalidVersion(text, "duplicated local version separator '+'", s.rfind("+"))
    main = rest[0]
    if not main:
        raise InvalidVersion(text, "missing version before local version separator '+'"
                             if len(rest) == 2 else "missing version after epoch")
    if main[-1] == "_":
        strs = main[:-1].replace("_", ".").split(".")
        strs[-1] += "_"
    else:
        strs = main.replace("_", ".").split(".")
    local_strs = rest[1].replace("_", ".").split(".") if len(rest) == 2 else []
    if "" in strs or "" in local_strs:
        raise InvalidVersion(text, "empty version component", _empty_pos(s))
    parts = (epoch,) + tuple([_split_part(p) for p in strs])
    local = tuple([_split_part(p) for p in local_strs])
    return s, parts, local


def _empty_pos(s: str) -> int:
    for i in range(len(s)):
        if s[i] in "._+!" and (i + 1 == len(s) or s[i + 1] in "._+" or i == 0):
            return i
    return 0


def _strip0(p: Part) -> Part:
    """A part without trailing zero components (what zero padding cannot tell apart)."""
    n = len(p)
    while n and p[n - 1] == 0:
        n -= 1
    return p if n == len(p) else p[:n]


def startswith_matcher(prefix: "Version") -> "Callable[[Version], bool]":
    """A fast ``lambda v: v.startswith(prefix)`` with the prefix work done once."""
    local = bool(prefix._local)
    t2 = prefix._local if local else prefix._parts
    main = prefix._parts
    nt = len(t2) - 1
    head = tuple(_strip0(p) for p in t2[:nt])
    v2 = t2[nt]
    nc = len(v2) - 1
    vhead = _strip0(v2[:nc])
    c2 = v2[nc]
    c2_is_str = c2.__class__ is str

    def starts(x: "Version") -> bool:
        if local:
            if not _eq_parts(x._parts, main):
                return False
            t1 = x._local
        else:
            t1 = x._parts
        n1 = len(t1)
        for i in range(nt):
            a = t1[i] if i < n1 else ()
            b = head[i]
            if a != b and _strip0(a) != b:
                return False
        v1 = t1[nt] if n1 > nt else ()
        if nc:
            a = v1[:nc]
            if a != vhead and _strip0(a) != vhead:
                return False
        c1 = v1[nc] if len(v1) > nc else 0
        if c2_is_str:
            return c1.__class__ is str and c1.startswith(c2)  # type: ignore[union-attr]
        return c1 == c2

    return starts


def _eq_parts(t1: Tuple[Part, ...], t2: Tuple[Part, ...]) -> bool:
    """conda's padded equality of two part lists."""
    n1, n2 = len(t1), len(t2)
    for i in range(max(n1, n2)):
        a = t1[i] if i < n1 else ()
        b = t2[i] if i < n2 else ()
        if a == b:
            continue
        la, lb = len(a), len(b)
        for j in range(max(la, lb)):
            if (a[j] if j < la else 0) != (b[j] if j < lb else 0):
                return False
    return True


class Version:
    """An immutable conda version. ``str()`` is the text it was parsed from."""

    __slots__ = ("_text", "_norm", "_parts", "_local", "_key", "_hash")

    def __init__(self, text: str) -> None:
        norm, parts, local = _parse_components(text)
        self._text = text.strip()
        self._norm = norm
        self._parts = parts
        self._local = local
        self._key = None
        self._hash = None

    # construction ------------------------------------------------------------
    @classmethod
    def parse(cls, text: Union[str, "Version"]) -> "Version":
        """Parse ``text`` (cached: repeated strings return the same object)."""
        v = _CACHE.get(text)  # type: ignore[arg-type]
        if v is not None:
            return v
        if isinstance(text, Version):
            return text
        if not isinstance(text, str):
            raise InvalidVersion(str(text), f"expected a string, got {type(text).__name__}")
        norm, parts, local = _parse_components(text)
        v = _new(cls)
        v._text = text if text[:1].strip() and text[-1:].strip() else text.strip()
        v._norm = norm
        v._parts = parts
        v._local = local
        v._key = None
        v._hash = None
        if len(_CACHE) >= _CACHE_MAX:
            _CACHE.clear()
        _CACHE[text] = v
        return v

    # data --------------------------------------------------------------------
    @property
    def normalized(self) -> str:
        """Lower-cased text with ``-`` separators turned into ``_`` (conda's ``str``)."""
        return self._norm

    @property
    def epoch(self) -> int:
        return self._parts[0][0]  # type: ignore[return-value]

    @property
    def components(self) -> Tuple[Part, ...]:
        """Parts after the epoch, as conda splits them (``[[1], [2, 'a', 3]]``)."""
        return self._parts[1:]

    @property
    def parts(self) -> Tuple[Part, ...]:
        """Epoch part then the version parts: conda's ``VersionOrder.version``."""
        return self._parts

    @property
    def local(self) -> Tuple[Part, ...]:
        """Parts of the local version (after ``+``), conda's ``VersionOrder.local``."""
        return self._local

    @property
    def has_local(self) -> bool:
        return bool(self._local)

    @property
    def sort_key(self) -> tuple:
        """A tuple whose natural ordering is conda's version ordering."""
        k = self._key
        if k is None:
            k = self._key = (_parts_key(self._parts), _parts_key(self._local) if self._local
                             else _EMPTY_KEY)
        return k

    def _sort_key(self) -> tuple:
        return self.sort_key

    # helpers for specs ---------------------------------------------------------
    def startswith(self, other: "Version") -> bool:
        """conda's prefix test: ``1.2.3`` starts with ``1.2``; ``1.2ab`` with ``1.2a``."""
        return startswith_matcher(other)(self)

    def compatible_prefix(self) -> "Version":
        """The prefix ``~=`` requires: the normalised text without its last ``.`` part."""
        head = self._norm.rsplit(".", 1)
        if len(head) == 1 or not head[0]:
            raise InvalidVersion(self._text, "'~=' needs at least two version components")
        return Version.parse(head[0])

    def compatible_with(self, other: "Version") -> bool:
        """True when ``self`` satisfies ``~=other`` (``>= other`` and same prefix)."""
        return self.sort_key >= other.sort_key and self.startswith(other.compatible_prefix())

    # protocol ------------------------------------------------------------------
    def __str__(self) -> str:
        return self._text

    def __repr__(self) -> str:
        return f"Version('{self._text}')"

    def __hash__(self) -> int:
        h = self._hash
        if h is None:
            h = self._hash = hash(self.sort_key)
        return h

    def __eq__(self, other: Any) -> bool:
        if self is other:
            return True
        if isinstance(other, Version):
            return self.sort_key == other.sort_key
        return NotImplemented

    def __ne__(self, other: Any) -> bool:
        if isinstance(other, Version):
            return self.sort_key != other.sort_key
        return NotImplemented

    def __lt__(self, other: "Version") -> bool:
        if isinstance(other, Version):
            return self.sort_key < other.sort_key
        return NotImplemented

    def __le__(self, other: "Version") -> bool:
        if isinstance(other, Version):
            return self.sort_key <= other.sort_key
        return NotImplemented

    def __gt__(self, other: "Version") -> bool:
        if isinstance(other, Version):
            return self.sort_key > other.sort_key
        return NotImplemented

    def __ge__(self, other: "Version") -> bool:
        if isinstance(other, Version):
            return self.sort_key >= other.sort_key
        return NotImplemented

    def __reduce__(self):
        return (Version.parse, (self._text,))


_new = object.__new__


def clear_cache() -> None:
    """Forget every cached :class:`Version` and part split (for measurements and tests)."""
    _CACHE.clear()
    _PARTS.clear()
    _PART_KEYS.clear()


def __getattr__(name: str) -> Any:  # VersionSpec lives next door; lazy to avoid a cycle
    if name == "VersionSpec":
        from umm.specs.version_spec import VersionSpec

        return VersionSpec
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
