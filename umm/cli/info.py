"""`umm info`: versions, platform, virtual packages, prefixes, channels, config files.

``--json`` uses micromamba's key names ("libmamba version", "envs directories",
"package cache", "environment", "env location", "user config files",
"populated config files", "virtual packages", "channels", "base environment",
"platform", ...) plus umm's own ("umm version", "user agent", "python version").
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
from typing import Any, List, Tuple

# the libmamba release whose behaviour umm follows (reported as "libmamba version")
LIBMAMBA_COMPAT_VERSION = "2.0.5"

LICENSES: Tuple[Tuple[str, str], ...] = (
    ("umm", "BSD-3-Clause license, Copyright the umm contributors."),
    ("python", "PSF License Version 2, Copyright (c) 2001 Python Software Foundation."),
    ("urllib3", "MIT license, Copyright (c) 2008-2020 Andrey Petrov and contributors."),
    ("zstandard", "BSD-3-Clause license, Copyright (c) 2016, Gregory Szorc. "
                  "Bundles zstd: BSD license, Copyright (c) Meta Platforms, Inc. and affiliates."),
    ("pyyaml", "MIT license, Copyright (c) 2017-2021 Ingy döt Net, "
               "Copyright (c) 2006-2016 Kirill Simonov."),
    ("certifi", "MPL-2.0 license, Copyright (c) Kenneth Reitz; contains Mozilla's CA bundle."),
)


def configure(p: argparse.ArgumentParser) -> None:
    from umm.cli import common

    common.add_prefix_options(p)
    p.add_argument("--licenses", action="store_true", help="print licenses")
    p.add_argument("--base", action="store_true", help="display base environment path")
    p.add_argument("-e", "--envs", action="store_true", help="list known environments")


_VERSION_RE_TEXT = r"^__version__\s*(?::\s*str\s*)?=\s*(?:\w+\s*=\s*)*[\"']([^\"']+)[\"']"


def _dist_version(name: str) -> str:
    """A dependency's version, without importing it when its sources are on disk
    (importing urllib3 alone costs ~0.1 s)."""
    from importlib.util import find_spec

    try:
        spec = find_spec(name)
    except (ImportError, ValueError):
        spec = None
    if spec is not None and spec.origin and os.path.isfile(spec.origin):
        here = os.path.dirname(spec.origin)
        for fname in ("_version.py", "__init__.py"):
            try:
                with open(os.path.join(here, fname), encoding="utf-8") as fh:
                    m = re.search(_VERSION_RE_TEXT, fh.read(), re.M)
            except OSError:
                continue
            if m:
                return m.group(1)
    try:
        from importlib.metadata import version as dist_version

        return dist_version(name)
    except Exception:
        pass
    try:
        return str(getattr(__import__(name), "__version__", "unknown"))
    except Exception:
        return "unknown"


def _write(text: str) -> None:
    sys.stdout.write(text + "\n")


def run(args: argparse.Namespace) -> int:
    if getattr(args, "licenses", False):
        _write("\n\n".join(f"{name}\n{'-' * len(name)}\n{text}" for name, text in LICENSES))
        return 0
    from umm.cli.context import load_config

    cfg = load_config(args)
    as_json = bool(cfg.get("json"))
    if getattr(args, "base", False):
        item = [("base environment", cfg.get("root_prefix"))]
        _emit(item, as_json)
        return 0
    if getattr(args, "envs", False):
        from umm.cli.env import print_env_list

        print_env_list(cfg, as_json)
        return 0
    _emit(info_items(cfg), as_json)
    return 0


def environment_label(cfg: Any) -> Tuple[str, str]:
    """micromamba's "environment" and "env location" values."""
    from umm.config.prefix import env_name, is_conda_prefix

    target = cfg.get("target_prefix")
    root = cfg.get("root_prefix")
    if not target:
        return "None", "-"
    name = env_name(target, root, cfg.get("envs_dirs")) or target
    active = cfg.environ.get("CONDA_PREFIX")
    if active and os.path.normpath(active) == os.path.normpath(target):
        name += " (active)"
    elif os.path.exists(target):
        if not (is_conda_prefix(target) or os.path.normpath(target) == os.path.normpath(root)):
            name += " (not env)"
    else:
        name += " (not found)"
    return name, target


def info_items(cfg: Any) -> List[Tuple[str, Any]]:
    from umm import __version__
    from umm.config import virtual_packages
    from umm.config.channels import channel_urls
    from umm.config.params import user_agent

    name, location = environment_label(cfg)
    archive = f"tarfile (Python {_python_version()}), zstandard {_dist_version('zstandard')}"
    return [
        ("libmamba version", LIBMAMBA_COMPAT_VERSION),
        ("umm version", __version__),
        ("curl version", f"urllib3 {_dist_version('urllib3')}"),
        ("libarchive version", archive),
        ("envs directories", list(cfg.get("envs_dirs"))),
        ("package cache", list(cfg.get("pkgs_dirs"))),
        ("environment", name),
        ("env location", location),
        ("user config files", [os.path.join(cfg.home, ".mambarc")]),
        ("populated config files", cfg.rc_paths),
        ("virtual packages", [str(p) for p in virtual_packages(cfg)]),
        ("channels", channel_urls(cfg)),
        ("base environment", cfg.get("root_prefix")),
        ("platform", cfg.get("platform")),
        ("user agent", user_agent()),
        ("python version", _python_version()),
    ]


def _python_version() -> str:
    return ".".join(str(x) for x in sys.version_info[:3])


def _emit(items: List[Tuple[str, Any]], as_json: bool) -> None:
    if as_json:
        _write(json.dumps(dict(items), indent=4, sort_keys=True))
        return
    width = max(len(k) for k, _ in items) + 1
    lines = [""]
    for key, value in items:
        values = value if isinstance(value, list) else [value]
        head = f"{key:>{width}} : "
        if not values:
            lines.append(head.rstrip())
            continue
        lines.append(head + str(values[0]))
        lines.extend(" " * (width + 3) + str(v) for v in values[1:])
    _write("\n".join(lines))
