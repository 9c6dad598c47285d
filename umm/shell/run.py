"""``umm run``: a command in an activated environment, without a shell to set up.

The activated environment is computed in-process (:class:`Activator`); when the
environment has ``etc/conda/activate.d/*.sh`` scripts (or the one being replaced has
``deactivate.d`` scripts), the activation code is run by ``/bin/sh`` instead, which
sources them, and the resulting environment is read back (``env -0``), so the
scripts' exports reach the command. The command inherits stdin/stdout/stderr, gets
the signals umm receives, and its exit status is umm's.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from typing import Dict, List, Mapping, Optional, Sequence

from umm.reporter import NULL, Reporter
from umm.shell.activation import Activator
from umm.shell.exe import visible_pid
from umm.shell.errors import (ActivationScriptError, BadEnvAssignment, CommandNotFound,
                              DetachFailed, NoCommand, PrefixNotFound, ShellError)
from umm.shell.settings import ShellSettings

#: what --clean-env keeps besides the activation's own variables
CLEAN_ENV_KEEP = ("HOME", "USER", "LOGNAME", "SHELL", "TERM", "LANG", "TMPDIR", "TZ",
                  "SYSTEMROOT", "SYSTEMDRIVE", "COMSPEC", "WINDIR", "TEMP", "TMP",
                  "USERPROFILE")
#: variables a shell sets for itself, not part of what the scripts export
_SHELL_OWN = ("PWD", "OLDPWD", "SHLVL", "_")
_FORWARDED = ("SIGTERM", "SIGHUP", "SIGINT", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGCONT",
              "SIGWINCH")
_STREAMS = ("stdin", "stdout", "stderr")


class RunRequest:
    """What to run where (immutable). ``env_assignments``: ``VAR=VALUE`` or ``VAR``
    (copied from the current environment); ``attach``: streams connected to the
    terminal (the others go to /dev/null)."""

    __slots__ = ("prefix", "command", "cwd", "env_assignments", "clean_env", "label",
                 "attach", "settings")

    def __init__(self, prefix: str, command: Sequence[str], *, settings: ShellSettings,
                 cwd: Optional[str] = None, env_assignments: Sequence[str] = (),
                 clean_env: bool = False, label: Optional[str] = None,
                 attach: Sequence[str] = _STREAMS) -> None:
        for name, value in (("prefix", prefix), ("command", tuple(command)), ("cwd", cwd),
                            ("env_assignments", tuple(env_assignments)),
                            ("clean_env", clean_env), ("label", label),
                            ("attach", tuple(attach)), ("settings", settings)):
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("RunRequest is immutable")

    def __repr__(self) -> str:
        return f"RunRequest({self.prefix!r}, {list(self.command)!r})"


class RunResult:
    """Exit status of the command: ``exit_code`` as a shell reports it (128+N when
    killed by signal N, then ``signal`` is N)."""

    __slots__ = ("exit_code", "signal", "pid")

    def __init__(self, exit_code: int, signal_number: Optional[int] = None,
                 pid: Optional[int] = None) -> None:
        object.__setattr__(self, "exit_code", exit_code)
        object.__setattr__(self, "signal", signal_number)
        object.__setattr__(self, "pid", pid)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("RunResult is immutable")

    def __repr__(self) -> str:
        return f"RunResult(exit_code={self.exit_code}, signal={self.signal})"


# -- the environment -------------------------------------------------------------------
def _env0_script(body: str) -> str:
    # the scripts' own output goes to stderr; the environment comes out on fd 3
    return ("exec 3>&1 1>&2\n" + body +
            "env -0 >&3 2>/dev/null || perl -e 'print map {\"$_=$ENV{$_}\\0\"} keys %ENV' >&3"
            " || exit 97\n")


def _parse_env0(data: bytes) -> Dict[str, str]:
    env: Dict[str, str] = {}
    for item in data.split(b"\0"):
        if not item:
            continue
        key, sep, value = item.partition(b"=")
        if sep:
            env[os.fsdecode(key)] = os.fsdecode(value)
    return env


def source_scripts(change, base: Mapping[str, str]) -> Dict[str, str]:
    """Run the activation code of ``change`` in /bin/sh with ``base`` and return the
    environment it ends with (activate.d/deactivate.d scripts included)."""
    from umm.shell.shells.posix import PosixShell

    sh = "/bin/sh" if os.path.exists("/bin/sh") else (shutil.which("sh") or "sh")
    proc = subprocess.run([sh, "-c", _env0_script(PosixShell().render(change))],
                          env=dict(base), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE)
    if proc.stderr:
        sys.stderr.buffer.write(proc.stderr)  # what the scripts printed
        sys.stderr.flush()
    env = _parse_env0(proc.stdout) if proc.returncode == 0 else {}
    if not env:
        raise ActivationScriptError(change.scripts, proc.returncode,
                                    proc.stderr.decode("utf-8", "replace"))
    for key in _SHELL_OWN:
        env.pop(key, None)
        if key in base:
            env[key] = base[key]
    for key, value in base.items():  # names a POSIX shell cannot carry
        if key not in env and not key.replace("_", "a").isalnum():
            env[key] = value
    return env


def build_environ(request: RunRequest, environ: Mapping[str, str],
                  reporter: Reporter = NULL) -> Dict[str, str]:
    """The environment the command runs with."""
    st = request.settings
    base = dict(environ)
    if request.clean_env:
        plain = Activator(base, st.root_prefix, script_exts=(), prompt_var=None).deactivate_all()
        base = {k: v for k, v in plain.items()
                if k == "PATH" or k in CLEAN_ENV_KEEP or k.startswith("LC_")}
    exts = (".sh",) if os.name != "nt" else ()
    activator = Activator(base, st.root_prefix, script_exts=exts, prompt_var=None,
                          changeps1=st.changeps1, env_prompt=st.env_prompt, reporter=reporter)
    change = activator.activate(request.prefix)
    env = source_scripts(change, base) if change.scripts else change.apply(base)
    for item in request.env_assignments:
        key, sep, value = item.partition("=")
        if not key or "\0" in key or (os.name != "nt" and "=" in key):
            raise BadEnvAssignment(item)
        if sep:
            env[key] = value
        elif key in environ:
            env[key] = environ[key]
        else:
            reporter.warning(f"Requested env var {key} does not exist in environment")
    return env


def resolve_program(program: str, env: Mapping[str, str]) -> Optional[str]:
    if os.sep in program or (os.altsep and os.altsep in program):
        return program if os.path.exists(program) else None
    return shutil.which(program, path=env.get("PATH", ""))


# -- running ---------------------------------------------------------------------------
def _check(request: RunRequest) -> None:
    if not request.command:
        raise NoCommand()
    if not os.path.isdir(request.prefix):
        raise PrefixNotFound(request.prefix, action="run")
    if request.cwd is not None and not os.path.isdir(request.cwd):
        raise ShellError(f"--cwd: not a directory: {request.cwd}")


def _prepare(request: RunRequest, environ: Mapping[str, str], reporter: Reporter):
    _check(request)
    env = build_environ(request, environ, reporter)
    cmd = list(request.command)
    exe = resolve_program(cmd[0], env)
    if exe is None:
        raise CommandNotFound(cmd[0], request.prefix)
    return env, cmd, exe


def _streams(attach: Sequence[str]) -> dict:
    return {name: (None if name in attach else subprocess.DEVNULL) for name in _STREAMS}


def _in_foreground() -> bool:
    """Is umm in the terminal's foreground process group (so a Ctrl-C from the terminal
    already reaches the command, and must not be sent twice)?"""
    for fd in (0, 1, 2):
        try:
            if os.isatty(fd) and os.tcgetpgrp(fd) == os.getpgrp():
                return True
        except OSError:
            continue
    return False


def _supervise(proc: "subprocess.Popen[bytes]", tty_aware: bool) -> RunResult:
    """Wait for ``proc``, passing it the signals we receive."""
    previous = {}

    def forward(signum, _frame) -> None:
        if tty_aware and signum in (signal.SIGINT, signal.SIGQUIT) and _in_foreground():
            return
        try:
            proc.send_signal(signum)
        except (ProcessLookupError, OSError):
            pass

    for name in _FORWARDED:
        sig = getattr(signal, name, None)
        if sig is None:
            continue
        try:
            previous[sig] = signal.signal(sig, forward)
        except (OSError, ValueError):
            continue
    try:
        while True:
            try:
                code = proc.wait()
                break
            except KeyboardInterrupt:  # a handler we could not replace
                continue
    finally:
        for sig, handler in previous.items():
            try:
                signal.signal(sig, handler)
            except (OSError, ValueError, TypeError):
                pass
    if code < 0:
        return RunResult(128 - code, -code, proc.pid)
    return RunResult(code, None, proc.pid)


def run_command(request: RunRequest, reporter: Reporter = NULL,
                environ: Optional[Mapping[str, str]] = None) -> RunResult:
    """Run in the foreground; registers a process file while it runs."""
    from umm.shell import proc as procfiles

    environ = dict(os.environ if environ is None else environ)
    env, cmd, exe = _prepare(request, environ, reporter)
    info = None
    me = visible_pid()  # the onefile launcher's pid when there is one: what the user sees
    try:
        info = procfiles.register(environ, me, cmd, request.prefix, request.label)
    except OSError as exc:
        reporter.debug(f"could not write the process file: {exc}")
    try:
        try:
            child = subprocess.Popen([exe] + cmd[1:], env=env, cwd=request.cwd,
                                     **_streams(request.attach))
        except OSError as exc:
            raise ShellError(f"could not run {cmd[0]}: {exc.strerror or exc}") from exc
        if info is not None:
            try:
                procfiles.update_child(environ, info, child.pid)
            except OSError:
                pass
        return _supervise(child, tty_aware=True)
    finally:
        if info is not None:
            procfiles.unregister(environ, me)


class Detached:
    """A command started with ``--detach``: ``pid`` of its umm supervisor, ``name``."""

    __slots__ = ("pid", "name", "child_pid")

    def __init__(self, pid: int, name: str, child_pid: int) -> None:
        object.__setattr__(self, "pid", pid)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "child_pid", child_pid)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Detached is immutable")

    def __repr__(self) -> str:
        return f"Detached(pid={self.pid}, name={self.name!r})"


def detach_command(request: RunRequest, reporter: Reporter = NULL,
                   environ: Optional[Mapping[str, str]] = None) -> Detached:
    """Start the command in a new session under a forked umm supervisor (POSIX), with
    stdin/stdout/stderr on /dev/null; returns once its process file is written."""
    import json

    from umm.shell import proc as procfiles

    if not hasattr(os, "fork"):
        from umm.shell.errors import UnsupportedOnPlatform

        raise UnsupportedOnPlatform("umm run --detach", "POSIX systems")
    environ = dict(os.environ if environ is None else environ)
    env, cmd, exe = _prepare(request, environ, reporter)
    if request.label:
        from umm.shell.errors import LabelInUse

        for p in procfiles.list_processes(environ):
            if p.name == request.label:
                raise LabelInUse(request.label, p.pid)
    with procfiles.locked(environ):
        pass  # create the folder (and import what the child needs) before forking
    read_fd, write_fd = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the supervisor
        code = 1
        try:
            os.close(read_fd)
            os.setsid()
            null = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):
                os.dup2(null, fd)
            info = procfiles.register(environ, os.getpid(), cmd, request.prefix, request.label)
            try:
                child = subprocess.Popen([exe] + cmd[1:], env=env, cwd=request.cwd)
                info = procfiles.update_child(environ, info, child.pid)
                os.write(write_fd, json.dumps({"name": info.name,
                                               "child": child.pid}).encode())
                os.close(write_fd)
                code = _supervise(child, tty_aware=False).exit_code
            finally:
                procfiles.unregister(environ, os.getpid())
        except BaseException as exc:  # report to the parent, never return into its code
            try:
                os.write(write_fd, json.dumps({"error": str(exc) or type(exc).__name__}).encode())
            except OSError:
                pass
        finally:
            os._exit(code)
    os.close(write_fd)
    chunks: List[bytes] = []
    while True:
        data = os.read(read_fd, 65536)
        if not data:
            break
        chunks.append(data)
    os.close(read_fd)
    try:
        doc = json.loads(b"".join(chunks).decode() or "{}")
    except ValueError:
        doc = {}
    if "name" not in doc:
        try:
            os.waitpid(pid, 0)
        except OSError:
            pass
        raise DetachFailed(doc.get("error", "the supervisor exited"), " ".join(cmd))
    return Detached(pid, doc["name"], int(doc.get("child", 0)))
