"""What ``umm constructor`` does for installers made by conda/constructor.

* :func:`extract_conda_pkgs`: the installer ships ``<prefix>/pkgs/<fn>`` archives and
  ``<prefix>/pkgs/urls`` (one URL a line, ``#md5`` allowed); each archive is extracted
  to ``<prefix>/pkgs/<name-version-build>/`` with an ``info/repodata_record.json`` made
  from the channel's cached repodata (``pkgs/cache/<hash>.json``) when it has the file,
  else from ``info/index.json`` plus the archive's size and checksums.
* :func:`extract_tarball`: a ``.tar.bz2`` or plain tar read from a stream, extracted
  into the prefix (safely, by ``umm.package``'s extractor).
"""
from __future__ import annotations

import bz2
import json
import os
import shutil
import tempfile
from typing import IO, Any, Dict, List, Optional

from umm.envfile.errors import SpecFileError
from umm.envfile.explicit import ExplicitPackage, ExplicitPackageError
from umm.reporter import NULL, Reporter

URLS_FILES = ("urls", "urls.txt")


class ConstructorError(SpecFileError):
    """A constructor payload that cannot be unpacked."""


def _urls_file(pkgs_dir: str) -> str:
    for name in URLS_FILES:
        path = os.path.join(pkgs_dir, name)
        if os.path.isfile(path):
            return path
    raise ConstructorError(os.path.join(pkgs_dir, URLS_FILES[0]),
                           "no urls file: nothing says which packages to extract")


def read_urls(pkgs_dir: str) -> List[ExplicitPackage]:
    path = _urls_file(pkgs_dir)
    out = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            line = line.strip()
            if not line or line.startswith(("#", "@")):
                continue
            try:
                out.append(ExplicitPackage.parse(line))
            except ExplicitPackageError as exc:
                raise ConstructorError(path, f"invalid package URL {line!r}: {exc}", n) from None
    return out


def _from_repodata_cache(pkgs_dir: str, pkg: ExplicitPackage) -> Optional[Dict[str, Any]]:
    from umm.repodata.cache import cache_name_from_url

    name = cache_name_from_url(pkg.platform_url + "/repodata.json")
    path = os.path.join(pkgs_dir, "cache", name + ".json")
    try:
        with open(path, "rb") as fh:
            doc = json.loads(fh.read().decode("utf-8"))
    except (OSError, ValueError, UnicodeError):
        return None
    for key in ("packages.conda", "packages"):
        entry = (doc.get(key) or {}).get(pkg.fn) if isinstance(doc, dict) else None
        if isinstance(entry, dict):
            return dict(entry)
    return None


def extract_conda_pkgs(prefix: str, reporter: Reporter = NULL) -> List[str]:
    """Extract every package listed in ``<prefix>/pkgs/urls``; returns the dirs made."""
    from umm.package.cache import RECORD_FILE, merged_record, read_json
    from umm.package.download import hash_file
    from umm.package.extract import extract

    pkgs_dir = os.path.join(prefix, "pkgs")
    done = []
    for pkg in read_urls(pkgs_dir):
        archive = os.path.join(pkgs_dir, pkg.fn)
        if not os.path.isfile(archive):
            raise ConstructorError(archive, "listed in the urls file but missing")
        hashes = hash_file(archive)
        if pkg.md5 and hashes.md5.hexdigest() != pkg.md5:
            raise ConstructorError(archive, f"md5 {hashes.md5.hexdigest()} does not match "
                                            f"the urls file's {pkg.md5}")
        if pkg.sha256 and hashes.sha256.hexdigest() != pkg.sha256:
            raise ConstructorError(archive, "sha256 does not match the urls file")
        reporter.info(f"Extracting {pkg.fn}")
        dest = os.path.join(pkgs_dir, pkg.dist_name)
        if os.path.lexists(dest):
            shutil.rmtree(dest)
        extract(archive, dest, reporter=reporter)
        index = read_json(os.path.join(dest, "info", "index.json")) or {}
        record = _from_repodata_cache(pkgs_dir, pkg) or {}
        record.update(pkg.record().to_json())
        merged = merged_record(index, record, hashes)
        with open(os.path.join(dest, RECORD_FILE), "w", encoding="utf-8") as fh:
            json.dump(merged, fh, indent=2, sort_keys=True)
            fh.write("\n")
        done.append(dest)
    return done


def extract_tarball(prefix: str, stream: IO[bytes], reporter: Reporter = NULL) -> None:
    """Extract a ``.tar.bz2`` (or plain ``.tar``) read from ``stream`` into ``prefix``."""
    from umm.package.extract import extract

    os.makedirs(prefix, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix="umm-constructor-", suffix=".tar.bz2")
    try:
        with os.fdopen(fd, "wb") as out:
            head = stream.read(512)
            if head.startswith(b"BZh"):
                out.write(head)
                shutil.copyfileobj(stream, out, 1 << 20)
            elif len(head) >= 262 and head[257:262] == b"ustar":
                comp = bz2.BZ2Compressor(1)
                out.write(comp.compress(head))
                for block in iter(lambda: stream.read(1 << 20), b""):
                    out.write(comp.compress(block))
                out.write(comp.flush())
            else:
                raise ConstructorError("<stdin>", "not a .tar.bz2 or .tar archive")
        extract(tmp, prefix, reporter=reporter)
    finally:
        os.unlink(tmp)
