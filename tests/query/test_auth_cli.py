"""`umm auth login/logout`: micromamba's authentication.json, 0600, prompts without echo."""
from __future__ import annotations

import base64
import fcntl
import json
import os
import pty
import select
import stat
import subprocess
import termios
import time
from pathlib import Path
from typing import Any, Dict, List

import pytest

from tests.conftest import UmmEnv, umm_command


def auth_file(env: UmmEnv) -> Path:
    return env.home / ".mamba" / "auth" / "authentication.json"


def stored(env: UmmEnv) -> Dict[str, Any]:
    return json.loads(auth_file(env).read_text())


def umm(env: UmmEnv, *args: Any, code: int = 0, input: str = None):  # type: ignore[assignment]
    proc = env.run(*args, input=input)
    assert proc.returncode == code, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    return proc


def test_login_each_kind_in_micromamba_layout(umm_env: UmmEnv) -> None:
    outputs: List[str] = []
    p = umm(umm_env, "auth", "login", "https://Private.Example.com:8443/team/chan/", "-t",
            "tok-AAA")
    outputs.append(p.stdout + p.stderr)
    p = umm(umm_env, "auth", "login", "repo.example.org", "-u", "bob", "-p", "pw-BBB")
    outputs.append(p.stdout + p.stderr)
    p = umm(umm_env, "auth", "login", "http://bear.example.net", "--bearer", "bear-CCC")
    outputs.append(p.stdout + p.stderr)
    assert stored(umm_env) == {
        "private.example.com:8443/team/chan": {"type": "CondaToken", "token": "tok-AAA"},
        "repo.example.org": {"type": "BasicHTTPAuthentication", "user": "bob",
                             "password": base64.b64encode(b"pw-BBB").decode()},
        "bear.example.net": {"type": "BearerToken", "token": "bear-CCC"},
    }
    assert "Successfully stored login information for repo.example.org" in outputs[1]
    for secret in ("tok-AAA", "pw-BBB", "bear-CCC"):
        assert not any(secret in o for o in outputs)
    f = auth_file(umm_env)
    assert stat.S_IMODE(f.stat().st_mode) == 0o600
    assert stat.S_IMODE(f.parent.stat().st_mode) == 0o700


def test_secrets_from_stdin_and_relogin_replaces(umm_env: UmmEnv) -> None:
    umm(umm_env, "auth", "login", "h.example", "-t", "old")
    umm(umm_env, "auth", "login", "other.example", "-t", "keep")
    umm(umm_env, "auth", "login", "h.example", "--token-stdin", input="new-token\n")
    assert stored(umm_env)["h.example"] == {"type": "CondaToken", "token": "new-token"}
    assert stored(umm_env)["other.example"]["token"] == "keep"
    umm(umm_env, "auth", "login", "h.example", "-u", "me", "--password-stdin", input="p w\n")
    entry = stored(umm_env)["h.example"]
    assert entry["user"] == "me" and base64.b64decode(entry["password"]) == b"p w"
    umm(umm_env, "auth", "login", "h.example", "--bearer-stdin", input="b3\n")
    assert stored(umm_env)["h.example"] == {"type": "BearerToken", "token": "b3"}
    p = umm(umm_env, "--json", "auth", "login", "h.example", "-t", "zzz-secret")
    assert json.loads(p.stdout) == {"success": True, "host": "h.example", "type": "CondaToken",
                                    "file": str(auth_file(umm_env))}


@pytest.mark.parametrize("args,text", [
    (["-t", "a", "-b", "b"], "one kind of credential"),
    (["-u", "x", "-p", "a", "-t", "b"], "one kind of credential"),
    (["--password-stdin", "--token-stdin"], "only one of"),
    (["--password-stdin"], "no user name"),
    (["-t", "   "], "token is empty"),
])
def test_login_usage_errors(umm_env: UmmEnv, args: List[str], text: str) -> None:
    p = umm(umm_env, "auth", "login", "h.example", *args, code=2, input="x\n")
    assert text in p.stderr and len(p.stderr.strip().splitlines()) == 1
    assert not auth_file(umm_env).exists()


def test_no_host_and_no_command(umm_env: UmmEnv) -> None:
    assert "no host given" in umm(umm_env, "auth", "login", "-t", "x", code=2).stderr
    assert "login or logout" in umm(umm_env, "auth", code=2).stderr
    p = umm(umm_env, "auth", "login", "https://h/t/tok-in-host/ /x", "-t", "y", code=2)
    assert "tok-in-host" not in p.stderr


def _no_tty_run(env: UmmEnv, *args: str) -> subprocess.CompletedProcess:
    # a new session has no controlling terminal, even when pytest runs in one
    return subprocess.run(umm_command() + list(args), env=env.environ, capture_output=True,
                          text=True, stdin=subprocess.DEVNULL, start_new_session=True, timeout=60)


def test_missing_password_without_terminal_is_an_error(umm_env: UmmEnv) -> None:
    p = _no_tty_run(umm_env, "auth", "login", "h.example", "-u", "bob")
    assert p.returncode == 2 and "no password given" in p.stderr
    p = _no_tty_run(umm_env, "auth", "login", "h.example")
    assert p.returncode == 2 and "no password or token given" in p.stderr
    assert not auth_file(umm_env).exists()


def _in_pty(env: UmmEnv, args: List[str], answers: List[tuple], timeout: float = 60) -> str:
    """Run umm with a pseudo-terminal as its controlling terminal; answer prompts."""
    master, slave = pty.openpty()

    def make_ctty() -> None:
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    proc = subprocess.Popen(umm_command() + args, stdin=slave, stdout=slave, stderr=slave,
                            env=env.environ, preexec_fn=make_ctty, close_fds=True)
    os.close(slave)
    transcript = b""
    pending = list(answers)
    deadline = time.time() + timeout
    try:
        while time.time() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(master, 4096)
                except OSError:  # EIO: the child closed the terminal
                    break
                if not chunk:
                    break
                transcript += chunk
            if pending and pending[0][0].encode() in transcript:
                os.write(master, pending.pop(0)[1].encode() + b"\n")
            elif proc.poll() is not None and not ready:
                break
    finally:
        os.close(master)
        proc.wait(timeout=30)
    assert proc.returncode == 0, transcript
    return transcript.decode("utf-8", "replace")


def test_prompts_never_echo_the_password(umm_env: UmmEnv) -> None:
    text = _in_pty(umm_env, ["auth", "login", "pty.example"],
                   [("Username: ", "alice"), ("Password: ", "hunter2-SECRET")])
    assert "Username: " in text and "Password: " in text and "alice" in text
    assert "hunter2-SECRET" not in text
    assert stored(umm_env)["pty.example"]["user"] == "alice"
    assert base64.b64decode(stored(umm_env)["pty.example"]["password"]) == b"hunter2-SECRET"
    text = _in_pty(umm_env, ["auth", "login", "pty2.example", "-u", "carol"],
                   [("Password: ", "pw-ZZZ")])
    assert "pw-ZZZ" not in text and "Username" not in text
    assert stored(umm_env)["pty2.example"]["user"] == "carol"


def test_logout(umm_env: UmmEnv) -> None:
    umm(umm_env, "auth", "login", "a.example:81/x", "-t", "1")
    umm(umm_env, "auth", "login", "b.example", "-t", "2")
    p = umm(umm_env, "auth", "logout", "https://A.example:81/x/")
    assert p.stdout == "Logged out from a.example:81/x\n"
    assert list(stored(umm_env)) == ["b.example"]
    assert stat.S_IMODE(auth_file(umm_env).stat().st_mode) == 0o600
    p = umm(umm_env, "auth", "logout", "a.example:81/x")
    assert p.stdout == "You are not logged in to a.example:81/x\n"
    umm(umm_env, "auth", "logout", "--all", "b.example", code=2)
    assert umm(umm_env, "auth", "logout", "--all").stdout == "Logged out from all hosts\n"
    assert not auth_file(umm_env).exists()
    assert "not logged in anywhere" in umm(umm_env, "auth", "logout", "--all").stdout


def test_a_corrupt_file_is_never_overwritten(umm_env: UmmEnv) -> None:
    f = auth_file(umm_env)
    f.parent.mkdir(parents=True)
    f.write_text("{not json")
    for args in (["login", "h", "-t", "x"], ["logout", "h"]):
        p = umm(umm_env, "auth", *args, code=1)
        assert "cannot read authentication file" in p.stderr
        assert f.read_text() == "{not json"
