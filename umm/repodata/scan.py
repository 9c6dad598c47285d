"""Cold path: scan a repodata.json once and locate every record by name.

The scan walks the top-level object with the C scanner of the ``json``
module, record by record, so the whole document is never materialized. The
text is decoded as latin-1, which makes character offsets equal to byte
offsets; names (ASCII in practice) are re-decoded as UTF-8 when needed.
Each record is handed to a callback ``on_record(section, fn, obj, name)``
(section 0 = ``packages``, 1 = ``packages.conda``; ``name`` is None for an
entry that is not a record object).
"""
from __future__ import annotations

import json
import json.decoder
import re
from typing import Any, Callable, Dict, List, Optional

from umm.repodata.errors import InvalidRepodata

SECTIONS = ("packages", "packages.conda")
_WS = re.compile(r"[ \t\n\r]*")


OnRecord = Callable[[int, str, Any, Optional[str]], None]


class ScanResult:
    """The small top-level values and counts of a scanned document."""

    __slots__ = ("top", "n_records", "skipped")

    def __init__(self) -> None:
        self.top: Dict[str, Any] = {}
        self.n_records = 0
        self.skipped: List[str] = []


def _name_of(obj: Any, fn: str) -> Optional[str]:
    name = obj.get("name") if isinstance(obj, dict) else None
    if isinstance(name, str) and name:
        if not name.isascii():
            name = name.encode("latin-1").decode("utf-8", "replace")
        return name
    if not isinstance(obj, dict):
        return None
    base = fn
    for ext in (".tar.bz2", ".conda"):
        if base.endswith(ext):
            base = base[: -len(ext)]
    parts = base.rsplit("-", 2)
    return parts[0] if len(parts) == 3 and parts[0] else None


def scan_repodata(data: "bytes | str", url: str = "",
                  on_record: Optional[OnRecord] = None) -> ScanResult:
    """Walk ``data`` (a repodata.json document), calling ``on_record`` per record.

    ``data`` is the document's bytes, or those bytes decoded as latin-1.
    """
    text = data.decode("latin-1") if isinstance(data, (bytes, bytearray)) else data
    scan_once = json.decoder.JSONDecoder().scan_once
    scanstring = json.decoder.scanstring  # type: ignore[attr-defined]
    ws = _WS.match
    res = ScanResult()

    def fail(pos: int, what: str) -> InvalidRepodata:
        return InvalidRepodata(url, f"{what} at byte {pos}")

    pos = ws(text, 0).end()
    if text[pos:pos + 1] != "{":
        raise fail(pos, "expected a JSON object")
    pos = ws(text, pos + 1).end()
    if text[pos:pos + 1] == "}":
        return res
    try:
        while True:
            if text[pos:pos + 1] != '"':
                raise fail(pos, "expected a key")
            key, pos = scanstring(text, pos + 1)
            pos = ws(text, pos).end()
            if text[pos:pos + 1] != ":":
                raise fail(pos, "expected ':'")
            pos = ws(text, pos + 1).end()
            if key in SECTIONS:
                pos = _scan_section(text, pos, SECTIONS.index(key), res, scan_once, scanstring,
                                    ws, fail, on_record)
            else:
                start = pos
                try:
                    _, pos = scan_once(text, pos)
                    res.top[key] = json.loads(text[start:pos].encode("latin-1"))
                except RecursionError:
                    pos = _skip_value(text, pos, fail)
            pos = ws(text, pos).end()
            c = text[pos:pos + 1]
            if c == ",":
                pos = ws(text, pos + 1).end()
                continue
            if c == "}":
                break
            raise fail(pos, "expected ',' or '}'" if c else "unexpected end of document")
    except StopIteration as exc:
        raise fail(exc.value, "malformed JSON value") from None
    except ValueError as exc:
        if isinstance(exc, InvalidRepodata):
            raise
        raise InvalidRepodata(url, f"malformed JSON: {exc}") from None
    if text[pos + 1:].strip():
        raise fail(pos + 1, "trailing data after the document")
    return res


def _scan_section(text: str, pos: int, section: int, res: ScanResult, scan_once: Any,
                  scanstring: Any, ws: Any, fail: Any, on_record: Optional[OnRecord]) -> int:
    if text[pos:pos + 1] == "n" and text.startswith("null", pos):
        return pos + 4
    if text[pos:pos + 1] != "{":
        raise fail(pos, "expected an object of packages")
    pos = ws(text, pos + 1).end()
    if text[pos:pos + 1] == "}":
        return pos + 1
    n = 0
    while True:
        if text[pos:pos + 1] != '"':
            raise fail(pos, "expected a file name")
        fn, pos = scanstring(text, pos + 1)
        pos = ws(text, pos).end()
        if text[pos:pos + 1] != ":":
            raise fail(pos, "expected ':'")
        pos = ws(text, pos + 1).end()
        start = pos
        try:
            obj, pos = scan_once(text, pos)
        except RecursionError:  # absurdly deep nesting: skip this record only
            obj, pos = None, _skip_value(text, pos, fail)
        name = _name_of(obj, fn)
        n += 1
        if not fn.isascii():
            fn = fn.encode("latin-1").decode("utf-8", "replace")
        if name is None:
            res.skipped.append(fn)
        if on_record is not None:
            if obj.__class__ is dict and not text[start:pos].isascii():
                obj = _redecode(obj)
            on_record(section, fn, obj, name)
        pos = ws(text, pos).end()
        c = text[pos:pos + 1]
        if c == ",":
            pos = ws(text, pos + 1).end()
            continue
        if c == "}":
            res.n_records += n
            return pos + 1
        raise fail(pos, "expected ',' or '}'" if c else "unexpected end of document")


def _redecode(obj: Any) -> Any:
    """Strings decoded as latin-1 -> the UTF-8 text they really are."""
    c = obj.__class__
    if c is str:
        return obj.encode("latin-1").decode("utf-8", "replace") if not obj.isascii() else obj
    if c is list:
        return [_redecode(x) for x in obj]
    if c is dict:
        return {_redecode(k): _redecode(v) for k, v in obj.items()}
    return obj


_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def _skip_value(text: str, pos: int, fail: Any) -> int:
    """The end of the (nested) JSON value at ``pos``, found without recursion."""
    depth = 0
    for m in _TOKEN.finditer(text, pos):
        tok = m.group(0)
        if tok in "[{":
            depth += 1
        elif tok in "]}":
            depth -= 1
            if depth == 0:
                return m.end()
        if depth <= 0:
            break
    raise fail(pos, "unterminated value")
