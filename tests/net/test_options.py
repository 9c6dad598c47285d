from __future__ import annotations

import pytest

from umm.net.options import NetworkOptions, parse_ssl_verify
from umm.net.proxy import no_proxy_matches, select_proxy


def test_frozen_and_replace() -> None:
    o = NetworkOptions(max_retries=5, proxy_servers={"https": "http://u:pw@proxy:3128"})
    with pytest.raises(AttributeError):
        o.max_retries = 1  # type: ignore[misc]
    o2 = o.replace(max_retries=1)
    assert o2.max_retries == 1 and o.max_retries == 5 and o2.proxies == o.proxies
    assert o == o.replace() and hash(o) == hash(o.replace())
    assert "pw" not in repr(o)


def test_from_config() -> None:
    o = NetworkOptions.from_config({"ssl_verify": "false", "remote_max_retries": "7",
                                    "remote_connect_timeout_secs": 3, "remote_backoff_factor": 0,
                                    "proxy_servers": {"http": "http://p:1"}, "cacert_path": None})
    assert o.ssl_verify is False and o.max_retries == 7 and o.connect_timeout == 3.0
    assert o.backoff_factor == 0 and o.proxies == {"http": "http://p:1"}


@pytest.mark.parametrize("value, expected", [
    (True, True), ("true", True), ("<false>", False), ("False", False), ("0", False),
    ("/etc/ssl/ca.pem", "/etc/ssl/ca.pem")])
def test_parse_ssl_verify(value: object, expected: object) -> None:
    assert parse_ssl_verify(value) == expected  # type: ignore[arg-type]


def test_select_proxy_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    for k in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy",
              "ALL_PROXY", "no_proxy", "NO_PROXY"):
        monkeypatch.delenv(k, raising=False)
    cfg = {"http": "proxy-a:1", "https://special.host": "http://proxy-b:2", "all": "http://c:3"}
    assert select_proxy("http://x.org/a", cfg) == "http://proxy-a:1"
    assert select_proxy("https://special.host/a", cfg) == "http://proxy-b:2"
    assert select_proxy("https://other.host/a", cfg) == "http://c:3"
    assert select_proxy("file:///tmp", cfg) is None
    monkeypatch.setenv("HTTPS_PROXY", "http://env:9")
    assert select_proxy("https://y.org", {}) == "http://env:9"
    assert select_proxy("https://y.org", {}, use_env=False) is None
    monkeypatch.setenv("NO_PROXY", "y.org,.internal,10.0.0.1:8080")
    assert select_proxy("https://y.org", {}) is None
    assert select_proxy("https://a.b.internal", {}) is None
    assert select_proxy("https://z.org", {}) == "http://env:9"


@pytest.mark.parametrize("host, port, value, expected", [
    ("a.com", None, "*", True), ("a.com", None, "b.com", False), ("x.a.com", None, "a.com", True),
    ("xa.com", None, "a.com", False), ("h", 80, "h:8080", False), ("h", 8080, "h:8080", True),
    ("a.com", None, "", False)])
def test_no_proxy(host: str, port: object, value: str, expected: bool) -> None:
    assert no_proxy_matches(host, port, value) is expected  # type: ignore[arg-type]
