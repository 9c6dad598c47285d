"""Fetching one channel subdir's repodata.json into the index cache.

The state machine (micromamba's):

* a valid cache entry (``<key>.json`` + matching ``<key>.state.json``) younger
  than its max-age, or any valid entry when offline: used as is;
* otherwise a conditional GET (``If-None-Match``/``If-Modified-Since``) of
  ``repodata.json.zst`` (unless remembered absent for 14 days) or
  ``repodata.json``: 304 refreshes the entry, 200 replaces it atomically
  (the body is validated and indexed before anything is renamed into place);
* a 404 of an arch subdir is tolerated (empty subdir), of ``noarch`` an error;
* mirrors (``mirrored_channels``) are tried in order on connection errors and
  server errors.
"""
from __future__ import annotations

import contextlib
import os
import tempfile
import time
from pathlib import Path
from typing import Callable, List, Optional, Sequence, Tuple

from umm.net.client import HttpClient
from umm.net.errors import HttpError, NetError
from umm.net.masking import mask_url
from umm.reporter import NULL, Reporter
from umm.repodata.cache import (CacheFiles, CacheState, CheckedAt, cache_key, file_lock, touch)
from umm.repodata.errors import (CacheError, ChannelUnavailable, InvalidRepodata,
                                 OfflineCacheMiss)
from umm.repodata.index import SubdirIndex, build_index
from umm.repodata.options import RepodataOptions
from umm.repodata.records import RecordBuilder

GROUP = "repodata"


class SubdirTarget:
    """One channel x subdir to fetch: display name, URLs (primary, then mirrors).

    ``urls`` never contain a token (they key the cache and go into records);
    ``request_urls`` are what is requested (they may carry ``/t/<token>``).
    """

    __slots__ = ("channel", "subdir", "urls", "request_urls", "key")

    def __init__(self, channel: str, subdir: str, urls: Sequence[str],
                 request_urls: Optional[Sequence[str]] = None,
                 key_url: Optional[str] = None) -> None:
        s = object.__setattr__
        s(self, "channel", channel)
        s(self, "subdir", subdir)
        s(self, "urls", tuple(u.rstrip("/") for u in urls))
        s(self, "request_urls", tuple(u.rstrip("/") for u in (request_urls or urls)))
        if not self.urls or len(self.urls) != len(self.request_urls):
            raise ValueError("a subdir target needs URLs (and as many request URLs)")
        s(self, "key", cache_key(key_url or self.urls[0]))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("immutable")

    @property
    def name(self) -> str:
        return f"{self.channel}/{self.subdir}"

    @property
    def is_noarch(self) -> bool:
        return self.subdir == "noarch"

    @property
    def is_local(self) -> bool:
        return all(u.startswith("file:") for u in self.urls)

    @property
    def url(self) -> str:
        return self.urls[0]

    def __repr__(self) -> str:
        return f"SubdirTarget({self.name}, {mask_url(self.url)})"


class FetchResult:
    """Where a subdir's repodata ended up: a cache entry, or nothing (tolerated 404)."""

    __slots__ = ("target", "files", "state", "note", "index", "builder")

    def __init__(self, target: SubdirTarget, files: Optional[CacheFiles],
                 state: Optional[CacheState], note: str,
                 index: Optional[SubdirIndex] = None,
                 builder: Optional[RecordBuilder] = None) -> None:
        self.target, self.files, self.state, self.note, self.index = \
            target, files, state, note, index
        self.builder = builder

    @property
    def missing(self) -> bool:
        return self.files is None


def find_cached(target: SubdirTarget, cache_dirs: Sequence[Path]) \
        -> Tuple[Optional[CacheFiles], Optional[CacheState], Optional[CacheState]]:
    """(files, valid state) of the first valid entry, and any state for has_zst hints."""
    hint: Optional[CacheState] = None
    for d in cache_dirs:
        files = CacheFiles(d, target.key)
        state = CacheState.read(files.state)
        if state is None:
            continue
        hint = hint or state
        if state.matches_file(files.json):
            return files, state, state
    return None, None, hint


def _age(path: Path) -> float:
    try:
        return time.time() - path.stat().st_mtime
    except OSError:
        return float("inf")


class SubdirFetcher:
    """Runs the state machine for one target; see the module docstring."""

    def __init__(self, client: HttpClient, options: RepodataOptions, cache_dirs: Sequence[Path],
                 writable_dir: Optional[Path], reporter: Reporter = NULL,
                 make_builder: Optional[Callable[[SubdirTarget, str], RecordBuilder]] = None
                 ) -> None:
        self.make_builder = make_builder or default_builder(options, reporter)
        self.client = client
        self.options = options
        self.cache_dirs = list(cache_dirs)
        self.writable_dir = writable_dir
        self.reporter = reporter

    def fetch(self, target: SubdirTarget) -> FetchResult:
        files, state, hint = find_cached(target, self.cache_dirs)
        opts = self.options
        rep = self.reporter
        if files is not None and state is not None and not target.is_local:
            fresh = _age(files.json) < state.max_age(opts.local_repodata_ttl)
            if opts.offline or fresh:
                rep.start(GROUP, target.name, target.name)
                rep.finish(GROUP, target.name, True, "Using cache")
                return FetchResult(target, files, state, "cache")
        if opts.offline and not target.is_local:
            if target.is_noarch:
                raise OfflineCacheMiss(target.channel, target.subdir, target.url)
            rep.warning(f"offline mode: no cached repodata for {target.name}, skipping it")
            return FetchResult(target, None, None, "offline-missing")
        if self.writable_dir is None:
            raise CacheError("(pkgs_dirs)", "no writable package cache for repodata")
        wfiles = CacheFiles(self.writable_dir, target.key)
        with file_lock(wfiles.lock):
            # another process may have refreshed it while we waited
            files2, state2, hint2 = find_cached(target, self.cache_dirs)
            if files2 is not None and state2 is not None and not target.is_local and \
                    _age(files2.json) < state2.max_age(opts.local_repodata_ttl):
                rep.start(GROUP, target.name, target.name)
                rep.finish(GROUP, target.name, True, "Using cache")
                return FetchResult(target, files2, state2, "cache")
            return self._download(target, files2, state2, hint2 or hint, wfiles)

    # -- network -----------------------------------------------------------------
    def _download(self, target: SubdirTarget, files: Optional[CacheFiles],
                  state: Optional[CacheState], hint: Optional[CacheState],
                  wfiles: CacheFiles) -> FetchResult:
        opts = self.options
        use_zst = opts.repodata_use_zst
        zst_known = (hint.has_zst if hint is not None else None)
        if zst_known is not None and not zst_known.value and not zst_known.expired():
            use_zst = False
        fn = opts.repodata_filename
        rep = self.reporter
        started = False
        attempts = 0
        last_error: Optional[BaseException] = None
        ok = False
        try:
            while attempts <= self.client.options.max_retries:
                attempts += 1
                suffix = ".zst" if use_zst else ""
                headers = {}
                if state is not None and files is not None and \
                        state.url.endswith(fn + suffix):
                    if state.etag:
                        headers["If-None-Match"] = state.etag
                    if state.mod:
                        headers["If-Modified-Since"] = state.mod
                try:
                    resp, used = self._get_with_mirrors(target, fn + suffix, headers)
                except HttpError as exc:
                    if exc.status == 404 and use_zst:
                        use_zst = False
                        zst_known = CheckedAt(False, time.time())
                        attempts -= 1
                        continue
                    if exc.status == 404:
                        return self._not_found(target, exc)
                    raise ChannelUnavailable(target.channel, target.url + "/" + fn,
                                             _http_reason(exc), exc.status) from None
                except NetError as exc:
                    raise ChannelUnavailable(target.channel, target.url + "/" + fn,
                                             str(exc)) from None
                if use_zst:
                    zst_known = CheckedAt(True, time.time())
                if not started:
                    rep.start(GROUP, target.name, target.name,
                              resp.content_length if resp.status == 200 else None)
                    started = True
                try:
                    if resp.status == 304 and files is not None and state is not None:
                        result = self._not_modified(target, files, state, resp, zst_known)
                        ok = True
                        return result
                    result = self._store(target, resp, used, use_zst, zst_known, wfiles)
                    ok = True
                    return result
                except (InvalidRepodata, NetError) as exc:
                    last_error = exc
                    if target.is_local:
                        break  # a local file reads the same on every try
                    rep.warning(f"{target.name}: {exc}; retrying")
                    if attempts <= self.client.options.max_retries:
                        self.client._sleep(self.client.backoff(attempts - 1))
                    continue
                finally:
                    resp.close()
            if isinstance(last_error, InvalidRepodata):
                raise InvalidRepodata(target.url + "/" + fn, last_error.reason, target.channel)
            raise ChannelUnavailable(target.channel, target.url + "/" + fn, str(last_error))
        finally:
            if not ok and started:
                rep.finish(GROUP, target.name, False, "failed")

    def _get_with_mirrors(self, target: SubdirTarget, filename: str, headers: dict):
        errors: List[BaseException] = []
        for i, base in enumerate(target.request_urls):
            try:
                return self.client.request("GET", f"{base}/{filename}", headers), i
            except HttpError as exc:
                if exc.status < 500 and exc.status not in (408, 429):
                    raise  # 404/401/403: the same everywhere
                errors.append(exc)
            except NetError as exc:
                errors.append(exc)
            if i + 1 < len(target.request_urls):
                self.reporter.warning(
                    f"{target.name}: {errors[-1]}; trying mirror "
                    f"{mask_url(target.request_urls[i + 1])}")
        raise errors[-1]

    def _not_found(self, target: SubdirTarget, exc: HttpError) -> FetchResult:
        if target.is_noarch:
            raise ChannelUnavailable(target.channel, exc.url, "HTTP 404 Not Found (the channel "
                                     "does not exist or has no noarch subdir)", 404) from None
        self.reporter.info(f"{target.name}: no repodata (404), ignoring this subdir")
        self.reporter.start(GROUP, target.name, target.name)
        self.reporter.finish(GROUP, target.name, True, "404 Ignored")
        return FetchResult(target, None, None, "missing")

    def _not_modified(self, target: SubdirTarget, files: CacheFiles, state: CacheState,
                      resp, zst_known: Optional[CheckedAt]) -> FetchResult:
        json_path = files.json
        dest = CacheFiles(self.writable_dir, target.key) if self.writable_dir else files
        if dest.dir != files.dir:
            import shutil

            try:
                shutil.copy2(files.json, dest.json)
            except OSError as exc:
                raise CacheError(str(dest.json), exc.strerror or str(exc)) from None
            json_path = dest.json
        touch(json_path)
        st = json_path.stat()
        cc = resp.header("cache-control") or state.cache_control
        new_state = state.replace(size=st.st_size, mtime_ns=st.st_mtime_ns, cache_control=cc,
                                  has_zst=zst_known or state.has_zst)
        new_state.write(dest.state)
        self.reporter.finish(GROUP, target.name, True, "No change")
        return FetchResult(target, dest, new_state, "revalidated")

    def _store(self, target: SubdirTarget, resp, mirror: int, zst: bool,
               zst_known: Optional[CheckedAt], wfiles: CacheFiles) -> FetchResult:
        fd, tmp_name = tempfile.mkstemp(prefix=".mambaf", suffix=".tmp", dir=str(wfiles.dir))
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                self._write_body(target, resp, out, zst)
            url = f"{target.urls[mirror]}/{self.options.repodata_filename}" + \
                ".zst" * zst
            validators = {"etag": resp.header("etag") or "",
                          "mod": resp.header("last-modified") or ""}
            tmp_index = wfiles.dir / f".{tmp.name}.idx"
            builder = self.make_builder(target, target.urls[mirror])
            index = build_index(tmp, tmp_index, builder, validators, url,
                                self.options.index_processes)
            os.chmod(tmp, 0o644)  # mkstemp's 0600 would hide a shared cache from other users
            os.replace(tmp, wfiles.json)
            os.replace(tmp_index, wfiles.index)
            index.path = wfiles.index
            st = wfiles.json.stat()
            state = CacheState(url=url, etag=validators["etag"], mod=validators["mod"],
                               cache_control=resp.header("cache-control") or "",
                               size=st.st_size, mtime_ns=st.st_mtime_ns, has_zst=zst_known)
            state.write(wfiles.state)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            with contextlib.suppress(OSError, UnboundLocalError):
                tmp_index.unlink()
            raise
        self.reporter.finish(GROUP, target.name, True, "Downloaded")
        return FetchResult(target, wfiles, state, "downloaded", index, builder)

    def _write_body(self, target: SubdirTarget, resp, out, zst: bool) -> None:
        rep = self.reporter
        if not zst:
            for chunk in resp.iter_content():
                out.write(chunk)
                rep.advance(GROUP, target.name, len(chunk))
            return
        import zstandard

        dobj = zstandard.ZstdDecompressor().decompressobj()
        try:
            for chunk in resp.iter_content():
                out.write(dobj.decompress(chunk))
                rep.advance(GROUP, target.name, len(chunk))
            if not dobj.eof:
                raise InvalidRepodata(resp.url, "truncated zstd stream", target.channel)
        except zstandard.ZstdError as exc:
            raise InvalidRepodata(resp.url, f"bad zstd data ({exc})", target.channel) from None


def default_builder(options: RepodataOptions, reporter: Reporter
                    ) -> Callable[[SubdirTarget, str], RecordBuilder]:
    """Builders for the records of a target served from a platform URL (no token)."""
    def make(target: SubdirTarget, platform_url: str) -> RecordBuilder:
        return RecordBuilder(target.channel, target.subdir, platform_url, {},
                             options.add_pip_as_python_dependency, reporter)
    return make


def _http_reason(exc: HttpError) -> str:
    if exc.status in (401, 403):
        return f"HTTP {exc.status} {exc.reason or ''}".rstrip() + \
            " (missing or wrong credentials; see `umm auth login`)"
    return f"HTTP {exc.status} {exc.reason or ''}".rstrip()
