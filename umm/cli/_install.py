"""What create, install, update and remove share: target prefix, specs, channels,
solving (``umm.solver``), the transaction table and confirmation, fetching, linking,
``--json``.

The commands build a :class:`umm.solver.SolveRequest` through :func:`solve` (virtual
packages, pins, the python pin, channel priority from the configuration), turn the
solution into a :class:`umm.solver.Transaction` with :func:`plan`, and hand it to
:meth:`Job.run`, which shows it, asks, fetches and links it in the plan's order.
"""
from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, List, Optional, Sequence

from umm.errors import Cancelled, UmmError
from umm.reporter import Reporter

if TYPE_CHECKING:
    from umm.solver import Solution, Transaction

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


def configure_install_command(p: argparse.ArgumentParser) -> None:
    from umm.cli import common

    common.add_prefix_options(p, suppress_defaults=True)
    common.add_channel_options(p)
    common.add_install_options(p)


# -- inputs ---------------------------------------------------------------------------
def load(args: argparse.Namespace) -> Any:
    from umm.cli.context import load_config

    return load_config(args)


def parse_specs(texts: Sequence[str]) -> List[Any]:
    from umm.specs import MatchSpec

    return [MatchSpec.parse(t) for t in texts]


def installed_records(prefix: str) -> Dict[str, Any]:
    from umm.install.prefix_data import PrefixData

    return PrefixData.load(prefix).records()


def as_found(installed: Dict[str, Any], reporter: Reporter) -> Dict[str, Any]:
    """The installed records for solving an environment that may be inconsistent
    (``--no-deps``, ``remove --force``): a dependency no installed package satisfies is
    left out of that record, with a warning, so the package stays as it is unless the
    request touches it (as libsolv treats installed packages). :func:`solve` then takes
    such a record as it is rather than the channel's copy of that build, unless that
    package is being updated (which repairs it)."""
    from umm.specs import MatchSpec
    from umm.specs.records import PrefixRecord

    out = dict(installed)
    for name, rec in installed.items():
        keep, broken = [], []
        for dep in rec.depends:
            try:
                spec = MatchSpec.parse(dep)
            except ValueError:
                keep.append(dep)
                continue
            have = installed.get(spec.name)
            if spec.name.startswith("__") or (have is not None and spec.matches(have)):
                keep.append(dep)
            else:
                broken.append(dep)
        if broken:
            reporter.warning(f"{rec.dist_name} needs {', '.join(broken)}, which is not "
                             "installed: the environment is inconsistent")
            out[name] = PrefixRecord.from_json(dict(rec.to_json(), depends=keep,
                                                    **{RELAXED: broken}))
    return out


RELAXED = "umm_missing_depends"  # marks a record :func:`as_found` relaxed (never written)


def unrelaxed(rec: Any) -> Any:
    """``rec`` as it was before :func:`as_found` relaxed it."""
    if not rec.get(RELAXED):
        return rec
    doc = rec.to_json()
    doc["depends"] = list(doc.get("depends") or ()) + list(doc.pop(RELAXED))
    return type(rec).from_json(doc)


class _Hiding:
    """A record source without the builds of ``hidden`` (name -> installed record)."""

    def __init__(self, inner: Any, hidden: Dict[str, Any]) -> None:
        self.inner = inner
        self.hidden = hidden
        self.channel = inner.channel

    def records(self, name: str) -> Sequence[Any]:
        recs = self.inner.records(name)
        rec = self.hidden.get(name)
        if rec is None:
            return recs
        from umm.solver.candidates import same_package

        return [r for r in recs if not same_package(rec, r)]

    def __getattr__(self, attr: str) -> Any:
        return getattr(self.inner, attr)


def http_client(cfg: Any) -> Any:
    """An ``umm.net.HttpClient`` from the configuration's network keys."""
    from umm.cli.auth import credentials
    from umm.net.client import HttpClient
    from umm.net.options import NetworkOptions

    return HttpClient(NetworkOptions.from_config(cfg), credentials(cfg))


def sources_for(cfg: Any, client: Any, reporter: Reporter) -> List[Any]:
    """One record source per channel (``umm.repodata.load_channels``), in priority order."""
    from umm.config.channels import channel_context
    from umm.errors import UsageError
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


# -- solving --------------------------------------------------------------------------
def python_pin(installed: Iterable[Any], specs: Sequence[Any]) -> Optional[str]:
    """``python X.Y.*`` for the installed python, unless a spec names python (micromamba
    keeps the env's python minor version otherwise)."""
    if any(s.name == "python" for s in specs):
        return None
    for rec in installed:
        if rec.name == "python":
            parts = str(rec.version).split(".")
            return f"python {'.'.join(parts[:2])}.*" if len(parts) >= 2 else f"python {parts[0]}.*"
    return None


def pins_for(cfg: Any, prefix: Optional[str], installed: Iterable[Any],
             specs: Sequence[Any]) -> List[str]:
    """``pinned_packages`` and ``conda-meta/pinned`` (unless ``--no-pin``), and the python
    pin (unless ``--no-py-pin``)."""
    from umm.install.prefix_data import read_pinned

    out: List[str] = []
    if not cfg.get("no_pin"):
        out += list(cfg.get("pinned_packages") or ())
        if prefix:
            out += read_pinned(prefix)
    if not cfg.get("no_py_pin"):
        pin = python_pin(installed, specs)
        if pin:
            out.append(pin)
    return out


def requested(prefix: str, installed: Dict[str, Any]) -> Dict[str, str]:
    """Name -> spec of the packages the user asked for: the history's requests, and
    installed records that say they were requested (envs made by conda)."""
    from umm.install.history import requested_specs

    out = {n: s for n, s in requested_specs(prefix).items() if n in installed}
    for name, rec in installed.items():
        spec = getattr(rec, "requested_spec", None)
        if spec and name not in out:
            out[name] = spec
    return out


def mark_requested(installed: Dict[str, Any], wanted: Dict[str, str]) -> List[Any]:
    """The installed records, with ``requested_spec`` set for the names in ``wanted`` and
    cleared for the others (what the solver's ``prune`` keeps and drops)."""
    from umm.specs.records import PrefixRecord

    out = []
    for name, rec in sorted(installed.items()):
        spec = wanted.get(name, "")
        if bool(getattr(rec, "requested_spec", None)) != bool(spec):
            rec = PrefixRecord.from_json(dict(rec.to_json(), requested_spec=spec))
        out.append(rec)
    return out


def solve(cfg: Any, sources: Sequence[Any], specs: Sequence[Any],
          installed: Iterable[Any] = (), *, pins: Sequence[Any] = (), remove: Sequence[Any] = (),
          update_all: bool = False, update_names: Iterable[str] = (), prune: bool = False,
          update_deps: bool = False, reporter: Optional[Reporter] = None) -> "Solution":
    """The environment after the change, by ``umm.solver`` (raises ``Unsatisfiable``)."""
    from umm.config import virtual_package_records
    from umm.reporter import NULL
    from umm.solver import SolveRequest
    from umm.solver import solve as run_solver

    installed = list(installed)
    # a package being updated gets its channel's record back (the missing dependencies)
    updating = set(update_names)
    relaxed = {} if update_all else \
        {r.name: r for r in installed if r.get(RELAXED) and r.name not in updating}
    if relaxed:
        sources = [_Hiding(src, relaxed) for src in sources]
    req = SolveRequest(
        sources=sources, specs=specs, installed=installed,
        virtual=virtual_package_records(cfg), pins=pins, remove=remove,
        update_all=update_all, update_names=update_names,
        freeze_installed=bool(cfg.get("freeze_installed")), no_deps=bool(cfg.get("no_deps")),
        only_deps=bool(cfg.get("only_deps")), force_reinstall=bool(cfg.get("force_reinstall")),
        prune=prune, update_deps=update_deps,
        channel_priority=cfg.get("channel_priority") or "flexible",
        add_pip_as_python_dependency=bool(cfg.get("add_pip_as_python_dependency")),
        reporter=reporter if reporter is not None else NULL)
    return run_solver(req)


def plan(installed: Iterable[Any], records: Iterable[Any], specs: Sequence[Any] = (),
         force_reinstall: bool = False) -> "Transaction":
    """The transaction turning ``installed`` into ``records`` (a solution or records)."""
    from umm.solver import Transaction

    return Transaction.plan(list(installed), list(records), requested=list(specs),
                            force_reinstall=force_reinstall)


# -- output and execution -------------------------------------------------------------
_TABLE_KIND = {"install": "Install", "upgrade": "Upgrade", "downgrade": "Downgrade",
               "change": "Change", "reinstall": "Reinstall", "remove": "Remove"}


def changes(tx: "Transaction") -> List[Any]:
    """The transaction's actions as rows of micromamba's table (``umm.ui.transaction``)."""
    from umm.ui.transaction import Change

    return [Change(_TABLE_KIND[a.kind], a.name, new=a.new, old=a.old) for a in tx.actions]


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


def cached_check(cfg: Any) -> Callable[[Any], bool]:
    from umm.package.cache import PackageCache

    try:
        cache = PackageCache(cfg.get("pkgs_dirs"))
    except UmmError:
        return lambda rec: False
    return lambda rec: cache.find_extracted(rec) is not None


def command_line() -> str:
    import shlex

    return "umm " + " ".join(shlex.quote(a) for a in sys.argv[1:])


class JobReporter(Reporter):
    """The console reporter (``umm.ui.console.make_reporter``) as a command uses it:

    * info messages that come once linking started are held: they are the link
      scripts' ``.messages.txt``, which :meth:`Job.run` shows on stdout afterwards,
      as micromamba does;
    * a task that fails gets no "Failed: ..." line of its own in plain output, and a
      solve that fails is not shown as failed at all: the error that ends the command
      (the conflict explanation for a solve) says what went wrong.
    """

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.linking = False
        self.held: List[str] = []

    def message(self, level: str, text: str) -> None:
        if level == "info" and self.linking:
            self.held.append(text)
        else:
            self.inner.message(level, text)

    def start(self, group: str, key: str, label: str, total: Optional[int] = None) -> None:
        if group in ("link", "unlink"):
            self.linking = True
        self.inner.start(group, key, label, total)

    def advance(self, group: str, key: str, amount: int) -> None:
        self.inner.advance(group, key, amount)

    def finish(self, group: str, key: str, ok: bool = True, note: str = "") -> None:
        if ok or group == "solve":
            self.inner.finish(group, key, True, note)
        elif getattr(self.inner, "live", False):
            self.inner.finish(group, key, False, note)

    def close(self) -> None:
        self.inner.close()

    def take_held(self) -> List[str]:
        held, self.held = self.held, []
        self.linking = False
        return held


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
    """One create/install/update/remove run: ``with Job(...) as job:`` (the progress
    display is closed at the end). The env's lock is held from here, before the env is
    read, to the end of the command (:func:`hold_env_lock`)."""

    def __init__(self, args: argparse.Namespace, cfg: Any, prefix: str, verb: str) -> None:
        from umm.config.params import output_options
        from umm.ui.console import make_reporter

        self.args = args
        self.cfg = cfg
        self.prefix = prefix
        self.verb = verb
        out = output_options(cfg)
        self.json = bool(out.json)
        self.quiet = bool(out.quiet)
        self.show_banner = bool(out.show_banner) and not self.json and not self.quiet
        self.reporter = JobReporter(make_reporter(self.quiet, self.json, int(out.verbose or 0)))
        if verb != "create":  # (create moves an old env away: the new one is locked on link)
            try:
                hold_env_lock(prefix, cfg, self.reporter)
            except BaseException:
                self.close()
                raise

    def __enter__(self) -> "Job":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        self.reporter.close()

    def emit(self, text: str) -> None:
        if not self.json and not self.quiet:
            sys.stdout.write(text)
            sys.stdout.flush()

    def banner(self) -> None:
        if self.show_banner:
            from umm import __version__

            self.emit(BANNER + f"\n        umm {__version__}\n\n")

    def solve(self, sources: Sequence[Any], specs: Sequence[Any], installed: Iterable[Any] = (),
              **kw: Any) -> "Solution":
        return solve(self.cfg, sources, specs, installed, reporter=self.reporter, **kw)

    def run(self, tx: "Transaction", specs: Sequence[str] = (), *,
            history_update: Sequence[str] = (), history_remove: Sequence[str] = (),
            spec_label: str = "Updating specs", client: Any = None, on_success: Any = None,
            on_failure: Any = None, before_link: Any = None, link_record: Any = None) -> int:
        """Show ``tx``, ask, fetch and link it (``link_record(record, extracted_dir)``:
        the record to link instead of the planned one)."""
        import json

        from umm.ui.transaction import json_actions, render

        cfg = self.cfg
        link = [unrelaxed(r) for r in tx.to_link]
        is_cached = cached_check(cfg)
        if not self.json and not self.quiet:
            self.emit(render(changes(tx), self.prefix, list(specs), spec_label, cached=is_cached))
        dry = bool(cfg.get("dry_run"))
        to_fetch = [r for r in link if not is_cached(r)]
        doc: Dict[str, Any] = {"actions": json_actions(self.prefix, tx.to_unlink, link, to_fetch),
                               "dry_run": dry, "prefix": self.prefix, "success": True}
        if not link and not tx.to_unlink:
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
                self.emit("Download only: packages are in the cache, the environment is "
                          "unchanged.\n")
                if self.json:
                    sys.stdout.write(json.dumps(doc, indent=4) + "\n")
                return 0
            if before_link is not None:
                before_link()
            self._execute(tx, link, specs, dirs, link_record, history_update, history_remove)
        except BaseException:
            if on_failure is not None:
                on_failure()
            raise
        if on_success is not None:
            on_success()
        self.close()
        held = self.reporter.take_held()
        if held and not self.quiet:
            text = "\n".join(m.rstrip("\n") for m in held) + "\n"
            (sys.stderr if self.json else sys.stdout).write(text)
        if self.json:
            sys.stdout.write(json.dumps(doc, indent=4) + "\n")
        else:
            self.emit("\nTransaction finished\n\n")
        return 0

    def _execute(self, tx: "Transaction", link: Sequence[Any], specs: Sequence[str],
                 dirs: Dict[Any, str], link_record: Any, history_update: Sequence[str],
                 history_remove: Sequence[str]) -> None:
        from umm.install import HistoryEntry, LinkOptions, LinkRequest, execute

        cfg = self.cfg
        # requested_spec: the spec given now, else what the record linked again said
        wanted = {s.name: str(s) for s in parse_specs(specs)}
        old = {a.name: a.old for a in tx.actions if a.old is not None}

        def spec_of(rec: Any) -> str:
            if rec.name in wanted:
                return wanted[rec.name]
            before = old.get(rec.name)
            return (getattr(before, "requested_spec", None) or "") if before is not None else ""

        # link_record(record, extracted_dir): the record to link (explicit installs
        # take the cache's complete repodata_record.json)
        requests = [LinkRequest(link_record(r, dirs[r]) if link_record else r, dirs[r],
                                spec_of(r), os.path.join(os.path.dirname(dirs[r]), r.fn))
                    for r in link]
        lo = LinkOptions(always_copy=bool(cfg.get("always_copy")),
                         allow_softlinks=bool(cfg.get("allow_softlinks")),
                         always_softlink=bool(cfg.get("always_softlink")),
                         compile_pyc=bool(cfg.get("compile_pyc")),
                         relocate_prefix=cfg.get("relocate_prefix") or None,
                         extra_safety_checks=bool(cfg.get("extra_safety_checks")))
        execute(self.prefix, unlink=tx.to_unlink, link=requests, options=lo,
                reporter=self.reporter,
                history=HistoryEntry(command_line(), history_update, history_remove),
                root_prefix=cfg.get("root_prefix"), lock_timeout=cfg.get("lock_timeout") or None,
                in_order=True)
