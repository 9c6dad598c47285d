"""Credentials per host, in micromamba's ``~/.mamba/auth/authentication.json``.

The file maps a host (optionally with a path, never with a scheme) to one of::

    {"type": "CondaToken", "token": "..."}
    {"type": "BasicHTTPAuthentication", "user": "...", "password": "<base64>"}
    {"type": "BearerToken", "token": "..."}

Lookups weaken the key like libmamba: ``host/a/b`` then ``host/a`` then
``host`` (with and without port); a key ``*.example.com`` matches subdomains.
"""
from __future__ import annotations

import base64
import binascii
import json
import os
from pathlib import Path
from typing import Dict, Iterator, Mapping, Optional, Tuple, Union
from urllib.parse import urlsplit

from umm.net.errors import AuthFileError
from umm.reporter import NULL, Reporter


class _Frozen:
    __slots__ = ()

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def _key(self) -> tuple:
        return tuple(getattr(self, k) for k in self.__slots__)

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self._key() == other._key()  # type: ignore

    def __hash__(self) -> int:
        return hash((type(self).__name__,) + self._key())


class CondaToken(_Frozen):
    """A token placed in the URL path: ``https://host/t/<token>/channel``."""

    __slots__ = ("token",)
    kind = "CondaToken"

    def __init__(self, token: str) -> None:
        object.__setattr__(self, "token", token)

    def to_json(self) -> dict:
        return {"type": self.kind, "token": self.token}

    def __repr__(self) -> str:
        return "CondaToken(*****)"


class BasicAuth(_Frozen):
    """HTTP basic authentication (``Authorization: Basic ...``)."""

    __slots__ = ("user", "password")
    kind = "BasicHTTPAuthentication"

    def __init__(self, user: str, password: str) -> None:
        object.__setattr__(self, "user", user)
        object.__setattr__(self, "password", password)

    def header(self) -> str:
        raw = f"{self.user}:{self.password}".encode("utf-8")
        return "Basic " + base64.b64encode(raw).decode("ascii")

    def to_json(self) -> dict:
        return {"type": self.kind, "user": self.user,
                "password": base64.b64encode(self.password.encode("utf-8")).decode("ascii")}

    def __repr__(self) -> str:
        return f"BasicAuth(user={self.user!r}, password=*****)"


class BearerToken(_Frozen):
    """A bearer token (``Authorization: Bearer ...``)."""

    __slots__ = ("token",)
    kind = "BearerToken"

    def __init__(self, token: str) -> None:
        object.__setattr__(self, "token", token)

    def header(self) -> str:
        return "Bearer " + self.token

    def to_json(self) -> dict:
        return {"type": self.kind, "token": self.token}

    def __repr__(self) -> str:
        return "BearerToken(*****)"


AuthInfo = Union[CondaToken, BasicAuth, BearerToken]


def default_auth_path() -> Path:
    return Path(os.path.expanduser("~")) / ".mamba" / "auth" / "authentication.json"


def normalize_key(host: str) -> str:
    """An auth key as stored: no scheme, no credentials, no trailing slash."""
    text = host.strip()
    if "://" in text:
        parts = urlsplit(text)
        netloc = parts.netloc.rsplit("@", 1)[-1]
        text = netloc + parts.path
    text = text.rstrip("/")
    host, sep, path = text.partition("/")
    return host.lower() + sep + path


def parse_entry(key: str, value: object) -> AuthInfo:
    if not isinstance(value, dict):
        raise ValueError(f"entry for {key!r} is not an object")
    kind = value.get("type")
    if kind == "CondaToken":
        tok = value.get("token")
        if not isinstance(tok, str) or not tok:
            raise ValueError(f"CondaToken for {key!r} has no token")
        return CondaToken(tok)
    if kind == "BearerToken":
        tok = value.get("token")
        if not isinstance(tok, str) or not tok:
            raise ValueError(f"BearerToken for {key!r} has no token")
        return BearerToken(tok)
    if kind == "BasicHTTPAuthentication":
        user = value.get("user", "")
        pw = value.get("password", "")
        if not isinstance(user, str) or not isinstance(pw, str):
            raise ValueError(f"BasicHTTPAuthentication for {key!r} has bad fields")
        try:
            password = base64.b64decode(pw.encode("ascii"), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeError, ValueError):
            raise ValueError(f"password for {key!r} is not valid base64") from None
        return BasicAuth(user, password)
    raise ValueError(f"unknown authentication type {kind!r} for {key!r}")


class AuthStore:
    """An immutable mapping host key -> credentials, with URL lookup."""

    __slots__ = ("_entries",)

    def __init__(self, entries: Optional[Mapping[str, AuthInfo]] = None) -> None:
        object.__setattr__(self, "_entries",
                           {normalize_key(k): v for k, v in (entries or {}).items()})

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("AuthStore is immutable")

    # -- construction ------------------------------------------------------
    @classmethod
    def load(cls, path: Optional[Union[str, Path]] = None, reporter: Reporter = NULL,
             strict: bool = False) -> "AuthStore":
        """Read an authentication file; a missing file is an empty store.

        Bad entries are skipped with a warning (``strict``: raise
        :class:`AuthFileError` instead); an unreadable file likewise.
        """
        p = Path(path) if path is not None else default_auth_path()
        try:
            text = p.read_text(encoding="utf-8")
        except FileNotFoundError:
            return cls()
        except OSError as exc:
            if strict:
                raise AuthFileError(str(p), exc.strerror or str(exc)) from None
            reporter.warning(f"cannot read authentication file {p}: {exc.strerror or exc}")
            return cls()
        try:
            doc = json.loads(text) if text.strip() else {}
            if not isinstance(doc, dict):
                raise ValueError("top level is not an object")
        except ValueError as exc:
            if strict:
                raise AuthFileError(str(p), str(exc)) from None
            reporter.warning(f"ignoring authentication file {p}: {exc}")
            return cls()
        entries: Dict[str, AuthInfo] = {}
        for key, value in doc.items():
            try:
                entries[key] = parse_entry(key, value)
            except ValueError as exc:
                if strict:
                    raise AuthFileError(str(p), str(exc)) from None
                reporter.warning(f"ignoring an entry of {p}: {exc}")
        return cls(entries)

    def with_entry(self, host: str, info: AuthInfo) -> "AuthStore":
        new = dict(self._entries)
        new[normalize_key(host)] = info
        return AuthStore(new)

    def without(self, host: str) -> "AuthStore":
        new = dict(self._entries)
        new.pop(normalize_key(host), None)
        return AuthStore(new)

    def to_json(self) -> dict:
        return {k: v.to_json() for k, v in sorted(self._entries.items())}

    def save(self, path: Optional[Union[str, Path]] = None) -> Path:
        """Write atomically with mode 0600 (the directory is created 0700)."""
        p = Path(path) if path is not None else default_auth_path()
        p.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = p.with_name(f".{p.name}.{os.getpid()}.tmp")
        fd = os.open(str(tmp), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(self.to_json(), f, indent=4)
            os.chmod(str(tmp), 0o600)
            os.replace(str(tmp), str(p))
        except BaseException:
            try:
                os.unlink(str(tmp))
            except OSError:
                pass
            raise
        return p

    # -- queries -----------------------------------------------------------
    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._entries))

    def __contains__(self, host: object) -> bool:
        return isinstance(host, str) and normalize_key(host) in self._entries

    def get(self, host: str) -> Optional[AuthInfo]:
        return self._entries.get(normalize_key(host))

    def items(self) -> Iterator[Tuple[str, AuthInfo]]:
        return iter(sorted(self._entries.items()))

    def find(self, url: str) -> Optional[AuthInfo]:
        """The credentials for ``url``: longest matching host/path key first."""
        if not self._entries:
            return None
        from umm.net.masking import strip_token

        parts = urlsplit(strip_token(url))
        host = (parts.hostname or "").lower()
        if not host:
            return None
        hostport = host if parts.port is None else f"{host}:{parts.port}"
        segments = [s for s in parts.path.split("/") if s]
        for base in dict.fromkeys((hostport, host)):
            for n in range(len(segments), -1, -1):
                key = "/".join([base] + segments[:n])
                info = self._entries.get(key)
                if info is not None:
                    return info
        labels = host.split(".")
        for i in range(1, len(labels)):
            info = self._entries.get("*." + ".".join(labels[i:]))
            if info is not None:
                return info
        return None

    def __repr__(self) -> str:
        return f"AuthStore({', '.join(f'{k}: {v!r}' for k, v in self.items())})"
