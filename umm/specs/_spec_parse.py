"""Parsing match-spec strings into fields, and printing the canonical form.

Kept apart from :mod:`umm.specs.matchspec` (the value type) to keep both small.
The steps follow conda's ``_parse_spec_str``: drop comments and ``if`` conditions,
handle package files and URLs, take off the ``(…)`` and ``[…]`` sections, split
``channel[/subdir]::``, split the name from ``version[ build]``, then apply conda's
``=1.2`` -> ``1.2.*`` and ``=1.2=build`` -> ``==1.2`` rules.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Dict, Optional, Tuple
from urllib.parse import unquote

from umm.specs.channel import (PACKAGE_EXTENSIONS, is_path, is_url, path_to_url,
                               split_url)
from umm.specs.errors import InvalidMatchSpec
from umm.specs.platform import KNOWN_SUBDIRS

if TYPE_CHECKING:  # pragma: no cover
    from umm.specs.matchspec import MatchSpec

_SUBDIRS = frozenset(KNOWN_SUBDIRS)
BRACKET_KEYS = frozenset({
    "name", "version", "build", "build_number", "channel", "subdir", "md5", "sha256",
    "license", "license_family", "track_features", "features", "fn", "url",
})
_KEY_RE = re.compile(r"[A-Za-z0-9_-]+")
_NEXT_KEY_RE = re.compile(r"[\s,]+[A-Za-z0-9_-]+\s*[=<>!~]|[\s,]*\Z")
_PARENS_RE = re.compile(
    r"\(\s*(?:optional|[A-Za-z_][\w-]*\s*=[^,()]*)(?:\s*,\s*(?:optional|[A-Za-z_][\w-]*\s*=[^,()]*))*"
    r"\s*,?\s*\)\s*\Z")
_NAME_RE = re.compile(r"([^ =<>!~]+)?([><!=~ ].*)?\Z", re.S)
_NAME_OK = re.compile(r"[A-Za-z0-9_.+*-]+\Z")
_HASH_RE = re.compile(r"(?:(md5|sha256)[=:])?([0-9a-fA-F]{32}|[0-9a-fA-F]{64})\Z")
_BUILD_BAD = set("-=,|<>~")
_VERSION_OPS = set("=!|,<>~")


def _fail(text: str, reason: str, pos: Optional[int] = None) -> InvalidMatchSpec:
    return InvalidMatchSpec(text, reason, pos)


def is_package_ref(text: str) -> bool:
    return text.endswith(PACKAGE_EXTENSIONS)


_FAST_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.+-]*\Z").match
_FAST_BAD = frozenset("[]()#:@'\"\t\n\r\\")
_OP_CHARS = frozenset("=<>!~,|")


def parse_fields(original: str) -> Dict[str, Any]:
    """The keyword arguments of ``MatchSpec(...)`` for ``original``."""
    fields = _fast_fields(original)
    return fields if fields is not None else parse_fields_full(original)


def _fast_fields(text: str) -> Optional[Dict[str, Any]]:
    """The common ``name [version [build]]`` form of repodata depends, or None."""
    if _FAST_BAD.intersection(text) or " if " in text:
        return None
    toks = text.split()
    n = len(toks)
    if n == 0 or n > 3 or not _FAST_NAME(toks[0]) or toks[0].endswith((".tar.bz2", ".conda")):
        return None
    if n == 1:
        return {"name": toks[0]}
    version = toks[1]
    if version[-1] in _OP_CHARS or version.startswith((",", "|")):
        return None
    for i in range(1, len(version)):
        if version[i] == "=" and version[i - 1] not in "=<>!~,|":
            return None  # "1.2=build": the full grammar splits the build off
    build = None
    if n == 3:
        build = toks[2]
        if _OP_CHARS.intersection(build) or "-" in build:
            return None
    fields: Dict[str, Any] = {"name": toks[0]}
    version = _equals_rule(version, build)
    if version is not None:
        fields["version"] = version
    if build is not None:
        fields["build"] = build
    return fields


def _equals_rule(version: str, build: Optional[str]) -> Optional[str]:
    """conda: ``=1.2`` means ``1.2*``, but ``=1.2=build`` means exactly ``1.2``."""
    if version == "=":
        return None  # conda accepts "numpy=" as "numpy"
    if version.startswith("=") and not version.startswith("=="):
        tail = version[1:]
        if not any(c in tail for c in "=,|"):
            return tail if build is not None or tail.endswith("*") else tail + "*"
    return version


def parse_fields_full(original: str) -> Dict[str, Any]:
    """:func:`parse_fields` without the fast path (every step of the grammar)."""
    s = original.strip()
    if not s:
        raise _fail(original, "empty match spec", 0)
    if s.endswith("@") and _KEY_RE.fullmatch(s[:-1]):  # legacy "mkl@" feature spec
        return {"name": "*", "track_features": s[:-1]}
    md5 = sha256 = None
    if "#" in s:
        head, _, frag = s.partition("#")
        hm = _HASH_RE.match(frag.strip())
        if hm and is_package_ref(head.strip()):
            digest = hm.group(2).lower()
            if len(digest) == 32:
                md5 = digest
            else:
                sha256 = digest
        s = head.strip()
        if not s:
            raise _fail(original, "empty match spec (only a comment)", 0)
    s = s.split(" if ", 1)[0].strip()
    if is_package_ref(s):
        fields = package_fields(s, original)
        if md5:
            fields["md5"] = md5
        if sha256:
            fields["sha256"] = sha256
        return fields

    # (target=…, optional) section: accepted and ignored, like conda
    if s.endswith(")"):
        pm = _PARENS_RE.search(s)
        if pm and pm.start() > 0:
            s = s[:pm.start()].rstrip()

    brackets: Dict[str, str] = {}
    if s.endswith("]"):
        start = _bracket_start(s, original)
        if start > 0 and "::" not in s[start:]:
            brackets = parse_brackets(s[start + 1:-1], original, start + 1)
            s = s[:start].rstrip()
    elif "[" in s and "::" not in s[s.index("["):] and not _in_regex(s, s.index("[")):
        raise _fail(original, "unbalanced '[' (missing ']')", s.index("["))

    channel = subdir = None
    if ":" in s:
        pieces = s.rsplit(":", 2)
        if len(pieces) == 3:
            channel, _ns, s = pieces
        else:
            _ns, s = pieces
        channel, subdir = parse_channel(channel, original)
    if "channel" in brackets:
        b_chan, b_sub = parse_channel(brackets.pop("channel"), original)
        channel = b_chan or channel
        subdir = b_sub or subdir
    if "subdir" in brackets:
        subdir = brackets.pop("subdir")

    m = _NAME_RE.match(s.strip())
    name, rest = (m.group(1), m.group(2)) if m else (None, None)
    if not name:
        raise _fail(original, f"no package name found in '{s.strip()}'", 0)
    if not (_NAME_OK.match(name) or (name[0] == "^" and name[-1] == "$")):
        raise _fail(original, f"invalid package name '{name}'", original.find(name))
    rest = (rest or "").strip()
    version: Optional[str] = None
    build: Optional[str] = None
    if rest:
        if "[" in rest and not _in_regex(rest, rest.index("[")):
            raise _fail(original, "multiple brackets sections not allowed", original.find("["))
        version, build = split_version_build(rest)
        if build is not None and any(c.isspace() for c in build):
            raise _fail(original, f"invalid build string '{build}'", original.find(build))
        version = _equals_rule(version, build)
    fields: Dict[str, Any] = {"name": name}
    if channel:
        fields["channel"] = channel
    if subdir:
        fields["subdir"] = subdir
    if version is not None:
        fields["version"] = version
    if build is not None:
        fields["build"] = build
    brackets.pop("name", None)  # the name outside the brackets wins (conda)
    fields.update(brackets)
    return fields


def _in_regex(s: str, idx: int) -> bool:
    """Is position ``idx`` inside a ``^…$`` version regex?"""
    start = s.rfind("^", 0, idx)
    return start >= 0 and s.find("$", idx) > 0


def _bracket_start(s: str, original: str) -> int:
    """Index of the ``[`` that opens the bracket section ending ``s``."""
    depth = 0
    quote = None
    for i in range(len(s) - 1, -1, -1):
        ch = s[i]
        if quote:
            if ch == quote:
                quote = None
            continue
        if ch in "'\"":
            quote = ch
        elif ch == "]":
            depth += 1
        elif ch == "[":
            depth -= 1
            if depth == 0:
                return i
    if quote:
        raise _fail(original, "unterminated quote in brackets", s.rfind(quote))
    raise _fail(original, "unbalanced ']' (missing '[')", len(s) - 1)


def parse_brackets(body: str, original: str, offset: int = 0) -> Dict[str, str]:
    """``key=value, key='value' …`` -> dict. Values may be quoted with ' or "."""
    out: Dict[str, str] = {}
    i, n = 0, len(body)
    while True:
        while i < n and (body[i].isspace() or body[i] == ","):
            i += 1
        if i >= n:
            return out
        km = _KEY_RE.match(body, i)
        if not km:
            raise _fail(original, f"expected key=value in brackets at '{body[i:]}'", offset + i)
        key = km.group(0)
        i = km.end()
        while i < n and body[i].isspace():
            i += 1
        if i < n and body[i] == "=":
            i += 1
        elif not (i < n and body[i] in "<>!~"):  # conda's deprecated "version<2"
            raise _fail(original, f"a key or a value is missing in brackets: '{key}'", offset + i)
        while i < n and body[i].isspace():
            i += 1
        if i < n and body[i] in "'\"":
            q = body[i]
            end = body.find(q, i + 1)
            if end < 0:
                raise _fail(original, f"unterminated quote in brackets for '{key}'", offset + i)
            value = body[i + 1:end]
            i = end + 1
        else:
            j = i
            while j < n:
                if body[j] in ", \t" and _NEXT_KEY_RE.match(body, j):
                    break
                j += 1
            value = body[i:j].strip()
            i = j
        if key not in BRACKET_KEYS:
            raise _fail(original, f"unknown key '{key}' in brackets", offset + km.start())
        if not value.strip():
            raise _fail(original, f"a key or a value is missing in brackets: '{key}'", offset + i)
        out[key] = value.strip()


def parse_channel(text: Optional[str], original: str) -> Tuple[Optional[str], Optional[str]]:
    """``channel[/subdir]`` (or ``channel[subdir]``) -> (channel, subdir)."""
    if text is None:
        return None, None
    text = text.strip()
    if not text:
        return None, None
    subdir = None
    fm = re.match(r"^(.+?)\[([A-Za-z0-9_,\s-]+)\]$", text)
    if fm and not is_url(text):
        plats = [p.strip() for p in fm.group(2).split(",") if p.strip()]
        text = fm.group(1)
        if len(plats) == 1:
            subdir = plats[0]
    head, _, last = text.rstrip("/").rpartition("/")
    if head and last in _SUBDIRS:
        text, subdir = head, last
    if any(c.isspace() for c in text):
        raise _fail(original, f"invalid channel '{text}'", original.find(text))
    return (None if text == "*" else text), subdir


def split_version_build(rest: str) -> Tuple[str, Optional[str]]:
    """conda's ``_parse_version_plus_build``: ``">=1.0 , < 2.0 py34_0"`` ->
    ``(">=1.0,<2.0", "py34_0")``; spaces are dropped from the version."""
    rest = rest.strip()
    build = None
    version = rest
    depth = 0
    for i in range(1, len(rest)):
        ch = rest[i]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if depth or ch not in " =":
            continue
        if rest[i - 1] in _VERSION_OPS or rest[i - 1].isspace():
            continue
        cand = rest[i + 1:].strip()
        if not cand or any(c in _BUILD_BAD for c in cand) or "(" in cand or ")" in cand:
            continue
        version, build = rest[:i], cand
        break
    return "".join(version.split()), build


def package_fields(s: str, original: str) -> Dict[str, Any]:
    """Fields of a spec that is a package URL or a path to a package file."""
    if is_url(s):
        url = s
    elif is_path(s) or "/" in s or "\\" in s:
        url = path_to_url(s)
    else:  # a bare file name: name-version-build.ext
        name, version, build = split_dist(s, original)
        return {"name": name, "version": f"=={version}", "build": build, "fn": unquote(s)}
    bare, _token, _auth, _pos = split_url(url)
    head, _, fn = bare.rpartition("/")
    fn = unquote(fn)
    name, version, build = split_dist(fn, original)
    fields: Dict[str, Any] = {"name": name, "version": f"=={version}", "build": build,
                              "fn": fn, "url": url}
    chan_head, _, last = head.rpartition("/")
    if last in _SUBDIRS and chan_head and not chan_head.endswith(":/"):
        fields["subdir"] = last
        head = chan_head
    if head and not head.endswith(":/"):
        fields["channel"] = channel_display(head)
    return fields


def split_dist(fn: str, original: str) -> Tuple[str, str, str]:
    """``name-version-build[.ext]`` -> (name, version, build)."""
    base = unquote(fn)
    for ext in PACKAGE_EXTENSIONS:
        if base.endswith(ext):
            base = base[:-len(ext)]
            break
    parts = base.rsplit("-", 2)
    if len(parts) != 3 or not all(parts):
        raise _fail(original, f"package file name '{fn}' is not name-version-build")
    return parts[0], parts[1], parts[2]


def channel_display(channel: str) -> str:
    """A channel string fit for a spec: URLs lose a trailing subdir (not the token)."""
    channel = channel.strip().rstrip("/")
    head, _, last = channel.rpartition("/")
    if last in _SUBDIRS and head and not head.endswith(":/"):
        return head
    return channel


# -- canonical string -----------------------------------------------------------------------
def _quote(key: str, value: str, force: bool = False) -> str:
    if force or any(c in value for c in ", =<>|![]()'\""):
        q = '"' if "'" in value else "'"
        return f"{key}={q}{value}{q}"
    return f"{key}={value}"


def canonical_str(spec: "MatchSpec") -> str:
    from umm.specs.version_spec import AND, GLOB, NOT_STARTSWITH, OR, REGEX, STARTSWITH

    if spec.url and _is_url_form(spec):
        out = spec.url
        if spec.md5:
            out += "#" + spec.md5
        elif spec.sha256:
            out += "#" + spec.sha256
        return out
    builder = []
    brackets = []
    channel = spec.channel
    if channel and "*" not in channel:
        builder.append(channel + (f"/{spec.subdir}" if spec.subdir else ""))
    elif channel:
        brackets.append(_quote("channel", channel))
    if spec.subdir and not (channel and "*" not in channel):
        brackets.append(_quote("subdir", spec.subdir))
    builder.append(("::%s" if builder else "%s") % spec.name)

    version, build = spec.version, spec.build
    exact = False
    if version is not None:
        kind, vtext = version.kind, str(version)
        if kind == "==":
            builder.append(vtext)
            exact = True
        elif kind == STARTSWITH:
            builder.append("=" + vtext[:-2])
        elif kind in ("!=", "~=", NOT_STARTSWITH) and build is None:
            builder.append(vtext)
        else:
            brackets.append(_quote("version", vtext, force=kind in (AND, OR, REGEX, GLOB)))
    if build is not None:
        if exact and not any(c in build for c in "*^$><|,=[]()'\" "):
            builder.append("=" + build)
        else:
            brackets.insert(len(brackets), _quote("build", build))
    for key in ("build_number", "track_features", "features", "url", "md5", "sha256",
                "license", "license_family", "fn"):
        value = getattr(spec, key)
        if value is None:
            continue
        if key == "fn" and spec.url and spec.url.rstrip("/").rsplit("/", 1)[-1] == value:
            continue
        if key in ("track_features", "features"):
            value = " ".join(value)
        brackets.append(_quote(key, str(value)))
    if brackets:
        builder.append("[" + ",".join(brackets) + "]")
    return "".join(builder)


def _is_url_form(spec: "MatchSpec") -> bool:
    from umm.specs.matchspec import MatchSpec

    try:
        derived = package_fields(spec.url, spec.url)  # type: ignore[arg-type]
    except InvalidMatchSpec:
        return False
    if spec.md5:
        derived["md5"] = spec.md5
    if spec.sha256:
        derived["sha256"] = spec.sha256
    return MatchSpec(**derived) == spec
