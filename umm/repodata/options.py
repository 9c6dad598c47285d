"""Settings of the repodata layer, built from configuration keys."""
from __future__ import annotations

from typing import Any, Dict, Mapping, Optional, Sequence, Tuple


class RepodataOptions:
    """Frozen settings for fetching and loading repodata.

    ``local_repodata_ttl``: 1 = follow Cache-Control (default), 0 = always
    revalidate, N = N seconds. ``mirrored_channels`` maps a channel name to
    mirror base URLs tried in order. ``add_pip_as_python_dependency`` adds
    ``pip`` to python's dependencies like conda and micromamba.
    """

    __slots__ = ("offline", "local_repodata_ttl", "repodata_use_zst", "use_sharded_repodata",
                 "add_pip_as_python_dependency", "mirrored_channels", "download_threads",
                 "shard_threads", "repodata_filename", "index_processes")

    def __init__(self, offline: bool = False, local_repodata_ttl: int = 1,
                 repodata_use_zst: bool = True, use_sharded_repodata: bool = True,
                 add_pip_as_python_dependency: bool = True,
                 mirrored_channels: Optional[Mapping[str, Sequence[str]]] = None,
                 download_threads: int = 5, shard_threads: int = 10,
                 repodata_filename: str = "repodata.json",
                 index_processes: Optional[int] = None) -> None:
        s = object.__setattr__
        s(self, "offline", bool(offline))
        s(self, "local_repodata_ttl", int(local_repodata_ttl))
        s(self, "repodata_use_zst", bool(repodata_use_zst))
        s(self, "use_sharded_repodata", bool(use_sharded_repodata))
        s(self, "add_pip_as_python_dependency", bool(add_pip_as_python_dependency))
        s(self, "mirrored_channels", tuple(sorted(
            (k, tuple(v)) for k, v in (mirrored_channels or {}).items())))
        s(self, "download_threads", max(1, int(download_threads)))
        s(self, "shard_threads", max(1, int(shard_threads)))
        s(self, "repodata_filename", repodata_filename)
        s(self, "index_processes", None if index_processes is None else max(1, int(index_processes)))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("RepodataOptions is immutable")

    def mirrors_for(self, name: str) -> Tuple[str, ...]:
        return dict(self.mirrored_channels).get(name, ())

    def replace(self, **changes: Any) -> "RepodataOptions":
        kw: Dict[str, Any] = {k: getattr(self, k) for k in self.__slots__}
        kw["mirrored_channels"] = dict(self.mirrored_channels)
        kw.update(changes)
        return RepodataOptions(**kw)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RepodataOptions) and all(
            getattr(self, k) == getattr(other, k) for k in self.__slots__)

    def __hash__(self) -> int:
        return hash(tuple(getattr(self, k) for k in self.__slots__))

    def __repr__(self) -> str:
        return "RepodataOptions(" + ", ".join(
            f"{k}={getattr(self, k)!r}" for k in self.__slots__) + ")"

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "RepodataOptions":
        """From micromamba configuration keys; missing or None keys keep defaults."""
        kw: Dict[str, Any] = {}
        for key in ("offline", "repodata_use_zst", "use_sharded_repodata",
                    "add_pip_as_python_dependency"):
            if config.get(key) is not None:
                kw[key] = bool(config[key])
        ttl = config.get("local_repodata_ttl")
        if ttl is not None:
            kw["local_repodata_ttl"] = 1 if ttl is True else 0 if ttl is False else int(ttl)
        if config.get("mirrored_channels"):
            kw["mirrored_channels"] = {str(k): [str(u) for u in (v if isinstance(v, (list, tuple))
                                                                  else [v])]
                                       for k, v in dict(config["mirrored_channels"]).items()}
        if config.get("download_threads"):
            kw["download_threads"] = int(config["download_threads"])
        if config.get("repodata_shards_threads"):
            kw["shard_threads"] = int(config["repodata_shards_threads"])
        return cls(**kw)
