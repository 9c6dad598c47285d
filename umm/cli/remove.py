"""`umm remove` (alias `uninstall`): packages out of an environment.

Without ``--force`` the solver takes the named packages out together with every
installed package that depends on them and (``--prune``, the default) the
dependencies nothing needs any more; ``--force`` removes exactly the named packages
without solving (the environment may be left inconsistent); ``--all`` empties it.
"""
from __future__ import annotations

import argparse
from typing import Any


def configure(p: argparse.ArgumentParser) -> None:
    from umm.cli import common

    common.add_prefix_options(p, suppress_defaults=True)
    common.add_channel_options(p)
    p.add_argument("specs", nargs="*", metavar="SPEC", help="packages to remove")
    p.add_argument("-a", "--all", dest="remove_all", action="store_true",
                   help="remove all packages in the environment")
    p.add_argument("-f", "--force", action="store_true",
                   help="remove only the given packages, leaving packages that depend on them")
    p.add_argument("--prune", "--prune-deps", dest="prune", action="store_true", default=True,
                   help="also remove dependencies nothing else needs (default)")
    p.add_argument("--no-prune", "--no-prune-deps", dest="prune", action="store_false",
                   help="keep dependencies of the removed packages")


def run(args: argparse.Namespace) -> int:
    from umm.cli import _install as ix
    from umm.config.prefix import check_prefix

    cfg = ix.load(args)
    prefix = cfg.get("target_prefix")
    check_prefix(prefix, getattr(args, "env_name", None), root_prefix=cfg.get("root_prefix"))
    with ix.Job(args, cfg, prefix, "remove") as job:
        return _run(args, cfg, prefix, job)


def _run(args: argparse.Namespace, cfg: Any, prefix: str, job: Any) -> int:
    from umm.cli import _install as ix
    from umm.errors import UsageError

    installed = ix.installed_records(prefix)
    if args.remove_all:
        specs = ix.parse_specs(sorted(installed))
    else:
        if not args.specs:
            raise UsageError("no packages given: umm remove [options] SPEC ... (or --all)")
        specs = ix.parse_specs(args.specs)
        missing = [s.name for s in specs if not any(s.matches(r) for r in installed.values())]
        if missing:
            raise ix.PackageNotInstalled(missing, prefix)
    job.banner()
    names = [s.name for s in specs]
    if args.remove_all or args.force:
        keep = [r for r in installed.values() if not any(s.matches(r) for s in specs)]
        tx = ix.plan(installed.values(), keep)
        records = list(installed.values())
    else:
        installed = ix.as_found(installed, job.reporter)
        wanted = {n: s for n, s in ix.requested(prefix, installed).items() if n not in names}
        prune = bool(args.prune) and bool(wanted)
        records = ix.mark_requested(installed, wanted) if prune else list(installed.values())
        # the installed records are the only candidates: removing needs no channel
        solution = job.solve([], [], records, remove=specs, prune=prune)
        tx = ix.plan(records, solution)
    return job.run(tx, [str(s) for s in specs], history_remove=[str(s) for s in specs],
                   spec_label="Removing specs")
