"""Explicit packages: ``URL[#md5|#sha256]`` lines of ``@EXPLICIT`` files, and the
conda packages of lock files, turned into records that install without a solve.

A fragment of 32 hex digits is an md5, of 64 a sha256; ``#md5:HEX``/``#sha256:HEX``
(and ``=`` instead of ``:``) name the algorithm. Local paths are accepted as
``file://`` URLs. ``name``, ``version`` and ``build`` come from the file name
(``name-version-build.conda``); everything else comes from the package's
``info/index.json`` once it is in the cache.
"""
from __future__ import annotations

import re
from typing import Any, Dict, Optional
from urllib.parse import unquote

from umm.specs.channel import is_url, path_to_url, split_url
from umm.specs.platform import KNOWN_SUBDIRS

PACKAGE_EXTENSIONS = (".conda", ".tar.bz2")
_HEX = re.compile(r"^[0-9a-fA-F]+$")
_SUBDIRS = frozenset(KNOWN_SUBDIRS)


class ExplicitPackageError(ValueError):
    """Why a text is not an explicit package (the caller adds file and line)."""


def split_filename(fn: str) -> "tuple[str, str, str]":
    """``(name, version, build)`` of ``name-version-build.conda``."""
    stem = next((fn[: -len(ext)] for ext in PACKAGE_EXTENSIONS if fn.endswith(ext)), None)
    if stem is None:
        raise ExplicitPackageError(f"{fn!r} is not a .conda or .tar.bz2 file name")
    parts = stem.rsplit("-", 2)
    if len(parts) != 3 or not all(parts):
        raise ExplicitPackageError(f"{fn!r} is not named name-version-build")
    return parts[0], parts[1], parts[2]


def _hash(fragment: str) -> "tuple[Optional[str], Optional[str]]":
    algo = None
    value = fragment
    for sep in (":", "="):
        head, s, tail = fragment.partition(sep)
        if s and head.lower() in ("md5", "sha256"):
            algo, value = head.lower(), tail
            break
    value = value.strip()
    if not _HEX.match(value):
        raise ExplicitPackageError(f"checksum {fragment!r} is not hexadecimal")
    want = {"md5": 32, "sha256": 64}
    if algo is None:
        algo = {32: "md5", 64: "sha256"}.get(len(value))
        if algo is None:
            raise ExplicitPackageError(f"checksum {fragment!r} is neither an md5 (32 hex "
                                       "digits) nor a sha256 (64)")
    elif len(value) != want[algo]:
        raise ExplicitPackageError(f"{algo} checksum {value!r} must have {want[algo]} hex digits")
    value = value.lower()
    return (value, None) if algo == "md5" else (None, value)


class ExplicitPackage:
    """One package to install as is: its URL and the checksums to verify."""

    __slots__ = ("url", "md5", "sha256", "size", "name", "version", "build", "fn", "subdir",
                 "channel_url")

    def __init__(self, url: str, md5: Optional[str] = None, sha256: Optional[str] = None,
                 size: Optional[int] = None) -> None:
        set_ = object.__setattr__
        url = url.strip()
        if not is_url(url):
            if not url:
                raise ExplicitPackageError("empty URL")
            url = path_to_url(url)
        base = url.split("?", 1)[0].rstrip("/")
        head, _, fn = base.rpartition("/")
        fn = unquote(fn)
        name, version, build = split_filename(fn)
        chan_url, _, last = head.rpartition("/")
        subdir = last if last in _SUBDIRS else None
        for key, value in (("url", url), ("md5", md5.lower() if md5 else None),
                           ("sha256", sha256.lower() if sha256 else None),
                           ("size", int(size) if size else None), ("name", name),
                           ("version", version), ("build", build), ("fn", fn),
                           ("subdir", subdir), ("channel_url", chan_url if subdir else head)):
            set_(self, key, value)

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError("ExplicitPackage is immutable")

    @classmethod
    def parse(cls, text: str) -> "ExplicitPackage":
        """``URL``, ``URL#<md5>``, ``URL#<sha256>``, ``URL#sha256:<hex>`` or a local path."""
        text = text.strip()
        url, sep, fragment = text.partition("#")
        md5 = sha256 = None
        if sep:
            md5, sha256 = _hash(fragment)
        return cls(url, md5, sha256)

    def line(self, checksum: str = "auto") -> str:
        """The explicit-file line: ``checksum`` is ``md5``, ``sha256``, ``none`` or ``auto``
        (md5 when known, else sha256: what conda and micromamba write)."""
        if checksum == "auto":
            checksum = "md5" if self.md5 else "sha256"
        if checksum == "md5" and self.md5:
            return f"{self.url}#{self.md5}"
        if checksum == "sha256" and self.sha256:
            return f"{self.url}#sha256:{self.sha256}"
        return self.url

    def __str__(self) -> str:
        return self.line()

    def __repr__(self) -> str:
        return f"ExplicitPackage({self.line()!r})"

    def _ident(self) -> tuple:
        return (self.url, self.md5, self.sha256, self.size)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ExplicitPackage) and self._ident() == other._ident()

    def __hash__(self) -> int:
        return hash(self._ident())

    @property
    def dist_name(self) -> str:
        return f"{self.name}-{self.version}-{self.build}"

    @property
    def platform_url(self) -> str:
        """The directory of the package (``<channel>/<subdir>``), without credentials."""
        head = self.url.split("?", 1)[0].rstrip("/").rpartition("/")[0]
        return split_url(head)[0]

    def record(self) -> Any:
        """A :class:`umm.specs.RepoDataRecord` with only what the URL and the checksums
        say (``channel`` is the package's directory URL without credentials, as the
        repodata layer writes it). The package cache completes it from ``info/index.json``."""
        from umm.specs import RepoDataRecord

        d: Dict[str, Any] = {"name": self.name, "version": self.version, "build": self.build,
                             "fn": self.fn, "url": self.url, "channel": self.platform_url}
        if self.subdir:
            d["subdir"] = self.subdir
        if self.md5:
            d["md5"] = self.md5
        if self.sha256:
            d["sha256"] = self.sha256
        if self.size:
            d["size"] = self.size
        return RepoDataRecord.from_json(d)


def from_record(record: Any) -> ExplicitPackage:
    """The explicit package of an installed (or repodata) record."""
    url = record.url or ""
    if not url:
        ch = (record.channel or "").rstrip("/")
        url = f"{ch}/{record.subdir}/{record.fn}" if ch and record.subdir else record.fn
    return ExplicitPackage(url, record.md5 or None, record.sha256 or None, record.size or None)
