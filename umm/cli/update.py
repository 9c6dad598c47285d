"""`umm update`: newer versions of some packages, or of all (``--all``)."""
from __future__ import annotations

import argparse
from typing import Any


def configure(p: argparse.ArgumentParser) -> None:
    from umm.cli._install import configure_install_command

    configure_install_command(p)
    p.add_argument("-a", "--all", dest="update_all", action="store_true",
                   help="update all packages in the environment")
    p.add_argument("--prune-deps", "--prune", dest="prune_deps", action="store_true",
                   default=None, help="remove dependencies no requested package needs any "
                   "more (default)")
    p.add_argument("--no-prune-deps", "--no-prune", dest="prune_deps", action="store_false",
                   default=None, help="keep dependencies no package needs any more")


def run(args: argparse.Namespace) -> int:
    from umm.cli import _install as ix
    from umm.cli import _specfiles as sf
    from umm.config.prefix import check_prefix

    cfg, files = sf.load(args)
    prefix = cfg.get("target_prefix")
    check_prefix(prefix, getattr(args, "env_name", None), root_prefix=cfg.get("root_prefix"))
    with ix.Job(args, cfg, prefix, "update") as job:
        return _run(args, cfg, files, prefix, job)


def _run(args: argparse.Namespace, cfg: Any, files: Any, prefix: str, job: Any) -> int:
    from umm.cli import _install as ix
    from umm.cli import _specfiles as sf
    from umm.errors import UsageError

    after = lambda: sf.after_transaction(cfg, prefix, files, job.reporter)  # noqa: E731
    spec_texts = sf.spec_texts(args, files)
    installed = ix.installed_records(prefix)
    if sf.is_explicit(files):  # @EXPLICIT and lock files: the env gets exactly those builds
        job.banner()
        records = sf.explicit_records(cfg, files)
        tx = ix.plan(installed.values(), sf.explicit_final(installed, records).values())
        return job.run(tx, [], history_update=sf.explicit_history(records), on_success=after,
                       link_record=sf.record_completer(cfg))
    if not spec_texts and not args.update_all:
        raise UsageError("nothing to update: give package specs or --all")
    specs = ix.parse_specs(spec_texts)
    missing = [s.name for s in specs if s.name not in installed]
    if missing and not args.update_all:
        raise ix.PackageNotInstalled(missing, prefix)
    job.banner()
    installed = ix.as_found(installed, job.reporter)
    # what the user asked for (the history and now) stays; with pruning, what no longer
    # serves it goes (an env that knows of no request at all is not pruned)
    wanted = ix.requested(prefix, installed)
    wanted.update({s.name: str(s) for s in specs if s.name in installed})
    prune = args.prune_deps is not False and bool(wanted)
    records = ix.mark_requested(installed, wanted) if prune else list(installed.values())
    client = ix.http_client(cfg)
    sources = ix.sources_for(cfg, client, job.reporter)
    solution = job.solve(sources, specs, records,
                         pins=ix.pins_for(cfg, prefix, records, specs),
                         update_all=bool(args.update_all),
                         update_names=[s.name for s in specs], prune=prune,
                         update_deps=bool(getattr(args, "update_deps", None)))
    tx = ix.plan(records, solution, specs, force_reinstall=bool(cfg.get("force_reinstall")))
    return job.run(tx, spec_texts, history_update=[str(s) for s in specs], client=client,
                   on_success=after)
