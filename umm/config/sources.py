"""Where configuration comes from: the rc search path and reading rc files.

The search path (lowest precedence first) is micromamba's:

    /etc/conda/{.condarc,condarc,condarc.d/,.mambarc}
    /var/lib/conda/{.condarc,condarc,condarc.d/,.mambarc}
    {root_prefix}/{.condarc,condarc,condarc.d,.mambarc}
    ~/.conda/{.condarc,condarc,condarc.d}, ~/.condarc, ~/.mambarc
    {target_prefix}/{.condarc,condarc,condarc.d,.mambarc}
    $CONDARC, $MAMBARC

A location is used once, at its lowest precedence (the base env is both root
and target prefix). The system directories are a parameter so tests never read
the real ``/etc``.
"""
from __future__ import annotations

import os
import re
import sys
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from umm.config.errors import ConfigFileError

SYSTEM, ROOT, HOME, TARGET, ENVVAR, EXPLICIT = "system", "root", "home", "target", "env", "explicit"
LEVELS = (SYSTEM, ROOT, HOME, TARGET, ENVVAR, EXPLICIT)

UNIX_SYSTEM_DIRS: Tuple[str, ...] = ("/etc/conda", "/var/lib/conda")


def default_system_dirs() -> Tuple[str, ...]:
    """``/etc/conda`` and ``/var/lib/conda``; ``%PROGRAMDATA%\\conda`` on Windows."""
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        return (os.path.join(os.environ.get("PROGRAMDATA", "C:\\ProgramData"), "conda"),)
    return UNIX_SYSTEM_DIRS

_PREFIX_NAMES = (".condarc", "condarc", "condarc.d", ".mambarc")
_CONFIG_NAMES = frozenset({".condarc", "condarc", ".mambarc", "mambarc"})


def shrink_home(path: str, home: str) -> str:
    """``/home/me/.condarc`` -> ``~/.condarc`` (how micromamba names sources)."""
    home = home.rstrip(os.sep)
    if home and (path == home or path.startswith(home + os.sep)):
        return "~" + path[len(home):]
    return path


def is_config_name(path: str) -> bool:
    name = os.path.basename(path)
    return name in _CONFIG_NAMES or name.endswith((".yml", ".yaml"))


class RcLocation:
    """A place the rc search looks at (a file or a ``condarc.d`` directory)."""

    __slots__ = ("path", "level")

    def __init__(self, path: str, level: str) -> None:
        object.__setattr__(self, "path", path)
        object.__setattr__(self, "level", level)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("RcLocation is immutable")

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, RcLocation)
                and (self.path, self.level) == (other.path, other.level))

    def __hash__(self) -> int:
        return hash((self.path, self.level))

    def __repr__(self) -> str:
        return f"RcLocation({self.path!r}, {self.level!r})"


def search_path(home: str, root_prefix: Optional[str], target_prefix: Optional[str],
                environ: Mapping[str, str], system_dirs: Sequence[str] = UNIX_SYSTEM_DIRS,
                upto: str = ENVVAR, use_env_vars: bool = True) -> List[RcLocation]:
    """The rc locations up to level ``upto`` (inclusive), lowest precedence first."""
    order = LEVELS.index(upto)
    groups: List[Tuple[str, List[str]]] = []
    groups.append((SYSTEM, [os.path.join(d, n) for d in system_dirs for n in _PREFIX_NAMES]))
    if root_prefix:
        groups.append((ROOT, [os.path.join(root_prefix, n) for n in _PREFIX_NAMES]))
    groups.append((HOME, [os.path.join(home, ".conda", ".condarc"),
                          os.path.join(home, ".conda", "condarc"),
                          os.path.join(home, ".conda", "condarc.d"),
                          os.path.join(home, ".condarc"),
                          os.path.join(home, ".mambarc")]))
    if target_prefix:
        groups.append((TARGET, [os.path.join(target_prefix, n) for n in _PREFIX_NAMES]))
    if use_env_vars:
        env_files = [environ[v] for v in ("CONDARC", "MAMBARC") if environ.get(v)]
        groups.append((ENVVAR, [_expand_user(p, home) for p in env_files]))
    seen: set = set()
    out: List[RcLocation] = []
    for level, paths in groups:
        if LEVELS.index(level) > order:
            continue
        for p in paths:
            norm = os.path.normpath(p)
            if norm in seen:
                continue
            seen.add(norm)
            out.append(RcLocation(norm, level))
    return out


def _expand_user(path: str, home: str) -> str:
    if path == "~" or path.startswith("~/"):
        return home + path[1:]
    return path


def existing_files(locations: Sequence[RcLocation]) -> List[RcLocation]:
    """The rc files found at ``locations`` (directories expanded, sorted), same order."""
    out: List[RcLocation] = []
    for loc in locations:
        if os.path.isdir(loc.path):
            try:
                names = sorted(os.listdir(loc.path))
            except OSError:
                continue
            for n in names:
                p = os.path.join(loc.path, n)
                if is_config_name(p) and os.path.isfile(p):
                    out.append(RcLocation(p, loc.level))
        elif os.path.isfile(loc.path) and (is_config_name(loc.path)
                                           or loc.level in (ENVVAR, EXPLICIT)):
            out.append(loc)
    return out


class RcEntry:
    """One top-level key of an rc file: its value and 1-based line."""

    __slots__ = ("key", "value", "line")

    def __init__(self, key: str, value: Any, line: int) -> None:
        object.__setattr__(self, "key", key)
        object.__setattr__(self, "value", value)
        object.__setattr__(self, "line", line)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("RcEntry is immutable")

    def __repr__(self) -> str:
        return f"RcEntry({self.key!r}, {self.value!r}, line={self.line})"


class RcFile:
    """A parsed rc file. ``entries`` is empty and ``valid`` False for an empty document."""

    __slots__ = ("path", "level", "name", "entries", "valid")

    def __init__(self, path: str, level: str, name: str, entries: Mapping[str, RcEntry],
                 valid: bool) -> None:
        object.__setattr__(self, "path", path)
        object.__setattr__(self, "level", level)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "entries", dict(entries))
        object.__setattr__(self, "valid", valid)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("RcFile is immutable")

    def __repr__(self) -> str:
        return f"RcFile({self.path!r}, {self.level!r}, keys={sorted(self.entries)})"


def _loader_class() -> Any:
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_rc_text(text: str, path: str) -> Tuple[Dict[str, RcEntry], bool]:
    """Top-level entries of an rc document; raises :class:`ConfigFileError` with the line."""
    import yaml

    loader = _loader_class()(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return {}, False
        if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null":
            return {}, False
        if not isinstance(node, yaml.MappingNode):
            raise ConfigFileError(path, "expected a mapping of configuration keys at the top level",
                                  line=node.start_mark.line + 1)
        entries: Dict[str, RcEntry] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                raise ConfigFileError(path, "configuration keys must be plain names", line=line)
            key = str(loader.construct_object(key_node, deep=True))
            value = loader.construct_object(value_node, deep=True)
            entries[key] = RcEntry(key, value, line)
        return entries, True
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        reason = ", ".join(str(x) for x in (exc.context, exc.problem) if x) or "malformed YAML"
        line = mark.line + 1 if mark is not None else None
        ctx = exc.context_mark or mark
        key = _key_before(text, ctx.line + 1 if ctx is not None else None)
        raise ConfigFileError(path, f"malformed YAML: {reason}", line=line, key=key) from None
    except yaml.YAMLError as exc:
        raise ConfigFileError(path, f"malformed YAML: {exc}") from None
    finally:
        loader.dispose()


_TOP_KEY_RE = re.compile(r"^([A-Za-z_][\w.-]*)\s*:")


def _key_before(text: str, line: Optional[int]) -> Optional[str]:
    """The top-level key whose block holds ``line`` (1-based), if any."""
    if line is None:
        return None
    key = None
    for ln in text.splitlines()[:line]:
        m = _TOP_KEY_RE.match(ln)
        if m:
            key = m.group(1)
    return key


def expand_vars(value: Any, expand: Any) -> Any:
    """Apply ``expand`` (a ``str -> str``) to every string inside ``value``."""
    if isinstance(value, str):
        return expand(value)
    if isinstance(value, list):
        return [expand_vars(v, expand) for v in value]
    if isinstance(value, dict):
        return {k: expand_vars(v, expand) for k, v in value.items()}
    return value


def read_rc_file(loc: RcLocation, home: str, expand: Any = None) -> RcFile:
    """Read and parse one rc file; ``expand`` (``str -> str``) is applied to string values."""
    try:
        with open(loc.path, "rb") as fh:
            raw = fh.read()
    except OSError as exc:
        raise ConfigFileError(loc.path, exc.strerror or str(exc)) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise ConfigFileError(loc.path, "not valid UTF-8 text", line=line) from None
    entries, valid = parse_rc_text(text, loc.path)
    if expand is not None:
        entries = {k: RcEntry(k, expand_vars(e.value, expand), e.line) for k, e in entries.items()}
    return RcFile(loc.path, loc.level, shrink_home(loc.path, home), entries, valid)
