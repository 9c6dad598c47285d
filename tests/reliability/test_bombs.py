"""Archive bombs through the package cache: refused by the expansion-ratio limit before
the bytes are written, leaving nothing under a final name and no scratch behind."""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import List

import pytest

from tests.package.archives import Member
from tests.reliability.checks import cache_leftovers, cache_problems
from tests.reliability.hostile import evil_package, reg
from tests.support.server import ChannelServer
from umm.net import HttpClient, NetworkOptions
from umm.package.cache import PackageCache
from umm.package.errors import UnsafeArchive
from umm.package.extract import ExtractLimits

LIMITS = ExtractLimits(max_ratio=100, ratio_floor=1 << 20)  # small, so bombs stay cheap

BOMBS = {
    # one member of 48 MiB of zeros (zstd makes it a few kB)
    "one-big": [reg("share/zeros", b"\0" * (48 << 20))],
    # many members, each harmless, together far past the ratio
    "many-small": [reg(f"share/z{i}", b"\0" * (256 << 10)) for i in range(96)],
}


@pytest.mark.parametrize("case", list(BOMBS))
def test_bomb_is_refused_by_the_cache(tmp_path: Path, case: str, tally) -> None:
    members: List[Member] = BOMBS[case]
    srv_root = tmp_path / "srv"
    path = evil_package(srv_root / "noarch", f"bomb-{case}", pkg=members)
    data = path.read_bytes()
    assert len(data) * LIMITS.max_ratio < sum(len(d) for _, d in members)  # a real bomb
    record = {"name": f"bomb-{case}", "version": "1.0", "build": "0", "fn": path.name,
              "url": "", "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    pkgs = tmp_path / "pkgs"
    with ChannelServer(srv_root) as srv, \
            HttpClient(NetworkOptions(max_retries=0, use_env_proxies=False)) as client:
        record["url"] = f"{srv.url}/noarch/{path.name}"
        cache = PackageCache([pkgs], limits=LIMITS)
        with pytest.raises(UnsafeArchive, match="bomb"):
            cache.ensure([record], client=client)
    tally("hostile inputs", 1)
    dist = pkgs / path.name[: -len(".conda")]
    assert not dist.exists()
    assert cache_leftovers(pkgs) == []
    assert cache_problems(pkgs, {path.name: record["sha256"]}) == []
    # what was written before the refusal is gone too: at most the verified archive stays
    assert sorted(p.name for p in pkgs.iterdir() if not p.name.endswith(".lock")) in (
        [".umm_trash", path.name, "urls.txt"], [path.name, "urls.txt"])
