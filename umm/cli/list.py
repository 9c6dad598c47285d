"""`umm list [REGEX]`: the packages installed in an environment (micromamba's output)."""
from __future__ import annotations

import argparse
import sys
from typing import Any, List


def configure(p: argparse.ArgumentParser) -> None:
    from umm.cli import common

    common.add_prefix_options(p, suppress_defaults=True)
    p.add_argument("regex", nargs="?", default=None, metavar="REGEX",
                   help="list only packages whose name matches this regular expression")
    p.add_argument("-f", "--full-name", action="store_true",
                   help="only search for full names, i.e., ^<regex>$")
    p.add_argument("--no-pip", action="store_true", help="do not include pip-only installed packages")
    p.add_argument("--reverse", action="store_true", help="list in reverse order")
    p.add_argument("--explicit", action="store_true",
                   help="list explicitly all installed packages with URL")
    p.add_argument("--md5", action="store_true", help="add MD5 hashsum when using --explicit")
    p.add_argument("--sha256", action="store_true", help="add SHA256 hashsum when using --explicit")
    p.add_argument("-c", "--canonical", action="store_true",
                   help="output canonical names of packages only")
    p.add_argument("-e", "--export", action="store_true",
                   help="output explicit, machine-readable requirement strings")
    p.add_argument("--revisions", action="store_true", help="list the revision history")


def _select(records: List[Any], args: argparse.Namespace) -> List[Any]:
    import re

    from umm.errors import UsageError

    if not args.regex:
        out = list(records)
    else:
        pattern = f"^(?:{args.regex})$" if args.full_name else args.regex
        try:
            rx = re.compile(pattern)
        except re.error as exc:
            raise UsageError(f"invalid regular expression {args.regex!r}: {exc}") from None
        out = [r for r in records if rx.search(r.name)]
    out.sort(key=lambda r: r.name)
    if args.reverse:
        out.reverse()
    return out


def _channel(rec: Any) -> str:
    from umm.ui.transaction import channel_label

    return channel_label(rec)


def _canonical(rec: Any) -> str:
    ch = _channel(rec)
    subdir = rec.subdir or ""
    where = f"{ch}/{subdir}" if ch and subdir else ch
    return f"{where}::{rec.name}-{rec.version}-{rec.build}" if where else \
        f"{rec.name}-{rec.version}-{rec.build}"


def _explicit_url(rec: Any, md5: bool, sha256: bool) -> str:
    url = rec.url or ""
    if not url:
        ch = (rec.channel or "").rstrip("/")
        url = f"{ch}/{rec.subdir}/{rec.fn}" if ch else rec.fn
    if sha256 and rec.sha256:
        url += f"#sha256:{rec.sha256}" if md5 and rec.md5 else f"#{rec.sha256}"
    elif md5 and rec.md5:
        url += f"#{rec.md5}"
    return url


def _revisions(prefix: str) -> str:
    from umm.install.history import read_history

    lines: List[str] = []
    for i, rev in enumerate(read_history(prefix)):
        lines.append(f"{rev.date}  (rev {i})")
        for d in rev.removed:
            lines.append(f"    -{d}")
        for d in rev.added:
            lines.append(f"    +{d}")
        lines.append("")
    return "\n".join(lines) + ("\n" if lines else "")


def _table(rows: List[List[str]]) -> str:
    header = ["Name", "Version", "Build", "Channel"]
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(4)]

    def line(cells: List[str]) -> str:
        return "  " + "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()

    rule = "\u2500" * (2 + sum(widths) + 2 * 3 + 2)
    return "\n".join([line(header), rule] + [line(r) for r in rows]) + "\n"


def run(args: argparse.Namespace) -> int:
    import json

    from umm.cli.context import load_config
    from umm.config.prefix import check_prefix
    from umm.install.prefix_data import PrefixData
    from umm.ui.transaction import _json_entry

    cfg = load_config(args)
    prefix = cfg.get("target_prefix")
    check_prefix(prefix, getattr(args, "env_name", None), root_prefix=cfg.get("root_prefix"))
    if args.revisions:
        sys.stdout.write(_revisions(prefix))
        return 0
    records = _select(PrefixData.load(prefix).sorted(), args)
    out = sys.stdout
    if cfg.get("json"):
        out.write(json.dumps([_json_entry(r) for r in records], indent=4) + "\n")
    elif args.explicit:
        out.write("# This file may be used to create an environment using:\n"
                  "# $ conda create --name <env> --file <this file>\n"
                  f"# platform: {cfg.get('platform')}\n@EXPLICIT\n")
        for r in records:
            out.write(_explicit_url(r, args.md5, args.sha256) + "\n")
    elif args.canonical:
        for r in records:
            out.write(_canonical(r) + "\n")
    elif args.export:
        for r in records:
            out.write(f"{r.name}={r.version}={r.build}\n")
    else:
        out.write(f'List of packages in environment: "{prefix}"\n\n')
        if records:
            out.write(_table([[r.name, str(r.version), r.build, _channel(r)] for r in records]))
        else:
            out.write("  No packages found\n" if args.regex else "  Environment is empty.\n")
    return 0
