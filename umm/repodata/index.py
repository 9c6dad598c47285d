"""The fast local index: where each package name's records are in a repodata.json.

Written once after a download (see :mod:`umm.repodata.scan`), next to the
JSON as ``<key>.umm-index``::

    b"UMMIDX01" | u32 header length | header JSON | u32 names length |
    names ("\\n"-joined, sorted) | u32[n_names + 1] first run of each name |
    u64[n_runs] run offsets | u32[n_runs] run lengths | u8[n_runs] sections

A run is the byte range ``"fn":{...},"fn2":{...}`` of consecutive records of
one name in ``packages`` (section 0) or ``packages.conda`` (section 1).
Loading a name reads only its runs and parses them with one ``json.loads``.
The header records the source's size, mtime and HTTP validators; a changed
source invalidates the index (:func:`load_index` returns None).
"""
from __future__ import annotations

import json
import os
import struct
import sys
from array import array
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from umm.repodata.cache import atomic_write
from umm.repodata.errors import InvalidRepodata
from umm.repodata.scan import scan_repodata

MAGIC = b"UMMIDX01"
FORMAT_VERSION = 1
_U32 = struct.Struct("<I")


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


class SubdirIndex:
    """An opened index: name -> runs, plus the document's top-level values."""

    __slots__ = ("header", "names", "_pos", "_first", "_off", "_len", "_sec")

    def __init__(self, header: Dict[str, Any], names: List[str], first: array, off: array,
                 length: array, sec: array) -> None:
        self.header = header
        self.names = names
        self._pos = {n: i for i, n in enumerate(names)}
        self._first, self._off, self._len, self._sec = first, off, length, sec

    @property
    def info(self) -> Dict[str, Any]:
        info = self.header.get("top", {}).get("info")
        return info if isinstance(info, dict) else {}

    @property
    def top(self) -> Dict[str, Any]:
        return self.header.get("top", {})

    @property
    def n_records(self) -> int:
        return int(self.header.get("n_records", 0))

    def __contains__(self, name: object) -> bool:
        return name in self._pos

    def runs(self, name: str) -> List[Tuple[int, int, int]]:
        i = self._pos.get(name)
        if i is None:
            return []
        return [(self._sec[j], self._off[j], self._len[j])
                for j in range(self._first[i], self._first[i + 1])]

    def read_sections(self, fd: int, name: str) -> Tuple[Dict[str, Any], Dict[str, Any]]:
        """The records of ``name``: (``packages`` dict, ``packages.conda`` dict) fn -> raw."""
        runs = self.runs(name)
        if not runs:
            return {}, {}
        chunks = []
        for _, off, length in runs:
            chunks.append(os.pread(fd, length, off) if hasattr(os, "pread")
                          else _pread_fallback(fd, length, off))
        try:
            parsed = json.loads(b"[{" + b"},{".join(chunks) + b"}]")
        except ValueError as exc:
            raise InvalidRepodata("", f"index does not match its repodata ({exc})") from None
        tarbz2: Dict[str, Any] = {}
        conda: Dict[str, Any] = {}
        for (sec, _, _), d in zip(runs, parsed):
            (conda if sec == 1 else tarbz2).update(d)
        return tarbz2, conda


def _pread_fallback(fd: int, length: int, offset: int) -> bytes:  # pragma: no cover - Windows
    os.lseek(fd, offset, os.SEEK_SET)
    return os.read(fd, length)


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


def build_index(json_path: Path, index_path: Path, validators: Optional[Dict[str, str]] = None,
                url: str = "") -> SubdirIndex:
    """Scan ``json_path`` and write its index to ``index_path`` (atomically)."""
    data = json_path.read_bytes()
    st = os.stat(json_path)
    res = scan_repodata(data, url)
    del data
    names = sorted(res.runs)
    first = [0]
    offs: List[int] = []
    lens: List[int] = []
    secs: List[int] = []
    for n in names:
        for sec, start, end in res.runs[n]:
            secs.append(sec)
            offs.append(start)
            lens.append(end - start)
        first.append(len(offs))
    header = {"format": FORMAT_VERSION, "source_size": st.st_size,
              "source_mtime_ns": st.st_mtime_ns, "validators": dict(validators or {}),
              "fingerprint": fingerprint(json_path, st.st_size),
              "n_records": res.n_records, "skipped": res.skipped[:100],
              "n_skipped": len(res.skipped), "top": res.top}
    a_first, a_off = _arr("I", first), _arr("Q", offs)
    a_len, a_sec = _arr("I", lens), _arr("B", secs)
    hb = json.dumps(header, separators=(",", ":")).encode("utf-8")
    nb = "\n".join(names).encode("utf-8")
    blob = b"".join([MAGIC, _U32.pack(len(hb)), hb, _U32.pack(len(nb)), nb, a_first.tobytes(),
                     a_off.tobytes(), a_len.tobytes(), a_sec.tobytes()])
    atomic_write(index_path, blob)
    return SubdirIndex(header, names, a_first, a_off, a_len, a_sec)


def read_index(index_path: Path) -> Optional[SubdirIndex]:
    """Open an index file; None when missing, of another format, or damaged."""
    try:
        blob = index_path.read_bytes()
    except OSError:
        return None
    try:
        if blob[:8] != MAGIC:
            return None
        p = 8
        (hl,) = _U32.unpack_from(blob, p)
        p += 4
        header = json.loads(blob[p:p + hl])
        p += hl
        if header.get("format") != FORMAT_VERSION:
            return None
        (nl,) = _U32.unpack_from(blob, p)
        p += 4
        names = blob[p:p + nl].decode("utf-8").split("\n") if nl else []
        p += nl
        nn = len(names)
        first = _arr_from("I", blob[p:p + 4 * (nn + 1)])
        p += 4 * (nn + 1)
        nr = first[-1] if nn else 0
        off = _arr_from("Q", blob[p:p + 8 * nr])
        p += 8 * nr
        length = _arr_from("I", blob[p:p + 4 * nr])
        p += 4 * nr
        sec = _arr_from("B", blob[p:p + nr])
        p += nr
        if p != len(blob) or len(off) != nr or len(sec) != nr:
            return None
        return SubdirIndex(header, names, first, off, length, sec)
    except (ValueError, struct.error, UnicodeDecodeError, IndexError):
        return None


def index_matches(index: SubdirIndex, json_path: Path,
                  validators: Optional[Dict[str, str]] = None) -> bool:
    """True when ``index`` was built from the current content of ``json_path``.

    Same size and either the same mtime, or the same non-empty HTTP
    validators and content fingerprint (the JSON is touched, not changed,
    when a server says 304).
    """
    try:
        st = os.stat(json_path)
    except OSError:
        return False
    h = index.header
    if h.get("source_size") != st.st_size:
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


def load_or_build_index(json_path: Path, index_path: Path,
                        validators: Optional[Dict[str, str]] = None,
                        url: str = "") -> SubdirIndex:
    """The index of ``json_path``: reused when it still matches, else rebuilt."""
    idx = read_index(index_path)
    if idx is not None and index_matches(idx, json_path, validators):
        return idx
    return build_index(json_path, index_path, validators, url)
