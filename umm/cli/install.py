"""`umm install`: add packages to an existing environment."""
from __future__ import annotations

import argparse


def configure(p: argparse.ArgumentParser) -> None:
    from umm.cli._install import configure_install_command

    configure_install_command(p)


def run(args: argparse.Namespace) -> int:
    from umm.cli import _install as ix
    from umm.config.prefix import check_prefix

    cfg = ix.load(args)
    prefix = cfg.get("target_prefix")
    check_prefix(prefix, getattr(args, "env_name", None), root_prefix=cfg.get("root_prefix"))
    job = ix.Job(args, cfg, prefix, "install")
    with ix.env_locked(prefix, cfg, job.reporter):
        return _run(args, cfg, prefix, job)


def _run(args: argparse.Namespace, cfg, prefix: str, job) -> int:
    from umm.cli import _install as ix
    from umm.errors import UsageError

    spec_texts = ix.specs_of(args, cfg)
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
                   reinstall=reinstall, client=client)
