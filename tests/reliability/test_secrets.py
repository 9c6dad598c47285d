"""Tokens and passwords are never printed, logged or written outside the auth file.

Four ways of giving credentials, each against a server that requires them: a conda
token in the channel URL (``/t/<token>/``, also in an rc file), a user and password
in the channel URL, and basic and bearer credentials stored with ``umm auth
login``. Every command a user might run (create, install with faults and retries,
failures, ``--json``, ``-vvv``, ``--debug``, list, export, info, config, doctor,
repoquery, clean) runs; then every byte of output and every file under HOME and the
root prefix (but the auth file and the rc file the test wrote) is scanned for the
secrets, raw, URL-quoted and base64-encoded.
"""
from __future__ import annotations

import base64
import os
from pathlib import Path
from typing import List, Tuple
from urllib.parse import quote

import pytest

from tests.conftest import UmmEnv
from tests.reliability.conftest import FAST_NET, Channel
from tests.support.server import ChannelServer

TOKEN = "tk-S3CRET-0f9e8d7c6b5a"
PASSWORD = "pw-S3CRET-a1b2c3d4"
URL_PASSWORD = "up-S3CRET-77aa88bb"
BEARER = "br-S3CRET-99887766"
USER = "alice"


def _forms(secret: str, user: str = USER) -> List[bytes]:
    raw = secret.encode()
    return [raw, quote(secret, safe="").encode(), base64.b64encode(raw),
            base64.b64encode(f"{user}:{secret}".encode())]


SECRETS = {s: _forms(s) for s in (TOKEN, PASSWORD, URL_PASSWORD, BEARER)}


class Scan:
    """Runs umm, keeping every output, then scans outputs and files for secrets."""

    def __init__(self, env: UmmEnv) -> None:
        self.env = env
        env.environ.update(FAST_NET)
        self.outputs: List[Tuple[str, bytes]] = []
        self.exempt: List[Path] = [env.home / ".mamba" / "auth" / "authentication.json"]
        self.runs = 0

    def run(self, *args: str, ok: bool = True, stdin: str = "") -> None:
        proc = self.env.run(*args, input=stdin, timeout=120)
        self.runs += 1
        what = "umm " + " ".join(a for a in args)
        self.outputs.append((what, (proc.stdout + proc.stderr).encode("utf-8", "replace")))
        if ok:
            assert proc.returncode == 0, f"{what}\n{proc.stdout}\n{proc.stderr}"
        else:
            assert proc.returncode != 0, what
            assert "Traceback" not in proc.stderr or "--debug" in args

    def leaks(self) -> List[str]:
        found = []
        for what, data in self.outputs:
            for secret, forms in SECRETS.items():
                if any(f in data for f in forms):
                    found.append(f"output of `{what}` shows {secret}")
        for root in (self.env.home, self.env.root_prefix):
            for dirpath, _, filenames in os.walk(root):
                for name in filenames:
                    path = Path(dirpath, name)
                    if path in self.exempt or path.is_symlink():
                        continue
                    try:
                        data = path.read_bytes()
                    except OSError:
                        continue
                    for secret, forms in SECRETS.items():
                        if any(f in data for f in forms):
                            found.append(f"{path} holds {secret}")
        return found


@pytest.fixture
def channel_copy(built_channel: Channel, tmp_path: Path) -> Channel:
    return built_channel.copy(tmp_path / "channel")


def _commands(scan: Scan, channel: str, srv: ChannelServer, env_name: str,
              everything: bool = True) -> None:
    """What a user might run against ``channel`` (the commands that fetch and fail,
    then, with ``everything``, those that show an env, its records and the config)."""
    c = ["-c", channel, "--override-channels", "-y"]
    scan.run("create", "-n", env_name, "alpha=1.0", *c)
    scan.run("install", "-n", env_name, "beta", "-vvv", "--json", *c)
    srv.fault("/noarch/app-1.0-0.conda", "status", status=503)
    scan.run("install", "-n", env_name, "app", "--debug", "-vvv", *c, ok=False)
    srv.clear_faults()
    srv.fault("/noarch/many-2.0-0.conda", "reset", fraction=0.5, times=1)
    scan.run("install", "-n", env_name, "app", "-vvv", *c)
    srv.clear_faults()
    scan.run("list", "-n", env_name, "--explicit", "--md5")
    scan.run("env", "export", "-n", env_name, "--explicit")
    if not everything:
        return
    scan.run("install", "-n", env_name, "reloc", *c)
    scan.run("install", "-n", env_name, "does-not-exist", *c, ok=False)
    scan.run("update", "-n", env_name, "alpha", *c)
    scan.run("list", "-n", env_name, "--json")
    scan.run("env", "export", "-n", env_name)
    scan.run("env", "export", "-n", env_name, "--json")
    scan.run("repoquery", "search", "alpha", "-c", channel, "--override-channels")
    scan.run("repoquery", "depends", "-n", env_name, "app")
    scan.run("info")
    scan.run("config", "list")
    scan.run("install", "-n", env_name, "beta", "--print-config-only", *c)
    scan.run("install", "-n", env_name, "beta", "--print-context-only", *c)
    scan.run("doctor", "-n", env_name, "--json", "--pkgs")
    scan.run("remove", "-n", env_name, "app", "-y")
    scan.run("clean", "-a", "-y")


def test_conda_token_in_the_channel_url(channel_copy: Channel, umm_env: UmmEnv, tally) -> None:
    with ChannelServer(channel_copy.root) as srv:
        srv.require_auth("token", TOKEN)
        scan = Scan(umm_env)
        url = f"{srv.url}/t/{TOKEN}"
        # also where users put it: the channels of an rc file
        rc = umm_env.home / ".condarc"
        rc.write_text(f"channels:\n  - {url}\n")
        scan.exempt.append(rc)
        _commands(scan, url, srv, "tok")
        scan.run("create", "-n", "fromrc", "alpha", "-y")  # channel from the rc file
        scan.run("config", "list", "channels")
        assert srv.count(status=401) == 0 and srv.count(status=403) == 0
    tally("secrets scan runs", scan.runs)
    assert scan.leaks() == []


def test_password_in_the_channel_url(channel_copy: Channel, umm_env: UmmEnv, tally) -> None:
    with ChannelServer(channel_copy.root) as srv:
        srv.require_auth("basic", URL_PASSWORD, user=USER)
        scan = Scan(umm_env)
        url = srv.url.replace("http://", f"http://{USER}:{URL_PASSWORD}@")
        _commands(scan, url, srv, "pw", everything=False)
        assert srv.count(status=403) == 0
    tally("secrets scan runs", scan.runs)
    assert scan.leaks() == []


@pytest.mark.parametrize("kind", ["basic", "bearer"])
def test_credentials_from_umm_auth_login(channel_copy: Channel, umm_env: UmmEnv, kind: str,
                                         tally) -> None:
    with ChannelServer(channel_copy.root) as srv:
        secret = PASSWORD if kind == "basic" else BEARER
        srv.require_auth(kind, secret, user=USER)
        scan = Scan(umm_env)
        host = srv.url.split("//", 1)[1]
        if kind == "basic":
            scan.run("auth", "login", host, "-u", USER, "--password-stdin", stdin=secret + "\n")
        else:
            scan.run("auth", "login", host, "--bearer-stdin", stdin=secret + "\n")
        auth_file = umm_env.home / ".mamba" / "auth" / "authentication.json"
        assert auth_file.stat().st_mode & 0o077 == 0  # only the user may read it
        _commands(scan, srv.url, srv, kind, everything=False)
        # a wrong secret: refused with a message, and the wrong secret is not shown
        srv.require_auth(kind, secret + "-other", user=USER)
        scan.run("install", "-n", kind, "beta", "-c", srv.url, "--override-channels", "-y",
                 "--repodata-ttl", "0", ok=False)
        scan.run("auth", "logout", host)
    tally("secrets scan runs", scan.runs)
    assert scan.leaks() == []
