"""Environment variables an environment sets when activated.

Two sources, as conda and micromamba read them, later ones winning:

* ``<prefix>/etc/conda/env_vars.d/*.json`` (files installed by packages), in name order;
* ``<prefix>/conda-meta/state``: ``{"env_vars": {"NAME": "value", ...}}``, written by
  ``env config vars set`` and by environment files' ``variables:`` section.

Names are upper-cased (micromamba does the same). The value ``***unset***`` means
"unset this variable while the environment is active".
"""
from __future__ import annotations

import json
import os
from typing import Dict, List, Optional

from umm.reporter import NULL, Reporter

UNSET_SENTINEL = "***unset***"
STATE_FILE = os.path.join("conda-meta", "state")
PACKAGE_ENV_VARS_DIR = os.path.join("etc", "conda", "env_vars.d")


def _read_json(path: str, reporter: Reporter) -> Optional[object]:
    try:
        with open(path, "rb") as f:
            return json.loads(f.read().decode("utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        reporter.warning(f"Could not read JSON at {path}: {exc}")
        return None


def _merge(into: Dict[str, str], data: object, path: str, reporter: Reporter) -> None:
    if not isinstance(data, dict):
        reporter.warning(f"Ignoring {path}: expected a JSON object")
        return
    for key, value in data.items():
        if not isinstance(key, str) or not key:
            continue
        if value is None:
            value = ""
        elif not isinstance(value, str):
            value = json.dumps(value) if isinstance(value, (list, dict)) else str(value)
        into[key.upper()] = value


def prefix_env_vars(prefix: str, reporter: Reporter = NULL) -> Dict[str, str]:
    """The variables ``prefix`` sets on activation, in application order."""
    result: Dict[str, str] = {}
    pkg_dir = os.path.join(prefix, PACKAGE_ENV_VARS_DIR)
    try:
        names: List[str] = sorted(os.listdir(pkg_dir))
    except OSError:
        names = []
    for name in names:
        path = os.path.join(pkg_dir, name)
        if not os.path.isfile(path):
            continue
        data = _read_json(path, reporter)
        if data is not None:
            _merge(result, data, path, reporter)
    state_path = os.path.join(prefix, STATE_FILE)
    state = _read_json(state_path, reporter)
    if isinstance(state, dict):
        env_vars = state.get("env_vars")
        if env_vars is not None:
            _merge(result, env_vars, state_path, reporter)
    elif state is not None:
        reporter.warning(f"Ignoring {state_path}: expected a JSON object")
    return result


def prefix_scripts(prefix: str, kind: str, exts: tuple) -> List[str]:
    """``etc/conda/<kind>.d`` scripts with one of ``exts``: activate in name order,
    deactivate in reverse name order (as conda runs them)."""
    folder = os.path.join(prefix, "etc", "conda", f"{kind}.d")
    try:
        with os.scandir(folder) as it:
            found = sorted(e.name for e in it
                           if os.path.splitext(e.name)[1].lower() in exts and e.is_file())
    except OSError:
        return []
    if kind == "deactivate":
        found.reverse()
    return [os.path.join(folder, name) for name in found]
