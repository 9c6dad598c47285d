"""`umm config`: list, sources, describe, get, set, append, prepend, remove, remove-key."""
from __future__ import annotations

import argparse
import os
import sys
from typing import Any, List

SUBCOMMANDS = {
    "list": "List configuration values",
    "sources": "Show configuration sources",
    "describe": "Describe given configuration parameters",
    "get": "Get a configuration value from an rc file",
    "set": "Set a configuration value",
    "append": "Add one configuration value to the end of a list key",
    "prepend": "Add one configuration value to the beginning of a list key",
    "remove": "Remove a configuration value from a list key (all instances of the value)",
    "remove-key": "Remove a configuration key and its values",
}
_WRITERS = ("get", "set", "append", "prepend", "remove", "remove-key")


def _common(p: argparse.ArgumentParser) -> None:
    from umm.cli import common

    common.add_global_options(p, suppress_defaults=True)
    common.add_prefix_options(p, suppress_defaults=True)


def _describe_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("keys", nargs="*", metavar="KEY", help="configuration keys")
    p.add_argument("-l", "--long-descriptions", action="store_true",
                   help="display configs long descriptions")
    p.add_argument("-g", "--groups", action="store_true", help="display configs groups")


def _file_options(p: argparse.ArgumentParser) -> None:
    g = p.add_mutually_exclusive_group()
    g.add_argument("--file", dest="config_file", metavar="FILE", help="use this rc file")
    g.add_argument("--env", dest="config_env", action="store_true",
                   help="use the target prefix's rc file ({prefix}/.condarc)")
    g.add_argument("--system", dest="config_system", action="store_true",
                   help="use the system rc file (/etc/conda/.condarc)")


def configure(p: argparse.ArgumentParser) -> None:
    from umm.cli import common

    common.add_prefix_options(p)
    sub = p.add_subparsers(dest="config_command", metavar="COMMAND", title="subcommands")
    for name, help_text in SUBCOMMANDS.items():
        sp = sub.add_parser(name, help=help_text, description=help_text)
        _common(sp)
        if name == "list":
            _describe_options(sp)
            sp.add_argument("-s", "--sources", action="store_true",
                            help="display all configs sources")
            sp.add_argument("-a", "--all", dest="show_all_rc", action="store_true",
                            help="display all rc configurable configs")
            sp.add_argument("--show-all", dest="show_all", action="store_true",
                            help="display all configs, including those not settable in rc files")
            sp.add_argument("-d", "--descriptions", action="store_true",
                            help="display configs descriptions")
        elif name == "describe":
            _describe_options(sp)
        elif name in _WRITERS:
            _file_options(sp)
            if name in ("get", "remove-key"):
                sp.add_argument("key", metavar="KEY")
            elif name in ("set", "remove"):
                sp.add_argument("key", metavar="KEY")
                sp.add_argument("value", metavar="VALUE")
            else:
                sp.add_argument("specs", nargs="+", metavar="KEY VALUE",
                                help="key and value (several pairs allowed)")


def run(args: argparse.Namespace) -> int:
    command = getattr(args, "config_command", None) or "list"
    handler = {
        "list": _run_list, "sources": _run_sources, "describe": _run_describe,
        "get": _run_get, "set": _run_set, "append": _run_sequence, "prepend": _run_sequence,
        "remove": _run_remove, "remove-key": _run_remove_key,
    }[command]
    return handler(args, command)


def _load(args: argparse.Namespace) -> Any:
    from umm.cli.context import load_config

    return load_config(args)


def _out(text: str) -> None:
    from umm.net.masking import mask_text

    text = mask_text(text)  # channel URLs in rc files may hold tokens or passwords
    sys.stdout.write(text if text.endswith("\n") or not text else text + "\n")


def _list_options(args: argparse.Namespace, values: bool = True) -> Any:
    from umm.config.dump import ListOptions

    return ListOptions(sources=getattr(args, "sources", False),
                       descriptions=getattr(args, "descriptions", False),
                       long_descriptions=getattr(args, "long_descriptions", False),
                       groups=getattr(args, "groups", False),
                       all_rc=getattr(args, "show_all_rc", False),
                       all_keys=getattr(args, "show_all", False), values=values)


def _run_list(args: argparse.Namespace, command: str) -> int:
    from umm.config.dump import render_json, render_yaml

    cfg = _load(args)
    keys = getattr(args, "keys", None) or []
    opts = _list_options(args)
    text = render_json(cfg, keys, opts) if cfg.get("json") else render_yaml(cfg, keys, opts)
    _out(text)
    return 0


def _run_describe(args: argparse.Namespace, command: str) -> int:
    from umm.config.dump import render_json, render_yaml

    cfg = _load(args)
    keys = getattr(args, "keys", None) or []
    opts = _list_options(args, values=False)
    opts.descriptions = True
    if not keys:
        opts.all_rc = True
    text = render_json(None, keys, opts) if cfg.get("json") else render_yaml(None, keys, opts)
    _out(text)
    return 0


def _run_sources(args: argparse.Namespace, command: str) -> int:
    import json

    cfg = _load(args)
    if cfg.get("no_rc"):
        if cfg.get("json"):
            _out(json.dumps({"sources": [], "no_rc": True}, indent=4))
        else:
            _out("Configuration files disabled by --no-rc flag")
        return 0
    if cfg.get("json"):
        doc = [{"path": loc.path, "valid": valid} for loc, valid in cfg.searched]
        _out(json.dumps({"sources": doc}, indent=4))
        return 0
    from umm.config.sources import shrink_home

    lines = ["Configuration files (by precedence order):"]
    for loc, valid in cfg.searched:
        lines.append(shrink_home(loc.path, cfg.home) + ("" if valid else " (invalid)"))
    _out("\n".join(lines))
    return 0


def _target_file(args: argparse.Namespace, cfg: Any) -> str:
    """The rc file written: ``--file``, ``--env`` (target prefix), ``--system``, else
    ``~/.condarc``."""
    if getattr(args, "config_file", None):
        return cfg_path(args.config_file, cfg)
    if getattr(args, "config_env", False):
        from umm.config.errors import NoTargetPrefix

        target = cfg.get("target_prefix")
        if not target:
            raise NoTargetPrefix()
        return os.path.join(target, ".condarc")
    if getattr(args, "config_system", False):
        from umm.cli.context import system_dirs

        dirs = system_dirs()
        return os.path.join(dirs[0] if dirs else "/etc/conda", ".condarc")
    return os.path.join(cfg.home, ".condarc")


def cfg_path(text: str, cfg: Any) -> str:
    from umm.config.types import Expander

    return Expander(cfg.environ, cfg.home, cfg.cwd).path(text)


def _expander(cfg: Any) -> Any:
    from umm.config.types import Expander

    return Expander(cfg.environ, cfg.home, cfg.cwd)


def _run_get(args: argparse.Namespace, command: str) -> int:
    from umm.config.rcedit import RcDocument

    cfg = _load(args)
    doc = RcDocument.load(_target_file(args, cfg))
    text = doc.block_text(args.key)
    if text is None:
        _out("Key is not present in file")
        return 0
    if cfg.get("json"):
        import json

        _out(json.dumps({args.key: doc.get(args.key)}, indent=4))
    else:
        _out(text)
    return 0


def _run_set(args: argparse.Namespace, command: str) -> int:
    from umm.config.rcedit import RcDocument, set_key

    cfg = _load(args)
    doc = RcDocument.load(_target_file(args, cfg), create=True)
    set_key(doc, args.key, args.value, _expander(cfg))
    doc.save()
    return 0


def _pairs(specs: List[str]) -> List[List[str]]:
    from umm.errors import UsageError

    if len(specs) % 2:
        raise UsageError("expected KEY VALUE pairs, got an odd number of arguments: "
                         + " ".join(specs))
    return [specs[i:i + 2] for i in range(0, len(specs), 2)]


def _run_sequence(args: argparse.Namespace, command: str) -> int:
    from umm.config.rcedit import RcDocument, add_to_sequence

    pairs = _pairs(args.specs)
    cfg = _load(args)
    doc = RcDocument.load(_target_file(args, cfg), create=True)
    ex = _expander(cfg)
    for key, value in pairs:
        add_to_sequence(doc, key, [value], ex, prepend=command == "prepend")
    doc.save()
    return 0


def _run_remove(args: argparse.Namespace, command: str) -> int:
    from umm.config.rcedit import RcDocument, remove_from_sequence

    cfg = _load(args)
    doc = RcDocument.load(_target_file(args, cfg))
    if not remove_from_sequence(doc, args.key, args.value, _expander(cfg)):
        _out("Key is not present in file")
        return 0
    doc.save()
    return 0


def _run_remove_key(args: argparse.Namespace, command: str) -> int:
    from umm.config.rcedit import RcDocument, remove_key

    cfg = _load(args)
    doc = RcDocument.load(_target_file(args, cfg))
    if not remove_key(doc, args.key):
        _out("Key is not present in file")
        return 0
    doc.save()
    return 0
