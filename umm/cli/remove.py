"""`umm remove` (alias `uninstall`): packages out of an environment."""
from __future__ import annotations

import argparse


def configure(p: argparse.ArgumentParser) -> None:
    from umm.cli import common

    common.add_prefix_options(p, suppress_defaults=True)
    common.add_channel_options(p)
    p.add_argument("specs", nargs="*", metavar="SPEC", help="packages to remove")
    p.add_argument("-a", "--all", dest="remove_all", action="store_true",
                   help="remove all packages in the environment")
    p.add_argument("--force", action="store_true",
                   help="remove only the given packages, leaving packages that depend on them")
    p.add_argument("--prune", "--prune-deps", dest="prune", action="store_true", default=True,
                   help="also remove dependencies nothing else needs (default)")
    p.add_argument("--no-prune", "--no-prune-deps", dest="prune", action="store_false",
                   help="keep dependencies of the removed packages")


def run(args: argparse.Namespace) -> int:
    from umm.cli import _install as ix
    from umm.config.prefix import check_prefix
    from umm.errors import UsageError
    from umm.install.history import requested_specs

    cfg = ix.load(args)
    prefix = cfg.get("target_prefix")
    check_prefix(prefix, getattr(args, "env_name", None), root_prefix=cfg.get("root_prefix"))
    job = ix.Job(args, cfg, prefix, "remove")
    installed = ix.installed_records(prefix)
    if args.remove_all:
        names = sorted(installed)
    else:
        if not args.specs:
            raise UsageError("no packages given: umm remove [options] SPEC ... (or --all)")
        names = [s.name for s in ix.parse_specs(args.specs)]
        missing = [n for n in names if n not in installed]
        if missing:
            raise ix.PackageNotInstalled(missing, prefix)
    job.banner()
    final = dict(installed)
    for n in names:
        final.pop(n, None)
    if not args.force and not args.remove_all:
        final = ix.drop_dependents(final, set(names))
        if args.prune:
            keep = set(requested_specs(prefix)) - set(names)
            final = ix.prune(final, keep, installed_before=installed)
    return job.run(names, installed, final, history_remove=names,
                   spec_label="Removing specs")
