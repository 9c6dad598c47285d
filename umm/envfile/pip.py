"""The ``pip:`` part of spec files, installed with the environment's own pip.

A :class:`PipRequest` is one list of requirement lines and the directory they are
relative to (the spec file's). :func:`install_pip` writes them to a temporary
requirements file (``-r``/``-c`` includes and local paths made absolute) and runs
``<prefix>/bin/python -m pip install -U -r FILE --no-input`` in the activated
environment, from that directory, streaming pip's output to the reporter. Locked
pip packages (from lock files) are installed with ``--no-deps`` and their hashes.
"""
from __future__ import annotations

import os
import shlex
import subprocess
import sys
import tempfile
from typing import Any, Dict, List, Mapping, Optional, Sequence

from umm.envfile.errors import PipFailed, PipNotInEnvironment
from umm.reporter import NULL, Reporter

_INCLUDE_OPTS = ("-r", "--requirement", "-c", "--constraint")
_EDITABLE_OPTS = ("-e", "--editable")


class PipRequest:
    """Requirement lines for pip, relative to ``base_dir`` (immutable)."""

    __slots__ = ("requirements", "base_dir", "no_deps", "source")

    def __init__(self, requirements: Sequence[str], base_dir: str, no_deps: bool = False,
                 source: str = "") -> None:
        object.__setattr__(self, "requirements", tuple(requirements))
        object.__setattr__(self, "base_dir", base_dir)
        object.__setattr__(self, "no_deps", bool(no_deps))
        object.__setattr__(self, "source", source)

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError("PipRequest is immutable")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PipRequest) and \
            (self.requirements, self.base_dir, self.no_deps) == \
            (other.requirements, other.base_dir, other.no_deps)

    def __hash__(self) -> int:
        return hash((self.requirements, self.base_dir, self.no_deps))

    def __repr__(self) -> str:
        return f"PipRequest({list(self.requirements)!r}, base_dir={self.base_dir!r})"

    def requirements_text(self) -> str:
        """The requirements file, with relative includes and local paths made absolute."""
        return "".join(absolutize(line, self.base_dir) + "\n" for line in self.requirements)


def _is_local_path(text: str) -> bool:
    if "://" in text or text.startswith(("git+", "hg+", "svn+", "bzr+")):
        return False
    return text in (".", "..") or text.startswith(("./", "../", "/", "~", ".\\", "..\\")) \
        or os.sep in text and not any(c in text for c in "<>=!~;@ ")


def _abs(path: str, base: str) -> str:
    return os.path.normpath(os.path.join(base, os.path.expanduser(path)))


def absolutize(line: str, base_dir: str) -> str:
    """``line`` with a relative ``-r``/``-c`` file or local (editable) path made absolute."""
    text = line.strip()
    for opt in _INCLUDE_OPTS + _EDITABLE_OPTS:
        for sep in (" ", "="):
            if text.startswith(opt + sep):
                value = text[len(opt) + 1:].strip()
                if opt in _INCLUDE_OPTS and "://" not in value or \
                        opt in _EDITABLE_OPTS and _is_local_path(value):
                    return f"{opt} {shlex.quote(_abs(value, base_dir))}"
                return text
    if not text.startswith("-") and _is_local_path(text):
        return _abs(text, base_dir)
    return text


def python_of(prefix: str) -> Optional[str]:
    """The environment's interpreter, if it has one."""
    names = ["python.exe", os.path.join("bin", "python")] if sys.platform == "win32" \
        else [os.path.join("bin", "python"), os.path.join("bin", "python3")]
    for name in names:
        path = os.path.join(prefix, name)
        if os.path.exists(path):
            return path
    return None


def activated_environ(prefix: str, base: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
    """``base`` (default ``os.environ``) with ``prefix`` activated: PATH and CONDA_PREFIX."""
    env = dict(os.environ if base is None else base)
    bindirs = [prefix, os.path.join(prefix, "Scripts"), os.path.join(prefix, "Library", "bin")] \
        if sys.platform == "win32" else [os.path.join(prefix, "bin")]
    env["PATH"] = os.pathsep.join(bindirs + ([env["PATH"]] if env.get("PATH") else []))
    env["CONDA_PREFIX"] = prefix
    env.pop("PYTHONHOME", None)
    env.pop("PYTHONPATH", None)
    return env


def check_pip(prefix: str, environ: Optional[Mapping[str, str]] = None) -> str:
    """The env's python when it can run pip; else :class:`PipNotInEnvironment`."""
    python = python_of(prefix)
    if python is None:
        raise PipNotInEnvironment(prefix, "the environment has no python")
    proc = subprocess.run([python, "-m", "pip", "--version"], capture_output=True, text=True,
                          env=activated_environ(prefix, environ))
    if proc.returncode != 0:
        raise PipNotInEnvironment(prefix)
    return python


def pip_command(python: str, req_file: str, no_deps: bool) -> List[str]:
    cmd = [python, "-m", "pip", "install", "-U", "-r", req_file, "--no-input",
           "--disable-pip-version-check"]
    if no_deps:
        cmd.append("--no-deps")
    return cmd


def install_pip(prefix: str, requests: Sequence[PipRequest], reporter: Reporter = NULL,
                environ: Optional[Mapping[str, str]] = None) -> None:
    """Install every request with the env's pip, in order; see the module docstring."""
    requests = [r for r in requests if r.requirements]
    if not requests:
        return
    python = check_pip(prefix, environ)
    env = activated_environ(prefix, environ)
    for req in requests:
        fd, req_file = tempfile.mkstemp(prefix="umm-pip-", suffix=".txt")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(req.requirements_text())
            cmd = pip_command(python, req_file, req.no_deps)
            reporter.info("Installing pip packages: " + ", ".join(req.requirements))
            _run(cmd, req.base_dir, env, reporter)
        finally:
            os.unlink(req_file)


def _run(cmd: List[str], cwd: str, env: Dict[str, str], reporter: Reporter) -> None:
    lines: List[str] = []
    proc = subprocess.Popen(cmd, cwd=cwd or None, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True,
                            errors="replace")
    assert proc.stdout is not None
    try:
        for line in proc.stdout:
            line = line.rstrip("\n")
            lines.append(line)
            reporter.debug(line)
    finally:
        proc.stdout.close()
        rc = proc.wait()
    if rc != 0:
        raise PipFailed(cmd, rc, "\n".join(lines))
