"""Carrying out an :class:`~umm.package.selfupdate.release.UpdatePlan`.

:func:`apply_update`, in order, stopping at the first problem:

1. the directory of the running binary must be writable (checked before any
   download);
2. download ``<archive>.sha256`` and the archive through the configured
   :class:`umm.net.HttpClient` (proxies, ``ssl_verify``, retries, auth), the
   archive by :class:`umm.package.download.Downloader`, which verifies the
   sha256 before the file gets its final name;
3. extract it safely (:func:`umm.package.extract.extract`) into a temporary
   directory; ``bin/umm`` must be a regular file, and agree with the archive's
   ``info/index.json`` (name, version) and ``info/paths.json`` (sha256);
4. copy it next to the running binary (same file system, so the rename below
   is atomic), with the old binary's permission bits;
5. run ``<copy> --version``: it must exit 0 and print the expected version;
6. keep the old binary as ``<exe>.bak`` (a hard link when possible), rename
   the copy over ``<exe>`` (``os.replace``), then drop the ``.bak``.

Until step 6 the running binary is not touched at all, and every temporary
file is removed on failure; if the rename itself fails the ``.bak`` is
removed again and the old binary is still in place. :func:`prepare_update`
does steps 1-5 and returns a :class:`StagedUpdate` whose ``commit()`` is step
6, so a caller can get ready for life after the swap first (see there).
"""
from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import tempfile
from typing import Any, Dict, List, Optional, Sequence

from umm.package.selfupdate.errors import (BrokenBinary, InvalidRelease,
                                           ReleaseChecksumMismatch, ReleaseNotFound,
                                           ReplaceFailed)
from umm.package.selfupdate.release import UpdatePlan, fetch_checksum
from umm.reporter import NULL, Reporter

BACKUP_SUFFIX = ".bak"
CHECK_TIMEOUT = 120.0  # a Nuitka onefile's first run unpacks ~40 MB
# what a onefile launcher hands its child: a new binary must not inherit ours
_LAUNCHER_VARS = ("_PYI_", "_MEI", "PYINSTALLER_", "NUITKA_ONEFILE_", "NUITKA_ORIGINAL_ARGV0")


class UpdateResult:
    """What :func:`apply_update` did (immutable)."""

    __slots__ = ("plan", "sha256", "size")
    plan: UpdatePlan
    sha256: str
    size: int

    def __init__(self, plan: UpdatePlan, sha256: str, size: int) -> None:
        object.__setattr__(self, "plan", plan)
        object.__setattr__(self, "sha256", sha256)
        object.__setattr__(self, "size", int(size))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("UpdateResult is immutable")

    def __repr__(self) -> str:
        return f"UpdateResult({self.plan!r}, sha256={self.sha256!r}, size={self.size})"


def child_environ(environ: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    """The environment for running the new binary: ours without onefile launcher state."""
    env = dict(os.environ if environ is None else environ)
    for key in [k for k in env if k.startswith(_LAUNCHER_VARS)]:
        del env[key]
    return env


def check_writable(target: str) -> None:
    """The directory of ``target`` must accept a new file (for the atomic rename)."""
    folder = os.path.dirname(target) or "."
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ReplaceFailed(target, f"no permission to write in {folder}")


# -- download and unpack ----------------------------------------------------------------
def _download(plan: UpdatePlan, client: Any, workdir: str, reporter: Reporter) -> str:
    from umm.package.download import Downloader, DownloadRequest
    from umm.package.errors import ChecksumMismatch, DownloadError

    checksum = fetch_checksum(client, plan)
    dest = os.path.join(workdir, plan.archive_name)
    req = DownloadRequest(plan.archive_url, dest, sha256=checksum.sha256,
                          label=plan.archive_name)
    try:
        result = Downloader(client, reporter, threads=1).fetch(req)
    except ChecksumMismatch as exc:
        raise ReleaseChecksumMismatch(plan.archive_name, exc.expected, exc.actual) from None
    except DownloadError as exc:
        if getattr(exc, "status", None) in (404, 410):
            from umm.net.masking import mask_url

            raise ReleaseNotFound(mask_url(plan.archive_url),
                                  f"umm {plan.target} for {plan.source.platform}",
                                  exc.status) from None
        raise
    return result.path


def _sha256(path: str) -> str:
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _read_json(path: str) -> Optional[Dict[str, Any]]:
    try:
        with open(path, "rb") as f:
            doc = json.loads(f.read().decode("utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise InvalidRelease(os.path.basename(path), f"cannot be read: {exc}") from None
    return doc if isinstance(doc, dict) else None


def _check_metadata(plan: UpdatePlan, root: str, binary: str) -> None:
    """The archive's own metadata, when it has some, must agree with the plan."""
    what = plan.archive_name
    index = _read_json(os.path.join(root, "info", "index.json"))
    if index is not None:
        name, version = index.get("name"), index.get("version")
        if name is not None and name != "umm":
            raise InvalidRelease(what, f"holds the package {name!r}, not umm")
        if version is not None and str(version) != plan.target:
            raise InvalidRelease(what, f"holds umm {version}, not {plan.target}")
    paths = _read_json(os.path.join(root, "info", "paths.json"))
    entries = paths.get("paths") if paths is not None else None
    for entry in entries if isinstance(entries, list) else ():
        if isinstance(entry, dict) and entry.get("_path") == plan.source.member \
                and entry.get("sha256"):
            if _sha256(binary) != str(entry["sha256"]).lower():
                raise InvalidRelease(what, f"has a {plan.source.member} that does not match "
                                     "its info/paths.json sha256")


def _unpack(plan: UpdatePlan, archive: str, workdir: str, reporter: Reporter) -> str:
    from umm.package.errors import PackageError
    from umm.package.extract import extract

    root = os.path.join(workdir, "extracted")
    try:
        extract(archive, root, reporter=reporter)
    except PackageError as exc:
        raise InvalidRelease(plan.archive_name, f"cannot be extracted ({exc})") from None
    binary = os.path.join(root, *plan.source.member.split("/"))
    try:
        st = os.lstat(binary)
    except OSError:
        raise InvalidRelease(plan.archive_name, f"does not contain {plan.source.member}") from None
    if not stat.S_ISREG(st.st_mode):
        raise InvalidRelease(plan.archive_name, f"has a {plan.source.member} that is not a "
                             "regular file")
    _check_metadata(plan, root, binary)
    return binary


# -- check and replace -----------------------------------------------------------------
def _mode_for(target: str) -> int:
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        mode = 0o755
    return mode | stat.S_IRUSR | stat.S_IXUSR


def _stage(binary: str, target: str) -> str:
    """A copy of ``binary`` in ``target``'s directory, executable, flushed to disk."""
    folder = os.path.dirname(target) or "."
    base = os.path.basename(target)
    try:
        fd, staged = tempfile.mkstemp(prefix=f".{base}.new.", dir=folder)
    except OSError as exc:
        raise ReplaceFailed(target, f"cannot write in {folder}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as out, open(binary, "rb") as src:
            shutil.copyfileobj(src, out, 1 << 20)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(staged, _mode_for(target))
    except OSError as exc:
        _unlink(staged)
        raise ReplaceFailed(target, f"cannot write {staged}: {exc.strerror or exc}") from None
    except BaseException:
        _unlink(staged)
        raise
    return staged


def version_output_matches(output: str, expected: str) -> bool:
    """``--version`` printed ``expected`` (exactly, or an equal conda version)."""
    from umm.specs import Version
    from umm.specs.errors import InvalidVersion

    lines = [ln.strip() for ln in output.strip().splitlines() if ln.strip()]
    if not lines:
        return False
    text = lines[-1]
    if text == expected:
        return True
    try:
        return Version.parse(text) == Version.parse(expected)
    except InvalidVersion:
        return False


def check_binary(path: str, expected: str, target: str, timeout: float = CHECK_TIMEOUT,
                 environ: Optional[Dict[str, str]] = None) -> None:
    """``<path> --version`` must exit 0 and print ``expected``; else :class:`BrokenBinary`."""
    try:
        proc = subprocess.run([path, "--version"], stdin=subprocess.DEVNULL,
                              capture_output=True, timeout=timeout, env=child_environ(environ))
    except subprocess.TimeoutExpired:
        raise BrokenBinary(expected, target, f"`--version` did not finish within "
                           f"{timeout:g} seconds") from None
    except OSError as exc:
        raise BrokenBinary(expected, target, f"it cannot be started: "
                           f"{exc.strerror or exc}") from None
    out = proc.stdout.decode("utf-8", "replace")
    if proc.returncode != 0:
        err = " ".join(proc.stderr.decode("utf-8", "replace").split())[:200]
        raise BrokenBinary(expected, target, f"`--version` exited with {proc.returncode}"
                           + (f": {err}" if err else ""))
    if not version_output_matches(out, expected):
        shown = " ".join(out.split())[:80] or "nothing"
        raise BrokenBinary(expected, target, f"`--version` printed {shown!r}, "
                           f"expected {expected!r}")


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    except OSError:
        pass  # best effort: a leftover temporary file is harmless


def _backup(target: str) -> str:
    """``<target>.bak``: a hard link to the old binary (or a copy where links fail)."""
    bak = target + BACKUP_SUFFIX
    _unlink(bak)
    try:
        os.link(target, bak)
    except OSError:
        try:
            shutil.copy2(target, bak)
        except OSError as exc:
            _unlink(bak)
            raise ReplaceFailed(target, f"cannot keep a backup at {bak}: "
                                f"{exc.strerror or exc}") from None
    return bak


def replace_binary(staged: str, target: str) -> None:
    """Put ``staged`` in place of ``target`` atomically, keeping ``.bak`` meanwhile."""
    bak = _backup(target)
    try:
        os.replace(staged, target)
    except OSError as exc:
        if os.name == "nt":  # a running .exe cannot be replaced, but it can be renamed
            try:
                _windows_swap(staged, target, bak)
                return
            except OSError:
                pass
        _unlink(bak)
        raise ReplaceFailed(target, exc.strerror or str(exc)) from None
    _unlink(bak)


def _windows_swap(staged: str, target: str, bak: str) -> None:  # pragma: no cover - Windows
    _unlink(bak)
    os.rename(target, bak)
    try:
        os.replace(staged, target)
    except OSError:
        os.rename(bak, target)
        raise
    _unlink(bak)  # fails while the old binary runs; the next update removes it


class StagedUpdate:
    """A verified new binary next to the running one, waiting for :meth:`commit`.

    Use it as a context manager: leaving the block without committing removes
    the staged file. :meth:`commit` is the only step that touches the running
    binary. After it, a PyInstaller onefile process can no longer import
    modules (it reads them from its executable by path): import what is needed
    afterwards before committing.
    """

    __slots__ = ("plan", "path", "sha256", "size", "_pending")

    def __init__(self, plan: UpdatePlan, path: str, sha256: str, size: int) -> None:
        self.plan = plan
        self.path = path
        self.sha256 = sha256
        self.size = int(size)
        self._pending = True

    def __repr__(self) -> str:
        state = "staged" if self._pending else "done"
        return f"StagedUpdate({self.plan.target!r} at {self.path!r}, {state})"

    def commit(self) -> UpdateResult:
        """Replace the running binary (``.bak`` kept until the new one is in place)."""
        if not self._pending:
            raise RuntimeError("this update was already committed or discarded")
        replace_binary(self.path, self.plan.executable)
        self._pending = False
        return UpdateResult(self.plan, self.sha256, self.size)

    def discard(self) -> None:
        if self._pending:
            self._pending = False
            _unlink(self.path)

    def __enter__(self) -> "StagedUpdate":
        return self

    def __exit__(self, *exc: object) -> None:
        self.discard()


def prepare_update(plan: UpdatePlan, client: Any, reporter: Reporter = NULL,
                   check_timeout: float = CHECK_TIMEOUT) -> StagedUpdate:
    """Steps 1-5 of the module docstring: a checked new binary next to the old one."""
    target = plan.executable
    check_writable(target)
    workdir = tempfile.mkdtemp(prefix="umm-self-update-")
    staged: Optional[str] = None
    try:
        archive = _download(plan, client, workdir, reporter)
        digest, size = _sha256(archive), os.path.getsize(archive)
        binary = _unpack(plan, archive, workdir, reporter)
        staged = _stage(binary, target)
        reporter.debug(f"checking {staged} --version")
        check_binary(staged, plan.target, target, check_timeout)
        result = StagedUpdate(plan, staged, digest, size)
        staged = None
        return result
    finally:
        if staged is not None:
            _unlink(staged)
        shutil.rmtree(workdir, ignore_errors=True)


def apply_update(plan: UpdatePlan, client: Any, reporter: Reporter = NULL,
                 check_timeout: float = CHECK_TIMEOUT) -> UpdateResult:
    """Download, verify, check and install ``plan`` (the whole module docstring)."""
    with prepare_update(plan, client, reporter, check_timeout) as staged:
        return staged.commit()


def reinit_command(target: str, extra: Sequence[str] = ()) -> List[str]:
    """The command that lets the new umm refresh the shell init blocks."""
    return [target, "shell", "reinit", *extra]
