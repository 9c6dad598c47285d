"""Executing a transaction on a prefix: unlink, link, compile, record, roll back.

Order: the prefix is locked; packages to remove are unlinked in reverse dependency
order (pre-unlink script, conda-meta record, files, empty directories); packages
to add are linked in dependency order (pre-link script, files, entry points,
post-link script); ``.pyc`` files of noarch python packages are compiled with the
environment's python; files two packages share are restored from the package that
keeps them; records are written to ``conda-meta``; the history gets a revision.
Any failure, Ctrl-C or SIGTERM on the way rolls every change back.
"""
from __future__ import annotations

import contextlib
import os
import re
import signal
import threading
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence, Set, Tuple, Union

from umm.specs.records import PrefixRecord
from umm.install.errors import InstallError, LinkError, TransactionInterrupted
from umm.install.history import HistoryEntry, dist_str, format_revision
from umm.install.journal import Journal, recover
from umm.install.link import Linker, LinkOptions, target_paths
from umm.install.lock import PrefixLock
from umm.install.noarch import PythonInfo, compile_pyc
from umm.install.package_info import DIRECTORY, PYC_FILE, PackageInfo
from umm.install.prefix_data import CONDA_META, PrefixData, record_filename, write_json_atomic
from umm.install.scripts import run_link_script, script_path
from umm.reporter import NULL, Reporter

_DEP_NAME = re.compile(r"[\s=<>!~\[]")


class LinkRequest:
    """A package to link: its repodata record and where it is extracted."""

    __slots__ = ("record", "extracted_dir", "requested_spec", "tarball")

    def __init__(self, record: Any, extracted_dir: "os.PathLike[str] | str",
                 requested_spec: Optional[str] = None, tarball: Optional[str] = None) -> None:
        data = dict(record) if isinstance(record, dict) else record.to_json()
        object.__setattr__(self, "record", data)
        object.__setattr__(self, "extracted_dir", Path(extracted_dir))
        object.__setattr__(self, "requested_spec", requested_spec)
        object.__setattr__(self, "tarball", tarball)

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError("LinkRequest is immutable")

    @property
    def name(self) -> str:
        return str(self.record["name"])


class TransactionResult:
    """What a transaction did."""

    __slots__ = ("prefix", "linked", "unlinked", "clobbered", "messages", "pyc_failed")

    def __init__(self, prefix: Path) -> None:
        self.prefix = prefix
        self.linked: List[PrefixRecord] = []
        self.unlinked: List[PrefixRecord] = []
        self.clobbered: List[Tuple[str, Optional[str], str]] = []
        self.messages = ""
        self.pyc_failed: List[str] = []


def dep_name(spec: str) -> str:
    return _DEP_NAME.split(spec.strip(), maxsplit=1)[0]


def topo_order(records: Sequence[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Dependencies before dependents (among ``records``); cycles broken by name order."""
    by_name = {r["name"]: r for r in records}
    out: List[Dict[str, Any]] = []
    state: Dict[str, int] = {}

    def visit(name: str) -> None:
        if state.get(name):
            return
        state[name] = 1
        for dep in by_name[name].get("depends") or ():
            d = dep_name(dep)
            if d in by_name and d != name:
                visit(d)
        state[name] = 2
        out.append(by_name[name])

    # python first: noarch packages and link scripts need it
    for name in sorted(by_name, key=lambda n: (n != "python", n)):
        visit(name)
    return out


@contextlib.contextmanager
def _interruptible() -> Iterator[None]:
    """SIGTERM behaves like Ctrl-C while a transaction runs (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_term(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGTERM, on_term)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


@contextlib.contextmanager
def _shielded() -> Iterator[None]:
    """No Ctrl-C / SIGTERM while rolling back."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old_int = signal.signal(signal.SIGINT, signal.SIG_IGN)
    old_term = signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old_int)
        signal.signal(signal.SIGTERM, old_term)


def execute(prefix: "os.PathLike[str] | str", *,
            unlink: Sequence[Union[PrefixRecord, Dict[str, Any], str]] = (),
            link: Sequence[LinkRequest] = (), options: Optional[LinkOptions] = None,
            reporter: Reporter = NULL, history: Optional[HistoryEntry] = None,
            root_prefix: Optional["os.PathLike[str] | str"] = None,
            lock_timeout: Optional[float] = None, in_order: bool = False) -> TransactionResult:
    """Apply a transaction to ``prefix`` (created when missing); all or nothing.

    ``unlink`` names installed packages (records or names); ``link`` gives the
    packages to add. ``in_order``: both are in dependency order already (the
    solver's plan: unlink dependents first, link dependencies first); otherwise
    the order is worked out here. Raises an :class:`InstallError` (the prefix is then exactly as
    before) or :class:`TransactionInterrupted` on Ctrl-C/SIGTERM.
    """
    p = Path(os.path.abspath(prefix))
    tx = _Transaction(p, options or LinkOptions(), reporter,
                      Path(os.path.abspath(root_prefix)) if root_prefix else None)
    tx.in_order = in_order
    journal = tx.journal
    journal.makedirs(p / CONDA_META)
    lock = PrefixLock(p, lock_timeout, reporter)
    try:
        lock.acquire()
    except BaseException:
        journal.rollback()
        raise
    if lock.created:
        journal.created(lock.path)
    try:
        recovered = recover(p)  # what killed processes left, before anything else
        journal.persist()
    except BaseException:
        journal.rollback()
        lock.release()
        raise
    for item in recovered:
        reporter.warning(f"rolled back an interrupted transaction of {p} "
                         f"(process {item.pid or '?'}, {item.changes} changes)")
    committed = False
    try:
        with _interruptible():
            result = tx.run(unlink, link, history)
        with _shielded():  # committed means committed: no Ctrl-C half way through
            journal.commit()
            committed = True
            lock.release()
    except BaseException as exc:
        if committed:  # (a Ctrl-C once done: the env is complete)
            raise
        with _shielded():
            problems = journal.rollback()
            lock.release()
        for problem in problems:
            reporter.error(f"rollback: {problem}")
        if isinstance(exc, KeyboardInterrupt):
            raise TransactionInterrupted() from None
        if isinstance(exc, OSError):
            raise LinkError("transaction", exc.filename or str(p), exc.strerror or str(exc)) from None
        raise
    result.messages = _take_messages(p)
    if result.messages:
        reporter.info(result.messages.rstrip("\n"))
    return result


def _take_messages(prefix: Path) -> str:
    path = prefix / ".messages.txt"
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return ""
    try:
        path.unlink()
    except OSError:
        pass
    return text


class _Transaction:
    def __init__(self, prefix: Path, options: LinkOptions, reporter: Reporter,
                 root_prefix: Optional[Path]) -> None:
        self.prefix = prefix
        self.options = options
        self.reporter = reporter
        self.root_prefix = root_prefix
        self.journal = Journal(prefix)
        self.result = TransactionResult(prefix)
        self.in_order = False

    # ------------------------------------------------------------------
    def run(self, unlink: Sequence[Any], link: Sequence[LinkRequest],
            history: Optional[HistoryEntry]) -> TransactionResult:
        pd = PrefixData.load(self.prefix)
        installed = pd.records()
        if not os.path.lexists(self.prefix / ".messages.txt"):  # link scripts may write it
            self.journal.created(self.prefix / ".messages.txt")
        unlink_names: List[str] = []
        for item in unlink:
            name = item if isinstance(item, str) else (
                item["name"] if isinstance(item, dict) else item.name)
            if name in installed and name not in unlink_names:
                unlink_names.append(name)
        for req in link:  # before anything changes: a record must not name a path
            record_filename(req.name, str(req.record.get("version", "")),
                            str(req.record.get("build", "")))
        link_names = {req.name for req in link}
        # a package linked again (upgrade, reinstall) is unlinked first
        for name in sorted(link_names):
            if name in installed and name not in unlink_names:
                unlink_names.append(name)
        remaining = {n: r.to_json() for n, r in installed.items() if n not in unlink_names}
        owners: Dict[str, str] = {}
        for name, rec in remaining.items():
            for f in rec.get("files") or ():
                owners[f] = name
        python = self._python(link, remaining)

        # -- unlink -----------------------------------------------------
        removed = [installed[n].to_json() for n in unlink_names]
        keep: Set[str] = set()
        for rec in (removed if self.in_order else reversed(topo_order(removed))):
            self._unlink(pd, rec, owners, keep)
            self.result.unlinked.append(PrefixRecord.from_json(rec))

        # -- link -------------------------------------------------------
        linker = Linker(self.prefix, self.journal, self.options, owners, self._on_clobber,
                        self.reporter.warning)
        requests = {req.name: req for req in link}
        ordered = list(link) if self.in_order else \
            [requests[rec["name"]] for rec in topo_order([req.record for req in link])]
        infos = [PackageInfo.load(req.extracted_dir) for req in ordered]
        linked: List[Tuple[LinkRequest, PackageInfo, Dict[str, Any]]] = []
        for req, info in zip(ordered, infos):
            self._script(info.directory, dict(info.index, **req.record), "pre-link")
        for info in infos:
            self.reporter.start("link", info.name, info.directory.name, len(info.paths))
        for req, info, (files, paths) in zip(ordered, infos, linker.link_many(infos, python)):
            linked.append((req, info, self._record(req, info, files, paths)))
            self.reporter.finish("link", info.name)
        for _, _, rec in linked:
            self._script(self.prefix, rec, "post-link")

        # -- pyc, shared files, records, history --------------------------
        if self.options.compile_pyc and python is not None:
            self._compile(python, linked)
        self._restore_shared(linker, keep, remaining, python)
        for _req, _info, rec in linked:
            self._write_record(rec)
            self.result.linked.append(PrefixRecord.from_json(rec))
        if history is not None:
            self._append_history(history, removed, [rec for _, _, rec in linked])
        return self.result

    # ------------------------------------------------------------------
    def _python(self, link: Sequence[LinkRequest], remaining: Dict[str, Dict[str, Any]]) -> Optional[PythonInfo]:
        for req in link:
            if req.name == "python":
                return PythonInfo(str(req.record["version"]))
        if "python" in remaining:
            return PythonInfo(str(remaining["python"]["version"]))
        return None

    def _on_clobber(self, path: str, previous: Optional[str], new: str) -> None:
        self.result.clobbered.append((path, previous, new))
        self.reporter.warning(f"{new} clobbers {path}, a file of {previous}")

    def _script(self, base: Path, rec: Dict[str, Any], action: str) -> None:
        if not self.options.execute_link_scripts:
            return
        out = run_link_script(script_path(base, rec["name"], action), action, self.prefix,
                              self.root_prefix, rec["name"], str(rec["version"]),
                              int(rec.get("build_number") or 0))
        if out:
            self.reporter.debug(f"{action} {rec['name']}: {out.rstrip()}")

    def _unlink(self, pd: PrefixData, rec: Dict[str, Any], owners: Dict[str, str],
                keep: Set[str]) -> None:
        name = rec["name"]
        self.reporter.start("unlink", name, f"{name}-{rec['version']}-{rec['build']}",
                            len(rec.get("files") or ()))
        self._script(self.prefix, rec, "pre-unlink")
        meta = pd.meta_path(name)
        if meta is not None and meta.exists():
            self.journal.move_away(meta)
        dirs: Set[str] = set()
        files = list(rec.get("files") or ())
        paths = (rec.get("paths_data") or {}).get("paths") or []
        dir_entries = [p["_path"] for p in paths if p.get("path_type") == DIRECTORY]
        dirs.update(dir_entries)
        for rel in files + dir_entries:
            d = os.path.dirname(rel)
            while d:
                dirs.add(d)
                d = os.path.dirname(d)
            if rel in owners:
                keep.add(rel)
                continue
            if rel in dirs:
                continue
            path = self.prefix / rel
            if os.path.lexists(path) and (os.path.islink(path) or not os.path.isdir(path)):
                self.journal.move_away(path)
        for d in sorted(dirs, key=lambda x: (-x.count("/"), x)):
            if d == CONDA_META:
                continue
            full = self.prefix / d
            try:
                if os.path.isdir(full) and not os.path.islink(full) and not os.listdir(full):
                    self.journal.removing_dir(full)
                    os.rmdir(full)
            except OSError:
                pass
        self.reporter.finish("unlink", name)

    def _record(self, req: LinkRequest, info: PackageInfo, files: List[str],
                paths: List[dict]) -> Dict[str, Any]:
        rec = dict(req.record)
        for key, value in info.index.items():
            rec.setdefault(key, value)
        rec["files"] = files
        rec["paths_data"] = {"paths": paths, "paths_version": 1}
        rec["link"] = {"source": str(info.directory), "type": self.options.link_type}
        from umm.net.masking import mask_text, strip_token  # no credentials in conda-meta

        rec["requested_spec"] = mask_text(req.requested_spec or rec.get("requested_spec") or "")
        for key in ("url", "channel"):
            if isinstance(rec.get(key), str):
                rec[key] = strip_token(rec[key])
        rec["extracted_package_dir"] = str(info.directory)
        tarball = req.tarball or rec.get("package_tarball_full_path")
        if not tarball:
            fn = rec.get("fn") or ""
            tarball = str(info.directory.parent / fn) if fn else str(info.directory) + ".conda"
        rec["package_tarball_full_path"] = tarball
        if not rec.get("fn"):
            rec["fn"] = os.path.basename(tarball)
        return rec

    def _compile(self, python: PythonInfo,
                 linked: List[Tuple[LinkRequest, PackageInfo, Dict[str, Any]]]) -> None:
        sources: List[Tuple[Dict[str, Any], str]] = []
        site = python.site_packages + "/"
        for _, info, rec in linked:
            if info.noarch != "python":
                continue
            for rel in rec["files"]:
                if rel.endswith(".py") and rel.startswith(site):
                    sources.append((rec, rel))
        if not sources:
            return
        for _, rel in sources:
            self.journal.makedirs(self.prefix / os.path.dirname(rel) / "__pycache__")
            self.journal.created(self.prefix / python.pyc_path(rel))
        self.reporter.start("link", "pyc", "Compiling .pyc files", len(sources))
        compiled, failed = compile_pyc(self.prefix, python, [rel for _, rel in sources])
        done = {}
        for pyc in compiled:
            self.journal.created(self.prefix / pyc)  # (again, if its name was foreseen)
            head, _, tail = pyc.rpartition("/__pycache__/")
            done[f"{head}/{tail.split('.', 1)[0]}.py" if head else tail.split(".", 1)[0] + ".py"] = pyc
        for rec, rel in sources:
            pyc = done.get(rel)
            if pyc is not None:
                rec["files"].append(pyc)
                rec["paths_data"]["paths"].append({"_path": pyc, "path_type": PYC_FILE})
        self.result.pyc_failed = failed
        if failed:
            self.reporter.warning(f"{len(failed)} .py files could not be compiled "
                                  f"(first: {failed[0]})")
        self.reporter.finish("link", "pyc")

    def _restore_shared(self, linker: Linker, keep: Set[str],
                        remaining: Dict[str, Dict[str, Any]], python: Optional[PythonInfo]) -> None:
        """Files of removed packages that a kept package also has get the kept one's content."""
        infos: Dict[str, Optional[PackageInfo]] = {}
        for rel in sorted(keep):
            owner = linker.owners.get(rel)
            if owner is None or owner not in remaining:
                continue  # a newly linked package wrote it
            rec = remaining[owner]
            if owner not in infos:
                src = rec.get("extracted_package_dir") or (rec.get("link") or {}).get("source")
                try:
                    infos[owner] = PackageInfo.load(src) if src else None
                except InstallError:
                    infos[owner] = None
            info = infos[owner]
            entry = None
            if info is not None:
                try:
                    entry = next((e for e, t in target_paths(info, python) if t == rel), None)
                except InstallError:
                    entry = None
            if info is None or entry is None:
                self.reporter.warning(f"{rel} belongs to {owner} too, but its package is not in "
                                      "the cache: the file is kept as it is")
                continue
            linker.link_entry(owner, info.directory, entry, rel)

    def _write_record(self, rec: Dict[str, Any]) -> None:
        path = self.prefix / CONDA_META / record_filename(rec["name"], str(rec["version"]), rec["build"])
        if os.path.lexists(path):
            self.journal.move_away(path)
        self.journal.created(path.parent / f".{path.name}.{os.getpid()}.tmp")
        self.journal.created(path)
        write_json_atomic(path, rec)

    def _append_history(self, entry: HistoryEntry, removed: List[Dict[str, Any]],
                        added: List[Dict[str, Any]]) -> None:
        path = self.prefix / CONDA_META / "history"
        old = b""
        if os.path.lexists(path):
            old = path.read_bytes()
            self.journal.move_away(path)
        text = format_revision(entry, [dist_str(r) for r in removed], [dist_str(r) for r in added])
        self.journal.created(path)
        with open(path, "wb") as f:
            f.write(old + text.encode())
