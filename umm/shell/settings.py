"""The configuration shell integration needs, as one value, and env-name resolution.

STAND-IN: ``ShellSettings.from_environ`` and ``resolve_prefix`` are a minimal private
resolver (``$MAMBA_ROOT_PREFIX``/``-r``, root ``~/micromamba``, envs in
``<root>/envs`` plus ``$CONDA_ENVS_PATH``/``$CONDA_ENVS_DIRS``, ``MAMBA_*``/``CONDA_*``
switches) to be replaced by ``umm.config`` (``umm/config/prefix.py``,
``umm/cli/context.py``) once that branch lands: the CLI will then build
:class:`ShellSettings` from the configuration context instead.
"""
from __future__ import annotations

import os
from typing import Mapping, Optional, Sequence, Tuple

from umm.shell.activation import DEFAULT_ENV_PROMPT

_TRUE = ("1", "true", "yes", "on", "y")
_FALSE = ("0", "false", "no", "off", "n", "")


def _flag(environ: Mapping[str, str], keys: Sequence[str], default: bool) -> bool:
    for key in keys:
        value = environ.get(key)
        if value is not None:
            v = value.strip().lower()
            if v in _TRUE:
                return True
            if v in _FALSE:
                return False
    return default


class ShellSettings:
    """Configuration values shell integration reads (immutable)."""

    __slots__ = ("root_prefix", "envs_dirs", "changeps1", "env_prompt", "auto_activate_base",
                 "shell_completion")

    def __init__(self, root_prefix: str, envs_dirs: Sequence[str] = (), *, changeps1: bool = True,
                 env_prompt: str = DEFAULT_ENV_PROMPT, auto_activate_base: bool = False,
                 shell_completion: bool = True) -> None:
        object.__setattr__(self, "root_prefix", root_prefix)
        object.__setattr__(self, "envs_dirs",
                           tuple(envs_dirs) or (os.path.join(root_prefix, "envs"),))
        object.__setattr__(self, "changeps1", changeps1)
        object.__setattr__(self, "env_prompt", env_prompt)
        object.__setattr__(self, "auto_activate_base", auto_activate_base)
        object.__setattr__(self, "shell_completion", shell_completion)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("ShellSettings is immutable")

    def __repr__(self) -> str:
        return (f"ShellSettings(root_prefix={self.root_prefix!r}, envs_dirs={self.envs_dirs!r}, "
                f"changeps1={self.changeps1}, env_prompt={self.env_prompt!r})")

    @classmethod
    def from_environ(cls, environ: Mapping[str, str],
                     root_prefix: Optional[str] = None) -> "ShellSettings":
        """STAND-IN for umm.config (see the module docstring)."""
        home = environ.get("HOME") or os.path.expanduser("~")
        root = root_prefix or environ.get("MAMBA_ROOT_PREFIX") or os.path.join(home, "micromamba")
        root = os.path.abspath(os.path.expanduser(root))
        envs: Tuple[str, ...] = (os.path.join(root, "envs"),)
        for key in ("MAMBA_ENVS_DIRS", "CONDA_ENVS_DIRS", "CONDA_ENVS_PATH"):
            for d in (environ.get(key) or "").split(os.pathsep):
                d = os.path.abspath(os.path.expanduser(d)) if d else ""
                if d and d not in envs:
                    envs += (d,)
        prompt = environ.get("MAMBA_ENV_PROMPT") or environ.get("CONDA_ENV_PROMPT")
        return cls(root, envs,
                   changeps1=_flag(environ, ("MAMBA_CHANGEPS1", "CONDA_CHANGEPS1"), True),
                   env_prompt=prompt if prompt is not None else DEFAULT_ENV_PROMPT,
                   auto_activate_base=_flag(environ, ("MAMBA_AUTO_ACTIVATE_BASE",
                                                      "CONDA_AUTO_ACTIVATE_BASE"), False),
                   shell_completion=_flag(environ, ("MAMBA_SHELL_COMPLETION",), True))


def looks_like_path(text: str) -> bool:
    return "/" in text or "\\" in text or text.startswith(("~", "."))


def resolve_prefix(name_or_path: str, settings: ShellSettings) -> str:
    """``base`` → the root prefix; a path → that path, absolute; a name → the first
    ``<envs_dir>/<name>`` that exists (else the first envs dir's, which does not)."""
    if name_or_path in ("base", "") :
        return settings.root_prefix
    if looks_like_path(name_or_path):
        return os.path.abspath(os.path.expanduser(name_or_path))
    candidates = [os.path.join(d, name_or_path) for d in settings.envs_dirs]
    for cand in candidates:
        if os.path.isdir(cand):
            return cand
    return candidates[0]
