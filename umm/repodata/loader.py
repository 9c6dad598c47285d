"""The entry points the CLI uses: load channels, follow dependencies, clean the cache."""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Set, Tuple

from umm.net.client import HttpClient
from umm.reporter import NULL, Reporter
from umm.repodata.cache import CacheFiles, cache_dirs, writable_cache_dir
from umm.repodata.errors import CacheError, RepodataError
from umm.repodata.fetch import FetchResult, SubdirFetcher, SubdirTarget
from umm.repodata.index import SubdirIndex, build_index, load_or_build_index
from umm.repodata.options import RepodataOptions
from umm.repodata.records import RecordBuilder, dependency_name
from umm.repodata.source import ChannelSource, EmptySubdir, JsonSubdir, SubdirSource


def UrlChannel(url: str, platforms: Sequence[str] = (), name: Optional[str] = None) -> Any:
    """A resolved ``umm.specs`` channel for a URL or path (a convenience for scripts).

    Kept under the name of the stand-in class earlier versions exported.
    """
    from umm.specs.channel import Channel, ChannelContext

    ch = ChannelContext().resolve_one(url)
    if platforms or name:
        ch = Channel(name or ch.canonical_name, ch.base_url, ch.token, ch.auth,
                     tuple(platforms) or ch.platforms, ch.package_filename)
    return ch


def channel_subdirs(channel: Any, platforms: Sequence[str]) -> List[str]:
    """The subdirs to load for ``channel``: its own platform filter, else ``platforms``; + noarch."""
    own = tuple(getattr(channel, "platforms", ()) or ())
    subdirs = list(dict.fromkeys(own or platforms))
    if "noarch" not in subdirs:
        subdirs.append("noarch")
    return subdirs


def make_targets(channel: Any, platforms: Sequence[str],
                 options: RepodataOptions) -> List[SubdirTarget]:
    name = str(getattr(channel, "canonical_name", channel))
    mirrors = options.mirrors_for(name)
    out = []
    for subdir in channel_subdirs(channel, platforms):
        own = channel.platform_url(subdir, with_token=False)
        if mirrors:
            urls = [m.rstrip("/") + "/" + subdir for m in mirrors]
            out.append(SubdirTarget(name, subdir, urls, urls, key_url=own))
        else:
            out.append(SubdirTarget(name, subdir, [own],
                                    [channel.platform_url(subdir, with_token=True)]))
    return out


class Loader:
    """Loads subdirs (fetch + index, or shards) into :class:`ChannelSource` objects."""

    def __init__(self, pkgs_dirs: Sequence["os.PathLike[str]"], client: HttpClient,
                 options: Optional[RepodataOptions] = None, reporter: Reporter = NULL) -> None:
        self.options = options or RepodataOptions()
        self.client = client
        self.reporter = reporter
        self.cache_dirs = cache_dirs(pkgs_dirs)
        try:
            self.writable_dir: Optional[Path] = writable_cache_dir(pkgs_dirs)
        except CacheError:
            if not self.options.offline:
                raise
            self.writable_dir = None
        self.fetcher = SubdirFetcher(client, self.options, self.cache_dirs, self.writable_dir,
                                     reporter, self.make_builder)

    def make_builder(self, target: SubdirTarget, platform_url: str) -> RecordBuilder:
        return RecordBuilder(target.channel, target.subdir, platform_url, {},
                             self.options.add_pip_as_python_dependency, self.reporter)

    def load_subdir(self, target: SubdirTarget) -> SubdirSource:
        if self.options.use_sharded_repodata:
            from umm.repodata.shards import ShardedSubdir, ShardFetcher

            index = ShardFetcher(self.client, self.options, self.cache_dirs, self.writable_dir,
                                 self.reporter).index(target)
            if index is not None:
                self.reporter.start("repodata", target.name, target.name)
                self.reporter.finish("repodata", target.name, True, "Sharded")
                builder = RecordBuilder(target.channel, target.subdir, target.url, index.top(),
                                        self.options.add_pip_as_python_dependency, self.reporter)
                return ShardedSubdir(target, index, self.client, self.options, self.cache_dirs,
                                     self.writable_dir, builder, self.reporter)
        result = self.fetcher.fetch(target)
        if result.missing:
            return EmptySubdir(target, result.note)
        return self._json_subdir(result)

    def _json_subdir(self, result: FetchResult) -> JsonSubdir:
        target, files, state = result.target, result.files, result.state
        assert files is not None and state is not None
        index, builder = result.index, result.builder
        index_path = files.index
        if self.writable_dir is not None and not os.access(files.dir, os.W_OK):
            index_path = CacheFiles(self.writable_dir, target.key).index
        validators = {"etag": state.etag, "mod": state.mod}
        if index is None or builder is None:
            served = target.url
            for u in target.urls:
                if state.url.startswith(u + "/"):
                    served = u
            builder = self.make_builder(target, served)
            index = load_or_build_index(files.json, index_path, builder, validators, state.url,
                                        self.options.index_processes)
        b = builder
        processes = self.options.index_processes

        def rebuild() -> SubdirIndex:
            return build_index(files.json, index_path, b, validators, state.url, processes)

        return JsonSubdir(target, files.json, index, builder, result.note, rebuild)

    def load(self, channels: Sequence[Any], platforms: Sequence[str]) -> List[ChannelSource]:
        per_channel = [(ch, make_targets(ch, platforms, self.options)) for ch in channels]
        targets = [t for _, ts in per_channel for t in ts]
        results: Dict[int, SubdirSource] = {}
        errors: List[Tuple[int, BaseException]] = []
        workers = min(self.options.download_threads, max(1, len(targets)))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(self.load_subdir, t) for t in targets]
            for i, fut in enumerate(futures):
                try:
                    results[i] = fut.result()
                except RepodataError as exc:
                    errors.append((i, exc))
                except Exception as exc:  # noqa: BLE001 - reported below
                    errors.append((i, exc))
        if errors:
            for src in results.values():
                src.close()
            first = errors[0][1]
            # the first failure is the error; the others are warnings, so the command
            # still ends in one error line
            for _, other in errors[1:]:
                if str(other) != str(first):
                    self.reporter.warning(str(other))
            raise first
        out: List[ChannelSource] = []
        i = 0
        for ch, ts in per_channel:
            subs = [results[i + k] for k in range(len(ts))]
            i += len(ts)
            out.append(ChannelSource(str(getattr(ch, "canonical_name", ch)), subs))
        return out


def load_channels(channels: Sequence[Any], platforms: Sequence[str],
                  pkgs_dirs: Sequence["os.PathLike[str]"], client: HttpClient,
                  options: Optional[RepodataOptions] = None,
                  reporter: Reporter = NULL) -> List[ChannelSource]:
    """One :class:`ChannelSource` per channel, in priority order.

    ``channels``: resolved channels (``umm.specs`` ``Channel`` objects, or
    anything with ``canonical_name`` and ``platform_url(subdir, with_token)``);
    ``platforms``: e.g. ``["linux-64"]`` (``noarch`` is always added);
    ``pkgs_dirs``: package caches, the index cache lives in ``<pkgs_dir>/cache``.
    All channel x subdir pairs are fetched in parallel.
    """
    return Loader(pkgs_dirs, client, options, reporter).load(channels, platforms)


def load_closure(sources: Sequence[ChannelSource], names: Iterable[str],
                 threads: int = 10) -> Set[str]:
    """Load every name reachable from ``names`` through dependencies (breadth first).

    Shards of each level are fetched concurrently for all sources and subdirs.
    Returns the set of names visited.
    """
    seen: Set[str] = set()
    frontier = [n for n in dict.fromkeys(_norm(x) for x in names) if n]
    while frontier:
        seen.update(frontier)
        jobs = [(sub, frontier) for src in sources for sub in src.subdirs
                if getattr(sub, "prefetch", None) is not None]
        if len(jobs) > 1:
            with ThreadPoolExecutor(max_workers=min(threads, len(jobs))) as pool:
                for _ in pool.map(lambda job: job[0].prefetch(job[1]), jobs):
                    pass
        elif jobs:
            jobs[0][0].prefetch(frontier)
        nxt: Dict[str, None] = {}
        for name in frontier:
            for src in sources:
                for dep in src.dependency_names(name):
                    if dep not in seen:
                        nxt[dep] = None
        frontier = list(nxt)
    return seen


def _norm(name: str) -> Optional[str]:
    return dependency_name(name)
