"""Running a package's link scripts (``bin/.<name>-{pre-link,post-link,pre-unlink}.sh``)."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Dict, Optional

from umm.install.errors import LinkScriptFailed


def script_path(base: Path, name: str, action: str) -> Path:
    return base / "bin" / f".{name}-{action}.sh"


def script_env(prefix: Path, root_prefix: Optional[Path], name: str, version: str,
               build_number: int, base: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    env = dict(os.environ if base is None else base)
    env.update({
        "PREFIX": str(prefix),
        "PKG_NAME": name,
        "PKG_VERSION": version,
        "PKG_BUILDNUM": str(build_number),
        "ROOT_PREFIX": str(root_prefix or prefix),
        "CONDA_PREFIX": str(prefix),
    })
    env["PATH"] = str(prefix / "bin") + os.pathsep + env.get("PATH", "")
    return env


def run_link_script(script: Path, action: str, prefix: Path, root_prefix: Optional[Path],
                    name: str, version: str, build_number: int) -> Optional[str]:
    """Run ``script`` when it exists; returns its output, raises :class:`LinkScriptFailed`."""
    if not script.is_file():
        return None
    shell = shutil.which("bash") or "/bin/sh"
    env = script_env(prefix, root_prefix, name, version, build_number)
    proc = subprocess.run([shell, str(script)], cwd=str(prefix), env=env,
                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, errors="replace")
    if proc.returncode != 0:
        raise LinkScriptFailed(f"{name}-{version}", action, proc.returncode, proc.stdout)
    return proc.stdout
