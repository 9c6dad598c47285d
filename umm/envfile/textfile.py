"""Plain text spec files: one match spec a line, or an ``@EXPLICIT`` package list.

    # comments and blank lines are ignored        # platform: linux-64
    numpy >=1.20                                   @EXPLICIT
    conda-forge::python=3.11  # trailing comment   https://…/zlib-1.2.13-h0_0.conda#<md5>

Like micromamba, a line starting with ``@EXPLICIT`` anywhere switches the file to
explicit mode: every later non-comment line is a package URL; a ``# platform: X``
comment before it names the platform the file was written for.
"""
from __future__ import annotations

import re
from typing import Any, Optional, Sequence

from umm.envfile.errors import EmptySpecFile, InvalidExplicitLine, InvalidSpecLine
from umm.envfile.explicit import ExplicitPackage, ExplicitPackageError

_TRAILING_COMMENT = re.compile(r"\s+#.*$")
EXPLICIT_HEADER = ("# This file may be used to create an environment using:\n"
                   "# $ conda create --name <env> --file <this file>\n")


class SpecTextFile:
    """A parsed text spec file; ``explicit`` is None for a list of match specs."""

    __slots__ = ("specs", "explicit", "platform", "path")

    def __init__(self, specs: Sequence[str] = (), explicit: Optional[Sequence[ExplicitPackage]] = None,
                 platform: Optional[str] = None, path: str = "") -> None:
        object.__setattr__(self, "specs", tuple(specs))
        object.__setattr__(self, "explicit", tuple(explicit) if explicit is not None else None)
        object.__setattr__(self, "platform", platform)
        object.__setattr__(self, "path", path)

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError("SpecTextFile is immutable")

    @property
    def is_explicit(self) -> bool:
        return self.explicit is not None

    @classmethod
    def parse(cls, text: str, path: str = "") -> "SpecTextFile":
        lines = text.splitlines()
        if not text.strip():
            raise EmptySpecFile(path)
        for i, line in enumerate(lines):
            if line.startswith("@EXPLICIT"):
                return cls._explicit(lines, i, path)
        from umm.specs import MatchSpec
        from umm.specs.errors import SpecError

        specs = []
        for n, raw in enumerate(lines, 1):
            line = raw.strip()
            if not line or line.startswith(("#", "@")):
                continue
            line = _TRAILING_COMMENT.sub("", line)
            try:
                MatchSpec.parse(line)
            except SpecError as exc:
                raise InvalidSpecLine(path, n, line, str(exc)) from None
            specs.append(line)
        return cls(specs, None, None, path)

    @classmethod
    def _explicit(cls, lines: Sequence[str], at: int, path: str) -> "SpecTextFile":
        platform = None
        for line in lines[:at]:
            if line.startswith("# platform: "):
                platform = line[len("# platform: "):].strip() or None
                break
        pkgs = []
        for n in range(at + 1, len(lines)):
            line = lines[n].strip()
            if not line or line.startswith("#"):
                continue
            try:
                pkgs.append(ExplicitPackage.parse(line))
            except ExplicitPackageError as exc:
                raise InvalidExplicitLine(path, n + 1, line, str(exc)) from None
        return cls((), pkgs, platform, path)

    def render(self, checksum: str = "auto") -> str:
        """The file's text (``checksum`` as for :meth:`ExplicitPackage.line`)."""
        if self.explicit is None:
            return "".join(s + "\n" for s in self.specs)
        head = EXPLICIT_HEADER
        if self.platform:
            head += f"# platform: {self.platform}\n"
        return head + "@EXPLICIT\n" + "".join(p.line(checksum) + "\n" for p in self.explicit)

    def __str__(self) -> str:
        return self.render()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SpecTextFile) and \
            (self.specs, self.explicit, self.platform) == (other.specs, other.explicit, other.platform)

    def __hash__(self) -> int:
        return hash((self.specs, self.explicit, self.platform))

    def __repr__(self) -> str:
        kind = f"explicit={len(self.explicit)}" if self.explicit is not None else f"specs={len(self.specs)}"
        return f"SpecTextFile({self.path!r}, {kind})"


def explicit_text(packages: Sequence[ExplicitPackage], platform: Optional[str],
                  checksum: str = "auto") -> str:
    """An ``@EXPLICIT`` file for ``packages``."""
    return SpecTextFile((), packages, platform).render(checksum)

