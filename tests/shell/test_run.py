"""`umm run` and `umm ps`."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import umm_command
from tests.shell.conftest import make_env
from umm.shell.activation import Activator
from umm.shell.run import RunRequest, build_environ, source_scripts
from umm.shell.settings import ShellSettings

pytestmark = pytest.mark.skipif(os.name == "nt", reason="POSIX process semantics")


@pytest.fixture
def demo(umm_env):
    return make_env(umm_env.root_prefix / "envs" / "demo", "demoprog",
                    scripts={"activate.d/a.sh": 'export FROM_SCRIPT="script $CONDA_DEFAULT_ENV"\n'
                                                 'echo "noise from activate.d"\n'},
                    env_vars={"STATE_VAR": "from state"})


def test_runs_program_with_exit_code_and_streams(umm_env, demo):
    proc = umm_env.run("run", "-n", "demo", "demoprog", check=True)
    assert proc.stdout == f"demoprog from {demo}\n"
    assert "noise from activate.d" in proc.stderr  # script output never pollutes stdout
    proc = umm_env.run("run", "-n", "demo", "sh", "-c", "cat; exit 7", input="piped in\n")
    assert proc.returncode == 7 and proc.stdout == "piped in\n"


def test_environment_is_activated(umm_env, demo, tmp_path):
    code = ('import json, os; print(json.dumps({k: os.environ.get(k) for k in '
            '["CONDA_PREFIX", "CONDA_SHLVL", "CONDA_DEFAULT_ENV", "FROM_SCRIPT", "STATE_VAR", '
            '"EXTRA", "COPIED", "PATH"]}))')
    proc = umm_env.run("run", "-p", str(demo), "--cwd", str(tmp_path), "-e", "EXTRA=x=y",
                       "-e", "COPIED", sys.executable, "-c", code + "; print(os.getcwd())",
                       env={"COPIED": "copied value"}, check=True)
    doc = json.loads(proc.stdout.splitlines()[0])
    assert doc["CONDA_PREFIX"] == str(demo) and doc["CONDA_SHLVL"] == "1"
    assert doc["CONDA_DEFAULT_ENV"] == "demo" and doc["STATE_VAR"] == "from state"
    assert doc["FROM_SCRIPT"] == "script demo"
    assert doc["EXTRA"] == "x=y" and doc["COPIED"] == "copied value"
    assert doc["PATH"].split(os.pathsep)[0] == str(demo / "bin")
    assert proc.stdout.splitlines()[1] == str(tmp_path)


def test_clean_env(umm_env, demo):
    proc = umm_env.run("run", "--clean-env", "-n", "demo", "env", env={"SECRET_THING": "1"},
                       check=True)
    names = {line.split("=", 1)[0] for line in proc.stdout.splitlines() if "=" in line}
    assert "SECRET_THING" not in names and "PYTHONPATH" not in names
    assert {"PATH", "HOME", "CONDA_PREFIX", "STATE_VAR", "FROM_SCRIPT"} <= names


def test_replaces_the_active_env(umm_env, demo):
    other = make_env(umm_env.root_prefix / "envs" / "other", "otherprog")
    env = Activator(umm_env.environ, str(umm_env.root_prefix)).activate(str(other)).apply(
        umm_env.environ)
    proc = umm_env.run("run", "-n", "demo", "sh", "-c", 'echo "$PATH|$CONDA_PREFIX_1"',
                       env=env, check=True)
    path, previous = proc.stdout.strip().split("|")
    assert str(other / "bin") not in path.split(":") and previous == str(other)


def test_defaults_to_active_env_then_root(umm_env, demo):
    proc = umm_env.run("run", "sh", "-c", 'echo "$CONDA_PREFIX"',
                       env={"CONDA_PREFIX": str(demo), "CONDA_SHLVL": "1"}, check=True)
    assert proc.stdout.strip() == str(demo)
    proc = umm_env.run("run", "sh", "-c", 'echo "$CONDA_DEFAULT_ENV"', check=True)
    assert proc.stdout.strip() == "base"


def test_errors_are_one_line(umm_env, demo):
    proc = umm_env.run("run", "-n", "demo", "no-such-program")
    assert proc.returncode == 127 and "no-such-program" in proc.stderr
    proc = umm_env.run("run", "-n", "nowhere", "true")
    assert proc.returncode == 1 and "prefix does not exist" in proc.stderr
    proc = umm_env.run("run", "-n", "demo")
    assert proc.returncode == 2 and "Did not receive any command" in proc.stderr
    proc = umm_env.run("run", "-n", "demo", "-a", "bogus", "true")
    assert proc.returncode == 2
    for p in (proc,):
        assert "Traceback" not in p.stderr


def test_attach_none_discards_output(umm_env, demo):
    proc = umm_env.run("run", "-a", "", "-n", "demo", "demoprog", check=True)
    assert proc.stdout == ""


def test_command_killed_by_signal(umm_env, demo):
    proc = umm_env.run("run", "-n", "demo", "sh", "-c", "kill -TERM $$")
    assert proc.returncode == -signal.SIGTERM


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGUSR1])
def test_signals_are_forwarded(umm_env, demo, tmp_path, sig):
    marker = tmp_path / "got"
    code = ("import signal, sys, time\n"
            "def h(n, f):\n"
            f"    open({str(marker)!r}, 'w').write(str(n)); sys.exit(42)\n"
            f"signal.signal({int(sig)}, h)\n"
            "print('ready', flush=True)\n"
            "time.sleep(60)\n")
    proc = subprocess.Popen(umm_command() + ["run", "-n", "demo", sys.executable, "-c", code],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=umm_env.environ, start_new_session=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
        proc.send_signal(sig)
        assert proc.wait(timeout=30) == 42
        assert marker.read_text() == str(int(sig))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_foreground_run_is_listed_by_ps(umm_env, demo):
    proc = subprocess.Popen(umm_command() + ["run", "--label", "fg-job", "-n", "demo", "sh", "-c",
                                             "echo ready; sleep 30"],
                            stdout=subprocess.PIPE, text=True, env=umm_env.environ)
    try:
        assert proc.stdout.readline().strip() == "ready"
        listing = umm_env.run("ps", "list", check=True).stdout
        assert "fg-job" in listing and str(proc.pid) in listing and "sh -c" in listing
        clash = umm_env.run("run", "--label", "fg-job", "-n", "demo", "true")
        assert clash.returncode == 1 and "fg-job" in clash.stderr
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert "No running processes" in umm_env.run("ps", check=True).stdout


def _wait_gone(pid: int, timeout: float = 20) -> bool:
    from umm.shell.proc import pid_alive

    end = time.time() + timeout
    while time.time() < end:
        if not pid_alive(pid):
            return True
        time.sleep(0.1)
    return False


def test_detach_ps_list_and_stop(umm_env, demo, tmp_path):
    out_file = tmp_path / "out"
    proc = umm_env.run("run", "-d", "--label", "sleeper", "-n", "demo", "sh", "-c",
                       f'echo "$CONDA_DEFAULT_ENV" > "{out_file}"; exec sleep 60', check=True)
    assert "sleeper" in proc.stdout
    listed = json.loads(umm_env.run("ps", "list", "--json", check=True).stdout)
    assert [p["name"] for p in listed] == ["sleeper"]
    info = listed[0]
    assert info["command"][:2] == ["sh", "-c"] and info["prefix"] == str(demo)
    pid, child = int(info["pid"]), info["child_pid"]
    proc_file = umm_env.home / ".cache" / "mamba" / "proc" / f"{pid}.json"
    assert json.loads(proc_file.read_text())["name"] == "sleeper"  # micromamba's layout
    table = umm_env.run("ps", check=True).stdout
    assert table.splitlines()[0].split() == ["PID", "Name", "Prefix", "Command"]
    assert "demo" in table
    stopped = umm_env.run("ps", "stop", "sleeper", check=True)
    assert f"Stopping sleeper [{pid}]" in stopped.stdout
    assert _wait_gone(pid) and _wait_gone(child)
    assert out_file.read_text().strip() == "demo"
    assert not proc_file.exists()
    missing = umm_env.run("ps", "stop", "sleeper")
    assert missing.returncode == 1 and "Did not find any matching process" in missing.stderr


def test_detach_generates_unique_names(umm_env, demo):
    names = []
    try:
        for _ in range(2):
            umm_env.run("run", "-d", "-n", "demo", "sleep", "60", check=True)
        names = [p["name"] for p in json.loads(umm_env.run("ps", "list", "--json").stdout)]
        assert len(names) == 2 and len(set(names)) == 2
        assert all(n.endswith("_sleep") for n in names)
    finally:
        for p in json.loads(umm_env.run("ps", "list", "--json").stdout):
            umm_env.run("ps", "stop", p["pid"])


def test_stale_proc_files_are_pruned(umm_env):
    folder = umm_env.home / ".cache" / "mamba" / "proc"
    folder.mkdir(parents=True)
    dead = subprocess.Popen(["true"])
    dead.wait()
    (folder / f"{dead.pid}.json").write_text(json.dumps({"name": "x", "command": ["y"],
                                                         "prefix": ""}))
    assert "No running processes" in umm_env.run("ps", "list", check=True).stdout
    assert not (folder / f"{dead.pid}.json").exists()


# -- the environment without and with a shell -------------------------------------------
def test_in_process_and_sourced_environments_agree(tmp_path):
    """The in-process activation and the same activation run by /bin/sh give the same
    environment: sourcing only adds what scripts export."""
    root = tmp_path / "root"
    env_dir = make_env(root / "envs" / "e", env_vars={"A": "1", "B": "two words"})
    base = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "KEEP": "x'y\"z",
            "MULTI": "line1\nline2"}
    change = Activator(base, str(root), prompt_var=None).activate(str(env_dir))
    assert change.scripts == ()
    assert source_scripts(change, base) == change.apply(base)
    st = ShellSettings(str(root))
    request = RunRequest(str(env_dir), ["true"], settings=st)
    assert build_environ(request, base) == change.apply(base)
    (env_dir / "etc" / "conda" / "activate.d").mkdir(parents=True)
    (env_dir / "etc" / "conda" / "activate.d" / "s.sh").write_text("export FROM_SH=yes\n")
    with_scripts = build_environ(request, base)
    assert with_scripts == dict(change.apply(base), FROM_SH="yes")


def test_failing_activation_script_is_an_error(tmp_path):
    from umm.shell.errors import ActivationScriptError

    root = tmp_path / "root"
    env_dir = make_env(root / "envs" / "e", scripts={"activate.d/bad.sh": "exit 3\n"})
    request = RunRequest(str(env_dir), ["true"], settings=ShellSettings(str(root)))
    with pytest.raises(ActivationScriptError) as info:
        build_environ(request, {"PATH": os.environ["PATH"]})
    assert info.value.status == 3 and str(Path(env_dir)) in info.value.scripts[0]
