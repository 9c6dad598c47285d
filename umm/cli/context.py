"""The glue every command uses to get its configuration from parsed arguments.

``load_config(args)`` collects the configuration keys given on the command line
(``umm.cli.common.CONFIG_DESTS`` plus ``-p``/``-n``), loads the configuration and
handles ``--print-config-only``/``--print-context-only``. Warnings raised while
loading (unknown rc keys ...) go to the given reporter, or are written to stderr
once the log level is known.
"""
from __future__ import annotations

import os
import sys
from typing import Any, Dict, Mapping, Optional, Sequence

# test hook: the system rc directories (default /etc/conda, /var/lib/conda), os.pathsep-separated
SYSTEM_DIRS_VAR = "UMM_SYSTEM_CONFIG_DIRS"

_PREFIX_DESTS = ("target_prefix", "env_name")
_LEVELS = {"trace": 0, "debug": 1, "info": 2, "warning": 3, "error": 4, "critical": 5, "off": 6}


def cli_values(args: Any) -> Dict[str, Any]:
    """Configuration keys given on the command line (non-None argparse dests)."""
    from umm.cli.common import CONFIG_DESTS

    out: Dict[str, Any] = {}
    for dest in tuple(CONFIG_DESTS) + _PREFIX_DESTS:
        value = getattr(args, dest, None)
        if value is not None:
            out[dest] = value
    if getattr(args, "debug", False):
        out["debug"] = True
    return out


def system_dirs(environ: Optional[Mapping[str, str]] = None) -> Sequence[str]:
    from umm.config.sources import default_system_dirs

    env = os.environ if environ is None else environ
    value = env.get(SYSTEM_DIRS_VAR)
    if value is None:
        return default_system_dirs()
    return tuple(p for p in value.split(os.pathsep) if p)


def load_config(args: Any, *, api: Optional[Mapping[str, Any]] = None,
                fallbacks: Optional[Sequence[str]] = None, reporter: Any = None) -> Any:
    """The :class:`umm.config.Config` for this command line."""
    from umm.config.loader import load
    from umm.config.prefix import ALL_FALLBACKS
    from umm.reporter import RecordingReporter

    rec = RecordingReporter() if reporter is None else None
    cfg = load(cli_values(args), api, system_dirs=system_dirs(),
               fallbacks=ALL_FALLBACKS if fallbacks is None else fallbacks,
               reporter=reporter if reporter is not None else rec)
    if rec is not None:
        emit_messages(rec.messages, cfg.get("log_level"))
    if cfg.get("print_config_only"):
        from umm.config.dump import render_all

        from umm.net.masking import mask_text

        sys.stdout.write(mask_text(render_all(cfg)) + "\n")
        raise SystemExit(0)
    if cfg.get("print_context_only"):
        from umm.net.masking import mask_text

        sys.stdout.write(mask_text(context_json(cfg)) + "\n")
        raise SystemExit(0)
    return cfg


def emit_messages(messages: Sequence[Any], log_level: str) -> None:
    """Write recorded ``(level, text)`` messages at or above ``log_level`` to stderr."""
    threshold = _LEVELS.get(log_level, 3)
    for level, text in messages:
        if _LEVELS.get(level, 2) >= threshold:
            sys.stderr.write(f"{level}: {text}\n")


def context_json(cfg: Any) -> str:
    """The parameter objects every layer receives, as JSON (``--print-context-only``)."""
    import dataclasses
    import json

    from umm.config import params

    doc = {
        "prefixes": params.prefixes(cfg), "link": params.link_options(cfg),
        "solver": params.solver_options(cfg), "output": params.output_options(cfg),
        "shell": params.shell_options(cfg),
    }
    out = {k: dataclasses.asdict(v) for k, v in doc.items()}
    out["channels"] = cfg.get("channels")
    out["network"] = {k: cfg.get(k) for k in (
        "ssl_verify", "cacert_path", "client_ssl_cert", "client_ssl_cert_key", "proxy_servers",
        "remote_connect_timeout_secs", "remote_read_timeout_secs", "remote_max_retries",
        "remote_backoff_factor", "offline", "download_threads")}
    out["network"]["user_agent"] = params.user_agent()
    out["rc_files"] = cfg.rc_paths
    return json.dumps(out, indent=4, default=str)
