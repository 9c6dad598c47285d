"""Helpers for the freeze tests: the build scripts as modules, a local HTTP server.

``build/`` is not a package (it holds scripts), so its modules are loaded by
path. The HTTP server is a small stand-in until ``tests/support/server.py``
lands: a threaded ``http.server`` on 127.0.0.1 serving one directory and
recording the paths it was asked for.
"""
from __future__ import annotations

import functools
import http.server
import importlib.util
import os
import shutil
import sys
import threading
from pathlib import Path
from types import ModuleType
from typing import Iterable, List, Optional

REPO = Path(__file__).resolve().parent.parent.parent
BUILD = REPO / "build"
SPEC = REPO / "spec"


def load_build_module(name: str) -> ModuleType:
    """``build/<name>.py`` as a module (cached in sys.modules under ``_umm_build_<name>``);
    ``name`` may have a folder part (``onefile/pack``)."""
    key = "_umm_build_" + name.replace("/", "_")
    if key in sys.modules:
        return sys.modules[key]
    if str(BUILD) not in sys.path:  # buildlib imports release by plain name
        sys.path.append(str(BUILD))
    spec = importlib.util.spec_from_file_location(key, BUILD / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[key] = module
    spec.loader.exec_module(module)
    return module


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    requested: List[str]

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:  # noqa: N802
        self.requested.append(self.path)
        super().do_GET()


class FileServer:
    """Serves ``root`` on http://127.0.0.1:<port>/ from a daemon thread."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.requested: List[str] = []
        handler = type("Handler", (_QuietHandler,), {"requested": self.requested})
        self._httpd = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(handler, directory=str(root)))
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> "FileServer":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(5)


def tool_dir(dest: Path, tools: Iterable[str], without: Iterable[str] = ()) -> Path:
    """A directory of symlinks to the named host programs, for a controlled PATH."""
    dest.mkdir(parents=True, exist_ok=True)
    skip = set(without)
    for tool in tools:
        if tool in skip:
            continue
        found = shutil.which(tool)
        if found:
            os.symlink(found, dest / tool)
    return dest


def python_free_path(dest: Path, path: Optional[str] = None) -> str:
    """PATH with every directory holding a ``python*`` program replaced by a copy
    made of symlinks to its other programs: nothing named python is reachable."""
    entries: List[str] = []
    seen = set()
    for i, entry in enumerate((path if path is not None else os.environ.get("PATH", ""))
                              .split(os.pathsep)):
        d = Path(entry)
        if not entry or not d.is_dir() or d.resolve() in seen:
            continue
        seen.add(d.resolve())
        names = sorted(os.listdir(d))
        if not any(n.startswith("python") for n in names):
            entries.append(str(d))
            continue
        shim = dest / f"{i}"
        shim.mkdir(parents=True, exist_ok=True)
        for n in names:
            target = d / n
            if n.startswith(("python", "pip", "pydoc", "idle")) or not target.is_file():
                continue
            if os.access(target, os.X_OK):
                os.symlink(target, shim / n)
        entries.append(str(shim))
    return os.pathsep.join(entries)
