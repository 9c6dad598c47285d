from __future__ import annotations

import time
from pathlib import Path
from typing import List

import pytest

from tests.support.server import ChannelServer, free_port
from umm.net import (AuthStore, BasicAuth, BearerToken, CondaToken, ConnectionFailed, HttpClient,
                     HttpError, IncompleteBody, InvalidURL, NetworkOptions, Timeout,
                     TooManyRedirects)
from umm.net.client import parse_retry_after

BODY = bytes(range(256)) * 400  # 100 KiB


class Sleeps:
    def __init__(self) -> None:
        self.calls: List[float] = []

    def __call__(self, s: float) -> None:
        self.calls.append(s)


def make_client(**opts: object) -> "tuple[HttpClient, Sleeps]":
    sleeps = Sleeps()
    base = dict(max_retries=3, backoff_factor=0.5, connect_timeout=2, read_timeout=2,
                use_env_proxies=False)
    base.update(opts)
    return HttpClient(NetworkOptions(**base), sleep=sleeps), sleeps  # type: ignore[arg-type]


@pytest.fixture
def srv(channel_server: ChannelServer) -> ChannelServer:
    (channel_server.root / "data.bin").write_bytes(BODY)
    (channel_server.root / "sub").mkdir()
    (channel_server.root / "sub" / "hello.txt").write_text("hello")
    return channel_server


def test_get_and_conditional(srv: ChannelServer) -> None:
    client, _ = make_client()
    r = client.get(srv.url + "/data.bin", preload_content=True)
    assert r.status == 200 and r.content == BODY
    etag, mod = r.header("ETag"), r.header("last-modified")
    assert etag and mod
    assert client.get(srv.url + "/data.bin", {"If-None-Match": etag}).status == 304
    assert client.get(srv.url + "/data.bin", {"If-Modified-Since": mod}).status == 304
    r = client.get(srv.url + "/data.bin", {"Range": "bytes=10-19"}, preload_content=True)
    assert r.status == 206 and r.content == BODY[10:20]
    assert client.head(srv.url + "/data.bin").content_length == len(BODY)


def test_file_urls_same_interface(tmp_path: Path) -> None:
    p = tmp_path / "f.bin"
    p.write_bytes(BODY)
    client, _ = make_client()
    url = p.as_uri()
    r = client.get(url, preload_content=True)
    assert r.status == 200 and r.content == BODY and r.content_length == len(BODY)
    assert client.get(url, {"If-None-Match": r.header("etag")}).status == 304
    assert client.get(url, {"If-Modified-Since": r.header("last-modified")}).status == 304
    rr = client.get(url, {"Range": "bytes=-5"}, preload_content=True)
    assert rr.status == 206 and rr.content == BODY[-5:]
    with pytest.raises(HttpError) as ei:
        client.get((tmp_path / "missing").as_uri())
    assert ei.value.status == 404
    with client.stream(url) as s:
        assert b"".join(s.iter_content(1000)) == BODY


def test_404_is_http_error_without_retry(srv: ChannelServer) -> None:
    client, sleeps = make_client()
    with pytest.raises(HttpError) as ei:
        client.get(srv.url + "/nope")
    assert ei.value.status == 404 and sleeps.calls == []
    assert srv.count("/nope") == 1
    r = client.get(srv.url + "/nope", raise_for_status=False)
    assert r.status == 404


def test_5xx_burst_then_success(srv: ChannelServer) -> None:
    srv.fault("/data.bin", "status", status=503, times=2)
    client, sleeps = make_client()
    assert client.get(srv.url + "/data.bin", preload_content=True).content == BODY
    assert srv.count("/data.bin") == 3
    assert sleeps.calls == [0.5, 1.0]


def test_5xx_forever_gives_up(srv: ChannelServer) -> None:
    srv.fault("/data.bin", "status", status=500)
    client, sleeps = make_client(max_retries=2)
    with pytest.raises(HttpError) as ei:
        client.get(srv.url + "/data.bin")
    assert ei.value.status == 500
    assert srv.count("/data.bin") == 3 and len(sleeps.calls) == 2


def test_429_retry_after(srv: ChannelServer) -> None:
    srv.fault("/data.bin", "retry_after", seconds=7, times=1)
    client, sleeps = make_client()
    assert client.get(srv.url + "/data.bin").status == 200
    assert sleeps.calls == [7.0]
    srv.fault("/sub/hello.txt", "retry_after", seconds=3600, times=1)
    client2, sleeps2 = make_client(retry_after_cap=5)
    client2.get(srv.url + "/sub/hello.txt")
    assert sleeps2.calls == [5.0]


def test_parse_retry_after() -> None:
    assert parse_retry_after("12") == 12.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("garbage") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0


def test_connection_refused() -> None:
    client, sleeps = make_client(max_retries=2)
    url = f"http://127.0.0.1:{free_port()}/t/SECRET/x"
    with pytest.raises(ConnectionFailed) as ei:
        client.get(url)
    assert len(sleeps.calls) == 2
    assert "SECRET" not in str(ei.value) and "SECRET" not in ei.value.url


def test_stall_past_timeout(srv: ChannelServer) -> None:
    srv.fault("/data.bin", "delay", seconds=3)
    client, _ = make_client(read_timeout=0.3, max_retries=1)
    t0 = time.monotonic()
    with pytest.raises(Timeout):
        client.get(srv.url + "/data.bin")
    assert time.monotonic() - t0 < 2.5
    assert srv.count("/data.bin") == 2


def test_stall_mid_body_times_out(srv: ChannelServer) -> None:
    srv.fault("/data.bin", "stall", seconds=3, fraction=0.3)
    client, _ = make_client(read_timeout=0.3, max_retries=0)
    with pytest.raises(Timeout):
        client.get(srv.url + "/data.bin", preload_content=True)


def test_reset_mid_body_retried_when_preloading(srv: ChannelServer) -> None:
    srv.fault("/data.bin", "reset", fraction=0.4, times=1)
    client, sleeps = make_client()
    assert client.get(srv.url + "/data.bin", preload_content=True).content == BODY
    assert srv.count("/data.bin") == 2 and len(sleeps.calls) == 1


@pytest.mark.parametrize("kind", ["truncate", "bad_length", "reset"])
def test_broken_bodies_fail_after_retries(srv: ChannelServer, kind: str) -> None:
    srv.fault("/data.bin", kind, fraction=0.5)
    client, _ = make_client(max_retries=1)
    with pytest.raises((IncompleteBody, ConnectionFailed)):
        client.get(srv.url + "/data.bin", preload_content=True)
    assert srv.count("/data.bin") == 2


def test_stream_raises_on_truncation(srv: ChannelServer) -> None:
    srv.fault("/data.bin", "truncate", fraction=0.5)
    client, _ = make_client()
    with client.stream(srv.url + "/data.bin") as r:
        assert r.status == 200
        with pytest.raises(IncompleteBody) as ei:
            for _ in r.iter_content():
                pass
    assert ei.value.expected == len(BODY) and ei.value.received < len(BODY)


def test_download_resumes_with_range(srv: ChannelServer, tmp_path: Path) -> None:
    big = BODY * 10  # 1 MiB: whole chunks arrive before the break
    (srv.root / "big.bin").write_bytes(big)
    srv.fault("/big.bin", "truncate", fraction=0.5, times=1)
    client, _ = make_client()
    dest = tmp_path / "out.bin"
    seen: List[int] = []
    r = client.download(srv.url + "/big.bin", str(dest), on_chunk=seen.append)
    assert dest.read_bytes() == big and sum(seen) == len(big)
    reqs = srv.requests("/big.bin")
    assert [q.status for q in reqs] == [200, 206]
    start = int(reqs[1].headers["range"].split("=")[1].rstrip("-"))
    assert 0 < start <= len(big) // 2
    assert reqs[1].headers["if-range"] == reqs[0].headers.get("if-range", r.header("etag"))
    assert r.status == 206


def test_download_restarts_when_resource_changed(srv: ChannelServer, tmp_path: Path) -> None:
    (srv.root / "data.bin").write_bytes(BODY * 10)
    srv.fault("/data.bin", "truncate", fraction=0.5, times=1)
    client, _ = make_client()
    original_sleep = client._sleep

    def change_file(s: float) -> None:
        time.sleep(0.01)
        (srv.root / "data.bin").write_bytes(BODY[::-1])
        original_sleep(s)

    client._sleep = change_file
    dest = tmp_path / "out.bin"
    client.download(srv.url + "/data.bin", str(dest))
    assert dest.read_bytes() == BODY[::-1]
    assert [q.status for q in srv.requests("/data.bin")] == [200, 200]


def test_redirects(srv: ChannelServer, make_channel_server, tmp_path: Path) -> None:
    other = make_channel_server(tmp_path / "other")
    (other.root / "moved.txt").write_text("moved")
    srv.fault("/old.txt", "redirect", location=other.url + "/moved.txt")
    client, _ = make_client()
    r = client.get(srv.url + "/old.txt", {"Authorization": "Bearer abc"}, preload_content=True)
    assert r.content == b"moved" and r.url == other.url + "/moved.txt"
    assert "authorization" not in other.requests("/moved.txt")[0].headers
    srv.fault("/loop", "redirect_loop")
    with pytest.raises(TooManyRedirects):
        client.get(srv.url + "/loop")
    assert srv.count("/loop") == 11


@pytest.mark.parametrize("kind, info", [
    ("token", CondaToken("tok-123")),
    ("basic", BasicAuth("user", "pw-123")),
    ("bearer", BearerToken("bear-123")),
])
def test_auth_from_store(srv: ChannelServer, kind: str, info: object) -> None:
    secret = {"token": "tok-123", "basic": "pw-123", "bearer": "bear-123"}[kind]
    srv.require_auth(kind, secret)
    client, _ = make_client()
    with pytest.raises(HttpError) as ei:
        client.get(srv.url + "/sub/hello.txt")
    assert ei.value.status == 401
    wrong = {"token": CondaToken("bad"), "basic": BasicAuth("user", "bad"),
             "bearer": BearerToken("bad")}[kind]
    bad = HttpClient(client.options, AuthStore({f"127.0.0.1:{srv.port}": wrong}))  # type: ignore
    with pytest.raises(HttpError) as ei:
        bad.get(srv.url + "/sub/hello.txt")
    assert ei.value.status == 403
    assert secret not in str(ei.value)
    good = HttpClient(client.options, AuthStore({"127.0.0.1": info}))  # type: ignore[dict-item]
    assert good.get(srv.url + "/sub/hello.txt", preload_content=True).content == b"hello"


def test_credentials_in_url(srv: ChannelServer) -> None:
    srv.require_auth("basic", "pw", user="u")
    client, _ = make_client()
    url = srv.url.replace("http://", "http://u:pw@") + "/sub/hello.txt"
    assert client.get(url, preload_content=True).content == b"hello"
    srv.require_auth("token", "tk")
    assert client.get(srv.url + "/t/tk/sub/hello.txt", preload_content=True).content == b"hello"
    with pytest.raises(HttpError) as ei:
        client.get(srv.url + "/t/WRONGTOKEN/sub/hello.txt")
    assert "WRONGTOKEN" not in str(ei.value) and ei.value.status == 403


def test_proxy_servers_are_used(srv: ChannelServer) -> None:
    # the test server answers absolute-form requests too, so it can act as a proxy
    client, _ = make_client(proxy_servers={"http": srv.url})
    r = client.get("http://repo.invalid/sub/hello.txt", preload_content=True)
    assert r.content == b"hello"
    assert srv.requests("/sub/hello.txt")[0].raw_path == "/sub/hello.txt"


def test_env_proxy_and_no_proxy(srv: ChannelServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", srv.url)
    monkeypatch.setenv("NO_PROXY", "direct.invalid")
    client = HttpClient(NetworkOptions(max_retries=0, connect_timeout=1))
    assert client.get("http://repo.invalid/sub/hello.txt", preload_content=True).content == b"hello"
    with pytest.raises(ConnectionFailed):
        client.get("http://direct.invalid/sub/hello.txt")


def test_invalid_scheme() -> None:
    client, _ = make_client()
    with pytest.raises(InvalidURL):
        client.get("ftp://example.com/x")


def test_ssl_pool_settings(tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("")
    assert HttpClient(NetworkOptions(ssl_verify=False))._pool_kw()["cert_reqs"] == "CERT_NONE"
    kw = HttpClient(NetworkOptions(ssl_verify=str(bundle)))._pool_kw()
    assert kw["ca_certs"] == str(bundle) and kw["cert_reqs"] == "CERT_REQUIRED"
    assert HttpClient(NetworkOptions(ssl_verify=str(tmp_path)))._pool_kw()["ca_cert_dir"] == \
        str(tmp_path)
    import certifi

    assert HttpClient(NetworkOptions())._pool_kw()["ca_certs"] == certifi.where()


def test_user_agent_sent(srv: ChannelServer) -> None:
    client, _ = make_client(user_agent="umm-test/1")
    client.get(srv.url + "/sub/hello.txt")
    assert srv.requests("/sub/hello.txt")[0].headers["user-agent"] == "umm-test/1"


def test_download_checks_expected_size(srv: ChannelServer, tmp_path: Path) -> None:
    client, sleeps = make_client(max_retries=1)
    dest = tmp_path / "out.bin"
    with pytest.raises(IncompleteBody) as ei:
        client.download(srv.url + "/data.bin", str(dest), expected_size=len(BODY) + 1)
    assert ei.value.received == len(BODY) and srv.count("/data.bin") == 2
    r = client.download(srv.url + "/data.bin", str(dest), {"If-None-Match": "nope"},
                        expected_size=len(BODY))
    assert r.status == 200 and dest.read_bytes() == BODY
    etag = r.header("etag")
    assert client.download(srv.url + "/data.bin", str(tmp_path / "x"),
                           {"If-None-Match": etag}).status == 304
