"""Prefixes: resolving ``-n``/``-p``/the active env, naming and listing environments.

Known environments are the root prefix, every conda prefix directly inside an
``envs_dirs`` entry, and the prefixes registered in ``~/.conda/environments.txt``
(the file conda, mamba and micromamba share).
"""
from __future__ import annotations

import os
from typing import Callable, List, Mapping, Optional, Sequence, Tuple

from umm.config.errors import (ConflictingOptions, InvalidEnvName, NotACondaPrefix,
                               PrefixNotFound)

BASE = "base"

# where a target prefix came from
FROM_NAME, FROM_PATH, FROM_ENV_VAR, FROM_CONDA_PREFIX, FROM_DEFAULT_ENV, FROM_ROOT = (
    "name", "path", "env_var", "conda_prefix", "default_env", "root")
ALL_FALLBACKS = (FROM_CONDA_PREFIX, FROM_DEFAULT_ENV, FROM_ROOT)


def is_conda_prefix(path: str) -> bool:
    """Whether ``path`` is a conda environment (has a ``conda-meta`` directory)."""
    return os.path.isdir(os.path.join(path, "conda-meta"))


def is_writable_dir(path: str) -> bool:
    """Whether ``path`` is, or could be created as, a directory we can write to."""
    p = os.path.abspath(path)
    while not os.path.exists(p):
        parent = os.path.dirname(p)
        if parent == p:
            return False
        p = parent
    return os.path.isdir(p) and os.access(p, os.W_OK | os.X_OK)


def check_env_name(name: str) -> str:
    if not name or not name.strip():
        raise InvalidEnvName(name, "empty name")
    if "/" in name or "\\" in name:
        raise InvalidEnvName(name, "names cannot contain a path separator (use -p PATH)")
    if name in (".", ".."):
        raise InvalidEnvName(name, "not a valid directory name")
    return name


def prefix_from_name(name: str, root_prefix: str, envs_dirs: Sequence[str]) -> str:
    """``base`` is the root prefix; else the first envs dir holding ``name``, else the
    first writable envs dir, else ``{root_prefix}/envs/name``."""
    check_env_name(name)
    if name == BASE:
        return root_prefix
    for d in envs_dirs:
        candidate = os.path.join(d, name)
        if os.path.isdir(candidate):
            return candidate
    for d in envs_dirs:
        candidate = os.path.join(d, name)
        if is_writable_dir(candidate):
            return candidate
    return os.path.join(root_prefix, "envs", name)


def first_writable_envs_dir(envs_dirs: Sequence[str]) -> Optional[str]:
    for d in envs_dirs:
        if is_writable_dir(d):
            return d
    return None


def resolve_target_prefix(*, env_name: Optional[str], prefix: Optional[str],
                          env_var_prefix: Optional[str], root_prefix: str,
                          envs_dirs: Sequence[str], environ: Mapping[str, str],
                          normalize: Callable[[str], str],
                          fallbacks: Sequence[str] = ALL_FALLBACKS,
                          warn: Optional[Callable[[str], None]] = None,
                          ) -> Tuple[Optional[str], Optional[str]]:
    """The target prefix and where it came from (see the ``FROM_*`` constants).

    ``env_name``/``prefix`` come from ``-n``/``-p`` (or the API), ``env_var_prefix``
    from ``MAMBA_TARGET_PREFIX``; then, in order and as allowed by ``fallbacks``:
    the active env (``CONDA_PREFIX``), ``CONDA_DEFAULT_ENV``, the root prefix.
    """
    if env_name is not None and prefix is not None:
        raise ConflictingOptions("-n/--name", "-p/--prefix")
    if env_name is not None:
        return normalize(prefix_from_name(env_name, root_prefix, envs_dirs)), FROM_NAME
    if prefix is not None:
        return _path_or_name(prefix, root_prefix, normalize, warn), FROM_PATH
    if env_var_prefix:
        return _path_or_name(env_var_prefix, root_prefix, normalize, warn), FROM_ENV_VAR
    if FROM_CONDA_PREFIX in fallbacks and environ.get("CONDA_PREFIX"):
        return normalize(environ["CONDA_PREFIX"]), FROM_CONDA_PREFIX
    default_env = environ.get("CONDA_DEFAULT_ENV")
    if FROM_DEFAULT_ENV in fallbacks and default_env:
        if _has_sep(default_env):
            return normalize(default_env), FROM_DEFAULT_ENV
        try:
            return normalize(prefix_from_name(default_env, root_prefix, envs_dirs)), \
                FROM_DEFAULT_ENV
        except InvalidEnvName:
            pass
    if FROM_ROOT in fallbacks:
        return root_prefix, FROM_ROOT
    return None, None


def _has_sep(text: str) -> bool:
    return "/" in text or "\\" in text


def _path_or_name(text: str, root_prefix: str, normalize: Callable[[str], str],
                  warn: Optional[Callable[[str], None]]) -> str:
    if _has_sep(text) or text in ("~", ".", ".."):
        return normalize(text)
    resolved = os.path.join(root_prefix, "envs", text)
    if warn is not None:
        warn(f"'{text}' does not contain any filesystem separator: it is handled as an "
             f"environment name, giving the target prefix '{resolved}'. Use './{text}' "
             "for a directory relative to the current directory.")
    return resolved


def check_prefix(prefix: Optional[str], name: Optional[str] = None, *,
                 allow_missing: bool = False, allow_not_env: bool = False,
                 root_prefix: Optional[str] = None) -> None:
    """Raise :class:`PrefixNotFound` / :class:`NotACondaPrefix` unless allowed.

    The root prefix is accepted as an environment even without ``conda-meta``.
    """
    if prefix is None:
        from umm.config.errors import NoTargetPrefix

        raise NoTargetPrefix()
    if not os.path.exists(prefix):
        if not allow_missing:
            raise PrefixNotFound(prefix, name)
        return
    if root_prefix is not None and os.path.normpath(prefix) == os.path.normpath(root_prefix):
        return
    if not os.path.isdir(prefix) or (not allow_not_env and not is_conda_prefix(prefix)):
        raise NotACondaPrefix(prefix)


def env_name(prefix: str, root_prefix: str, envs_dirs: Sequence[str]) -> str:
    """``base`` for the root prefix, the directory name for an env inside an envs dir,
    else the empty string (an env known by its path only)."""
    p = os.path.normpath(prefix)
    if p == os.path.normpath(root_prefix):
        return BASE
    parent = os.path.dirname(p)
    for d in envs_dirs:
        if os.path.normpath(d) == parent:
            return os.path.basename(p)
    return ""


def environments_txt(home: str) -> str:
    return os.path.join(home, ".conda", "environments.txt")


def registered_envs(home: str) -> List[str]:
    """Prefixes listed in ``~/.conda/environments.txt`` that still are conda prefixes."""
    try:
        with open(environments_txt(home), encoding="utf-8") as fh:
            lines = [ln.strip() for ln in fh]
    except OSError:
        return []
    out: List[str] = []
    for ln in lines:
        if ln and not ln.startswith("#"):
            p = os.path.normpath(ln)
            if p not in out and is_conda_prefix(p):
                out.append(p)
    return out


def list_envs(root_prefix: str, envs_dirs: Sequence[str], home: str) -> List[str]:
    """Every known environment prefix, sorted (as micromamba's ``env list``)."""
    found = {os.path.normpath(root_prefix)}
    found.update(registered_envs(home))
    for d in envs_dirs:
        try:
            names = os.listdir(d)
        except OSError:
            continue
        for n in names:
            p = os.path.join(d, n)
            if is_conda_prefix(p):
                found.add(os.path.normpath(p))
    return sorted(found)


def register_env(prefix: str, home: str) -> bool:
    """Add ``prefix`` to ``~/.conda/environments.txt``; False when it was there already."""
    path = environments_txt(home)
    p = os.path.normpath(os.path.abspath(prefix)).rstrip(os.sep) or os.sep
    try:
        with open(path, encoding="utf-8") as fh:
            if p in (ln.strip() for ln in fh):
                return False
    except FileNotFoundError:
        pass
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(p + "\n")
    return True


def unregister_env(prefix: str, home: str) -> bool:
    """Drop ``prefix`` (and prefixes that no longer exist) from environments.txt."""
    path = environments_txt(home)
    p = os.path.normpath(os.path.abspath(prefix))
    try:
        with open(path, encoding="utf-8") as fh:
            lines = [ln.rstrip("\n") for ln in fh]
    except FileNotFoundError:
        return False
    keep = [ln for ln in lines
            if ln.strip() and os.path.normpath(ln.strip()) != p and is_conda_prefix(ln.strip())]
    if keep == lines:
        return False
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write("".join(ln + "\n" for ln in keep))
    os.replace(tmp, path)
    return True
