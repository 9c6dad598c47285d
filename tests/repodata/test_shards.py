"""Sharded repodata (CEP-16) against the local server."""
from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Dict, Set

import pytest

from tests.repodata.conftest import REPO_ROOT, fast_client, load, names_of, write_basic_channel
from tests.support.server import ChannelServer
from umm.repodata import InvalidRepodata, load_closure
from umm.repodata.msgpack import packb, unpackb
from umm.repodata.shards import ShardIndex, parse_shard


def _shard_module():
    spec = importlib.util.spec_from_file_location(
        "shard_repodata", REPO_ROOT / "scripts" / "shard_repodata.py")
    mod = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    return mod


def shard_channel(root: Path, **kw: object) -> None:
    mod = _shard_module()
    for sub in ("linux-64", "noarch"):
        mod.shard_subdir(root / sub / "repodata.json", root, sub, kw.get("base_url", ""),
                         "./shards/", kw.get("hash_of", "compressed"))


@pytest.fixture
def sharded(channel_server: ChannelServer) -> ChannelServer:
    write_basic_channel(channel_server.root)
    shard_channel(channel_server.root)
    return channel_server


def shard_requests(srv: ChannelServer, subdir: str = "*") -> int:
    return srv.count(f"/{subdir}/shards/*.msgpack.zst")


def test_only_needed_shards_are_fetched(sharded: ChannelServer, tmp_path: Path) -> None:
    (src,), rep = load([sharded.url], tmp_path / "pkgs", use_sharded_repodata=True)
    assert sharded.count("*/repodata.json*") == 0
    assert sharded.count("/linux-64/repodata_shards.msgpack.zst") == 1
    assert shard_requests(sharded) == 0
    assert names_of(src.records("numpy")) == ["numpy-1.26.0-py311h0_0", "numpy-1.26.0-py312h0_0"]
    assert shard_requests(sharded, "linux-64") == 1 and shard_requests(sharded, "noarch") == 0
    seen = load_closure([src], ["requests"])
    assert seen == {"requests", "python", "urllib3", "libzlib", "tzdata", "pip"}
    # one shard per (name, subdir that has it): requests urllib3 tzdata | python libzlib numpy
    assert shard_requests(sharded, "noarch") == 3
    assert shard_requests(sharded, "linux-64") == 3
    recs = src.records("requests")
    assert recs[0].url == f"{sharded.url}/noarch/requests-2.31.0-pyhd8ed1ab_0.conda"
    assert re.fullmatch("[0-9a-f]{64}", recs[0].sha256) and re.fullmatch("[0-9a-f]{32}",
                                                                          recs[0].md5)
    assert "pip" in src.records("python")[0].depends


def test_shards_are_cached_by_hash(sharded: ChannelServer, tmp_path: Path) -> None:
    sharded.set_header("*/repodata_shards.msgpack.zst", "Cache-Control", "max-age=60")
    pkgs = tmp_path / "pkgs"
    (src,), _ = load([sharded.url], pkgs, use_sharded_repodata=True)
    load_closure([src], ["numpy"])
    n = shard_requests(sharded)
    assert n == 4  # numpy python libzlib tzdata
    cached = sorted(p.name for p in (pkgs / "cache" / "shards").iterdir())
    assert len(cached) == 4
    sharded.reset_log()
    (src,), _ = load([sharded.url], pkgs, use_sharded_repodata=True)
    load_closure([src], ["numpy"])
    assert sharded.count() == 0  # fresh index, immutable shards
    sharded.reset_log()
    (src,), _ = load([sharded.url], pkgs, use_sharded_repodata=True, local_repodata_ttl=0)
    assert sharded.count("/linux-64/repodata_shards.msgpack.zst", status=304) == 1
    load_closure([src], ["numpy"])
    assert shard_requests(sharded) == 0


def test_fallback_to_repodata_json_and_remembered(basic_server: ChannelServer,
                                                  tmp_path: Path) -> None:
    pkgs = tmp_path / "pkgs"
    (src,), _ = load([basic_server.url], pkgs, use_sharded_repodata=True)
    assert basic_server.count("/linux-64/repodata_shards.msgpack.zst", status=404) == 1
    assert basic_server.count("/linux-64/repodata.json") == 1
    assert len(src.records("numpy")) == 2
    basic_server.reset_log()
    load([basic_server.url], pkgs, use_sharded_repodata=True)
    assert basic_server.count("*/repodata_shards.msgpack.zst") == 0


def test_corrupt_shard_is_refetched_then_an_error(sharded: ChannelServer, tmp_path: Path) -> None:
    sharded.fault("/linux-64/shards/*", "corrupt", times=1)
    (src,), _ = load([sharded.url], tmp_path / "pkgs", use_sharded_repodata=True)
    assert len(src.records("numpy")) == 2
    assert shard_requests(sharded, "linux-64") == 2
    sharded.fault("/linux-64/shards/*", "corrupt")
    (src,), _ = load([sharded.url], tmp_path / "pkgs2", use_sharded_repodata=True)
    with pytest.raises(InvalidRepodata) as ei:
        src.records("python")
    assert "sha256" in str(ei.value) and sharded.url in str(ei.value)
    assert not list((tmp_path / "pkgs2" / "cache" / "shards").glob("*")) if \
        (tmp_path / "pkgs2" / "cache" / "shards").exists() else True


def test_offline_uses_cached_shards(sharded: ChannelServer, tmp_path: Path) -> None:
    pkgs = tmp_path / "pkgs"
    (src,), _ = load([sharded.url], pkgs, use_sharded_repodata=True)
    src.records("numpy")
    sharded.reset_log()
    (src,), rep = load([sharded.url], pkgs, use_sharded_repodata=True, offline=True)
    assert len(src.records("numpy")) == 2 and src.records("requests") == ()
    assert sharded.count() == 0
    assert any("shard of requests" in w for w in rep.texts("warning"))


def test_content_hashed_shards_and_base_url(channel_server: ChannelServer,
                                            tmp_path: Path) -> None:
    write_basic_channel(channel_server.root)
    shard_channel(channel_server.root, hash_of="content", base_url="https://cdn.example/pkgs/")
    (src,), _ = load([channel_server.url], tmp_path / "pkgs", use_sharded_repodata=True)
    assert src.records("numpy")[0].url.startswith("https://cdn.example/pkgs/numpy-1.26.0-")


def test_parse_errors(tmp_path: Path) -> None:
    import zstandard

    z = zstandard.ZstdCompressor().compress
    with pytest.raises(InvalidRepodata):
        ShardIndex.parse(b"not zstd", "u", "u")
    with pytest.raises(InvalidRepodata):
        ShardIndex.parse(z(b"\xc1"), "u", "u")
    with pytest.raises(InvalidRepodata):
        ShardIndex.parse(z(packb({"info": {}})), "u", "u")
    idx = ShardIndex.parse(z(packb({"info": {}, "shards": {"a": b"\x01" * 32, "bad": b"x",
                                                           "c": "AB" * 32}})),
                           "https://h/c/linux-64/repodata_shards.msgpack.zst",
                           "https://h/t/tok/c/linux-64/repodata_shards.msgpack.zst")
    assert idx.shards == {"a": "01" * 32, "c": "ab" * 32}
    assert idx.shards_url == "https://h/c/linux-64/shards/"
    assert idx.shards_request_url == "https://h/t/tok/c/linux-64/shards/"
    data = z(packb({"packages": {"a-1-0.tar.bz2": {"name": "a", "md5": b"\x00" * 16}},
                    "packages.conda": None}))
    digest = hashlib.sha256(data).hexdigest()
    tb, cd = parse_shard(data, "u", digest)
    assert tb == {"a-1-0.tar.bz2": {"name": "a", "md5": "00" * 16}} and cd == {}
    with pytest.raises(InvalidRepodata):
        parse_shard(data, "u", "0" * 64)


def closure_from_json(root: Path, roots: Set[str]) -> Dict[str, Set[str]]:
    """Names reachable from ``roots``, per subdir that has them (computed independently)."""
    by_sub: Dict[str, Dict[str, list]] = {}
    for sub in ("linux-64", "noarch"):
        doc = json.loads((root / sub / "repodata.json").read_bytes())
        names: Dict[str, list] = {}
        for sec in ("packages", "packages.conda"):
            for rec in doc[sec].values():
                names.setdefault(rec["name"], []).append(rec)
        by_sub[sub] = names
    seen: Set[str] = set()
    todo = list(roots)
    while todo:
        n = todo.pop()
        if n in seen:
            continue
        seen.add(n)
        for names in by_sub.values():
            for rec in names.get(n, ()):
                for dep in rec.get("depends", ()):
                    todo.append(re.match(r"[^\s<>=!~]+", dep).group(0))  # type: ignore
    return {sub: {n for n in seen if n in names} for sub, names in by_sub.items()}


@pytest.fixture(scope="session")
def medium_sharded(tmp_path_factory: pytest.TempPathFactory, shared_bench: Path) -> Path:
    root = tmp_path_factory.mktemp("medium")
    subprocess.run([sys.executable, str(shared_bench / "make_repodata.py"), str(root),
                    "--scale", "medium"], check=True, capture_output=True)
    shard_channel(root)
    return root


@pytest.mark.slow
def test_medium_request_of_40_names_fetches_only_their_shards(
        medium_sharded: Path, make_channel_server, tmp_path: Path) -> None:
    srv = make_channel_server(medium_sharded)
    expected = closure_from_json(medium_sharded, {"libholgon"})
    touched = expected["linux-64"] | expected["noarch"]
    assert len(touched) == 40, f"the medium channel changed: {len(touched)} names"
    (src,), _ = load([srv.url], tmp_path / "pkgs", client=fast_client(),
                     use_sharded_repodata=True, add_pip_as_python_dependency=False)
    seen = load_closure([src], ["libholgon"])
    assert touched <= seen
    assert not (seen - touched) & src.names()  # the rest are names the channel lacks
    for sub in ("linux-64", "noarch"):
        fetched = {r.path.rsplit("/", 1)[1][:-12] for r in srv.requests(f"/{sub}/shards/*")}
        idx = unpackb(__import__("zstandard").ZstdDecompressor().decompress(
            (medium_sharded / sub / "repodata_shards.msgpack.zst").read_bytes()))
        wanted = {idx["shards"][n].hex() for n in expected[sub]}
        assert fetched == wanted, sub
        assert len(srv.requests(f"/{sub}/shards/*")) == len(expected[sub])
    total = sum(1 for _ in medium_sharded.glob("*/shards/*.msgpack.zst"))
    assert srv.count("*/shards/*") == 40 < total / 100
    assert srv.count("*/repodata.json*") == 0
    assert len(src.records("libholgon")) > 0
