"""Rendering the configuration as YAML or JSON text (``config list``, ``config describe``,
``--print-config-only``). Returns strings; printing is the CLI's business.

With sources, each value carries a trailing ``# 'source'`` comment like
micromamba (``'CLI' > '~/.condarc'`` when several sources set a scalar).
"""
from __future__ import annotations

import json
import textwrap
from typing import Any, Dict, List, Optional, Sequence

from umm.config import keys as K
from umm.config.model import Config


class ListOptions:
    """What ``config list`` shows."""

    __slots__ = ("sources", "descriptions", "long_descriptions", "groups", "all_rc", "all_keys",
                 "values")

    def __init__(self, sources: bool = False, descriptions: bool = False,
                 long_descriptions: bool = False, groups: bool = False, all_rc: bool = False,
                 all_keys: bool = False, values: bool = True) -> None:
        self.sources = sources
        self.descriptions = descriptions
        self.long_descriptions = long_descriptions
        self.groups = groups
        self.all_rc = all_rc
        self.all_keys = all_keys
        self.values = values


def scalar_text(value: Any) -> str:
    """One YAML scalar, quoted only when needed."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    import yaml

    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10_000)
    text = text.strip()
    if text.endswith("\n..."):
        text = text[:-4].strip()
    if text.endswith("..."):
        text = text[:-3].strip()
    return text


def _comment(source: Any) -> str:
    if isinstance(source, (list, tuple)):
        return "  # " + " > ".join(f"'{s}'" for s in source)
    return f"  # '{source}'"


def _render_value(lines: List[str], head: str, value: Any, origin: Any, indent: int,
                  show_sources: bool) -> None:
    pad = " " * indent
    if isinstance(value, list):
        if not value:
            lines.append(f"{pad}{head} []" + (_comment("default") if show_sources else ""))
            return
        lines.append(f"{pad}{head}")
        for i, item in enumerate(value):
            src = origin[i] if isinstance(origin, tuple) and len(origin) == len(value) else origin
            lines.append(f"{pad}  - {scalar_text(item)}" + (_comment(src) if show_sources else ""))
        return
    if isinstance(value, dict):
        if not value:
            lines.append(f"{pad}{head} {{}}" + (_comment("default") if show_sources else ""))
            return
        lines.append(f"{pad}{head}")
        for k, v in value.items():
            src = origin.get(k, "default") if isinstance(origin, dict) else origin
            _render_value(lines, f"{scalar_text(k)}:", v, src, indent + 2, show_sources)
        return
    lines.append(f"{pad}{head} {scalar_text(value)}" + (_comment(origin) if show_sources else ""))


def _describe_lines(key: K.Key, long: bool, details: bool = False) -> List[str]:
    text = key.long_description if long else key.description
    out = [f"# {key.name}"]
    for para in text.split("\n"):
        wrapped = textwrap.wrap(para, 76) or [""]
        out.extend(f"#   {w}".rstrip() for w in wrapped)
    if details:
        env = ", ".join(key.env_vars) if key.env_vars else "none"
        default = key._default
        dtext = "computed" if callable(default) else scalar_text(default) \
            if not isinstance(default, (list, dict)) else json.dumps(default)
        out.append(f"#   type: {key.type.expected}; default: {dtext}")
        out.append(f"#   env: {env}; rc files: {'yes' if key.rc else 'no'}")
    return out


def group_banner(group: str) -> List[str]:
    title = f"{group} Configuration"
    return ["#" * 54, "#" + title.center(52) + "#", "#" * 54]


def selected_keys(cfg: Optional[Config], names: Sequence[str], opts: ListOptions) -> List[K.Key]:
    if names:
        wanted = [K.get(n) for n in names]
        return [k for k in K.iter_keys() if k in wanted]
    out = []
    for k in K.iter_keys():
        if opts.all_keys or (k.rc and (opts.all_rc or (cfg is not None and cfg.is_set(k.name)))):
            out.append(k)
    return out


def render_yaml(cfg: Optional[Config], names: Sequence[str], opts: ListOptions) -> str:
    """``config list`` / ``config describe`` output as YAML text (no trailing newline)."""
    lines: List[str] = []
    show_desc = opts.descriptions or opts.long_descriptions
    group = None
    first = True
    for key in selected_keys(cfg, names, opts):
        if opts.groups and key.group != group:
            if lines:
                lines.append("")
            lines.extend(group_banner(key.group))
            group = key.group
            if show_desc:
                lines.append("")
        if show_desc:
            if not first and not (opts.groups and lines and lines[-1] == ""):
                lines.append("")
            lines.extend(_describe_lines(key, opts.long_descriptions, details=not opts.values))
        if opts.values and cfg is not None:
            s = cfg.setting(key.name)
            _render_value(lines, f"{key.name}:", s.value, s.origin, 0, opts.sources)
        first = False
    return "\n".join(lines)


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    return value


def render_json(cfg: Optional[Config], names: Sequence[str], opts: ListOptions) -> str:
    root: Dict[str, Any] = {}
    show_desc = opts.descriptions or opts.long_descriptions
    for key in selected_keys(cfg, names, opts):
        node: Dict[str, Any] = root
        if opts.groups:
            node = root.setdefault(f"{key.group} Configuration", {})
        if show_desc or opts.sources or not opts.values:
            item: Dict[str, Any] = {}
            if opts.long_descriptions:
                item["long_description"] = key.long_description
            elif show_desc or not opts.values:
                item["description"] = key.description
            if cfg is not None and opts.values:
                s = cfg.setting(key.name)
                item["value"] = s.value
                if opts.sources:
                    item["source"] = _plain(s.origin) if not isinstance(s.origin, dict) \
                        else s.origin
            node[key.name] = item
        elif cfg is not None:
            node[key.name] = cfg.get(key.name)
    return json.dumps(root, indent=4)


def render_all(cfg: Config) -> str:
    """Every key with its sources (``--print-config-only``)."""
    return render_yaml(cfg, [], ListOptions(sources=True, all_keys=True))
