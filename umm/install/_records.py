"""A private stand-in for ``umm.specs.PrefixRecord`` until the specs area lands.

It keeps the record's JSON exactly (unknown keys too) and exposes the fields the
install engine reads. The engine itself works on the JSON form (conda's
``conda-meta/*.json`` schema), so swapping this for the real type only changes
this module.
"""
from __future__ import annotations

import copy
from typing import Any, Dict, List, Optional


class PrefixRecord:
    """An installed package: repodata fields + files, paths_data, link, requested_spec."""

    __slots__ = ("_data",)

    def __init__(self, data: Dict[str, Any]) -> None:
        object.__setattr__(self, "_data", data)

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError("PrefixRecord is immutable")

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "PrefixRecord":
        """Takes ownership of ``data`` (not copied: callers pass a fresh dict)."""
        for key in ("name", "version", "build"):
            if not isinstance(data.get(key), str):
                raise ValueError(f"record lacks {key!r}")
        return cls(data)

    def to_json(self) -> Dict[str, Any]:
        return copy.deepcopy(self._data)

    def _get(self, key: str, default: Any = None) -> Any:
        return self._data.get(key, default)

    name = property(lambda self: self._data["name"])
    version = property(lambda self: self._data["version"])
    build = property(lambda self: self._data["build"])
    build_number = property(lambda self: int(self._data.get("build_number") or 0))
    channel = property(lambda self: self._data.get("channel") or "")
    subdir = property(lambda self: self._data.get("subdir") or "")
    fn = property(lambda self: self._data.get("fn") or "")
    url = property(lambda self: self._data.get("url") or "")
    md5 = property(lambda self: self._data.get("md5"))
    sha256 = property(lambda self: self._data.get("sha256"))
    size = property(lambda self: self._data.get("size"))
    noarch = property(lambda self: self._data.get("noarch"))
    requested_spec = property(lambda self: self._data.get("requested_spec"))
    extracted_package_dir = property(lambda self: self._data.get("extracted_package_dir"))
    package_tarball_full_path = property(lambda self: self._data.get("package_tarball_full_path"))

    @property
    def depends(self) -> List[str]:
        return list(self._data.get("depends") or [])

    @property
    def files(self) -> List[str]:
        return list(self._data.get("files") or [])

    @property
    def paths_data(self) -> Optional[Dict[str, Any]]:
        return copy.deepcopy(self._data.get("paths_data"))

    @property
    def link(self) -> Optional[Dict[str, Any]]:
        return copy.deepcopy(self._data.get("link"))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PrefixRecord) and self._data == other._data

    def __hash__(self) -> int:
        return hash((self.name, self.version, self.build, self.channel))

    def __repr__(self) -> str:
        return f"PrefixRecord({self.name}-{self.version}-{self.build})"

    def __str__(self) -> str:
        return f"{self.name}-{self.version}-{self.build}"
