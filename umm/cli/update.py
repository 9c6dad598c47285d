"""`umm update`: newer versions of some packages, or of all (``--all``)."""
from __future__ import annotations

import argparse


def configure(p: argparse.ArgumentParser) -> None:
    from umm.cli._install import configure_install_command

    configure_install_command(p)
    p.add_argument("-a", "--all", dest="update_all", action="store_true",
                   help="update all packages in the environment")
    p.add_argument("--prune-deps", dest="prune_deps", action="store_true", default=None,
                   help="remove dependencies no requested package needs any more")
    p.add_argument("--no-prune-deps", dest="prune_deps", action="store_false", default=None,
                   help=argparse.SUPPRESS)


def run(args: argparse.Namespace) -> int:
    from umm.cli import _install as ix
    from umm.config.prefix import check_prefix

    cfg = ix.load(args)
    prefix = cfg.get("target_prefix")
    check_prefix(prefix, getattr(args, "env_name", None), root_prefix=cfg.get("root_prefix"))
    job = ix.Job(args, cfg, prefix, "update")
    with ix.env_locked(prefix, cfg, job.reporter):
        return _run(args, cfg, prefix, job)


def _run(args: argparse.Namespace, cfg, prefix: str, job) -> int:
    from umm.cli import _install as ix
    from umm.errors import UsageError
    from umm.install.history import requested_specs

    spec_texts = ix.specs_of(args, cfg)
    installed = ix.installed_records(prefix)
    if args.update_all:
        history = requested_specs(prefix)
        # the user's own specs keep their constraints; every installed package may move
        spec_texts = spec_texts or [history.get(n, n) for n in sorted(installed) if n in history] \
            or sorted(installed)
        update = sorted(installed)
    elif not spec_texts:
        raise UsageError("nothing to update: give package specs or --all")
    else:
        update = []
    job.banner()
    specs = ix.parse_specs(spec_texts)
    missing = [s.name for s in specs if s.name not in installed]
    if missing and not args.update_all:
        raise ix.PackageNotInstalled(missing, prefix)
    if not args.update_all:
        update = [s.name for s in specs]
        if getattr(args, "update_deps", None):
            update = sorted(installed)
    client = ix.http_client(cfg)
    sources = ix.sources_for(cfg, client, job.reporter)
    final = ix.solve(cfg, sources, specs, installed, update=update, pins=ix.pins(cfg, prefix),
                     newest=True)
    if args.prune_deps:
        final = ix.prune(final, set(requested_specs(prefix)) | {s.name for s in specs})
    return job.run(spec_texts, installed, final, history_update=[str(s) for s in specs],
                   client=client)
