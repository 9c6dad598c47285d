"""The root of umm's error tree.

Every error umm raises on purpose derives from :class:`UmmError`. Errors carry
data (the offending text, a path, a URL ...) as attributes; only ``umm.cli`` turns
them into a message and an exit code. Each area defines its own subclasses next
to its code (``umm.specs.errors``, ``umm.config.errors``, ...).
"""
from __future__ import annotations


class UmmError(Exception):
    """Base class of every error umm raises deliberately.

    ``exit_code`` is what the CLI exits with when this error reaches it.
    Subclasses should pass a complete one-line message to ``super().__init__``
    and keep the data it was built from as attributes.
    """

    exit_code: int = 1

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message or self.__class__.__name__


class NotImplementedYet(UmmError):
    """A subcommand or option that is not implemented yet."""

    exit_code = 2

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} is not implemented yet")
        self.what = what


class Cancelled(UmmError):
    """The user declined a confirmation or interrupted the operation."""

    exit_code = 1


class UsageError(UmmError):
    """Bad command-line usage that argparse alone cannot detect."""

    exit_code = 2
