"""`umm self-update`: replace the running umm binary with another release.

Like ``micromamba self-update``: without ``--version`` the newest release (the
``LATEST`` file of the release directory) is installed when it is newer than
the running umm; ``--version V`` installs exactly V (a downgrade too). The
release directory is ``--base-url``, else the ``self_update_url`` setting
(rc files, ``MAMBA_SELF_UPDATE_URL`` or ``UMM_BASE_URL`` as ``install.sh``
reads it), else the official releases. The archive is downloaded with the
configured network settings, checked against its ``.sha256``, its ``bin/umm``
must run and print the new version, and only then replaces the running file
(atomically). Afterwards the new umm refreshes the shells that
``umm shell init`` set up (``shell reinit``), as micromamba does.

umm running from Python (``python -m umm``, a pip console script) refuses:
pip updates those.
"""
from __future__ import annotations

import argparse
import sys
from typing import Any, Dict, List


def configure(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("self-update options")
    g.add_argument("--version", dest="self_update_version", default=None, metavar="VERSION",
                   help="install this version (default: the latest release, if newer)")
    g.add_argument("--base-url", dest="self_update_url", default=None, metavar="URL",
                   help="release directory holding LATEST and the umm-<version>-<platform>."
                   "tar.bz2 archives (default: the self_update_url setting)")


class _Out:
    """Lines for people on stdout, unless --json or --quiet."""

    def __init__(self, json_mode: bool, quiet: bool) -> None:
        self.json = json_mode
        self.quiet = quiet

    def line(self, text: str = "") -> None:
        if not (self.json or self.quiet):
            sys.stdout.write(text + "\n")
            sys.stdout.flush()


def _doc(plan: Any, dry: bool) -> Dict[str, Any]:
    from umm.net.masking import mask_url

    return {
        "success": True, "dry_run": dry, "updated": False, "up_to_date": plan.up_to_date,
        "current_version": plan.current, "version": plan.target, "pinned": plan.pinned,
        "executable": plan.executable, "platform": plan.source.platform,
        "url": mask_url(plan.archive_url),
    }


def run(args: argparse.Namespace) -> int:
    import json  # noqa: F401  (needed after the swap, see below)

    from umm import __version__
    from umm.cli._install import http_client
    from umm.cli.context import load_config
    from umm.errors import Cancelled
    from umm.net.masking import mask_url
    from umm.package.selfupdate import exe, install, release
    from umm.specs import Platform
    from umm.ui.console import confirm, make_reporter

    cfg = load_config(args, fallbacks=())
    json_mode, quiet = bool(cfg.get("json")), bool(cfg.get("quiet"))
    dry = bool(cfg.get("dry_run"))
    out = _Out(json_mode, quiet)
    target = exe.running_executable()
    source = release.ReleaseSource(cfg.get("self_update_url"), str(Platform.current()))
    with http_client(cfg) as client:
        plan = release.plan_update(client, source, __version__, target,
                                   version=args.self_update_version,
                                   offline=bool(cfg.get("offline")))
        doc = _doc(plan, dry)
        if plan.up_to_date:
            if plan.newer_than_release:
                out.line(f"Your umm version ({plan.current}) is newer than the latest release "
                         f"({plan.target}): nothing to do.")
            else:
                out.line(f"Your umm version ({plan.current}) is already up to date.")
            return _finish(doc, json_mode)
        verb = "Downgrading" if plan.downgrade else "Updating"
        out.line(f"{verb} umm {plan.current} -> {plan.target} ({target})")
        out.line(f"  from {mask_url(plan.archive_url)}")
        if dry:
            if not _writable(target):
                out.line(f"  warning: no permission to write in the folder of {target}")
            out.line("Dry run: nothing was downloaded or changed.")
            return _finish(doc, json_mode)
        if not confirm("Confirm changes", True,
                       always_yes=bool(cfg.get("always_yes")) or json_mode):
            raise Cancelled("self-update cancelled: nothing was changed")
        rep = make_reporter(quiet=quiet, json=json_mode,
                            verbose=int(getattr(args, "verbose", 0) or 0))
        try:
            staged = install.prepare_update(plan, client, reporter=rep)
        finally:
            rep.close()
    # Once the binary is swapped, a PyInstaller onefile umm cannot import anything
    # more (it reads its modules from its executable by path): everything used
    # after the commit is ready before it.
    shells = _initialized_shells()
    with staged:
        result = staged.commit()
    doc.update(updated=True, sha256=result.sha256, size=result.size)
    out.line(f"umm {plan.target} is installed at {target} (was {plan.current}).")
    doc["reinit"] = _reinit(args, cfg, target, out, shells)
    return _finish(doc, json_mode)


def _writable(path: str) -> bool:
    import os

    return os.access(os.path.dirname(path) or ".", os.W_OK | os.X_OK)


def _initialized_shells() -> List[str]:
    import os

    from umm.shell.init import initialized_shells

    return initialized_shells(os.environ.get("HOME") or os.path.expanduser("~"), os.environ)


def _reinit(args: argparse.Namespace, cfg: Any, target: str, out: _Out,
            shells: List[str]) -> List[str]:
    """Let the new umm refresh the shell init blocks (only where there are some).

    Runs after the swap: uses only modules imported before it (see ``run``)."""
    import subprocess

    from umm.package.selfupdate.install import child_environ, reinit_command

    if not shells:
        return []
    out.line(f"Reinitializing all previously initialized shells ({', '.join(shells)})")
    root = cfg.get("root_prefix")
    extra: List[str] = ["--root-prefix", str(root)] if root else []
    for rc in getattr(args, "rc_files", None) or ():
        extra += ["--rc-file", rc]
    if getattr(args, "no_rc", None):
        extra.append("--no-rc")
    try:
        proc = subprocess.run(reinit_command(target, extra), stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, env=child_environ(), timeout=120)
    except (OSError, subprocess.TimeoutExpired) as exc:
        sys.stderr.write(f"warning: `umm shell reinit` failed: {exc}; run it yourself\n")
        return []
    for text in proc.stdout.splitlines():
        out.line("  " + text)
    if proc.returncode != 0:
        err = " ".join(proc.stderr.split())[:200]
        sys.stderr.write(f"warning: `umm shell reinit` exited with {proc.returncode}"
                         f"{': ' + err if err else ''}; run it yourself\n")
        return []
    return shells


def _finish(doc: Dict[str, Any], json_mode: bool) -> int:
    if json_mode:
        import json

        sys.stdout.write(json.dumps(doc, indent=2, sort_keys=True) + "\n")
    return 0
