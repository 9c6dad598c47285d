"""``umm env update/export/remove/config`` (the parsers are in ``umm.cli.env``)."""
from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any, Dict, List, Optional


def _target(cfg: Any, args: argparse.Namespace) -> str:
    from umm.config.prefix import check_prefix

    prefix = cfg.get("target_prefix")
    check_prefix(prefix, getattr(args, "env_name", None), root_prefix=cfg.get("root_prefix"))
    return os.path.abspath(prefix)


# -- update ---------------------------------------------------------------------------
def update(args: argparse.Namespace) -> int:
    """Install/update the file's specs in the env; ``--prune`` drops what they don't need."""
    from umm.cli import _install as ix
    from umm.cli import _specfiles as sf
    from umm.errors import UsageError

    cfg, files = sf.load(args, use_file_name=True)
    if files is None and not getattr(args, "specs", None):
        raise UsageError("umm env update needs a file: -f environment.yml")
    prefix = _target(cfg, args)
    with ix.Job(args, cfg, prefix, "update") as job:
        return _update(args, cfg, files, prefix, job)


def _update(args: argparse.Namespace, cfg: Any, files: Any, prefix: str, job: Any) -> int:
    from umm.cli import _install as ix
    from umm.cli import _specfiles as sf

    installed = ix.installed_records(prefix)
    after = lambda: sf.after_transaction(cfg, prefix, files, job.reporter)  # noqa: E731
    if sf.is_explicit(files):
        job.banner()
        records = sf.explicit_records(cfg, files)
        base = {n: r for n, r in installed.items() if n in {x.name for x in records}} \
            if args.prune else installed
        tx = ix.plan(installed.values(), sf.explicit_final(base, records).values())
        return job.run(tx, [], history_update=sf.explicit_history(records), on_success=after,
                       link_record=sf.record_completer(cfg))
    spec_texts = sf.spec_texts(args, files)
    job.banner()
    if not spec_texts:
        after()
        return 0
    specs = ix.parse_specs(spec_texts)
    installed = ix.as_found(installed, job.reporter)
    # --prune: only the file's specs count as requested
    records = ix.mark_requested(installed, {s.name: str(s) for s in specs}) if args.prune \
        else list(installed.values())
    client = ix.http_client(cfg)
    sources = ix.sources_for(cfg, client, job.reporter)
    solution = job.solve(sources, specs, records,
                         pins=ix.pins_for(cfg, prefix, records, specs),
                         update_names=[s.name for s in specs], prune=bool(args.prune))
    return job.run(ix.plan(records, solution, specs), spec_texts,
                   history_update=[str(s) for s in specs], client=client, on_success=after)


# -- remove ---------------------------------------------------------------------------
def remove(args: argparse.Namespace) -> int:
    """Unlink every package (running pre-unlink scripts), delete the prefix, unregister it."""
    import shutil

    from umm.cli import _install as ix
    from umm.cli.context import load_config
    from umm.config.prefix import unregister_env
    from umm.errors import UsageError

    cfg = load_config(args)
    prefix = _target(cfg, args)
    root = os.path.abspath(cfg.get("root_prefix"))
    if os.path.realpath(prefix) == os.path.realpath(root):
        raise UsageError(f"cannot remove the base environment ({prefix})")
    with ix.Job(args, cfg, prefix, "remove") as job:
        job.banner()
        installed = ix.installed_records(prefix)

        def gone() -> None:
            shutil.rmtree(prefix, ignore_errors=True)
            unregister_env(prefix, cfg.home)
            job.emit(f"Environment removed at prefix: {prefix}\n")

        return job.run(ix.plan(installed.values(), []), sorted(installed),
                       history_remove=sorted(installed), spec_label="Removing specs",
                       on_success=gone)


# -- export ---------------------------------------------------------------------------
def _env_label(cfg: Any, prefix: str) -> str:
    from umm.config.prefix import env_name

    name = env_name(prefix, cfg.get("root_prefix"), cfg.get("envs_dirs"))
    return os.path.basename(name.rstrip("/\\")) if os.sep in name or "/" in name else name


def _namer(cfg: Any) -> Any:
    from umm.config.channels import channel_context

    return channel_context(cfg).canonical_name


def export(args: argparse.Namespace) -> int:
    from umm.cli.context import load_config
    from umm.errors import UsageError

    if args.lock:
        from umm.cli._envlock import export_lock

        sys.stdout.write(export_lock(args))
        return 0
    for opt in ("file_specs", "lock_platforms", "channels"):
        if getattr(args, opt, None):
            raise UsageError("-f, --platform and -c are options of --lock")
    cfg = load_config(args)
    prefix = _target(cfg, args)
    from umm.install.prefix_data import PrefixData

    records = PrefixData.load(prefix).sorted()
    if args.explicit:
        if cfg.get("json"):
            raise UsageError("--explicit and --json cannot be used together")
        from umm.envfile.export import explicit_packages
        from umm.envfile.textfile import explicit_text

        checksum = "sha256" if args.sha256 else "md5" if args.md5 else "none"
        sys.stdout.write(explicit_text(explicit_packages(records), cfg.get("platform"), checksum))
        return 0
    from umm.envfile.export import export_environment, export_json

    env = export_environment(prefix, _env_label(cfg, prefix), records, build=args.build,
                             channel_subdir=args.channel_subdir, from_history=args.from_history,
                             namer=_namer(cfg))
    sys.stdout.write(export_json(env) if cfg.get("json") else str(env))
    return 0


# -- config vars ----------------------------------------------------------------------
def config_vars(args: argparse.Namespace) -> int:
    from umm.cli.context import load_config
    from umm.envfile import state

    if getattr(args, "env_config_command", None) != "vars":
        args._env_config_parser.print_help()
        return 0
    command: Optional[str] = getattr(args, "env_vars_command", None)
    if command is None:
        args._env_vars_parser.print_help()
        return 0
    cfg = load_config(args)
    prefix = _target(cfg, args)
    as_json = bool(cfg.get("json"))
    out: Dict[str, Any]
    if command == "list":
        current = state.read_env_vars(prefix)
        if as_json:
            sys.stdout.write(json.dumps(current, indent=2) + "\n")
        else:
            sys.stdout.write("".join(f"{k} = {v}\n" for k, v in current.items()))
        return 0
    if command == "set":
        values = dict(state.parse_assignment(a) for a in args.vars)
        current = state.set_env_vars(prefix, values)
        out = {"success": True, "env_vars": current}
        missing: List[str] = []
    else:
        current, missing = state.unset_env_vars(prefix, args.vars)
        out = {"success": True, "env_vars": current, "not_set": missing}
    if as_json:
        sys.stdout.write(json.dumps(out, indent=2) + "\n")
    else:
        for name in missing:
            sys.stderr.write(f"warning: variable {name} was not set in {prefix}\n")
        if not cfg.get("quiet"):
            sys.stdout.write("To make your changes take effect please reactivate your "
                             "environment\n")
    return 0
