"""`umm install --revision N`: put an environment back as it was after revision N.

The package set of revision N comes from replaying ``conda-meta/history`` (its
``+``/``-`` lines, as ``umm list --revisions`` shows them). Each package of that
set is taken, in this order, from the environment (still installed, unchanged),
from the package cache (``<pkgs_dir>/<name-version-build>/info/repodata_record.json``,
so a rollback works offline), or from the channels; the transaction from what is
installed to that set is then shown, confirmed and run like any other. No solve is
needed: the set was a consistent environment when it was recorded.
"""
from __future__ import annotations

import json
import os
from typing import Any, Dict, List, Optional, Sequence, Tuple

from umm.errors import UmmError


class RevisionNotFound(UmmError):
    def __init__(self, revision: int, count: int, prefix: str) -> None:
        known = f"0 to {count - 1}" if count else "none: the history is empty"
        super().__init__(f"revision {revision} not found in {prefix}/conda-meta/history "
                         f"(revisions: {known}; see `umm list --revisions`)")
        self.revision = revision
        self.count = count
        self.prefix = prefix


class RevisionPackagesUnavailable(UmmError):
    def __init__(self, revision: int, dists: Sequence[str]) -> None:
        shown = ", ".join(dists[:5]) + (f" (and {len(dists) - 5} more)" if len(dists) > 5 else "")
        super().__init__(f"cannot restore revision {revision}: not in the package cache nor "
                         f"in the channels: {shown}")
        self.revision = revision
        self.dists = list(dists)


def target_dists(prefix: str, revision: int
                 ) -> Tuple[List[Tuple[str, str, str, str]], Dict[str, str]]:
    """``(channel, name, version, build)`` of every package of ``revision``, and the
    specs requested up to it (name -> spec)."""
    from umm.install.history import packages_at, read_history, requested_at, split_dist

    revs = read_history(prefix)
    if revision < 0 or revision >= len(revs):
        raise RevisionNotFound(revision, len(revs), prefix)
    out = []
    for dist in packages_at(revs, revision):
        parts = split_dist(dist)
        if parts is not None:
            out.append(parts)
    return out, requested_at(revs, revision)


def _from_cache(pkgs_dirs: Sequence[str], name: str, version: str, build: str) -> Optional[Any]:
    from umm.specs import RepoDataRecord

    for d in pkgs_dirs:
        path = os.path.join(d, f"{name}-{version}-{build}", "info", "repodata_record.json")
        try:
            with open(path, "rb") as fh:
                doc = json.loads(fh.read().decode("utf-8"))
            rec = RepoDataRecord.from_json(doc)
        except (OSError, ValueError, UnicodeError, UmmError):
            continue
        if (rec.name, rec.version, rec.build) == (name, version, build):
            return rec
    return None


def _channel_matches(rec: Any, channel: str) -> bool:
    if not channel:
        return True
    have = (getattr(rec, "channel", None) or "").rstrip("/")
    want = channel.rstrip("/")
    return have == want or have.endswith("/" + want) or want.endswith("/" + have)


def records_for(cfg: Any, wanted: Sequence[Tuple[str, str, str, str]],
                installed: Dict[str, Any], sources_factory: Any, revision: int) -> List[Any]:
    """The records making up the wanted package set (see the module docstring)."""
    out: List[Any] = []
    missing: List[Tuple[str, str, str, str]] = []
    pkgs_dirs = list(cfg.get("pkgs_dirs") or [])
    for channel, name, version, build in wanted:
        rec = installed.get(name)
        if rec is not None and (rec.version, rec.build) == (version, build):
            out.append(rec)
            continue
        rec = _from_cache(pkgs_dirs, name, version, build)
        if rec is not None:
            out.append(rec)
        else:
            missing.append((channel, name, version, build))
    if missing:
        sources = sources_factory()
        still: List[str] = []
        for channel, name, version, build in missing:
            found = [r for src in sources for r in src.records(name)
                     if r.version == version and r.build == build]
            best = [r for r in found if _channel_matches(r, channel)] or found
            if best:
                out.append(best[0])
            else:
                still.append(f"{channel}::{name}-{version}-{build}" if channel
                             else f"{name}-{version}-{build}")
        if still:
            raise RevisionPackagesUnavailable(revision, still)
    return out


def restore(args: Any, cfg: Any, prefix: str, job: Any) -> int:
    """Run ``install --revision``: the transaction back to the revision's package set."""
    from umm.cli import _install as ix

    revision = int(args.revision)
    wanted, requested = target_dists(prefix, revision)
    job.banner()
    installed = ix.installed_records(prefix)
    client = ix.http_client(cfg)  # no connection yet: the channels are read only if needed
    final = records_for(cfg, wanted, installed,
                        lambda: ix.sources_for(cfg, client, job.reporter), revision)
    tx = ix.plan(installed.values(), final)
    # packages linked again get the requested_spec they had at that revision
    relinked = {r.name for r in tx.to_link}
    specs = [spec for name, spec in sorted(requested.items()) if name in relinked]
    return job.run(tx, _parsable(specs), spec_label="Restoring revision "
                   f"{revision}; requested specs", client=client)


def _parsable(specs: Sequence[str]) -> List[str]:
    from umm.specs import MatchSpec

    out = []
    for s in specs:
        try:
            MatchSpec.parse(s)
        except ValueError:
            continue
        out.append(s)
    return out
