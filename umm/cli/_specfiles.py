"""``-f/--file`` for create, install, update and ``env create/update``.

:func:`load` reads the configuration, then the spec files (for the configured
platform and ``--category``), and applies what the files say below the command line,
as micromamba does: the files' channels come after ``-c`` ones (so ``-c`` wins and
``--override-channels`` keeps them), the YAML ``name`` is used only when neither
``-n`` nor ``-p`` was given, and ``nodefaults`` drops ``defaults``. The commands then
get their specs from :func:`spec_texts`, explicit records from
:func:`explicit_records`, and run :func:`after_transaction` (variables, pip) once the
conda packages are linked.
"""
from __future__ import annotations

import argparse
import os
from typing import Any, Callable, Dict, List, Sequence, Tuple


def load(args: argparse.Namespace, *, use_file_name: bool = False) -> Tuple[Any, Any]:
    """``(config, SpecFileResult or None)``; the config reflects the files."""
    from umm.cli.context import emit_messages, load_config
    from umm.envfile import load_spec_files
    from umm.reporter import RecordingReporter

    cfg = load_config(args)
    files = cfg.get("file_specs")
    if not files:
        return cfg, None
    rec = RecordingReporter()
    result = load_spec_files(list(files), cfg.get("platform"), cfg.get("categories") or None,
                             reporter=rec)
    emit_messages(rec.messages, cfg.get("log_level"))
    changed = False
    if result.channels:
        given = list(getattr(args, "channels", None) or [])
        args.channels = given + [c for c in result.channels if c not in given]
        changed = True
    if use_file_name and getattr(args, "env_name", None) is None \
            and getattr(args, "target_prefix", None) is None:
        if result.prefix:
            args.target_prefix = result.prefix
            changed = True
        elif result.name:
            args.env_name = result.name
            changed = True
    if changed:
        cfg = load_config(args)
    if result.nodefaults and "defaults" in cfg.get("channels"):
        args.channels = [c for c in cfg.get("channels") if c != "defaults"]
        args.override_channels = True
        cfg = load_config(args)
    return cfg, result


def spec_texts(args: argparse.Namespace, result: Any) -> List[str]:
    """The specs to solve: the command line's, then the files'."""
    from umm.envfile.errors import ExplicitWithSpecs

    texts = list(getattr(args, "specs", None) or [])
    if result is None:
        return texts
    if result.is_explicit:
        if texts:
            raise ExplicitWithSpecs("explicit and lock files", texts)
        return []
    return texts + [s for s in result.specs if s not in texts]


def is_explicit(result: Any) -> bool:
    return result is not None and result.is_explicit


def explicit_records(cfg: Any, result: Any) -> List[Any]:
    """Records for the explicit packages (completed by the cache once fetched)."""
    return [p.record() for p in result.explicit]


def explicit_history(records: Sequence[Any]) -> List[str]:
    """What an explicit install asked for, as exact match specs."""
    return [f"{r.name}=={r.version}={r.build}" for r in records]


def record_completer(cfg: Any) -> Callable[[Any, str], Any]:
    """``link_record`` for explicit installs: the cache's complete record, with ``pip``
    added to python's dependencies when ``add_pip_as_python_dependency`` says so (as the
    repodata layer does for solved records)."""
    add_pip = bool(cfg.get("add_pip_as_python_dependency"))
    return lambda record, extracted_dir: cached_record(record, extracted_dir, add_pip)


def cached_record(record: Any, extracted_dir: str, add_pip: bool = False) -> Any:
    """The package cache's complete record (``info/repodata_record.json``) for a record
    made from a URL; ``record`` itself when the cache has none for it."""
    import json

    from umm.specs import RepoDataRecord

    path = os.path.join(extracted_dir, "info", "repodata_record.json")
    try:
        with open(path, "rb") as fh:
            doc = json.loads(fh.read().decode("utf-8"))
    except (OSError, ValueError, UnicodeError):
        return record
    if not isinstance(doc, dict) or (doc.get("name"), doc.get("version"), doc.get("build")) != \
            (record.name, record.version, record.build):
        return record
    for key in ("url", "channel", "fn"):
        if record.get(key) is not None:
            doc[key] = record.get(key)
    if add_pip and doc["name"] == "python" and str(doc["version"]).startswith(("2.", "3.")):
        deps = list(doc.get("depends") or [])
        if not any(d.split()[0] == "pip" for d in deps if d.strip()):
            doc["depends"] = deps + ["pip"]
    return RepoDataRecord.from_json(doc)


def after_transaction(cfg: Any, prefix: str, result: Any, reporter: Any) -> None:
    """Variables into ``conda-meta/state``, then the pip requirements (with the env's pip)."""
    if result is None or cfg.get("dry_run") or cfg.get("download_only"):
        return
    from umm.envfile.pip import install_pip
    from umm.envfile.state import set_env_vars

    if result.variables:
        set_env_vars(prefix, dict(result.variables))
    if result.has_pip:
        install_pip(prefix, result.pip, reporter)


def explicit_final(installed: Dict[str, Any], records: Sequence[Any]) -> Dict[str, Any]:
    """The environment after an explicit install: ``installed`` with ``records`` in place
    (an installed package that is the same build is kept as it is)."""
    final = dict(installed)
    for rec in records:
        old = installed.get(rec.name)
        if old is not None and (old.version, old.build) == (rec.version, rec.build) and \
                (not rec.md5 or not old.md5 or rec.md5 == old.md5) and \
                (not rec.sha256 or not old.sha256 or rec.sha256 == old.sha256):
            continue
        final[rec.name] = rec
    return final

