"""Errors of the install engine (linking, unlinking, prefix data, link scripts)."""
from __future__ import annotations

from typing import Optional

from umm.errors import UmmError


class InstallError(UmmError):
    """Base class of the install engine's errors."""


class LinkError(InstallError):
    """A file could not be linked into (or removed from) the prefix."""

    def __init__(self, package: str, path: str, reason: str) -> None:
        super().__init__(f"cannot link {path} of {package}: {reason}")
        self.package = package
        self.path = path
        self.reason = reason


class SafetyCheckFailed(InstallError):
    """A linked file does not match the sha256 its package's paths.json records."""

    def __init__(self, package: str, path: str, problem: str) -> None:
        super().__init__(f"safety check failed for {path} of {package}: {problem}")
        self.package = package
        self.path = path
        self.problem = problem


class PathConflictError(InstallError):
    """A package wants a file where a directory is (or the other way round)."""

    def __init__(self, package: str, path: str, existing: str) -> None:
        super().__init__(f"{package} wants to write {path}, but it is {existing} in the prefix")
        self.package = package
        self.path = path
        self.existing = existing


class BinaryPrefixTooLong(InstallError):
    """The target prefix is longer than a binary file's placeholder (conda's PaddingError)."""

    def __init__(self, package: str, path: str, placeholder: str, prefix: str) -> None:
        super().__init__(
            f"cannot relocate binary {path} of {package}: the prefix {prefix} "
            f"({len(prefix)} bytes) is longer than its placeholder ({len(placeholder)} bytes)")
        self.package = package
        self.path = path
        self.placeholder = placeholder
        self.prefix = prefix


class LinkScriptFailed(InstallError):
    """A pre-link, post-link or pre-unlink script exited non-zero."""

    def __init__(self, package: str, action: str, returncode: int, output: str = "") -> None:
        tail = output.strip().splitlines()[-1] if output.strip() else ""
        super().__init__(f"{action} script of {package} failed with exit code {returncode}"
                         + (f": {tail}" if tail else ""))
        self.package = package
        self.action = action
        self.returncode = returncode
        self.output = output


class NoPythonForNoarch(InstallError):
    """A noarch: python package is linked into a prefix without python."""

    def __init__(self, package: str) -> None:
        super().__init__(f"{package} is a noarch: python package but the environment has no python")
        self.package = package


class InvalidPackageDir(InstallError):
    """An extracted package directory lacks or has unreadable metadata."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"invalid extracted package {path}: {reason}")
        self.path = path
        self.reason = reason


class CorruptPrefixRecord(InstallError):
    """A conda-meta/*.json file could not be read."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"cannot read {path}: {reason}")
        self.path = path
        self.reason = reason


class PrefixLocked(InstallError):
    """Another process holds the environment's lock."""

    def __init__(self, prefix: str, timeout: Optional[float]) -> None:
        super().__init__(f"the environment {prefix} is locked by another process"
                         + (f" (waited {timeout:g}s)" if timeout else ""))
        self.prefix = prefix
        self.timeout = timeout


class TransactionInterrupted(InstallError):
    """The transaction was interrupted (Ctrl-C); the prefix was rolled back."""

    exit_code = 130

    def __init__(self) -> None:
        super().__init__("interrupted: the environment was restored to its previous state")


class UnsafePackageRecord(InstallError):
    """A record whose name, version or build would make conda-meta's file name a path."""

    def __init__(self, package: str, field: str, value: str) -> None:
        super().__init__(f"refusing to install {package!r:.80}: its {field} {value!r:.80} "
                         "is not a plain name")
        self.package = package
        self.field = field
        self.value = value
