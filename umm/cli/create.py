"""`umm create`: a new environment from specs (micromamba's flags and output)."""
from __future__ import annotations

import argparse
import os
import shutil
from typing import Any, List


def configure(p: argparse.ArgumentParser) -> None:
    from umm.cli._install import configure_install_command

    configure_install_command(p)


def run(args: argparse.Namespace) -> int:
    from umm.cli import _install as ix
    from umm.cli import _specfiles as sf
    from umm.config.errors import NoTargetPrefix

    cfg, files = sf.load(args, use_file_name=True)
    prefix = cfg.get("target_prefix")
    if not prefix:
        raise NoTargetPrefix()
    prefix = os.path.abspath(prefix)
    spec_texts = sf.spec_texts(args, files)
    specs = ix.parse_specs(spec_texts)  # bad specs: one line, before anything else
    with ix.Job(args, cfg, prefix, "create") as job:
        return _run(cfg, files, prefix, job, spec_texts, specs)


def _run(cfg: Any, files: Any, prefix: str, job: Any, spec_texts: List[str],
         specs: List[Any]) -> int:
    import json
    import sys

    from umm.cli import _install as ix
    from umm.cli import _specfiles as sf
    from umm.config.errors import PrefixExists
    from umm.config.prefix import is_conda_prefix, register_env

    ix.recover_before_create(prefix, cfg, job.reporter)
    backup = None
    if os.path.lexists(prefix):
        if is_conda_prefix(prefix):
            if not (cfg.get("always_yes") or cfg.get("json") or cfg.get("dry_run")):
                sys.stdout.write(f"Found conda-prefix at '{prefix}'. Overwrite? [y/N] ")
                sys.stdout.flush()
                if sys.stdin.readline().strip().lower() not in ("y", "yes"):
                    raise PrefixExists(prefix)
            if not cfg.get("dry_run"):
                from umm.install.journal import REPLACED

                backup = f"{prefix}{REPLACED}{os.getpid()}"
        elif os.path.isdir(prefix) and not os.listdir(prefix):
            pass
        else:
            raise ix.PrefixNotEmpty(prefix)
    job.banner()
    explicit = sf.explicit_records(cfg, files) if sf.is_explicit(files) else []

    def move_old_away() -> None:
        if backup is not None:
            os.rename(prefix, backup)

    def success() -> None:
        if backup is not None and os.path.lexists(backup):
            shutil.rmtree(backup, ignore_errors=True)
        register_env(prefix, cfg.home)
        sf.after_transaction(cfg, prefix, files, job.reporter)

    def failure() -> None:
        if backup is not None and os.path.lexists(backup):
            if os.path.lexists(prefix):
                shutil.rmtree(prefix, ignore_errors=True)
            os.rename(backup, prefix)

    if not specs and not explicit:
        if cfg.get("dry_run"):
            job.emit("Dry run: would create an empty environment.\n")
            return 0
        move_old_away()
        try:
            from umm.install import HistoryEntry, execute

            execute(prefix, history=HistoryEntry(ix.command_line()))
        except BaseException:
            failure()
            raise
        success()
        if job.json:
            sys.stdout.write(json.dumps({"actions": {"PREFIX": prefix}, "dry_run": False,
                                         "prefix": prefix, "success": True}, indent=4) + "\n")
        else:
            job.emit(f"Empty environment created at prefix: {prefix}\n")
        return 0
    client = ix.http_client(cfg)
    if explicit:  # @EXPLICIT and lock files: no solve, the cache completes the records
        tx = ix.plan([], sf.explicit_final({}, explicit).values())
        return job.run(tx, [], history_update=sf.explicit_history(explicit), client=client,
                       on_success=success, on_failure=failure, before_link=move_old_away,
                       link_record=sf.record_completer(cfg))
    sources = ix.sources_for(cfg, client, job.reporter)
    # an env being replaced does not count: the new one starts empty
    solution = job.solve(sources, specs, pins=ix.pins_for(cfg, None, [], specs))
    # the old environment is moved away once the user confirmed and the packages are
    # fetched; it comes back if anything fails after that
    return job.run(ix.plan([], solution, specs), spec_texts,
                   history_update=[str(s) for s in specs], client=client,
                   on_success=success, on_failure=failure, before_link=move_old_away)
