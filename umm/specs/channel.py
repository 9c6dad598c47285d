"""Channels: from what a user types (``conda-forge``, ``defaults``, a URL, a path) to
resolved :class:`Channel` values.

A :class:`ChannelContext` holds the configuration that resolution depends on
(``channel_alias``, ``custom_channels``, ``custom_multichannels``,
``default_channels``) and turns a channel reference into one or more channels:

* names go under the alias (``conda-forge`` -> ``https://conda.anaconda.org/conda-forge``)
  unless a ``custom_channels`` entry owns them (``pkgs/main`` lives at
  ``https://repo.anaconda.com`` by default, like micromamba);
* ``defaults`` and other multichannels expand to their members;
* URLs keep their location; a token (``/t/<token>/``) and ``user:pass@`` are taken
  out of the URL and kept apart, a trailing known subdir (``…/linux-64``) becomes the
  channel's platform and a trailing package file name is kept as ``package_filename``;
* paths (``/srv/chan``, ``./chan``, ``~/chan``, ``C:\\chan``) become ``file://`` URLs.

A channel's ``canonical_name`` is the name relative to the alias or a custom channel
(``conda-forge``, ``conda-forge/label/dev``, ``pkgs/main``) and otherwise its URL
without credentials. ``str(channel)`` never contains a token or a password.
"""
from __future__ import annotations

import os
import re
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple
from urllib.parse import quote, unquote

from umm.specs.errors import InvalidChannel
from umm.specs.platform import KNOWN_SUBDIRS

DEFAULT_CHANNEL_ALIAS = "https://conda.anaconda.org"
DEFAULT_CHANNELS: Tuple[str, ...] = (
    "https://repo.anaconda.com/pkgs/main",
    "https://repo.anaconda.com/pkgs/r",
)
DEFAULT_CHANNELS_WIN: Tuple[str, ...] = DEFAULT_CHANNELS + ("https://repo.anaconda.com/pkgs/msys2",)
BUILTIN_CUSTOM_CHANNELS: Dict[str, str] = {
    "pkgs/main": "https://repo.anaconda.com",
    "pkgs/r": "https://repo.anaconda.com",
    "pkgs/pro": "https://repo.anaconda.com",
    "pkgs/msys2": "https://repo.anaconda.com",
}
PACKAGE_EXTENSIONS = (".tar.bz2", ".conda")

_SUBDIRS = frozenset(KNOWN_SUBDIRS)
_URL_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_TOKEN_RE = re.compile(r"/t/([^/\s]+)(?=/|$)")
_MASK_TOKEN_RE = re.compile(r"/t/[^/\s'\"]+(?=/|\s|$|'|\")")
_MASK_AUTH_RE = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://)[^/@\s'\"]+@")
_PLATFORM_FILTER_RE = re.compile(r"^(.+?)\[([A-Za-z0-9_,\s-]*)\]$")
_WIN_DRIVE_RE = re.compile(r"^[A-Za-z]:[\\/]")


def mask_credentials(text: str) -> str:
    """Hide tokens and passwords in URLs inside ``text``.

    ``https://x/t/abc123/chan`` -> ``https://x/t/***/chan`` and
    ``https://user:pass@host/`` -> ``https://***@host/``.
    """
    return _MASK_AUTH_RE.sub(r"\1***@", _MASK_TOKEN_RE.sub("/t/***", text))


def is_url(text: str) -> bool:
    return bool(_URL_RE.match(text))


def is_path(text: str) -> bool:
    """Does ``text`` look like a filesystem path rather than a channel name?"""
    return (text.startswith(("/", "~", "./", "../", ".\\", "..\\", "\\\\"))
            or text in (".", "..") or bool(_WIN_DRIVE_RE.match(text)))


def path_to_url(path: str, cwd: Optional[str] = None) -> str:
    """A ``file://`` URL for a local path (``~`` expanded, relative to ``cwd``)."""
    if "\0" in path:
        raise InvalidChannel(path, "a path cannot hold a NUL byte")
    if _WIN_DRIVE_RE.match(path) or path.startswith("\\\\"):
        p = path.replace("\\", "/")
        return "file:///" + quote(p.lstrip("/"), safe="/:~!$&'()*+,;=@", errors="surrogateescape")
    p = os.path.expanduser(path)
    if not os.path.isabs(p):
        p = os.path.join(cwd if cwd is not None else os.getcwd(), p)
    p = os.path.normpath(p).replace(os.sep, "/")
    if not p.startswith("/"):
        p = "/" + p
    # (a path that is not UTF-8 comes with surrogate escapes: its bytes are quoted)
    return "file://" + quote(p, safe="/:~!$&'()*+,;=@", errors="surrogateescape")


def url_to_path(url: str) -> str:
    """The local path of a ``file://`` URL."""
    if not url.startswith("file://"):
        raise InvalidChannel(url, "not a file:// URL")
    path = unquote(url[len("file://"):], errors="surrogateescape")
    if re.match(r"^/[A-Za-z]:/", path):
        return path[1:]
    return path


def split_url(url: str) -> Tuple[str, Optional[str], Optional[str], int]:
    """``(url_without_credentials, token, auth, token_pos)`` for a URL."""
    token = None
    token_pos = -1
    m = _TOKEN_RE.search(url)
    if m:
        token = m.group(1)
        token_pos = m.start()
        url = url[:m.start()] + url[m.end():]
    auth = None
    sm = _URL_RE.match(url)
    if sm:
        scheme_end = sm.end()
        slash = url.find("/", scheme_end)
        netloc = url[scheme_end:] if slash < 0 else url[scheme_end:slash]
        at = netloc.rfind("@")
        if at >= 0:
            auth = netloc[:at]
            url = url[:scheme_end] + url[scheme_end + at + 1:]
            if token_pos >= 0:
                token_pos -= at + 1
    return url, token, auth, token_pos


def _strip_scheme(url: str) -> str:
    m = _URL_RE.match(url)
    return url[m.end():] if m else url


class Channel:
    """A resolved channel: where its repodata lives and what to call it."""

    __slots__ = ("_canonical_name", "_base_url", "_token", "_auth", "_token_pos",
                 "_platforms", "_package_filename")

    def __init__(self, canonical_name: str, base_url: str, token: Optional[str] = None,
                 auth: Optional[str] = None, platforms: Optional[Sequence[str]] = None,
                 package_filename: Optional[str] = None, token_pos: int = -1) -> None:
        self._canonical_name = canonical_name
        self._base_url = base_url.rstrip("/")
        self._token = token
        self._auth = auth
        if token and token_pos < 0:  # default: right after scheme://host
            sm = _URL_RE.match(self._base_url)
            slash = self._base_url.find("/", sm.end() if sm else 0)
            token_pos = len(self._base_url) if slash < 0 else slash
        self._token_pos = token_pos
        self._platforms = tuple(platforms) if platforms is not None else None
        self._package_filename = package_filename

    # data ------------------------------------------------------------------------
    @property
    def canonical_name(self) -> str:
        return self._canonical_name

    name = canonical_name

    @property
    def base_url(self) -> str:
        """The channel URL without token, credentials or subdir."""
        return self._base_url

    @property
    def token(self) -> Optional[str]:
        return self._token

    @property
    def auth(self) -> Optional[str]:
        """``user:password`` from the URL, if any."""
        return self._auth

    @property
    def platforms(self) -> Optional[Tuple[str, ...]]:
        """Subdirs the reference asked for; None means "the configured default"."""
        return self._platforms

    @property
    def package_filename(self) -> Optional[str]:
        """Set when the reference was the URL of one package file."""
        return self._package_filename

    @property
    def is_local(self) -> bool:
        return self._base_url.startswith("file://")

    @property
    def url_with_token(self) -> str:
        """``base_url`` with the token and credentials put back (for requests only)."""
        return self._with_secrets(self._base_url)

    def _with_secrets(self, url: str) -> str:
        if self._token:
            url = f"{url[:self._token_pos]}/t/{self._token}{url[self._token_pos:]}"
        if self._auth:
            sm = _URL_RE.match(url)
            if sm:
                url = f"{url[:sm.end()]}{self._auth}@{url[sm.end():]}"
        return url

    def platform_url(self, subdir: str, with_token: bool = False) -> str:
        """``<base_url>/<subdir>``; the token and credentials only if ``with_token``."""
        url = f"{self._base_url}/{subdir}"
        return self._with_secrets(url) if with_token else url

    def platform_urls(self, default_platforms: Iterable[str] = (),
                      with_token: bool = False) -> List[Tuple[str, str]]:
        """``(subdir, url)`` for every subdir this channel serves, ``noarch`` included."""
        subdirs = list(self._platforms if self._platforms is not None else default_platforms)
        if "noarch" not in subdirs:
            subdirs.append("noarch")
        return [(s, self.platform_url(s, with_token)) for s in subdirs]

    def package_url(self, subdir: str, filename: str, with_token: bool = False) -> str:
        return f"{self.platform_url(subdir, with_token)}/{filename}"

    def with_platforms(self, platforms: Optional[Sequence[str]]) -> "Channel":
        return Channel(self._canonical_name, self._base_url, self._token, self._auth,
                       platforms, self._package_filename, self._token_pos)

    # protocol --------------------------------------------------------------------
    def _ident(self) -> tuple:
        return (self._canonical_name, self._base_url, self._token, self._auth,
                self._platforms, self._package_filename)

    def __eq__(self, other: Any) -> bool:
        if isinstance(other, Channel):
            return self._ident() == other._ident()
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._ident())

    def __str__(self) -> str:
        return self._canonical_name if not self._auth else mask_credentials(self._canonical_name)

    def __repr__(self) -> str:
        extra = f", platforms={list(self._platforms)!r}" if self._platforms is not None else ""
        if self._package_filename:
            extra += f", package_filename={self._package_filename!r}"
        if self._token:
            extra += ", token=***"
        return f"Channel({str(self)!r}, base_url={self._base_url!r}{extra})"

    def __reduce__(self):
        return (Channel, (self._canonical_name, self._base_url, self._token, self._auth,
                          self._platforms, self._package_filename, self._token_pos))


class ChannelContext:
    """Resolves channel references with a given configuration."""

    __slots__ = ("channel_alias", "custom_channels", "custom_multichannels",
                 "default_channels", "cwd", "_alias_token", "_alias_auth", "_alias_token_pos",
                 "_cache")

    def __init__(self, channel_alias: str = DEFAULT_CHANNEL_ALIAS,
                 custom_channels: Optional[Mapping[str, str]] = None,
                 custom_multichannels: Optional[Mapping[str, Sequence[str]]] = None,
                 default_channels: Optional[Sequence[str]] = None,
                 cwd: Optional[str] = None) -> None:
        if not channel_alias or not channel_alias.strip():
            raise InvalidChannel(str(channel_alias), "empty channel alias")
        alias = channel_alias.strip()
        if not is_url(alias):
            alias = path_to_url(alias, cwd) if is_path(alias) else "https://" + alias
        alias, self._alias_token, self._alias_auth, self._alias_token_pos = split_url(alias)
        self.channel_alias = alias.rstrip("/")
        customs = dict(BUILTIN_CUSTOM_CHANNELS)
        for name, loc in (custom_channels or {}).items():
            loc = loc.strip()
            if not is_url(loc):
                loc = path_to_url(loc, cwd) if is_path(loc) else "https://" + loc
            customs[name.strip("/")] = loc.rstrip("/")
        self.custom_channels: Dict[str, str] = customs
        self.default_channels: Tuple[str, ...] = tuple(
            default_channels if default_channels is not None else DEFAULT_CHANNELS)
        multis = {"defaults": list(self.default_channels)}
        for name, members in (custom_multichannels or {}).items():
            multis[name] = [members] if isinstance(members, str) else list(members)
        self.custom_multichannels: Dict[str, List[str]] = multis
        self.cwd = cwd
        self._cache: Dict[Tuple[str, Optional[Tuple[str, ...]]], List[Channel]] = {}

    # public ------------------------------------------------------------------------
    def resolve(self, text: str, platforms: Optional[Sequence[str]] = None) -> List[Channel]:
        """Every channel ``text`` stands for (several for ``defaults`` and multichannels).

        ``platforms`` is given to channels whose reference names no subdir.
        """
        key = (text, tuple(platforms) if platforms is not None else None)
        hit = self._cache.get(key)
        if hit is not None:
            return list(hit)
        result = self._resolve(text, key[1], ())
        self._cache[key] = result
        return list(result)

    def resolve_one(self, text: str, platforms: Optional[Sequence[str]] = None) -> Channel:
        """Like :meth:`resolve` for references that must name exactly one channel."""
        found = self.resolve(text, platforms)
        if len(found) != 1:
            raise InvalidChannel(text, f"names {len(found)} channels, expected one")
        return found[0]

    def canonical_name(self, url_or_name: str) -> str:
        """The display name of a channel reference (first channel of a multichannel)."""
        return self.resolve(url_or_name)[0].canonical_name

    # implementation ----------------------------------------------------------------
    def _resolve(self, text: str, platforms: Optional[Tuple[str, ...]],
                 seen: Tuple[str, ...]) -> List[Channel]:
        raw = text
        text = text.strip()
        if not text:
            raise InvalidChannel(raw, "empty channel")
        m = _PLATFORM_FILTER_RE.match(text)
        if m and not is_url(text):
            plats = tuple(p.strip() for p in m.group(2).split(",") if p.strip())
            for p in plats:
                if p not in _SUBDIRS:
                    raise InvalidChannel(raw, f"unknown platform '{p}'")
            text, platforms = m.group(1).strip(), plats or None
        if text in self.custom_multichannels:
            if text in seen:
                raise InvalidChannel(raw, "multichannel refers to itself")
            out: List[Channel] = []
            for member in self.custom_multichannels[text]:
                out.extend(self._resolve(member, platforms, seen + (text,)))
            return out
        if is_url(text):
            return [self._from_url(text, platforms, raw)]
        if is_path(text):
            return [self._from_url(path_to_url(text, self.cwd), platforms, raw)]
        return [self._from_name(text, platforms, raw)]

    def _from_name(self, name: str, platforms: Optional[Tuple[str, ...]], raw: str) -> Channel:
        name = name.strip("/")
        if any(c.isspace() for c in name) or "::" in name:
            raise InvalidChannel(raw, "channel names cannot contain spaces or '::'")
        segs = name.split("/")
        if len(segs) > 1 and segs[-1] in _SUBDIRS:
            platforms = _with_noarch(segs[-1])
            segs = segs[:-1]
            name = "/".join(segs)
        for i in range(len(segs), 0, -1):
            loc = self.custom_channels.get("/".join(segs[:i]))
            if loc is not None:
                url, token, auth, token_pos = split_url(f"{loc}/{name}")
                return Channel(name, url, token, auth, platforms, None, token_pos)
        return Channel(name, f"{self.channel_alias}/{name}", self._alias_token,
                       self._alias_auth, platforms, None, self._alias_token_pos)

    def _from_url(self, url: str, platforms: Optional[Tuple[str, ...]], raw: str) -> Channel:
        url, token, auth, token_pos = split_url(url.strip())
        if not _strip_scheme(url).strip("/"):
            raise InvalidChannel(raw, "URL has no location")
        url = url.rstrip("/")
        package = None
        head, _, last = url.rpartition("/")
        if last.endswith(PACKAGE_EXTENSIONS) and head:
            package, url = unquote(last), head
            head, _, last = url.rpartition("/")
        if last in _SUBDIRS and head and not head.endswith(":/"):
            platforms = _with_noarch(last) if package is None else (last,)
            url = head
        return Channel(self._canonical_for_url(url), url, token, auth, platforms, package,
                       token_pos if token_pos <= len(url) else -1)

    def _canonical_for_url(self, url: str) -> str:
        bare = _strip_scheme(url)
        best: Optional[str] = None
        for name, loc in self.custom_channels.items():
            prefix = f"{_strip_scheme(loc)}/{name}"
            if bare == prefix or bare.startswith(prefix + "/"):
                cand = name + bare[len(prefix):]
                if best is None or len(name) > len(best):
                    best = cand
        if best is not None:
            return best
        alias = _strip_scheme(self.channel_alias)
        if bare.startswith(alias + "/") and len(bare) > len(alias) + 1:
            return bare[len(alias) + 1:]
        return url


def _with_noarch(subdir: str) -> Tuple[str, ...]:
    return (subdir,) if subdir == "noarch" else (subdir, "noarch")
