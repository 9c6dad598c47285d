"""``<prefix>/conda-meta/state``: ``{"env_vars": {"NAME": "value"}}``, the variables an
environment sets when activated (``variables:`` of env files, ``env config vars``).

Names are stored upper-cased, as conda does; other keys of the file are kept.
"""
from __future__ import annotations

import json
import os
import re
from typing import Dict, Iterable, List, Mapping, Tuple

from umm.envfile.errors import InvalidEnvVar, SpecFileError

STATE_FILE = os.path.join("conda-meta", "state")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _path(prefix: str) -> str:
    return os.path.join(prefix, STATE_FILE)


def _read(prefix: str) -> Dict[str, object]:
    path = _path(prefix)
    try:
        with open(path, "rb") as fh:
            doc = json.loads(fh.read().decode("utf-8") or "{}")
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, UnicodeError) as exc:
        raise SpecFileError(path, f"cannot read environment state: {exc}") from None
    if not isinstance(doc, dict):
        raise SpecFileError(path, "environment state must be a JSON object")
    return doc


def read_env_vars(prefix: str) -> Dict[str, str]:
    """The variables stored for ``prefix`` (empty when there is no state file)."""
    vars_ = _read(prefix).get("env_vars") or {}
    if not isinstance(vars_, dict):
        return {}
    return {str(k): "" if v is None else str(v) for k, v in vars_.items()}


def _write(prefix: str, doc: Mapping[str, object]) -> None:
    path = _path(prefix)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, indent=2, sort_keys=True)
        fh.write("\n")
    os.replace(tmp, path)


def check_name(name: str) -> str:
    if not _NAME.match(name):
        raise InvalidEnvVar(name, "names are letters, digits and underscores, not starting "
                                  "with a digit")
    return name.upper()


def set_env_vars(prefix: str, values: Mapping[str, str]) -> Dict[str, str]:
    """Add or change variables; returns the stored set."""
    doc = _read(prefix)
    current = read_env_vars(prefix)
    for name, value in values.items():
        current[check_name(name)] = str(value)
    doc["env_vars"] = current
    _write(prefix, doc)
    return current


def unset_env_vars(prefix: str, names: Iterable[str]) -> Tuple[Dict[str, str], List[str]]:
    """Remove variables; returns (the stored set, the names that were not set)."""
    doc = _read(prefix)
    current = read_env_vars(prefix)
    missing = []
    for name in names:
        key = name.upper()
        if key in current:
            del current[key]
        else:
            missing.append(name)
    doc["env_vars"] = current
    _write(prefix, doc)
    return current, missing


def parse_assignment(text: str) -> Tuple[str, str]:
    """``KEY=VALUE`` -> ``(KEY, VALUE)``."""
    name, sep, value = text.partition("=")
    if not sep:
        raise InvalidEnvVar(text, "expected KEY=VALUE")
    return check_name(name.strip()), value
