"""`umm install`: add packages to an existing environment."""
from __future__ import annotations

import argparse
from typing import Any


def configure(p: argparse.ArgumentParser) -> None:
    from umm.cli._install import configure_install_command

    configure_install_command(p)
    p.add_argument("--revision", type=int, metavar="N", default=None,
                   help="put the environment back as it was after revision N "
                        "(see `umm list --revisions`)")


def run(args: argparse.Namespace) -> int:
    from umm.cli import _install as ix
    from umm.cli import _specfiles as sf
    from umm.config.prefix import check_prefix

    cfg, files = sf.load(args)
    prefix = cfg.get("target_prefix")
    check_prefix(prefix, getattr(args, "env_name", None), root_prefix=cfg.get("root_prefix"))
    with ix.Job(args, cfg, prefix, "install") as job:
        return _run(args, cfg, files, prefix, job)


def _run(args: argparse.Namespace, cfg: Any, files: Any, prefix: str, job: Any) -> int:
    from umm.cli import _install as ix
    from umm.cli import _specfiles as sf
    from umm.errors import UsageError

    after = lambda: sf.after_transaction(cfg, prefix, files, job.reporter)  # noqa: E731
    spec_texts = sf.spec_texts(args, files)
    if getattr(args, "revision", None) is not None:
        if spec_texts or files is not None:
            raise UsageError("--revision takes no package specs or spec files")
        from umm.cli._revision import restore

        return restore(args, cfg, prefix, job)
    if sf.is_explicit(files):  # @EXPLICIT and lock files: no solve
        job.banner()
        records = sf.explicit_records(cfg, files)
        installed = ix.installed_records(prefix)
        tx = ix.plan(installed.values(), sf.explicit_final(installed, records).values())
        return job.run(tx, [], history_update=sf.explicit_history(records), on_success=after,
                       link_record=sf.record_completer(cfg))
    if not spec_texts and files is not None and (files.has_pip or files.variables):
        after()
        return 0
    if not spec_texts:
        raise UsageError("no package specs given: umm install [options] SPEC ...")
    specs = ix.parse_specs(spec_texts)
    job.banner()
    installed = ix.as_found(ix.installed_records(prefix), job.reporter)
    client = ix.http_client(cfg)
    sources = ix.sources_for(cfg, client, job.reporter)
    # installed packages stay as they are unless a spec or a dependency needs a change
    solution = job.solve(sources, specs, installed.values(),
                         pins=ix.pins_for(cfg, prefix, installed.values(), specs),
                         update_deps=bool(getattr(args, "update_deps", None)))
    tx = ix.plan(installed.values(), solution, specs,
                 force_reinstall=bool(cfg.get("force_reinstall")))
    return job.run(tx, spec_texts, history_update=[str(s) for s in specs], client=client,
                   on_success=after)
