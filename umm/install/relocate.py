"""Prefix replacement in text and binary files, and shebang rewriting.

Text mode replaces the placeholder everywhere. Binary mode replaces it inside each
NUL-terminated string and pads the string with NULs so every offset in the file
stays where it was; a prefix longer than the placeholder cannot fit and is refused
(conda's behaviour). Shebangs longer than the kernel's limit (127 bytes) become
``#!/usr/bin/env <interpreter> <args>``.
"""
from __future__ import annotations

import re
from typing import Optional

SHEBANG_LIMIT = 127


class PrefixTooLong(ValueError):
    """Raised by :func:`replace_binary` when the new prefix does not fit."""


def replace_text(data: bytes, placeholder: str, prefix: str) -> bytes:
    out = data.replace(placeholder.encode(), prefix.encode())
    return rewrite_long_shebang(out)


def replace_binary(data: bytes, placeholder: str, prefix: str) -> bytes:
    old, new = placeholder.encode(), prefix.encode()
    if old not in data:
        return data
    if len(new) > len(old):
        raise PrefixTooLong(prefix)
    pattern = re.compile(re.escape(old) + rb"([^\0]*?)\0")

    def repl(m: "re.Match[bytes]") -> bytes:
        whole = m.group(0)
        replaced = whole[:-1].replace(old, new)  # every occurrence inside this C string
        return replaced + b"\0" * (len(whole) - len(replaced))

    out = pattern.sub(repl, data)
    assert len(out) == len(data)
    return out


def rewrite_long_shebang(data: bytes) -> bytes:
    """Turn a too-long ``#!/long/prefix/bin/python -u`` into ``#!/usr/bin/env python -u``."""
    if not data.startswith(b"#!"):
        return data
    end = data.find(b"\n")
    line = data[:end] if end >= 0 else data
    if len(line) <= SHEBANG_LIMIT:
        return data
    new = env_shebang(line)
    if new is None:
        return data
    return new + (data[end:] if end >= 0 else b"")


def env_shebang(line: bytes) -> Optional[bytes]:
    body = line[2:].strip()
    if not body:
        return None
    interpreter, _, args = body.partition(b" ")
    exe = interpreter.rsplit(b"/", 1)[-1]
    if not exe:
        return None
    return b"#!/usr/bin/env " + exe + ((b" " + args.strip()) if args.strip() else b"")


def shebang_for(python: str) -> str:
    """The shebang line (without newline) that runs ``python``."""
    line = f"#!{python}"
    if len(line.encode()) > SHEBANG_LIMIT or " " in python:
        return "#!/usr/bin/env " + python.rsplit("/", 1)[-1]
    return line
