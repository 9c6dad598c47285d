"""``umm env export --lock``: a conda-lock unified file (version 1) for one or more platforms.

Without ``-f``, the environment's own platform gets exactly its installed packages and
the other ``--platform`` s get a solve of the specs the user asked for (the history);
with ``-f FILE`` every platform gets a solve of the file's specs.
"""
from __future__ import annotations

import argparse
from typing import Any, Dict, List, Sequence


def _solve(args: argparse.Namespace, platform: str, spec_texts: Sequence[str],
           reporter: Any) -> List[Any]:
    from umm.cli import _install as ix
    from umm.cli.context import load_config

    cfg = load_config(args, api={"platform": platform})
    client = ix.http_client(cfg)
    sources = ix.sources_for(cfg, client, reporter)
    final = ix.solve(cfg, sources, ix.parse_specs(spec_texts), {})
    return list(final.values())


def export_lock(args: argparse.Namespace) -> str:
    from umm.cli import _install as ix
    from umm.cli import _specfiles as sf
    from umm.envfile.errors import ExportError
    from umm.envfile.export import channel_of, lock_from_records

    cfg, files = sf.load(args)
    if files is not None and files.is_explicit:
        raise ExportError("--lock solves specs: an @EXPLICIT or lock file is locked already")
    here = cfg.get("platform")
    platforms = list(dict.fromkeys(args.lock_platforms or [here]))
    reporter = ix.CliReporter(quiet=bool(cfg.get("quiet")), json_mode=True,
                              verbose=int(cfg.get("verbose") or 0))
    installed: Dict[str, Any] = {}
    if files is None:
        from umm.cli._envcmds import _target
        from umm.install.history import requested_specs

        prefix = _target(cfg, args)
        installed = ix.installed_records(prefix)
        spec_texts = list(requested_specs(prefix).values()) or sorted(installed)
        sources = [prefix]
    else:
        spec_texts = list(files.specs)
        sources = list(files.sources)
    if not spec_texts and not installed:
        raise ExportError("nothing to lock: the environment is empty and no specs were given")
    per_platform: Dict[str, List[Any]] = {}
    for platform in platforms:
        if files is None and platform == here:
            per_platform[platform] = list(installed.values())
        else:
            per_platform[platform] = _solve(args, platform, spec_texts, reporter)
    if files is not None or getattr(args, "channels", None):
        channels = list(cfg.get("channels"))
    else:
        from umm.config.channels import channel_context

        namer = channel_context(cfg).canonical_name
        channels = []
        for rec in sorted(installed.values(), key=lambda r: r.name):
            ch = channel_of(rec, namer)
            if ch and ch not in channels:
                channels.append(ch)
    return str(lock_from_records(per_platform, channels, sources, {"specs": spec_texts}))
