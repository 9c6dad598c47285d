"""Version constraints: ``>=1.2,<2|3.*``, ``~=1.4``, ``^1\\.[0-9]+$`` ...

Grammar (``,`` binds tighter than ``|``; parentheses group; whitespace is free)::

    spec  := and ('|' and)*
    and   := atom (',' atom)*
    atom  := '(' spec ')' | '^' regex '$' | constraint

A constraint is ``*`` (anything), an operator (``==``, ``!=``, ``<``, ``<=``, ``>``,
``>=``, ``~=``, ``=``) followed by a version, a bare version (exact, like ``==``), a
version ending in ``*`` / ``.*`` ("starts with", like ``=``), or a version with ``*``
inside (a glob on the version text). ``!=1.2.*`` means "does not start with 1.2",
``>=1.2.*`` is ``>=1.2``, ``~=1.4.2`` is ``>=1.4.2`` and starts with ``1.4``.

Every spec compiles to a plain function ``Version -> bool`` (:attr:`VersionSpec.matcher`),
built once; parsed specs are cached by text.
"""
from __future__ import annotations

import re
from typing import Any, Callable, Dict, Iterable, Optional, Tuple, Union

from umm.specs.errors import InvalidVersion, InvalidVersionSpec
from umm.specs.version import Version, startswith_matcher

Matcher = Callable[[Version], bool]

_OP_RE = re.compile(r"(=|==|!=|<=|>=|<|>|~=)(?!=)(.*)\Z", re.S)
_GLOB_OK = re.compile(r"[*.+!_0-9a-zA-Z-]+\Z").match
_CACHE: Dict[str, "VersionSpec"] = {}
_CACHE_MAX = 200_000

# leaf kinds
ANY = "*"
STARTSWITH = "=*"
NOT_STARTSWITH = "!=*"
REGEX = "regex"
GLOB = "glob"
AND = ","
OR = "|"
RELATIONS = ("==", "!=", "<", "<=", ">", ">=", "~=")


def _always(v: Version) -> bool:
    return True


class VersionSpec:
    """An immutable, parsed version constraint. ``str()`` is its canonical form."""

    __slots__ = ("_kind", "_version", "_children", "_pattern", "_matcher", "_str", "_ident",
                 "_hash")

    @property
    def kind(self) -> str:
        """``*``, ``==``, ``!=``, ``<``, ``<=``, ``>``, ``>=``, ``~=``, ``=*`` (starts with),
        ``!=*`` (does not start with), ``regex``, ``glob``, or ``,``/``|`` for groups."""
        return self._kind

    @property
    def version(self) -> Optional[Version]:
        """The version of a leaf constraint (None for ``*``, regex, glob and groups)."""
        return self._version

    @property
    def children(self) -> Tuple["VersionSpec", ...]:
        return self._children

    @property
    def pattern(self) -> Optional[str]:
        """The regex or glob text of such a leaf."""
        return self._pattern

    @property
    def matcher(self) -> Matcher:
        """The compiled test, a plain function ``Version -> bool`` (for hot loops)."""
        return self._matcher

    # construction ----------------------------------------------------------------
    @classmethod
    def parse(cls, text: Union[str, "VersionSpec"]) -> "VersionSpec":
        """Parse ``text``; repeated texts return the cached object."""
        spec = _CACHE.get(text)  # type: ignore[arg-type]
        if spec is not None:
            return spec
        if isinstance(text, VersionSpec):
            return text
        if not isinstance(text, str):
            raise InvalidVersionSpec(str(text), f"expected a string, got {type(text).__name__}")
        spec = _Parser(text).parse()
        if len(_CACHE) >= _CACHE_MAX:
            _CACHE.clear()
        _CACHE[text] = spec
        return spec

    @classmethod
    def any(cls) -> "VersionSpec":
        return cls.parse("*")

    @classmethod
    def _leaf(cls, kind: str, version: Optional[Version] = None,
              pattern: Optional[str] = None) -> "VersionSpec":
        self = object.__new__(cls)
        self._kind = kind
        self._version = version
        self._children = ()
        self._pattern = pattern
        self._matcher = _leaf_matcher(kind, version, pattern)
        self._str = _leaf_str(kind, version, pattern)
        if kind in ("==", "!=", "<", "<=", ">", ">="):
            self._ident = (kind, version.sort_key)  # type: ignore[union-attr]
        elif version is not None:
            self._ident = (kind, version.normalized)
        else:
            self._ident = (kind, pattern)
        self._hash = None
        return self

    @classmethod
    def _group(cls, kind: str, children: Iterable["VersionSpec"]) -> "VersionSpec":
        flat = []
        for c in children:
            if c._kind == kind:
                flat.extend(c.children)
            else:
                flat.append(c)
        if len(flat) == 1:
            return flat[0]
        self = object.__new__(cls)
        self._kind = kind
        self._version = None
        self._children = tuple(flat)
        self._pattern = None
        self._matcher = _group_matcher(kind, [c._matcher for c in flat])
        if kind == AND:
            self._str = ",".join(f"({c._str})" if c._kind == OR else c._str for c in flat)
        else:
            self._str = "|".join(c._str for c in flat)
        self._ident = (kind, tuple(c._ident for c in flat))
        self._hash = None
        return self

    @classmethod
    def all_of(cls, specs: Iterable[Union[str, "VersionSpec"]]) -> "VersionSpec":
        """The conjunction of ``specs`` (``*`` members dropped)."""
        parts = [s for s in (cls.parse(x) for x in specs) if s.kind != ANY]
        return cls._group(AND, parts) if parts else cls.any()

    @classmethod
    def any_of(cls, specs: Iterable[Union[str, "VersionSpec"]]) -> "VersionSpec":
        """The disjunction of ``specs`` (``*`` if any member is ``*``)."""
        parts = [cls.parse(x) for x in specs]
        if not parts or any(p.kind == ANY for p in parts):
            return cls.any()
        return cls._group(OR, parts)

    def __and__(self, other: "VersionSpec") -> "VersionSpec":
        return VersionSpec.all_of((self, other))

    def __or__(self, other: "VersionSpec") -> "VersionSpec":
        return VersionSpec.any_of((self, other))

    # queries ---------------------------------------------------------------------
    def matches(self, version: Union[Version, str]) -> bool:
        """Does ``version`` (a :class:`Version` or a version string) satisfy this spec?"""
        if version.__class__ is not Version:
            version = Version.parse(version)  # type: ignore[arg-type]
        return self._matcher(version)  # type: ignore[arg-type]

    __call__ = matches

    def filter(self, versions: Iterable[Union[Version, str]]) -> list:
        return [v for v in versions if self.matches(v)]

    @property
    def is_any(self) -> bool:
        return self.kind == ANY

    @property
    def is_exact(self) -> bool:
        """True for a single ``==V`` constraint (``1.2`` is ``==1.2``)."""
        return self.kind == "=="

    @property
    def is_group(self) -> bool:
        return self.kind in (AND, OR)

    @property
    def operator(self) -> str:
        """Leaf operator as written in canonical form (``>=``, ``=`` for starts-with ...)."""
        return {STARTSWITH: "=", NOT_STARTSWITH: "!=", ANY: "*"}.get(self.kind, self.kind)

    def leaves(self) -> Tuple["VersionSpec", ...]:
        if not self.children:
            return (self,)
        return tuple(leaf for c in self.children for leaf in c.leaves())

    # protocol --------------------------------------------------------------------
    def __str__(self) -> str:
        return self._str

    def __repr__(self) -> str:
        return f"VersionSpec('{self._str}')"

    def __eq__(self, other: Any) -> bool:
        if isinstance(other, VersionSpec):
            return self._ident == other._ident
        return NotImplemented

    def __ne__(self, other: Any) -> bool:
        if isinstance(other, VersionSpec):
            return self._ident != other._ident
        return NotImplemented

    def __hash__(self) -> int:
        h = self._hash
        if h is None:
            h = self._hash = hash(self._ident)
        return h

    def __reduce__(self):
        return (VersionSpec.parse, (self._str,))


# -- matchers -------------------------------------------------------------------------
def _leaf_matcher(kind: str, v: Optional[Version], pattern: Optional[str]) -> Matcher:
    if kind == ANY:
        return _always
    if kind in (REGEX, GLOB):
        rx = re.compile(pattern if kind == REGEX else _glob_regex(pattern))  # type: ignore[arg-type]
        match = rx.match
        return lambda x: match(x._text) is not None
    assert v is not None
    key = v.sort_key
    if kind == "==":
        return lambda x: (x._key or x._sort_key()) == key
    if kind == "!=":
        return lambda x: (x._key or x._sort_key()) != key
    if kind == ">=":
        return lambda x: (x._key or x._sort_key()) >= key
    if kind == ">":
        return lambda x: (x._key or x._sort_key()) > key
    if kind == "<=":
        return lambda x: (x._key or x._sort_key()) <= key
    if kind == "<":
        return lambda x: (x._key or x._sort_key()) < key
    if kind == STARTSWITH:
        return startswith_matcher(v)
    if kind == NOT_STARTSWITH:
        starts = startswith_matcher(v)
        return lambda x: not starts(x)
    if kind == "~=":
        prefix = startswith_matcher(v.compatible_prefix())
        return lambda x: (x._key or x._sort_key()) >= key and prefix(x)
    raise AssertionError(kind)


def _group_matcher(kind: str, fns: list) -> Matcher:
    if kind == AND:
        if len(fns) == 2:
            a, b = fns
            return lambda x: a(x) and b(x)

        def all_match(x: Version) -> bool:
            for f in fns:
                if not f(x):
                    return False
            return True

        return all_match
    if len(fns) == 2:
        a, b = fns
        return lambda x: a(x) or b(x)

    def any_match(x: Version) -> bool:
        for f in fns:
            if f(x):
                return True
        return False

    return any_match


def _glob_regex(pattern: str) -> str:
    return "(?:" + ".*".join(re.escape(p) for p in pattern.split("*")) + r")\Z"


def _leaf_str(kind: str, v: Optional[Version], pattern: Optional[str]) -> str:
    if kind == ANY:
        return "*"
    if kind in (REGEX, GLOB):
        return pattern  # type: ignore[return-value]
    if kind == STARTSWITH:
        return f"{v}.*"
    if kind == NOT_STARTSWITH:
        return f"!={v}.*"
    return f"{kind}{v}"


# -- parser ---------------------------------------------------------------------------
class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def fail(self, reason: str, pos: Optional[int] = None) -> InvalidVersionSpec:
        return InvalidVersionSpec(self.text, reason, self.pos if pos is None else pos)

    def skip_ws(self) -> None:
        t, n, p = self.text, len(self.text), self.pos
        while p < n and t[p].isspace():
            p += 1
        self.pos = p

    def peek(self) -> str:
        self.skip_ws()
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def parse(self) -> VersionSpec:
        if not self.text.strip():
            raise self.fail("empty version spec", 0)
        node = self.parse_or()
        if self.peek():
            raise self.fail("unbalanced ')'" if self.peek() == ")" else
                            f"unexpected '{self.peek()}'")
        return node

    def parse_or(self) -> VersionSpec:
        items = [self.parse_and()]
        while self.peek() == "|":
            self.pos += 1
            items.append(self.parse_and())
        return VersionSpec._group(OR, items) if len(items) > 1 else items[0]

    def parse_and(self) -> VersionSpec:
        items = [self.parse_atom()]
        while self.peek() == ",":
            self.pos += 1
            items.append(self.parse_atom())
        return VersionSpec._group(AND, items) if len(items) > 1 else items[0]

    def parse_atom(self) -> VersionSpec:
        c = self.peek()
        if not c or c in "|,)":
            raise self.fail("empty version constraint")
        t = self.text
        if c == "(":
            open_pos = self.pos
            self.pos += 1
            node = self.parse_or()
            if self.peek() != ")":
                raise self.fail("missing ')'", open_pos)
            self.pos += 1
            return node
        start = self.pos
        if c == "^":
            end = t.find("$", start)
            if end < 0:
                raise self.fail("regex specs must start with '^' and end with '$'", start)
            self.pos = end + 1
            return self.regex_leaf(t[start:end + 1], start)
        end = start
        while end < len(t) and t[end] not in "()|,":
            end += 1
        self.pos = end
        return self.leaf(t[start:end].strip(), start)

    def regex_leaf(self, pattern: str, start: int) -> VersionSpec:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise self.fail(f"invalid regex: {exc}", start) from None
        return VersionSpec._leaf(REGEX, pattern=pattern)

    def version(self, text: str, start: int) -> Version:
        try:
            return Version.parse(text)
        except InvalidVersion as exc:
            raise self.fail(f"invalid version '{text}': {exc.reason}", start) from None

    def leaf(self, s: str, start: int) -> VersionSpec:
        if s.endswith("$"):
            raise self.fail("regex specs must start with '^' and end with '$'", start)
        if s[0] in "=<>!~":
            m = _OP_RE.match(s)
            if m is None:
                raise self.fail(f"invalid operator in '{s}'", start)
            op, rest = m.group(1), m.group(2).strip()
            if not rest:
                raise self.fail(f"missing version after '{op}'", start + len(s))
            vstart = start + len(op)
            if rest.strip("*") == "" or rest == ".*":
                if op in ("=", "==", ">="):
                    return VersionSpec.any()
                raise self.fail(f"'{op}' needs a version, not '{rest}'", vstart)
            if rest.endswith(".*") or (op == "=" and rest.endswith("*")):
                base = rest.rstrip("*").rstrip(".")
                if op in ("=", "=="):
                    return VersionSpec._leaf(STARTSWITH, self.version(base, vstart))
                if op == "!=":
                    return VersionSpec._leaf(NOT_STARTSWITH, self.version(base, vstart))
                if op == "~=":
                    raise self.fail("invalid operator '~=' with '.*'", start)
                # '>=1.2.*' and friends: the '.*' is superfluous
                return VersionSpec._leaf(op, self.version(base, vstart))
            v = self.version(rest, vstart)
            if op == "=":
                return VersionSpec._leaf(STARTSWITH, v)
            if op == "~=":
                try:
                    v.compatible_prefix()
                except InvalidVersion as exc:
                    raise self.fail(exc.reason, vstart) from None
            return VersionSpec._leaf(op, v)
        if s == "*":
            return VersionSpec._leaf(ANY)
        body = s.rstrip("*")
        if "*" in body:
            if not _GLOB_OK(s):
                raise self.fail(f"invalid character(s) in '{s}'", start)
            return VersionSpec._leaf(GLOB, pattern=s)
        if s.endswith("*"):
            base = body.rstrip(".")
            if not base:
                return VersionSpec._leaf(ANY)
            return VersionSpec._leaf(STARTSWITH, self.version(base, start))
        return VersionSpec._leaf("==", self.version(s, start))


def clear_cache() -> None:
    _CACHE.clear()
