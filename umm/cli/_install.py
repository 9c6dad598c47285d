"""What create, install, update and remove share: target prefix, specs, channels,
solving, the transaction table and confirmation, fetching, linking, ``--json``."""
from __future__ import annotations

import argparse
import os
import sys
from typing import Any, Dict, List, Optional, Sequence, Tuple

from umm.errors import Cancelled, UmmError, UsageError
from umm.reporter import Reporter

BANNER = r"""
                                          _   _ _ __ ___  _ __ ___
                                         | | | | '_ ` _ \| '_ ` _ \
                                         | |_| | | | | | | | | | | |
                                          \__,_|_| |_| |_|_| |_| |_|
"""


class PrefixNotEmpty(UmmError):
    def __init__(self, prefix: str) -> None:
        super().__init__(f"non-conda folder exists at prefix {prefix}: refusing to create an "
                         "environment there")
        self.prefix = prefix


class PackageNotInstalled(UmmError):
    def __init__(self, names: Sequence[str], prefix: str) -> None:
        super().__init__(f"package(s) not installed in {prefix}: {', '.join(names)}")
        self.names = list(names)
        self.prefix = prefix


class CliReporter(Reporter):
    """Warnings and errors to stderr; link-script messages to stdout (stderr with --json)."""

    def __init__(self, quiet: bool, json_mode: bool, verbose: int) -> None:
        self.quiet = quiet
        self.json_mode = json_mode
        self.verbose = verbose

    def message(self, level: str, text: str) -> None:
        if level == "debug" and self.verbose < 2:
            return
        if level == "info":
            if self.quiet:
                return
            (sys.stderr if self.json_mode else sys.stdout).write(text.rstrip("\n") + "\n")
            return
        if level == "warning" and self.quiet:
            return
        sys.stderr.write(f"{level}: {text}\n")


def configure_install_command(p: argparse.ArgumentParser) -> None:
    from umm.cli import common

    common.add_prefix_options(p, suppress_defaults=True)
    common.add_channel_options(p)
    common.add_install_options(p)


# -- steps --------------------------------------------------------------------------
def read_spec_files(paths: Sequence[str]) -> List[str]:
    """Specs from plain text files (one a line, ``#`` comments); other formats belong to
    ``umm.envfile``."""
    out: List[str] = []
    for path in paths:
        try:
            with open(path, encoding="utf-8-sig") as f:
                text = f.read()
        except OSError as exc:
            raise UsageError(f"cannot read spec file {path}: {exc.strerror}") from None
        except UnicodeDecodeError as exc:
            raise UsageError(f"cannot read spec file {path}: not UTF-8 text "
                             f"(byte {exc.start})") from None
        for line in text.splitlines():
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            if line.startswith("@"):
                raise UsageError(f"{path}: {line} files are read by the spec-file support "
                                 "(umm.envfile), not yet available here")
            out.append(line)
    return out


def parse_specs(texts: Sequence[str]) -> List[Any]:
    from umm.specs import MatchSpec

    return [MatchSpec.parse(t) for t in texts]


def sources_for(cfg: Any, client: Any, reporter: Reporter) -> List[Any]:
    """One record source per channel (``umm.repodata.load_channels``), in priority order."""
    from umm.config.channels import channel_context
    from umm.repodata.loader import load_channels
    from umm.repodata.options import RepodataOptions

    ctx = channel_context(cfg)
    channels: List[Any] = []
    for name in cfg.get("channels"):
        for ch in ctx.resolve(name):
            if all(ch.base_url != c.base_url for c in channels):
                channels.append(ch)
    if not channels:
        raise UsageError("no channels configured: pass -c CHANNEL or set `channels` in an rc file")
    options = RepodataOptions.from_config(cfg)
    return load_channels(channels, [cfg.get("platform")], cfg.get("pkgs_dirs"), client, options,
                         reporter)


def http_client(cfg: Any) -> Any:
    """An ``umm.net.HttpClient`` from the configuration's network keys."""
    from umm.cli.auth import credentials
    from umm.net.client import HttpClient
    from umm.net.options import NetworkOptions

    return HttpClient(NetworkOptions.from_config(cfg), credentials(cfg))


def solve(cfg: Any, sources: Sequence[Any], specs: Sequence[Any], installed: Dict[str, Any],
          update: Sequence[str] = (), pins: Sequence[Any] = (), newest: bool = False) -> Dict[str, Any]:
    """The environment after the change (name -> record)."""
    from umm.config.virtual import as_records, detect
    from umm.install._standins import resolve

    virtual = as_records(detect(cfg.get("platform")), cfg.get("platform"))
    return resolve(sources, specs, installed, virtual=virtual, update=update, pins=pins,
                   strict=cfg.get("channel_priority") == "strict", no_deps=bool(cfg.get("no_deps")))


def pins(cfg: Any, prefix: str) -> List[Any]:
    """``conda-meta/pinned`` and ``pinned_packages`` (unless ``--no-pin``)."""
    from umm.install.prefix_data import read_pinned

    if cfg.get("no_pin"):
        return []
    return parse_specs(list(cfg.get("pinned_packages") or ()) + read_pinned(prefix))


def _dep_names(rec: Any) -> List[str]:
    from umm.install.transaction import dep_name

    return [dep_name(d) for d in (rec.depends or ())]


def drop_dependents(final: Dict[str, Any], removed: set) -> Dict[str, Any]:
    """Without the packages that (transitively) depend on a removed one."""
    out = dict(final)
    gone = set(removed)
    changed = True
    while changed:
        changed = False
        for name, rec in list(out.items()):
            if any(d in gone for d in _dep_names(rec)):
                del out[name]
                gone.add(name)
                changed = True
    return out


def prune(final: Dict[str, Any], requested: set,
          installed_before: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    """Keep only what ``requested`` names need (plus what they did not name when
    the history knows no request at all, so conda-made envs are not emptied)."""
    if not requested:
        return final
    keep: set = set()
    todo = [n for n in requested if n in final]
    while todo:
        n = todo.pop()
        if n in keep:
            continue
        keep.add(n)
        todo.extend(d for d in _dep_names(final[n]) if d in final)
    return {n: r for n, r in final.items() if n in keep}


def diff(installed: Dict[str, Any], final: Dict[str, Any],
         reinstall: Sequence[str] = ()) -> Tuple[List[Any], List[Any]]:
    """(records to unlink, records to link) turning ``installed`` into ``final``."""
    unlink, link = [], []
    for name, rec in installed.items():
        new = final.get(name)
        if new is None or new is not rec and _ident(new) != _ident(rec) or name in reinstall:
            unlink.append(rec)
    for name, rec in final.items():
        old = installed.get(name)
        if old is None or old is not rec and _ident(old) != _ident(rec) or name in reinstall:
            link.append(rec)
    return unlink, link


def _ident(rec: Any) -> Tuple[str, str, str, str]:
    from umm.ui.transaction import channel_label

    return (rec.name, str(rec.version), rec.build, channel_label(rec))


def confirm(cfg: Any) -> bool:
    if cfg.get("always_yes") or cfg.get("json"):
        return True
    sys.stdout.write("Confirm changes: [Y/n] ")
    sys.stdout.flush()
    answer = sys.stdin.readline()
    if not answer:
        sys.stdout.write("\n")
        return False
    return answer.strip().lower() in ("", "y", "yes")


def fetch(cfg: Any, records: Sequence[Any], client: Any, reporter: Reporter) -> Dict[Any, str]:
    from umm.package.cache import PackageCache

    if not records:
        return {}
    cache = PackageCache(cfg.get("pkgs_dirs"), lock_timeout=cfg.get("lock_timeout") or None)
    return cache.ensure(list(records), client=client, reporter=reporter,
                        download_threads=cfg.get("download_threads"),
                        extract_threads=cfg.get("extract_threads"), offline=cfg.get("offline"))


def cached_check(cfg: Any) -> Any:
    from umm.package.cache import PackageCache

    try:
        cache = PackageCache(cfg.get("pkgs_dirs"))
    except UmmError:
        return lambda rec: False
    return lambda rec: cache.find_extracted(rec) is not None


def command_line() -> str:
    return "umm " + " ".join(_quote(a) for a in sys.argv[1:])


def _quote(arg: str) -> str:
    import shlex

    return shlex.quote(arg)


def hold_env_lock(prefix: str, cfg: Any, reporter: Reporter) -> None:
    """Take the env's lock for the rest of the command (``umm.cli.main`` releases it
    when the command ends), so a second umm on the same env waits, then reads what the
    first one did; first roll back what a killed run left half done."""
    from pathlib import Path

    from umm.install.journal import recover
    from umm.install.lock import hold_for_command

    if not prefix or not os.path.isdir(os.path.join(prefix, "conda-meta")):
        return
    hold_for_command(Path(prefix), cfg.get("lock_timeout") or None, reporter)
    for item in recover(prefix):
        reporter.warning(f"rolled back an interrupted transaction of {prefix} "
                         f"(process {item.pid or '?'}, {item.changes} changes)")


def recover_before_create(prefix: str, cfg: Any, reporter: Reporter) -> None:
    """What a killed run left at ``prefix`` (a half-done transaction, an env a killed
    ``create`` had moved away) is put right before ``create`` looks at the prefix."""
    from pathlib import Path

    from umm.install.journal import recover, recover_replaced
    from umm.install.lock import PrefixLock

    if os.path.isdir(os.path.join(prefix, "conda-meta")):
        with PrefixLock(Path(prefix), cfg.get("lock_timeout") or None, reporter):
            for item in recover(prefix):
                reporter.warning(f"rolled back an interrupted transaction of {prefix} "
                                 f"(process {item.pid or '?'}, {item.changes} changes)")
    for note in recover_replaced(prefix):
        reporter.warning(note)


# -- the whole flow -----------------------------------------------------------------
class Job:
    """One create/install/update/remove run."""

    def __init__(self, args: argparse.Namespace, cfg: Any, prefix: str, verb: str) -> None:
        from umm.config.params import output_options

        self.args = args
        self.cfg = cfg
        self.prefix = prefix
        self.verb = verb
        out = output_options(cfg)
        self.json = bool(out.json)
        self.quiet = bool(out.quiet)
        self.show_banner = bool(out.show_banner) and not self.json and not self.quiet
        self.reporter = CliReporter(self.quiet, self.json, int(out.verbose or 0))
        if verb != "create":  # (create moves an old env away: the new one is locked on link)
            hold_env_lock(prefix, cfg, self.reporter)

    def emit(self, text: str) -> None:
        if not self.json and not self.quiet:
            sys.stdout.write(text)

    def banner(self) -> None:
        if self.show_banner:
            from umm import __version__

            self.emit(BANNER + f"\n        umm {__version__}\n\n")

    def run(self, specs: Sequence[str], installed: Dict[str, Any], final: Dict[str, Any], *,
            history_update: Sequence[str] = (), history_remove: Sequence[str] = (),
            spec_label: str = "Updating specs", reinstall: Sequence[str] = (),
            client: Any = None, on_success: Any = None, on_failure: Any = None,
            before_link: Any = None, link_record: Any = None) -> int:
        import json

        from umm.install import HistoryEntry, LinkOptions, LinkRequest, execute
        from umm.ui.transaction import classify, json_actions, render

        cfg = self.cfg
        unlink, link = diff(installed, final, reinstall)
        is_cached = cached_check(cfg)
        if not self.json and not self.quiet:
            changes = classify(unlink, link, reinstall)
            self.emit(render(changes, self.prefix, list(specs), spec_label, cached=is_cached))
        dry = bool(cfg.get("dry_run"))
        to_fetch = [r for r in link if not is_cached(r)]
        doc: Dict[str, Any] = {"actions": json_actions(self.prefix, unlink, link, to_fetch),
                               "dry_run": dry, "prefix": self.prefix, "success": True}
        if not unlink and not link:
            if self.json:
                doc["message"] = "All requested packages already installed"
                sys.stdout.write(json.dumps(doc, indent=4) + "\n")
            if on_success is not None and not dry:
                on_success()
            return 0
        if dry:
            if self.json:
                sys.stdout.write(json.dumps(doc, indent=4) + "\n")
            else:
                self.emit("Dry run. Not executing the transaction.\n")
            return 0
        if not confirm(cfg):
            raise Cancelled("Aborted.")
        try:
            dirs = fetch(cfg, link, client or http_client(cfg), self.reporter)
            if cfg.get("download_only"):
                self.emit("Download only: packages are in the cache, the environment is unchanged.\n")
                if self.json:
                    sys.stdout.write(json.dumps(doc, indent=4) + "\n")
                return 0
            if before_link is not None:
                before_link()
            requested = {spec.name: str(spec) for spec in parse_specs(specs)}
            # link_record(record, extracted_dir): the record to link (explicit installs
            # take the cache's complete repodata_record.json)
            requests = [LinkRequest(link_record(r, dirs[r]) if link_record else r, dirs[r],
                                    requested.get(r.name, ""),
                                    os.path.join(os.path.dirname(dirs[r]), r.fn)) for r in link]
            lo = LinkOptions(always_copy=bool(cfg.get("always_copy")),
                             allow_softlinks=bool(cfg.get("allow_softlinks")),
                             always_softlink=bool(cfg.get("always_softlink")),
                             compile_pyc=bool(cfg.get("compile_pyc")),
                             relocate_prefix=cfg.get("relocate_prefix") or None,
                             extra_safety_checks=bool(cfg.get("extra_safety_checks")))
            execute(self.prefix, unlink=unlink, link=requests, options=lo, reporter=self.reporter,
                    history=HistoryEntry(command_line(), history_update, history_remove),
                    root_prefix=cfg.get("root_prefix"),
                    lock_timeout=cfg.get("lock_timeout") or None)
        except BaseException:
            if on_failure is not None:
                on_failure()
            raise
        if on_success is not None:
            on_success()
        if self.json:
            sys.stdout.write(json.dumps(doc, indent=4) + "\n")
        else:
            self.emit("\nTransaction finished\n\n")
        return 0


def load(args: argparse.Namespace) -> Any:
    from umm.cli.context import load_config

    return load_config(args)


def specs_of(args: argparse.Namespace, cfg: Any) -> List[str]:
    texts = list(getattr(args, "specs", None) or [])
    files = cfg.get("file_specs") if cfg is not None else None
    if files:
        texts += read_spec_files(files)
    return texts


def installed_records(prefix: str) -> Dict[str, Any]:
    from umm.install.prefix_data import PrefixData

    return PrefixData.load(prefix).records()
