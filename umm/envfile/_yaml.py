"""YAML reading and writing for spec and lock files.

Reading keeps every scalar that is not ``true``/``false``/``null`` as its text, so
``version: 1.10`` stays ``"1.10"`` (a float would make it ``1.1``) and dates stay
strings. Writing emits block-style YAML by hand, quoting a scalar only when a YAML
parser would not read it back as the same string.
"""
from __future__ import annotations

import functools
import json
import re
from typing import Any, Dict, List, Optional, Tuple

_PLAIN = re.compile(r"^[A-Za-z0-9_./+=<~^$(-][A-Za-z0-9_ ./:@+=<>!~^$(),\[\]*%#|&'-]*$")
# what a YAML 1.2 core-schema parser (ruamel, serde_yaml: conda-lock, rattler) does not
# read as a string: hex digests such as "1234e56" would become floats there
_YAML12_NON_STR = re.compile(
    r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+"
    r"|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"
    r"|true|True|TRUE|false|False|FALSE|~|null|Null|NULL)$")
_loader: Any = None
_resolver: Any = None


def _make_loader() -> Any:
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    keep = {"tag:yaml.org,2002:bool", "tag:yaml.org,2002:null", "tag:yaml.org,2002:merge"}

    class TextLoader(base):  # type: ignore[misc, valid-type]
        pass

    TextLoader.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag in keep]
        for first, resolvers in base.yaml_implicit_resolvers.items()
    }
    return TextLoader


class YamlSyntaxError(ValueError):
    """Not YAML at all; ``line`` is 1-based when known."""

    def __init__(self, reason: str, line: Optional[int]) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line


def load(text: str) -> Any:
    """Parse ``text``; scalars other than booleans and null stay strings."""
    global _loader
    import yaml

    if _loader is None:
        _loader = _make_loader()
    try:
        return yaml.load(text, Loader=_loader)  # noqa: S506 (a safe loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise YamlSyntaxError(f"invalid YAML: {problem}",
                              mark.line + 1 if mark is not None else None) from None


@functools.lru_cache(maxsize=4096)
def _is_plain_str(text: str) -> bool:
    if not text or text != text.strip() or not _PLAIN.match(text):
        return False
    if text.endswith(":") or ": " in text or " #" in text or text.startswith(("- ", "? ")) \
            or text == "-":
        return False
    return _resolve(text) == "tag:yaml.org,2002:str" and not _YAML12_NON_STR.match(text)


def _resolve(text: str) -> str:
    """The tag YAML 1.1 gives ``text`` as a plain scalar (str, int, float, bool ...)."""
    global _resolver
    from yaml.nodes import ScalarNode

    if _resolver is None:
        import yaml

        _resolver = yaml.resolver.Resolver()
    return _resolver.resolve(ScalarNode, text, (True, False))


def scalar(value: Any) -> str:
    """One YAML scalar for ``value`` (str, bool, int or None)."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    return text if _is_plain_str(text) else _quoted(text)


def _quoted(text: str) -> str:
    """A double-quoted scalar (JSON's escapes are YAML's); characters outside the
    printable Basic Multilingual Plane are written as ``\\uXXXX``/``\\UXXXXXXXX``."""
    out = json.dumps(text, ensure_ascii=False)
    return "".join(c if _safe(c) else
                   ("\\U%08x" % ord(c) if ord(c) > 0xFFFF else "\\u%04x" % ord(c)) for c in out)


def _safe(c: str) -> bool:
    return c.isprintable() and ord(c) <= 0xFFFF and c != "\ufeff"


def dump(value: Any, indent: int = 0, seq_indent: int = 2) -> str:
    """Block-style YAML for nested dicts/lists of scalars (ends with a newline)."""
    return "".join(line + "\n" for line in _lines(value, indent, seq_indent))


def _lines(value: Any, indent: int, seq_indent: int) -> List[str]:
    pad = " " * indent
    out: List[str] = []
    if isinstance(value, dict):
        if not value:
            return [pad + "{}"]
        for key, item in value.items():
            k = scalar(key)
            if isinstance(item, (dict, list)) and item:
                out.append(f"{pad}{k}:")
                child = indent + (seq_indent if isinstance(item, list) else 2)
                out.extend(_lines(item, child, seq_indent))
            elif isinstance(item, dict):
                out.append(f"{pad}{k}: {{}}")
            elif isinstance(item, list):
                out.append(f"{pad}{k}: []")
            else:
                out.append(f"{pad}{k}: {scalar(item)}")
        return out
    if isinstance(value, list):
        if not value:
            return [pad + "[]"]
        for item in value:
            if isinstance(item, (dict, list)) and item:
                inner = _lines(item, indent + 2, seq_indent)
                out.append(f"{pad}- {inner[0][indent + 2:]}")
                out.extend(inner[1:])
            else:
                out.append(f"{pad}- {_inline(item)}")
        return out
    return [pad + scalar(value)]


def _inline(value: Any) -> str:
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    return scalar(value)


def pairs(value: Any) -> Tuple[Tuple[str, Any], ...]:
    """A mapping as a tuple of ``(key, value)`` pairs (for immutable value types)."""
    return tuple((str(k), v) for k, v in dict(value).items())


def as_dict(items: Tuple[Tuple[str, Any], ...]) -> Dict[str, Any]:
    return {k: v for k, v in items}
