"""Environment YAML files (``environment.yml``)::

    name: myenv                  # an env name, or a prefix when it starts with /
    channels: [conda-forge, nodefaults]
    dependencies:
      - python=3.11
      - sel(linux): libgcc-ng    # selectors: linux, osx, win, unix (micromamba's)
      - pip:
          - requests==2.31
          - -r requirements.txt  # relative to this file
          - -e ./src
    variables:
      MY_VAR: value              # written to conda-meta/state, set on activation

Other keys (``prefix``, ``platforms``, ``category`` …) are accepted and ignored, as
micromamba does.
"""
from __future__ import annotations

from typing import Any, List, Optional, Sequence, Tuple, Union

from umm.envfile import _yaml
from umm.envfile.errors import EmptySpecFile, InvalidEnvironmentFile

SELECTORS = ("linux", "osx", "win", "unix")
NODEFAULTS = "nodefaults"


def selector_matches(selector: str, platform: str) -> bool:
    """Does ``sel(NAME)`` apply to ``platform`` (a subdir such as ``linux-64``)?"""
    name = selector[len("sel("):-1]
    if name == "win":
        return platform.startswith("win-")
    if name == "unix":
        return not platform.startswith("win-") and platform != "noarch"
    return platform.startswith(name + "-")


def _check_selector(key: str, path: str) -> str:
    if not (key.startswith("sel(") and key.endswith(")")):
        raise InvalidEnvironmentFile(path, f"unsupported dependency entry {key!r}: only "
                                           "'pip:' lists and 'sel(...)' selectors are supported")
    if key[4:-1] not in SELECTORS:
        raise InvalidEnvironmentFile(path, f"unknown selector {key!r}: use one of "
                                           + ", ".join(f"sel({s})" for s in SELECTORS))
    return key


# An entry: a spec, or (selector, spec).
Entry = Union[str, Tuple[str, str]]


def _entries(items: Any, what: str, path: str, allow_pip: bool) -> Tuple[List[Entry], List[Entry]]:
    if items is None:
        return [], []
    if not isinstance(items, list):
        raise InvalidEnvironmentFile(path, f"'{what}' must be a list")
    deps: List[Entry] = []
    pip: List[Entry] = []
    for item in items:
        if isinstance(item, str):
            if not item.strip():
                raise InvalidEnvironmentFile(path, f"empty entry in '{what}'")
            deps.append(item.strip())
        elif isinstance(item, dict) and len(item) == 1:
            key, value = next(iter(item.items()))
            key = str(key)
            if key == "pip" and allow_pip:
                sub, _ = _entries(value, "pip", path, allow_pip=False)
                pip.extend(sub)
                continue
            sel = _check_selector(key, path)
            if not isinstance(value, str) or not value.strip():
                raise InvalidEnvironmentFile(path, f"selector {sel} must be followed by one spec")
            deps.append((sel, value.strip()))
        else:
            import reprlib  # a short repr: an entry may be huge (YAML aliases)

            short = reprlib.Repr()
            short.maxlevel, short.maxlist, short.maxdict = 2, 4, 4
            raise InvalidEnvironmentFile(path, f"unsupported entry in '{what}': "
                                               f"{short.repr(item)[:200]}")
    return deps, pip


def _check_specs(entries: Sequence[Entry], path: str) -> None:
    from umm.specs import MatchSpec
    from umm.specs.errors import SpecError

    for e in entries:
        spec = e[1] if isinstance(e, tuple) else e
        try:
            MatchSpec.parse(spec)
        except SpecError as exc:
            raise InvalidEnvironmentFile(path, f"invalid spec {spec!r}: {exc}") from None


def _resolve(entries: Sequence[Entry], platform: str) -> Tuple[str, ...]:
    out = []
    for e in entries:
        if isinstance(e, tuple):
            if selector_matches(e[0], platform):
                out.append(e[1])
        else:
            out.append(e)
    return tuple(out)


class EnvironmentFile:
    """A parsed environment YAML file (immutable)."""

    __slots__ = ("name", "channels", "dependencies", "pip", "variables", "path")

    def __init__(self, name: Optional[str] = None, channels: Sequence[str] = (),
                 dependencies: Sequence[Entry] = (), pip: Sequence[Entry] = (),
                 variables: Sequence[Tuple[str, str]] = (), path: str = "") -> None:
        set_ = object.__setattr__
        set_(self, "name", name)
        set_(self, "channels", tuple(channels))
        set_(self, "dependencies", tuple(dependencies))
        set_(self, "pip", tuple(pip))
        set_(self, "variables", tuple(variables))
        set_(self, "path", path)

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError("EnvironmentFile is immutable")

    @classmethod
    def parse(cls, text: str, path: str = "") -> "EnvironmentFile":
        try:
            doc = _yaml.load(text)
        except _yaml.YamlSyntaxError as exc:
            raise InvalidEnvironmentFile(path, exc.reason, exc.line) from None
        if doc is None:
            raise EmptySpecFile(path)
        if not isinstance(doc, dict):
            raise InvalidEnvironmentFile(path, "an environment file must be a mapping with "
                                               "'dependencies' (and 'name', 'channels' ...)")
        name = doc.get("name")
        if name is not None and not isinstance(name, str):
            raise InvalidEnvironmentFile(path, "'name' must be a string")
        channels = doc.get("channels") or []
        if not isinstance(channels, list) or not all(isinstance(c, str) and c.strip()
                                                      for c in channels):
            raise InvalidEnvironmentFile(path, "'channels' must be a list of channel names")
        deps, pip = _entries(doc.get("dependencies"), "dependencies", path, allow_pip=True)
        _check_specs(deps, path)
        variables = doc.get("variables") or {}
        if not isinstance(variables, dict):
            raise InvalidEnvironmentFile(path, "'variables' must be a mapping of names to values")
        vars_: List[Tuple[str, str]] = []
        for key, value in variables.items():
            if isinstance(value, (dict, list)):
                raise InvalidEnvironmentFile(path, f"variable {key!r} must have a single value")
            vars_.append((str(key), "" if value is None else
                          ("true" if value is True else "false" if value is False else str(value))))
        return cls(name.strip() if name else None, [c.strip() for c in channels], deps, pip,
                   vars_, path)

    # -- use ------------------------------------------------------------------------
    @property
    def nodefaults(self) -> bool:
        return NODEFAULTS in self.channels

    @property
    def real_channels(self) -> Tuple[str, ...]:
        """The channels without the ``nodefaults`` marker."""
        return tuple(c for c in self.channels if c != NODEFAULTS)

    def specs(self, platform: str) -> Tuple[str, ...]:
        """The conda specs that apply to ``platform``."""
        return _resolve(self.dependencies, platform)

    def pip_requirements(self, platform: str) -> Tuple[str, ...]:
        return _resolve(self.pip, platform)

    # -- writing --------------------------------------------------------------------
    def to_dict(self) -> dict:
        out: dict = {}
        if self.name is not None:
            out["name"] = self.name
        out["channels"] = list(self.channels)
        deps: List[Any] = [{e[0]: e[1]} if isinstance(e, tuple) else e for e in self.dependencies]
        if self.pip:
            deps.append({"pip": [{e[0]: e[1]} if isinstance(e, tuple) else e for e in self.pip]})
        out["dependencies"] = deps
        if self.variables:
            out["variables"] = dict(self.variables)
        return out

    def __str__(self) -> str:
        return _yaml.dump(self.to_dict())

    def _ident(self) -> tuple:
        return (self.name, self.channels, self.dependencies, self.pip, self.variables)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, EnvironmentFile) and self._ident() == other._ident()

    def __hash__(self) -> int:
        return hash(self._ident())

    def __repr__(self) -> str:
        return f"EnvironmentFile(name={self.name!r}, {len(self.dependencies)} dependencies)"
