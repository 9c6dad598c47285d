"""`umm doctor` (beyond micromamba): re-check an environment's files against its
``conda-meta`` records and report drift; optionally the package caches too.

    umm doctor [-n NAME | -p PREFIX] [--untracked] [--no-hashes] [--pkgs] [--fix] [--json]

Exit status 0 when nothing is wrong, 1 when something is. ``--fix`` rolls back
transactions that a killed umm left half done (what the next install/remove on the
env would do first) and removes what remains of an env whose creation was killed;
drifted files are reported with the command that reinstalls their packages.
"""
from __future__ import annotations

import argparse
import os
import sys
from typing import Any, Dict, List

from umm.errors import UmmError


class DoctorFailed(UmmError):
    """Not an error message of its own: the report was printed, the exit code says it."""

    def __init__(self, problems: int) -> None:
        super().__init__(f"{problems} problem{'s' if problems != 1 else ''} found")
        self.problems = problems


def configure(p: argparse.ArgumentParser) -> None:
    from umm.cli import common

    common.add_prefix_options(p, suppress_defaults=True)
    p.add_argument("--untracked", action="store_true",
                   help="also report files in the environment that no package owns")
    p.add_argument("--no-hashes", dest="hashes", action="store_false", default=True,
                   help="only check that files exist (faster; no sha256)")
    p.add_argument("--pkgs", action="store_true",
                   help="also check the package caches (pkgs_dirs)")
    p.add_argument("--fix", action="store_true",
                   help="roll back transactions a killed umm left unfinished")


def _fix(prefix: str, cfg: Any) -> List[str]:
    """Roll back interrupted transactions under the env's lock; what was done."""
    import shutil
    from pathlib import Path

    from umm.install.journal import ROLLBACK_DIR, recover, recover_replaced
    from umm.install.lock import PrefixLock

    done: List[str] = []
    items = []
    # not only transactions with a journal (pending()): a process killed between
    # making its backup dir and opening the journal in it, or while deleting the
    # dir after its commit, leaves a dir without one, which recover() removes
    if os.path.isdir(os.path.join(prefix, ROLLBACK_DIR)):
        lock = PrefixLock(Path(prefix), cfg.get("lock_timeout") or None)
        lock.acquire()
        try:
            items = recover(prefix)
        finally:
            lock.release()
    for item in items:
        done.append(f"rolled back an interrupted transaction (process {item.pid or '?'}, "
                    f"{item.changes} changes)")
    done += recover_replaced(prefix)
    if any(i.new_prefix for i in items) and os.path.isdir(prefix) and _only_skeleton(prefix):
        shutil.rmtree(prefix, ignore_errors=True)
        done.append(f"removed {prefix}: its creation had been interrupted")
    return done


def _only_skeleton(prefix: str) -> bool:
    """Nothing but an empty ``conda-meta`` (its lock file, no record) is left."""
    for dirpath, dirnames, filenames in os.walk(prefix):
        rel = os.path.relpath(dirpath, prefix)
        if rel not in (".", "conda-meta"):
            return False
        if any(f != "umm.lock" for f in filenames) or (rel == "conda-meta" and dirnames):
            return False
        if rel == "." and any(d != "conda-meta" for d in dirnames):
            return False
    return True


def run(args: argparse.Namespace) -> int:
    from umm.cli.context import load_config
    from umm.config.prefix import check_prefix
    from umm.install.verify import verify_package_cache, verify_prefix

    cfg = load_config(args)
    prefix = cfg.get("target_prefix")
    name = getattr(args, "env_name", None)
    # (--fix: a killed `create` may have left the env moved away, and nothing at prefix)
    check_prefix(prefix, name, root_prefix=cfg.get("root_prefix"), allow_missing=args.fix)
    prefix = os.path.abspath(prefix)
    fixed = _fix(prefix, cfg) if args.fix else []
    if not fixed:
        check_prefix(prefix, name, root_prefix=cfg.get("root_prefix"))
    if fixed and not os.path.exists(prefix):
        return _print(cfg, {"prefix": prefix, "fixed": fixed, "problems": [], "packages": 0,
                            "files": 0, "success": True}, [])
    report = verify_prefix(prefix, hashes=args.hashes, untracked=args.untracked)
    problems = [d.to_json() for d in report.problems]
    doc: Dict[str, Any] = {"prefix": prefix, "packages": report.packages,
                           "files": report.files, "problems": problems, "fixed": fixed}
    cache_problems: List[Dict[str, str]] = []
    if args.pkgs:
        cache = verify_package_cache(cfg.get("pkgs_dirs"), hashes=args.hashes)
        cache_problems = [d.to_json() for d in cache.problems]
        doc["pkgs"] = {"dirs": list(cache.dirs), "packages": cache.packages,
                       "archives": cache.archives, "problems": cache_problems,
                       "leftovers": list(cache.leftovers)}
    doc["success"] = not problems and not cache_problems
    if report.drifted_packages():
        doc["repair"] = _repair_command(prefix, report.drifted_packages())
    code = _print(cfg, doc, report.drifted_packages())
    if code and not cfg.get("json"):
        raise DoctorFailed(len(problems) + len(cache_problems))
    return code


def _repair_command(prefix: str, names: List[str]) -> str:
    import shlex

    pkgs = " ".join(n.rsplit("-", 2)[0] for n in names)
    return f"umm install -p {shlex.quote(prefix)} --force-reinstall {pkgs}"


def _print(cfg: Any, doc: Dict[str, Any], drifted: List[str]) -> int:
    import json

    ok = bool(doc["success"])
    if cfg.get("json"):
        sys.stdout.write(json.dumps(doc, indent=2) + "\n")
        return 0 if ok else 1
    out = sys.stdout
    for line in doc.get("fixed", []):
        out.write(f"fixed: {line}\n")
    if doc["packages"] or doc["files"] or doc["problems"]:
        out.write(f"Checked {doc['packages']} packages, {doc['files']} files in "
                  f"{doc['prefix']}\n")
    for p in doc["problems"]:
        detail = f" ({p['detail']})" if p["detail"] else ""
        out.write(f"  {p['kind']:<12} {p['path']}  [{p['package']}]{detail}\n")
    pkgs = doc.get("pkgs")
    if pkgs is not None:
        out.write(f"Checked {pkgs['packages']} extracted packages, {pkgs['archives']} archives "
                  f"in {', '.join(pkgs['dirs'])}\n")
        for p in pkgs["problems"]:
            detail = f" ({p['detail']})" if p["detail"] else ""
            out.write(f"  {p['kind']:<12} {p['package']}/{p['path']}{detail}\n")
        if pkgs["leftovers"]:
            out.write(f"  {len(pkgs['leftovers'])} leftovers of interrupted downloads or "
                      "extractions (harmless; `umm clean` removes them)\n")
    if ok:
        out.write("No problems found.\n")
    elif drifted:
        out.write(f"To repair the drifted packages: {doc['repair']}\n")
    if any(p["kind"] == "interrupted" for p in doc["problems"]):
        out.write("An interrupted transaction is pending: `umm doctor --fix` (or the next "
                  "install/remove in this environment) rolls it back.\n")
    out.flush()
    return 0 if ok else 1
