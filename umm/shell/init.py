"""``umm shell init/deinit/reinit``: the managed block in rc files, as planned edits.

The block is delimited like micromamba's (``# >>> mamba initialize >>>`` …
``# <<< mamba initialize <<<``; ``#region mamba initialize`` … ``#endregion`` in
PowerShell profiles). ``init`` replaces an existing block in place (so running it
twice leaves one block) or appends one; ``deinit`` removes the block and the
newline ``init`` put before it, giving back the file as it was.

Everything is computed first as :class:`FileEdit` values (path, old text, new text)
so ``--dry-run`` can show a diff; :meth:`FileEdit.apply` writes.
"""
from __future__ import annotations

import difflib
import os
import re
import subprocess
from typing import List, Mapping, Optional, Sequence, Tuple

from umm.shell.errors import RcFileError, UnsupportedOnPlatform
from umm.shell.shells import INIT_SHELLS, get_shell
from umm.shell.shells.base import HookOptions, Shell


class FileEdit:
    """A planned change of one file: ``after`` None deletes it; ``before`` None: absent."""

    __slots__ = ("path", "before", "after", "kind")

    def __init__(self, path: str, before: Optional[str], after: Optional[str],
                 kind: str = "rc") -> None:
        object.__setattr__(self, "path", path)
        object.__setattr__(self, "before", before)
        object.__setattr__(self, "after", after)
        object.__setattr__(self, "kind", kind)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("FileEdit is immutable")

    def __repr__(self) -> str:
        return f"FileEdit({self.path!r}, changed={self.changed})"

    @property
    def changed(self) -> bool:
        return self.before != self.after

    def diff(self) -> str:
        """A unified diff of the change ('' when nothing changes)."""
        if not self.changed:
            return ""
        a = (self.before or "").splitlines(keepends=True)
        b = (self.after or "").splitlines(keepends=True)
        lines = difflib.unified_diff(a, b, fromfile=self.path if self.before is not None
                                     else "/dev/null",
                                     tofile=self.path if self.after is not None else "/dev/null")
        return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
                       for line in lines)

    def apply(self) -> None:
        if not self.changed:
            return
        try:
            if self.after is None:
                if os.path.exists(self.path):
                    os.unlink(self.path)
                return
            folder = os.path.dirname(self.path)
            if folder:
                os.makedirs(folder, exist_ok=True)
            tmp = f"{self.path}.umm-tmp{os.getpid()}"
            with open(tmp, "w", encoding="utf-8", newline="") as f:
                f.write(self.after)
            if os.path.exists(self.path):
                try:
                    os.chmod(tmp, os.stat(self.path).st_mode & 0o7777)
                except OSError:
                    pass
            os.replace(tmp, self.path)
        except OSError as exc:
            raise RcFileError(self.path, exc.strerror or str(exc)) from exc


def read_text(path: str) -> Optional[str]:
    try:
        with open(path, encoding="utf-8", newline="") as f:
            return f.read()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise RcFileError(path, getattr(exc, "strerror", None) or str(exc)) from exc


def _block_re(shell: Shell) -> "re.Pattern[str]":
    return re.compile(r"(\r?\n)?" + re.escape(shell.block_begin) + r"[^\n]*\n[\s\S]*?"
                      + re.escape(shell.block_end) + r"[^\n]*(\r?\n|$)")


def has_block(shell: Shell, text: Optional[str]) -> bool:
    return bool(text) and shell.block_begin in text  # type: ignore[operator]


def _removal_spans(shell: Shell, text: str) -> List[Tuple[int, int]]:
    """(start, end) of each managed block, with the newline before it when that newline
    is init's own: it starts a blank line, or it ended the user's last line and the
    block is still last in the file."""
    spans = []
    for m in _block_re(shell).finditer(text):
        start = m.start()
        lead = m.group(1) or ""
        if lead and not (start == 0 or text[start - 1] == "\n" or m.end() == len(text)):
            start += len(lead)
        spans.append((start, m.end()))
    return spans


def _cut(text: str, spans: Sequence[Tuple[int, int]]) -> str:
    out, pos = [], 0
    for start, end in spans:
        out.append(text[pos:start])
        pos = end
    out.append(text[pos:])
    return "".join(out)


def with_block(shell: Shell, text: Optional[str], block: str) -> str:
    """``text`` with ``block`` in place of its managed block(s), or appended."""
    text = text or ""
    if "\r\n" in text:
        block = block.replace("\r\n", "\n").replace("\n", "\r\n")
    first = _block_re(shell).search(text)
    if first is not None:
        head = text[:first.start()] + (first.group(1) or "") + block
        rest = text[first.end():]
        return head + _cut(rest, _removal_spans(shell, rest))
    if not text:
        return block
    newline = "\r\n" if "\r\n" in text else "\n"
    return text + newline + block


def without_block(shell: Shell, text: Optional[str]) -> Optional[str]:
    """``text`` without its managed block(s): the exact inverse of :func:`with_block`
    appending to a file."""
    if text is None:
        return None
    return _cut(text, _removal_spans(shell, text))


def powershell_profiles(home: str, environ: Mapping[str, str]) -> List[str]:
    """The CurrentUserAllHosts profile of each PowerShell found (like micromamba), or the
    default location when none is installed."""
    import shutil

    found: List[str] = []
    for exe in ("powershell", "pwsh", "pwsh-preview"):
        path = shutil.which(exe)
        if not path:
            continue
        try:
            out = subprocess.run([path, "-NoProfile", "-Command", "$PROFILE.CurrentUserAllHosts"],
                                 capture_output=True, text=True, timeout=30).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            continue
        if out and out not in found:
            found.append(out)
    if not found:
        if os.name == "nt":
            found.append(os.path.join(home, "Documents", "PowerShell", "profile.ps1"))
        else:
            base = environ.get("XDG_CONFIG_HOME") or os.path.join(home, ".config")
            found.append(os.path.join(base, "powershell", "profile.ps1"))
    return found


def rc_files(shell: Shell, home: str, environ: Mapping[str, str]) -> List[str]:
    if shell.name == "powershell":
        return powershell_profiles(home, environ)
    path = shell.rc_path(home, environ)
    return [path] if path else []


def init_edits(shell: Shell, opts: HookOptions, home: str,
               environ: Mapping[str, str]) -> List[FileEdit]:
    """The edits ``umm shell init`` makes for ``shell``."""
    if shell.name == "cmd.exe":
        return _cmd_exe_files(shell, opts, remove=False)
    block = shell.init_block(opts)
    edits = []
    for path in rc_files(shell, home, environ):
        before = read_text(path)
        edits.append(FileEdit(path, before, with_block(shell, before, block)))
    for path, content in shell.files(opts):
        edits.append(FileEdit(path, read_text(path), content, kind="support"))
    return edits


def deinit_edits(shell: Shell, opts: HookOptions, home: str,
                 environ: Mapping[str, str]) -> List[FileEdit]:
    """The edits ``umm shell deinit`` makes for ``shell``."""
    if shell.name == "cmd.exe":
        return _cmd_exe_files(shell, opts, remove=True)
    edits = []
    for path in rc_files(shell, home, environ):
        before = read_text(path)
        if before is None:
            continue
        after = without_block(shell, before)
        if shell.name == "powershell" and after is not None and not after.strip():
            after = None  # micromamba removes a profile that only held the block
        edits.append(FileEdit(path, before, after))
    for path, _ in shell.files(opts):
        before = read_text(path)
        if before is not None:
            edits.append(FileEdit(path, before, None, kind="support"))
    return edits


def initialized_shells(home: str, environ: Mapping[str, str],
                       candidates: Sequence[str] = INIT_SHELLS) -> List[str]:
    """Shells whose rc file holds a managed block (what ``shell reinit`` refreshes)."""
    result = []
    for name in candidates:
        shell = get_shell(name)
        for path in rc_files(shell, home, environ):
            try:
                text = read_text(path)
            except RcFileError:
                continue
            if has_block(shell, text) and name not in result:
                result.append(name)
    return result


def _cmd_exe_files(shell: Shell, opts: HookOptions, remove: bool) -> List[FileEdit]:
    """cmd.exe has no rc file: init writes the batch files in ``<root>/condabin`` and
    the CLI points the AutoRun registry key at the hook (Windows only)."""
    if os.name != "nt":
        raise UnsupportedOnPlatform("cmd.exe initialization (the AutoRun registry key)",
                                    "Windows")
    edits = []
    for path, content in shell.files(opts):
        before = read_text(path)
        if remove and before is None:
            continue
        edits.append(FileEdit(path, before, None if remove else content, kind="support"))
    return edits
