"""Build-number constraints and string globs, the small matchers inside a MatchSpec.

* :class:`BuildNumberSpec`: ``3``, ``=3``, ``==3``, ``!=3``, ``<3``, ``<=3``, ``>3``,
  ``>=3`` or ``*`` against an integer build number.
* :class:`StringMatcher`: an exact string, a glob with ``*`` (``py3*``, ``*_cpython``)
  or a regex written ``^…$``; optionally case-insensitive (names, licenses).
"""
from __future__ import annotations

import re
from typing import Any, Callable, Dict, Optional, Tuple, Union

from umm.specs.errors import InvalidMatchSpec

_BN_RE = re.compile(r"\s*(==|!=|<=|>=|<|>|=)?\s*([0-9]+)\s*\Z")
_CMP: Dict[str, Callable[[int, int], bool]] = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


class BuildNumberSpec:
    """A constraint on a record's ``build_number``."""

    __slots__ = ("_op", "_value")

    def __init__(self, op: str, value: Optional[int]) -> None:
        if op not in _CMP and op != "*":
            raise InvalidMatchSpec(f"{op}{value}", "invalid build number operator")
        self._op = op
        self._value = value

    @classmethod
    def parse(cls, text: Union[str, int, "BuildNumberSpec"]) -> "BuildNumberSpec":
        if isinstance(text, BuildNumberSpec):
            return text
        if isinstance(text, bool):
            raise InvalidMatchSpec(str(text), "invalid build number")
        if isinstance(text, int):
            if text < 0:
                raise InvalidMatchSpec(str(text), "build numbers cannot be negative")
            return cls("==", text)
        s = str(text).strip()
        if s == "*":
            return cls("*", None)
        m = _BN_RE.match(s)
        if m is None:
            raise InvalidMatchSpec(str(text), "invalid build number spec "
                                   "(expected N, ==N, !=N, <N, <=N, >N, >=N or *)")
        op = m.group(1) or "=="
        return cls("==" if op == "=" else op, int(m.group(2)))

    @property
    def operator(self) -> str:
        return self._op

    @property
    def value(self) -> Optional[int]:
        return self._value

    @property
    def is_any(self) -> bool:
        return self._op == "*"

    @property
    def is_exact(self) -> bool:
        return self._op == "=="

    def matches(self, build_number: Optional[int]) -> bool:
        if self._op == "*":
            return True
        if build_number is None:
            build_number = 0
        return _CMP[self._op](int(build_number), self._value)  # type: ignore[arg-type]

    __call__ = matches

    def __str__(self) -> str:
        if self._op == "*":
            return "*"
        if self._op == "==":
            return str(self._value)
        return f"{self._op}{self._value}"

    def __repr__(self) -> str:
        return f"BuildNumberSpec('{self}')"

    def __eq__(self, other: Any) -> bool:
        if isinstance(other, BuildNumberSpec):
            return (self._op, self._value) == (other._op, other._value)
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self._op, self._value))

    def __reduce__(self):
        return (BuildNumberSpec, (self._op, self._value))


def is_glob(text: str) -> bool:
    """Does ``text`` match more than itself (``*`` inside, or a ``^…$`` regex)?"""
    return "*" in text or (len(text) > 1 and text[0] == "^" and text[-1] == "$")


_MATCHERS: Dict[Tuple[str, bool], Callable[[str], bool]] = {}


def compile_string_matcher(pattern: str, ignore_case: bool = False) -> Callable[[str], bool]:
    """A function ``str -> bool`` for an exact string, a ``*`` glob or a ``^…$`` regex.

    Raises :class:`InvalidMatchSpec` for a regex that does not compile.
    """
    key = (pattern, ignore_case)
    fn = _MATCHERS.get(key)
    if fn is not None:
        return fn
    flags = re.IGNORECASE if ignore_case else 0
    if pattern == "*":
        fn = _always
    elif len(pattern) > 1 and pattern[0] == "^" and pattern[-1] == "$":
        try:
            rx = re.compile(pattern, flags)
        except re.error as exc:
            raise InvalidMatchSpec(pattern, f"invalid regular expression: {exc}") from None
        fn = _regex_fn(rx.match)
    elif "*" in pattern:
        body = ".*".join(re.escape(p) for p in pattern.split("*"))
        fn = _regex_fn(re.compile(f"(?:{body})\\Z", flags | re.S).match)
    elif ignore_case:
        low = pattern.lower()
        fn = lambda s: s is not None and s.lower() == low  # noqa: E731
    else:
        fn = lambda s: s == pattern  # noqa: E731
    if len(_MATCHERS) < 50_000:
        _MATCHERS[key] = fn
    return fn


def _always(s: Optional[str]) -> bool:
    return True


def _regex_fn(match: Callable[[str], Any]) -> Callable[[Optional[str]], bool]:
    return lambda s: s is not None and match(s) is not None
