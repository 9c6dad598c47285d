"""Errors of the package area: archives, downloads, the package cache, locks.

Every error is a :class:`umm.errors.UmmError` carrying the data it was built
from (paths, member names, URLs with credentials masked, checksums).
"""
from __future__ import annotations

from typing import Optional

from umm.errors import UmmError


class PackageError(UmmError):
    """Base class of the errors of ``umm.package``."""


class InvalidArchive(PackageError):
    """An archive that cannot be read: unknown format, corrupt or truncated data."""

    def __init__(self, path: str, reason: str, member: Optional[str] = None) -> None:
        where = f" (member '{member}')" if member else ""
        super().__init__(f"invalid package archive {path}{where}: {reason}")
        self.path = str(path)
        self.reason = reason
        self.member = member


class UnsafeArchive(InvalidArchive):
    """An archive with a member that would write outside the target, or worse.

    Raised before anything is written for that member. ``member`` names it.
    """

    def __init__(self, path: str, member: str, reason: str) -> None:
        PackageError.__init__(self, f"unsafe package archive {path}: member '{member}' {reason}")
        self.path = str(path)
        self.member = member
        self.reason = reason


class ExtractError(PackageError):
    """The file system refused a write while extracting (disk full, permissions, ...)."""

    def __init__(self, path: str, member: str, error: OSError) -> None:
        detail = error.strerror or str(error)
        super().__init__(f"cannot extract '{member}' of {path}: {detail}")
        self.path = str(path)
        self.member = member
        self.error = error


class CompressError(PackageError):
    """A folder or archive that cannot be packed (missing folder, special files, ...)."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"cannot create package from {path}: {reason}")
        self.path = str(path)
        self.reason = reason


class DownloadError(PackageError):
    """A download failed for good (after retries). ``url`` has credentials masked."""

    def __init__(self, url: str, reason: str, status: Optional[int] = None) -> None:
        super().__init__(f"download of {url} failed: {reason}")
        self.url = url
        self.reason = reason
        self.status = status


class ChecksumMismatch(PackageError):
    """Downloaded or cached bytes do not match the record (``kind``: sha256, md5 or size)."""

    def __init__(self, what: str, kind: str, expected: str, actual: str) -> None:
        super().__init__(f"{kind} mismatch for {what}: expected {expected}, got {actual}")
        self.what = what
        self.kind = kind
        self.expected = expected
        self.actual = actual


class LockTimeout(PackageError):
    """A lock file stayed held by another process for longer than ``lock_timeout``."""

    def __init__(self, path: str, timeout: float, holder: str = "") -> None:
        who = f" (held by {holder})" if holder else ""
        super().__init__(f"could not lock {path} within {timeout:g} seconds{who}")
        self.path = str(path)
        self.timeout = timeout
        self.holder = holder


class CacheError(PackageError):
    """The package cache cannot be used (no writable pkgs dir, bad record, ...)."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"package cache {path}: {reason}" if path else f"package cache: {reason}")
        self.path = str(path)
        self.reason = reason
