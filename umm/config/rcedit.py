"""Editing an rc file key by key (``umm config set/append/prepend/remove/remove-key``).

Only the block of the changed key is rewritten: other keys, comments and blank
lines stay as they were. Values are checked against the key's type before they
are written. Map entries can be addressed as ``KEY.NAME`` (``proxy_servers.https``).
"""
from __future__ import annotations

import os
from typing import Any, Dict, List, Optional, Sequence, Tuple

from umm.config import keys as K
from umm.config.errors import (ConfigFileError, ConfigWriteError, NotASequenceKey,
                               NotRcConfigurable, RcFileNotFound)
from umm.config.types import Expander, TypeMismatch

_MISSING = object()


def _dump_block(key: str, value: Any) -> str:
    import yaml

    class _Dumper(yaml.SafeDumper):
        def increase_indent(self, flow: bool = False, indentless: bool = False) -> Any:
            return super().increase_indent(flow, False)

    return yaml.dump({key: value}, Dumper=_Dumper, default_flow_style=False, sort_keys=False,
                     allow_unicode=True, width=1000)


class _Block:
    __slots__ = ("key", "start", "end", "value")

    def __init__(self, key: str, start: int, end: int, value: Any) -> None:
        self.key = key
        self.start = start  # first line (0-based)
        self.end = end      # one past the last line
        self.value = value


class RcDocument:
    """The text of one rc file with its top-level keys located line by line."""

    def __init__(self, path: str, text: str = "") -> None:
        self.path = path
        self.text = text
        self._parse()

    @classmethod
    def load(cls, path: str, create: bool = False) -> "RcDocument":
        """Read ``path``; a missing file is an empty document when ``create`` is True,
        else :class:`RcFileNotFound`."""
        try:
            with open(path, encoding="utf-8") as fh:
                return cls(path, fh.read())
        except FileNotFoundError:
            if create:
                return cls(path, "")
            raise RcFileNotFound(path, "rc file does not exist") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigFileError(path, str(exc)) from None

    def _parse(self) -> None:
        import yaml

        loader_cls = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        loader = loader_cls(self.text)
        self.flow = False
        self.blocks: Dict[str, _Block] = {}
        try:
            node = loader.get_single_node()
            if node is None or (isinstance(node, yaml.ScalarNode)
                                and node.tag == "tag:yaml.org,2002:null"):
                return
            if not isinstance(node, yaml.MappingNode):
                raise ConfigFileError(self.path, "expected a mapping of configuration keys",
                                      line=node.start_mark.line + 1)
            self.flow = bool(node.flow_style)
            lines = self.text.splitlines()
            for key_node, value_node in node.value:
                key = str(loader.construct_object(key_node, deep=True))
                value = loader.construct_object(value_node, deep=True)
                start = key_node.start_mark.line
                mark = value_node.end_mark
                last = mark.line if mark.column > 0 else mark.line - 1
                last = max(last, start)
                while last > start and (last >= len(lines) or not lines[last].strip()
                                        or lines[last].lstrip().startswith("#")):
                    last -= 1
                self.blocks[key] = _Block(key, start, last + 1, value)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark
            raise ConfigFileError(self.path, f"malformed YAML: {exc.problem}",
                                  line=mark.line + 1 if mark else None) from None
        finally:
            loader.dispose()

    # -- reading ---------------------------------------------------------------------
    def keys(self) -> List[str]:
        return list(self.blocks)

    def get(self, key: str, default: Any = _MISSING) -> Any:
        name, _, sub = key.partition(".")
        block = self.blocks.get(name)
        if block is None:
            return default
        if not sub:
            return block.value
        if isinstance(block.value, dict) and sub in block.value:
            return block.value[sub]
        return default

    def has(self, key: str) -> bool:
        return self.get(key) is not _MISSING

    def block_text(self, key: str) -> Optional[str]:
        """``key: value`` as YAML (``config get``), None when the key is absent."""
        value = self.get(key)
        if value is _MISSING:
            return None
        name, _, sub = key.partition(".")
        return _dump_block(name, {sub: value} if sub else value)

    # -- writing ---------------------------------------------------------------------
    def _replace(self, key: str, value: Any) -> None:
        """Rewrite (or add, or with ``_MISSING`` remove) the block of top-level ``key``."""
        if self.flow:
            import yaml

            data = {k: b.value for k, b in self.blocks.items()}
            if value is _MISSING:
                data.pop(key, None)
            else:
                data[key] = value
            self.text = yaml.safe_dump(data, default_flow_style=False, sort_keys=False) \
                if data else ""
            self._parse()
            return
        lines = self.text.splitlines(keepends=True)
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
        new = [] if value is _MISSING else _dump_block(key, value).splitlines(keepends=True)
        block = self.blocks.get(key)
        if block is None:
            lines.extend(new)
        else:
            lines[block.start:block.end] = new
        self.text = "".join(lines)
        self._parse()

    def set_value(self, key: str, value: Any) -> None:
        name, _, sub = key.partition(".")
        if sub:
            current = self.get(name)
            mapping = dict(current) if isinstance(current, dict) else {}
            mapping[sub] = value
            value = mapping
        self._replace(name, value)

    def remove_key(self, key: str) -> bool:
        name, _, sub = key.partition(".")
        if not self.has(key):
            return False
        if sub:
            mapping = dict(self.get(name))
            del mapping[sub]
            self._replace(name, mapping if mapping else _MISSING)
        else:
            self._replace(name, _MISSING)
        return True

    def save(self) -> None:
        directory = os.path.dirname(os.path.abspath(self.path))
        tmp = f"{self.path}.umm-{os.getpid()}.tmp"
        try:
            os.makedirs(directory, exist_ok=True)
            with open(tmp, "w", encoding="utf-8") as fh:
                fh.write(self.text)
            os.replace(tmp, self.path)
        except OSError as exc:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise ConfigWriteError(self.path, exc.strerror or str(exc)) from None


# -- typed operations -----------------------------------------------------------------
def _rc_key(key: str) -> Tuple[K.Key, str]:
    name, _, sub = key.partition(".")
    k = K.get(name)
    if not k.rc:
        raise NotRcConfigurable(name)
    if sub and k.kind != "map":
        from umm.config.errors import UnknownConfigKey

        raise UnknownConfigKey(key, f"'{name}' is not a mapping")
    return k, sub


def _check(k: K.Key, parse: Any, value: Any, ex: Expander) -> None:
    try:
        parse(value, ex)
    except TypeMismatch as exc:
        from umm.config.errors import ConfigValueError

        raise ConfigValueError(k.name, value, "the command line", exc.expected) from None


def _scalar_for_file(t: Any, text: str, ex: Expander) -> Any:
    """The value written for ``text``: typed for bools/numbers/enums, as given otherwise."""
    from umm.config import types as T

    if isinstance(t, (T.BoolType, T.IntType, T.FloatType, T.EnumType)):
        return t.from_text(text, ex)
    if isinstance(t, T.SslVerifyType):
        value = t.from_text(text, ex)
        return value if isinstance(value, bool) else text
    t.from_text(text, ex)
    return text


def _split_items(text: str) -> List[str]:
    stripped = text.strip()
    if stripped.startswith("["):
        import yaml

        try:
            loaded = yaml.safe_load(stripped)
        except yaml.YAMLError:
            loaded = None
        if isinstance(loaded, list):
            return [str(x) for x in loaded]
    return [p.strip() for p in stripped.split(",") if p.strip()]


def value_for_file(key: str, text: str, ex: Expander) -> Any:
    """Check ``text`` against ``key``'s type and give the YAML value to write."""
    k, sub = _rc_key(key)
    try:
        if k.kind == "sequence":
            items = _split_items(text)
            item_type = k.type.item  # type: ignore[attr-defined]
            return [_scalar_for_file(item_type, i, ex) for i in items]
        if k.kind == "map":
            vt = k.type.value  # type: ignore[attr-defined]
            if sub:
                if vt.kind == "sequence":
                    return [_scalar_for_file(vt.item, i, ex) for i in _split_items(text)]
                return _scalar_for_file(vt, text, ex)
            return k.type.from_text(text, ex)
        return _scalar_for_file(k.type, text, ex)
    except TypeMismatch as exc:
        from umm.config.errors import ConfigValueError

        raise ConfigValueError(key, text, "the command line", exc.expected) from None


def set_key(doc: RcDocument, key: str, text: str, ex: Expander) -> None:
    doc.set_value(key, value_for_file(key, text, ex))


def add_to_sequence(doc: RcDocument, key: str, values: Sequence[str], ex: Expander,
                    prepend: bool = False) -> None:
    """``config append``/``prepend``: existing copies of the values move to the new end."""
    k, sub = _rc_key(key)
    if k.kind != "sequence" or sub:
        raise NotASequenceKey(key, "prepend" if prepend else "append")
    new: List[Any] = []
    for v in values:
        for item in value_for_file(key, v, ex):
            if item not in new:
                new.append(item)
    current = doc.get(key, [])
    if current is None:
        current = []
    if not isinstance(current, list):
        line = doc.blocks[key].start + 1
        raise ConfigFileError(doc.path, f"expected a list, got {current!r}", line=line, key=key)
    kept = [v for v in current if v not in new]
    doc.set_value(key, new + kept if prepend else kept + new)


def remove_from_sequence(doc: RcDocument, key: str, value: str, ex: Expander) -> bool:
    """``config remove``: drop every copy of ``value``; the key goes when the list is empty.
    False when the value is not in the file."""
    k, sub = _rc_key(key)
    if k.kind != "sequence" or sub:
        raise NotASequenceKey(key, "remove a value")
    current = doc.get(key)
    if not isinstance(current, list):
        return False
    targets = value_for_file(key, value, ex)
    kept = [v for v in current if v not in targets]
    if len(kept) == len(current):
        return False
    if kept:
        doc.set_value(key, kept)
    else:
        doc.remove_key(key)
    return True


def remove_key(doc: RcDocument, key: str) -> bool:
    """``config remove-key``: any key present in the file can go, known or not."""
    return doc.remove_key(key)
