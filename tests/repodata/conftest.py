from __future__ import annotations

from pathlib import Path
from typing import Any, List, Sequence, Tuple

import pytest

from tests.support.fixtures import channel_server, make_channel_server  # noqa: F401
from tests.support.server import ChannelServer, record, repodata, write_repodata
from umm.net import HttpClient, NetworkOptions
from umm.repodata import RepodataOptions, load_channels
from umm.specs import Channel, ChannelContext
from umm.repodata.source import ChannelSource
from umm.reporter import RecordingReporter

LINUX = [
    record("python", "3.11.0", "h1_0_cpython", depends=["libzlib >=1.2", "tzdata"]),
    record("python", "3.12.1", "h2_0_cpython", depends=["libzlib >=1.2"]),
    record("libzlib", "1.2.13", "h0_0"),
    record("numpy", "1.26.0", "py311h0_0", depends=["python >=3.11,<3.12.0a0", "libzlib"]),
    record("numpy", "1.26.0", "py312h0_0", depends=["python >=3.12,<3.13.0a0", "libzlib"]),
]
NOARCH = [
    record("requests", "2.31.0", "pyhd8ed1ab_0", depends=["python >=3.7", "urllib3 >=1.21"],
           subdir="noarch", noarch="python"),
    record("urllib3", "2.0.7", "pyhd8ed1ab_0", depends=["python >=3.7"], subdir="noarch",
           noarch="python"),
    record("tzdata", "2024a", "h0c530f3_0", subdir="noarch"),
]


def write_basic_channel(root: Path, zst: bool = False, noarch: bool = True) -> Path:
    write_repodata(root, "linux-64", repodata("linux-64", LINUX), zst=zst)
    if noarch:
        write_repodata(root, "noarch", repodata("noarch", NOARCH), zst=zst)
    return root


@pytest.fixture
def basic_server(channel_server: ChannelServer) -> ChannelServer:  # noqa: F811
    write_basic_channel(channel_server.root)
    return channel_server


def fast_client(**opts: Any) -> HttpClient:
    base = dict(max_retries=2, backoff_factor=0, connect_timeout=2, read_timeout=2,
                use_env_proxies=False)
    base.update(opts)
    return HttpClient(NetworkOptions(**base), sleep=lambda s: None)  # type: ignore[arg-type]


def channel(text: str, alias: str = "https://conda.anaconda.org") -> Channel:
    """A channel resolved the way the CLI does it."""
    return ChannelContext(channel_alias=alias).resolve_one(text)


def load(channels: Sequence[Any], pkgs: Path, platforms: Sequence[str] = ("linux-64",),
         client: Any = None, **opts: Any) -> Tuple[List[ChannelSource], RecordingReporter]:
    rep = RecordingReporter()
    chans = [channel(c) if isinstance(c, str) else c for c in channels]
    opts.setdefault("use_sharded_repodata", False)
    sources = load_channels(chans, list(platforms), [pkgs], client or fast_client(),
                            RepodataOptions(**opts), rep)
    return sources, rep


def names_of(records: Sequence[Any]) -> List[str]:
    return sorted(f"{r.name}-{r.version}-{r.build}" for r in records)


def cache_files(pkgs: Path) -> List[str]:
    d = pkgs / "cache"
    return sorted(p.name for p in d.iterdir()) if d.is_dir() else []


REPO_ROOT = Path(__file__).resolve().parent.parent.parent
