"""`umm repoquery search|depends|whoneeds SPEC…` and `umm search SPEC…` (its alias).

Where the packages come from: ``search`` asks the channels, ``depends`` and
``whoneeds`` the installed prefix (``-n``/``-p``, else the active environment,
else the root prefix), like micromamba. ``--use-local 0|1`` (or ``--local``/
``--installed``, ``--remote``) chooses explicitly; ``-c CHANNEL`` always means the
channels. Channels are loaded lazily: a search for one name parses only that name.

Output: ``search`` shows the single-package view (``--pretty``, the default when no
spec has a ``*``) or a table; ``depends``/``whoneeds`` a table (direct relations,
all of them with ``--recursive``) or a tree (``-t``/``--tree``); ``--json`` gives
micromamba's JSON document. Progress and hints go to stderr.
"""
from __future__ import annotations

import argparse
import sys
from typing import Any, Callable, List, Optional

KINDS = ("search", "depends", "whoneeds")


def _bool_value(text: str) -> bool:
    low = text.strip().lower()
    if low in ("1", "true", "yes", "on"):
        return True
    if low in ("0", "false", "no", "off"):
        return False
    raise argparse.ArgumentTypeError(f"expected 0 or 1, got {text!r}")


def _configure_common(p: argparse.ArgumentParser) -> None:
    from umm.cli import common

    p.add_argument("specs", nargs="+", metavar="SPEC", help="match specs to query")
    common.add_prefix_options(p, suppress_defaults=True)
    common.add_channel_options(p)
    g = p.add_argument_group("query options")
    g.add_argument("-t", "--tree", action="store_true", help="show the result as a tree")
    g.add_argument("--recursive", action="store_true",
                   help="show dependencies (or dependents) recursively, not only direct ones")
    g.add_argument("--pretty", action="store_true",
                   help="single-package view for search (default when no spec has a '*')")
    g.add_argument("--use-local", dest="use_local", type=_bool_value, default=None,
                   metavar="0|1", help="use the installed packages (1, default for depends and "
                   "whoneeds) or the channels (0, default for search); -c implies 0")
    g.add_argument("--local", "--installed", dest="use_local", action="store_const", const=True,
                   help="query the packages installed in the target prefix")
    g.add_argument("--remote", dest="use_local", action="store_const", const=False,
                   help="query the channels")


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("query_type", choices=KINDS, metavar="{search,depends,whoneeds}",
                   help="the type of query")
    _configure_common(p)


def configure_search(p: argparse.ArgumentParser) -> None:
    _configure_common(p)


def run_search(args: argparse.Namespace) -> int:
    args.query_type = "search"
    return run(args)


def run(args: argparse.Namespace) -> int:
    import json

    from umm.cli.context import load_config
    from umm.config.params import output_options
    from umm.query.errors import SingleQueryOnly
    from umm.query.pool import PackagePool
    from umm.query.render import pretty, table, to_json, tree
    from umm.query.result import run_query
    from umm.specs import MatchSpec
    from umm.ui.console import make_reporter

    kind = getattr(args, "query_type", None) or "search"
    specs = [MatchSpec.parse(s) for s in args.specs]
    if kind != "search" and len(specs) != 1:
        raise SingleQueryOnly(kind, len(specs))
    cfg = load_config(args)
    out = output_options(cfg)
    json_mode, quiet = bool(out.json), bool(out.quiet)
    verbose = int(out.verbose or 0)
    reporter = make_reporter(quiet=quiet, json=json_mode, verbose=verbose)

    def note(text: str) -> None:
        if not json_mode and not quiet:
            sys.stderr.write(text + "\n")

    local = _use_local(args, kind)
    try:
        if local:
            sources = _installed_sources(cfg, args, note)
        else:
            sources = _channel_sources(cfg, reporter, note)
    finally:
        close = getattr(reporter, "close", None)
        if close is not None:
            close()
    # virtual packages (__glibc …) only ever satisfy dependencies
    pool = PackagePool(sources, _virtual_records(cfg) if kind == "depends" else ())
    result = run_query(pool, kind, specs, recursive=bool(args.recursive),
                       tree=bool(args.tree), query=" ".join(args.specs))
    channel_of = _channel_namer(cfg)
    if json_mode:
        doc = to_json(result, channel_of, [s.conda_build_form() for s in specs])
        sys.stdout.write(json.dumps(doc, indent=4) + "\n")
        return 0
    if kind == "search":
        wildcard = any("*" in text for text in args.specs)
        if args.pretty or not wildcard:
            text = pretty(result, channel_of, all_versions=verbose > 0)
        else:
            text = table(result, channel_of)
    elif args.tree:
        text = tree(result)
    else:
        text = table(result, channel_of)
    sys.stdout.write(text)
    if result.empty:
        if kind == "search" and not local:
            note("Channels may not be configured. Try giving a channel with '-c,--channel' "
                 "option, or use `--use-local 1` to search for installed packages.")
        elif kind != "search" and local:
            note(f"{args.specs[0]} may not be installed. Try giving a channel with "
                 "'-c,--channel' option for remote repoquery")
    return 0


def _use_local(args: argparse.Namespace, kind: str) -> bool:
    if getattr(args, "channels", None):
        return False  # -c has the priority, like micromamba
    explicit: Optional[bool] = getattr(args, "use_local", None)
    if explicit is not None:
        return explicit
    return kind != "search"


def _installed_sources(cfg: Any, args: argparse.Namespace,
                       note: Callable[[str], None]) -> List[Any]:
    import os

    from umm.config.prefix import check_prefix
    from umm.install.prefix_data import PrefixData
    from umm.specs import MemoryRecordSource

    prefix = cfg.get("target_prefix")
    note("Using local repodata...")
    explicit = getattr(args, "target_prefix", None) or getattr(args, "env_name", None)
    if prefix is None or (not os.path.exists(prefix) and not explicit):
        return []
    check_prefix(prefix, getattr(args, "env_name", None), allow_not_env=True,
                 root_prefix=cfg.get("root_prefix"))
    records = PrefixData.load(prefix).sorted()
    note(f"Loaded current active prefix: {prefix}")
    return [MemoryRecordSource("installed", records)]


def _channel_sources(cfg: Any, reporter: Any, note: Callable[[str], None]) -> List[Any]:
    from umm.cli._install import http_client, sources_for
    from umm.errors import UsageError

    if not cfg.get("channels"):
        raise UsageError("no channels configured: pass -c CHANNEL (or set `channels` in an rc "
                         "file), or use --use-local 1 to query the installed packages")
    note("Getting repodata from channels...")
    return sources_for(cfg, http_client(cfg), reporter)


def _virtual_records(cfg: Any) -> List[Any]:
    from umm.config.virtual import as_records, detect

    platform = cfg.get("platform")
    return as_records(detect(platform), platform)


def _channel_namer(cfg: Any) -> Callable[[Any], str]:
    """``record -> conda-forge`` (a channel's canonical name, never with credentials)."""
    from umm.config.channels import channel_context
    from umm.errors import UmmError
    from umm.net.masking import mask_url, strip_token
    from umm.query.pool import make_channel_namer

    ctx = channel_context(cfg)

    def resolve(channel: str) -> str:
        if channel == "@" or "://" not in channel and "/" not in channel:
            return channel
        try:
            return mask_url(ctx.canonical_name(strip_token(channel)))
        except (UmmError, ValueError):
            return mask_url(channel)

    return make_channel_namer(resolve)
