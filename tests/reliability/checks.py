"""Independent checks of environments and package caches (stdlib only, no umm code).

The reliability suites judge umm with these, never with umm's own verifier
(``umm doctor`` is tested against them instead):

* :func:`env_problems` -- every record of ``conda-meta`` is readable and every
  file it lists is there with the recorded sha256; no rollback or temp files;
* :func:`env_state` -- a file-by-file snapshot (kind, sha256, link target) for
  "as before" comparisons, and :func:`untracked` files no record owns;
* :func:`cache_problems` -- every extracted package dir under its final name has
  its record and holds exactly what its archive holds (read with tarfile, zipfile
  and zstandard; without the archive: every file of ``paths.json`` with its
  sha256), every archive under its final name hashes to its record;
  :func:`cache_leftovers` lists ``.partial`` files and scratch dirs.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
import zipfile
from pathlib import Path
from typing import Dict, Iterable, Iterator, List, Optional, Set, Tuple

META = "conda-meta"
LOCK_FILES = {"conda-meta/umm.lock"}


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_records(prefix: Path) -> Tuple[Dict[str, dict], List[str]]:
    """name -> record of ``conda-meta/*.json``, and the problems met reading them."""
    out: Dict[str, dict] = {}
    problems: List[str] = []
    meta = prefix / META
    if not meta.is_dir():
        return out, problems
    for f in sorted(meta.iterdir()):
        if f.name.startswith("."):
            problems.append(f"stray hidden file in conda-meta: {f.name}")
            continue
        if not f.name.endswith(".json"):
            continue
        try:
            rec = json.loads(f.read_text())
        except (OSError, ValueError) as exc:
            problems.append(f"unreadable record {f.name}: {exc}")
            continue
        if not isinstance(rec, dict) or not isinstance(rec.get("name"), str):
            problems.append(f"record {f.name} is not a package record")
            continue
        want = f"{rec['name']}-{rec.get('version')}-{rec.get('build')}.json"
        if f.name != want:
            problems.append(f"record file {f.name} should be named {want}")
        if rec["name"] in out:
            problems.append(f"two records for {rec['name']}")
        out[rec["name"]] = rec
    return out, problems


def _entries(rec: dict) -> List[dict]:
    paths = (rec.get("paths_data") or {}).get("paths")
    if isinstance(paths, list) and paths:
        return paths
    return [{"_path": p} for p in rec.get("files") or ()]


def env_problems(prefix: Path) -> List[str]:
    """Why ``prefix`` is not a consistent environment (empty list: it is)."""
    prefix = Path(prefix)
    if not prefix.exists():
        return []
    records, problems = read_records(prefix)
    if (prefix / ".umm-rollback").exists():
        problems.append("an unfinished transaction's rollback data is still there")
    for rec in records.values():
        name = rec["name"]
        listed = set(rec.get("files") or ())
        for entry in _entries(rec):
            rel = entry.get("_path")
            if not isinstance(rel, str) or rel.startswith("/") or ".." in rel.split("/"):
                problems.append(f"{name}: bad path {rel!r} in its record")
                continue
            kind = entry.get("path_type", "hardlink")
            if kind != "directory" and rel not in listed:
                problems.append(f"{name}: {rel} in paths_data but not in files")
            p = prefix / rel
            if not os.path.lexists(p):
                problems.append(f"{name}: {rel} is missing")
                continue
            if kind == "directory":
                if not p.is_dir():
                    problems.append(f"{name}: {rel} should be a directory")
                continue
            if p.is_symlink() or kind == "softlink":
                continue
            want = entry.get("sha256_in_prefix") or entry.get("sha256")
            if want and sha256_of(p) != want:
                problems.append(f"{name}: {rel} does not match its sha256")
    return problems


def env_state(prefix: Path, skip: Iterable[str] = ()) -> Dict[str, tuple]:
    """Every path below ``prefix``: ('dir',), ('link', target) or ('file', sha256, mode).

    The env lock file is left out (it holds the pid of its last holder)."""
    prefix = Path(prefix)
    out: Dict[str, tuple] = {}
    if not prefix.exists():
        return out
    skipped = set(skip) | LOCK_FILES
    for dirpath, dirnames, filenames in os.walk(prefix):
        for name in dirnames + filenames:
            p = Path(dirpath, name)
            rel = p.relative_to(prefix).as_posix()
            if rel in skipped:
                continue
            if p.is_symlink():
                out[rel] = ("link", os.readlink(p))
            elif p.is_dir():
                out[rel] = ("dir",)
            else:
                out[rel] = ("file", sha256_of(p), p.stat().st_mode & 0o777)
    return out


def installed(prefix: Path) -> Set[str]:
    """``name-version-build`` of every record."""
    records, _ = read_records(Path(prefix))
    return {f"{r['name']}-{r.get('version')}-{r.get('build')}" for r in records.values()}


def untracked(prefix: Path) -> List[str]:
    """Files (not directories) below ``prefix`` that no record lists, conda-meta aside."""
    records, _ = read_records(Path(prefix))
    owned: Set[str] = set()
    for rec in records.values():
        owned.update(rec.get("files") or ())
    out = []
    for rel, kind in env_state(prefix).items():
        if kind[0] == "dir" or rel.startswith(META + "/") or rel in owned:
            continue
        out.append(rel)
    return sorted(out)


def missing_dependencies(prefix: Path) -> List[str]:
    """``pkg -> dep`` for every dependency (by name) no installed record provides."""
    records, _ = read_records(Path(prefix))
    out = []
    for rec in records.values():
        for dep in rec.get("depends") or ():
            name = dep.split()[0].split("=")[0].split("<")[0].split(">")[0].split("!")[0]
            if name not in records and not name.startswith("__"):
                out.append(f"{rec['name']} -> {dep}")
    return sorted(out)


def is_no_env(prefix: Path) -> bool:
    """Nothing there, an empty directory, or an env skeleton without any record or file."""
    prefix = Path(prefix)
    if not prefix.exists():
        return True
    state = env_state(prefix)
    return all(k[0] == "dir" or rel in LOCK_FILES or rel == f"{META}/history"
               for rel, k in state.items()) and not read_records(prefix)[0]


# -- package caches ---------------------------------------------------------------------
def cache_problems(pkgs: Path, expected: Optional[Dict[str, str]] = None) -> List[str]:
    """Why the package cache ``pkgs`` cannot be trusted (empty list: it can).

    ``expected`` maps archive file names to their true sha256 (the channel's).
    """
    pkgs = Path(pkgs)
    problems: List[str] = []
    if not pkgs.is_dir():
        return problems
    expected = expected or {}
    for entry in sorted(pkgs.iterdir()):
        name = entry.name
        if name.startswith(".") or name == "cache":
            continue
        if entry.is_dir():
            problems += _extracted_problems(entry, expected)
        elif name.endswith((".conda", ".tar.bz2")):
            stem = name[:-6] if name.endswith(".conda") else name[:-8]
            want = expected.get(name)
            rec_file = pkgs / stem / "info" / "repodata_record.json"
            if want is None and rec_file.is_file():
                try:
                    want = json.loads(rec_file.read_text()).get("sha256")
                except ValueError:
                    want = None
            if want is None:
                problems.append(f"archive {name}: nothing to check it against")
            elif sha256_of(entry) != want:
                problems.append(f"archive {name} does not match its sha256")
    return problems


_MEMBERS: Dict[Tuple[str, int, int], List[Tuple[str, tarfile.TarInfo, Optional[bytes]]]] = {}


def _archive_members(archive: Path) -> List[Tuple[str, tarfile.TarInfo, Optional[bytes]]]:
    """(name, member, data of regular files) of a package archive (memoized per file
    version: suites check the same cache over and over)."""
    st = archive.stat()
    key = (str(archive), st.st_size, st.st_mtime_ns)
    found = _MEMBERS.get(key)
    if found is None:
        found = _MEMBERS[key] = list(_read_members(archive))
    return found


def _read_members(archive: Path) -> Iterator[Tuple[str, tarfile.TarInfo, Optional[bytes]]]:
    def members(tf: tarfile.TarFile):
        for m in tf:
            data = tf.extractfile(m).read() if m.isreg() else None  # type: ignore[union-attr]
            yield m.name, m, data

    if archive.name.endswith(".conda"):
        import zstandard

        with zipfile.ZipFile(archive) as zf:
            for n in zf.namelist():
                if n.endswith(".tar.zst"):
                    raw = zstandard.ZstdDecompressor().stream_reader(zf.read(n)).read()
                    with tarfile.open(fileobj=io.BytesIO(raw), mode="r:") as tf:
                        yield from members(tf)
    else:
        with tarfile.open(archive, "r:bz2") as tf:
            yield from members(tf)


def _extracted_problems(d: Path, expected: Dict[str, str]) -> List[str]:
    """An extracted package dir: a readable record, and the very content of its archive
    (when the archive is there), else every file of its paths.json."""
    problems = []
    rec_file = d / "info" / "repodata_record.json"
    try:
        rec = json.loads(rec_file.read_text())
    except (OSError, ValueError):
        return [f"extracted {d.name}: no readable info/repodata_record.json"]
    fn = rec.get("fn") or ""
    if fn in expected and rec.get("sha256") and rec["sha256"] != expected[fn]:
        problems.append(f"extracted {d.name}: its record names another archive")
    archive = d.parent / fn
    if fn and archive.is_file():
        final: Dict[str, Tuple[tarfile.TarInfo, Optional[bytes]]] = {}
        for name, m, data in _archive_members(archive):
            parts = [c for c in name.split("/") if c not in ("", ".")]
            if parts:
                final["/".join(parts)] = (m, data)  # duplicates: the last one wins
        for rel, (m, data) in final.items():
            f = d / rel
            if m.isdir():
                if not f.is_dir():
                    problems.append(f"extracted {d.name}: directory {rel} missing")
            elif m.issym():
                if not f.is_symlink() or os.readlink(f) != m.linkname:
                    problems.append(f"extracted {d.name}: symlink {rel} differs")
            elif m.isreg() or m.islnk():
                want = data if m.isreg() else final.get(m.linkname, (None, None))[1]
                if not f.is_file() or f.is_symlink():
                    problems.append(f"extracted {d.name}: {rel} missing")
                elif want is not None and f.read_bytes() != want:
                    problems.append(f"extracted {d.name}: {rel} differs from the archive")
        return problems
    try:
        paths = json.loads((d / "info" / "paths.json").read_text())["paths"]
    except (OSError, ValueError, KeyError, TypeError):
        return problems + [f"extracted {d.name}: no archive and no readable info/paths.json"]
    for p in paths:
        rel = p.get("_path") if isinstance(p, dict) else None
        if not isinstance(rel, str) or rel.startswith("/") or ".." in rel.split("/") \
                or "\0" in rel:
            continue  # the package's own nonsense, refused at link time
        f = d / rel
        if p.get("path_type") == "directory":
            if not f.is_dir():
                problems.append(f"extracted {d.name}: directory {rel} missing")
            continue
        if not os.path.lexists(f):
            problems.append(f"extracted {d.name}: {rel} missing")
        elif not f.is_symlink() and p.get("path_type") != "softlink" and p.get("sha256") \
                and sha256_of(f) != p["sha256"]:
            problems.append(f"extracted {d.name}: {rel} does not match its sha256")
    return problems


def cache_leftovers(pkgs: Path) -> List[str]:
    """``.partial`` downloads and extraction scratch left in ``pkgs``."""
    pkgs = Path(pkgs)
    out = []
    if not pkgs.is_dir():
        return out
    for entry in pkgs.iterdir():
        if entry.name.endswith(".partial"):
            out.append(entry.name)
    trash = pkgs / ".umm_trash"
    if trash.is_dir():
        out += [f".umm_trash/{n}" for n in os.listdir(trash)]
    return sorted(out)


def repodata_cache_problems(pkgs: Path) -> List[str]:
    """Files of the repodata cache (``pkgs/cache``) that are not valid JSON where JSON is due."""
    cache = Path(pkgs) / "cache"
    problems = []
    if not cache.is_dir():
        return problems
    for f in sorted(cache.iterdir()):
        if f.name.endswith(".json"):
            try:
                json.loads(f.read_bytes())
            except ValueError:
                problems.append(f"repodata cache file {f.name} is not valid JSON")
    return problems
