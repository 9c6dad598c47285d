"""`umm install`: add packages to an existing environment."""
from __future__ import annotations

import argparse


def configure(p: argparse.ArgumentParser) -> None:
    from umm.cli._install import configure_install_command

    configure_install_command(p)


def run(args: argparse.Namespace) -> int:
    from umm.cli import _install as ix
    from umm.cli import _specfiles as sf
    from umm.config.prefix import check_prefix
    from umm.errors import UsageError

    cfg, files = sf.load(args)
    prefix = cfg.get("target_prefix")
    check_prefix(prefix, getattr(args, "env_name", None), root_prefix=cfg.get("root_prefix"))
    job = ix.Job(args, cfg, prefix, "install")
    spec_texts = sf.spec_texts(args, files)
    if sf.is_explicit(files):  # @EXPLICIT and lock files: no solve
        job.banner()
        records = sf.explicit_records(cfg, files)
        installed = ix.installed_records(prefix)
        return job.run([], installed, sf.explicit_final(installed, records),
                       history_update=sf.explicit_history(records),
                       on_success=lambda: sf.after_transaction(cfg, prefix, files, job.reporter),
                       link_record=sf.record_completer(cfg))
    if not spec_texts and files is not None and (files.has_pip or files.variables):
        sf.after_transaction(cfg, prefix, files, job.reporter)
        return 0
    if not spec_texts:
        raise UsageError("no package specs given: umm install [options] SPEC ...")
    job.banner()
    specs = ix.parse_specs(spec_texts)
    installed = ix.installed_records(prefix)
    client = ix.http_client(cfg)
    sources = ix.sources_for(cfg, client, job.reporter)
    # the requested packages may move; everything else stays unless it has to
    update = [s.name for s in specs] if not cfg.get("freeze_installed") else []
    final = ix.solve(cfg, sources, specs, installed, update=update, pins=ix.pins(cfg, prefix))
    if cfg.get("only_deps"):
        for s in specs:
            if s.name not in installed:
                final.pop(s.name, None)
    reinstall = [s.name for s in specs] if cfg.get("force_reinstall") else []
    return job.run(spec_texts, installed, final, history_update=[str(s) for s in specs],
                   reinstall=reinstall, client=client,
                   on_success=lambda: sf.after_transaction(cfg, prefix, files, job.reporter))
