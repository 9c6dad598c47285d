"""`umm auth login HOST` / `umm auth logout HOST`: credentials in micromamba's file.

Credentials live in ``~/.mamba/auth/authentication.json`` (mode 0600), keyed by
``host[:port][/path]`` (the scheme is ignored), as a conda token (put in the URL
path: ``/t/<token>/``), HTTP basic credentials or a bearer token. Every HTTP
request umm makes to a matching host uses them (``umm.net.HttpClient``).

``login`` takes ``-t/--token``, ``-b/--bearer`` or ``-u/--username`` with
``-p/--password``; ``--password-stdin``, ``--token-stdin`` and ``--bearer-stdin``
read the secret from standard input. A missing password (or, with no option at
all, user name and password) is asked for on the terminal, never echoed. No
secret is ever printed.
"""
from __future__ import annotations

import argparse
import os
import sys
from typing import Any, Optional, Tuple

from umm.errors import UsageError


def configure(p: argparse.ArgumentParser) -> None:
    from umm.cli.common import add_global_options

    sub = p.add_subparsers(dest="auth_command", metavar="COMMAND", title="auth commands")
    login = sub.add_parser("login", help="store login information for a host",
                           description="Store login information for a host")
    login.add_argument("host", nargs="?", default=None, metavar="HOST",
                       help="host for the account; the scheme (https://) is ignored, not the "
                            "port nor the channel path")
    login.add_argument("-u", "--username", default=None, help="user name for the account")
    login.add_argument("-p", "--password", default=None,
                       help="password for the account (prompted for when -u is given alone)")
    login.add_argument("-t", "--token", default=None, help="conda token for the account")
    login.add_argument("-b", "--bearer", default=None, help="bearer token for the account")
    login.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    login.add_argument("--token-stdin", action="store_true", help="read the token from stdin")
    login.add_argument("--bearer-stdin", action="store_true",
                       help="read the bearer token from stdin")
    logout = sub.add_parser("logout", help="erase login information for a host",
                            description="Erase login information for a host")
    logout.add_argument("host", nargs="?", default=None, metavar="HOST",
                        help="host for the account")
    logout.add_argument("--all", action="store_true", help="log out from all hosts")
    for child in (login, logout):
        add_global_options(child, suppress_defaults=True)


def run(args: argparse.Namespace) -> int:
    command = getattr(args, "auth_command", None)
    if command == "login":
        return _login(args)
    if command == "logout":
        return _logout(args)
    raise UsageError("auth needs a command: login or logout (see `umm auth --help`)")


# -- login ----------------------------------------------------------------------------------
def _login(args: argparse.Namespace) -> int:
    from umm.net.auth import AuthStore, BasicAuth, BearerToken, CondaToken, default_auth_path

    key = _host_key(args.host)
    info: Any
    kind, secret, user = _credentials(args)
    if kind == "token":
        info = CondaToken(secret)
    elif kind == "bearer":
        info = BearerToken(secret)
    else:
        info = BasicAuth(user or "", secret)
    path = default_auth_path()
    store = AuthStore.load(path, strict=True)
    store.with_entry(key, info).save(path)
    _say(args, f"Successfully stored login information for {key}",
         {"success": True, "host": key, "type": info.kind, "file": str(path)})
    return 0


def _credentials(args: argparse.Namespace) -> Tuple[str, str, Optional[str]]:
    """(kind, secret, user): kind is ``token``, ``bearer`` or ``basic``."""
    stdin_flags = [f for f in ("password_stdin", "token_stdin", "bearer_stdin") if getattr(args, f)]
    if len(stdin_flags) > 1:
        raise UsageError("only one of --password-stdin, --token-stdin and --bearer-stdin "
                         "can be given")
    password, token, bearer = args.password, args.token, args.bearer
    if stdin_flags:
        value = _read_stdin()
        if stdin_flags[0] == "password_stdin":
            password = value
        elif stdin_flags[0] == "token_stdin":
            token = value
        else:
            bearer = value
    given = [k for k, v in (("password", password), ("token", token), ("bearer", bearer))
             if v is not None]
    if len(given) > 1:
        raise UsageError("give one kind of credential: a password, a token (-t) or a bearer "
                         "token (-b), not " + " and ".join(given))
    if token is not None:
        return "token", _nonempty(token, "token"), None
    if bearer is not None:
        return "bearer", _nonempty(bearer, "bearer token"), None
    user = args.username
    if password is None:
        if user is None:
            user = _prompt("Username: ")
        password = _prompt_secret("Password: ")
    if user is None or not user.strip():
        raise UsageError("no user name given for the password: pass -u/--username")
    return "basic", _nonempty(password, "password"), user.strip()


def _nonempty(value: str, what: str) -> str:
    text = value.strip()
    if not text:
        raise UsageError(f"the {what} is empty")
    return text


def _read_stdin() -> str:
    data = sys.stdin.read()
    return data.strip("\r\n")


def _has_terminal() -> bool:
    if os.name == "nt":
        return sys.stdin is not None and sys.stdin.isatty()
    try:
        fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except OSError:
        return False
    os.close(fd)
    return True


def _prompt(label: str) -> str:
    if not _has_terminal():
        raise UsageError("no password or token given (and no terminal to ask on): use "
                         "-u USER -p PASSWORD, --password-stdin, -t TOKEN or -b TOKEN")
    if os.name == "nt":
        sys.stderr.write(label)
        sys.stderr.flush()
        return sys.stdin.readline().strip()
    fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    try:
        os.write(fd, label.encode())
        line = b""
        while not line.endswith(b"\n"):
            chunk = os.read(fd, 1024)  # a terminal in canonical mode answers line by line
            if not chunk:
                break
            line += chunk
    finally:
        os.close(fd)
    return line.decode("utf-8", "replace").strip()


def _prompt_secret(label: str) -> str:
    if not _has_terminal():
        raise UsageError("no password given (and no terminal to ask on): use -p PASSWORD or "
                         "--password-stdin")
    import getpass

    try:
        return getpass.getpass(label)
    except EOFError:
        raise UsageError("no password given") from None


# -- logout ---------------------------------------------------------------------------------
def _logout(args: argparse.Namespace) -> int:
    from umm.net.auth import AuthStore, default_auth_path

    path = default_auth_path()
    if args.all:
        if args.host:
            raise UsageError("give a host or --all, not both")
        existed = path.exists()
        if existed:
            path.unlink()
        _say(args, "Logged out from all hosts" if existed else "You are not logged in anywhere",
             {"success": True, "all": True, "removed": existed})
        return 0
    key = _host_key(args.host)
    store = AuthStore.load(path, strict=True)
    if key in store:
        store.without(key).save(path)
        _say(args, f"Logged out from {key}", {"success": True, "host": key, "removed": True})
    else:
        _say(args, f"You are not logged in to {key}",
             {"success": True, "host": key, "removed": False})
    return 0


# -- helpers --------------------------------------------------------------------------------
def _host_key(host: Optional[str]) -> str:
    """``https://user@Host:8443/chan/`` -> ``host:8443/chan`` (micromamba's token base)."""
    from umm.net.auth import normalize_key
    from umm.net.masking import strip_token

    if host is None or not host.strip():
        raise UsageError("no host given: umm auth login|logout HOST")
    key = normalize_key(strip_token(host.strip()))
    if not key or key.startswith("/") or any(c.isspace() for c in key):
        from umm.net.masking import mask_url

        raise UsageError(f"not a host: {mask_url(host)!r}")
    return key


def _say(args: argparse.Namespace, text: str, doc: dict) -> None:
    if getattr(args, "json", False):
        import json

        sys.stdout.write(json.dumps(doc, indent=4) + "\n")
    elif not getattr(args, "quiet", False):
        sys.stdout.write(text + "\n")


# -- for the other commands -------------------------------------------------------------------
def credentials(cfg: Any, reporter: Any = None) -> Any:
    """The ``AuthStore`` every command's HTTP client uses: the authentication file plus
    the tokens given in channel URLs (``-c https://host/t/<token>/chan``, a channel alias
    with a token), so package downloads from those channels carry the token too."""
    from umm.config.channels import channel_context
    from umm.errors import UmmError
    from urllib.parse import unquote

    from umm.net.auth import AuthStore, BasicAuth, CondaToken
    from umm.reporter import NULL

    store = AuthStore.load(reporter=reporter if reporter is not None else NULL)
    try:
        ctx = channel_context(cfg)
        names = list(cfg.get("channels") or ())
    except (UmmError, KeyError, TypeError):
        return store
    for name in names:
        try:
            channels = ctx.resolve(name)
        except (UmmError, ValueError):
            continue
        for ch in channels:
            token = getattr(ch, "token", None)
            if token:
                store = store.with_entry(ch.base_url, CondaToken(token))
            auth = getattr(ch, "auth", None)
            if auth:  # https://user:password@host/chan: its packages need them too
                user, _, password = auth.partition(":")
                store = store.with_entry(ch.base_url, BasicAuth(unquote(user), unquote(password)))
    return store
