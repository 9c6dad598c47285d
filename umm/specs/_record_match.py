"""How a MatchSpec's ``channel`` and ``subdir`` are compared with a record.

Matching is context free: a record's ``channel`` may be a canonical name
(``conda-forge``), a channel URL with or without subdir, and its ``url`` the package
URL. A spec channel given as a name matches a record whose channel is that name or a
URL whose path ends with it (``…/conda-forge``); a spec channel given as a URL matches
the same URL (scheme, token and credentials ignored); ``defaults`` matches the
``pkgs/main``, ``pkgs/r``, ``pkgs/msys2`` channels; ``*`` globs match either form.
"""
from __future__ import annotations

from typing import Any, Callable, Dict, Optional, Tuple

from umm.specs.build import compile_string_matcher, is_glob
from umm.specs.channel import PACKAGE_EXTENSIONS, is_url, split_url
from umm.specs.platform import KNOWN_SUBDIRS

_SUBDIRS = frozenset(KNOWN_SUBDIRS)
DEFAULTS_MEMBERS = ("pkgs/main", "pkgs/r", "pkgs/msys2")
_FORMS: Dict[str, Tuple[str, bool]] = {}


def _strip(url: str) -> str:
    url = split_url(url)[0].rstrip("/")
    if url.endswith(PACKAGE_EXTENSIONS):
        url = url.rpartition("/")[0]
    head, _, last = url.rpartition("/")
    if last in _SUBDIRS and head:
        url = head
    return url


def channel_form(value: str) -> Tuple[str, bool]:
    """``(form, is_url)``: a channel name without subdir, or a URL without scheme,
    credentials, token, subdir and file name."""
    form = _FORMS.get(value)
    if form is None:
        if is_url(value):
            form = (_strip(value).split("://", 1)[1], True)
        else:
            head, _, last = value.rstrip("/").rpartition("/")
            form = (head if head and last in _SUBDIRS else value.rstrip("/"), False)
        if len(_FORMS) < 10_000:
            _FORMS[value] = form
    return form


def _record_forms(record: Any) -> Tuple[Tuple[str, bool], ...]:
    out = []
    for value in (getattr(record, "channel", None), getattr(record, "url", None)):
        if value and isinstance(value, str):
            out.append(channel_form(value))
    return tuple(out)


def same_channel(a: Tuple[str, bool], b: Tuple[str, bool]) -> bool:
    """Do two channel forms name the same channel? A name matches a URL ending in it."""
    (fa, ua), (fb, ub) = a, b
    if fa == fb:
        return True
    if ua and not ub:
        return fa.endswith("/" + fb)
    if ub and not ua:
        return fb.endswith("/" + fa)
    return False


def channel_matcher(channel: str) -> Callable[[Any], bool]:
    """A check ``record -> bool`` for a spec's channel string."""
    if is_glob(channel):
        glob = compile_string_matcher(channel)

        def glob_check(record: Any) -> bool:
            for form, _ in _record_forms(record):
                if glob(form) or glob(form.rpartition("/")[2]):
                    return True
            return False

        return glob_check
    if channel == "defaults":
        members = tuple((m, False) for m in DEFAULTS_MEMBERS)

        def defaults_check(record: Any) -> bool:
            return any(same_channel(m, f) for f in _record_forms(record) for m in members)

        return defaults_check
    want = channel_form(channel)

    def check(record: Any) -> bool:
        for form in _record_forms(record):
            if same_channel(want, form):
                return True
        return False

    return check


def record_subdir(record: Any) -> Optional[str]:
    """A record's subdir: its ``subdir`` field, else taken from its URL or channel."""
    sub = getattr(record, "subdir", None)
    if sub:
        return sub
    for value in (getattr(record, "url", None), getattr(record, "channel", None)):
        if not value:
            continue
        v = value.rstrip("/")
        if v.endswith(PACKAGE_EXTENSIONS):
            v = v.rpartition("/")[0]
        last = v.rpartition("/")[2]
        if last in _SUBDIRS:
            return last
    return None
