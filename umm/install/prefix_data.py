"""An environment's ``conda-meta``: installed records, pinned specs, the env marker."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

from umm.specs.records import PrefixRecord
from umm.install.errors import CorruptPrefixRecord

CONDA_META = "conda-meta"


def record_filename(name: str, version: str, build: str) -> str:
    """``conda-meta``'s file name for a record; refuses parts that would make it a path."""
    from umm.install.errors import UnsafePackageRecord

    for field, value in (("name", name), ("version", version), ("build", build)):
        if "/" in value or "\\" in value or "\0" in value or value in (".", ".."):
            raise UnsafePackageRecord(name, field, value)
    return f"{name}-{version}-{build}.json"


def is_environment(prefix: "os.PathLike[str] | str") -> bool:
    """A directory is an environment when it has ``conda-meta/``."""
    return os.path.isdir(os.path.join(prefix, CONDA_META))


class PrefixData:
    """The records installed in ``prefix``, keyed by package name."""

    __slots__ = ("prefix", "_records", "_files")

    def __init__(self, prefix: Path, records: Dict[str, PrefixRecord], files: Dict[str, str]) -> None:
        self.prefix = prefix
        self._records = records
        self._files = files

    @classmethod
    def load(cls, prefix: "os.PathLike[str] | str") -> "PrefixData":
        p = Path(prefix)
        records: Dict[str, PrefixRecord] = {}
        files: Dict[str, str] = {}
        meta = p / CONDA_META
        try:
            names = sorted(os.listdir(meta))
        except FileNotFoundError:
            names = []
        for fname in names:
            if not fname.endswith(".json") or fname.startswith("."):
                continue
            path = meta / fname
            try:
                with open(path, "rb") as f:
                    data = json.load(f)
                rec = PrefixRecord.from_json(data)
                for field in ("name", "version", "build"):
                    if not isinstance(data.get(field), str):
                        raise ValueError(f"its {field} is not a string")
            except (OSError, ValueError, TypeError, RecursionError) as exc:
                raise CorruptPrefixRecord(str(path), str(exc)) from None
            records[rec.name] = rec
            files[rec.name] = fname
        return cls(p, records, files)

    def __iter__(self) -> Iterator[PrefixRecord]:
        return iter(self.sorted())

    def __len__(self) -> int:
        return len(self._records)

    def __contains__(self, name: object) -> bool:
        return name in self._records

    def get(self, name: str) -> Optional[PrefixRecord]:
        return self._records.get(name)

    def sorted(self) -> List[PrefixRecord]:
        return [self._records[k] for k in sorted(self._records)]

    def records(self) -> Dict[str, PrefixRecord]:
        return dict(self._records)

    def meta_path(self, name: str) -> Optional[Path]:
        f = self._files.get(name)
        return self.prefix / CONDA_META / f if f else None


def write_json_atomic(path: Path, data: Dict[str, Any]) -> None:
    """Write JSON to a temporary file next to ``path`` and rename it into place."""
    # json without indent uses the C encoder (several times faster on big records)
    text = json.dumps(data, sort_keys=True)
    tmp = f"{path.parent}/.{path.name}.{os.getpid()}.tmp"
    try:
        with open(tmp, "w") as f:
            f.write(text)
            f.write("\n")
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def read_pinned(prefix: "os.PathLike[str] | str") -> List[str]:
    """Specs from ``conda-meta/pinned`` (one a line, ``#`` comments ignored)."""
    try:
        text = Path(prefix, CONDA_META, "pinned").read_text()
    except FileNotFoundError:
        return []
    out = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            out.append(line)
    return out
