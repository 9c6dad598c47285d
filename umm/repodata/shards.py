"""Sharded repodata (CEP-16): an index of name -> shard hash, one shard per name.

``<subdir>/repodata_shards.msgpack.zst`` is cached like repodata.json
(``<key>.msgpack.zst`` + ``<key>.msgpack.state.json``, conditional requests,
max-age); its absence (404) is remembered for a day. Shards are
content-addressed: ``<shards_base_url><sha256>.msgpack.zst``, cached forever
in ``<pkgs_dir>/cache/shards/`` and verified against their hash. Only the
shards of names someone asks for are fetched.
"""
from __future__ import annotations

import contextlib
import hashlib
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Dict, FrozenSet, Iterable, List, Optional, Sequence, Set, Tuple
from urllib.parse import urljoin

from umm.net.client import HttpClient
from umm.net.errors import HttpError, NetError
from umm.net.masking import strip_token
from umm.reporter import NULL, Reporter
from umm.repodata.cache import (CacheFiles, CacheState, CheckedAt, atomic_write, file_lock,
                                touch)
from umm.repodata.errors import (ChannelUnavailable, InvalidRepodata, MsgpackError)
from umm.repodata.fetch import SubdirTarget, _age, _http_reason
from umm.repodata.msgpack import unpackb
from umm.repodata.options import RepodataOptions
from umm.repodata.records import RecordBuilder
from umm.repodata.source import Raw, SubdirSource

SHARD_INDEX = "repodata_shards.msgpack.zst"
ABSENCE_INTERVAL = 24 * 3600
MAX_DECOMPRESSED = 1 << 30
GROUP = "repodata"


def decompress(data: bytes, url: str) -> bytes:
    import zstandard

    try:
        return zstandard.ZstdDecompressor().decompress(data, max_output_size=MAX_DECOMPRESSED)
    except zstandard.ZstdError as exc:
        raise InvalidRepodata(url, f"bad zstd data ({exc})") from None


def _hex(value: Any) -> Optional[str]:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).hex()
    if isinstance(value, str):
        return value.lower()
    return None


class ShardIndex:
    """A parsed shard index: shard hash per name, and where shards and packages are."""

    __slots__ = ("url", "request_url", "info", "shards", "base_url", "shards_url",
                 "shards_request_url")

    def __init__(self, url: str, request_url: str, info: Dict[str, Any],
                 shards: Dict[str, str]) -> None:
        s = object.__setattr__
        s(self, "url", url)
        s(self, "request_url", request_url)
        s(self, "info", info)
        s(self, "shards", shards)
        base = info.get("base_url") if isinstance(info.get("base_url"), str) else "./"
        s(self, "base_url", strip_token(urljoin(url, base or "./")))
        sbase = info.get("shards_base_url")
        sbase = sbase if isinstance(sbase, str) and sbase else "./shards/"
        sbase = sbase if sbase.endswith("/") else sbase + "/"
        s(self, "shards_url", strip_token(urljoin(url, sbase)))
        s(self, "shards_request_url", urljoin(request_url, sbase))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("immutable")

    @classmethod
    def parse(cls, compressed: bytes, url: str, request_url: str) -> "ShardIndex":
        try:
            doc = unpackb(decompress(compressed, url))
        except MsgpackError as exc:
            raise InvalidRepodata(url, str(exc)) from None
        if not isinstance(doc, dict) or not isinstance(doc.get("shards"), dict):
            raise InvalidRepodata(url, "shard index without a 'shards' map")
        info = doc.get("info") if isinstance(doc.get("info"), dict) else {}
        shards: Dict[str, str] = {}
        for name, digest in doc["shards"].items():
            h = _hex(digest)
            if isinstance(name, str) and h and len(h) == 64 and all(c in "0123456789abcdef"
                                                                   for c in h):
                shards[name] = h
        return cls(url, request_url, {k: v for k, v in info.items() if isinstance(k, str)},
                   shards)

    def top(self) -> Dict[str, Any]:
        """What :class:`RecordBuilder` needs to build package URLs."""
        return {"info": {"base_url": self.base_url}, "repodata_version": 2}


def parse_shard(compressed: bytes, url: str, digest: str) -> Raw:
    """Verify (sha256 of the file or of its content) and decode one shard."""
    if hashlib.sha256(compressed).hexdigest() == digest:
        data = decompress(compressed, url)
    else:  # some indexers hash the msgpack content instead of the file
        try:
            data = decompress(compressed, url)
        except InvalidRepodata:
            data = b""
        if hashlib.sha256(data).hexdigest() != digest:
            raise InvalidRepodata(url, "shard does not match its sha256")
    try:
        doc = unpackb(data)
    except MsgpackError as exc:
        raise InvalidRepodata(url, str(exc)) from None
    if not isinstance(doc, dict):
        raise InvalidRepodata(url, "shard is not a map")
    out: List[Dict[str, Any]] = []
    for key in ("packages", "packages.conda"):
        section = doc.get(key)
        entries: Dict[str, Any] = {}
        if isinstance(section, dict):
            for fn, rec in section.items():
                if not isinstance(fn, str):
                    continue
                if isinstance(rec, dict):
                    rec = dict(rec)
                    for h in ("md5", "sha256"):
                        if isinstance(rec.get(h), (bytes, bytearray)):
                            rec[h] = bytes(rec[h]).hex()
                entries[fn] = rec
        out.append(entries)
    return out[0], out[1]


class ShardFetcher:
    """Fetches (or finds cached) the shard index of a target."""

    def __init__(self, client: HttpClient, options: RepodataOptions, cache_dirs: Sequence[Path],
                 writable_dir: Optional[Path], reporter: Reporter = NULL) -> None:
        self.client, self.options, self.reporter = client, options, reporter
        self.cache_dirs, self.writable_dir = list(cache_dirs), writable_dir

    def _find(self, target: SubdirTarget) -> Tuple[Optional[CacheFiles], Optional[CacheState],
                                                   Optional[CacheState]]:
        hint = None
        for d in self.cache_dirs:
            files = CacheFiles(d, target.key)
            state = CacheState.read(files.shard_state)
            if state is None:
                continue
            hint = hint or state
            if state.matches_file(files.shard_index):
                return files, state, hint
        return None, None, hint

    def index(self, target: SubdirTarget) -> Optional[ShardIndex]:
        """The shard index, or None when the channel has none (use repodata.json)."""
        files, state, hint = self._find(target)
        opts = self.options
        url = f"{target.url}/{SHARD_INDEX}"
        if hint is not None and hint.has_shards is not None and not hint.has_shards.value and \
                not hint.has_shards.expired(interval=ABSENCE_INTERVAL) and files is None:
            return None
        if files is not None and state is not None:
            fresh = _age(files.shard_index) < state.max_age(opts.local_repodata_ttl)
            if (opts.offline or fresh) and not target.is_local:
                return self._parse_cached(target, files)
        if opts.offline and not target.is_local:
            return None
        if self.writable_dir is None:
            return self._parse_cached(target, files) if files else None
        wfiles = CacheFiles(self.writable_dir, target.key)
        with file_lock(wfiles.lock):
            return self._download(target, url, files, state, wfiles)

    def _parse_cached(self, target: SubdirTarget, files: CacheFiles) -> ShardIndex:
        data = files.shard_index.read_bytes()
        return ShardIndex.parse(data, f"{target.url}/{SHARD_INDEX}",
                                f"{target.request_urls[0]}/{SHARD_INDEX}")

    def _download(self, target: SubdirTarget, url: str, files: Optional[CacheFiles],
                  state: Optional[CacheState], wfiles: CacheFiles) -> Optional[ShardIndex]:
        headers: Dict[str, str] = {}
        if state is not None and files is not None:
            if state.etag:
                headers["If-None-Match"] = state.etag
            if state.mod:
                headers["If-Modified-Since"] = state.mod
        last: Optional[BaseException] = None
        for i, base in enumerate(target.request_urls):
            request_url = f"{base}/{SHARD_INDEX}"
            try:
                resp = self.client.request("GET", request_url, headers, preload_content=True)
            except HttpError as exc:
                if exc.status == 404:
                    CacheState(url=url, has_shards=CheckedAt(False, time.time())) \
                        .write(wfiles.shard_state)
                    return None
                if exc.status in (401, 403):
                    raise ChannelUnavailable(target.channel, url, _http_reason(exc),
                                             exc.status) from None
                last = exc
                continue
            except NetError as exc:
                last = exc
                continue
            if resp.status == 304 and files is not None and state is not None:
                if files.dir != wfiles.dir:
                    atomic_write(wfiles.shard_index, files.shard_index.read_bytes())
                touch(wfiles.shard_index)
                st = wfiles.shard_index.stat()
                state.replace(size=st.st_size, mtime_ns=st.st_mtime_ns,
                              cache_control=resp.header("cache-control") or state.cache_control
                              ).write(wfiles.shard_state)
                return self._parse_cached(target, wfiles)
            data = resp.content
            index = ShardIndex.parse(data, f"{target.urls[i]}/{SHARD_INDEX}", request_url)
            atomic_write(wfiles.shard_index, data)
            st = wfiles.shard_index.stat()
            CacheState(url=f"{target.urls[i]}/{SHARD_INDEX}", etag=resp.header("etag") or "",
                       mod=resp.header("last-modified") or "",
                       cache_control=resp.header("cache-control") or "", size=st.st_size,
                       mtime_ns=st.st_mtime_ns, has_shards=CheckedAt(True, time.time())) \
                .write(wfiles.shard_state)
            return index
        raise ChannelUnavailable(target.channel, url, str(last))


class ShardedSubdir(SubdirSource):
    """A subdir read shard by shard; ``raw(name)`` fetches the one shard it needs."""

    def __init__(self, target: SubdirTarget, index: ShardIndex, client: HttpClient,
                 options: RepodataOptions, cache_dirs: Sequence[Path],
                 writable_dir: Optional[Path], builder: RecordBuilder,
                 reporter: Reporter = NULL) -> None:
        self.target = target
        self.index = index
        self.client = client
        self.options = options
        self.cache_dirs = list(cache_dirs)
        self.writable_dir = writable_dir
        self.builder = builder
        self.reporter = reporter
        self.note = "sharded"
        self._wire: Dict[str, Tuple[List[tuple], List[str]]] = {}
        self._lock = threading.Lock()
        self._locks: Dict[str, threading.Lock] = {}
        self.fetched: Set[str] = set()  # names whose shard came from the network

    def names(self) -> FrozenSet[str]:
        return frozenset(self.index.shards)

    def _name_lock(self, name: str) -> threading.Lock:
        with self._lock:
            return self._locks.setdefault(name, threading.Lock())

    def _cached_path(self, digest: str) -> Optional[Path]:
        for d in self.cache_dirs:
            p = d / "shards" / f"{digest}.msgpack.zst"
            if p.is_file():
                return p
        return None

    def wire(self, name: str) -> Tuple[List[tuple], Sequence[str], int]:
        digest = self.index.shards.get(name)
        if digest is None:
            return [], (), 0
        got = self._wire.get(name)
        if got is None:
            with self._name_lock(name):
                got = self._wire.get(name)
                if got is None:
                    tarbz2, conda = self._load(name, digest)
                    got = self.builder.wire(name, tarbz2, conda)
                    self._wire[name] = got
        return got[0], got[1], len(got[1])

    def _load(self, name: str, digest: str) -> Raw:
        url = f"{self.index.shards_url}{digest}.msgpack.zst"
        cached = self._cached_path(digest)
        if cached is not None:
            try:
                return parse_shard(cached.read_bytes(), url, digest)
            except (InvalidRepodata, OSError):
                with contextlib.suppress(OSError):
                    cached.unlink()  # damaged: fetch again
        if self.options.offline and not self.target.is_local:
            self.reporter.warning(f"offline mode: shard of {name} in {self.target.name} "
                                  "is not cached, ignoring it")
            return {}, {}
        request_url = f"{self.index.shards_request_url}{digest}.msgpack.zst"
        last: Optional[InvalidRepodata] = None
        for _ in range(2):  # one more try when the content is damaged
            try:
                data = self.client.request("GET", request_url, preload_content=True).content
            except HttpError as exc:
                raise ChannelUnavailable(self.target.channel, url, _http_reason(exc),
                                         exc.status) from None
            except NetError as exc:
                raise ChannelUnavailable(self.target.channel, url, str(exc)) from None
            try:
                raw = parse_shard(data, url, digest)
            except InvalidRepodata as exc:
                last = exc
                continue
            self.fetched.add(name)
            if self.writable_dir is not None:
                shard_dir = self.writable_dir / "shards"
                shard_dir.mkdir(exist_ok=True)
                atomic_write(shard_dir / f"{digest}.msgpack.zst", data)
            return raw
        assert last is not None
        raise InvalidRepodata(url, last.reason, self.target.channel)

    def prefetch(self, names: Iterable[str]) -> None:
        todo = [n for n in dict.fromkeys(names) if n in self.index.shards and n not in self._wire]
        if not todo:
            return
        if len(todo) == 1:
            self.wire(todo[0])
            return
        with ThreadPoolExecutor(max_workers=min(self.options.shard_threads, len(todo))) as pool:
            for _ in pool.map(self.wire, todo):
                pass
