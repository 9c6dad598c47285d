"""Credentials end to end against a local server that requires them: 401 without, 200
with each kind (conda token in the path, Basic, Bearer), for repodata and packages;
no secret anywhere in the output, the logs, --json, error messages or the prefix."""
from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Iterator, List

import pytest

from tests.conftest import UmmEnv
from tests.support import builder
from tests.support.builder import File, Package
from tests.support.server import ChannelServer

SECRET = "s3cr3t-Tok-9f8e7d"
KINDS = ("token", "basic", "bearer")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChannelServer]:
    root = tmp_path_factory.mktemp("authchan") / "chan"
    builder.write_channel(root, [
        Package("libb", "1.0", "0", noarch="generic", files=[File("share/libb.txt", "b\n")]),
        Package("appa", "2.0", "0", noarch="generic", depends=["libb >=1"],
                files=[File("share/appa.txt", "a\n")]),
    ], subdirs=["linux-64"])
    srv = ChannelServer(root).start()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def srv(server: ChannelServer) -> Iterator[ChannelServer]:
    server.reset_log()
    yield server
    server.clear_auth()


def leaks(texts: List[str], root: Path) -> List[str]:
    """Where a secret shows up: in ``texts`` or in any file below ``root``."""
    needles = [SECRET, base64.b64encode(f"user:{SECRET}".encode()).decode()]
    found = [f"output #{i}" for i, t in enumerate(texts) if any(n in t for n in needles)]
    for dirpath, _, files in os.walk(root):
        for name in files:
            p = Path(dirpath, name)
            try:
                data = p.read_bytes()
            except OSError:
                continue
            if any(n.encode() in data for n in needles):
                found.append(str(p))
    return found


def login_args(kind: str, url: str) -> List[str]:
    if kind == "token":
        return ["auth", "login", url, "-t", SECRET]
    if kind == "bearer":
        return ["auth", "login", url, "-b", SECRET]
    return ["auth", "login", url, "-u", "user", "-p", SECRET]


def chan(srv: ChannelServer) -> List[str]:
    return ["-c", srv.url, "--override-channels", "--platform", "linux-64"]


@pytest.mark.parametrize("kind", KINDS)
def test_each_credential_kind(umm_env: UmmEnv, srv: ChannelServer, kind: str) -> None:
    srv.require_auth(kind, SECRET, user="user")
    out: List[str] = []
    # without credentials: 401, a one-line error naming the host, no retry storm
    p = umm_env.run("search", "appa", *chan(srv))
    out += [p.stdout, p.stderr]
    assert p.returncode == 1 and "401" in p.stderr and "Traceback" not in p.stderr
    assert srv.count(status=401) >= 1, srv.requests()
    assert srv.count(status=200) == 0
    # wrong credentials: 403
    p = umm_env.run(*login_args(kind, srv.url)[:-1], "not-the-secret")
    assert p.returncode == 0
    p = umm_env.run("search", "appa", *chan(srv), "--json")
    out += [p.stdout, p.stderr]
    assert p.returncode == 1 and "403" in p.stderr
    assert json.loads(p.stdout)["success"] is False
    # logged in: 200 for repodata and packages
    p = umm_env.run(*login_args(kind, srv.url))
    out += [p.stdout, p.stderr]
    assert p.returncode == 0
    srv.reset_log()
    p = umm_env.run("search", "appa", *chan(srv), "-vvv")
    out += [p.stdout, p.stderr]
    assert p.returncode == 0, p.stderr
    assert "appa 2.0 0" in p.stdout
    assert srv.count("/noarch/repodata.json", status=200) == 1
    assert srv.count(status=401) == 0 and srv.count(status=403) == 0
    p = umm_env.run("repoquery", "depends", "appa", *chan(srv), "--json")
    out += [p.stdout, p.stderr]
    assert [x["name"] for x in json.loads(p.stdout)["result"]["pkgs"]] == ["appa", "libb"]
    p = umm_env.run("create", "-n", "env", "appa", *chan(srv), "-y")
    out += [p.stdout, p.stderr]
    assert p.returncode == 0, p.stderr
    prefix = umm_env.root_prefix / "envs" / "env"
    assert (prefix / "share" / "appa.txt").read_text() == "a\n"
    assert srv.count("/noarch/appa-2.0-0.conda", status=200) == 1
    assert srv.count("/noarch/libb-1.0-0.conda", status=200) == 1
    if kind == "token":  # the token travelled in the path
        assert all(r.raw_path.startswith(f"/t/{SECRET}/") for r in srv.requests())
    else:
        assert all(r.headers.get("authorization") for r in srv.requests())
    p = umm_env.run("repoquery", "whoneeds", "libb", "-n", "env", "--tree")
    out += [p.stdout, p.stderr]
    assert p.stdout == "libb[1.0]\n  └─ appa[2.0]\n"
    p = umm_env.run("list", "-n", "env", "--explicit", "--md5")
    out += [p.stdout, p.stderr]
    assert leaks(out, umm_env.root_prefix) == []


def test_token_in_the_channel_url(umm_env: UmmEnv, srv: ChannelServer) -> None:
    srv.require_auth("token", SECRET)
    url = f"{srv.url}/t/{SECRET}"
    out: List[str] = []
    p = umm_env.run("repoquery", "search", "appa", "-c", url, "--override-channels",
                    "--platform", "linux-64", "--json", "-vv")
    out += [p.stdout, p.stderr]
    assert p.returncode == 0, p.stderr
    pkg = json.loads(p.stdout)["result"]["pkgs"][0]
    assert pkg["channel"] == srv.url and pkg["url"] == f"{srv.url}/noarch/appa-2.0-0.conda"
    spec = f"{url}::appa"  # a spec naming the channel with its token
    p = umm_env.run("create", "-n", "tok", spec, "-c", url, "--override-channels",
                    "--platform", "linux-64", "-y", "--json")
    out += [p.stdout, p.stderr]
    assert p.returncode == 0, p.stderr
    assert srv.count("/noarch/libb-1.0-0.conda", status=200) == 1  # the token reached it
    history = (umm_env.root_prefix / "envs" / "tok" / "conda-meta" / "history").read_text()
    assert "# cmd: umm create -n tok http://127.0.0.1" in history and "/t/*****" in history
    # a failing request: the error names the URL, never the token
    p = umm_env.run("search", "zzz", "-c", f"{srv.url}/t/wrong-{SECRET}", "--override-channels",
                    "--platform", "linux-64")
    out += [p.stdout, p.stderr]
    assert p.returncode == 1 and "403" in p.stderr and "Traceback" not in p.stderr
    assert leaks(out, umm_env.root_prefix) == []


def test_auth_file_credentials_are_scoped_to_their_host_path(umm_env: UmmEnv,
                                                             srv: ChannelServer) -> None:
    srv.require_auth("bearer", SECRET)
    umm_env.run("auth", "login", f"{srv.url}/elsewhere", "-b", SECRET, check=True)
    p = umm_env.run("search", "appa", *chan(srv))
    assert p.returncode == 1 and "401" in p.stderr  # a key for another path does not apply
    umm_env.run("auth", "logout", f"{srv.url}/elsewhere", check=True)
    umm_env.run("auth", "login", f"127.0.0.1:{srv.port}", "-b", SECRET, check=True)
    assert umm_env.run("search", "appa", *chan(srv)).returncode == 0
    umm_env.run("auth", "logout", f"127.0.0.1:{srv.port}", check=True)
    p = umm_env.run("search", "appa", *chan(srv))
    assert p.returncode == 1  # logged out: no credentials again (and nothing cached wrongly)


def test_token_in_the_channel_alias(umm_env: UmmEnv, server: ChannelServer) -> None:
    # the channel "chan" under an alias that carries the token
    parent = ChannelServer(server.root.parent).start()
    try:
        parent.require_auth("token", SECRET)
        alias = f"{parent.url}/t/{SECRET}"
        out: List[str] = []
        p = umm_env.run("create", "-n", "al", "appa", "-c", "chan", "--override-channels",
                        "--channel-alias", alias, "--platform", "linux-64", "-y")
        out += [p.stdout, p.stderr]
        assert p.returncode == 0, p.stderr
        assert parent.count("/chan/noarch/appa-2.0-0.conda", status=200) == 1
        p = umm_env.run("repoquery", "depends", "-t", "appa", "-c", "chan", "--override-channels",
                        "--channel-alias", alias, "--platform", "linux-64", "--json")
        out += [p.stdout, p.stderr]
        assert json.loads(p.stdout)["result"]["pkgs"][0]["channel"] == "chan"
        assert leaks(out, umm_env.root_prefix) == []
    finally:
        parent.stop()


def test_token_in_an_explicit_file(umm_env: UmmEnv, srv: ChannelServer, tmp_path: Path) -> None:
    srv.require_auth("token", SECRET)
    spec = tmp_path / "explicit.txt"
    spec.write_text(f"@EXPLICIT\n{srv.url}/t/{SECRET}/noarch/libb-1.0-0.conda\n")
    p = umm_env.run("create", "-n", "ex", "-f", spec, "-y")
    assert p.returncode == 0, p.stderr
    assert srv.count("/noarch/libb-1.0-0.conda", status=200) == 1
    meta = json.loads((umm_env.root_prefix / "envs" / "ex" / "conda-meta" /
                       "libb-1.0-0.json").read_text())
    assert meta["url"] == f"{srv.url}/noarch/libb-1.0-0.conda"
    assert leaks([p.stdout, p.stderr], umm_env.root_prefix) == []
