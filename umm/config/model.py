"""The loaded configuration: :class:`Config` and its per-key :class:`Setting`."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

from umm.config.keys import ALIASES, KEYS, Key
from umm.config.sources import RcFile, RcLocation

DEFAULT = "default"

Origin = Any  # tuple of sources (scalar, sequence: one per item) or dict (map: one per key)


def _freeze(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    if isinstance(value, dict):
        return tuple((k, _freeze(v)) for k, v in value.items())
    return value


class Setting:
    """The value of one key after merging every source, and where it came from.

    ``entries`` lists every source that gave a value, highest precedence first, as
    ``(source, value)``; sources are ``"API"``, ``"CLI"``, an environment variable
    name, or an rc file (``~`` for the home directory). ``origin`` says where the
    merged value comes from: for a scalar the tuple of sources (the first won), for
    a sequence one source per item, for a map one source per key.
    """

    __slots__ = ("key", "value", "entries", "origin")

    def __init__(self, key: Key, value: Any, entries: Sequence[Tuple[str, Any]],
                 origin: Origin) -> None:
        object.__setattr__(self, "key", key)
        object.__setattr__(self, "value", value)
        object.__setattr__(self, "entries", tuple(entries))
        object.__setattr__(self, "origin", origin)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Setting is immutable")

    @property
    def is_set(self) -> bool:
        return bool(self.entries)

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Setting) and self.key.name == other.key.name
                and _freeze(self.value) == _freeze(other.value)
                and _freeze(list(self.entries)) == _freeze(list(other.entries)))

    def __hash__(self) -> int:
        return hash((self.key.name, _freeze(self.value)))

    def __repr__(self) -> str:
        return f"Setting({self.key.name!r}, {self.value!r}, origin={self.origin!r})"


def merge(key: Key, entries: Sequence[Tuple[str, Any]], default: Any) -> Tuple[Any, Origin]:
    """Merge values given highest precedence first (micromamba's rules).

    Scalars: the highest source wins. Sequences: concatenated highest first, each
    value kept once at its highest position. Maps: merged key-wise, highest wins.
    """
    if not entries:
        if key.kind == "sequence":
            return default, tuple(DEFAULT for _ in (default or ()))
        if key.kind == "map":
            return default, {k: DEFAULT for k in (default or {})}
        return default, (DEFAULT,)
    if key.kind == "sequence":
        out: List[Any] = []
        origin: List[str] = []
        for source, value in entries:
            for item in value:
                if item not in out:
                    out.append(item)
                    origin.append(source)
        return out, tuple(origin)
    if key.kind == "map":
        merged: Dict[str, Any] = {}
        morigin: Dict[str, str] = {}
        for source, value in entries:
            for k, v in value.items():
                if k not in merged:
                    merged[k] = v
                    morigin[k] = source
        return merged, morigin
    return entries[0][1], tuple(s for s, _ in entries)


class Config(Mapping):
    """Every configuration key's value and sources, as loaded by :func:`umm.config.load`.

    A read-only mapping from key names (and their aliases, e.g. ``client_cert``) to
    merged values: ``cfg["channels"]``, ``cfg.get("offline")``; lists and dicts are
    copies. ``cfg[unknown]`` raises :class:`~umm.config.errors.UnknownConfigKey` (a
    ``KeyError``); ``cfg.get(unknown)`` gives the default. Consumers should take the
    small frozen parameter objects of :mod:`umm.config.params` (or build their own
    with ``from_config(cfg)``) rather than keep the whole ``Config``.
    """

    __slots__ = ("_settings", "rc_files", "searched", "home", "environ", "cwd", "host_platform",
                 "target_origin")

    def __init__(self, settings: Mapping[str, Setting], rc_files: Sequence[RcFile],
                 searched: Sequence[Tuple[RcLocation, bool]], home: str,
                 environ: Mapping[str, str], cwd: str, host_platform: str,
                 target_origin: Optional[str]) -> None:
        set_ = object.__setattr__
        set_(self, "_settings", dict(settings))
        set_(self, "rc_files", tuple(rc_files))
        set_(self, "searched", tuple(searched))
        set_(self, "home", home)
        set_(self, "environ", dict(environ))
        set_(self, "cwd", cwd)
        set_(self, "host_platform", host_platform)
        set_(self, "target_origin", target_origin)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Config is immutable")

    def setting(self, key: str) -> Setting:
        try:
            return self._settings[ALIASES.get(key, key)]
        except KeyError:
            from umm.config.errors import UnknownConfigKey

            raise UnknownConfigKey(key) from None

    def __getitem__(self, key: str) -> Any:
        value = self.setting(key).value
        if isinstance(value, list):
            return list(value)
        if isinstance(value, dict):
            return {k: list(v) if isinstance(v, list) else v for k, v in value.items()}
        return value

    def __iter__(self) -> Iterator[str]:
        return iter([k for k in KEYS if k in self._settings])

    def __len__(self) -> int:
        return len(self._settings)

    def sources(self, key: str) -> List[Tuple[str, Any]]:
        """Every source that set ``key``, highest precedence first, as ``(source, value)``."""
        return list(self.setting(key).entries)

    def is_set(self, key: str) -> bool:
        """Whether any source (not the default) gave ``key`` a value."""
        return self.setting(key).is_set

    def origin(self, key: str) -> Origin:
        return self.setting(key).origin

    @property
    def root_prefix(self) -> str:
        return self["root_prefix"]

    @property
    def target_prefix(self) -> Optional[str]:
        return self["target_prefix"]

    @property
    def rc_paths(self) -> List[str]:
        """Populated rc files, highest precedence first (``info``'s "populated config files")."""
        return [f.path for f in self.rc_files]

    def __repr__(self) -> str:
        return (f"Config(root_prefix={self.root_prefix!r}, target_prefix={self.target_prefix!r}, "
                f"rc_files={self.rc_paths!r})")
