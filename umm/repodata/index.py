"""The index cache: a repodata.json's records, validated, grouped by name.

Written once after a download, next to the JSON as ``<key>.umm-index``::

    b"UMMIDX02" | u32 header length | header JSON | u32 names length |
    names ("\\n"-joined, sorted) | u64[n + 1] blob offsets | u32[n] blob crc32 |
    blobs: marshal of each name's list of wire tuples (see umm.repodata.wire)

Loading a name reads and unmarshals one blob: no JSON parsing, no
validation, strings already interned and shared. The header records the
source's size, mtime, HTTP validators and a content fingerprint, the
channel URL it was built for, the version checker and the Python/marshal
versions; any mismatch makes :func:`load_or_build_index` rebuild it. Problems
found in records are kept per name and reported when that name is loaded.
"""
from __future__ import annotations

import contextlib
import gc
import json
import marshal
import os
import struct
import sys
import threading
import zlib
from array import array
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

from umm.repodata import forked
from umm.repodata import wire as W
from umm.repodata.cache import atomic_write
from umm.repodata.errors import CacheError
from umm.repodata.records import RecordBuilder
from umm.repodata.scan import scan_repodata

MAGIC = b"UMMIDX02"
FORMAT_VERSION = 2
MARSHAL_VERSION = 4
_U32 = struct.Struct("<I")
_PY = f"{sys.version_info[0]}.{sys.version_info[1]}"
_MAX_PROBLEMS = 3


def _arr(code: str, values: Any) -> array:
    a = array(code, values)
    if sys.byteorder != "little":  # pragma: no cover - big-endian hosts
        a.byteswap()
    return a


def _arr_from(code: str, data: bytes) -> array:
    a = array(code)
    a.frombytes(data)
    if sys.byteorder != "little":  # pragma: no cover
        a.byteswap()
    return a


def fingerprint(path: "os.PathLike[str]", size: int, blocks: int = 16, block: int = 256) -> str:
    """A cheap content fingerprint: sha1 of ``blocks`` evenly spaced slices of the file."""
    import hashlib

    h = hashlib.sha1(str(size).encode())
    with open(path, "rb") as f:
        step = max(block, size // blocks)
        for off in range(0, max(size, 1), step):
            f.seek(off)
            h.update(f.read(block))
        f.seek(max(0, size - block))
        h.update(f.read(block))
    return h.hexdigest()


class SubdirIndex:
    """An opened index: per name, its wire tuples (and the problems met building them)."""

    __slots__ = ("path", "header", "names", "_pos", "_off", "_crc", "_base")

    def __init__(self, path: Path, header: Dict[str, Any], names: List[str], offsets: array,
                 crcs: array, blob_start: int) -> None:
        self.path = path
        self.header = header
        self.names = names
        self._pos = {n: i for i, n in enumerate(names)}
        self._off, self._crc, self._base = offsets, crcs, blob_start

    @property
    def top(self) -> Dict[str, Any]:
        return self.header.get("top", {})

    @property
    def info(self) -> Dict[str, Any]:
        info = self.top.get("info")
        return info if isinstance(info, dict) else {}

    @property
    def n_records(self) -> int:
        return int(self.header.get("n_records", 0))

    def __contains__(self, name: object) -> bool:
        return name in self._pos

    def problems(self, name: str) -> Tuple[List[str], int]:
        return (self.header.get("problems", {}).get(name, []),
                int(self.header.get("n_problems", {}).get(name, 0)))

    def wire(self, fd: int, name: str) -> List[tuple]:
        """The wire tuples of ``name`` ([] when the subdir has none)."""
        i = self._pos.get(name)
        if i is None:
            return []
        start, end = self._off[i], self._off[i + 1]
        blob = os.pread(fd, end - start, self._base + start) if hasattr(os, "pread") \
            else _pread_fallback(fd, end - start, self._base + start)
        if len(blob) != end - start or zlib.crc32(blob) != self._crc[i]:
            raise CacheError(str(self.path), f"damaged index entry for {name!r}")
        try:
            return marshal.loads(blob)
        except (ValueError, EOFError, TypeError) as exc:
            raise CacheError(str(self.path), f"damaged index entry for {name!r}: {exc}") \
                from None


def _pread_fallback(fd: int, length: int, offset: int) -> bytes:  # pragma: no cover - Windows
    os.lseek(fd, offset, os.SEEK_SET)
    return os.read(fd, length)


_gc_lock = threading.Lock()
_gc_state = {"pausers": 0, "restore": False}


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic GC while building: the scan makes ~10^6 small objects that all stay
    alive (no cycles among them), and each collection would walk them all again
    (measured: 10-50% of a cold build). Builders may overlap (one per subdir, in
    threads): the first one in disables the GC, the last one out restores it."""
    with _gc_lock:
        if _gc_state["pausers"] == 0:
            _gc_state["restore"] = gc.isenabled()
            gc.disable()
        _gc_state["pausers"] += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_state["pausers"] -= 1
            if _gc_state["pausers"] == 0 and _gc_state["restore"]:
                gc.enable()


def build_index(json_path: Path, index_path: Path, builder: RecordBuilder,
                validators: Optional[Dict[str, str]] = None, url: str = "",
                processes: Optional[int] = None) -> SubdirIndex:
    """Scan ``json_path``, validate every record, and write the index (atomically).

    A large document is built in shares by forked processes (``processes``: how
    many at most; None: one per CPU, see :mod:`umm.repodata.forked`), each share
    the names whose hash falls in it; the result is the same file either way.
    """
    with gc_paused():
        return _build_index(json_path, index_path, builder, validators, url, processes)


class _Share:
    """What one share of a build found (marshal-able through :meth:`dumps`)."""

    __slots__ = ("names", "blobs", "problems", "n_problems", "top", "n_records", "n_skipped")

    def __init__(self, names: List[str], blobs: List[bytes], problems: Dict[str, List[str]],
                 n_problems: Dict[str, int], top: Dict[str, Any], n_records: int,
                 n_skipped: int) -> None:
        self.names, self.blobs, self.problems, self.n_problems = names, blobs, problems, n_problems
        self.top, self.n_records, self.n_skipped = top, n_records, n_skipped

    def dumps(self) -> bytes:
        return marshal.dumps(tuple(getattr(self, k) for k in self.__slots__), MARSHAL_VERSION)

    @classmethod
    def loads(cls, data: bytes) -> "_Share":
        return cls(*marshal.loads(data))


def _build_share(data: str, url: str, builder: RecordBuilder, k: int, n: int) -> _Share:
    """Validate and group the records of the names in share ``k`` of ``n``."""
    groups: Dict[str, Tuple[Dict[str, tuple], Dict[str, tuple]]] = {}
    problems: Dict[str, List[str]] = {}
    n_problems: Dict[str, int] = {}
    wire_one = builder.wire_one
    mine: Dict[str, bool] = {}  # name -> in this share (hash() is the same in a fork)

    def on_record(section: int, fn: str, obj: Any, name: Optional[str]) -> None:
        if name is None:
            return
        if n > 1:
            ours = mine.get(name)
            if ours is None:
                ours = mine[name] = hash(name) % n == k
            if not ours:
                return
        w, why = wire_one(name, fn, obj)
        if w is None:
            n_problems[name] = n_problems.get(name, 0) + 1
            msgs = problems.setdefault(name, [])
            if len(msgs) < _MAX_PROBLEMS:
                msgs.append(why)  # type: ignore[arg-type]
            return
        g = groups.get(name)
        if g is None:
            g = groups[name] = ({}, {})
        g[section][fn] = w

    res = scan_repodata(data, url, on_record)
    old_ref = builder.url_ref
    builder.update_top(res.top)
    fix_url = builder.url_ref != old_ref
    names = sorted(groups)
    blobs: List[bytes] = []
    for name in names:
        tarbz2, conda = groups.pop(name)
        wires = builder.select(conda, tarbz2)
        if fix_url:
            ref = builder.url_ref
            wires = [w[:W.I_URL] + (ref,) + w[W.I_URL + 1:] for w in wires]
        blobs.append(marshal.dumps(wires, MARSHAL_VERSION))
    return _Share(names, blobs, problems, n_problems, res.top, res.n_records, len(res.skipped))


def _build_shares(data: str, url: str, builder: RecordBuilder, n: int,
                  scratch: Path) -> List[_Share]:
    if n > 1:
        try:
            raw = forked.run_shares(n, lambda k: _build_share(data, url, builder, k, n).dumps(),
                                    scratch)
        except OSError:  # no fork today (process limits, memory): do it here
            raw = None
        if raw is not None:
            return [_Share.loads(r) for r in raw]
    return [_build_share(data, url, builder, 0, 1)]


def _build_index(json_path: Path, index_path: Path, builder: RecordBuilder,
                 validators: Optional[Dict[str, str]], url: str,
                 processes: Optional[int] = None) -> SubdirIndex:
    st = os.stat(json_path)
    data = json_path.read_bytes().decode("latin-1")  # the bytes are freed at once
    scratch = index_path.with_name("." + index_path.name.lstrip("."))  # hidden share files
    shares = _build_shares(data, url, builder, forked.shares_for(st.st_size, processes), scratch)
    del data
    first = shares[0]
    builder.update_top(first.top)
    if len(shares) == 1:
        names, blobs = first.names, first.blobs
    else:
        pairs = sorted((name, blob) for sh in shares for name, blob in zip(sh.names, sh.blobs))
        names = [p[0] for p in pairs]
        blobs = [p[1] for p in pairs]
    problems: Dict[str, List[str]] = {}
    n_problems: Dict[str, int] = {}
    for share in shares:
        problems.update(share.problems)
        n_problems.update(share.n_problems)
    problems = dict(sorted(problems.items()))  # the same file, however many shares
    n_problems = dict(sorted(n_problems.items()))
    offsets = [0]
    for blob in blobs:
        offsets.append(offsets[-1] + len(blob))
    header = {"format": FORMAT_VERSION, "python": _PY, "marshal": MARSHAL_VERSION,
              "source_size": st.st_size, "source_mtime_ns": st.st_mtime_ns,
              "validators": dict(validators or {}),
              "fingerprint": fingerprint(json_path, st.st_size),
              "channel_url": builder.channel_url, "checker": builder.checker_id,
              "n_records": first.n_records, "n_skipped": first.n_skipped,
              "problems": problems, "n_problems": n_problems, "top": first.top}
    a_off = _arr("Q", offsets)
    a_crc = _arr("I", [zlib.crc32(b) for b in blobs])
    hb = json.dumps(header, separators=(",", ":")).encode("utf-8")
    nb = "\n".join(names).encode("utf-8")
    head = b"".join([MAGIC, _U32.pack(len(hb)), hb, _U32.pack(len(nb)), nb, a_off.tobytes(),
                     a_crc.tobytes()])
    atomic_write(index_path, head + b"".join(blobs))
    return SubdirIndex(index_path, header, names, a_off, a_crc, len(head))


def read_index(index_path: Path) -> Optional[SubdirIndex]:
    """Open an index file (its head only); None when missing, foreign or damaged."""
    try:
        with open(index_path, "rb") as f:
            total = os.fstat(f.fileno()).st_size
            if f.read(8) != MAGIC:
                return None
            (hl,) = _U32.unpack(f.read(4))
            header = json.loads(f.read(hl))
            if header.get("format") != FORMAT_VERSION or header.get("python") != _PY or \
                    header.get("marshal") != MARSHAL_VERSION:
                return None
            (nl,) = _U32.unpack(f.read(4))
            names = f.read(nl).decode("utf-8").split("\n") if nl else []
            n = len(names)
            offsets = _arr_from("Q", f.read(8 * (n + 1)))
            crcs = _arr_from("I", f.read(4 * n))
            base = f.tell()
        if len(offsets) != n + 1 or len(crcs) != n or base + offsets[-1] != total:
            return None
        return SubdirIndex(index_path, header, names, offsets, crcs, base)
    except (OSError, ValueError, struct.error, UnicodeDecodeError):
        return None


def index_matches(index: SubdirIndex, json_path: Path, builder: Optional[RecordBuilder] = None,
                  validators: Optional[Dict[str, str]] = None) -> bool:
    """True when ``index`` was built from the current ``json_path`` (for ``builder``).

    Same size and either the same mtime, or the same non-empty HTTP
    validators and content fingerprint (the JSON is touched, not changed,
    when a server says 304); and the same channel URL and version checker.
    """
    try:
        st = os.stat(json_path)
    except OSError:
        return False
    h = index.header
    if h.get("source_size") != st.st_size:
        return False
    if builder is not None and (h.get("channel_url") != builder.channel_url or
                                h.get("checker") != builder.checker_id):
        return False
    if h.get("source_mtime_ns") == st.st_mtime_ns:
        return True
    mine = h.get("validators") or {}
    theirs = validators or {}
    if not any(mine.get(k) and mine.get(k) == theirs.get(k) for k in ("etag", "mod")):
        return False
    try:
        return h.get("fingerprint") == fingerprint(json_path, st.st_size)
    except OSError:
        return False


def load_or_build_index(json_path: Path, index_path: Path, builder: RecordBuilder,
                        validators: Optional[Dict[str, str]] = None,
                        url: str = "", processes: Optional[int] = None) -> SubdirIndex:
    """The index of ``json_path``: reused when it still matches, else rebuilt."""
    idx = read_index(index_path)
    if idx is not None and index_matches(idx, json_path, builder, validators):
        builder.update_top(idx.top)
        return idx
    return build_index(json_path, index_path, builder, validators, url, processes)
