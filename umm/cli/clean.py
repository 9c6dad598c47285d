"""`umm clean`: remove index cache, lock files, tarballs, unused packages, trash.

Like micromamba: only writable package caches are touched; ``-a`` means
``-i -l -t -p``; ``-f`` (remove the whole writable caches) is never implied
and asks first (``-y`` answers). Tarballs and packages are listed with their
sizes, per cache, and removed after ``Remove ... [Y/n]``; ``--dry-run`` lists
only; ``--json`` prints one document with what was (or would be) removed.
Packages that a known environment uses (its ``conda-meta``) are kept.
"""
from __future__ import annotations

import argparse
from typing import Any, Dict, List, Sequence


def configure(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("clean options")
    g.add_argument("-a", "--all", dest="clean_all", action="store_true",
                   help="remove index cache, lock files, unused cache packages, and tarballs")
    g.add_argument("-i", "--index-cache", dest="clean_index", action="store_true",
                   help="remove index cache")
    g.add_argument("-p", "--packages", dest="clean_packages", action="store_true",
                   help="remove unused packages from writable package caches")
    g.add_argument("-t", "--tarballs", dest="clean_tarballs", action="store_true",
                   help="remove cached package tarballs")
    g.add_argument("-l", "--locks", dest="clean_locks", action="store_true",
                   help="remove lock files from caches")
    g.add_argument("--trash", dest="clean_trash", action="store_true",
                   help="remove *.umm_trash/*.mamba_trash/*.c~ leftovers from all environments")
    g.add_argument("-f", "--force-pkgs-dirs", dest="clean_force_pkgs_dirs", action="store_true",
                   help="remove *all* writable package caches (not included in --all)")


class _Out:
    """stdout for people (tables, prompts) unless --json/--quiet."""

    def __init__(self, args: Any) -> None:
        import sys

        self.json = bool(getattr(args, "json", False))
        self.quiet = bool(getattr(args, "quiet", False))
        self.stream = sys.stdout

    def line(self, text: str = "") -> None:
        if not (self.json or self.quiet):
            self.stream.write(text + "\n")


def _table(out: _Out, title: str, items: Sequence[Any]) -> int:
    from umm.ui.progress import format_size

    total = sum(i.size for i in items)
    if not items:
        return 0
    by_cache: Dict[str, List[Any]] = {}
    for i in items:
        by_cache.setdefault(i.cache, []).append(i)
    width = max([len(title)] + [len(i.name) for i in items] + [len("Total size:")]) + 4
    for cache, group in by_cache.items():
        out.line(f"Package cache folder: {cache}")
        out.line(f"  {title:<{width}}{'Size':>10}")
        for i in sorted(group, key=lambda x: x.name):
            out.line(f"  {i.name:<{width}}{format_size(i.size):>10}")
    out.line(f"  {'Total size:':<{width}}{format_size(total):>10}")
    out.line()
    return total


def run(args: argparse.Namespace) -> int:
    from umm.cli.context import load_config
    from umm.config.prefix import list_envs
    from umm.package import clean as C
    from umm.ui.console import confirm, make_reporter
    from umm.ui.progress import format_size

    cfg = load_config(args, fallbacks=())
    out = _Out(args)
    rep = make_reporter(quiet=out.quiet, json=out.json, verbose=getattr(args, "verbose", 0) or 0)
    dry = bool(cfg.get("dry_run"))
    yes = bool(cfg.get("always_yes")) or out.json
    want_all = args.clean_all
    want = {
        "index": want_all or args.clean_index,
        "lock": want_all or args.clean_locks,
        "tarball": want_all or args.clean_tarballs,
        "package": want_all or args.clean_packages,
        "trash": args.clean_trash,
        "pkgs_dir": args.clean_force_pkgs_dirs,
    }
    doc: Dict[str, Any] = {"success": True, "dry_run": dry, "removed": {}, "kept": {},
                           "freed": 0}
    if not any(want.values()):
        out.line("Nothing to do.")
        if out.json:
            _print_json(doc)
        return 0
    caches = C.writable_caches(cfg.get("pkgs_dirs"))
    envs = list_envs(cfg.get("root_prefix"), cfg.get("envs_dirs"), cfg.home)
    out.line("Collect information..")
    freed = 0

    def apply(kind: str, items: List[Any], question: str = "") -> None:
        nonlocal freed
        doc["removed"][kind] = [i.path for i in items]
        if dry or not items:
            doc["freed"] += sum(i.size for i in items)
            return
        if question and not confirm(question, True, always_yes=yes):
            doc["removed"][kind] = []
            return
        got, failures = C.remove(items)
        freed += got
        doc["freed"] += got
        for item, reason in failures:
            rep.warning(f"could not remove {item.path}: {reason}")
            doc["removed"][kind].remove(item.path)
            doc["kept"].setdefault(kind, []).append(item.path)

    if want["index"]:
        out.line("Cleaning index cache..")
        apply("index", C.find_index_cache(caches))
    if want["lock"]:
        out.line("Cleaning lock files..")
        apply("lock", C.find_locks(caches))
    if want["trash"]:
        out.line("Cleaning trash files..")
        apply("trash", C.find_trash(caches, envs))
    if want["tarball"]:
        items = C.find_tarballs(caches)
        _table(out, "Package file", items)
        if not items:
            rep.info("No cached tarballs found")
        apply("tarball", items, "Remove tarballs")
    if want["package"]:
        unused, in_use = C.find_packages(caches, envs)
        _table(out, "Package folder", unused)
        doc["kept"]["package"] = [i.path for i in in_use]
        if not unused:
            rep.info("No unused cached packages found")
        elif not dry:
            rep.warning("This does not check for packages installed using symlinks back to "
                        "the package cache.")
        apply("package", unused, "Remove unused packages")
    if want["pkgs_dir"]:
        items = [C.CleanItem("pkgs_dir", c, C.tree_size(c), c) for c in caches]
        for i in items:
            out.line(f"Package cache folder: {i.path} ({format_size(i.size)})")
        if dry or confirm("Remove all contents from the package caches?", False,
                          always_yes=bool(cfg.get("always_yes"))):
            apply("pkgs_dir", items)
        else:
            doc["removed"]["pkgs_dir"] = []
    total = doc["freed"]
    if dry:
        out.line(f"Dry run: nothing removed ({format_size(total)} would be freed).")
    else:
        out.line(f"Freed {format_size(freed)}.")
    if out.json:
        _print_json(doc)
    rep.close()
    return 0


def _print_json(doc: Dict[str, Any]) -> None:
    import json
    import sys

    sys.stdout.write(json.dumps(doc, indent=2, sort_keys=True) + "\n")
