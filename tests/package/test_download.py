"""Downloads against the local server: verification, retries, resume, errors, cancel."""
from __future__ import annotations

import hashlib
import os
import threading
import time
from pathlib import Path
from typing import List

import pytest

from tests.support.server import ChannelServer
from umm.errors import Cancelled
from umm.net import HttpClient, NetworkOptions
from umm.package.download import DownloadRequest, Downloader
from umm.package.errors import ChecksumMismatch, DownloadError
from umm.reporter import RecordingReporter


@pytest.fixture
def client():
    c = HttpClient(NetworkOptions(backoff_factor=0, max_retries=3, read_timeout=5,
                                  connect_timeout=2, use_env_proxies=False))
    yield c
    c.close()


@pytest.fixture
def dl(tmp_path: Path) -> Path:
    d = tmp_path / "dl"
    d.mkdir()
    return d


def _blob(server: ChannelServer, name: str, size: int = 300_000) -> bytes:
    data = os.urandom(size)
    (server.root / name).write_bytes(data)
    return data


def _req(server: ChannelServer, name: str, data: bytes, dest: Path, **kw) -> DownloadRequest:
    args = dict(size=len(data), sha256=hashlib.sha256(data).hexdigest())
    args.update(kw)
    return DownloadRequest(f"{server.url}/{name}", dest, **args)


def _leftovers(d: Path) -> List[str]:
    return sorted(p.name for p in d.iterdir()) if d.exists() else []


def test_download_verifies_and_renames(channel_server, client, dl: Path) -> None:
    data = _blob(channel_server, "a.conda")
    rep = RecordingReporter()
    res = Downloader(client, rep).fetch(_req(channel_server, "a.conda", data, dl / "a.conda"))
    assert (dl / "a.conda").read_bytes() == data
    assert _leftovers(dl) == ["a.conda"]
    assert res.sha256 == hashlib.sha256(data).hexdigest()
    assert res.md5 == hashlib.md5(data).hexdigest()
    assert rep.events[0][:2] == ("start", "download") and rep.events[0][4] == len(data)
    assert sum(e[3] for e in rep.events if e[0] == "advance") == len(data)
    assert rep.events[-1] == ("finish", "download", "a.conda", True, "")


def test_md5_only_record(channel_server, client, dl: Path) -> None:
    data = _blob(channel_server, "m.conda")
    req = DownloadRequest(f"{channel_server.url}/m.conda", dl / "m.conda",
                          md5=hashlib.md5(data).hexdigest())
    Downloader(client).fetch(req)
    bad = DownloadRequest(f"{channel_server.url}/m.conda", dl / "m2.conda", md5="0" * 32)
    with pytest.raises(ChecksumMismatch, match="md5"):
        Downloader(client).fetch(bad)
    assert not (dl / "m2.conda").exists()


def test_checksum_mismatch_leaves_nothing(channel_server, client, dl: Path) -> None:
    data = _blob(channel_server, "c.conda")
    channel_server.fault("/c.conda", "corrupt")
    with pytest.raises(ChecksumMismatch) as err:
        Downloader(client).fetch(_req(channel_server, "c.conda", data, dl / "c.conda"))
    assert err.value.kind == "sha256"
    assert "c.conda" in str(err.value) and err.value.expected == hashlib.sha256(data).hexdigest()
    assert _leftovers(dl) == []


def test_wrong_size_is_refused_early(channel_server, client, dl: Path) -> None:
    data = _blob(channel_server, "s.conda")
    req = _req(channel_server, "s.conda", data, dl / "s.conda", size=1000, sha256=None)
    with pytest.raises(ChecksumMismatch, match="size"):
        Downloader(client).fetch(req)
    assert _leftovers(dl) == []


@pytest.mark.parametrize("kind", ["truncate", "reset", "bad_length"])
def test_broken_transfer_is_retried_and_resumed(channel_server, client, dl: Path,
                                                kind: str) -> None:
    data = _blob(channel_server, "t.conda", 2_000_000)
    channel_server.fault("/t.conda", kind, times=1, fraction=0.5)
    res = Downloader(client).fetch(_req(channel_server, "t.conda", data, dl / "t.conda"))
    assert (dl / "t.conda").read_bytes() == data
    assert res.attempts == 2
    if kind == "truncate":  # (a reset may discard what was in flight: then a restart)
        assert res.resumed
        assert channel_server.count("/t.conda", status=206) == 1
    assert _leftovers(dl) == ["t.conda"]


def test_gives_up_after_retries(channel_server, client, dl: Path) -> None:
    data = _blob(channel_server, "r.conda", 500_000)
    channel_server.fault("/r.conda", "reset", fraction=0.3)  # every time
    with pytest.raises(DownloadError) as err:
        Downloader(client).fetch(_req(channel_server, "r.conda", data, dl / "r.conda"))
    assert f"{channel_server.url}/r.conda" in str(err.value)
    assert _leftovers(dl) == []  # a definitive failure leaves nothing


def test_server_errors_then_success(channel_server, client, dl: Path) -> None:
    data = _blob(channel_server, "e.conda")
    channel_server.fault("/e.conda", "status", status=503, times=2)
    Downloader(client).fetch(_req(channel_server, "e.conda", data, dl / "e.conda"))
    assert channel_server.count("/e.conda") == 3


def test_404_names_the_url(channel_server, client, dl: Path) -> None:
    url = f"{channel_server.url}/missing-1.0-0.conda"
    with pytest.raises(DownloadError) as err:
        Downloader(client).fetch(DownloadRequest(url, dl / "missing-1.0-0.conda"))
    assert err.value.status == 404
    assert url in str(err.value) and "404" in str(err.value)
    assert _leftovers(dl) == []


def test_token_is_masked_in_errors(channel_server, client, dl: Path) -> None:
    url = f"{channel_server.url}/t/sekr1t-token/missing.conda"
    with pytest.raises(DownloadError) as err:
        Downloader(client).fetch(DownloadRequest(url, dl / "missing.conda"))
    assert "sekr1t" not in str(err.value) and "sekr1t" not in err.value.url


def test_resume_from_a_partial_of_an_earlier_run(channel_server, client, dl: Path) -> None:
    data = _blob(channel_server, "p.conda", 1_000_000)
    (dl / "p.conda.partial").write_bytes(data[:400_000])
    res = Downloader(client).fetch(_req(channel_server, "p.conda", data, dl / "p.conda"))
    assert res.resumed and (dl / "p.conda").read_bytes() == data
    ranges = [r.headers.get("range") for r in channel_server.requests("/p.conda")]
    assert ranges == ["bytes=400000-"]


def test_stale_partial_is_thrown_away(channel_server, client, dl: Path) -> None:
    data = _blob(channel_server, "q.conda", 500_000)
    (dl / "q.conda.partial").write_bytes(os.urandom(100_000))
    Downloader(client).fetch(_req(channel_server, "q.conda", data, dl / "q.conda"))
    assert (dl / "q.conda").read_bytes() == data
    assert channel_server.count("/q.conda") == 2  # resumed, failed to verify, fetched again


def test_complete_partial_gets_416_and_verifies(channel_server, client, dl: Path) -> None:
    data = _blob(channel_server, "f.conda", 100_000)
    (dl / "f.conda.partial").write_bytes(data)
    Downloader(client).fetch(_req(channel_server, "f.conda", data, dl / "f.conda"))
    assert (dl / "f.conda").read_bytes() == data


def test_file_urls(tmp_path: Path) -> None:
    chan = tmp_path / "chan"
    chan.mkdir()
    data = os.urandom(50_000)
    (chan / "l.conda").write_bytes(data)
    req = DownloadRequest((chan / "l.conda").as_uri(), tmp_path / "cache" / "l.conda",
                          size=len(data), sha256=hashlib.sha256(data).hexdigest())
    Downloader().fetch(req)
    assert (tmp_path / "cache" / "l.conda").read_bytes() == data
    bad = DownloadRequest((chan / "l.conda").as_uri(), tmp_path / "cache" / "x.conda",
                          sha256="0" * 64)
    with pytest.raises(ChecksumMismatch):
        Downloader().fetch(bad)
    assert _leftovers(tmp_path / "cache") == ["l.conda"]
    with pytest.raises(DownloadError, match="no such file"):
        Downloader().fetch(DownloadRequest((chan / "nope.conda").as_uri(), tmp_path / "n.conda"))


def test_fetch_all_parallel(channel_server, client, dl: Path) -> None:
    blobs = {f"b{i}.conda": _blob(channel_server, f"b{i}.conda", 100_000 + i) for i in range(12)}
    reqs = [_req(channel_server, n, d, dl / n) for n, d in blobs.items()]
    results = Downloader(client, threads=4).fetch_all(reqs)
    assert [r.path for r in results] == [r.dest for r in reqs]
    for n, d in blobs.items():
        assert (dl / n).read_bytes() == d


def test_fetch_all_stops_at_first_error(channel_server, client, dl: Path) -> None:
    blobs = {f"g{i}.conda": _blob(channel_server, f"g{i}.conda", 200_000) for i in range(6)}
    reqs = [_req(channel_server, n, d, dl / n) for n, d in blobs.items()]
    reqs.insert(2, DownloadRequest(f"{channel_server.url}/absent.conda", dl / "absent.conda"))
    with pytest.raises(DownloadError, match="absent.conda"):
        Downloader(client, threads=3).fetch_all(reqs)
    for name in _leftovers(dl):  # whatever finished is complete and verified
        if not name.endswith(".partial"):
            assert (dl / name).read_bytes() == blobs[name]


def test_cancel_leaves_only_partial(channel_server, client, dl: Path) -> None:
    data = _blob(channel_server, "slow.conda", 1_000_000)
    channel_server.fault("/slow.conda", "stall", fraction=0.4, seconds=1.0)
    downloader = Downloader(client)
    partial = dl / "slow.conda.partial"

    def cancel_once_started() -> None:  # cancel mid-transfer, whatever the machine's load
        while not (partial.exists() and partial.stat().st_size > 0):
            time.sleep(0.01)
        downloader.cancel()

    threading.Thread(target=cancel_once_started, daemon=True).start()
    with pytest.raises(Cancelled):
        downloader.fetch(_req(channel_server, "slow.conda", data, dl / "slow.conda"))
    assert _leftovers(dl) == ["slow.conda.partial"]
