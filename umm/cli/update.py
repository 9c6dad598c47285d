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
    from umm.cli import _specfiles as sf
    from umm.config.prefix import check_prefix
    from umm.errors import UsageError
    from umm.install.history import requested_specs

    cfg, files = sf.load(args)
    prefix = cfg.get("target_prefix")
    check_prefix(prefix, getattr(args, "env_name", None), root_prefix=cfg.get("root_prefix"))
    job = ix.Job(args, cfg, prefix, "update")
    spec_texts = sf.spec_texts(args, files)
    installed = ix.installed_records(prefix)
    if sf.is_explicit(files):  # @EXPLICIT and lock files: the env gets exactly those builds
        job.banner()
        records = sf.explicit_records(cfg, files)
        return job.run([], installed, sf.explicit_final(installed, records),
                       history_update=sf.explicit_history(records),
                       on_success=lambda: sf.after_transaction(cfg, prefix, files, job.reporter),
                       link_record=sf.record_completer(cfg))
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
                   client=client,
                   on_success=lambda: sf.after_transaction(cfg, prefix, files, job.reporter))
