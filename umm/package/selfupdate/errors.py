"""Errors of ``umm self-update``.

Each carries the data it was built from; the messages are one line and say
what was left unchanged, because the point of every check is that a failed
update never touches the running binary.
"""
from __future__ import annotations

from typing import Optional

from umm.errors import UmmError


class SelfUpdateError(UmmError):
    """Base class of the self-update errors."""


class NotFrozen(SelfUpdateError):
    """umm runs from Python (``python -m umm``, a pip console script): there is no
    single binary to replace, and a Python file is never overwritten."""

    def __init__(self, python: str, argv0: str) -> None:
        import shlex

        self.python = python
        self.argv0 = argv0
        super().__init__(
            "umm is running from Python, not as the standalone binary, so self-update has "
            f"nothing to replace: update it with `{shlex.quote(python)} -m pip install --upgrade umm` "
            "(or `git pull` in a source checkout)")


class UnsafeTarget(SelfUpdateError):
    """The file that would be replaced is not something self-update may overwrite."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"refusing to self-update {path}: {reason}")


class InvalidVersionText(SelfUpdateError):
    """A version (from ``--version`` or ``LATEST``) that cannot name a release file."""

    exit_code = 2

    def __init__(self, text: str, where: str, reason: str) -> None:
        self.text = text
        self.where = where
        self.reason = reason
        super().__init__(f"invalid umm version {text!r} in {where}: {reason}")


class ReleaseNotFound(SelfUpdateError):
    """The server has no such release file (HTTP 404 or a missing ``file://`` path)."""

    def __init__(self, url: str, what: str, status: Optional[int] = None) -> None:
        self.url = url
        self.what = what
        self.status = status
        code = f" (HTTP {status})" if status else ""
        super().__init__(f"{what} not found at {url}{code}; nothing was changed")


class InvalidRelease(SelfUpdateError):
    """A release file is there but is not what a umm release holds."""

    def __init__(self, what: str, reason: str) -> None:
        self.what = what
        self.reason = reason
        super().__init__(f"invalid umm release: {what} {reason}; nothing was changed")


class ReleaseChecksumMismatch(SelfUpdateError):
    """The archive does not hash to what its ``.sha256`` file says."""

    def __init__(self, archive: str, expected: str, actual: str) -> None:
        self.archive = archive
        self.expected = expected
        self.actual = actual
        super().__init__(f"checksum mismatch for {archive}: expected sha256 {expected}, "
                         f"got {actual}; nothing was changed")


class BrokenBinary(SelfUpdateError):
    """The downloaded binary does not run, or does not say the version it should."""

    def __init__(self, version: str, target: str, reason: str) -> None:
        self.version = version
        self.target = target
        self.reason = reason
        super().__init__(f"the downloaded umm {version} does not work on this machine "
                         f"({reason}); {target} was not changed")


class ReplaceFailed(SelfUpdateError):
    """The new binary could not be put in place of the running one."""

    def __init__(self, target: str, reason: str) -> None:
        self.target = target
        self.reason = reason
        super().__init__(f"cannot replace {target}: {reason}; it was not changed")


class OfflineUpdate(SelfUpdateError):
    """``--offline`` with a release server that is not a local directory."""

    exit_code = 2

    def __init__(self, url: str) -> None:
        self.url = url
        super().__init__(f"self-update needs the network to reach {url}, but offline mode "
                         "is on (pass --base-url with a local release directory)")
