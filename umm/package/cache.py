"""The package cache (micromamba's ``pkgs/`` layout), filled safely by many processes.

Layout of a pkgs dir (``pkgs_dirs``; the first writable one receives new
files, every one is searched for reading, in order)::

    <pkgs>/<fn>                                   the archive (.conda / .tar.bz2)
    <pkgs>/<name>-<version>-<build>/              the extracted package
    <pkgs>/<name>-<version>-<build>/info/repodata_record.json   written last
    <pkgs>/urls.txt                               one line per downloaded URL
    <pkgs>/<name>-<version>-<build>.lock          per-package lock (fcntl)
    <pkgs>/.umm_trash/                            extraction scratch, replaced dirs

Public API::

    cache = PackageCache(pkgs_dirs, lock_timeout=None, limits=DEFAULT_LIMITS)
    cache.ensure(records, client=None, reporter=NULL, download_threads=5,
                 extract_threads=0, offline=False) -> {record: extracted_dir}
    cache.writable_dir() -> str
    cache.find_extracted(record) -> str | None
    cache.find_tarball(record) -> (path, hashes) | None     # verified archive
    cache.tarball_path(record) -> str                       # package_tarball_full_path
    dist_name(record) -> "name-version-build"

``records`` are :class:`umm.specs` ``RepoDataRecord`` s (anything with
``url``, ``fn``, ``name``, ``version``, ``build``, ``size``, ``sha256``,
``md5`` and ``to_json()`` works; a plain dict does too, keyed by its
``fn`` in the result). ``ensure`` returns, for every record, a directory
holding the extracted package:

1. a valid extracted dir in any cache is reused as is (across envs);
2. else, under the package's lock in the writable cache, a valid archive of
   any cache is extracted, or the archive is downloaded (verified, see
   :mod:`umm.package.download`) and extracted; ``download_threads``
   downloads and ``extract_threads`` extractions run at once.

An extracted dir is valid when ``info/repodata_record.json`` matches the
record (name, version, build, then sha256, else md5, else size, else URL)
and ``info/paths.json`` or ``info/files`` exists; an archive is valid when
its size and sha256 (else md5) match. Extraction goes to a scratch dir that
is renamed into place once ``repodata_record.json`` is written, so a crash
never leaves a half package under its final name. Another process working on
the same package is waited for (a message through the reporter, then the
result is reused); ``lock_timeout`` (seconds, ``None``/``0``: forever) bounds
the wait.
"""
from __future__ import annotations

import json
import os
import shutil
import threading
import uuid
from concurrent.futures import Future
from typing import Any, Dict, Hashable, List, Optional, Sequence, Tuple

from umm.errors import Cancelled
from umm.package._pool import DaemonPool, wait_all
from umm.package.download import DownloadRequest, Downloader, _Hashes, hash_file, verify
from umm.package.errors import CacheError, ChecksumMismatch
from umm.package.extract import DEFAULT_LIMITS, ExtractLimits, extract
from umm.package.formats import strip_extension
from umm.package.lock import LOCK_SUFFIX, FileLock
from umm.reporter import NULL, Reporter

TRASH = ".umm_trash"
URLS_TXT = "urls.txt"
RECORD_FILE = os.path.join("info", "repodata_record.json")

_FIELDS = ("url", "fn", "name", "version", "build", "size", "sha256", "md5", "channel")


def _get(record: Any, key: str) -> Any:
    if isinstance(record, dict):
        return record.get(key)
    return getattr(record, key, None)


def record_json(record: Any) -> Dict[str, Any]:
    if isinstance(record, dict):
        return dict(record)
    to_json = getattr(record, "to_json", None)
    if to_json is None:
        raise CacheError("", f"record {record!r} has no to_json()")
    return dict(to_json())


def _fn(record: Any) -> str:
    fn = _get(record, "fn")
    if not fn:
        url = _get(record, "url") or ""
        fn = url.rsplit("/", 1)[-1]
    if not fn or "/" in fn or fn in (".", "..") or not fn.endswith((".conda", ".tar.bz2")):
        raise CacheError("", f"record has no usable package file name: {fn!r}")
    return fn


def dist_name(record: Any) -> str:
    """``name-version-build``: the extracted dir's name (the file name without extension)."""
    return strip_extension(_fn(record))


def _key(record: Any) -> Hashable:
    return _fn(record) if isinstance(record, dict) else record


def _strip_token(url: str) -> str:
    from umm.net.masking import strip_token

    return strip_token(url or "")


def record_matches(stored: Dict[str, Any], record: Any) -> bool:
    """Does a ``repodata_record.json`` describe the same package as ``record``?"""
    for key in ("name", "version", "build"):
        want = _get(record, key)
        if want is not None and stored.get(key) is not None and str(stored[key]) != str(want):
            return False
    for key in ("sha256", "md5"):
        want = _get(record, key)
        if want:
            have = stored.get(key)
            if have:
                return str(have).lower() == str(want).lower()
    size = _get(record, "size")
    if size and stored.get("size"):
        return int(stored["size"]) == int(size)
    url = _get(record, "url")
    if url and stored.get("url"):
        return _strip_token(str(stored["url"])) == _strip_token(url)
    return True


def merged_record(index: Dict[str, Any], record: Any, hashes: Optional[_Hashes]) -> Dict[str, Any]:
    """What goes into ``info/repodata_record.json``: the record over ``info/index.json``.

    Keys missing (or None) in the record come from index.json; empty
    ``depends``/``constrains`` of a record built from a bare URL are filled
    from index.json; size/sha256/md5 missing everywhere come from the archive.
    """
    out = dict(index)
    for key, value in record_json(record).items():
        if value is None and key in out:
            continue
        if key in ("depends", "constrains") and not value and index.get(key):
            continue
        out[key] = _strip_token(value) if key in ("url", "channel") and value else value
    if hashes is not None:
        if not out.get("size"):
            out["size"] = hashes.size
        if not out.get("sha256"):
            out["sha256"] = hashes.sha256.hexdigest()
        if not out.get("md5"):
            out["md5"] = hashes.md5.hexdigest()
    for key in ("fn", "url"):
        if not out.get(key) and _get(record, key):
            out[key] = _get(record, key)
    if not out.get("fn"):
        out["fn"] = _fn(record)
    return out


def read_json(path: str) -> Optional[Dict[str, Any]]:
    try:
        with open(path, "rb") as fh:
            doc = json.loads(fh.read().decode("utf-8"))
    except (OSError, ValueError, UnicodeError):
        return None
    return doc if isinstance(doc, dict) else None


def is_valid_extracted(path: str, record: Any) -> bool:
    stored = read_json(os.path.join(path, RECORD_FILE))
    if stored is None or not record_matches(stored, record):
        return False
    info = os.path.join(path, "info")
    return os.path.isfile(os.path.join(info, "paths.json")) or \
        os.path.isfile(os.path.join(info, "files"))


def check_tarball(path: str, record: Any, cancel: Optional[threading.Event] = None
                  ) -> Optional[_Hashes]:
    """The archive's hashes if it exists and matches the record, else None."""
    try:
        size = os.path.getsize(path)
    except OSError:
        return None
    want = _get(record, "size")
    if want and int(want) != size:
        return None
    hashes = hash_file(path, cancel=cancel)
    try:
        verify(path, hashes, int(want) if want else None, _get(record, "sha256"),
               _get(record, "md5"))
    except ChecksumMismatch:
        return None
    return hashes


def is_writable_dir(path: str) -> bool:
    """Can ``path`` be created (if missing) and written? (``urls.txt`` too.)"""
    try:
        os.makedirs(path, exist_ok=True)
    except OSError:
        return False
    if not os.access(path, os.W_OK | os.X_OK):
        return False
    urls = os.path.join(path, URLS_TXT)
    return not os.path.exists(urls) or os.access(urls, os.W_OK)


def remove_tree(path: str) -> None:
    """``rmtree`` that also removes read-only directories' contents (fixing modes)."""
    import sys

    def retry(func: Any, p: str, _exc: Any) -> None:
        try:
            os.chmod(os.path.dirname(p), 0o700)
            func(p)
        except FileNotFoundError:
            pass

    if sys.version_info >= (3, 12):
        shutil.rmtree(path, onexc=retry)
    else:
        shutil.rmtree(path, onerror=retry)


def _quietly_remove(path: str) -> None:
    try:
        remove_tree(path)
    except OSError:
        pass


class _Job:
    __slots__ = ("record", "fn", "dist", "lock", "tarball", "hashes", "downloaded")

    def __init__(self, record: Any) -> None:
        self.record = record
        self.fn = _fn(record)
        self.dist = strip_extension(self.fn)
        self.lock: Optional[FileLock] = None
        self.tarball: Optional[str] = None
        self.hashes: Optional[_Hashes] = None
        self.downloaded = False


class PackageCache:
    """A list of pkgs dirs used as one cache; see the module docstring."""

    def __init__(self, pkgs_dirs: Sequence["str | os.PathLike[str]"], *,
                 lock_timeout: Optional[float] = None,
                 limits: ExtractLimits = DEFAULT_LIMITS) -> None:
        dirs: List[str] = []
        for d in pkgs_dirs:
            p = os.path.abspath(os.path.expanduser(os.fspath(d)))
            if p not in dirs:
                dirs.append(p)
        if not dirs:
            raise CacheError("", "no pkgs_dirs configured")
        self.dirs: Tuple[str, ...] = tuple(dirs)
        self.lock_timeout = lock_timeout
        self.limits = limits
        self._writable: Optional[str] = None

    def __repr__(self) -> str:
        return f"PackageCache({list(self.dirs)!r})"

    def writable_dir(self) -> str:
        if self._writable is None:
            for d in self.dirs:
                if is_writable_dir(d):
                    self._writable = d
                    break
            else:
                raise CacheError(self.dirs[0], "no writable package cache among "
                                 + ", ".join(self.dirs))
        return self._writable

    def find_extracted(self, record: Any) -> Optional[str]:
        dist = dist_name(record)
        for d in self.dirs:
            path = os.path.join(d, dist)
            if os.path.isdir(path) and is_valid_extracted(path, record):
                return path
        return None

    def find_tarball(self, record: Any, cancel: Optional[threading.Event] = None
                     ) -> Optional[Tuple[str, _Hashes]]:
        fn = _fn(record)
        for d in self.dirs:
            path = os.path.join(d, fn)
            if os.path.isfile(path):
                hashes = check_tarball(path, record, cancel)
                if hashes is not None:
                    return path, hashes
        return None

    def tarball_path(self, record: Any) -> str:
        """Where the record's archive is (first cache holding ``<fn>``), else where it
        would go (the writable cache); for ``package_tarball_full_path``. No hashing."""
        fn = _fn(record)
        for d in self.dirs:
            path = os.path.join(d, fn)
            if os.path.isfile(path):
                return path
        return os.path.join(self.writable_dir(), fn)

    # -- filling -----------------------------------------------------------
    def ensure(self, records: Sequence[Any], client: Any = None, reporter: Reporter = NULL,
               download_threads: int = 5, extract_threads: int = 0,
               offline: bool = False) -> Dict[Hashable, str]:
        """Make every record available extracted; see the module docstring."""
        result: Dict[Hashable, str] = {}
        todo: Dict[str, List[Any]] = {}
        for record in records:
            found = self.find_extracted(record)
            if found is not None:
                result[_key(record)] = found
            else:
                todo.setdefault(dist_name(record), []).append(record)
        if not todo:
            return result
        for dist, recs in todo.items():
            digests = {str(_get(r, "sha256")).lower() for r in recs if _get(r, "sha256")}
            if len(digests) > 1:
                raise CacheError(self.dirs[0], f"two different packages would both be "
                                 f"extracted to {dist} (different sha256)")
        target = self.writable_dir()
        jobs = [_Job(recs[0]) for recs in todo.values()]
        cancel = threading.Event()
        downloader = Downloader(client, reporter, threads=1) if not offline else None
        workers = extract_threads if extract_threads and extract_threads > 0 \
            else min(4, os.cpu_count() or 1)
        fetch_pool = DaemonPool(min(max(1, download_threads or 1), len(jobs)), "umm-fetch")
        extract_pool = DaemonPool(min(max(1, workers), len(jobs)), "umm-extract")
        done: Dict[str, str] = {}
        state_lock = threading.Lock()
        extracting: List[Tuple["Future[None]", _Job]] = []

        def extract_job(job: _Job) -> None:
            try:
                path = self._extract(job, target, reporter, cancel)
                with state_lock:
                    done[job.dist] = path
            finally:
                if job.lock is not None:
                    job.lock.release()

        def fetch_job(job: _Job) -> None:
            if cancel.is_set():
                raise Cancelled("cancelled")
            lock = FileLock(os.path.join(target, job.dist + LOCK_SUFFIX),
                            timeout=self.lock_timeout, reporter=reporter, what=job.dist,
                            cancel=cancel)
            lock.acquire()
            job.lock = lock
            handed_over = False
            try:
                if cancel.is_set():
                    raise Cancelled("cancelled")
                found = self.find_extracted(job.record)
                if found is not None:  # another process did it while we waited
                    with state_lock:
                        done[job.dist] = found
                    return
                tar = self.find_tarball(job.record, cancel)
                if tar is not None:
                    job.tarball, job.hashes = tar
                elif downloader is None:
                    raise CacheError(target, f"{job.fn} is not in the package cache "
                                     "and downloads are off (offline)")
                else:
                    self._download(job, target, downloader)
                with state_lock:
                    if cancel.is_set():
                        raise Cancelled("cancelled")
                    extracting.append((extract_pool.submit(extract_job, job), job))
                handed_over = True
            finally:
                if not handed_over:
                    lock.release()

        fetches: List["Future[None]"] = []
        try:
            fetches = [fetch_pool.submit(fetch_job, job) for job in jobs]
            wait_all(fetches)
            with state_lock:
                pending = [f for f, _ in extracting]
            wait_all(pending)
        except BaseException:
            # stop everything; running workers notice at their next step and only
            # leave .partial files and scratch dirs behind. No waiting: a stalled
            # download must not delay Ctrl-C.
            with state_lock:
                cancel.set()
                if downloader is not None:
                    downloader.cancel()
                for f in fetches:
                    f.cancel()
                for f, job in extracting:
                    if f.cancel() and job.lock is not None:
                        job.lock.release()
            fetch_pool.shutdown(wait=False)
            extract_pool.shutdown(wait=False)
            raise
        fetch_pool.shutdown(wait=True)
        extract_pool.shutdown(wait=True)
        for recs in todo.values():
            for record in recs:
                result[_key(record)] = done[dist_name(record)]
        return result

    def _download(self, job: _Job, target: str, downloader: Downloader) -> None:
        url = _get(job.record, "url")
        if not url:
            raise CacheError(target, f"{job.fn} is not cached and its record has no URL")
        dest = os.path.join(target, job.fn)
        size = _get(job.record, "size")
        res = downloader.fetch(DownloadRequest(url, dest, size=int(size) if size else None,
                                               sha256=_get(job.record, "sha256"),
                                               md5=_get(job.record, "md5"), label=job.fn))
        hashes = _Hashes()
        hashes.size = res.size
        hashes.sha256 = _FixedDigest(res.sha256)  # type: ignore[assignment]
        hashes.md5 = _FixedDigest(res.md5)  # type: ignore[assignment]
        job.tarball, job.hashes, job.downloaded = dest, hashes, True
        with open(os.path.join(target, URLS_TXT), "a", encoding="utf-8") as fh:
            fh.write(_strip_token(url) + "\n")

    def _extract(self, job: _Job, target: str, reporter: Reporter,
                 cancel: threading.Event) -> str:
        assert job.tarball is not None
        trash = os.path.join(target, TRASH)
        os.makedirs(trash, exist_ok=True)
        for stale in os.listdir(trash):  # left by a killed process (we hold the lock)
            if stale.startswith(job.dist + ".extract-"):
                _quietly_remove(os.path.join(trash, stale))
        scratch = os.path.join(trash, f"{job.dist}.extract-{uuid.uuid4().hex[:8]}")
        final = os.path.join(target, job.dist)
        reporter.start("extract", job.fn, job.fn, None)
        ok = False
        try:
            if cancel.is_set():
                raise Cancelled("cancelled")
            extract(job.tarball, scratch, limits=self.limits, reporter=reporter)
            index = read_json(os.path.join(scratch, "info", "index.json")) or {}
            merged = merged_record(index, job.record, job.hashes)
            with open(os.path.join(scratch, RECORD_FILE), "w", encoding="utf-8") as fh:
                json.dump(merged, fh, indent=2, sort_keys=True)
                fh.write("\n")
            if os.path.lexists(final):
                old = os.path.join(trash, f"{job.dist}.old-{uuid.uuid4().hex[:8]}")
                os.rename(final, old)
                _quietly_remove(old)  # left in the trash if it cannot go
            os.rename(scratch, final)
            ok = True
        finally:
            reporter.finish("extract", job.fn, ok=ok)
            if not ok and os.path.exists(scratch):
                _quietly_remove(scratch)
        return final


class _FixedDigest:
    """A finished digest (``hexdigest()`` only)."""

    __slots__ = ("_hex",)

    def __init__(self, hexdigest: str) -> None:
        self._hex = hexdigest

    def hexdigest(self) -> str:
        return self._hex
