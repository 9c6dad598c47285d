"""`umm package extract|compress|transmute` (micromamba's ``package`` command).

* ``extract ARCHIVE DEST``: safe extraction of a ``.conda``/``.tar.bz2``.
* ``compress FOLDER DEST``: write ``DEST`` (``.conda`` or ``.tar.bz2``).
* ``transmute INFILE``: ``.tar.bz2`` <-> ``.conda``, written next to ``INFILE``.

``-c/--compression-level`` (bzip2 0-9, default 9; zstd 1-22, default 15) and
``--compression-threads`` (zstd) apply to compress and transmute.
"""
from __future__ import annotations

import argparse
import os
from typing import Any, Dict


def _levels(p: argparse.ArgumentParser) -> None:
    p.add_argument("-c", "--compression-level", dest="compression_level", type=int, default=-1,
                   metavar="N", help="compression level from 0-9 (tar.bz2, default is 9), "
                   "and 1-22 (conda, default is 15)")
    p.add_argument("--compression-threads", dest="compression_threads", type=int, default=1,
                   metavar="N", help="zstd compression threads (conda; -1: all cores)")


def configure(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="package_command", metavar="COMMAND", title="subcommands")
    sub.required = True
    e = sub.add_parser("extract", help="extract a package archive",
                       description="Extract a .conda or .tar.bz2 package into a folder")
    e.add_argument("archive", metavar="ARCHIVE", help="archive to extract")
    e.add_argument("dest", metavar="DEST", help="destination folder")
    c = sub.add_parser("compress", help="create a package archive from a folder",
                       description="Compress a folder into a .conda or .tar.bz2 package")
    c.add_argument("folder", metavar="FOLDER", help="folder to compress")
    c.add_argument("dest", metavar="DEST", help="destination (e.g. myfile-3.1-0.tar.bz2 or .conda)")
    _levels(c)
    t = sub.add_parser("transmute", help="convert between .tar.bz2 and .conda",
                       description="Convert a .tar.bz2 package to .conda or back; the result "
                       "is written next to the input")
    t.add_argument("infile", metavar="INFILE", help="package to convert")
    _levels(t)


def _say(args: Any, text: str) -> None:
    if not (getattr(args, "json", False) or getattr(args, "quiet", False)):
        import sys

        sys.stdout.write(text + "\n")


def _level(args: Any):  # type: ignore[no-untyped-def]
    return None if args.compression_level is None or args.compression_level < 0 \
        else args.compression_level


def run(args: argparse.Namespace) -> int:
    from umm.ui.console import make_reporter

    rep = make_reporter(quiet=bool(getattr(args, "quiet", False)),
                        json=bool(getattr(args, "json", False)),
                        verbose=getattr(args, "verbose", 0) or 0)
    doc: Dict[str, Any] = {"success": True}
    cmd = args.package_command
    if cmd == "extract":
        from umm.package.extract import extract

        archive, dest = os.path.abspath(args.archive), os.path.abspath(args.dest)
        _say(args, f"Extracting {archive} to {dest}")
        res = extract(archive, dest, reporter=rep)
        doc.update(archive=archive, dest=dest, files=res.files, size=res.size)
    elif cmd == "compress":
        from umm.package.compress import compress

        folder, dest = os.path.abspath(args.folder), os.path.abspath(args.dest)
        _say(args, f"Compressing {folder} to {dest}")
        out = compress(folder, dest, level=_level(args), threads=args.compression_threads)
        doc.update(folder=folder, archive=out, size=os.path.getsize(out))
    else:
        from umm.package.compress import transmute
        from umm.package.formats import CONDA, TAR_BZ2, archive_format, strip_extension

        infile = os.path.abspath(args.infile)
        other = CONDA if archive_format(infile) == TAR_BZ2 else TAR_BZ2
        _say(args, f"Transmuting {infile} to {strip_extension(infile) + other}")
        out = transmute(infile, level=_level(args), threads=args.compression_threads)
        doc.update(infile=infile, archive=out, size=os.path.getsize(out))
    rep.close()
    if getattr(args, "json", False):
        import json
        import sys

        sys.stdout.write(json.dumps(doc, indent=2, sort_keys=True) + "\n")
    return 0
