from __future__ import annotations

import base64
import json
import os
import stat
from pathlib import Path

import pytest

from umm.net.auth import AuthStore, BasicAuth, BearerToken, CondaToken, normalize_key
from umm.net.errors import AuthFileError
from umm.reporter import RecordingReporter


def write(p: Path, doc: object) -> Path:
    p.write_text(json.dumps(doc))
    return p


def test_load_micromamba_format(tmp_path: Path) -> None:
    p = write(tmp_path / "authentication.json", {
        "conda.anaconda.org": {"type": "CondaToken", "token": "tok1"},
        "private.example.com/channels": {
            "type": "BasicHTTPAuthentication", "user": "bob",
            "password": base64.b64encode(b"s3cret").decode()},
        "repo.prefix.dev": {"type": "BearerToken", "token": "bear"},
    })
    store = AuthStore.load(p)
    assert store.get("conda.anaconda.org") == CondaToken("tok1")
    assert store.get("private.example.com/channels") == BasicAuth("bob", "s3cret")
    assert store.get("repo.prefix.dev") == BearerToken("bear")
    assert len(store) == 3


def test_missing_file_is_empty(tmp_path: Path) -> None:
    assert len(AuthStore.load(tmp_path / "nope.json")) == 0


def test_bad_entries_warn_or_raise(tmp_path: Path) -> None:
    p = write(tmp_path / "a.json", {"good": {"type": "BearerToken", "token": "x"},
                                    "bad": {"type": "Weird"},
                                    "badpw": {"type": "BasicHTTPAuthentication", "user": "u",
                                              "password": "%%%"}})
    rep = RecordingReporter()
    store = AuthStore.load(p, reporter=rep)
    assert list(store) == ["good"]
    assert len(rep.texts("warning")) == 2
    with pytest.raises(AuthFileError):
        AuthStore.load(p, strict=True)
    (tmp_path / "b.json").write_text("{not json")
    assert len(AuthStore.load(tmp_path / "b.json", reporter=rep)) == 0
    with pytest.raises(AuthFileError):
        AuthStore.load(tmp_path / "b.json", strict=True)


def test_find_weakens_paths_ports_and_wildcards() -> None:
    store = AuthStore({
        "host.example": CondaToken("h"),
        "host.example/team/special": BearerToken("s"),
        "other.example:8443": BearerToken("port"),
        "*.prefix.dev": BearerToken("wild"),
    })
    assert store.find("https://host.example/team/special/linux-64/repodata.json") == BearerToken("s")
    assert store.find("https://host.example/team/other/noarch") == CondaToken("h")
    assert store.find("https://HOST.example/") == CondaToken("h")
    assert store.find("https://other.example:8443/x") == BearerToken("port")
    assert store.find("https://other.example/x") is None
    assert store.find("https://repo.prefix.dev/conda-forge") == BearerToken("wild")
    assert store.find("https://prefix.dev/conda-forge") is None
    assert store.find("https://host.example/t/abc/team/special") == BearerToken("s")
    assert store.find("file:///tmp/x") is None


def test_save_roundtrip_mode_0600(tmp_path: Path) -> None:
    store = AuthStore().with_entry("https://My.Host/chan/", BasicAuth("u", "p@ss:w"))
    store = store.with_entry("tokhost", CondaToken("t")).without("tokhost")
    p = store.save(tmp_path / "auth" / "authentication.json")
    assert stat.S_IMODE(os.stat(p).st_mode) == 0o600
    doc = json.loads(p.read_text())
    assert doc == {"my.host/chan": {"type": "BasicHTTPAuthentication", "user": "u",
                                    "password": base64.b64encode(b"p@ss:w").decode()}}
    assert AuthStore.load(p).get("my.host/chan") == BasicAuth("u", "p@ss:w")


def test_reprs_hide_secrets() -> None:
    store = AuthStore({"h": BasicAuth("u", "topsecret"), "g": CondaToken("tok-secret")})
    assert "topsecret" not in repr(store) and "tok-secret" not in repr(store)


def test_normalize_key() -> None:
    assert normalize_key("https://user:pw@Host.Example/Path/") == "host.example/Path"
    assert normalize_key("host") == "host"


def test_immutable() -> None:
    with pytest.raises(AttributeError):
        CondaToken("x").token = "y"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        AuthStore().x = 1  # type: ignore[attr-defined]
