"""The release directory and the update plan.

A release directory (what ``build/build.sh`` writes to ``dist/`` and
``scripts/install.sh`` reads) holds::

    LATEST                                   the newest version, one line
    umm-<version>-<platform>.tar.bz2         bin/umm (+ info/ metadata)
    umm-<version>-<platform>.tar.bz2.sha256  "<sha256>  <file name>"

:func:`plan_update` reads ``LATEST`` (unless a version is pinned) and compares
it with the running version using conda's version ordering; the resulting
:class:`UpdatePlan` says whether there is anything to do and where from.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Optional

from umm.package.selfupdate.errors import (InvalidRelease, InvalidVersionText, OfflineUpdate,
                                           ReleaseNotFound)

# the characters install.sh accepts in a version (it becomes part of a file name)
_VERSION_CHARS = re.compile(r"^[A-Za-z0-9._+-]+$")
_SHA256 = re.compile(r"^[0-9A-Fa-f]{64}$")


def check_version(text: str, where: str) -> Any:
    """``text`` as a :class:`umm.specs.Version`, if it can name a release file."""
    from umm.specs import Version
    from umm.specs.errors import InvalidVersion

    if not text:
        raise InvalidVersionText(text, where, "empty")
    if not _VERSION_CHARS.match(text):
        raise InvalidVersionText(text, where, "only letters, digits and . _ + - are allowed")
    try:
        return Version.parse(text)
    except InvalidVersion as exc:
        raise InvalidVersionText(text, where, getattr(exc, "reason", None) or str(exc)) from None


def normalize_base_url(base: str) -> str:
    """A release location as a URL without a trailing slash; a local directory path
    becomes a ``file://`` URL."""
    text = base.strip()
    if "://" not in text:
        text = Path(text).expanduser().resolve().as_uri()
    return text.rstrip("/")


class ReleaseSource:
    """Where releases for one platform are (immutable)."""

    __slots__ = ("base_url", "platform")
    base_url: str
    platform: str

    def __init__(self, base_url: str, platform: str) -> None:
        object.__setattr__(self, "base_url", normalize_base_url(base_url))
        object.__setattr__(self, "platform", str(platform))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("ReleaseSource is immutable")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ReleaseSource) and \
            (self.base_url, self.platform) == (other.base_url, other.platform)

    def __hash__(self) -> int:
        return hash((self.base_url, self.platform))

    def __repr__(self) -> str:
        from umm.net.masking import mask_url

        return f"ReleaseSource({mask_url(self.base_url)!r}, {self.platform!r})"

    @property
    def is_local(self) -> bool:
        return self.base_url.startswith("file:")

    @property
    def latest_url(self) -> str:
        return f"{self.base_url}/LATEST"

    def archive_name(self, version: str) -> str:
        return f"umm-{version}-{self.platform}.tar.bz2"

    def archive_url(self, version: str) -> str:
        return f"{self.base_url}/{self.archive_name(version)}"

    def checksum_url(self, version: str) -> str:
        return self.archive_url(version) + ".sha256"

    @property
    def member(self) -> str:
        """The binary inside the archive (what ``build/release.py`` puts there)."""
        return "Library/bin/umm.exe" if self.platform.startswith("win-") else "bin/umm"


class ChecksumLine:
    """One line of a ``sha256sum`` file: ``<sha256>  <name>`` (immutable).

    ``ChecksumLine.parse(text)`` reads the first line; the name may be missing,
    or marked binary (``*name``); ``str()`` gives the ``sha256sum`` form back.
    """

    __slots__ = ("sha256", "name", "binary")
    sha256: str
    name: Optional[str]
    binary: bool

    def __init__(self, sha256: str, name: Optional[str] = None, binary: bool = False) -> None:
        if not _SHA256.match(sha256):
            raise ValueError(f"not a sha256 digest: {sha256!r}")
        object.__setattr__(self, "sha256", sha256.lower())
        object.__setattr__(self, "name", name or None)
        object.__setattr__(self, "binary", bool(binary and name))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("ChecksumLine is immutable")

    @classmethod
    def parse(cls, text: str) -> "ChecksumLine":
        line = text.lstrip("\ufeff").strip().split("\n", 1)[0].strip()
        digest, _, rest = line.partition(" ")
        if not _SHA256.match(digest):
            raise ValueError("does not start with a sha256 digest")
        rest = rest.strip()
        binary = rest.startswith("*")
        name = rest[1:] if binary else rest
        if name.startswith("./"):
            name = name[2:]
        return cls(digest, name or None, binary)

    def __str__(self) -> str:
        if self.name is None:
            return self.sha256
        return f"{self.sha256} {'*' if self.binary else ' '}{self.name}"

    def __repr__(self) -> str:
        return f"ChecksumLine({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ChecksumLine) and \
            (self.sha256, self.name, self.binary) == (other.sha256, other.name, other.binary)

    def __hash__(self) -> int:
        return hash((self.sha256, self.name, self.binary))


class UpdatePlan:
    """What ``self-update`` would do (immutable).

    ``current`` is the running version, ``target`` the release chosen (``LATEST``
    or the pinned ``--version``), ``executable`` the file to replace.
    """

    __slots__ = ("current", "target", "pinned", "executable", "source")
    current: str
    target: str
    pinned: bool
    executable: str
    source: ReleaseSource

    def __init__(self, current: str, target: str, pinned: bool, executable: str,
                 source: ReleaseSource) -> None:
        s = object.__setattr__
        s(self, "current", current)
        s(self, "target", target)
        s(self, "pinned", bool(pinned))
        s(self, "executable", executable)
        s(self, "source", source)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("UpdatePlan is immutable")

    def __repr__(self) -> str:
        return (f"UpdatePlan({self.current!r} -> {self.target!r}, pinned={self.pinned}, "
                f"{self.executable!r}, {self.source!r})")

    def _versions(self) -> Any:
        from umm.specs import Version

        return Version.parse(self.current), Version.parse(self.target)

    @property
    def same_version(self) -> bool:
        current, target = self._versions()
        return current == target

    @property
    def newer_than_release(self) -> bool:
        """The running umm is newer than the latest release (a development build)."""
        current, target = self._versions()
        return not self.pinned and current > target

    @property
    def up_to_date(self) -> bool:
        """Nothing to do: the target is the running version, or (not pinned) older."""
        return self.same_version or self.newer_than_release

    @property
    def downgrade(self) -> bool:
        current, target = self._versions()
        return target < current

    @property
    def archive_name(self) -> str:
        return self.source.archive_name(self.target)

    @property
    def archive_url(self) -> str:
        return self.source.archive_url(self.target)

    @property
    def checksum_url(self) -> str:
        return self.source.checksum_url(self.target)


def _mask(url: str) -> str:
    from umm.net.masking import mask_url

    return mask_url(url)


def fetch_text(client: Any, url: str, what: str, limit: int = 1 << 16) -> str:
    """A small text file of the release directory (``LATEST``, a ``.sha256``)."""
    from umm.net.errors import HttpError

    try:
        resp = client.request("GET", url, preload_content=True)
    except HttpError as exc:
        if exc.status in (404, 410):
            raise ReleaseNotFound(_mask(url), what, exc.status) from None
        raise
    if resp.status == 404:  # file:// answers a missing path with 404 too
        raise ReleaseNotFound(_mask(url), what, None)
    data = resp.content
    if len(data) > limit:
        raise InvalidRelease(what, f"is {len(data)} bytes, more than a {what} file holds")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidRelease(what, "is not text") from None


def fetch_latest(client: Any, source: ReleaseSource) -> str:
    """The version named in ``<base>/LATEST`` (checked like ``install.sh`` does)."""
    text = fetch_text(client, source.latest_url, "LATEST")
    version = text.lstrip("\ufeff").strip()
    if not version:
        raise InvalidRelease(f"{_mask(source.latest_url)}", "is empty")
    check_version(version, _mask(source.latest_url))
    return version


def fetch_checksum(client: Any, plan: UpdatePlan) -> ChecksumLine:
    """The archive's expected sha256, from ``<archive>.sha256``."""
    text = fetch_text(client, plan.checksum_url, plan.archive_name + ".sha256")
    try:
        line = ChecksumLine.parse(text)
    except ValueError as exc:
        raise InvalidRelease(plan.archive_name + ".sha256", str(exc)) from None
    if line.name is not None and line.name.rsplit("/", 1)[-1] != plan.archive_name:
        raise InvalidRelease(plan.archive_name + ".sha256",
                             f"is the checksum of {line.name!r}, not of {plan.archive_name!r}")
    return line


def plan_update(client: Any, source: ReleaseSource, current: str, executable: str,
                version: Optional[str] = None, offline: bool = False) -> UpdatePlan:
    """Decide what to install: ``version`` when given, else the one in ``LATEST``."""
    check_version(current, "the running umm")
    if offline and not source.is_local:
        raise OfflineUpdate(_mask(source.base_url))
    if version is not None:
        check_version(version, "--version")
        return UpdatePlan(current, version, True, executable, source)
    return UpdatePlan(current, fetch_latest(client, source), False, executable, source)
