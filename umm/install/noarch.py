"""``noarch: python`` support: path mapping, entry points and ``.pyc`` compilation."""
from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from umm.install.relocate import shebang_for


class PythonInfo:
    """Where python lives in a prefix: ``lib/pythonX.Y/site-packages`` and ``bin/python``."""

    __slots__ = ("version", "short_version", "site_packages", "bin_dir", "executable")

    def __init__(self, version: str) -> None:
        parts = version.split(".")
        object.__setattr__(self, "version", version)
        object.__setattr__(self, "short_version", ".".join(parts[:2]))
        object.__setattr__(self, "site_packages", f"lib/python{self.short_version}/site-packages")
        object.__setattr__(self, "bin_dir", "bin")
        object.__setattr__(self, "executable", "bin/python")

    def __setattr__(self, key: str, value: object) -> None:
        raise AttributeError("PythonInfo is immutable")

    @property
    def cache_tag(self) -> str:
        return "cpython-" + self.short_version.replace(".", "")

    def target_path(self, path: str) -> str:
        """Where a ``noarch: python`` package's path goes in the prefix."""
        if path.startswith("site-packages/"):
            return self.site_packages + path[len("site-packages"):]
        if path.startswith("python-scripts/"):
            return self.bin_dir + path[len("python-scripts"):]
        return path

    def pyc_path(self, py_path: str) -> str:
        head, tail = py_path.rsplit("/", 1) if "/" in py_path else ("", py_path)
        stem = tail[:-3]
        pyc = f"__pycache__/{stem}.{self.cache_tag}.pyc"
        return f"{head}/{pyc}" if head else pyc


_ENTRY_POINT = re.compile(r"^\s*([^\s=]+)\s*=\s*([\w.]+)\s*:\s*([\w.]+)\s*(\[.*\])?\s*$")


def parse_entry_point(text: str) -> Tuple[str, str, str]:
    """``name = module.sub:func.attr`` -> (name, module, func)."""
    m = _ENTRY_POINT.match(text)
    if not m:
        raise ValueError(f"invalid entry point {text!r}")
    return m.group(1), m.group(2), m.group(3)


def entry_point_script(python: str, module: str, func: str) -> str:
    """The script conda writes for a console entry point."""
    import_name = func.split(".")[0]
    return (
        f"{shebang_for(python)}\n"
        "# -*- coding: utf-8 -*-\n"
        "import re\n"
        "import sys\n\n"
        f"from {module} import {import_name}\n\n"
        "if __name__ == '__main__':\n"
        "    sys.argv[0] = re.sub(r'(-script\\.pyw?|\\.exe)?$', '', sys.argv[0])\n"
        f"    sys.exit({func}())\n"
    )


_COMPILE_SCRIPT = r"""
import compileall, functools, json, os, sys
from concurrent.futures import ProcessPoolExecutor
files = [l for l in sys.stdin.read().split("\n") if l]
compile_one = functools.partial(compileall.compile_file, quiet=2, force=True)
workers = min(len(files) // 50 + 1, os.cpu_count() or 1)
if workers > 1:
    with ProcessPoolExecutor(max_workers=workers) as ex:
        ok = list(ex.map(compile_one, files, chunksize=64))
else:
    ok = [compile_one(f) for f in files]
print(json.dumps({"tag": sys.implementation.cache_tag, "ok": [bool(x) for x in ok]}))
"""


def compile_pyc(prefix: Path, python: PythonInfo, py_files: Sequence[str],
                env: Optional[Dict[str, str]] = None) -> Tuple[List[str], List[str]]:
    """Compile ``py_files`` (prefix-relative) with the prefix's own python, in parallel.

    Returns (compiled .pyc paths relative to the prefix, sources that failed).
    """
    if not py_files:
        return [], []
    exe = prefix / python.executable
    if not os.path.exists(exe):
        return [], list(py_files)
    run_env = dict(os.environ if env is None else env)
    run_env.pop("PYTHONPATH", None)
    run_env.pop("PYTHONHOME", None)
    run_env.pop("PYTHONDONTWRITEBYTECODE", None)
    abs_files = [str(prefix / f) for f in py_files]
    proc = subprocess.run([str(exe), "-Wi", "-c", _COMPILE_SCRIPT], input="\n".join(abs_files),
                          capture_output=True, text=True, env=run_env, cwd=str(prefix))
    if proc.returncode != 0:
        return [], list(py_files)
    try:
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        tag = result["tag"]
        oks = result["ok"]
    except (ValueError, KeyError, IndexError):
        return [], list(py_files)
    compiled, failed = [], []
    for rel, ok in zip(py_files, oks):
        head, tail = rel.rsplit("/", 1) if "/" in rel else ("", rel)
        pyc = f"{head}/__pycache__/{tail[:-3]}.{tag}.pyc" if head else f"__pycache__/{tail[:-3]}.{tag}.pyc"
        if ok and os.path.exists(prefix / pyc):
            compiled.append(pyc)
        else:
            failed.append(rel)
    return compiled, failed
