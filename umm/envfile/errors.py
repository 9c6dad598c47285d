"""Errors of spec files, lock files, exports and pip sections (one tree under
:class:`SpecFileError`, itself an :class:`umm.errors.UmmError`)."""
from __future__ import annotations

from typing import Optional, Sequence

from umm.errors import UmmError


class SpecFileError(UmmError):
    """Base class: something is wrong with a file given with ``-f`` (or written by export)."""

    def __init__(self, path: str, reason: str, line: Optional[int] = None) -> None:
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {reason}" if path else reason)
        self.path = path
        self.reason = reason
        self.line = line


class SpecFileNotFound(SpecFileError):
    def __init__(self, path: str, reason: str = "no such file") -> None:
        super().__init__(path, f"cannot read spec file ({reason})")


class EmptySpecFile(SpecFileError):
    def __init__(self, path: str) -> None:
        super().__init__(path, "got an empty file")


class InvalidSpecLine(SpecFileError):
    """A line of a plain text spec file is not a match spec."""

    def __init__(self, path: str, line: int, text: str, reason: str) -> None:
        super().__init__(path, f"invalid spec {text!r}: {reason}", line)
        self.text = text


class InvalidExplicitLine(SpecFileError):
    """A line of an ``@EXPLICIT`` file is not ``URL[#md5|#sha256]``."""

    def __init__(self, path: str, line: int, text: str, reason: str) -> None:
        super().__init__(path, f"invalid explicit package {text!r}: {reason}", line)
        self.text = text


class InvalidEnvironmentFile(SpecFileError):
    """An environment YAML file that cannot be used."""


class MultipleYamlFiles(SpecFileError):
    def __init__(self, paths: Sequence[str]) -> None:
        super().__init__("", "Can only handle 1 yaml file! (got " + ", ".join(paths) + ")")
        self.paths = list(paths)


class MultipleLockFiles(SpecFileError):
    def __init__(self, paths: Sequence[str]) -> None:
        super().__init__("", "Can only handle 1 lock file! (got " + ", ".join(paths) + ")")
        self.paths = list(paths)


class InvalidLockFile(SpecFileError):
    """A lock file in a supported format whose content is wrong or incomplete."""


class UnsupportedLockFile(SpecFileError):
    """A lock file in a format or version umm does not install from."""


class LockPlatformMissing(SpecFileError):
    def __init__(self, path: str, platform: str, available: Sequence[str]) -> None:
        have = ", ".join(available) if available else "none"
        super().__init__(path, f"the lock file has no packages for platform {platform} "
                               f"(it has: {have}); choose one with --platform")
        self.platform = platform
        self.available = list(available)


class ConflictingPackages(SpecFileError):
    """Explicit sources name one package with two different URLs."""

    def __init__(self, path: str, name: str, first: str, second: str) -> None:
        super().__init__(path, f"package {name} is given twice with different files: "
                               f"{first} and {second}")
        self.name = name


class ExplicitWithSpecs(SpecFileError):
    """Explicit/lock files install exactly what they list: no extra specs to solve."""

    def __init__(self, what: str, specs: Sequence[str]) -> None:
        super().__init__("", f"{what} cannot be combined with package specs to solve "
                             f"({', '.join(specs)}); give them in separate commands")
        self.specs = list(specs)


class PipNotInEnvironment(SpecFileError):
    def __init__(self, prefix: str, detail: str = "") -> None:
        more = f" ({detail})" if detail else ""
        super().__init__("", f"pip is not installed in {prefix}, but the spec file has pip "
                             f"packages: add 'pip' to the conda dependencies{more}")
        self.prefix = prefix


class PipFailed(SpecFileError):
    def __init__(self, command: Sequence[str], returncode: int, output: str) -> None:
        lines = [ln.strip() for ln in output.strip().splitlines() if ln.strip()]
        errors = [ln[len("ERROR:"):].strip() for ln in lines if ln.startswith("ERROR:")]
        why = errors[0] if errors else " | ".join(lines[-3:])
        super().__init__("", f"pip failed with exit code {returncode}: {why}"
                         if why else f"pip failed with exit code {returncode}")
        self.command = list(command)
        self.returncode = returncode
        self.output = output


class InvalidEnvVar(SpecFileError):
    def __init__(self, text: str, reason: str) -> None:
        super().__init__("", f"invalid environment variable {text!r}: {reason}")
        self.text = text


class ExportError(SpecFileError):
    """An environment that cannot be exported the way asked."""

    def __init__(self, reason: str) -> None:
        super().__init__("", reason)
