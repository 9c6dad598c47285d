"""The configuration shell integration needs, as one value, and env-name resolution.

The CLI builds :class:`ShellSettings` from umm.config (``params.prefixes`` and
``params.shell_options``); library code only sees this value.
"""
from __future__ import annotations

import os
from typing import Sequence

from umm.shell.activation import DEFAULT_ENV_PROMPT


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


def looks_like_path(text: str) -> bool:
    return "/" in text or "\\" in text or text.startswith(("~", "."))


def resolve_prefix(name_or_path: str, settings: ShellSettings) -> str:
    """``base`` → the root prefix; a path → that path, absolute; a name → as umm.config
    resolves ``-n NAME`` (the first envs dir holding it, ...)."""
    from umm.config.prefix import prefix_from_name

    if name_or_path in ("base", ""):
        return settings.root_prefix
    if looks_like_path(name_or_path):
        return os.path.abspath(os.path.expanduser(name_or_path))
    return prefix_from_name(name_or_path, settings.root_prefix, settings.envs_dirs)
