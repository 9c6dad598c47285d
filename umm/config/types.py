"""Value types of configuration keys: conversion from YAML, text (env vars, CLI) and display.

A type turns a raw value into the canonical Python value of the key or raises
:class:`TypeMismatch` naming what was expected; the loader turns that into a
:class:`~umm.config.errors.ConfigFileError` (with file and line) or a
:class:`~umm.config.errors.ConfigValueError` (env var, CLI, API).
"""
from __future__ import annotations

import os
import re
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

SCALAR, SEQUENCE, MAP = "scalar", "sequence", "map"

_TRUE = frozenset({"true", "yes", "on", "1", "y", "<true>"})
_FALSE = frozenset({"false", "no", "off", "0", "n", "<false>"})
_VAR_RE = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")


class TypeMismatch(ValueError):
    """A raw value does not fit the type; ``expected`` says what would."""

    def __init__(self, expected: str, value: object) -> None:
        super().__init__(f"expected {expected}, got {value!r}")
        self.expected = expected
        self.value = value


class Expander:
    """``${VAR}``/``$VAR`` and ``~`` expansion against an injectable environment and home."""

    __slots__ = ("environ", "home", "cwd")

    def __init__(self, environ: Mapping[str, str], home: str, cwd: Optional[str] = None) -> None:
        self.environ = environ
        self.home = home
        self.cwd = cwd

    def vars(self, text: str) -> str:
        """Replace ``${VAR}`` and ``$VAR`` by their value; unknown variables stay as written."""
        if "$" not in text:
            return text

        def repl(m: "re.Match[str]") -> str:
            name = m.group(1) or m.group(2)
            return self.environ.get(name, m.group(0))

        return _VAR_RE.sub(repl, text)

    def user(self, text: str) -> str:
        if text == "~" or text.startswith("~/") or text.startswith("~" + os.sep):
            return self.home + text[1:]
        return text

    def path(self, text: str) -> str:
        """A path with ``~`` expanded, made absolute and normalised (symlinks kept)."""
        p = self.user(text)
        if not os.path.isabs(p):
            p = os.path.join(self.cwd or os.getcwd(), p)
        p = os.path.normpath(p)
        return p if p == os.sep else p.rstrip(os.sep)


class ValueType:
    """Base of the value types. Subclasses override ``from_yaml`` and ``from_text``."""

    __slots__ = ()
    kind = SCALAR
    expected = "a value"

    def from_yaml(self, value: Any, ex: Expander) -> Any:
        raise NotImplementedError

    def from_text(self, text: str, ex: Expander) -> Any:
        """Parse a string (environment variable, ``config set`` argument)."""
        return self.from_yaml(text, ex)

    def from_python(self, value: Any, ex: Expander) -> Any:
        """Accept a Python value (CLI dest, API override)."""
        if isinstance(value, str):
            return self.from_text(value, ex)
        return self.from_yaml(value, ex)

    def to_plain(self, value: Any) -> Any:
        """A YAML/JSON-friendly form of a canonical value."""
        return value

    def describe(self) -> str:
        return self.expected


class BoolType(ValueType):
    __slots__ = ()
    expected = "a boolean (true or false)"

    def from_yaml(self, value: Any, ex: Expander) -> bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        if isinstance(value, str):
            low = value.strip().lower()
            if low in _TRUE:
                return True
            if low in _FALSE:
                return False
        raise TypeMismatch(self.expected, value)


class IntType(ValueType):
    __slots__ = ("minimum",)

    def __init__(self, minimum: Optional[int] = None) -> None:
        self.minimum = minimum

    @property
    def expected(self) -> str:  # type: ignore[override]
        return "an integer" if self.minimum is None else f"an integer >= {self.minimum}"

    def from_yaml(self, value: Any, ex: Expander) -> int:
        if isinstance(value, bool):
            raise TypeMismatch(self.expected, value)
        if isinstance(value, int):
            out = value
        elif isinstance(value, float) and value.is_integer():
            out = int(value)
        elif isinstance(value, str) and re.fullmatch(r"\s*[-+]?\d+\s*", value):
            out = int(value)
        else:
            raise TypeMismatch(self.expected, value)
        if self.minimum is not None and out < self.minimum:
            raise TypeMismatch(self.expected, value)
        return out


class FloatType(ValueType):
    __slots__ = ()
    expected = "a number"

    def from_yaml(self, value: Any, ex: Expander) -> float:
        if isinstance(value, bool):
            raise TypeMismatch(self.expected, value)
        if isinstance(value, (int, float)):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value.strip())
            except ValueError:
                pass
        raise TypeMismatch(self.expected, value)


class StrType(ValueType):
    __slots__ = ()
    expected = "a string"

    def from_yaml(self, value: Any, ex: Expander) -> str:
        if isinstance(value, bool) or value is None or isinstance(value, (list, dict)):
            raise TypeMismatch(self.expected, value)
        if isinstance(value, (int, float)):
            return str(value)
        if isinstance(value, str):
            return value
        raise TypeMismatch(self.expected, value)


class PathType(StrType):
    """A filesystem path: ``~`` expanded, made absolute."""

    __slots__ = ()
    expected = "a path"

    def from_yaml(self, value: Any, ex: Expander) -> str:
        text = super().from_yaml(value, ex)
        if not text.strip():
            raise TypeMismatch(self.expected, value)
        return ex.path(text)


class EnumType(ValueType):
    __slots__ = ("choices", "aliases")

    def __init__(self, choices: Sequence[str], aliases: Optional[Mapping[Any, str]] = None) -> None:
        self.choices = tuple(choices)
        self.aliases = dict(aliases or {})

    @property
    def expected(self) -> str:  # type: ignore[override]
        return "one of " + ", ".join(repr(c) for c in self.choices)

    def from_yaml(self, value: Any, ex: Expander) -> str:
        if isinstance(value, bool):
            if value in self.aliases:
                return self.aliases[value]
            raise TypeMismatch(self.expected, value)
        if isinstance(value, str):
            low = value.strip().lower()
            if low in self.choices:
                return low
            if low in self.aliases:
                return self.aliases[low]
        raise TypeMismatch(self.expected, value)


class SslVerifyType(ValueType):
    """``ssl_verify``: ``True``/``False`` or the path of a CA bundle or directory."""

    __slots__ = ()
    expected = "true, false or the path of a CA bundle"

    def from_yaml(self, value: Any, ex: Expander) -> Any:
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        if isinstance(value, str):
            low = value.strip().lower()
            if low in ("", "<system>") or low in _TRUE:
                return True
            if low in _FALSE:
                return False
            return ex.path(value.strip())
        raise TypeMismatch(self.expected, value)


class ListType(ValueType):
    __slots__ = ("item", "expected")
    kind = SEQUENCE

    def __init__(self, item: ValueType, expected: str) -> None:
        self.item = item
        self.expected = expected  # type: ignore[misc]

    def from_yaml(self, value: Any, ex: Expander) -> List[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            raise TypeMismatch(self.expected, value)
        out: List[Any] = []
        for v in value:
            try:
                item = self.item.from_yaml(v, ex)
            except TypeMismatch:
                raise TypeMismatch(self.expected, value) from None
            if item not in out:
                out.append(item)
        return out

    def from_text(self, text: str, ex: Expander) -> List[Any]:
        stripped = text.strip()
        if stripped.startswith("["):
            import yaml

            try:
                return self.from_yaml(yaml.safe_load(stripped), ex)
            except yaml.YAMLError:
                raise TypeMismatch(self.expected, text) from None
        parts = [p.strip() for p in stripped.split(",")]
        return self.from_yaml([self.item.from_text(p, ex) for p in parts if p], ex)

    def from_python(self, value: Any, ex: Expander) -> List[Any]:
        if isinstance(value, str):
            return self.from_text(value, ex)
        if isinstance(value, tuple):
            value = list(value)
        if isinstance(value, list):
            return self.from_yaml([self.item.from_python(v, ex) if isinstance(v, str) else v
                                   for v in value], ex)
        raise TypeMismatch(self.expected, value)


class MapType(ValueType):
    __slots__ = ("value", "expected")
    kind = MAP

    def __init__(self, value: ValueType, expected: str) -> None:
        self.value = value
        self.expected = expected  # type: ignore[misc]

    def from_yaml(self, value: Any, ex: Expander) -> Dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise TypeMismatch(self.expected, value)
        out: Dict[str, Any] = {}
        for k, v in value.items():
            if isinstance(k, (list, dict)) or k is None:
                raise TypeMismatch(self.expected, value)
            try:
                out[str(k)] = self.value.from_yaml(v, ex)
            except TypeMismatch:
                raise TypeMismatch(self.expected, value) from None
        return out

    def from_text(self, text: str, ex: Expander) -> Dict[str, Any]:
        stripped = text.strip()
        if stripped.startswith("{"):
            import yaml

            try:
                return self.from_yaml(yaml.safe_load(stripped), ex)
            except yaml.YAMLError:
                raise TypeMismatch(self.expected, text) from None
        out: Dict[str, Any] = {}
        for part in (p.strip() for p in stripped.split(",")):
            if not part:
                continue
            k, sep, v = part.partition("=")
            if not sep or not k.strip():
                raise TypeMismatch(self.expected + " (NAME=VALUE,...)", text)
            out[k.strip()] = self.value.from_text(v.strip(), ex)
        return out


def split_pairs(value: Mapping[str, Any]) -> Tuple[Tuple[str, Any], ...]:
    """A mapping as a tuple of pairs (for frozen parameter objects)."""
    return tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in value.items())


BOOL = BoolType()
INT = IntType()
NONNEG_INT = IntType(0)
POS_INT = IntType(1)
FLOAT = FloatType()
STR = StrType()
PATH = PathType()
SSL_VERIFY = SslVerifyType()
STR_LIST = ListType(STR, "a list of strings")
PATH_LIST = ListType(PATH, "a list of paths")
STR_MAP = MapType(STR, "a mapping of names to strings")
STR_LIST_MAP = MapType(STR_LIST, "a mapping of names to lists of strings")
