"""The index cache in ``<pkgs_dir>/cache``, in micromamba's layout.

``<key>.json`` is the repodata as downloaded (decompressed), ``<key>.state.json``
its HTTP metadata::

    {"url": ..., "etag": ..., "mod": ..., "cache_control": ..., "size": N,
     "mtime_ns": N, "has_zst": {"value": bool, "last_checked": "...Z"}}

``key`` is libmamba's ``cache_name_from_url``: the first 8 hex digits of the
MD5 of the subdir URL with a trailing ``/`` (``.../linux-64/repodata.json`` ->
``.../linux-64/``), the same name conda uses. umm adds derived files next to
them (``<key>.umm-index``, ``<key>.msgpack.zst``, ``shards/``), which
micromamba ignores.
"""
from __future__ import annotations

import calendar
import contextlib
import hashlib
import json
import os
import re
import time
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, List, Optional, Tuple

from umm.repodata.errors import CacheError

ZST_CHECK_INTERVAL = 14 * 24 * 3600  # libmamba re-checks has_zst after 14 days
LIBSTDCXX_FILE_EPOCH_NS = 6437664000 * 10 ** 9  # libstdc++ file_clock offset
_MAX_AGE_RE = re.compile(r"max-age=(\d+)")
_KNOWN = ("url", "etag", "mod", "cache_control", "size", "mtime_ns", "has_zst", "has_shards")


def cache_name_from_url(url: str) -> str:
    """libmamba's/conda's cache name for a repodata URL (8 hex digits)."""
    u = url
    if not u or (not u.endswith("/") and not u.endswith(".json")):
        u += "/"
    if u.endswith("/repodata.json"):
        u = u[: -len("repodata.json")]
    return hashlib.md5(u.encode("utf-8")).hexdigest()[:8]


def cache_key(platform_url: str) -> str:
    """The cache key of a subdir (URL without token, e.g. ``.../conda-forge/linux-64``)."""
    return cache_name_from_url(platform_url.rstrip("/") + "/repodata.json")


def format_timestamp(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def parse_timestamp(text: str) -> float:
    try:
        return float(calendar.timegm(time.strptime(text.strip(), "%Y-%m-%dT%H:%M:%SZ")))
    except (ValueError, AttributeError):
        return 0.0


class CheckedAt:
    """A remembered yes/no answer (``.zst`` or shards exist) and when it was checked."""

    __slots__ = ("value", "last_checked")

    def __init__(self, value: bool, last_checked: float) -> None:
        object.__setattr__(self, "value", bool(value))
        object.__setattr__(self, "last_checked", float(last_checked))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("immutable")

    def expired(self, now: Optional[float] = None, interval: float = ZST_CHECK_INTERVAL) -> bool:
        return ((time.time() if now is None else now) - self.last_checked) > interval

    def to_json(self) -> Dict[str, Any]:
        return {"value": self.value, "last_checked": format_timestamp(self.last_checked)}

    @classmethod
    def from_json(cls, data: Any) -> Optional["CheckedAt"]:
        if not isinstance(data, dict) or not isinstance(data.get("value"), bool):
            return None
        return cls(data["value"], parse_timestamp(str(data.get("last_checked", ""))))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CheckedAt) and (self.value, self.last_checked) == \
            (other.value, other.last_checked)

    def __repr__(self) -> str:
        return f"CheckedAt({self.value}, {format_timestamp(self.last_checked)})"


class CacheState:
    """The content of ``<key>.state.json``; unknown keys are kept on rewrite."""

    __slots__ = ("url", "etag", "mod", "cache_control", "size", "mtime_ns", "has_zst",
                 "has_shards", "extra")

    def __init__(self, url: str = "", etag: str = "", mod: str = "", cache_control: str = "",
                 size: int = 0, mtime_ns: int = 0, has_zst: Optional[CheckedAt] = None,
                 has_shards: Optional[CheckedAt] = None,
                 extra: Optional[Dict[str, Any]] = None) -> None:
        s = object.__setattr__
        s(self, "url", url)
        s(self, "etag", etag)
        s(self, "mod", mod)
        s(self, "cache_control", cache_control)
        s(self, "size", int(size))
        s(self, "mtime_ns", int(mtime_ns))
        s(self, "has_zst", has_zst)
        s(self, "has_shards", has_shards)
        s(self, "extra", dict(extra or {}))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("CacheState is immutable")

    def replace(self, **changes: Any) -> "CacheState":
        kw = {k: getattr(self, k) for k in self.__slots__}
        kw.update(changes)
        return CacheState(**kw)

    def to_json(self) -> Dict[str, Any]:
        out: Dict[str, Any] = dict(self.extra)
        out.update({"url": self.url, "etag": self.etag, "mod": self.mod,
                    "cache_control": self.cache_control, "size": self.size,
                    "mtime_ns": self.mtime_ns})
        if self.has_zst is not None:
            out["has_zst"] = self.has_zst.to_json()
        if self.has_shards is not None:
            out["has_shards"] = self.has_shards.to_json()
        return out

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "CacheState":
        def s(key: str) -> str:
            v = data.get(key)
            return v if isinstance(v, str) else ""

        def i(key: str) -> int:
            v = data.get(key)
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise ValueError(f"{key} is not a number")
            return int(v)

        return cls(url=s("url"), etag=s("etag"), mod=s("mod"), cache_control=s("cache_control"),
                   size=i("size"), mtime_ns=i("mtime_ns"),
                   has_zst=CheckedAt.from_json(data.get("has_zst")),
                   has_shards=CheckedAt.from_json(data.get("has_shards")),
                   extra={k: v for k, v in data.items() if k not in _KNOWN})

    @classmethod
    def read(cls, path: Path) -> Optional["CacheState"]:
        """The state in ``path``, or None when missing or unreadable."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(data, dict):
                return None
            return cls.from_json(data)
        except (OSError, ValueError):
            return None

    def write(self, path: Path) -> None:
        atomic_write(path, json.dumps(self.to_json(), indent=4).encode("utf-8"))

    def matches_file(self, json_path: Path) -> bool:
        """True when ``json_path`` still has the size and mtime recorded here."""
        try:
            st = json_path.stat()
        except OSError:
            return False
        return st.st_size == self.size and self.mtime_ns in (
            st.st_mtime_ns, st.st_mtime_ns + LIBSTDCXX_FILE_EPOCH_NS)

    def max_age(self, local_repodata_ttl: int) -> int:
        """Seconds the cached copy stays fresh (conda's/micromamba's rules).

        ``local_repodata_ttl`` 1 (or True): Cache-Control ``max-age`` (0 without);
        0: always revalidate; N: N seconds.
        """
        ttl = int(local_repodata_ttl)
        if ttl == 1:
            m = _MAX_AGE_RE.search(self.cache_control or "")
            return int(m.group(1)) if m else 0
        return max(0, ttl)

    def __repr__(self) -> str:
        from umm.net.masking import mask_url

        return f"CacheState(url={mask_url(self.url)!r}, etag={self.etag!r}, size={self.size})"


class CacheFiles:
    """Paths of one subdir's cache entry inside one ``<pkgs_dir>/cache`` directory."""

    __slots__ = ("dir", "key")

    def __init__(self, cache_dir: Path, key: str) -> None:
        object.__setattr__(self, "dir", Path(cache_dir))
        object.__setattr__(self, "key", key)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("immutable")

    json = property(lambda self: self.dir / f"{self.key}.json")
    state = property(lambda self: self.dir / f"{self.key}.state.json")
    index = property(lambda self: self.dir / f"{self.key}.umm-index")
    solv = property(lambda self: self.dir / f"{self.key}.solv")
    shard_index = property(lambda self: self.dir / f"{self.key}.msgpack.zst")
    shard_state = property(lambda self: self.dir / f"{self.key}.msgpack.state.json")
    shards_dir = property(lambda self: self.dir / "shards")
    lock = property(lambda self: self.dir / f"{self.key}.lock")

    def valid_state(self) -> Optional[CacheState]:
        """The state when both files exist and agree (size and mtime), else None."""
        state = CacheState.read(self.state)
        if state is None or not state.matches_file(self.json):
            return None
        return state


def cache_dirs(pkgs_dirs: Iterable[os.PathLike]) -> List[Path]:
    seen: Dict[str, None] = {}
    for p in pkgs_dirs:
        seen.setdefault(str(Path(p) / "cache"), None)
    return [Path(p) for p in seen]


def writable_cache_dir(pkgs_dirs: Iterable[os.PathLike]) -> Path:
    """The first ``<pkgs_dir>/cache`` that exists or can be created and is writable."""
    errors = []
    for d in cache_dirs(pkgs_dirs):
        try:
            created = not d.is_dir()
            d.mkdir(parents=True, exist_ok=True)
            if created:
                with contextlib.suppress(OSError):
                    os.chmod(d, 0o2775)
            if os.access(d, os.W_OK | os.X_OK):
                return d
            errors.append(f"{d}: not writable")
        except OSError as exc:
            errors.append(f"{d}: {exc.strerror or exc}")
    raise CacheError(", ".join(str(p) for p in pkgs_dirs) or "(no pkgs_dirs)",
                     "no writable package cache: " + "; ".join(errors))


def atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{id(data):x}.tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise CacheError(str(path), exc.strerror or str(exc)) from None


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """An exclusive advisory lock (flock) held for the block; no-op where unsupported."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    try:
        fd = os.open(str(path), os.O_RDWR | os.O_CREAT, 0o664)
    except OSError:
        yield  # read-only cache dir: readers need no lock
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def touch(path: Path) -> None:
    now = time.time()
    os.utime(path, (now, now))


def clean_index_cache(pkgs_dirs: Iterable[os.PathLike]) -> Tuple[List[Path], int]:
    """Delete every index-cache file (``umm clean -i``): returns (paths, bytes freed)."""
    import shutil

    removed: List[Path] = []
    freed = 0
    for d in cache_dirs(pkgs_dirs):
        if not d.is_dir():
            continue
        for entry in sorted(d.iterdir()):
            try:
                if entry.is_dir() and not entry.is_symlink():
                    size = sum(f.stat().st_size for f in entry.rglob("*") if f.is_file())
                    shutil.rmtree(entry)
                elif entry.suffix == ".lock":
                    continue  # another process may hold it
                else:
                    size = entry.stat().st_size
                    entry.unlink()
            except OSError as exc:
                raise CacheError(str(entry), exc.strerror or str(exc)) from None
            removed.append(entry)
            freed += size
    return removed, freed
