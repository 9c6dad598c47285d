"""Activation as data: what activating, deactivating or reactivating an environment
changes in a process environment.

:class:`Activator` simulates the change on a copy of the current environment
(conda's variables: ``CONDA_PREFIX``, ``CONDA_SHLVL``, ``CONDA_DEFAULT_ENV``,
``CONDA_PROMPT_MODIFIER``, ``CONDA_PREFIX_<N>``, ``CONDA_STACKED_<N>``, the
environment's own variables with the previous values saved as
``__CONDA_SHLVL_<N>_<VAR>``) and returns the difference as an :class:`EnvChange`.
A shell class (``umm.shell.shells``) renders that as text; ``umm run`` applies it
to a dict.

PATH is edited so that every step can be undone exactly: activation inserts the
prefix's directories, deactivation removes the first occurrence of each, so
activate → (stack) → deactivate → deactivate gives back the original PATH byte
for byte.
"""
from __future__ import annotations

import ntpath
import os
import posixpath
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

from umm.reporter import NULL, Reporter
from umm.shell.envvars import UNSET_SENTINEL, prefix_env_vars, prefix_scripts

DEFAULT_ENV_PROMPT = "({default_env}) "
Pairs = Tuple[Tuple[str, str], ...]


class EnvChange:
    """The change to apply to a shell: immutable, in the order shells apply it.

    1. ``path``: the new PATH (None: unchanged);
    2. ``deactivate_scripts`` to source (they still see the old variables);
    3. ``unset`` variables, ``shell_vars`` (not exported: the prompt), ``export``;
    4. ``activate_scripts`` to source.
    """

    __slots__ = ("path", "deactivate_scripts", "unset", "shell_vars", "export",
                 "activate_scripts")

    def __init__(self, path: Optional[str] = None, deactivate_scripts: Sequence[str] = (),
                 unset: Sequence[str] = (), shell_vars: Sequence[Tuple[str, str]] = (),
                 export: Sequence[Tuple[str, str]] = (),
                 activate_scripts: Sequence[str] = ()) -> None:
        object.__setattr__(self, "path", path)
        object.__setattr__(self, "deactivate_scripts", tuple(deactivate_scripts))
        object.__setattr__(self, "unset", tuple(unset))
        object.__setattr__(self, "shell_vars", tuple((k, v) for k, v in shell_vars))
        object.__setattr__(self, "export", tuple((k, v) for k, v in export))
        object.__setattr__(self, "activate_scripts", tuple(activate_scripts))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def _key(self) -> tuple:
        return (self.path, self.deactivate_scripts, self.unset, self.shell_vars,
                self.export, self.activate_scripts)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, EnvChange) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return (f"EnvChange(path={self.path!r}, deactivate_scripts={self.deactivate_scripts!r}, "
                f"unset={self.unset!r}, shell_vars={self.shell_vars!r}, "
                f"export={self.export!r}, activate_scripts={self.activate_scripts!r})")

    @property
    def empty(self) -> bool:
        return not any(self._key()[i] for i in range(6))

    @property
    def scripts(self) -> Tuple[str, ...]:
        return self.deactivate_scripts + self.activate_scripts

    def apply(self, environ: Mapping[str, str]) -> Dict[str, str]:
        """The exported environment after the change (scripts and shell vars aside)."""
        env = dict(environ)
        if self.path is not None:
            env["PATH"] = self.path
        for key in self.unset:
            env.pop(key, None)
        for key, value in self.export:
            env[key] = value
        return env

    def to_json(self) -> dict:
        return {"path": self.path, "deactivate_scripts": list(self.deactivate_scripts),
                "unset": list(self.unset), "shell_vars": dict(self.shell_vars),
                "export": dict(self.export), "activate_scripts": list(self.activate_scripts)}


class _Paths:
    """PATH handling for one platform (posix or windows), independent of the host."""

    def __init__(self, windows: bool) -> None:
        self.windows = windows
        self.mod = ntpath if windows else posixpath
        self.sep = ";" if windows else ":"

    def norm(self, p: str) -> str:
        return self.mod.normcase(self.mod.normpath(p)) if p else p

    def same(self, a: Optional[str], b: Optional[str]) -> bool:
        return a is not None and b is not None and self.norm(a) == self.norm(b)

    def dirs(self, prefix: str) -> List[str]:
        j = self.mod.join
        if self.windows:
            return [prefix, j(prefix, "Library", "mingw-w64", "bin"),
                    j(prefix, "Library", "usr", "bin"), j(prefix, "Library", "bin"),
                    j(prefix, "Scripts"), j(prefix, "bin")]
        return [j(prefix, "bin")]

    def split(self, value: Optional[str]) -> List[str]:
        return value.split(self.sep) if value else []

    def _remove(self, entries: List[str], prefix: str) -> Optional[int]:
        first: Optional[int] = None
        for d in self.dirs(prefix):
            nd = self.norm(d)
            for i, e in enumerate(entries):
                if e == d or self.norm(e) == nd:
                    del entries[i]
                    first = i if first is None else min(first, i)
                    break
        return first

    def insert(self, value: Optional[str], prefix: str) -> str:
        return self.sep.join(self.dirs(prefix) + self.split(value))

    def remove(self, value: Optional[str], prefix: str) -> str:
        entries = self.split(value)
        self._remove(entries, prefix)
        return self.sep.join(entries)

    def replace(self, value: Optional[str], old: str, new: str) -> str:
        entries = self.split(value)
        at = self._remove(entries, old)
        at = 0 if at is None else at
        entries[at:at] = self.dirs(new)
        return self.sep.join(entries)


def _shlvl(env: Mapping[str, str]) -> int:
    try:
        return max(0, int(str(env.get("CONDA_SHLVL", "0")).strip() or 0))
    except ValueError:
        return 0


class _Work:
    """A working copy of the environment that remembers the order of touched keys."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.orig = dict(environ)
        self.env = dict(environ)
        self.touched: List[str] = []

    def _touch(self, key: str) -> None:
        if key not in self.touched:
            self.touched.append(key)

    def set(self, key: str, value: str) -> None:
        self._touch(key)
        self.env[key] = value

    def pop(self, key: str) -> Optional[str]:
        self._touch(key)
        return self.env.pop(key, None)

    def get(self, key: str) -> Optional[str]:
        return self.env.get(key)


class Activator:
    """Computes :class:`EnvChange` objects from an environment snapshot.

    ``script_exts``: the activate.d/deactivate.d extensions the target shell sources
    (``()`` for none); ``prompt_var``: the shell variable holding the prompt (``PS1``,
    ``prompt`` for csh) or None when the shell's hook shows CONDA_PROMPT_MODIFIER itself.
    The current prompt is read from ``environ[prompt_var]`` (the hooks pass it).
    """

    def __init__(self, environ: Mapping[str, str], root_prefix: str, *,
                 script_exts: Sequence[str] = (".sh",), prompt_var: Optional[str] = "PS1",
                 changeps1: bool = True, env_prompt: str = DEFAULT_ENV_PROMPT,
                 windows: Optional[bool] = None, reporter: Reporter = NULL) -> None:
        self.environ = dict(environ)
        self.root_prefix = root_prefix
        self.script_exts = tuple(e.lower() for e in script_exts)
        self.prompt_var = prompt_var
        self.changeps1 = changeps1
        self.env_prompt = env_prompt
        self.paths = _Paths(os.name == "nt" if windows is None else windows)
        self.reporter = reporter
        self._vars: Dict[str, Dict[str, str]] = {}

    # -- naming ---------------------------------------------------------------
    def env_name(self, prefix: str) -> str:
        """``base`` for the root prefix, NAME for ``.../envs/NAME``, else the path."""
        if self.paths.same(prefix, self.root_prefix):
            return "base"
        m = self.paths.mod
        parent = m.dirname(m.normpath(prefix))
        if m.basename(parent) == "envs":
            return m.basename(m.normpath(prefix))
        return prefix

    # -- public operations -------------------------------------------------------
    def activate(self, prefix: str, stack: bool = False) -> EnvChange:
        w = _Work(self.environ)
        old_lvl = _shlvl(w.env)
        old_prefix = w.get("CONDA_PREFIX") if old_lvl > 0 else None
        if old_prefix is not None and self.paths.same(old_prefix, prefix):
            return self.reactivate()
        if old_lvl > 1 and self.paths.same(w.get(f"CONDA_PREFIX_{old_lvl - 1}"), prefix):
            return self.deactivate()  # activating the previous env steps back down
        new_lvl = old_lvl + 1
        deactivate_scripts: List[str] = []
        if old_prefix is not None and not stack:
            deactivate_scripts = self._scripts(old_prefix, "deactivate")
            self._leave_vars(w, old_prefix, old_lvl)
            new_path = self.paths.replace(w.get("PATH"), old_prefix, prefix)
        else:
            new_path = self.paths.insert(w.get("PATH"), prefix)
        w.set("PATH", new_path)
        w.set("CONDA_PREFIX", prefix)
        w.set("CONDA_SHLVL", str(new_lvl))
        w.set("CONDA_DEFAULT_ENV", self.env_name(prefix))
        if old_prefix is not None:
            w.set(f"CONDA_PREFIX_{old_lvl}", old_prefix)
            if stack:
                w.set(f"CONDA_STACKED_{new_lvl}", "true")
        self._enter_vars(w, prefix, new_lvl, warn=True)
        return self._finish(w, deactivate_scripts, self._scripts(prefix, "activate"))

    def deactivate(self) -> EnvChange:
        w = _Work(self.environ)
        lvl = _shlvl(w.env)
        prefix = w.get("CONDA_PREFIX")
        if lvl < 1 or prefix is None:
            return EnvChange()
        deactivate_scripts = self._scripts(prefix, "deactivate")
        activate_scripts: List[str] = []
        self._leave_vars(w, prefix, lvl)
        new_lvl = lvl - 1
        previous = w.pop(f"CONDA_PREFIX_{new_lvl}") if new_lvl > 0 else None
        stacked = w.pop(f"CONDA_STACKED_{lvl}") is not None if new_lvl > 0 else False
        if previous is None:
            w.set("PATH", self.paths.remove(w.get("PATH"), prefix))
            for key in ("CONDA_PREFIX", "CONDA_DEFAULT_ENV", "CONDA_PROMPT_MODIFIER"):
                w.pop(key)
        else:
            if stacked:
                w.set("PATH", self.paths.remove(w.get("PATH"), prefix))
            else:
                w.set("PATH", self.paths.replace(w.get("PATH"), prefix, previous))
                self._enter_vars(w, previous, new_lvl)
                activate_scripts = self._scripts(previous, "activate")
            w.set("CONDA_PREFIX", previous)
            w.set("CONDA_DEFAULT_ENV", self.env_name(previous))
        w.set("CONDA_SHLVL", str(new_lvl))
        return self._finish(w, deactivate_scripts, activate_scripts)

    def reactivate(self) -> EnvChange:
        w = _Work(self.environ)
        lvl = _shlvl(w.env)
        prefix = w.get("CONDA_PREFIX")
        if lvl < 1 or prefix is None:
            return EnvChange()
        self._leave_vars(w, prefix, lvl)
        w.set("PATH", self.paths.replace(w.get("PATH"), prefix, prefix))
        self._enter_vars(w, prefix, lvl)
        return self._finish(w, self._scripts(prefix, "deactivate"),
                            self._scripts(prefix, "activate"))

    def deactivate_all(self) -> Dict[str, str]:
        """The environment with every active level deactivated (scripts not run)."""
        env = dict(self.environ)
        for _ in range(_shlvl(env) + 1):
            change = Activator(env, self.root_prefix, script_exts=(), prompt_var=None,
                               changeps1=self.changeps1, env_prompt=self.env_prompt,
                               windows=self.paths.windows).deactivate()
            if change.empty:
                break
            env = change.apply(env)
        return env

    # -- internals ----------------------------------------------------------------
    def _scripts(self, prefix: str, kind: str) -> List[str]:
        if not self.script_exts:
            return []
        return prefix_scripts(prefix, kind, self.script_exts)

    def _env_vars(self, prefix: str) -> Dict[str, str]:
        if prefix not in self._vars:
            self._vars[prefix] = prefix_env_vars(prefix, self.reporter)
        return self._vars[prefix]

    def _enter_vars(self, w: _Work, prefix: str, lvl: int, warn: bool = False) -> None:
        """Apply ``prefix``'s variables for level ``lvl``, saving clobbered values
        in ``__CONDA_SHLVL_<lvl-1>_<VAR>``."""
        clobbered = []
        for key, value in self._env_vars(prefix).items():
            current = w.get(key)
            if current is not None:
                saved = f"__CONDA_SHLVL_{lvl - 1}_{key}"
                if w.get(saved) is None:
                    w.set(saved, current)
                if value != UNSET_SENTINEL and current != value:
                    clobbered.append(key)
            if value == UNSET_SENTINEL:
                w.pop(key)
            else:
                w.set(key, value)
        if clobbered and warn:
            self.reporter.warning("overwriting environment variables set in the machine: "
                                  + ", ".join(clobbered))

    def _leave_vars(self, w: _Work, prefix: str, lvl: int) -> None:
        """Undo :meth:`_enter_vars` for level ``lvl``."""
        for key in self._env_vars(prefix):
            w.pop(key)
            saved = f"__CONDA_SHLVL_{lvl - 1}_{key}"
            value = w.get(saved)
            if value is not None:
                w.set(key, value)
                w.pop(saved)

    def _prompt_stack(self, env: Mapping[str, str]) -> List[str]:
        lvl = _shlvl(env)
        stack: List[str] = []
        for i in range(1, lvl + 1):
            p = env.get("CONDA_PREFIX") if i == lvl else env.get(f"CONDA_PREFIX_{i}")
            if p is None:
                continue
            if f"CONDA_STACKED_{i}" not in env and stack:
                stack.pop()
            stack.append(self.env_name(p))
        return stack

    def _modifier(self, env: Mapping[str, str]) -> str:
        prefix = env.get("CONDA_PREFIX")
        if not self.changeps1 or _shlvl(env) < 1 or prefix is None:
            return ""
        m = self.paths.mod
        return (self.env_prompt.replace("{default_env}", env.get("CONDA_DEFAULT_ENV", ""))
                .replace("{stacked_env}", ";".join(self._prompt_stack(env)))
                .replace("{prefix}", prefix)
                .replace("{name}", m.basename(m.normpath(prefix))))

    def _finish(self, w: _Work, deactivate_scripts: Sequence[str],
                activate_scripts: Sequence[str]) -> EnvChange:
        modifier = self._modifier(w.env)
        if modifier:
            w.set("CONDA_PROMPT_MODIFIER", modifier)
        else:
            w.pop("CONDA_PROMPT_MODIFIER")
        shell_vars: List[Tuple[str, str]] = []
        if self.changeps1 and self.prompt_var and self.prompt_var in self.environ:
            prompt = self.environ[self.prompt_var]
            if "POWERLINE_COMMAND" not in prompt:
                old = self.environ.get("CONDA_PROMPT_MODIFIER", "")
                if old and prompt.startswith(old):
                    prompt = prompt[len(old):]
                elif old:
                    prompt = prompt.replace(old, "", 1)
                new_prompt = modifier + prompt
                if new_prompt != self.environ[self.prompt_var]:
                    shell_vars.append((self.prompt_var, new_prompt))
        orig, env = w.orig, w.env
        path = env.get("PATH") if env.get("PATH") != orig.get("PATH") else None
        unset = [k for k in w.touched if k != "PATH" and k in orig and k not in env]
        export = [(k, env[k]) for k in w.touched
                  if k != "PATH" and k in env and orig.get(k) != env[k]]
        return EnvChange(path, deactivate_scripts, unset, shell_vars, export, activate_scripts)
